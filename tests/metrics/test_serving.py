"""Where the metrics are served: a port of their own (metrics.port on metrics.address), following
reloads, and the log server's /metrics (metrics.enabled); scraped with curl. And the [Factory]
keys that say so."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.demo.embedded import free_port
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.metrics.collector import FactoryMetrics
from autopyfactory.engine.metrics.server import MetricsServer
from autopyfactory.engine.metrics.service import MetricsService
from autopyfactory.loading.loader import load
from autopyfactory.logserver.services import LogServices, LogSettings
from tests.engine import fakes
from tests.invariants.timing import wait_for
from tests.metrics.scrape import CURL, curl, try_curl

pytestmark = pytest.mark.skipif(CURL is None, reason="curl is not installed (scripts/install-system-deps.sh)")

QUEUES = """
[A]
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready
wmsqueue = SITE_A
apfqueue.sleep = 0
"""


@pytest.fixture
def factory(conf_tree) -> Iterator[Factory]:  # type: ignore[no-untyped-def]
    fakes.reset().activated = {"SITE_A": 2}
    f = Factory(RunOptions(conf=str(conf_tree(files={"queues.conf": QUEUES})), services=False))
    yield f
    f.shutdown()


def served(url: str) -> bool:
    return try_curl(url) is not None


def test_the_metrics_port_serves_them_and_moves_or_closes_with_the_configuration(
    factory: Factory,
) -> None:
    first, second = free_port(), free_port()
    settings = dataclasses.replace(factory.settings, metrics_port=first)
    svc = MetricsService(factory)
    svc.reconfigure(settings)
    try:
        url = f"http://127.0.0.1:{first}/metrics"
        wait_for(lambda: served(url), 30, "metrics on their own port")
        factory.run_cycle()
        s = curl(url)
        assert s.value("autopyfactory_pilots_submitted_total", queue="A") == 2
        assert s.content_type.startswith("text/plain")
        assert "process_resident_memory_bytes" in {n for n in s.families}
        svc.reconfigure(dataclasses.replace(settings, metrics_port=second))
        assert not served(url)
        wait_for(lambda: served(f"http://127.0.0.1:{second}/metrics"), 30, "metrics on the new port")
        svc.reconfigure(dataclasses.replace(settings, metrics_port=None))
        assert not served(f"http://127.0.0.1:{second}/metrics")
    finally:
        svc.stop()


def test_the_log_servers_port_is_refused_for_metrics_port_and_named(
    factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    logport = free_port()
    settings = dataclasses.replace(
        factory.settings,
        logserver_enabled=True,
        base_log_url=f"http://localhost:{logport}",
        metrics_port=logport,
    )
    svc = MetricsService(factory)
    with caplog.at_level(logging.ERROR):
        svc.reconfigure(settings)
    try:
        assert svc.server is None
        assert f"metrics.port = {logport} is the log server's port (baseLogDirUrl)" in caplog.text
        assert "metrics.enabled = True" in caplog.text
    finally:
        svc.stop()


def test_a_taken_port_is_tried_again_until_it_is_free(
    factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    server = MetricsServer(FactoryMetrics(factory).registry, "127.0.0.1", port, retry=0.2)
    with caplog.at_level(logging.ERROR):
        server.start()
        wait_for(lambda: "cannot listen on 127.0.0.1 port" in caplog.text, 30, "the bind error logged")
    assert "metrics.address, metrics.port" in caplog.text
    blocker.close()
    try:
        wait_for(lambda: served(f"http://127.0.0.1:{port}/metrics"), 30, "served once the port is free")
    finally:
        server.stop()
    assert not served(f"http://127.0.0.1:{port}/metrics")


def test_the_log_server_answers_metrics_next_to_the_pilot_logs(factory: Factory, tmp_path: Path) -> None:
    logs = tmp_path / "served"
    (logs / "2026-12-01" / "A").mkdir(parents=True)
    (logs / "2026-12-01" / "A" / "1.0.out").write_text("pilot output\n")
    port = free_port()
    settings = dataclasses.replace(
        factory.settings,
        logserver_enabled=True,
        base_log_dir=logs,
        base_log_url=f"http://127.0.0.1:{port}",
        metrics_enabled=True,
    )
    svc = MetricsService(factory)
    services = LogServices(LogSettings.from_config(settings, {}), metrics=svc.page).start()
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: served(f"{url}/metrics"), 30, "the log server's /metrics")
        factory.run_cycle()
        s = curl(f"{url}/metrics")
        assert s.value("autopyfactory_pilots_submitted_total", queue="A") == 2
        assert s.content_type.startswith("text/plain; version=0.0.4")
        assert curl(f"{url}/2026-12-01/A/1.0.out").text == "pilot output\n"  # still the pilot logs
        # switched off by a reload: /metrics is a path like any other (no such file)
        services.reconfigure(
            LogSettings.from_config(dataclasses.replace(settings, metrics_enabled=False), {})
        )
        wait_for(lambda: served(f"{url}/2026-12-01/A/1.0.out"), 30, "the restarted log server")
        assert not served(f"{url}/metrics")
    finally:
        services.stop()


def test_metrics_keys_are_checked_and_named(conf_tree) -> None:  # type: ignore[no-untyped-def]
    q = {"queues.conf": QUEUES}
    s = load(str(conf_tree(files=q))).settings
    assert s is not None
    assert (s.metrics_enabled, s.metrics_port, s.metrics_address) == (False, None, "127.0.0.1")
    for bad in ("0", "65536", "http", "80.5"):
        cfg = load(str(conf_tree(factory=f"metrics.port = {bad}\n", files=q)))
        (problem,) = cfg.factory_errors
        assert (problem.section, problem.key, problem.value) == ("Factory", "metrics.port", bad)
        assert "a port number from 1 to 65535" in problem.message
    cfg = load(
        str(
            conf_tree(factory="metrics.port = 9464\nmetrics.address = ::1\nmetrics.enabled = True\n", files=q)
        )
    )
    assert cfg.factory_errors == [] and cfg.settings is not None
    s = cfg.settings
    assert (s.metrics_port, s.metrics_address, s.metrics_enabled) == (9464, "::1", True)


def test_an_ipv6_metrics_address(factory: Factory) -> None:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    port = free_port()
    svc = MetricsService(factory)
    svc.reconfigure(dataclasses.replace(factory.settings, metrics_port=port, metrics_address="::1"))
    try:
        wait_for(lambda: served(f"http://[::1]:{port}/metrics"), 30, "metrics on ::1")
        assert not served(f"http://127.0.0.1:{port}/metrics")
    finally:
        svc.stop()
