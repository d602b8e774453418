"""Who may write. Factories authenticate by token or by source address (configurable); wrappers may
only move a pilot along created -> running -> exiting; deletes and admin actions need the admin token."""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from autopyfactory.monitor_server.db.tx import reading
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings
from autopyfactory.monitor_server.store.factories import factory_addresses
from autopyfactory.monitor_server.store.tokens import factory_of_token


@dataclass(frozen=True, slots=True)
class Caller:
    address: str
    token: str | None = None


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


class _TTLCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._d: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, str | None]:
        with self._lock:
            hit = self._d.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: str, value: str | None) -> None:
        with self._lock:
            if len(self._d) > 10_000:
                self._d.clear()
            self._d[key] = (time.monotonic() + self.ttl, value)

    def drop(self, key: str) -> None:
        with self._lock:
            self._d.pop(key, None)


class Authorizer:
    """Decisions only; the routes turn a refusal into 401/403 with a reason."""

    def __init__(self, settings: AuthSettings, engine: Engine, cache_seconds: float = 10.0) -> None:
        self.settings = settings
        self.engine = engine
        self._tokens = _TTLCache(cache_seconds)
        self._addresses = _TTLCache(cache_seconds)

    @property
    def mode(self) -> AuthMode:
        return self.settings.mode

    def is_admin(self, caller: Caller) -> bool:
        admin = self.settings.admin_token
        return bool(admin and caller.token and hmac.compare_digest(caller.token.encode(), admin.encode()))

    def token_factory(self, token: str) -> str | None:
        hit, value = self._tokens.get(token)
        if not hit:
            with reading(self.engine) as conn:
                value = factory_of_token(conn, token)
            self._tokens.put(token, value)
        return value

    def registered_address(self, factory: str) -> str | None:
        hit, value = self._addresses.get(factory)
        if not hit:
            with reading(self.engine) as conn:
                value = factory_addresses(conn, [factory]).get(factory)
            if value is not None:
                # an absence is not cached: another server process may register the factory
                # meanwhile, and a cached "nobody" would let any address write its data
                self._addresses.put(factory, value)
        return value

    def forget(self, factory: str) -> None:
        """The factory was (re)registered or deleted here: re-read its address next time."""
        self._addresses.drop(factory)

    def may_write(self, caller: Caller, factory: str) -> bool:
        """May ``caller`` write data of ``factory`` (an existing one, or register it)?"""
        if self.is_admin(caller):
            return True
        if self.mode is AuthMode.TOKEN:
            return caller.token is not None and self.token_factory(caller.token) == factory
        registered = self.registered_address(factory)
        return registered is None or registered == caller.address

    def may_register(self, conn: Connection, caller: Caller, factory: str) -> bool:
        """:meth:`may_write`, for registering ``factory``, checked uncached inside the write
        transaction ``conn``: two new registrations from different addresses cannot both win."""
        if self.mode is AuthMode.TOKEN or self.is_admin(caller):
            return self.may_write(caller, factory)
        registered = factory_addresses(conn, [factory]).get(factory)
        return registered is None or registered == caller.address

    def refusal(self, factory: str) -> str:
        if self.mode is AuthMode.TOKEN:
            return (
                f"writing data of factory '{factory}' needs that factory's token (Authorization: Bearer ...)"
            )
        return f"factory '{factory}' is registered from another address"
