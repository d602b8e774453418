"""An OAuth2/OIDC issuer as the factory uses it: its discovery document
(``<issuer>/.well-known/openid-configuration``: the token endpoint and ``jwks_uri``) and its
signing keys (the JWKS), fetched over HTTP with a deadline and cached. A token signed with a key
the cache lacks makes one fresh fetch (key rotation), at most once a minute."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import jwt

from autopyfactory.auth.clock import Clock
from autopyfactory.auth.jwt_check import TokenRefused
from autopyfactory.net.deadline import http_client

CACHE_SECONDS = 3600.0
REFETCH_SECONDS = 60.0
MAX_BYTES = 1_000_000


class IssuerError(Exception):
    """The issuer could not be reached or answered nonsense (the message says which URL)."""


def get_json(client: httpx.Client, url: str, what: str) -> dict[str, Any]:
    try:
        resp = client.get(url, headers={"Accept": "application/json"})
    except httpx.TimeoutException as exc:
        raise IssuerError(f"{what} {url}: no answer in time ({exc})") from None
    except httpx.HTTPError as exc:
        raise IssuerError(f"{what} {url}: {type(exc).__name__}: {exc}") from None
    if resp.status_code != 200:
        raise IssuerError(f"{what} {url}: HTTP {resp.status_code}")
    try:
        data = resp.json()
    except ValueError:
        raise IssuerError(f"{what} {url}: not JSON") from None
    if not isinstance(data, dict):
        raise IssuerError(f"{what} {url}: not a JSON object")
    return data


class Issuer:
    """One OAuth2/OIDC issuer: its discovery document and signing keys, fetched with a deadline and cached
    (a key not in the cache makes at most one fresh fetch a minute)."""

    def __init__(self, url: str, timeout: float, clock: Clock) -> None:
        self.url = url.rstrip("/")
        self.clock = clock
        self.client = http_client(timeout, max_bytes=MAX_BYTES)
        self._lock = threading.Lock()
        self._meta: dict[str, Any] | None = None
        self._meta_at = 0.0
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}  # kid -> (key, the JWK's alg)
        self._keys_at: float | None = None

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock.monotonic()
            if self._meta is None or now - self._meta_at > CACHE_SECONDS:
                url = f"{self.url}/.well-known/openid-configuration"
                try:
                    meta = get_json(self.client, url, "issuer discovery")
                except IssuerError:
                    if self._meta is None:
                        raise
                    return self._meta  # while the issuer is down, what it said before still holds
                if str(meta.get("issuer", "")).rstrip("/") != self.url:
                    raise IssuerError(
                        f"issuer discovery {url}: names issuer {meta.get('issuer')!r}, not {self.url}"
                    )
                self._meta, self._meta_at = meta, now
            return self._meta

    def token_endpoint(self) -> str:
        ep = self.metadata().get("token_endpoint")
        if not isinstance(ep, str) or not ep:
            raise IssuerError(f"issuer {self.url}: its discovery document has no token_endpoint")
        return ep

    def _fetch_keys(self) -> None:
        uri = self.metadata().get("jwks_uri")
        if not isinstance(uri, str) or not uri:
            raise IssuerError(f"issuer {self.url}: its discovery document has no jwks_uri")
        data = get_json(self.client, uri, "issuer keys")
        try:
            keyset = jwt.PyJWKSet.from_dict(data)
        except jwt.PyJWTError as exc:
            raise IssuerError(f"issuer keys {uri}: no usable key ({exc})") from None
        algs = {str(d.get("kid") or ""): d.get("alg") for d in data.get("keys") or () if isinstance(d, dict)}
        keys = {str(k.key_id or ""): (k, algs.get(str(k.key_id or ""))) for k in keyset.keys}
        with self._lock:
            self._keys, self._keys_at = keys, self.clock.monotonic()

    def key(self, kid: str | None, alg: str) -> Any:
        """The key for a token's ``kid`` (TokenRefused when the issuer has none such; IssuerError
        when the keys cannot be fetched)."""
        now = self.clock.monotonic()
        with self._lock:
            have = bool(self._keys)
            stale = self._keys_at is None or now - self._keys_at > CACHE_SECONDS
        if stale:
            try:
                self._fetch_keys()
            except IssuerError:
                if not have:
                    raise  # while the issuer is down, the keys fetched before still verify
        found = self._pick(kid)
        if found is None:
            with self._lock:
                recent = self._keys_at is not None and now - self._keys_at < REFETCH_SECONDS
            if not recent:
                self._fetch_keys()
                found = self._pick(kid)
        if found is None:
            raise TokenRefused(
                f"signed with key {kid or '(no kid)'}, which issuer {self.url} does not publish"
            )
        key, jwk_alg = found
        if jwk_alg and jwk_alg != alg:
            raise TokenRefused(f"signed with {alg}, but the issuer's key {kid} is for {jwk_alg}")
        return key.key

    def _pick(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        with self._lock:
            if kid is not None:
                return self._keys.get(kid)
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def close(self) -> None:
        self.client.close()
