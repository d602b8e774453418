"""The ``APF`` plugin's queue statuses against a live monitor: one request per cycle for every queue,
newest-wins when the monitor is slower than the cycles (what is dropped is counted and shown),
the fallback to per-queue status posts for a monitor without the cycle route, and the pilots' log
URLs as their batch system writes them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.responses import PlainTextResponse

from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.loader import builtin_mappings
from autopyfactory.model.batch import BatchQueueInfo
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.queue_state import QueueStateKind
from autopyfactory.monitor.apf import APFMonitor
from autopyfactory.monitor.sender import Call
from autopyfactory.monitor.status_buffer import StatusBuffer
from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor_report import QueueReport, SourceReport, StatusReport

from .conftest import ADMIN

FID = "status-test"


def _settings(tmp_path: Path, name: str = "s") -> ServerSettings:
    return ServerSettings(db_url=f"sqlite:///{tmp_path}/{name}.db", auth=AuthSettings(AuthMode.TOKEN, ADMIN))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadedServer]:
    with ThreadedServer(create_app(_settings(tmp_path), run_expiry=False)) as srv:
        yield srv


def _token(url: str) -> str:
    return httpx.post(f"{url}/api/admin/tokens/{FID}", headers={"Authorization": f"Bearer {ADMIN}"}).text


def _monitor(tmp_path: Path, url: str, **keys: str) -> APFMonitor:
    fac = ConfigSection.from_dict(
        "Factory",
        {"factoryId": FID, "baseLogDirUrl": "http://f.example.org:25880", "baseLogDir": str(tmp_path / "logs"),
         "statedir": str(tmp_path / "state")},
    )  # fmt: skip
    ctx = FactoryContext(fac, FactorySettings.from_section(fac, tmp_path), builtin_mappings())
    sec = ConfigSection.from_dict("apfmon", {"monitorplugin": "APF", "monitorURL": url + "/api", **keys})
    return APFMonitor(ctx, sec)


def _section(name: str) -> ConfigSection:
    return ConfigSection.from_dict(name, {"wmsqueue": "SITE_" + name, "batchqueue": "PQ_" + name})


def _cycled(name: str, now: float, activated: int, decision: int, chain: str) -> QueueReport:
    return QueueReport(
        queue=name,
        section=_section(name),
        wmsqueue="SITE_" + name,
        state=QueueStateKind.RUNNING,
        state_since=now - 100,
        interval=10.0,
        cycled=True,
        cycled_at=now - 1,
        cycles=3,
        action="submit" if decision > 0 else "none",
        action_text=f"submitted {decision}" if decision > 0 else "none",
        decision=decision,
        target=decision,
        submitted=decision,
        chain=chain,
        activated=activated,
        pending=1,
        running=4,
        site="online",
        batch=BatchQueueInfo(pending=1, running=4, done=7),
        batch_at=now - 2,
        sources=(
            SourceReport("wmsstatus", "Panda", now - 30, 60.0, "ConnectError: refused", now - 5),
            SourceReport("batchstatus", "Local", now - 2, 360.0),
        ),
    )


def _broken(name: str, now: float) -> QueueReport:
    return QueueReport(
        queue=name,
        section=_section(name),
        wmsqueue="SITE_" + name,
        state=QueueStateKind.NOT_STARTED,
        state_reason="queues.conf [X] sched.maxpercycle.maximum = 'lots': expected an integer",
        state_since=now - 50,
    )


def _wait(cond, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_every_queue_goes_in_one_request_per_cycle_and_shows_whole(
    tmp_path: Path, server: ThreadedServer
) -> None:
    mon = _monitor(tmp_path, server.url, monitorToken=_token(server.url))
    mon.register_factory()
    now = time.time()
    chain = ";".join(f"Step{i}:in={i},some=long,message=text,ret={i}" for i in range(40))  # ~1700 chars
    queues = (
        _cycled("QA", now, 30, 3, chain),
        _cycled("QB", now, 0, 0, "Ready:in=0,ret=0"),
        _broken("QX", now),
    )
    mon.report_status(StatusReport(now, 7, 10.0, queues))
    _wait(lambda: mon.sender.stats.sent >= 2)
    mon.close()
    assert mon.sender.stats.sent == 2 and mon.sender.stats.failed == 0  # registration, then one status call
    api = httpx.Client(base_url=server.url + "/api")
    qa = api.get(f"/labels/{FID}:QA").json()
    s = qa["status"]
    assert (s["state"], s["decision"], s["action"], s["action_text"]) == (
        "running",
        3,
        "submit",
        "submitted 3",
    )
    assert s["chain"] == chain and len(chain) > 1024  # stored whole
    assert qa["msg"] == chain[:255] and qa["wmsqueue"] == "SITE_QA" and qa["prq"] == "PQ_QA"
    assert (s["activated"], s["pending"], s["running"]) == (30, 1, 4)
    assert s["batch"]["done"] == 7
    wms = s["sources"][0]
    assert (wms["plugin"], wms["maxage"], wms["error"], wms["failing"]) == (
        "Panda",
        60.0,
        "ConnectError: refused",
        True,
    )
    qx = api.get(f"/labels/{FID}:QX").json()["status"]
    assert qx["state"] == "not-started" and "expected an integer" in qx["state_reason"]
    assert qx["last_cycle"] is None  # never cycled: it shows, with why
    fac = api.get(f"/factories/{FID}").json()
    assert fac["cycle_interval"] == 10.0 and fac["status_dropped"] == 0 and fac["last_cycle"] is not None


def test_a_monitor_slower_than_the_cycles_gets_the_newest_status_and_the_drops_are_counted(
    tmp_path: Path, server: ThreadedServer
) -> None:
    mon = _monitor(tmp_path, server.url, monitorToken=_token(server.url))
    mon.register_factory()
    gate = threading.Event()
    # the sender is busy with something slow: the cycles go on meanwhile, never waiting for it
    mon.sender.submit(Call("GET", "/factories", "slow", body=lambda: gate.wait(30) and None))
    t0 = time.monotonic()
    for cycle in range(1, 51):
        now = time.time()
        mon.report_status(
            StatusReport(now, cycle, 10.0, (_cycled("QA", now, cycle, 1, f"Ready:cycle={cycle}"),))
        )
    assert time.monotonic() - t0 < 5  # never blocked (50 cycles; generous on a loaded machine)
    assert mon.statuses.pending() == 1  # one record per queue, whatever the number of cycles
    assert mon.statuses.dropped == 49
    gate.set()
    _wait(lambda: mon.statuses.pending() == 0 and not mon.statuses.sending)
    mon.close()
    api = httpx.Client(base_url=server.url + "/api")
    assert api.get(f"/labels/{FID}:QA").json()["status"]["chain"] == "Ready:cycle=50"
    assert api.get(f"/factories/{FID}").json()["status_dropped"] == 49


class WithoutCycleRoute:
    """An APFMon from before the cycle route: the rest of the API, and 404 for that path."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/cycle"):
            await PlainTextResponse(f"Not found: {scope['path']}", 404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def test_a_monitor_without_the_cycle_route_gets_each_queues_chain_as_apf_24_posted_it(tmp_path: Path) -> None:
    app = WithoutCycleRoute(create_app(_settings(tmp_path, "old"), run_expiry=False))
    with ThreadedServer(app) as old:  # type: ignore[arg-type]
        mon = _monitor(tmp_path, old.url, monitorToken=_token(old.url), monitorRetries="0")
        mon.register_factory()
        now = time.time()
        mon.report_status(
            StatusReport(now, 1, 10.0, (_cycled("QA", now, 5, 1, "Ready:first"), _broken("QX", now)))
        )
        _wait(lambda: mon.legacy)
        mon.report_status(StatusReport(now, 2, 10.0, (_cycled("QA", now, 5, 1, "Ready:second"),)))
        _wait(lambda: httpx.get(f"{old.url}/api/labels/{FID}:QA").json()["msg"] == "Ready:second")
        mon.close()
        labels = {x["name"] for x in httpx.get(f"{old.url}/api/labels?factory={FID}").json()}
        assert labels == {"QA"}  # the not-started queue has no chain to post: an old monitor cannot show it
        msgs = httpx.get(f"{old.url}/api/labels/{FID}:QA").json()["messages"]
        assert msgs == ["Ready:second", "Ready:first"]  # the first report was not lost in the switch


def test_pilots_link_only_the_log_files_their_batch_system_writes(
    tmp_path: Path, server: ThreadedServer
) -> None:
    mon = _monitor(tmp_path, server.url, monitorToken=_token(server.url))
    mon.register_factory()
    q = _section("QA")
    url = "http://f.example.org:25880/2026-12-02/QA"
    mon.register_pilots(q, [PilotRecord("11.0", "QA", 0.0, log_url=f"{url}/11.0.out")])  # HTCondor, Local
    mon.register_pilots(
        q, [PilotRecord("12", "QA", 0.0, log_url=f"{url}/12.out", log_files=("out", "err"))]
    )  # Slurm
    _wait(lambda: mon.sender._q.empty() and mon.sender.stats.sent >= 4)
    mon.close()
    api = httpx.Client(base_url=server.url + "/api")
    urls = {cid: api.get(f"/jobs/{FID}:{cid}").json() for cid in ("11.0", "12")}
    assert [urls["11.0"][k] for k in ("stdouturl", "stderrurl", "logurl")] == [
        f"{url}/11.0.out", f"{url}/11.0.err", f"{url}/11.0.log",
    ]  # fmt: skip
    assert [urls["12"][k] for k in ("stdouturl", "stderrurl", "logurl")] == [
        f"{url}/12.out",
        f"{url}/12.err",
        "",
    ]
    page = httpx.get(f"{server.url}/factory/{FID}/label/QA").text
    assert f"{url}/12.err" in page and f"{url}/12.log" not in page


def test_the_buffer_keeps_a_cycle_that_a_state_alone_would_hide() -> None:
    buf = StatusBuffer(limit=10)
    now = time.time()
    assert buf.put(StatusReport(now, 1, 10.0, (_cycled("QA", now, 5, 1, "Ready:x"),)))
    kept = _broken("QA", now)  # a reload: the queue's state only, before the cycle was sent
    assert not buf.put(StatusReport(now, 1, 10.0, (kept,)))  # a send is already queued
    taken = buf.take()
    assert taken is not None
    (h,) = taken.held
    assert h.record.cycled and h.record.chain == "Ready:x" and h.record.state is QueueStateKind.NOT_STARTED
    assert buf.dropped == 0
    assert not buf.sent(taken, ok=False, keep=True)  # the monitor did not answer: kept for the next try
    assert buf.pending() == 1 and not buf.sending
