"""A small OAuth2 token issuer for the tests: discovery (``/.well-known/openid-configuration``),
its keys (``/jwks``) and a client-credentials token endpoint (``/token``) over HTTP on a free port,
signing RS256 with a test key. Its clock is the test's, so token lifetimes follow virtual time.

Knobs: ``down`` (every request gets 503), ``audience``/``scope`` (issue these instead of what was
asked), ``lifetime``, ``rogue`` (sign with a key it does not publish, under its own kid)."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.auth.clocks import FakeClock

KID = "test-key-1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TokenRequest:
    form: dict[str, str]
    basic: tuple[str, str] | None


@dataclass
class Issuer:
    clock: FakeClock
    client_id: str = "apf-client"
    client_secret: str = "s3cr3t-Client-Secret-9f2c"
    lifetime: int = 3600
    down: bool = False
    audience: str | list[str] | None = None
    scope: str | None = None
    rogue: bool = False
    url: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    rogue_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    requests: list[TokenRequest] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KID, alg="RS256", use="sig")
        return {"keys": [jwk]}

    def mint(self, **claims: Any) -> str:
        """A token signed by this issuer (or by the rogue key); claims override the defaults."""
        now = int(self.clock.time())
        body: dict[str, Any] = {
            "iss": self.url,
            "sub": f"client:{self.client_id}",
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "jti": str(uuid.uuid4()),
            "wlcg.ver": "1.0",
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        key = self.rogue_key if self.rogue else self.key
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": KID})

    def _token(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        self.requests.append(TokenRequest(form, basic))
        creds = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if creds != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client", "error_description": "bad client credentials"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        aud = self.audience if self.audience is not None else form.get("audience")
        scope = self.scope if self.scope is not None else form.get("scope")
        token = self.mint(aud=aud, scope=scope)
        self.issued.append(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}


def _handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if issuer.down:
                return self._send(503, {"error": "temporarily_unavailable"})
            if self.path == "/.well-known/openid-configuration":
                return self._send(
                    200,
                    {
                        "issuer": issuer.url,
                        "token_endpoint": issuer.url + "/token",
                        "jwks_uri": issuer.url + "/jwks",
                    },
                )
            if self.path == "/jwks":
                return self._send(200, issuer.jwks())
            return self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if issuer.down:
                return self._send(503, {"error": "temporarily_unavailable"})
            if self.path != "/token":
                return self._send(404, {"error": "not_found"})
            form = dict(urllib.parse.parse_qsl(raw))
            basic = None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                basic = (urllib.parse.unquote(user), urllib.parse.unquote(pw))
            code, body = issuer._token(form, basic)
            return self._send(code, body)

    return Handler


@contextmanager
def running_issuer(clock: FakeClock, **kw: Any) -> Iterator[Issuer]:
    issuer = Issuer(clock, **kw)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(issuer))
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        t.join(10)
