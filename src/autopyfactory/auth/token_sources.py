"""Where a ``Token`` profile's tokens come from.

- ``client_credentials``: the OAuth2 client-credentials grant (RFC 6749 4.4) at the issuer's token
  endpoint, IAM-style (``audience`` and ``scope`` form fields). The client id and secret are read
  from their files at every request (a rotated secret is picked up) and go only into the request
  to the token endpoint: never on a command line, into the environment or a log.
- ``oidc-agent``: ``oidc-token --aud=A --scope=S --time=N --name=autopyfactory ACCOUNT`` asks a
  running oidc-agent (``OIDC_SOCK``); the agent holds the refresh token.
- ``htgettoken``: ``htgettoken -a VAULT [-i ISSUER] [-r ROLE] --audience=A --scopes=S --minsecs=N
  --nooidc -o FILE``: a token from a Hashicorp vault (authenticated by Kerberos or a vault token;
  never interactively).
- ``file``: another tool keeps the file fresh; it is only read and checked."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Protocol

import httpx

from autopyfactory.auth import token_keys
from autopyfactory.auth.issuer import Issuer, IssuerError
from autopyfactory.auth.token_spec import TokenSpec
from autopyfactory.auth.tools import run_tool
from autopyfactory.net.deadline import http_client

MAX_BYTES = 1_000_000


class SourceError(Exception):
    """No token could be had from the source (the message never holds a secret or a token)."""


class TokenSource(Protocol):
    """Where new tokens come from (one kind per ``token.source``); ``close`` releases what it holds."""

    name: str

    def fetch(self, audience: str | None, scopes: tuple[str, ...], minsecs: int, scratch: Path) -> str:
        """A new token's text; ``scratch``: a private path the source may write to."""
        ...

    def close(self) -> None: ...


def _read_secret(path: Path | None, what: str) -> str:
    if path is None:
        raise SourceError(f"no {what} file configured")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SourceError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    if not text:
        raise SourceError(f"the {what} file {path} is empty")
    return text


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


class ClientCredentials:
    """The OAuth2 client-credentials grant at the issuer's token endpoint, the client id and secret read
    from their files at every request."""

    name = token_keys.CLIENT_CREDENTIALS

    def __init__(self, spec: TokenSpec, issuer: Issuer | None) -> None:
        self.spec = spec
        self.issuer = issuer
        self.client = http_client(spec.timeout, max_bytes=MAX_BYTES)

    def endpoint(self) -> str:
        if self.spec.token_endpoint:
            return self.spec.token_endpoint
        if self.issuer is None:
            raise SourceError("no token endpoint: set token.issuer or token.token_endpoint")
        try:
            return self.issuer.token_endpoint()
        except IssuerError as exc:
            raise SourceError(str(exc)) from None

    def fetch(self, audience: str | None, scopes: tuple[str, ...], minsecs: int, scratch: Path) -> str:
        client_id = _read_secret(self.spec.client_id_file, "client id")
        secret = _read_secret(self.spec.client_secret_file, "client secret")
        url = self.endpoint()
        form = {"grant_type": "client_credentials"}
        if scopes:
            form["scope"] = " ".join(scopes)
        if audience:
            form["audience"] = audience
        auth: httpx.Auth | None = None
        if self.spec.client_auth == "basic":  # RFC 6749 2.3.1: both form-encoded, then Basic
            auth = httpx.BasicAuth(
                urllib.parse.quote(client_id, safe=""), urllib.parse.quote(secret, safe="")
            )
        else:
            form.update(client_id=client_id, client_secret=secret)
        try:
            resp = self.client.post(
                url,
                data=form,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                headers={"Accept": "application/json"},
            )
        except httpx.TimeoutException:
            raise SourceError(f"token endpoint {url}: no answer within {self.spec.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"token endpoint {url}: {type(exc).__name__}: {exc}") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code != 200 or not isinstance(body, dict):
            detail = ""
            if isinstance(body, dict) and body.get("error"):
                detail = f": {body.get('error')}"
                if body.get("error_description"):
                    detail += f" ({str(body.get('error_description'))[:200]})"
            detail = detail.replace(secret, "<secret>")
            raise SourceError(f"token endpoint {url}: HTTP {resp.status_code}{detail}")
        token = body.get("access_token")
        if not isinstance(token, str) or not token.strip():
            raise SourceError(f"token endpoint {url}: the answer has no access_token")
        return token.strip()

    def close(self) -> None:
        self.client.close()


class OidcAgent:
    """Tokens from a running oidc-agent through ``oidc-token``."""

    name = token_keys.OIDC_AGENT

    def __init__(self, spec: TokenSpec) -> None:
        self.spec = spec

    def command(self, audience: str | None, scopes: tuple[str, ...], minsecs: int) -> list[str]:
        cmd = ["oidc-token"]
        if audience:
            cmd.append(f"--aud={audience}")
        if scopes:
            cmd.append(f"--scope={' '.join(scopes)}")
        cmd += [f"--time={minsecs}", "--name=autopyfactory", str(self.spec.oidc_account)]
        return cmd

    def fetch(self, audience: str | None, scopes: tuple[str, ...], minsecs: int, scratch: Path) -> str:
        env = {"OIDC_SOCK": self.spec.oidc_sock} if self.spec.oidc_sock else None
        r = run_tool(self.command(audience, scopes, minsecs), env=env, timeout=self.spec.timeout)
        token = r.out.strip()
        if not r.ok or not token:
            why = _last_line(r.err) or ("no token on its output" if r.ok else f"exit {r.rc}")
            raise SourceError(f"oidc-token (account {self.spec.oidc_account}) failed: {why}")
        return token.splitlines()[0].strip()

    def close(self) -> None:
        pass


class HtGetToken:
    """Tokens from a Vault server through ``htgettoken``."""

    name = token_keys.HTGETTOKEN

    def __init__(self, spec: TokenSpec) -> None:
        self.spec = spec

    def command(self, audience: str | None, scopes: tuple[str, ...], minsecs: int, out: Path) -> list[str]:
        s = self.spec
        cmd = ["htgettoken", "-a", str(s.vaultserver)]
        if s.vaultissuer:
            cmd += ["-i", s.vaultissuer]
        if s.vaultrole:
            cmd += ["-r", s.vaultrole]
        if audience:
            cmd.append(f"--audience={audience}")
        if scopes:
            cmd.append(f"--scopes={','.join(scopes)}")
        if s.vaulttokenfile:
            cmd.append(f"--vaulttokenfile={os.path.expanduser(s.vaulttokenfile)}")
        return [*cmd, f"--minsecs={minsecs}", "--nooidc", "-o", str(out), *s.htgettoken_args]

    def fetch(self, audience: str | None, scopes: tuple[str, ...], minsecs: int, scratch: Path) -> str:
        try:
            r = run_tool(self.command(audience, scopes, minsecs, scratch), timeout=self.spec.timeout)
            if not r.ok:
                why = _last_line(r.err) or f"exit {r.rc}"
                raise SourceError(f"htgettoken (vault {self.spec.vaultserver}) failed: {why}")
            try:
                token = scratch.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SourceError(f"htgettoken wrote no token to {scratch}: {exc.strerror}") from None
            if not token:
                raise SourceError(f"htgettoken wrote an empty token to {scratch}")
            return token
        finally:
            try:
                scratch.unlink()
            except OSError:
                pass

    def close(self) -> None:
        pass


def make_source(spec: TokenSpec, issuer: Issuer | None) -> TokenSource | None:
    """The profile's source; None for ``file`` (nothing to fetch: the file is only checked)."""
    if spec.source == token_keys.CLIENT_CREDENTIALS:
        return ClientCredentials(spec, issuer)
    if spec.source == token_keys.OIDC_AGENT:
        return OidcAgent(spec)
    if spec.source == token_keys.HTGETTOKEN:
        return HtGetToken(spec)
    return None
