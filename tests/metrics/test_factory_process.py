"""The factory's metrics from the real process: ``autopyfactory run`` on the demo's configuration
(Local pilots, the testbed as PanDA and CRIC), scraped with curl on its own metrics port and on
the log server's /metrics, while it submits, while a reload breaks one queue, and while PanDA is
down."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest

from autopyfactory.auth.token import TokenHandler
from autopyfactory.batch.local.backend import LocalBatch
from autopyfactory.config.credentials import TOKEN
from autopyfactory.demo.embedded import DemoSites, free_port, write_tree
from autopyfactory.testbed import client as testbed_client
from autopyfactory.testbed import runner as testbed_runner
from tests.faults.factoryproc import FactoryProcess
from tests.invariants.timing import wait_for
from tests.metrics.scrape import CURL, Scrape, curl, try_curl

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CURL is None, reason="curl is not installed (scripts/install-system-deps.sh)"),
]

SITES = DemoSites()
PANDA_MAXAGE = 15.0  # wmsstatus.panda.maxage: how soon PanDA's last data counts as stale
OFFLINE_JOBS = 4
DEADLINE = 120.0  # generous: a loaded 2-core machine
BROKEN = "DEMO_BROKEN"  # a queue whose configuration has an error from the start: not started
TOKEN_LIFE = 6 * 3600  # the pilots' token (a Token profile kept fresh by another tool)
AUTH_CONF = """\
[pilot-token]
plugin = Token
token.source = file
token.tokenfile = {path}
token.audience = https://ce.example.org:9619
token.minlife = 600
"""
# the series an operator watches (docs/operations.md, Metrics), by family (a counter's without _total):
# each has samples while the demo-like factory runs
ASKED_FOR = (
    "autopyfactory_queue_decisions", "autopyfactory_queue_activated_jobs", "autopyfactory_queue_pending_pilots",
    "autopyfactory_queue_running_pilots", "autopyfactory_pilots_submitted", "autopyfactory_pilots_retired",
    "autopyfactory_pilots_submit_failed", "autopyfactory_queue_decision_pilots",
    "autopyfactory_cycle_duration_seconds", "autopyfactory_queue_cycle_duration_seconds",
    "autopyfactory_queue_cycle_lateness_seconds", "autopyfactory_status_poll_duration_seconds",
    "autopyfactory_status_poll_errors", "autopyfactory_status_fetch_duration_seconds",
    "autopyfactory_status_fetch_errors", "autopyfactory_status_data_age_seconds",
    "autopyfactory_credential_time_left_seconds", "autopyfactory_queues", "autopyfactory_queue_state",
)  # fmt: skip


@dataclass
class Running:
    base: Path
    conf: Path
    testbed: testbed_runner.TestbedProcess
    factory: FactoryProcess
    metrics_url: str
    logserver_url: str

    def scrape(self) -> Scrape:
        return curl(self.metrics_url)

    def wait_scrape(self, cond: str, check: object) -> Scrape:
        """Scrape until ``check(scrape)`` holds (``cond`` names it); the factory must stay up."""
        got: list[Scrape] = []

        def ok() -> bool:
            assert self.factory.alive(), f"the factory exited: {self.factory.output()[-2000:]}"
            s = try_curl(self.metrics_url)
            if s is not None and check(s):  # type: ignore[operator]
                got.append(s)
                return True
            return False

        wait_for(ok, DEADLINE, cond, interval=0.5)
        return got[-1]


def _stop_pilots(state: Path) -> None:
    """Remove the pilots the factory left running (they do not depend on the factory process)."""
    backend = LocalBatch.for_dir(state, 0)
    active = [p.id for p in backend.store.active()]
    if active:
        backend.kill_grace = 2.0
        backend.remove(active)
        deadline = time.monotonic() + 20
        while backend.store.active() and time.monotonic() < deadline:
            backend.reap()
            time.sleep(0.2)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    base = tmp_path / "demo"
    base.mkdir()
    testbed = testbed_runner.TestbedProcess(base / "testbed.sqlite", SITES.specs(), base / "testbed.log")
    testbed.start()
    factory: FactoryProcess | None = None
    try:
        conf = write_tree(base, "tester", testbed.url, sys.executable, SITES, sleep=2.0, slots=4, max_torun=3)
        port = free_port()
        with (conf / "autopyfactory.conf").open("a") as f:
            f.write(
                f"metrics.port = {port}\nmetrics.enabled = True\nwmsstatus.panda.maxage = {PANDA_MAXAGE}\n"
            )
        token = base / "pilot.token"
        claims = {"aud": "https://ce.example.org:9619", "exp": int(time.time()) + TOKEN_LIFE}
        token.write_text(jwt.encode(claims, "a local test secret of 32 bytes!", "HS256"))
        (conf / "auth.conf").write_text(AUTH_CONF.format(path=token))
        (conf / "queues.d" / "30-broken.conf").write_text(
            f"[{BROKEN}]\nschedplugin = Ready, MaxPerCycle\nsched.maxpercycle.maximum = lots\n"
        )
        logport = next(
            ln.rsplit(":", 1)[1]
            for ln in (conf / "autopyfactory.conf").read_text().splitlines()
            if ln.startswith("baseLogDirUrl")
        )
        with testbed_client.TestbedClient(testbed.url) as client:
            client.submit(SITES.online, 12, "sleep 0.1")
            client.submit(SITES.test, 6, "sleep 0.1")
            client.submit(SITES.offline, OFFLINE_JOBS, "sleep 0.1")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APF", "PYTEST"))}
        env["HOME"] = str(base)
        factory = FactoryProcess(conf, base / "factory.log", env).start()
        yield Running(
            base,
            conf,
            testbed,
            factory,
            f"http://127.0.0.1:{port}/metrics",
            f"http://127.0.0.1:{logport}/metrics",
        )
    finally:
        if factory is not None:
            factory.terminate(45)
        testbed.stop()
        _stop_pilots(base / "state")


def _submitted_in_log(run: Running, queue: str, decided: int) -> int:
    """Pilots the first ``decided`` decision lines of ``queue`` say were submitted."""
    lines = run.factory.decisions(queue)
    assert len(lines) >= decided, f"{queue}: {len(lines)} decision lines, {decided} counted"
    return sum(d.submitted for d in lines[:decided])


def test_the_factory_process_serves_its_metrics_through_submissions_a_broken_reload_and_a_panda_outage(
    running: Running,
) -> None:
    run = running
    # -- submissions are counted, exactly as the decision lines say -------------------------------
    s = run.wait_scrape(
        "two cycles of DEMO_TEST, a pilot counted",
        lambda s: (
            (s.value("autopyfactory_pilots_submitted_total", queue=SITES.test) or 0) >= 1
            and s.value("autopyfactory_queue_decisions_total", queue=SITES.test, action="submit") >= 2
        ),
    )
    assert s.content_type.startswith("text/plain")
    for queue in (SITES.online, SITES.test, SITES.offline):
        decided = int(s.total("autopyfactory_queue_decisions_total", queue=queue))
        decided -= int(s.total("autopyfactory_queue_decisions_total", queue=queue, action="skipped"))
        assert decided >= 1, queue
        assert s.value("autopyfactory_pilots_submitted_total", queue=queue) == _submitted_in_log(
            run, queue, decided
        ), queue
    assert s.value("autopyfactory_pilots_submitted_total", queue=SITES.offline) == 0
    assert s.value("autopyfactory_pilots_submit_failed_total", queue=SITES.test) == 0
    # the decision's inputs and output, as the queue last saw them
    assert s.value("autopyfactory_queue_activated_jobs", queue=SITES.offline) == OFFLINE_JOBS
    assert s.value("autopyfactory_queue_decision_pilots", queue=SITES.offline) == 0  # the site is offline
    assert s.value("autopyfactory_queue_pending_pilots", queue=SITES.offline) == 0
    assert s.value("autopyfactory_queue_running_pilots", queue=SITES.offline) == 0
    assert s.value("autopyfactory_queue_sleep_seconds", queue=SITES.test) == 2.0
    assert (s.value("autopyfactory_queue_cycle_duration_seconds_count", queue=SITES.test) or 0) >= 1
    assert s.value("autopyfactory_queue_cycle_lateness_seconds", queue=SITES.test) is not None
    assert s.value("autopyfactory_queues", state="running") == 3
    # a queue whose configuration has errors is not started, and says so
    assert s.value("autopyfactory_queues", state="not-started") == 1
    assert s.value("autopyfactory_queue_state", queue=BROKEN, state="not-started") == 1
    assert s.value("autopyfactory_queue_decisions_total", queue=BROKEN, action="none") is None
    # the pilots' token, checked by the auth manager: its time left
    s = run.wait_scrape(
        "the token checked",
        lambda s: s.value("autopyfactory_credential_ok", profile="pilot-token", kind=TOKEN) == 1,
    )
    assert TokenHandler.provides == TOKEN  # the kind is what the profile's handler declares
    left = s.value("autopyfactory_credential_time_left_seconds", profile="pilot-token", kind=TOKEN)
    assert left is not None and TOKEN_LIFE - DEADLINE * 3 < left <= TOKEN_LIFE
    assert s.value("autopyfactory_credential_minlife_seconds", profile="pilot-token") == 600
    missing = [f for f in ASKED_FOR if not s.samples_of_family(f)]
    assert missing == [], f"no samples of {missing}"
    assert s.value("autopyfactory_factory_info", factory_id="demo-factory") == 1
    panda = s.label_values("autopyfactory_status_polls_total", "source") - {"Local"}
    assert len(panda) == 1 and panda.pop().startswith("Panda:")
    assert s.value("autopyfactory_status_poll_errors_total", plugin="Panda", reason="stale") == 0
    assert (s.value("autopyfactory_status_data_age_seconds", plugin="Panda") or 0) < PANDA_MAXAGE
    assert s.value("autopyfactory_status_maxage_seconds", plugin="Panda") == PANDA_MAXAGE
    # PanDA is fetched in the poller's thread: its fetches are timed there (the polls read its data)
    assert (s.value("autopyfactory_status_fetch_duration_seconds_count", plugin="Panda") or 0) >= 1
    assert (s.value("autopyfactory_status_fetch_duration_seconds_sum", plugin="Panda") or 0) > 0
    assert s.value("autopyfactory_status_fetch_errors_total", plugin="Panda") == 0
    assert s.value("autopyfactory_status_fetch_duration_seconds_count", plugin="Local") is None
    for queue in (SITES.online, SITES.test, SITES.offline):
        assert s.label_values("autopyfactory_queue_status_source", "plugin", queue=queue) == {
            "Panda",
            "Local",
        }
    # the same metrics on the log server's port, next to the pilot logs
    on_logserver = curl(run.logserver_url)
    assert on_logserver.families == s.families
    assert on_logserver.content_type.startswith("text/plain")

    # -- a reload that breaks one queue: it runs on its last good configuration ------------------
    before = s.total("autopyfactory_queue_decisions_total", queue=SITES.test)
    with (run.conf / "queues.d" / "10-test.conf").open("a") as f:
        f.write("sched.maxpercycle.maximum = lots\n")
    run.factory.send(signal.SIGHUP)
    s = run.wait_scrape(
        "DEMO_TEST kept on its last good configuration",
        # the queue's state changes while the reload applies, the reload's count once it is done
        lambda s: (
            s.value("autopyfactory_queue_state", queue=SITES.test, state="kept-last-good") == 1
            and s.value("autopyfactory_config_reloads_total", result="queues") == 1
        ),
    )
    assert s.value("autopyfactory_queue_state", queue=SITES.test, state="running") == 0
    assert s.value("autopyfactory_queues", state="kept-last-good") == 1
    assert s.value("autopyfactory_queues", state="running") == 2
    assert s.value("autopyfactory_config_reloads_total", result="queues") == 1
    assert s.value("autopyfactory_config_reloads_total", result="kept") == 0
    since = s.value("autopyfactory_queue_state_since_timestamp_seconds", queue=SITES.test)
    assert since is not None and abs(since - time.time()) < DEADLINE
    # ... and keeps cycling (its series stay)
    run.wait_scrape(
        "DEMO_TEST still deciding",
        lambda s: s.total("autopyfactory_queue_decisions_total", queue=SITES.test) > before + 1,
    )

    # -- PanDA goes away: poll errors and the age of its data grow; the batch source is fine ------
    run.testbed.stop()
    s = run.wait_scrape(
        "PanDA's data stale",
        lambda s: (
            (s.value("autopyfactory_status_poll_errors_total", plugin="Panda", reason="stale") or 0) >= 2
        ),
    )
    age = s.value("autopyfactory_status_data_age_seconds", plugin="Panda")
    assert age is not None and age > PANDA_MAXAGE
    assert s.value("autopyfactory_status_poll_errors_total", plugin="Local", reason="stale") == 0
    assert s.total("autopyfactory_status_poll_errors_total", plugin="Local") == 0
    assert (s.value("autopyfactory_status_data_age_seconds", plugin="Local") or 0) < PANDA_MAXAGE
    later = run.wait_scrape(
        "PanDA's data older still, its fetches failing",
        lambda later: (
            (later.value("autopyfactory_status_data_age_seconds", plugin="Panda") or 0) > age + 2
            # its fetches fail (each after its retries)
            and (later.value("autopyfactory_status_fetch_errors_total", plugin="Panda") or 0) >= 1
        ),
    )
    submitted = later.total("autopyfactory_pilots_submitted_total")
    assert submitted == s.total("autopyfactory_pilots_submitted_total")  # nothing on stale data
    assert later.total("autopyfactory_queue_decisions_total", action="none") > s.total(
        "autopyfactory_queue_decisions_total", action="none"
    )
