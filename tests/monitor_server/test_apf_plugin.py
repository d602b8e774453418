"""The factory-side ``APF`` monitor plugin against a live monitor (and against a dead one)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.loader import builtin_mappings
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.monitor.apf import APFMonitor
from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer, free_port
from autopyfactory.plugins.context import FactoryContext

from .conftest import ADMIN


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadedServer]:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/live.db", auth=AuthSettings(AuthMode.TOKEN, ADMIN)
    )
    with ThreadedServer(create_app(settings, run_expiry=False)) as srv:
        yield srv


def _ctx(tmp_path: Path, fid: str = "apf-test") -> FactoryContext:
    fac = ConfigSection.from_dict(
        "Factory",
        {"factoryId": fid, "factoryAdminEmail": "ops@example.org", "baseLogDirUrl": "http://f.example.org:25880",
         "baseLogDir": str(tmp_path / "logs"), "statedir": str(tmp_path / "state")},
    )  # fmt: skip
    return FactoryContext(fac, FactorySettings.from_section(fac, tmp_path), builtin_mappings())


def _monitor(tmp_path: Path, url: str, **keys: str) -> APFMonitor:
    sec = ConfigSection.from_dict("apfmon", {"monitorplugin": "APF", "monitorURL": url, **keys})
    return APFMonitor(_ctx(tmp_path), sec)


def _queue(name: str) -> ConfigSection:
    return ConfigSection.from_dict(name, {"wmsqueue": "SITE_" + name})


def _pilots(queue: str, n: int, start: int = 0) -> list[PilotRecord]:
    return [
        PilotRecord(f"{100 + i}.0", queue, 0.0, log_url=f"http://f/{queue}/{100 + i}.0.out")
        for i in range(start, start + n)
    ]


def test_plugin_registers_factory_labels_pilots_in_shards_and_label_status(
    tmp_path: Path, server: ThreadedServer
) -> None:
    token = httpx.post(
        f"{server.url}/api/admin/tokens/apf-test", headers={"Authorization": f"Bearer {ADMIN}"}
    ).text
    mon = _monitor(tmp_path, server.url + "/api", monitorToken=token, monitorShard="7")
    mon.register_factory()
    q = _queue("QA")
    mon.register_pilots(q, _pilots("QA", 20))
    mon.update_label(q, "Ready:in=0,activated=20;Scale:ret=20")
    mon.update_label(_queue("QB"), "Ready:in=0")  # a queue that never submitted gets its label too
    mon.close()
    assert mon.sender.stats.failed == 0
    api = httpx.Client(base_url=server.url + "/api")
    f = api.get("/factories/apf-test").json()
    assert (f["email"], f["url"], f["type"]) == (
        "ops@example.org",
        "http://f.example.org:25880",
        "AutoPyFactory",
    )
    labels = {x["name"]: x for x in api.get("/labels?factory=apf-test").json()}
    assert set(labels) == {"QA", "QB"}
    assert labels["QA"]["ncreated"] == 20 and labels["QA"]["wmsqueue"] == "SITE_QA"
    assert labels["QA"]["msg"] == "Ready:in=0,activated=20;Scale:ret=20"
    assert api.get("/jobs/apf-test:105.0").json()["stdouturl"] == "http://f/QA/105.0.out"
    assert f["last_ncreated"] in (6, 7)  # the last shard of 7


def test_wrong_token_fails_the_calls_but_never_raises(tmp_path: Path, server: ThreadedServer) -> None:
    mon = _monitor(tmp_path, server.url + "/api", monitorToken="not-the-token", monitorRetries="0")
    mon.register_factory()
    mon.register_pilots(_queue("QA"), _pilots("QA", 3))
    mon.close()
    assert mon.sender.stats.sent == 0 and mon.sender.stats.failed >= 2
    assert httpx.get(server.url + "/api/factories").json() == []


def test_a_dead_monitor_never_blocks_the_caller(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    mon = _monitor(
        tmp_path, url, monitorRetries="1", monitorTimeout="1", monitorQueueSize="5", monitorCloseWait="0.5"
    )
    mon.register_factory()
    for i in range(20):
        mon.register_pilots(_queue("QA"), _pilots("QA", 1, i))
        mon.update_label(_queue("QA"), "x")
    mon.close()
    assert mon.sender.stats.dropped > 0
    assert not [t for t in threading.enumerate() if t.name == "monitor-apfmon" and t.is_alive()]


def test_monitor_url_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="monitorURL is required"):
        _monitor(tmp_path, "")


def test_a_relative_token_file_is_read_from_the_configuration_directory(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "apfmon-token").write_text("the-token\n")  # tmp_path is the conf directory (_ctx)
    monkeypatch.chdir(tmp_path / "..")
    mon = _monitor(tmp_path, "http://127.0.0.1:9/api", monitorTokenFile="apfmon-token")
    try:
        assert mon.sender._client.headers["Authorization"] == "Bearer the-token"
    finally:
        mon.close()
    with pytest.raises(ValueError, match=r"monitorTokenFile missing-token: .*No such file"):
        _monitor(tmp_path, "http://127.0.0.1:9/api", monitorTokenFile="missing-token")


def test_a_monitor_down_at_start_gets_the_factory_and_its_labels_once_it_is_up(tmp_path: Path) -> None:
    port = free_port()
    mon = _monitor(tmp_path, f"http://127.0.0.1:{port}/api", monitorRetries="0", monitorTimeout="2")
    mon.register_factory()  # nobody listens yet
    mon.update_label(_queue("QA"), "x")
    _drain(mon)
    assert mon.sender.stats.failed >= 2 and mon.sender.stats.sent == 0
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/late.db", auth=AuthSettings(AuthMode.ADDRESS, ADMIN)
    )
    with ThreadedServer(create_app(settings, run_expiry=False), port=port) as srv:
        mon.update_label(_queue("QA"), "Ready:in=0")
        mon.register_pilots(_queue("QA"), _pilots("QA", 2))
        mon.close()
        api = httpx.Client(base_url=srv.url + "/api")
        assert api.get("/factories/apf-test").status_code == 200
        assert api.get("/labels/apf-test:QA").json()["msg"] == "Ready:in=0"
        assert len(api.get("/jobs?factory=apf-test").json()) == 2


def _drain(mon: APFMonitor, timeout: float = 10.0) -> None:
    """Wait until the sender has tried everything queued (refused connections fail at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if mon.sender._q.empty() and mon.sender.stats.failed >= 2:
            time.sleep(0.3)
            return
        time.sleep(0.05)
