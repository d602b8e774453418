"""What pilots read besides the dispatcher: the schedconfig cache, CRIC (with pandaqueue=), the DDM
endpoints, and the transformation script, which runs the job's payload."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed


@pytest.fixture
def tb() -> Iterator[ThreadedTestbed]:
    with ThreadedTestbed([Site("Q1", timefloor=30), Site("Q2", "test", timefloor=0)]) as t:
        yield t


def test_schedconfig_all_json_carries_what_the_pilot_reads(tb) -> None:  # type: ignore[no-untyped-def]
    r = httpx.get(f"{tb.url}/cache/schedconfig/Q1.all.json")
    assert r.status_code == 200
    doc = r.json()
    assert (doc["nickname"], doc["panda_resource"], doc["state"], doc["status"]) == (
        "Q1",
        "Q1",
        "ACTIVE",
        "online",
    )
    assert doc["timefloor"] == 30
    assert doc["acopytools"]["pl"] == ["mv"] and doc["astorages"]["pl"] == ["TESTBED_LOCALDISK"]
    assert r.text.startswith('{\n    "acopytools"')  # sorted keys, indent 4, as PanDA's cache writes it
    assert httpx.get(f"{tb.url}/cache/schedconfig/Q2.all.json").json()["timefloor"] == 0
    assert httpx.get(f"{tb.url}/cache/schedconfig/Q1.factory.json").json()["nickname"] == "Q1"
    assert set(httpx.get(f"{tb.url}/cache/schedconfig/schedconfig.all.json").json()) == {"Q1", "Q2"}
    assert httpx.get(f"{tb.url}/cache/schedconfig/NOPE.all.json").status_code == 404


def test_cric_honours_pandaqueue(tb) -> None:  # type: ignore[no-untyped-def]
    url = f"{tb.url}/cric/api/atlas/pandaqueue/query/"
    assert set(httpx.get(url, params={"json": "", "pandaqueue": "Q2"}).json()) == {"Q2"}
    assert set(httpx.get(f"{url}?json&pandaqueue=Q1,Q2").json()) == {"Q1", "Q2"}
    assert set(httpx.get(f"{url}?json").json()) == {"Q1", "Q2"}
    assert httpx.get(f"{url}?json&pandaqueue=NOPE").json() == {}
    assert httpx.get(f"{tb.url}/cache/schedconfig/Q1.json").json()["Q1"]["timefloor"] == 30


def test_ddm_endpoints(tb) -> None:  # type: ignore[no-untyped-def]
    for path in ("/cache/ddmendpoints.json", "/cric/api/atlas/ddmendpoint/query/?json"):
        doc = httpx.get(tb.url + path).json()
        assert doc["TESTBED_LOCALDISK"]["state"] == "ACTIVE"
        assert doc["TESTBED_LOCALDISK"]["arprotocols"]["write_lan"][0]["endpoint"] == "file://"


def test_the_transformation_runs_the_payload_as_a_pilot_calls_it(tb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("Q1", 1, 'echo "a b" > out; exit 3')
    (job,) = httpx.post(f"{tb.url}/api/v1/pilot/acquire_jobs", json={"site_name": "Q1"}).json()["data"][
        "jobs"
    ]
    script = tmp_path / "runtestbed.sh"
    script.write_bytes(httpx.get(job["transformation"]).content)
    script.chmod(0o755)
    # the generic PanDA pilot runs "./<script> <jobPars>" in the job's directory
    r = subprocess.run(["/bin/sh", "-c", f"./runtestbed.sh {job['jobPars']}"], cwd=tmp_path)
    assert r.returncode == 3
    assert (tmp_path / "out").read_text() == "a b\n"
    assert shlex.split(job["jobPars"]) == ['echo "a b" > out; exit 3']
    assert subprocess.run(["/bin/sh", "-c", "./runtestbed.sh"], cwd=tmp_path).returncode == 64
