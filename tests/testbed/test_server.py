"""The testbed speaks PanDA: paths, parameters and encodings of both APIs, and fair dispatch."""

from __future__ import annotations

import gzip
import json
import pickle
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed

JSON = {"Accept": "application/json"}


@pytest.fixture
def tb() -> Iterator[ThreadedTestbed]:
    with ThreadedTestbed([Site("A"), Site("T", "test"), Site("OFF", "offline")]) as t:
        yield t


def test_v1_dispatch_and_report(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "echo hello")
    r = httpx.post(f"{tb.url}/api/v1/pilot/acquire_jobs", json={"site_name": "A", "node": "n1"}, headers=JSON)
    doc = r.json()
    assert doc["success"] is True
    (job,) = doc["data"]["jobs"]
    assert (job["PandaID"], job["jobPars"], job["prodSourceLabel"]) == (pid, "'echo hello'", "managed")
    assert job["transformation"] == f"{tb.url}/trf/user/runtestbed.sh"
    upd = httpx.post(
        f"{tb.url}/api/v1/pilot/update_job",
        json={"job_id": pid, "job_status": "failed", "trans_exit_code": 3},
        headers=JSON,
    )
    assert upd.json()["data"] == {"StatusCode": 0, "command": "NULL"}
    assert tb.store.job(pid).status == "failed"  # type: ignore[union-attr]
    assert tb.store.job(pid).exit_code == 3  # type: ignore[union-attr]
    none = httpx.post(f"{tb.url}/api/v1/pilot/acquire_jobs", json={"site_name": "A"}).json()
    assert none == {"success": False, "message": "No jobs in PanDA", "data": None}


def test_v1_answers_a_python_repr_unless_json_is_asked_for(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("A", 2, "true")
    url = f"{tb.url}/api/v1/statistics/active_job_stats_by_site"
    assert httpx.get(url).text.startswith("{'success': True")
    assert httpx.get(url, headers=JSON).json()["data"] == {"A": {"assigned": 0, "activated": 2, "running": 0}}


def test_empty_statistics_are_reported_as_a_failure_as_panda_does(tb) -> None:  # type: ignore[no-untyped-def]
    doc = httpx.get(f"{tb.url}/api/v1/statistics/active_job_stats_by_site", headers=JSON).json()
    assert doc["success"] is False


def test_invalid_update_status_is_refused_with_code_50(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "true")
    doc = httpx.post(
        f"{tb.url}/api/v1/pilot/update_job", json={"job_id": pid, "job_status": "exploded"}
    ).json()
    assert doc == {"success": False, "message": "Invalid job status: exploded", "data": {"StatusCode": 50}}


def test_legacy_get_job_form_and_urlencoded_answer(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("T", 1, "true")
    r = httpx.post(f"{tb.url}/server/panda/getJob", data={"siteName": "T", "prodSourceLabel": "managed"})
    fields = {k: v[0] for k, v in parse_qs(r.text).items()}
    assert (fields["StatusCode"], fields["PandaID"]) == ("0", str(pid))
    assert fields["prodSourceLabel"] == "test"  # a test site's jobs carry the test label
    r = httpx.post(
        f"{tb.url}/server/panda/updateJob", data={"jobId": pid, "state": "finished", "transExitCode": 0}
    )
    assert parse_qs(r.text) == {"StatusCode": ["0"], "command": ["NULL"]}
    assert tb.store.job(pid).status == "finished"  # type: ignore[union-attr]
    r = httpx.post(f"{tb.url}/server/panda/getJob", data={"siteName": "T"}, headers=JSON)
    assert r.json() == {"StatusCode": 20, "errorDialog": "no jobs in PanDA"}
    r = httpx.post(f"{tb.url}/server/panda/getJob", data={"siteName": "T"})
    assert r.text == "StatusCode=20"


def test_legacy_get_job_accepts_pilot3s_gzipped_json_body(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "true")
    body = gzip.compress(json.dumps({"siteName": "A", "computingElement": "A"}).encode())
    r = httpx.post(
        f"{tb.url}/server/panda/getJob",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip", **JSON},
    )
    assert r.json()["PandaID"] == pid


def test_legacy_statistics_are_pickles(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("A", 2, "true")
    tb.store.submit("A", 1, "true", label="user")
    per_site = pickle.loads(httpx.get(f"{tb.url}/server/panda/getJobStatisticsPerSite").content)
    assert per_site == {"A": {"assigned": 0, "activated": 3, "running": 0}}
    labels = pickle.loads(httpx.get(f"{tb.url}/server/panda/getJobStatisticsWithLabel").content)
    assert labels == {"A": {"managed": {"activated": 2}, "user": {"activated": 1}}}
    specs = pickle.loads(httpx.get(f"{tb.url}/server/panda/getSiteSpecs?siteType=all").content)
    assert specs["OFF"]["status"] == "offline"
    # PanDA's default siteType is analysis; the fixture's sites are production queues
    assert pickle.loads(httpx.get(f"{tb.url}/server/panda/getSiteSpecs").content) == {}


def test_unknown_legacy_method_is_forbidden(tb) -> None:  # type: ignore[no-untyped-def]
    r = httpx.get(f"{tb.url}/server/panda/killJobs")
    assert (r.status_code, r.text) == (403, "ERROR : method killJobs is forbidden")


def test_an_offline_site_dispatches_nothing_and_status_changes_apply_at_once(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("OFF", 1, "true")
    assert tb.store.acquire("OFF", "p1") == []
    httpx.put(f"{tb.url}/testbed/sites/OFF", json={"status": "online"}).raise_for_status()
    assert len(tb.store.acquire("OFF", "p2")) == 1
    cric = httpx.get(f"{tb.url}/cric/api/atlas/pandaqueue/query/?json").json()
    assert cric["OFF"]["status"] == "online"


def test_concurrent_pilots_never_get_the_same_job(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("A", 40, "true")
    got: list[int] = []
    lock = threading.Lock()

    def pilot(i: int) -> None:
        with httpx.Client() as c:
            while True:
                doc = c.post(
                    f"{tb.url}/api/v1/pilot/acquire_jobs", json={"site_name": "A", "pilot_id": f"p{i}"}
                ).json()
                if not doc["success"]:
                    return
                with lock:
                    got.append(doc["data"]["jobs"][0]["PandaID"])

    threads = [threading.Thread(target=pilot, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 41))
    site = tb.store.summary().site("A")
    assert site is not None
    assert site.pilots == 6


def test_a_corrupt_gzipped_body_is_a_bad_request(tb) -> None:  # type: ignore[no-untyped-def]
    body = gzip.compress(json.dumps({"siteName": "A"}).encode())[:-12]  # truncated
    r = httpx.post(
        f"{tb.url}/server/panda/getJob", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and "cannot be decompressed" in r.text
