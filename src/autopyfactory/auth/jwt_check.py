"""Reading and checking a bearer token (a JWT, WLCG common profile or SciTokens): its lifetime,
issuer, audience and scopes, and its signature against the issuer's keys.

PyJWT (with ``cryptography`` for RSA/EC keys) does the JOSE work: header parsing, the signature
with an allow-list of asymmetric algorithms (never ``none`` or HMAC: a token signed with a shared
secret could be forged by anyone who has the public key), and the JWKS keys. Times are checked
here against the caller's clock, so a test can move time without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from autopyfactory.auth.times import when

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
LEEWAY = 60.0  # seconds of clock skew accepted on nbf/iat
WLCG_ANY = "https://wlcg.cern.ch/jwt/v1/any"

KeyLookup = Callable[[str | None, str], Any]  # (kid, alg) -> key; raises TokenRefused


class TokenRefused(Exception):
    """The token cannot be used; the message says why (it never contains the token)."""


@dataclass(frozen=True, slots=True)
class Expect:
    """What a token must carry."""

    issuer: str | None = None
    audience: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """The claims that matter, from a token that passed the checks (``verified``: its signature)."""

    issuer: str
    subject: str
    audience: tuple[str, ...]
    scopes: tuple[str, ...]
    expires_at: float
    issued_at: float | None
    jti: str
    verified: bool

    @property
    def lifetime(self) -> float | None:
        return None if self.issued_at is None else self.expires_at - self.issued_at


def _number(claims: dict[str, Any], name: str) -> float | None:
    v = claims.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TokenRefused(f"claim {name} is not a number")
    return float(v)


def _scopes(claims: dict[str, Any]) -> tuple[str, ...]:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        return tuple(raw.split())
    if isinstance(raw, list):
        return tuple(str(s) for s in raw)
    return ()


def _audiences(claims: dict[str, Any]) -> tuple[str, ...]:
    raw = claims.get("aud")
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list):
        return tuple(str(a) for a in raw)
    return ()


def grants(granted: tuple[str, ...], wanted: str) -> bool:
    """Whether ``granted`` scopes cover ``wanted``: the same scope, or for path scopes
    (``storage.read:/atlas``) the same authorization on a parent path."""
    if wanted in granted:
        return True
    name, sep, path = wanted.partition(":")
    if not sep:
        return False
    for g in granted:
        gname, gsep, gpath = g.partition(":")
        if gsep and gname == name:
            base = gpath.rstrip("/")
            if base == "" or path == gpath or path.startswith(base + "/"):
                return True
    return False


def read_claims(token: str) -> dict[str, Any]:
    """The claims without any check (for showing a token); TokenRefused when it is not a JWT."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenRefused(f"not a JWT ({type(exc).__name__})") from None
    return claims


def info_of(claims: dict[str, Any], verified: bool) -> TokenInfo:
    exp = _number(claims, "exp")
    if exp is None:
        raise TokenRefused("no exp claim: its lifetime is unknown")
    return TokenInfo(
        issuer=str(claims.get("iss") or ""),
        subject=str(claims.get("sub") or ""),
        audience=_audiences(claims),
        scopes=_scopes(claims),
        expires_at=exp,
        issued_at=_number(claims, "iat"),
        jti=str(claims.get("jti") or ""),
        verified=verified,
    )


def _verified_claims(token: str, keys: KeyLookup) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRefused(f"not a JWT ({type(exc).__name__})") from None
    alg = str(header.get("alg", ""))
    if alg not in ALGORITHMS:
        raise TokenRefused(f"signature algorithm {alg or '(none)'} is not accepted ({', '.join(ALGORITHMS)})")
    kid = header.get("kid")
    key = keys(str(kid) if kid is not None else None, alg)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[alg],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise TokenRefused(
            f"bad signature (key {kid or '(no kid)'} of the issuer does not verify it)"
        ) from None
    except jwt.PyJWTError as exc:
        raise TokenRefused(f"cannot be verified: {type(exc).__name__}: {exc}") from None
    return claims


def check_token(token: str, expect: Expect, keys: KeyLookup | None, now: float) -> TokenInfo:
    """The token's claims after every check: signature (when ``keys``), issuer, not yet valid or
    expired at ``now``, audience and scopes. TokenRefused says which check failed."""
    claims = _verified_claims(token, keys) if keys is not None else read_claims(token)
    info = info_of(claims, keys is not None)
    if expect.issuer is not None and info.issuer.rstrip("/") != expect.issuer.rstrip("/"):
        raise TokenRefused(f"issued by {info.issuer or '(no iss)'}, not by {expect.issuer}")
    nbf = _number(claims, "nbf")
    if nbf is not None and nbf > now + LEEWAY:
        raise TokenRefused(f"not valid before {when(nbf)}")
    if info.expires_at <= now:
        raise TokenRefused(f"expired at {when(info.expires_at)}")
    if expect.audience is not None and expect.audience not in info.audience:
        has = ", ".join(info.audience) or "none"
        raise TokenRefused(f"audience {has}, not {expect.audience}")
    missing = [s for s in expect.scopes if not grants(info.scopes, s)]
    if missing:
        raise TokenRefused(f"lacks scopes {' '.join(missing)} (has {' '.join(info.scopes) or 'none'})")
    return info
