"""Per-factory tokens: only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from autopyfactory.monitor_server.db.schema import factory_tokens


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A factory token's factory and creation time (never the token itself)."""

    factory: str
    created: float


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn: Connection, factory: str, now: float) -> str:
    """A new token for ``factory`` (replacing any previous one); returned once, never stored in clear."""
    token = secrets.token_urlsafe(32)
    conn.execute(delete(factory_tokens).where(factory_tokens.c.factory == factory))
    conn.execute(insert(factory_tokens).values(factory=factory, token_sha256=digest(token), created=now))
    return token


def revoke_token(conn: Connection, factory: str) -> bool:
    return conn.execute(delete(factory_tokens).where(factory_tokens.c.factory == factory)).rowcount > 0


def factory_of_token(conn: Connection, token: str) -> str | None:
    row = conn.execute(
        select(factory_tokens.c.factory).where(factory_tokens.c.token_sha256 == digest(token))
    ).first()
    return None if row is None else str(row.factory)


def list_tokens(conn: Connection) -> list[TokenInfo]:
    rows = conn.execute(
        select(factory_tokens.c.factory, factory_tokens.c.created).order_by(factory_tokens.c.factory)
    )
    return [TokenInfo(r.factory, r.created) for r in rows]
