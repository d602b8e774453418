"""Migrations (the shipped revisions build exactly the declared schema) and the API on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from autopyfactory.monitor_server.db.engine import make_engine, normalise_url
from autopyfactory.monitor_server.db.migrate import current_revision, upgrade
from autopyfactory.monitor_server.db.schema import metadata
from autopyfactory.monitor_server.settings import AuthMode

from .conftest import MonFactory, register

DASHBOARD_INDEXES = {
    "ix_jobs_label_state_modified",
    "ix_jobs_label_created",
    "ix_jobs_factory_created",
    "ix_jobs_state_modified",
}


def _check_schema(url: str) -> None:
    engine = make_engine(url)
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert {ix["name"] for ix in inspect(conn).get_indexes("jobs")} >= DASHBOARD_INDEXES
    engine.dispose()


def test_migrations_build_the_declared_schema_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _check_schema(f"sqlite:///{tmp_path}/m.db")


def test_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u:p@h:5433/db") == "postgresql+psycopg://u:p@h:5433/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.postgres
def test_migrations_build_the_declared_schema_on_postgres(pg_url: str) -> None:
    _check_schema(pg_url)


@pytest.mark.postgres
def test_api_on_postgres(make_mon: MonFactory, pg_url: str) -> None:
    mon = make_mon(AuthMode.TOKEN, db_url=pg_url)
    f1 = mon.client("10.1.1.1", mon.token_for("f1"))
    register(f1, labels=("Q1", "Q2"), cids=tuple(f"{i}.0" for i in range(4)))
    wn = mon.client("172.16.0.9")
    assert wn.post("/api/jobs/f1:0.0", data={"state": "running"}).status_code == 200
    assert wn.post("/api/jobs/f1:0.0", data={"state": "exiting", "rc": "7"}).status_code == 200
    assert (
        wn.post("/api/jobs/f1:1.0", data={"state": "exiting", "rc": "0"}).text
        == "Invalid state transition: created->exiting"
    )
    assert wn.post("/api/jobs/f1:1.0", data={"state": "done"}).status_code == 403
    assert f1.post("/api/jobs/f1:0.0", data={"state": "done"}).status_code == 200
    assert f1.post("/api/jobs/f1:2.0", data={"state": "fault"}).status_code == 200
    assert f1.post("/api/labels/f1:Q1", data={"status": "Ready:in=0"}).status_code == 200
    lab = f1.get("/api/labels/f1:Q1").json()
    assert (lab["ncreated"], lab["ndone"], lab["nfault"], lab["mortality"], lab["msg"]) == (
        2,
        1,
        1,
        50.0,
        "Ready:in=0",
    )
    assert sum(lab["activity"]) == 4
    assert f1.get("/api/jobs/f1:0.0").json()["result"] == 7
    mon.clock.advance(7 * 3600)
    assert mon.expire()["flagged_created"] == 2
    for page in ("/", "/factory/f1", "/factory/f1/label/Q1", "/job/f1:0.0", "/metrics"):
        assert f1.get(page).status_code == 200, page
    assert mon.admin().delete("/api/factories/f1").status_code == 200
