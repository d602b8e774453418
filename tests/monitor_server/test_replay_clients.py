"""Replays of what the real clients send, byte for byte where it matters (method, path, headers,
body), against the monitor under uvicorn:

- APF 2.4's ``APF`` monitor plugin (Python 2.7 urllib2: JSON bodies with urllib2's form content type,
  ``Connection: close``, ``Accept-Encoding: identity``, no token; names put in URLs unquoted);
- Harvester's APFMon client (requests: JSON strings as bodies with no content type, a JSON label
  status ``{"status", "data"}``, integer batch ids as ``cid``, form state updates with ``ids``);
- APF 2.0/2.1's APFMon v1 plugin (``h/``, ``c/`` and ``m/`` with the JSON not URL-encoded);
- the wrappers, with the real curl: wrapper 0.9.x's v1 pings (``curl -fksS ${APFMON}rn/...``) with
  ``$APFMON`` as 2.4 sites set it, and runpilot3-wrapper's v2 posts (``curl -ksS -d state=...``).

The factories send no token: they are admitted by one line of configuration each (by factory id
for the 2.4 factory, by network for Harvester)."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer

from .conftest import ADMIN

APF24 = "BNL-gridui11-jhover"
HARVESTER = "CERN_central_A"
APF21 = "BNL-gridui09-jhover"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str


def send(base: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> Reply:
    """One request with exactly these headers (nothing added but what is listed)."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname or "", u.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        conn.putheader(k, v)
    conn.endheaders(body or None)
    r = conn.getresponse()
    out = Reply(r.status, r.read().decode())
    conn.close()
    return out


def urllib2(base: str, method: str, path: str, body: bytes = b"") -> Reply:
    """As Python 2.7's urllib2 sends it (APF 2.x): form content type whenever there is a body."""
    host = urlsplit(base).netloc
    headers = [("Host", host), ("Accept-Encoding", "identity")]
    if body:
        headers += [("Content-Length", str(len(body))), ("Content-Type", "application/x-www-form-urlencoded")]
    headers += [("Connection", "close"), ("User-Agent", "Python-urllib/2.7")]
    return send(base, method, path, headers, body)


def requests_like(base: str, method: str, path: str, body: bytes = b"", form: bool = False) -> Reply:
    """As python-requests sends ``data=<str>`` (no content type) or ``data=<dict>`` (a form)."""
    headers = [
        ("Host", urlsplit(base).netloc),
        ("User-Agent", "python-requests/2.22.0"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
        ("Content-Length", str(len(body))),
    ]
    if form:
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    return send(base, method, path, headers, body)


def py2_json(obj: object) -> bytes:
    return json.dumps(obj).encode()  # Python 2's separators are the same: ", " and ": "


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/replay.db",
        auth=AuthSettings(AuthMode.TOKEN, ADMIN, address_factories=(APF24, APF21)),  # one line in [auth]
    )
    with ThreadedServer(create_app(settings, run_expiry=False)) as srv:
        yield srv.url


@pytest.fixture
def harvester_server(tmp_path: Path) -> Iterator[str]:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/harvester.db",
        auth=AuthSettings(
            AuthMode.TOKEN, ADMIN, trusted_networks=("127.0.0.0/8",)
        ),  # "trusted_networks = ..."
    )
    with ThreadedServer(create_app(settings, run_expiry=False)) as srv:
        yield srv.url


def api(base: str) -> httpx.Client:
    return httpx.Client(base_url=base + "/api")


def test_apf_24_plugin(server: str) -> None:
    mon = server + "/api"  # monitorURL = http://.../api
    path = urlsplit(mon).path
    # plugin init: registerFactory, then _getLabels (its json.loads needs a JSON list back)
    body = py2_json(
        {"url": "http://gridui11.example.org:25880", "version": "2.4.15-1", "email": "ops@example.org"}
    )
    assert urllib2(server, "PUT", f"{path}/factories/{APF24}", body).status == 201
    r = urllib2(server, "GET", f"{path}/labels?factory={APF24}")
    assert (r.status, json.loads(r.body)) == (200, [])
    # a queue's first submission: registerLabel, then registerJobs
    label = "ANALY_BNL_ATLAS_1-gridgk05.racf.bnl.gov"
    item = {
        "name": label,
        "factory": APF24,
        "wmsqueue": "",
        "batchqueue": "",
        "resource": "",
        "localqueue": "",
    }
    assert urllib2(server, "PUT", f"{path}/labels", py2_json([item])).status == 201
    jobs = [{"cid": f"931048.{i}", "label": label, "factory": APF24} for i in range(3)]
    r = urllib2(server, "PUT", f"{path}/jobs", py2_json(jobs))
    assert (r.status, r.body) == (201, "Created 3/3 job(s), 0 not created")
    # every cycle: updateLabel, for every queue (also one that never submitted)
    status = "Ready:in=0,activated=83,offset=0,pending=10,ret=73;Scale:in=73,factor=0.5,ret=36"
    for q in (label, "IDLE_QUEUE-ce02"):
        r = urllib2(server, "POST", f"{path}/labels/{APF24}:{q}", urlencode({"status": status}).encode())
        assert r.status == 200, r.body
    with api(server) as c:
        labels = {lab["name"]: lab for lab in c.get("/labels", params={"factory": APF24}).json()}
        assert set(labels) == {label, "IDLE_QUEUE-ce02"}
        assert labels[label]["ncreated"] == 3 and labels[label]["msg"] == status
        fac = c.get(f"/factories/{APF24}").json()
        assert (fac["version"], fac["ip"], fac["type"]) == ("2.4.15-1", "127.0.0.1", "AutoPyFactory")
        assert c.get("/refused").json() == []


def test_harvester_apfmon_client(harvester_server: str) -> None:
    base = harvester_server
    # create_factory
    f = {"url": "url_to_logs", "email": "atlas-adc-harvester-central-support@cern.ch", "version": "0.2.7"}
    assert requests_like(base, "PUT", f"/api/factories/{HARVESTER}", json.dumps(f).encode()).status == 201
    # create_labels: shards of 20, "<site>-<ce short host>", an integer ce_queue_id
    labels = [
        {
            "name": "CERN-PROD_UCORE-ce503",
            "wmsqueue": "CERN-PROD_UCORE",
            "ce_queue_id": 0,
            "factory": HARVESTER,
        },
        {
            "name": "CERN-PROD_UCORE-noCE",
            "wmsqueue": "CERN-PROD_UCORE",
            "ce_queue_id": 1234,
            "factory": HARVESTER,
        },
    ]
    r = requests_like(base, "PUT", "/api/labels", json.dumps(labels).encode())
    assert (r.status, r.body) == (201, "Created 2/2 label(s), 0 updated")
    # update_label: a JSON body (no content type) with the status and its data
    data = {"ANY": {"running": 12, "submitted": 3}, "SCORE": {"running": 12}}
    body = json.dumps({"status": "submitted 3 workers", "data": data}).encode()
    r = requests_like(base, "POST", f"/api/labels/{HARVESTER}:CERN-PROD_UCORE-ce503", body)
    assert r.status == 200, r.body
    # create_workers: batch ids as they come, integers included, with the log URLs
    workers = [
        {"cid": 9659, "factory": HARVESTER, "label": "CERN-PROD_UCORE-ce503", "jdlurl": "",
         "stdouturl": "https://aipanda024.cern.ch/condor_logs/18-07-19_09/grid.9659.0.out",
         "stderrurl": "https://aipanda024.cern.ch/condor_logs/18-07-19_09/grid.9659.0.err",
         "logurl": "https://aipanda024.cern.ch/condor_logs/18-07-19_09/grid.9659.0.log"},
        {"cid": "9660.0", "factory": HARVESTER, "label": "CERN-PROD_UCORE-ce503", "jdlurl": "",
         "stdouturl": "", "stderrurl": "", "logurl": ""},
    ]  # fmt: skip
    r = requests_like(base, "PUT", "/api/jobs", json.dumps(workers).encode())
    assert (r.status, r.body) == (201, "Created 2/2 job(s), 0 not created")
    # update_worker: form posts; submitted -> created, running, finished -> done (with PanDA ids)
    steps = [("9659", {"state": "created"}), ("9659", {"state": "running"}), ("9660.0", {"state": "running"})]
    for cid, form in steps:
        r = requests_like(base, "POST", f"/api/jobs/{HARVESTER}:{cid}", urlencode(form).encode(), form=True)
        assert r.status == 200, (cid, form, r.body)
    fault = urlencode({"state": "fault", "ids": "1234,5678"}).encode()
    assert requests_like(base, "POST", f"/api/jobs/{HARVESTER}:9660.0", fault, form=True).status == 200
    with api(base) as c:
        lab = c.get(f"/labels/{HARVESTER}:CERN-PROD_UCORE-ce503").json()
        assert (lab["msg"], lab["data"], lab["ncreated"], lab["nrunning"], lab["nfault"]) == (
            "submitted 3 workers", data, 0, 1, 1,
        )  # fmt: skip
        j = c.get(f"/jobs/{HARVESTER}:9660.0").json()
        assert j["messages"][-1].endswith("fault ids=1234,5678")
        assert c.get(f"/jobs/{HARVESTER}:9659").json()["stdouturl"].endswith("grid.9659.0.out")
    assert "submitted 3 workers" in httpx.get(f"{base}/factory/{HARVESTER}/label/CERN-PROD_UCORE-ce503").text


def test_apfmon_v1_plugin_of_apf_21(server: str) -> None:
    mon = "/mon/"  # monitorURL = http://.../mon/ (v1)
    hello = (
        f"factoryId={APF21}&factoryOwner=jhover@bnl.gov&versionTag=2.1.0&factoryAdminEmail=jhover@bnl.gov"
        "&baseLogDirUrl=http://gridui09.usatlas.bnl.gov:25880"
    )
    r = urllib2(server, "POST", f"{mon}h/", hello.encode())
    assert r.status == 201, r.body
    created = (
        'data=[["931048.0", "BNL_CVMFS_1-condor", "BNL-gridui09-jhover", "BNL_CVMFS_1-gridgk06"], '
        '["931049.0", null, "BNL-gridui09-jhover", "BNL_CVMFS_1-gridgk06"]]'
    )  # a queue without batchqueue sends null as its nick
    r = urllib2(server, "POST", f"{mon}c/", created.encode())
    assert (r.status, r.body) == (201, "Created 2/2 job(s), 0 not created")
    msg = 'cycle=3&data=[["BNL_CVMFS_1-condor", "BNL-gridui09-jhover", "BNL_CVMFS_1-gridgk06", "Ready: 3+2 & more"]]'
    r = urllib2(server, "POST", f"{mon}m/", msg.encode())
    assert (r.status, r.body) == (200, "Stored 1/1 message(s)")
    with api(server) as c:
        lab = c.get(f"/labels/{APF21}:BNL_CVMFS_1-gridgk06").json()
        assert (lab["prq"], lab["msg"], lab["ncreated"]) == ("BNL_CVMFS_1-condor", "Ready: 3+2 & more", 2)
        assert c.get(f"/factories/{APF21}").json()["url"] == "http://gridui09.usatlas.bnl.gov:25880"


def _register_pilots(base: str, fid: str, cids: list[str]) -> None:
    with httpx.Client(base_url=base + "/api", headers={"Authorization": f"Bearer {ADMIN}"}) as c:
        c.put(f"/factories/{fid}", json={"version": "2.4.15", "email": "", "url": ""}).raise_for_status()
        c.put("/labels", json=[{"name": "Q", "factory": fid}]).raise_for_status()
        c.put("/jobs", json=[{"cid": cid, "label": "Q", "factory": fid} for cid in cids]).raise_for_status()


def _curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", *args], capture_output=True, text=True, timeout=60)


needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@needs_curl
@pytest.mark.parametrize("apfmon", ["{base}/api", "{base}/mon/", "{base}/api/", "{base}/"])
def test_wrapper_09x_v1_pings_with_curl(server: str, apfmon: str) -> None:
    """f_monping: CMD="curl -fksS --connect-timeout 10 --max-time 20 ${APFMON}$1/$APFFID/$APFCID/$2"
    with $1 rn (no $2), then ex with the exit code. ``$APFMON`` is the factory's monitorURL."""
    base = apfmon.format(base=server)
    _register_pilots(server, APF24, ["100.0", "101.0"])

    def monping(verb: str, cid: str, extra: str = "") -> subprocess.CompletedProcess[str]:
        return _curl(
            "-fksS", "--connect-timeout", "10", "--max-time", "20", f"{base}{verb}/{APF24}/{cid}/{extra}"
        )

    r = monping("rn", "100.0")
    assert (r.returncode, r.stdout) == (0, "OK"), r.stderr
    r = monping("ex", "100.0", "3")
    assert (r.returncode, r.stdout) == (0, "OK"), r.stderr
    # the same ping again, or one for a pilot the monitor never heard of: no HTTP error (curl -f
    # would retry three times, 30 seconds apart), the reason in the body
    r = monping("rn", "100.0")
    assert (r.returncode, r.stdout) == (0, "ignored: Invalid state transition: exiting->running")
    r = monping("rn", "999.0")
    assert r.returncode == 0 and r.stdout.startswith("ignored: Not found")
    r = _curl("-fksS", f"{base}rn//100.0/")  # a wrapper without $APFFID
    assert r.returncode == 0 and r.stdout.startswith("ignored: expected rn/<factory>/<pilot>/")
    # an exit code the shell left empty: the pilot still moves on, without a result
    assert monping("rn", "101.0").returncode == 0
    assert monping("ex", "101.0").returncode == 0
    with api(server) as c:
        j100, j101 = (c.get(f"/jobs/{APF24}:{cid}").json() for cid in ("100.0", "101.0"))
    assert (j100["state"], j100["result"]) == ("exiting", 3)
    assert (j101["state"], j101["result"]) == ("exiting", -1)
    assert j101["messages"][-1].endswith("exiting (APFMon v1, no exit code)")


@needs_curl
def test_v1_pings_in_the_older_order(server: str) -> None:
    _register_pilots(server, APF24, ["7.0"])
    assert _curl("-fksS", f"{server}/mon/{APF24}/7.0/rn/").stdout == "OK"
    assert _curl("-fksS", f"{server}/mon/{APF24}/7.0/ex/0").stdout == "OK"
    with api(server) as c:
        assert c.get(f"/jobs/{APF24}:7.0").json()["result"] == 0


@needs_curl
def test_runpilot3_wrapper_v2_posts_with_curl(server: str) -> None:
    """monrunning / monexiting: curl -ksS --connect-timeout 10 --max-time 20 -d state=running
    $APFMON/jobs/$APFFID:$APFCID (the ADC version adds -d wrapper=$VERSION, and -d ids= on exit)."""
    _register_pilots(server, APF24, ["5.0"])
    url = f"{server}/api/jobs/{APF24}:5.0"
    common = ["-ksS", "--connect-timeout", "10", "--max-time", "20"]
    r = _curl(*common, "-d", "state=running", "-d", "wrapper=20190301", url)
    assert (r.returncode, r.stdout) == (0, url)
    r = _curl(*common, "-d", "state=exiting", "-d", "rc=0", "-d", "ids=4711,4712", url)
    assert (r.returncode, r.stdout) == (0, url)
    with api(server) as c:
        msgs = c.get(f"/jobs/{APF24}:5.0").json()["messages"]
    assert [m.split(" ", 2)[2] for m in msgs] == ["running wrapper=20190301", "exiting rc=0 ids=4711,4712"]
