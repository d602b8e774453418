"""Fixtures for the monitor service: an app on a fresh SQLite database with a fake clock, clients
with a chosen source address and token, and a throwaway PostgreSQL cluster for the postgres tests."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from autopyfactory.monitor_server.app import create_app  # noqa: E402
from autopyfactory.monitor_server.clock import FakeClock  # noqa: E402
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ExpirySettings, ServerSettings  # noqa: E402
from autopyfactory.monitor_server.testing.pg import PostgresUnavailable, TempPostgres  # noqa: E402

from .browser import chromium, page  # noqa: E402, F401 (fixtures for the browser tests)

ADMIN = "admin-secret"
FACTORY_IP = "10.0.0.1"


@dataclass
class Mon:
    """One monitor app under test."""

    app: FastAPI
    clock: FakeClock
    settings: ServerSettings
    _clients: list[TestClient]

    def client(self, address: str = FACTORY_IP, token: str | None = None) -> TestClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = TestClient(self.app, client=(address, 40000), headers=headers)
        c.__enter__()
        self._clients.append(c)
        return c

    def admin(self) -> TestClient:
        return self.client("127.0.0.1", ADMIN)

    def token_for(self, factory: str) -> str:
        r = self.admin().post(f"/api/admin/tokens/{factory}")
        assert r.status_code == 201, r.text
        return r.text

    def expire(self) -> dict[str, int]:
        report = self.app.state.expiry.run_once(use_lease=False)
        return dict(report.items())


MonFactory = Callable[..., Mon]


@pytest.fixture
def make_mon(tmp_path: Path) -> Iterator[MonFactory]:
    made: list[Mon] = []

    def make(
        mode: AuthMode = AuthMode.ADDRESS,
        db_url: str | None = None,
        expiry: ExpirySettings | None = None,
        address_factories: tuple[str, ...] = (),
        trusted_networks: tuple[str, ...] = (),
    ) -> Mon:
        settings = ServerSettings(
            db_url=db_url or f"sqlite:///{tmp_path}/mon{len(made)}.db",
            auth=AuthSettings(mode, ADMIN, address_factories, trusted_networks),
            expiry=expiry or ExpirySettings(),
        )
        clock = FakeClock()
        mon = Mon(create_app(settings, clock=clock, run_expiry=False), clock, settings, [])
        made.append(mon)
        return mon

    yield make
    for m in made:
        for c in m._clients:
            c.__exit__(None, None, None)


@pytest.fixture
def mon(make_mon: MonFactory) -> Mon:
    """Address mode (as APFMon): the factory writes from FACTORY_IP."""
    return make_mon()


def register(
    c: TestClient, factory: str = "f1", labels: tuple[str, ...] = ("Q1",), cids: tuple[str, ...] = ()
) -> None:
    """Factory, labels and (in the first label) jobs, asserting success."""
    r = c.put(
        f"/api/factories/{factory}", json={"version": "3.0", "email": "a@example.org", "url": "http://logs/f"}
    )
    assert r.status_code in (200, 201), r.text
    r = c.put("/api/labels", json=[{"name": n, "factory": factory} for n in labels])
    assert r.status_code in (200, 201), r.text
    if cids:
        r = c.put("/api/jobs", json=[{"cid": cid, "label": labels[0], "factory": factory} for cid in cids])
        assert r.status_code == 201, r.text


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempPostgres]:
    try:
        pg = TempPostgres.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture
def pg_url(pg_cluster: TempPostgres, request: pytest.FixtureRequest) -> str:
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:50].lower()
    return pg_cluster.create_database(name)


__all__ = ["ADMIN", "FACTORY_IP", "Mon", "MonFactory", "register", "replace"]
