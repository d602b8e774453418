"""Refused state updates are counted, not stored one by one: a pilot's history stays bounded however
often anyone repeats a refused update (an invalid transition, or done/fault from a wrapper)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.db.engine import make_engine
from autopyfactory.monitor_server.db.migrate import upgrade
from autopyfactory.monitor_server.db.schema import job_events, job_refusals
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer

from .conftest import ADMIN, Mon, MonFactory, register

# after "running", each of these is refused: running->running, running->created (400), and the
# states only the factory may set (403)
REFUSED = [{"state": "running"}, {"state": "done"}, {"state": "fault"}, {"state": "created"}]


def _rows(mon: Mon, table):  # type: ignore[no-untyped-def]
    with mon.app.state.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_repeated_refused_updates_leave_a_bounded_history_with_counts(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN)
    register(mon.client("10.1.1.1", mon.token_for("f1")), cids=("1.0",))
    anon = mon.client("198.51.100.66")  # no credential at all
    assert anon.post("/api/jobs/f1:1.0", data={"state": "running"}).status_code == 200
    statuses = []
    for i in range(1200):
        statuses.append(anon.post("/api/jobs/f1:1.0", data=REFUSED[i % 4]).status_code)
        mon.clock.advance(0.5)
    assert (statuses.count(400), statuses.count(403)) == (600, 600)
    job = anon.get("/api/jobs/f1:1.0").json()
    assert job["state"] == "running"
    assert (_rows(mon, job_events), _rows(mon, job_refusals)) == (1, 4)
    messages = job["messages"]
    assert len(messages) == 5
    assert [m.split(" ", 2)[2] for m in messages[1:]] == [
        "Invalid state transition: running->running (refused 300 times, last 2023-11-14T22:23:18.000Z)",
        "Refused state=done: only the job's factory (or an admin) may set state=done (refused 300 times, "
        "last 2023-11-14T22:23:18.500Z)",
        "Refused state=fault: only the job's factory (or an admin) may set state=fault (refused 300 times, "
        "last 2023-11-14T22:23:19.000Z)",
        "Invalid state transition: running->created (refused 300 times, last 2023-11-14T22:23:19.500Z)",
    ]
    # the dashboard's history shows each reason once, with its count
    html = anon.get("/job/f1:1.0").text
    assert html.count('data-count="300"') == 4


def test_refused_updates_still_answer_with_their_reason(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    wn = mon.client("172.16.5.5")
    for _ in range(3):
        r = wn.post("/api/jobs/f1:1.0", data={"state": "exiting", "rc": "1"})
        assert (r.status_code, r.text) == (400, "Invalid state transition: created->exiting")
    r = wn.post("/api/jobs/f1:1.0", data={"state": "fault"})
    assert r.status_code == 403 and "registered from another address" in r.text
    msgs = c.get("/api/jobs/f1:1.0").json()["messages"]
    assert [m.split(" ", 2)[2] for m in msgs] == [
        "Invalid state transition: created->exiting (refused 3 times, last 2023-11-14T22:13:20.000Z)",
        "Refused state=fault: only the job's factory (or an admin) may set state=fault",
    ]
    # a wrapper's refused fault is the pilot's business, not one of the factory's refused writes
    assert c.get("/api/refused").json() == []


def test_harvester_reports_submitted_as_created_which_changes_nothing(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    assert c.post("/api/jobs/f1:1.0", data={"state": "created"}).status_code == 200
    job = c.get("/api/jobs/f1:1.0").json()
    assert (job["state"], job["messages"]) == ("created", [])


@pytest.fixture
def served_pg(pg_url: str) -> Iterator[str]:
    settings = ServerSettings(db_url=pg_url, auth=AuthSettings(AuthMode.TOKEN, ADMIN))
    with ThreadedServer(create_app(settings, run_expiry=False)) as srv:
        yield srv.url


@pytest.mark.postgres
def test_concurrent_refused_updates_are_counted_exactly_on_postgres(served_pg: str) -> None:
    admin = httpx.Client(base_url=served_pg, headers={"Authorization": f"Bearer {ADMIN}"})
    admin.put("/api/factories/f1", json={"version": "1", "email": "", "url": ""}).raise_for_status()
    admin.put("/api/labels", json=[{"name": "Q1", "factory": "f1"}]).raise_for_status()
    admin.put(
        "/api/jobs", json=[{"cid": f"{i}.0", "label": "Q1", "factory": "f1"} for i in range(3)]
    ).raise_for_status()

    # one client per thread: a connection pool shared by 40 threads can close a socket under another
    # thread's read (EBADF), and a POST must not be retried here (every refusal is counted)
    local = threading.local()
    clients: list[httpx.Client] = []

    def one(i: int) -> int:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=served_pg, timeout=60)
            clients.append(local.client)
        form = {"state": "exiting", "rc": "0"} if i % 2 else {"state": "done"}
        return int(local.client.post(f"/api/jobs/f1:{i % 3}.0", data=form).status_code)

    # threads, not asyncio.run: a test before this one may leave an event loop running here
    try:
        with ThreadPoolExecutor(40) as pool:
            statuses = list(pool.map(one, range(600)))
    finally:
        for c in clients:
            c.close()
    assert sorted(set(statuses)) == [400, 403]
    total = 0
    for i in range(3):
        msgs = admin.get(f"/api/jobs/f1:{i}.0").json()["messages"]
        assert len(msgs) == 2
        total += sum(int(m.split("refused ")[1].split(" times")[0]) for m in msgs)
    assert total == 600


def test_the_migration_folds_refused_events_stored_one_per_post(tmp_path: Path, make_mon: MonFactory) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO factories (id, name, ip, created, last_modified, last_startup) VALUES (1, 'f1', '10.0.0.1', 0, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO labels (id, factory_id, name, created, last_modified) VALUES (1, 1, 'Q1', 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO jobs (id, jid, cid, factory_id, label_id, state, created, last_modified) VALUES (1, 'f1:1.0', '1.0', 1, 1, 'running', 0, 5)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO job_events (job_id, at, source, state, text) VALUES (1, 5, '10.9.9.9', 'running', 'running')"
            )
        )
        for i in range(3000):
            conn.execute(
                text(
                    "INSERT INTO job_events (job_id, at, source, state, text) VALUES (1, :at, '10.9.9.9', NULL, 'Invalid state transition: running->running')"
                ),
                {"at": 10 + i},
            )
    engine.dispose()
    mon = make_mon(db_url=url)  # the app migrates at start
    msgs = mon.client().get("/api/jobs/f1:1.0").json()["messages"]
    assert msgs == [
        "5.000 10.9.9.9 running",
        "10.000 10.9.9.9 Invalid state transition: running->running (refused 3000 times, last 1970-01-01T00:50:09.000Z)",
    ]
