"""v1 statistics and site specs in PanDA's shapes, and job types (jobType/job_type/type)
selecting prodSourceLabels."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import httpx
import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from tests.testbed.conftest import FakeClock

V1 = {"Accept": "application/json", "Content-Type": "application/json"}
ZERO = {"assigned": 0, "activated": 0, "running": 0, "finished": 0, "failed": 0}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tb(clock: FakeClock) -> Iterator[ThreadedTestbed]:
    sites = [
        Site("P", cloud="CA"),
        Site("M", cloud="CA", corecount=8),
        Site("U", cloud="DE", type="analysis"),
    ]
    with ThreadedTestbed(sites, clock=clock) as t:
        yield t


def get(tb: ThreadedTestbed, path: str, **params: object) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{tb.url}/api/v1/{path}", params=params, headers=V1).json()  # type: ignore[arg-type]


def finish(tb: ThreadedTestbed, site: str, state: str = "finished") -> int:
    (job,) = tb.store.acquire(site, "p")
    tb.store.update(job.panda_id, state, 0 if state == "finished" else 1)
    return job.panda_id


def test_by_site_and_resource_type_counts_active_and_recent_final_jobs(tb, clock) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("P", 3, "true")
    tb.store.submit("M", 1, "true")
    finish(tb, "P")
    doc = get(tb, "statistics/job_stats_by_site_and_resource_type")
    assert doc["success"] is True
    assert doc["data"] == {
        "P": {"SCORE": {**ZERO, "activated": 2, "finished": 1}},
        "M": {"MCORE": {**ZERO, "activated": 1}},
    }
    clock.advance(61 * 60)
    # the finished job is older than a 60-minute window, but within the default 12 hours
    assert (
        get(tb, "statistics/job_stats_by_site_and_resource_type", time_window=60)["data"]["P"]["SCORE"][
            "finished"
        ]
        == 0
    )
    assert get(tb, "statistics/job_stats_by_site_and_resource_type")["data"]["P"]["SCORE"]["finished"] == 1


def test_time_window_is_validated_as_panda_does(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("P", 1, "true")
    for bad in (-1, 10081):
        doc = get(tb, "statistics/job_stats_by_site_and_resource_type", time_window=bad)
        assert doc["success"] is False and "10080 min" in doc["message"]


def test_by_site_share_and_resource_type(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("P", 2, "true")
    tb.store.submit("P", 1, "true", label="user")
    doc = get(tb, "statistics/job_stats_by_site_share_and_resource_type", time_window=120)
    assert doc["data"] == {
        "P": {
            "Production": {"SCORE": {**ZERO, "activated": 2}},
            "User Analysis": {"SCORE": {**ZERO, "activated": 1}},
        }
    }


def test_by_cloud_splits_production_and_analysis(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("P", 2, "true")
    tb.store.submit("M", 1, "true", label="ptest")
    tb.store.submit("U", 4, "true", label="user")
    assert get(tb, "statistics/job_stats_by_cloud")["data"] == {"CA": {"activated": 3}}
    assert get(tb, "statistics/job_stats_by_cloud", type="analysis")["data"] == {"DE": {"activated": 4}}
    bad = get(tb, "statistics/job_stats_by_cloud", type="both")
    assert bad == {
        "success": False,
        "message": 'Parameter "type" needs to be either "production" or "analysis" ',
        "data": {},
    }


def test_empty_statistics_are_a_failure(tb) -> None:  # type: ignore[no-untyped-def]
    for name in ("job_stats_by_site_and_resource_type", "job_stats_by_site_share_and_resource_type"):
        assert get(tb, f"statistics/{name}") == {
            "success": False,
            "message": "Database failure getting the job statistics",
            "data": {},
        }


def test_site_specs_default_to_analysis_sites(tb) -> None:  # type: ignore[no-untyped-def]
    assert set(get(tb, "metaconfig/get_site_specs")["data"]) == {"U"}
    assert set(get(tb, "metaconfig/get_site_specs", type="production")["data"]) == {"P", "M"}
    assert set(get(tb, "metaconfig/get_site_specs", type="all")["data"]) == {"P", "M", "U"}
    assert get(tb, "metaconfig/get_site_specs", type="all")["data"]["U"]["type"] == "analysis"


def test_job_type_production_selects_production_labels(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("P", 2, "true")
    tb.store.submit("P", 3, "true", label="user")
    per_site = pickle.loads(
        httpx.get(f"{tb.url}/server/panda/getJobStatisticsPerSite?jobType=production").content
    )
    assert per_site == {"P": {"assigned": 0, "activated": 2, "running": 0}}
    per_site = pickle.loads(httpx.get(f"{tb.url}/server/panda/getJobStatisticsPerSite?jobType=user").content)
    assert per_site == {"P": {"assigned": 0, "activated": 3, "running": 0}}
    everything = pickle.loads(httpx.get(f"{tb.url}/server/panda/getJobStatisticsPerSite").content)
    assert everything["P"]["activated"] == 5
    # and the dispatcher hands out only jobs of the type asked for
    job = httpx.post(
        f"{tb.url}/api/v1/pilot/acquire_jobs", json={"site_name": "P", "job_type": "analysis"}, headers=V1
    ).json()["data"]["jobs"][0]
    assert job["prodSourceLabel"] == "user"
    job = httpx.post(
        f"{tb.url}/server/panda/getJob",
        data={"siteName": "P", "jobType": "managed"},
        headers={"Accept": "application/json"},
    ).json()
    assert job["prodSourceLabel"] == "managed"
