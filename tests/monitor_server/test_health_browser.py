"""The dashboard's health row, in Chromium, fed by a real factory through the APF plugin.

One factory with five queues reports to the monitor every cycle: a healthy queue (Static WMS, Local
pilots, a long sched chain), a queue reading PanDA (the testbed) until the testbed goes away (its WMS
data then ages past maxage with a poll error beside it), a queue disabled in its configuration, a
queue whose configuration was broken from the start (not started) and one broken by a reload (kept
on its last good configuration). The factory and queue pages must show each of those.

Screenshots: test-artifacts/health-factory.png, health-queue.png and health-stale-wms.png; with
``APF_DOC_IMAGES=1`` they are written to docs/images/ too (the pictures in docs/monitor.md)."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer
from autopyfactory.testbed import client as testbed_client
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed

from .browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
PAYLOAD = "import sys, time\ntime.sleep(float(sys.argv[1]))\n"
CHAIN = (
    "Ready, Scale, KeepNRunning, MinPerCycle, MaxPerCycle, MaxPending, MaxToRun, StatusTest, StatusOffline"
)
QUEUES = """
[DEFAULT]
batchsubmitplugin = Local
monitorsection = apfmon
apfqueue.sleep = 0
batchsubmit.local.environ = TMPDIR={scratch} APF_PYTHON={python} APFMON_TRIES=2 APFMON_DELAY=1 APFMON_TIMEOUT=5
wrapper.plugin = generic
wrapper.pilotcode = file://{payload}
wrapper.pilotargs = 4

[ANALY_HEALTHY]
wmsstatusplugin = Static
wmsstatus.static.activated = 9
schedplugin = {chain}
sched.scale.factor = 0.5
sched.minpercycle.minimum = 0
sched.maxpercycle.maximum = 2
sched.maxpending.maximum = 3
sched.maxtorun.maximum = 6

[PROD_PANDA]
wmsqueue = TB_PANDA
wmsstatusplugin = Panda
wmsstatus.panda.url = {panda}
wmsstatus.panda.api = v1
schedplugin = Ready, KeepNRunning, MinPerCycle, MaxPerCycle
sched.minpercycle.minimum = 0
sched.maxpercycle.maximum = 1

[RETIRED_SITE]
enabled = False
wmsstatusplugin = Static

[TYPO_SITE]
wmsstatusplugin = Static
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = two

[RELOADED_SITE]
wmsstatusplugin = Static
wmsstatus.static.activated = 0
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = {reloaded_max}
"""
MAXAGE = 3.0


@pytest.fixture
def monitor(tmp_path: Path) -> Iterator[ThreadedServer]:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/health.db",
        auth=AuthSettings(AuthMode.ADDRESS),
        activity_hours=0.02,  # the queue plot spans 72 s: the test's cycles fill it
    )
    with ThreadedServer(create_app(settings, run_expiry=False)) as srv:
        yield srv


def _write_queues(base: Path, panda: str, reloaded_max: str) -> None:
    (base / "etc" / "queues.conf").write_text(
        QUEUES.format(
            scratch=base / "scratch",
            python=sys.executable,
            payload=base / "payload.py",
            chain=CHAIN,
            panda=panda,
            reloaded_max=reloaded_max,
        )
    )


def _write_factory(base: Path, monitor_url: str, panda: str) -> Path:
    etc = base / "etc"
    etc.mkdir()
    (base / "scratch").mkdir()
    (base / "payload.py").write_text(PAYLOAD)
    (etc / "autopyfactory.conf").write_text(
        textwrap.dedent(f"""
        [Factory]
        factoryId = health-factory
        factoryUser = tester
        factoryAdminEmail = ops@example.org
        baseLogDir = {base}/logs
        baseLogDirUrl = http://localhost:25880
        statedir = {base}/state
        logserver.enabled = False
        monitorConf = monitor.conf
        batch.local.slots = 10
        wmsstatus.panda.sleep = 0.2
        wmsstatus.panda.maxage = {MAXAGE}
        wmsstatus.panda.timeout = 2
        wmsstatus.panda.retries = 0
        """)
    )
    (etc / "monitor.conf").write_text(f"[apfmon]\nmonitorplugin = APF\nmonitorURL = {monitor_url}/api\n")
    _write_queues(base, panda, "1")
    return etc


def _until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not seen within {timeout:.0f}s: {what}")


# The pictures in the docs show the configuration where a site keeps it, not the test's temporary tree.
_SHOWN_ETC = "/etc/autopyfactory"

_REPLACE_TEXT = """([tree, shown]) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        node.nodeValue = node.nodeValue.split(tree).join(shown);
    }
}"""


def _shot(page: Any, name: str, etc: Path) -> None:
    path = screenshot(page, name)
    if os.environ.get("APF_DOC_IMAGES"):
        page.evaluate(_REPLACE_TEXT, [str(etc), _SHOWN_ETC])
        path = screenshot(page, name)
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_IMAGES / name)


def _row(page: Any, label: str) -> Any:
    return page.locator(f'#labels tr[data-label="{label}"]')


def _detail(page: Any, label: str) -> Any:
    """The row below a queue's: why it does not run as configured, its sched messages."""
    return page.locator(f'#labels tr[data-detail-of="{label}"]')


def test_health_row_disabled_queues_and_a_stale_wms_source(
    tmp_path: Path, monitor: ThreadedServer, page: Any
) -> None:
    testbed = ThreadedTestbed([Site("TB_PANDA")])
    testbed.__enter__()
    factory: Factory | None = None
    try:
        etc = _write_factory(tmp_path, monitor.url, testbed.url)
        factory = Factory(RunOptions(conf=str(etc), sleep=0, services=False))
        assert factory.queue_states["TYPO_SITE"].state.value == "not-started"
        with testbed_client.TestbedClient(testbed.url) as tb:
            for _ in range(6):  # activated at the PanDA queue grows while pilots come and go
                tb.submit("TB_PANDA", 2, "true")
                factory.run_cycle()
                time.sleep(1.0)  # spread the cycles over the plot's window
        _write_queues(tmp_path, testbed.url, "three")  # a typo, then a reload
        factory.reload()
        assert factory.queue_states["RELOADED_SITE"].state.value == "kept-last-good"
        factory.run_cycle()

        factory_page = f"{monitor.url}/factory/health-factory?refresh=0"

        def reported_cycle(label: str) -> Callable[[], bool]:
            def check() -> bool:
                page.goto(factory_page)
                return _row(page, label).locator('td[data-col="decision"]').inner_text().strip() != ""

            return check

        _until("the healthy queue's decision on the factory page", reported_cycle("ANALY_HEALTHY"))

        # the PanDA source goes away: its data ages past maxage, every poll fails
        testbed.__exit__(None, None, None)
        testbed = None  # type: ignore[assignment]
        stop_at = time.monotonic()

        def panda_stale() -> bool:
            factory.run_cycle()  # type: ignore[union-attr]
            if time.monotonic() - stop_at < MAXAGE + 1:
                return False
            page.goto(factory_page)
            flags = _row(page, "PROD_PANDA").locator('td[data-col="wms"] .flag')
            return [flags.nth(i).inner_text() for i in range(flags.count())] == ["stale", "poll failing"]

        _until("PROD_PANDA's WMS data flagged stale with its poll error", panda_stale, timeout=90)

        # -- the factory page: one row per queue, the ones that need the operator first
        rows = page.locator("#labels tbody tr[data-label]")
        labels = [rows.nth(i).get_attribute("data-label") for i in range(rows.count())]
        assert set(labels[:3]) == {"RETIRED_SITE", "TYPO_SITE", "RELOADED_SITE"}, labels
        states = {label: _row(page, label).get_attribute("data-config-state") for label in labels}
        assert states == {
            "ANALY_HEALTHY": "running",
            "PROD_PANDA": "running",
            "RETIRED_SITE": "disabled-by-config",
            "TYPO_SITE": "not-started",
            "RELOADED_SITE": "kept-last-good",
        }
        typo = _detail(page, "TYPO_SITE").locator('[data-col="why"]').inner_text()
        assert "not started" in typo and "sched.maxpercycle.maximum = 'two'" in typo
        kept = _detail(page, "RELOADED_SITE").locator('[data-col="why"]').inner_text()
        assert "last good configuration" in kept and "sched.maxpercycle.maximum = 'three'" in kept
        assert "enabled = False" in _detail(page, "RETIRED_SITE").inner_text()
        chain = _detail(page, "ANALY_HEALTHY").locator("details")
        assert chain.locator("li").count() == len(CHAIN.split(", "))  # every step, behind the summary
        healthy = _row(page, "ANALY_HEALTHY")
        assert healthy.locator('td[data-col="decision"]').inner_text().strip().isdigit()
        assert healthy.locator('td[data-col="action"]').inner_text().strip() != ""
        assert healthy.locator('td[data-col="wms"] .flag').count() == 0
        assert healthy.locator("td.batch").count() == 3  # the batch system's pending, running, done
        panda_err = _detail(page, "PROD_PANDA").locator('.err[data-col="wms-error"]').inner_text()
        assert "last poll error" in panda_err and "Connection refused" in panda_err  # why, not only "stale"
        queues_cell = page.locator("#factory-health, dl.facts").first.inner_text()
        assert "last cycle report" in queues_cell
        _shot(page, "health-factory.png", etc)

        # -- the healthy queue's page: decision and action first, then the whole chain
        healthy.get_by_role("link", name="ANALY_HEALTHY").click()
        assert page.locator("h1 #wms-stale").count() == 0
        facts = page.locator("#health dl.facts dt")
        assert [facts.nth(i).inner_text() for i in range(4)] == [
            "decision",
            "action",
            "last cycle",
            "configuration",
        ]
        steps = page.locator("#chain li")
        assert steps.count() == len(CHAIN.split(", "))
        chain = page.locator("#chain").inner_text()
        assert len(chain) > 255 and "StatusOffline:" in chain  # whole, not cut
        assert "pending" in page.locator("#batch").inner_text()
        assert "running" in page.locator("#wrappers").inner_text()
        plot = page.locator("svg.queue-plot")
        assert plot.count() == 1
        assert plot.locator("polyline.series-activated").count() >= 1
        assert plot.locator('[data-series="activated"]').text_content() == "activated jobs (9)"
        _shot(page, "health-queue.png", etc)

        # -- the PanDA queue's page: its stale source, with age, maxage and the last poll error
        page.goto(f"{monitor.url}/factory/health-factory/label/PROD_PANDA?refresh=0")
        wms = page.locator('#sources tr[data-source="wmsstatus"]')
        assert page.locator("h1 #wms-stale").inner_text() == "WMS data stale"
        assert wms.get_attribute("data-stale") == "yes"
        assert "stale" in wms.inner_text()
        assert wms.locator(".err").count() == 1
        assert page.locator("svg.queue-plot polyline.series-activated").count() >= 1
        _shot(page, "health-stale-wms.png", etc)

        # -- a disabled queue's page says so at the top
        page.goto(f"{monitor.url}/factory/health-factory/label/RETIRED_SITE?refresh=0")
        assert page.locator("#config-badge").inner_text() == "disabled-by-config"
        assert "disabled" in page.locator("#config-state").inner_text()
    finally:
        if factory is not None:
            factory.shutdown()
        if testbed is not None:
            testbed.__exit__(None, None, None)
