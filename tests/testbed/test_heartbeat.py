"""Jobs whose pilot went silent: failed after PanDA's timeouts (sent: no first update; started:
no heartbeat), retried as new jobs while attempts last. The clock is the test's."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from autopyfactory.testbed.heartbeat import HeartbeatPolicy
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from autopyfactory.testbed.store import JobStore
from tests.testbed.conftest import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Iterator[JobStore]:
    s = JobStore(
        clock=clock, heartbeat=HeartbeatPolicy(sent_timeout=60, heartbeat_timeout=300, max_attempts=2)
    )
    s.put_site(Site("A"))
    yield s
    s.close()


def test_defaults_are_pandas() -> None:
    p = HeartbeatPolicy()
    assert (p.sent_timeout, p.heartbeat_timeout) == (30 * 60, 2 * 3600)


def test_a_sent_job_without_reply_fails_and_goes_back_to_the_queue(store, clock) -> None:  # type: ignore[no-untyped-def]
    (pid,) = store.submit("A", 1, "true")
    store.acquire("A", "p1")
    clock.advance(59)
    assert store.expire_lost() == []
    clock.advance(2)
    (lost,) = store.expire_lost()
    assert (lost.panda_id, lost.was) == (pid, "sent")
    assert lost.diag == "Sent job didn't receive reply from pilot within 1 min"
    old, new = store.job(pid), store.job(lost.retry)  # type: ignore[arg-type]
    assert old is not None and new is not None
    assert old.status == "failed" and f"retried as PandaID {new.panda_id}" in old.error_diag
    assert (new.status, new.attempt, new.retry_of, new.command) == ("activated", 2, pid, "true")


def test_heartbeats_keep_a_running_job_alive_and_silence_fails_it(store, clock) -> None:  # type: ignore[no-untyped-def]
    (pid,) = store.submit("A", 1, "true")
    store.acquire("A", "p1")
    store.update(pid, "running")
    for _ in range(5):
        clock.advance(200)
        store.update(pid, "running")  # a heartbeat
        assert store.expire_lost() == []
    clock.advance(301)
    (lost,) = store.expire_lost()
    assert lost.diag.startswith("lost heartbeat : ")
    # the pilot comes back too late: its report does not revive the job
    store.update(pid, "finished", 0)
    assert store.job(pid).status == "failed"  # type: ignore[union-attr]


def test_out_of_attempts_the_job_just_fails(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.submit("A", 1, "true")
    for attempt in (1, 2):
        (job,) = store.acquire("A", f"p{attempt}")
        assert job.attempt == attempt
        store.update(job.panda_id, "starting")
        clock.advance(301)
        (lost,) = store.expire_lost()
        assert (lost.retry is None) == (attempt == 2)
    assert store.summary().jobs("failed") == 2
    assert store.summary().active() == 0


def test_the_server_applies_the_timeouts_on_its_own(clock) -> None:  # type: ignore[no-untyped-def]
    policy = HeartbeatPolicy(sent_timeout=60, heartbeat_timeout=300)
    with ThreadedTestbed([Site("A")], clock=clock, heartbeat=policy, check_every=0.05) as tb:
        (pid,) = tb.store.submit("A", 1, "true")
        httpx.post(f"{tb.url}/api/v1/pilot/acquire_jobs", json={"site_name": "A"}).raise_for_status()
        clock.advance(61)
        deadline = time.monotonic() + 20
        while tb.store.job(pid).status != "failed":  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the server's watcher did not fail the job"
            time.sleep(0.05)
        summary = httpx.get(f"{tb.url}/testbed/summary").json()
        assert summary[0]["jobs"] == {"failed": 1, "activated": 1}
        assert httpx.get(f"{tb.url}/testbed/jobs/{pid}").json()["status"] == "failed"


def test_a_database_of_an_older_testbed_is_upgraded_in_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from autopyfactory.testbed.store import SCHEMA

    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as con:
        con.executescript(SCHEMA)
        con.execute("INSERT INTO sites VALUES ('OLD', 'online', 'LOCAL', 1, 2000, 3600)")
        con.execute(
            "INSERT INTO jobs (site, status, label, command, created) VALUES ('OLD', 'activated', 'managed', 'true', 1)"
        )
    store = JobStore(db)
    try:
        assert store.site("OLD") == Site("OLD")
        (job,) = store.acquire("OLD", "p")
        assert (job.panda_id, job.command) == (1, "true")
        assert store.summary().jobs("sent") == 1
    finally:
        store.close()
