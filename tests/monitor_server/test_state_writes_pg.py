"""State updates on PostgreSQL (two statements per batch, no lock held between them) decide exactly
as the SQLAlchemy path does, and stay exact when other writers move the same jobs meanwhile."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, insert, select

from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.db.engine import make_engine
from autopyfactory.monitor_server.db.migrate import upgrade
from autopyfactory.monitor_server.db.schema import factories, job_events, job_refusals, jobs, labels
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store import transitions_pg
from autopyfactory.monitor_server.store.transition_plan import Outcome, StateUpdate, UpdateResult
from autopyfactory.monitor_server.store.transitions import apply_updates
from autopyfactory.monitor_server.testing.server import ThreadedServer

from .conftest import ADMIN

pytestmark = pytest.mark.postgres
T = TypeVar("T")
JOBS = 12


def _run(make: Callable[[], Awaitable[T]]) -> T:
    # in a thread of its own: a test before this one may leave an event loop running in this one
    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _prepare(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    with writing(engine) as conn:
        conn.execute(insert(factories).values(id=1, name="f", created=0, last_modified=0, last_startup=0))
        conn.execute(insert(labels).values(id=1, factory_id=1, name="Q", created=0, last_modified=0))
        conn.execute(
            insert(jobs),
            [
                {"jid": f"f:{i}.0", "cid": f"{i}.0", "factory_id": 1, "label_id": 1, "state": "created",
                 "created": 0, "last_modified": 0}
                for i in range(JOBS)
            ],
        )  # fmt: skip
    return engine


def _contents(engine: Engine) -> tuple[list[Any], list[Any], list[Any]]:
    with engine.connect() as conn:
        js = conn.execute(
            select(jobs.c.jid, jobs.c.state, jobs.c.result, jobs.c.last_modified).order_by(jobs.c.jid)
        )
        ev = conn.execute(
            select(jobs.c.jid, job_events.c.at, job_events.c.source, job_events.c.state, job_events.c.text)
            .join(jobs, jobs.c.id == job_events.c.job_id)
            .order_by(job_events.c.id)
        )
        rf = conn.execute(
            select(jobs.c.jid, job_refusals.c.reason, job_refusals.c.count, job_refusals.c.first_at,
                   job_refusals.c.last_at, job_refusals.c.source)
            .join(jobs, jobs.c.id == job_refusals.c.job_id)
            .order_by(jobs.c.jid, job_refusals.c.reason)
        )  # fmt: skip
        return [tuple(r) for r in js], [tuple(r) for r in ev], [tuple(r) for r in rf]


def _random_batches(seed: int) -> list[list[StateUpdate]]:
    rnd = random.Random(seed)
    batches = []
    for _ in range(40):
        batch = []
        for _ in range(rnd.randint(1, 25)):
            jid = f"f:{rnd.randrange(JOBS + 2)}.0"  # a few unknown jobs too
            if rnd.random() < 0.03:
                jid = "f:1\x00.0"  # cannot be stored in PostgreSQL: must not fail the batch
            state = rnd.choice(list(JobState))
            rc = rnd.choice([None, 0, 7, -1]) if state is JobState.EXITING else None
            refused = "Refused state=done: not yours" if state is JobState.DONE and rnd.random() < 0.3 else ""
            source = rnd.choice(["10.0.0.1", "10.0.0.2"])
            wrapper = rnd.choice(["", "1.2", "1.2\x00x"])
            batch.append(StateUpdate(jid, state, source, rc, wrapper, "", "", refused))
        batches.append(batch)
    return batches


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pg_batches_match_the_sqlalchemy_path(seed: int, tmp_path: Path, pg_url: str) -> None:
    """Same answers, same jobs, events and refusal counts (random batches, every kind of update)."""
    batches = _random_batches(seed)
    lite = _prepare(f"sqlite:///{tmp_path}/ref.db")
    expected: list[list[UpdateResult]] = []
    for n, batch in enumerate(batches):
        with writing(lite) as conn:
            expected.append(apply_updates(conn, batch, 1000.0 + n))

    pg = _prepare(pg_url)

    async def on_postgres() -> list[list[UpdateResult]]:
        applier = transitions_pg.AsyncPgApplier(pg_url)
        try:
            return [await applier.apply(batch, 1000.0 + n) for n, batch in enumerate(batches)]
        finally:
            await applier.close()

    assert _run(on_postgres) == expected
    assert {r.outcome for rs in expected for r in rs} == set(Outcome)  # every kind of answer was tried
    assert _contents(pg) == _contents(lite)
    pg.dispose()


def test_a_nul_from_a_caller_fails_no_update_of_the_batch(pg_url: str) -> None:
    engine = _prepare(pg_url)
    updates = [
        StateUpdate("f:1\x00.0", JobState.RUNNING, "10.0.0.9"),
        StateUpdate("f:1.0", JobState.RUNNING, "10.0.0.9", None, "wrapper\x00", "ids\x00"),
        StateUpdate("f:2.0", JobState.RUNNING, "10.0.0.9"),
    ]

    async def go() -> list[UpdateResult]:
        applier = transitions_pg.AsyncPgApplier(pg_url)
        try:
            return await applier.apply(updates, 3000.0)
        finally:
            await applier.close()

    assert _run(go) == [
        UpdateResult(Outcome.NOT_FOUND),
        UpdateResult(Outcome.OK, JobState.CREATED),
        UpdateResult(Outcome.OK, JobState.CREATED),
    ]
    texts = [(j, text) for j, _, _, _, text in _contents(engine)[1]]
    assert texts == [("f:1.0", "running wrapper=wrapper\ufffd ids=ids\ufffd"), ("f:2.0", "running")]


class _MovedAfterRead:
    """A connection on which another writer changes one job right after the batch read it."""

    def __init__(
        self, conn: transitions_pg.Conn, interfere: Callable[[], None], always: bool = False
    ) -> None:
        self.conn = conn
        self.interfere = interfere
        self.always = always  # after every read, not only the first
        self.reads = 0

    async def execute(self, query: str, params: Any = None) -> Any:
        cur = await self.conn.execute(query, params)
        if query == transitions_pg.READ:
            self.reads += 1
            if self.reads == 1 or self.always:
                self.interfere()
        return cur


def _apply_interfered(
    pg_url: str, updates: list[StateUpdate], sql: str, always: bool = False
) -> tuple[list[UpdateResult], int]:
    dsn = transitions_pg.conninfo(pg_url)

    def interfere() -> None:
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute(sql)

    async def go() -> tuple[list[UpdateResult], int]:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            wrapped = _MovedAfterRead(conn, interfere, always)
            results = await transitions_pg.apply_updates_pg(wrapped, updates, 2000.0)  # type: ignore[arg-type]
            return results, wrapped.reads

    return _run(go)


def test_a_job_moved_by_another_writer_meanwhile_is_planned_again_from_its_new_state(pg_url: str) -> None:
    engine = _prepare(pg_url)
    updates = [
        StateUpdate("f:1.0", JobState.RUNNING, "10.0.0.9"),  # another writer sets running first
        StateUpdate("f:2.0", JobState.RUNNING, "10.0.0.9"),  # untouched: applied in the first round
        StateUpdate("f:1.0", JobState.EXITING, "10.0.0.9", 3),
    ]
    results, reads = _apply_interfered(
        pg_url,
        updates,
        "UPDATE jobs SET state = 'running', last_modified = 1500 WHERE jid = 'f:1.0'; "
        "INSERT INTO job_events (job_id, at, source, state, text) "
        "SELECT id, 1500, 'other', 'running', 'running' FROM jobs WHERE jid = 'f:1.0'",
    )
    assert reads == 2
    assert results == [
        UpdateResult(Outcome.INVALID, JobState.RUNNING),  # running->running, as if it had come second
        UpdateResult(Outcome.OK, JobState.CREATED),
        UpdateResult(Outcome.OK, JobState.RUNNING),
    ]
    js, ev, rf = _contents(engine)
    assert [(j, s, r) for j, s, r, _ in js[:3]] == [("f:0.0", "created", -1), ("f:1.0", "exiting", 3),
                                                    ("f:10.0", "created", -1)]  # fmt: skip
    assert [(j, src, s) for j, _, src, s, _ in ev] == [
        ("f:1.0", "other", "running"),  # written between the batch's read and its write
        ("f:2.0", "10.0.0.9", "running"),
        ("f:1.0", "10.0.0.9", "exiting"),
    ]
    assert [(j, reason, n) for j, reason, n, *_ in rf] == [
        ("f:1.0", "Invalid state transition: running->running", 1)
    ]


def test_a_job_deleted_meanwhile_is_not_found(pg_url: str) -> None:
    engine = _prepare(pg_url)
    results, reads = _apply_interfered(
        pg_url, [StateUpdate("f:4.0", JobState.RUNNING, "10.0.0.9")], "DELETE FROM jobs WHERE jid = 'f:4.0'"
    )
    assert (results, reads) == ([UpdateResult(Outcome.NOT_FOUND)], 2)
    assert _contents(engine)[1:] == ([], [])


def test_a_batch_whose_jobs_never_stop_changing_fails_without_writing(pg_url: str) -> None:
    """(A job is replaced after every read: each round finds it moved. Never expected in practice,
    but the writer must end, fail the batch (the client may retry) and write nothing.)"""
    engine = _prepare(pg_url)
    replace_job = (
        "DELETE FROM jobs WHERE jid = 'f:5.0'; "
        "INSERT INTO jobs (jid, cid, factory_id, label_id, state, created, last_modified) "
        "VALUES ('f:5.0', '5.0', 1, 1, 'created', 0, 0)"
    )
    with pytest.raises(transitions_pg.TooMuchContention):
        _apply_interfered(
            pg_url, [StateUpdate("f:5.0", JobState.RUNNING, "10.0.0.9")], replace_job, always=True
        )
    assert _contents(engine)[1:] == ([], [])


@pytest.fixture
def two_servers(pg_url: str) -> Iterator[tuple[str, str]]:
    settings = ServerSettings(db_url=pg_url, auth=AuthSettings(AuthMode.TOKEN, ADMIN))
    with (
        ThreadedServer(create_app(settings, run_expiry=False)) as a,
        ThreadedServer(create_app(settings, run_expiry=False)) as b,
    ):
        yield a.url, b.url


def test_two_servers_racing_on_the_same_pilots_accept_each_transition_once(
    two_servers: tuple[str, str],
) -> None:
    a, b = two_servers
    admin = httpx.Client(base_url=a, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)
    admin.put("/api/factories/f1", json={"version": "1", "email": "", "url": ""}).raise_for_status()
    admin.put("/api/labels", json=[{"name": "Q1", "factory": "f1"}]).raise_for_status()
    pilots = 20
    admin.put(
        "/api/jobs", json=[{"cid": f"{i}.0", "label": "Q1", "factory": "f1"} for i in range(pilots)]
    ).raise_for_status()
    # every pilot gets running and exiting three times each, through both servers at once
    calls = [
        (i, form) for i in range(pilots) for form in ({"state": "running"}, {"state": "exiting", "rc": "5"})
    ]
    calls = calls * 3
    random.Random(4).shuffle(calls)
    # clients of their own per thread: a connection pool shared by the threads can close a socket
    # under another thread's read (EBADF), and these POSTs must not be retried
    local = threading.local()
    opened: list[httpx.Client] = []

    def one(n: int) -> tuple[int, str, int]:
        if not hasattr(local, "clients"):
            local.clients = [httpx.Client(base_url=u, timeout=60) for u in (a, b)]
            opened.extend(local.clients)
        i, form = calls[n]
        return i, form["state"], int(local.clients[n % 2].post(f"/api/jobs/f1:{i}.0", data=form).status_code)

    try:
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(one, range(len(calls))))
    finally:
        for c in opened:
            c.close()
    assert {s for *_, s in answers} <= {200, 400}
    for i in range(pilots):
        job = admin.get(f"/api/jobs/f1:{i}.0").json()
        accepted = [state for j, state, status in answers if j == i and status == 200]
        refused = sum(1 for j, _, status in answers if j == i and status == 400)
        # running is accepted once; exiting once if it came after running was accepted
        assert sorted(accepted) in (["running"], ["exiting", "running"]), accepted
        assert job["state"] == ("exiting" if "exiting" in accepted else "running")
        assert job["result"] == (5 if "exiting" in accepted else -1)
        history = [m.split(" ", 2)[2] for m in job["messages"]]
        events = [h for h in history if "refused" not in h and "Invalid" not in h]
        # (two servers' clocks may order two events of the same millisecond either way)
        assert sorted(events, reverse=True) == ["running", "exiting rc=5"][: len(accepted)]
        counted = sum(int(h.split("refused ")[1].split(" times")[0]) if "refused " in h else 1
                      for h in history if h.startswith("Invalid"))  # fmt: skip
        assert counted == refused
