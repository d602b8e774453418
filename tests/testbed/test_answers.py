"""Every dispatcher answer as PanDA sends it: "NULL", never null; the no-job, multi-job and error
forms of both APIs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed

JSON = {"Accept": "application/json"}
V1 = {"Accept": "application/json", "Content-Type": "application/json"}


@pytest.fixture
def tb() -> Iterator[ThreadedTestbed]:
    with ThreadedTestbed([Site("A")]) as t:
        yield t


def test_legacy_update_job_answers_the_string_NULL_in_json_as_pilot_3_asks(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "true")
    tb.store.acquire("A", "p")
    # pilot 3.7 posts the form with curl and "Accept: application/json"
    r = httpx.post(f"{tb.url}/server/panda/updateJob", data={"jobId": pid, "state": "running"}, headers=JSON)
    assert json.loads(r.text) == {"StatusCode": 0, "command": "NULL"}
    r = httpx.post(f"{tb.url}/server/panda/updateJob", data={"jobId": pid, "state": "finished"})
    assert parse_qs(r.text) == {"StatusCode": ["0"], "command": ["NULL"]}


def test_v1_update_job_answers_NULL_and_an_unknown_job_is_a_database_error(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "true")
    tb.store.acquire("A", "p")
    url = f"{tb.url}/api/v1/pilot/update_job"
    assert httpx.post(url, json={"job_id": pid, "job_status": "running"}, headers=V1).json() == {
        "success": True,
        "message": "",
        "data": {"StatusCode": 0, "command": "NULL"},
    }
    assert httpx.post(url, json={"job_id": 999, "job_status": "running"}, headers=V1).json() == {
        "success": True,
        "message": "Database error",
        "data": {"StatusCode": 30},
    }


def test_legacy_get_job_with_njobs_answers_a_job_list(tb) -> None:  # type: ignore[no-untyped-def]
    ids = tb.store.submit("A", 3, "true")
    doc = httpx.post(f"{tb.url}/server/panda/getJob", data={"siteName": "A", "nJobs": 2}, headers=JSON).json()
    assert doc["StatusCode"] == 0
    assert [j["PandaID"] for j in doc["jobs"]] == ids[:2]
    # without the JSON Accept header the list is a JSON string inside the url-encoded answer
    fields = parse_qs(httpx.post(f"{tb.url}/server/panda/getJob", data={"siteName": "A", "nJobs": 5}).text)
    assert [j["PandaID"] for j in json.loads(fields["jobs"][0])] == ids[2:]


def test_v1_wrong_method_is_answered_with_success_false(tb) -> None:  # type: ignore[no-untyped-def]
    r = httpx.post(f"{tb.url}/api/v1/statistics/active_job_stats_by_site", headers=V1)
    assert (r.status_code, r.json()) == (
        200,
        {"success": False, "message": "expecting GET, received POST", "data": None},
    )


def test_is_alive(tb) -> None:  # type: ignore[no-untyped-def]
    r = httpx.get(f"{tb.url}/api/v1/system/is_alive", headers=V1)
    assert (r.status_code, r.json()) == (200, {"success": True, "message": "", "data": None})
    assert r.headers["content-type"].startswith("text/plain")
    assert (
        httpx.get(f"{tb.url}/api/v1/system/is_alive").text == "{'success': True, 'message': '', 'data': None}"
    )


def test_v1_acquire_without_site_is_refused_as_panda_does(tb) -> None:  # type: ignore[no-untyped-def]
    doc = httpx.post(f"{tb.url}/api/v1/pilot/acquire_jobs", json={}, headers=V1).json()
    assert doc["success"] is False and "site_name" in doc["message"]


def test_get_job_status(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "true")
    doc = httpx.post(f"{tb.url}/api/v1/pilot/get_job_status", json={"job_ids": [pid, 77]}, headers=V1).json()
    assert doc["data"] == [
        {"job_id": pid, "status": "activated", "attempt_number": 1},
        {"job_id": 77, "status": "not found", "attempt_number": 0},
    ]
