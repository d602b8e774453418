"""Pilots counted without a pilot_id: real PanDA pilots send only node and computing element with
getJob, and name themselves (GTAG) in updateJob; Harvester's send harvester_id and worker_id."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from autopyfactory.testbed.identity import asker_of, reported_identity
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from autopyfactory.testbed.store import JobStore
from tests.testbed.conftest import FakeClock

JSON = {"Accept": "application/json"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Iterator[JobStore]:
    s = JobStore(clock=clock)
    s.put_site(Site("A"))
    yield s
    s.close()


def anon(node: str = "wn1") -> dict[str, str]:
    return {"siteName": "A", "computingElement": "A", "node": node}


def counts(store: JobStore) -> tuple[int, int]:
    s = store.summary().site("A")
    assert s is not None
    return s.pilots, s.pilots_without_job


def test_a_multi_job_pilot_is_one_pilot(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.submit("A", 3, "true")
    for _ in range(3):
        (job,) = store.acquire("A", asker_of(anon()))
        clock.advance(5)
        store.update(job.panda_id, "finished", 0, pilot="unknown")  # pilotID "unknown|PR|3.7.0.36"
        clock.advance(1)
    assert store.acquire("A", asker_of(anon())) == []  # the timefloor loop's last ask
    assert counts(store) == (1, 0)


def test_a_pilot_that_finds_nothing_is_one_pilot_without_a_job_however_often_it_asks(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.acquire("A", asker_of(anon()))
    clock.advance(60)  # pilot 3 asks again after 60 s
    store.acquire("A", asker_of(anon()))
    assert counts(store) == (1, 1)
    clock.advance(3600)  # much later: another pilot
    store.acquire("A", asker_of(anon()))
    assert counts(store) == (2, 2)


def test_concurrent_pilots_on_one_node_are_told_apart(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.submit("A", 2, "true")
    (j1,) = store.acquire("A", asker_of(anon()))
    (j2,) = store.acquire("A", asker_of(anon()))  # the first still runs its job: another pilot
    assert j1.pilot_id != j2.pilot_id
    for j in (j1, j2):
        store.update(j.panda_id, "finished", 0)
    store.acquire("A", asker_of(anon()))
    store.acquire("A", asker_of(anon()))
    assert counts(store) == (2, 0)


def test_the_gtag_in_update_job_names_the_pilot(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.submit("A", 2, "true")
    gtag = "http://logs.example.org/fac/12.0.out"
    params = {"pilotID": f"{gtag}|Condor|PR|3.7.0.36", "batchID": "12.0", "schedulerID": "fac"}
    assert reported_identity(params, v1=False) == gtag
    for _ in range(2):
        (job,) = store.acquire("A", asker_of(anon()))
        store.update(job.panda_id, "running", pilot=reported_identity(params, v1=False))
        store.update(job.panda_id, "finished", 0)
        assert store.job(job.panda_id).pilot_id == gtag  # type: ignore[union-attr]
    assert counts(store) == (1, 0)


def test_identities_from_what_clients_send() -> None:
    assert asker_of({"harvester_id": "h1", "worker_id": "7", "node": "n"}).key == "harvester:h1:7"
    assert asker_of({"pilot_id": "fac:1.0"}).key == "fac:1.0"
    assert asker_of({"node": "n"}).anonymous
    assert reported_identity({"pilot_id": "g|SLURM|PR|3.11"}, v1=True) == "g"
    assert (
        reported_identity({"pilotID": "unknown|PR|3.7", "batchID": "42", "schedulerID": "s"}, v1=False)
        == "s:42"
    )
    assert reported_identity({"pilotID": "unknown|PR|3.7"}, v1=False) == ""


def test_named_and_anonymous_pilots_are_not_mixed(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.acquire("A", "reference-pilot-1", node="wn1")
    store.acquire("A", asker_of(anon("wn1")))
    assert counts(store) == (2, 2)


def test_real_pilot_shaped_requests_over_http_are_counted() -> None:
    with ThreadedTestbed([Site("A")]) as tb:
        tb.store.submit("A", 1, "true")
        r = httpx.post(f"{tb.url}/server/panda/getJob", data=anon(), headers=JSON).json()
        upd = {"jobId": r["PandaID"], "state": "finished", "pilotID": "gtag-9|PR|3.7.0.36", "node": "wn1"}
        httpx.post(f"{tb.url}/server/panda/updateJob", data=upd, headers=JSON).raise_for_status()
        httpx.post(f"{tb.url}/server/panda/getJob", data=anon(), headers=JSON)
        site = tb.store.summary().site("A")
        assert site is not None and (site.pilots, site.pilots_without_job) == (1, 0)
        assert tb.store.job(r["PandaID"]).pilot_id == "gtag-9"  # type: ignore[union-attr]
