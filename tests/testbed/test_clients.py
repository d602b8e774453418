"""Real clients' calls: panda-client (installed from PyPI, run in its own process) and the
calls of panda-server's client module (``pandaserver/userinterface/Client.py`` through its v1
``HttpClient``), replayed as they send them: GET with query parameters and POST with a JSON body,
both with ``Accept: application/json`` and ``Content-Type: application/json``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.realpilot import CLOSED_PROXY
from autopyfactory.testbed.runner import ThreadedTestbed

# panda-server's v1 HttpClient headers (pandaserver/api/v1/http_client.py)
SERVER_CLIENT = {"Accept": "application/json", "Content-Type": "application/json"}


@pytest.fixture
def tb() -> Iterator[ThreadedTestbed]:
    sites = [Site("PROD_Q", cloud="CA"), Site("ANALY_Q", cloud="CA", type="analysis")]
    with ThreadedTestbed(sites) as t:
        t.store.submit("PROD_Q", 3, "true")
        t.store.submit("ANALY_Q", 2, "true", label="user")
        yield t


def panda_client(tb: ThreadedTestbed, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with panda-client pointed at the testbed (and nowhere else)."""
    env = {
        **os.environ,
        "PANDA_URL": f"{tb.url}/server/panda",
        "PANDA_URL_SSL": f"{tb.url}/server/panda",
        "PANDACACHE_URL": f"{tb.url}/server/panda",
        "PANDA_BEHIND_REAL_LB": "1",  # else it resolves the server's name to pick a host
        "PANDA_CONFIG_ROOT": os.environ.get("TMPDIR", "/tmp"),
        "http_proxy": CLOSED_PROXY,
        "https_proxy": CLOSED_PROXY,
        "no_proxy": "127.0.0.1,localhost",
    }
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_panda_client_hello(tb) -> None:  # type: ignore[no-untyped-def]
    r = panda_client(tb, "from pandaclient import Client; print(Client.hello())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "(0, '')"


def test_panda_client_hello_reports_a_dead_server() -> None:
    with ThreadedTestbed([]) as dead:
        url = dead.url
    r = subprocess.run(
        [sys.executable, "-c", "from pandaclient import Client; print(Client.hello()[0])"],
        env={**os.environ, "PANDA_URL_SSL": f"{url}/server/panda", "PANDA_BEHIND_REAL_LB": "1",
             "PANDACACHE_URL": f"{url}/server/panda"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.stdout.strip().splitlines()[-1] == "255"


def server_client_get(tb: ThreadedTestbed, path: str, params: dict[str, object]) -> dict:  # type: ignore[type-arg]
    r = httpx.get(f"{tb.url}/api/v1/{path}", params=params, headers=SERVER_CLIENT)  # type: ignore[arg-type]
    r.raise_for_status()  # the client calls raise_for_status() and then response.json()
    doc = r.json()
    assert set(doc) == {"success", "message", "data"}
    return doc  # type: ignore[no-any-return]


def test_server_client_statistics_calls(tb) -> None:  # type: ignore[no-untyped-def]
    # job_stats_by_cloud(job_type=None) sends no "type": production
    doc = server_client_get(tb, "statistics/job_stats_by_cloud", {})
    assert doc["data"] == {"CA": {"activated": 3}}
    doc = server_client_get(tb, "statistics/job_stats_by_cloud", {"type": "analysis"})
    assert doc["data"] == {"CA": {"activated": 2}}
    doc = server_client_get(tb, "statistics/production_job_stats_by_cloud_and_processing_type", {})
    assert doc["data"] == {"CA": {"testbed": {"activated": 3}}}
    # job_stats_by_site_and_resource_type(time_window=None) sends no time_window
    doc = server_client_get(tb, "statistics/job_stats_by_site_and_resource_type", {})
    assert doc["data"]["PROD_Q"]["SCORE"]["activated"] == 3
    doc = server_client_get(tb, "statistics/job_stats_by_site_share_and_resource_type", {"time_window": 60})
    assert doc["data"]["ANALY_Q"]["User Analysis"]["SCORE"]["activated"] == 2
    doc = server_client_get(tb, "statistics/active_job_stats_by_site", {})
    assert doc["data"]["PROD_Q"] == {"assigned": 0, "activated": 3, "running": 0}


def test_server_client_site_specs_and_job_status(tb) -> None:  # type: ignore[no-untyped-def]
    # get_site_specs(site_type=None) sends no "type": analysis sites only
    assert set(server_client_get(tb, "metaconfig/get_site_specs", {})["data"]) == {"ANALY_Q"}
    assert set(server_client_get(tb, "metaconfig/get_site_specs", {"type": "all"})["data"]) == {
        "PROD_Q",
        "ANALY_Q",
    }
    # get_job_status(job_ids) posts {"job_ids": [...]} as JSON
    r = httpx.post(f"{tb.url}/api/v1/pilot/get_job_status", json={"job_ids": [1, 99]}, headers=SERVER_CLIENT)
    assert [d["status"] for d in r.json()["data"]] == ["activated", "not found"]
