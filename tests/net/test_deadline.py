"""Every network client of the factory ends at its deadline, against real misbehaving servers:
headers or a 500 body trickled one byte at a time, a connection accepted and never answered, a reset,
garbage. Each call runs in a thread; the test fails if it is still running long after its deadline
(the servers trickle for hours, so a client without a real deadline would hang)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autopyfactory.batch.slurm.rest import SlurmRest
from autopyfactory.batch.slurm.runner import SlurmError
from autopyfactory.batch.slurm.settings import SlurmEndpoint
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.sources import read_source
from autopyfactory.cric.source import CRICSource, CRICUnavailable
from autopyfactory.loading.loader import load
from autopyfactory.monitor.sender import Call, Sender
from autopyfactory.net.deadline import ResponseTooLarge, http_client
from autopyfactory.wms.panda.plugin import PandaWMSStatus
from tests.cric.documents import write_doc
from tests.net.misbehaving import MODES, Misbehaving
from tests.panda.helpers import plugin, refreshed_after, wait_for

DEADLINE = 0.5
HANG = 60.0  # a call still running after this long has no real deadline
SLOW = ("trickle-headers", "trickle-500", "trickle-body", "silent")


def finished(fn: Callable[[], Any]) -> BaseException | None:
    """Run ``fn`` in a thread; fail if it has not returned within HANG seconds; its exception."""
    box: list[BaseException | None] = [None]

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            box[0] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(HANG)
    assert not t.is_alive(), f"still running {HANG:g}s after a deadline of {DEADLINE}s"
    return box[0]


@pytest.fixture(params=MODES)
def server(request: pytest.FixtureRequest) -> Iterator[Misbehaving]:
    with Misbehaving(request.param) as s:
        yield s


def test_the_deadline_client(server: Misbehaving) -> None:
    with http_client(DEADLINE) as client:
        exc = finished(lambda: client.get(server.url + "/x"))
    assert isinstance(exc, httpx.HTTPError)
    if server.mode in SLOW:
        assert isinstance(exc, httpx.TimeoutException)
        assert f"deadline of {DEADLINE:g}s" in str(exc)


def test_the_deadline_covers_streamed_bodies() -> None:
    with Misbehaving("trickle-body") as server, http_client(DEADLINE) as client:

        def read() -> None:
            with client.stream("GET", server.url) as r:
                assert r.status_code == 200  # the head arrived in time; the body does not
                for _ in r.iter_bytes():
                    pass

        assert isinstance(finished(read), httpx.TimeoutException)


def test_a_request_may_ask_for_its_own_deadline() -> None:
    with Misbehaving("silent") as server, http_client(3600) as client:
        exc = finished(lambda: client.get(server.url, extensions={"deadline": DEADLINE}))
    assert isinstance(exc, httpx.TimeoutException)


def test_max_bytes_limits_the_body() -> None:
    with Misbehaving("trickle-body", byte_every=0) as server, http_client(30, max_bytes=1000) as client:
        exc = finished(lambda: client.get(server.url))
    assert isinstance(exc, ResponseTooLarge) and "larger than 1000 bytes" in str(exc)


def test_panda_poller(server: Misbehaving, tmp_path: Path) -> None:
    p: PandaWMSStatus = plugin(
        tmp_path, server.url, {"wmsstatus.panda.timeout": str(DEADLINE), "wmsstatus.panda.sleep": "3600"}
    )
    try:
        wait_for(refreshed_after(p, 0), timeout=HANG)
        err = p.poller.latest().stats_error
        assert err
        if server.mode in SLOW:
            assert f"within {DEADLINE:g}s" in err
    finally:
        p.close()


def test_cric_download(server: Misbehaving, tmp_path: Path) -> None:
    source = CRICSource(server.url + "/pandaqueue", tmp_path, None, DEADLINE, 60)
    assert isinstance(finished(source.get), CRICUnavailable)


def test_apf_monitor_sender(server: Misbehaving) -> None:
    results: list[bool] = []
    done = threading.Event()
    sender = Sender(server.url, {}, timeout=DEADLINE, retries=0)
    try:
        sender.submit(
            Call(
                "PUT",
                "/factories/f",
                "register",
                json={},
                on_done=lambda ok: (results.append(ok), done.set()),
            )
        )
        assert done.wait(HANG), "the monitor call never ended"
        assert results == [False]
    finally:
        sender.close(0)


def test_slurm_rest_client(server: Misbehaving, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLURM_JWT", "token")
    rest = SlurmRest(SlurmEndpoint(mode="rest", rest_url=server.url, timeout=DEADLINE))
    try:
        exc = finished(rest.jobs)
    finally:
        rest.close()
    assert isinstance(exc, SlurmError)
    if server.mode in SLOW:
        assert f"within {DEADLINE:g}s" in str(exc)


def test_queue_files_over_http(server: Misbehaving) -> None:
    exc = finished(
        lambda: read_source(
            server.url + "/queues.conf", None, ("f", "Factory", "queueConf"), url_timeout=DEADLINE
        )
    )
    assert isinstance(exc, ConfigError)
    if server.mode in SLOW:
        assert f"deadline of {DEADLINE:g}s" in str(exc)


@pytest.mark.parametrize("key", ["queueConf", "monitorConf", "mappingsConf", "authConf", "proxyConf"])
def test_config_urltimeout_bounds_every_file_over_http(key: str, tmp_path: Path) -> None:
    """``[Factory] config.urltimeout`` is the deadline of every configuration file given as a URL:
    the load ends with a [Factory] error naming the key, the URL and that deadline."""
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "queues.conf").write_text("[Q1]\nwmsqueue = Q1\n")
    with Misbehaving("trickle-headers") as server:
        url = f"{server.url}/{key}.conf"
        (etc / "autopyfactory.conf").write_text(
            f"[Factory]\nfactoryId = f1\nbaseLogDir = {tmp_path}/logs\nlogserver.enabled = False\n"
            f"queueConf = {etc}/queues.conf\nconfig.urltimeout = {DEADLINE}\n{key} = {url}\n"
        )
        box: list[Any] = []
        exc = finished(lambda: box.append(load(str(etc))))
    assert exc is None
    errors = [p for p in box[0].factory_errors if p.key == key]
    assert [e.value for e in errors] == [url], box[0].factory_errors
    assert f"deadline of {DEADLINE:g}s" in errors[0].message


def test_config_urltimeout_bounds_cric_defaults_files(tmp_path: Path) -> None:
    """The same deadline holds for ``config.queues.cric.defaultsfiles`` given as a URL."""
    etc = tmp_path / "etc"
    etc.mkdir()
    write_doc(etc / "pq.json")
    CRICSource.forget()
    try:
        with Misbehaving("trickle-body") as server:
            url = f"{server.url}/defaults.conf"
            (etc / "autopyfactory.conf").write_text(
                f"[Factory]\nfactoryId = f1\nbaseLogDir = {tmp_path}/logs\nlogserver.enabled = False\n"
                f"config.urltimeout = {DEADLINE}\nconfig.queues.plugin = CRIC\nconfig.queues.cric.url = pq.json\n"
                f"config.queues.cric.defaultsfiles = {url}\n"
            )
            box: list[Any] = []
            exc = finished(lambda: box.append(load(str(etc))))
    finally:
        CRICSource.forget()
    assert exc is None
    errors = [p for p in box[0].factory_errors if p.key == "config.queues.cric.defaultsfiles"]
    assert [e.value for e in errors] == [url], box[0].factory_errors
    assert f"deadline of {DEADLINE:g}s" in errors[0].message
