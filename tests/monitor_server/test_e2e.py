"""End to end: a factory (Local batch, the real wrapper) reports to the monitor through the APF
plugin, the wrappers report running and exiting, the monitor's expiry task finishes them (exiting ->
done), and the dashboard, watched in Chromium, shows the pilots moving through their states.

Screenshots for humans: test-artifacts/monitor-e2e-running.png and monitor-e2e-done.png."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ExpirySettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer

from .browser import screenshot
from .conftest import ADMIN

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PILOTS = 3
PAYLOAD = "import sys, time\ntime.sleep(float(sys.argv[1]))\nsys.exit(int(sys.argv[2]))\n"
QUEUES = """
[E2E_QUEUE]
enabled = True
wmsqueue = E2E_SITE
wmsstatusplugin = Static
wmsstatus.static.activated = {n}
batchsubmitplugin = Local
schedplugin = Ready, Fixed
sched.fixed.pilotspercycle = {n}
apfqueue.sleep = 0
monitorsection = apfmon
batchsubmit.local.environ = TMPDIR={scratch} APF_PYTHON={python} APFMON_TRIES=5 APFMON_DELAY=1 APFMON_TIMEOUT=5
wrapper.plugin = generic
wrapper.pilotcode = file://{payload}
wrapper.pilotargs = 4 0
"""
MONITOR = """
[apfmon]
monitorplugin = APF
monitorURL = {url}/api
monitorToken = {token}
"""


@pytest.fixture
def monitor(tmp_path: Path) -> Iterator[ThreadedServer]:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/e2e.db",
        auth=AuthSettings(AuthMode.TOKEN, ADMIN),
        expiry=ExpirySettings(interval=0.5, exiting_done_after=1.0),
    )
    with ThreadedServer(create_app(settings)) as srv:
        yield srv


def _write_factory(base: Path, url: str, token: str) -> Path:
    etc, scratch = base / "etc", base / "scratch"
    etc.mkdir()
    scratch.mkdir()
    (base / "payload.py").write_text(PAYLOAD)
    (etc / "autopyfactory.conf").write_text(
        textwrap.dedent(f"""
        [Factory]
        factoryId = e2e-factory
        factoryUser = tester
        factoryAdminEmail = ops@example.org
        baseLogDir = {base}/logs
        baseLogDirUrl = http://localhost:25880
        statedir = {base}/state
        logserver.enabled = False
        monitorConf = monitor.conf
        batch.local.slots = 10
        """)
    )
    (etc / "monitor.conf").write_text(MONITOR.format(url=url, token=token))
    (etc / "queues.conf").write_text(
        QUEUES.format(n=PILOTS, scratch=scratch, python=sys.executable, payload=base / "payload.py")
    )
    return etc


def _states_on_page(page: Any) -> dict[str, str]:
    rows = page.locator("#pilots tbody tr")
    return {
        rows.nth(i).get_attribute("data-jid"): rows.nth(i).get_attribute("data-state")
        for i in range(rows.count())
    }


def test_factory_wrapper_and_monitor_end_to_end(tmp_path: Path, monitor: ThreadedServer, page: Any) -> None:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    token = httpx.post(f"{monitor.url}/api/admin/tokens/e2e-factory", headers=admin).text
    etc = _write_factory(tmp_path, monitor.url, token)

    factory = Factory(RunOptions(conf=str(etc), cycles=1, sleep=0, services=False))
    report = factory.run_cycle()
    assert [o.action for o in report.outcomes] == [f"submitted {PILOTS}"]
    factory.shutdown()  # flushes the monitor plugin's queue; the pilots go on running

    label_page = f"{monitor.url}/factory/e2e-factory/label/E2E_QUEUE?refresh=0"
    seen: dict[str, list[str]] = {}
    shot_running = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        page.goto(label_page)
        states = _states_on_page(page)
        for jid, state in states.items():
            if not seen.setdefault(jid, []) or seen[jid][-1] != state:
                seen[jid].append(state)
        if not shot_running and "running" in states.values():
            screenshot(page, "monitor-e2e-running.png")
            shot_running = True
        if len(states) == PILOTS and set(states.values()) == {"done"}:
            break
        time.sleep(0.25)
    screenshot(page, "monitor-e2e-done.png")

    assert len(seen) == PILOTS
    order = ["created", "running", "exiting", "done"]
    for jid, states in seen.items():
        assert states[-1] == "done", (jid, states)
        assert states == sorted(states, key=order.index), (jid, states)  # only ever forward
    assert any("running" in s for s in seen.values())  # the dashboard caught pilots at work

    counts = page.locator("ul.counts")
    assert counts.locator('[data-count="done"]').inner_text() == str(PILOTS)
    assert counts.locator('[data-count="mortality"]').inner_text() == "0%"
    assert "Ready:" in page.locator("ol.messages").inner_text()  # the sched chain of the cycle

    jid = next(iter(seen))
    job = httpx.get(f"{monitor.url}/api/jobs/{jid}").json()
    events = [m.split(" ", 2)[1:] for m in job["messages"]]
    assert [e[1].split(" wrapper=")[0] for e in events] == [
        "running",
        "exiting rc=0",
        "done: exiting for more than 1s",
    ]
    assert events[0][0] == "127.0.0.1" and events[-1][0] == "expiry"
    page.goto(f"{monitor.url}/job/{jid}")
    assert page.locator("#job-state").inner_text() == "done"
