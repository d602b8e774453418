"""The engine tells each monitor every queue's status after every cycle (not only on cycles that
submit), in one call per monitor: the configuration state (disabled and broken queues too), the
decision and the action, the inputs, the age of the status sources' data and their last poll error,
and the batch system's count of the queue's pilots."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.model.batch import BatchQueueInfo
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.queue_state import QueueStateKind
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.monitor_report import QueueReport, StatusReport
from autopyfactory.plugins.registry import registry
from tests.conftest import write
from tests.engine import fakes

REPORTS: list[StatusReport] = []
FLAKY = threading.Event()  # set: the FlakyWMS poll raises


class ReportingMonitor(MonitorPlugin):
    """Keeps every status report."""

    name = "ReportingMonitor"

    def register_pilots(self, queue: ConfigSection, pilots: list[PilotRecord]) -> None:  # type: ignore[override]
        pass

    def update_label(self, queue: ConfigSection, message: str) -> None:
        raise AssertionError("report_status is overridden: update_label is not called")

    def report_status(self, report: StatusReport) -> None:
        REPORTS.append(report)


class FlakyWMS(fakes.FakeWMS):
    """The fake WMS, or an error while FLAKY is set."""

    name = "FlakyWMS"

    def poll(self) -> WMSView:
        if FLAKY.is_set():
            raise ConnectionError("PanDA is down")
        return super().poll()


registry.register("monitor", ReportingMonitor.name, ReportingMonitor)
registry.register("wmsstatus", FlakyWMS.name, FlakyWMS)

DEFAULTS = """
[DEFAULT]
enabled = True
wmsstatusplugin = FlakyWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 5
apfqueue.sleep = 0
monitorsection = rec
"""
QUEUES = (
    DEFAULTS
    + """
[BUSY]
wmsqueue = SITE_BUSY
[IDLE]
wmsqueue = SITE_IDLE
[OFF]
wmsqueue = SITE_OFF
enabled = False
[BROKEN]
wmsqueue = SITE_BROKEN
schedplugin = Ready, NoSuchPlugin
"""
)


@pytest.fixture
def world() -> fakes.World:
    REPORTS.clear()
    FLAKY.clear()
    w = fakes.reset()
    w.activated = {"SITE_BUSY": 3, "SITE_IDLE": 0}
    w.pending = {"BUSY": 2, "IDLE": 0}
    return w


def _etc(conf_tree, queues: str = QUEUES) -> Path:  # type: ignore[no-untyped-def]
    return conf_tree(
        factory="monitorConf = monitor.conf\n",
        files={"queues.conf": queues, "monitor.conf": "[rec]\nmonitorplugin = ReportingMonitor\n"},
    )


def _factory(etc: Path) -> Factory:
    return Factory(RunOptions(conf=str(etc), services=False), executors=Executors.inline())


def _by_name(report: StatusReport) -> dict[str, QueueReport]:
    return {q.queue: q for q in report.queues}


def test_every_queue_is_reported_every_cycle_with_its_decision_action_and_inputs(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    f = _factory(_etc(conf_tree))
    try:
        start = _by_name(REPORTS[-1])  # at start: every queue's state, before any cycle
        assert {n: q.state for n, q in start.items()} == {
            "BUSY": QueueStateKind.RUNNING,
            "IDLE": QueueStateKind.RUNNING,
            "OFF": QueueStateKind.DISABLED,
            "BROKEN": QueueStateKind.NOT_STARTED,
        }
        assert not any(q.cycled for q in start.values())
        assert "NoSuchPlugin" in start["BROKEN"].state_reason
        for cycle in (1, 2, 3):
            REPORTS.clear()
            f.run_cycle()
            (report,) = REPORTS  # one call per monitor and cycle, every queue in it
            q = _by_name(report)
            assert report.cycle == cycle and report.interval == 0
            assert set(q) == {"BUSY", "IDLE", "OFF", "BROKEN"}
            busy, idle = q["BUSY"], q["IDLE"]
            assert busy.cycled and idle.cycled and not q["OFF"].cycled and not q["BROKEN"].cycled
            # the idle queue decided 0 and did nothing: it is reported all the same
            assert (idle.decision, idle.action, idle.action_text) == (0, "none", "none")
            assert (busy.decision, busy.action, busy.action_text) == (1, "submit", "submitted 1")
            assert (busy.activated, busy.pending, busy.running, busy.site) == (3, 2, 0, None)
            assert busy.chain.startswith("Ready:in=0,activated=3,offset=0,pending=2,ret=1;MaxPerCycle:")
            assert busy.batch == BatchQueueInfo(pending=2) and busy.batch_at is not None
            assert busy.cycles == cycle and busy.cycled_at is not None
            assert [(s.category, s.plugin, s.error) for s in busy.sources] == [
                ("wmsstatus", "FlakyWMS", ""),
                ("batchstatus", "FakeBatch", ""),
            ]
            assert q["OFF"].state is QueueStateKind.DISABLED and q["OFF"].state_reason
    finally:
        f.shutdown()


def test_a_failing_wms_poll_is_reported_with_the_age_of_the_data_kept(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    f = _factory(_etc(conf_tree))
    try:
        f.run_cycle()
        good = _by_name(REPORTS[-1])["BUSY"].sources[0]
        assert good.taken_at is not None and not good.failing
        FLAKY.set()
        time.sleep(0.01)
        f.run_cycle()
        busy = _by_name(REPORTS[-1])["BUSY"]
        wms = busy.sources[0]
        assert wms.error == "ConnectionError: PanDA is down" and wms.failing
        assert wms.taken_at == good.taken_at  # the newest data the factory had, ageing
        assert busy.action == "none" and "no wms data" in busy.action_text and busy.decision is not None
        FLAKY.clear()
        f.run_cycle()
        wms = _by_name(REPORTS[-1])["BUSY"].sources[0]
        assert wms.error == "ConnectionError: PanDA is down" and not wms.failing  # over: newer data came
    finally:
        f.shutdown()


def test_a_reload_that_breaks_a_running_queue_says_it_keeps_its_last_good_configuration(
    conf_tree, world
) -> None:  # type: ignore[no-untyped-def]
    etc = _etc(conf_tree)
    f = _factory(etc)
    try:
        f.run_cycle()
        write(etc / "queues.conf", QUEUES.replace("[IDLE]\n", "[IDLE]\nsched.maxpercycle.maximum = lots\n"))
        REPORTS.clear()
        f.reload()
        (told,) = REPORTS  # at the reload, before any cycle
        idle = _by_name(told)["IDLE"]
        assert idle.state is QueueStateKind.KEPT_LAST_GOOD and not idle.cycled
        assert "sched.maxpercycle.maximum" in idle.state_reason and "lots" in idle.state_reason
        REPORTS.clear()
        f.run_cycle()
        idle = _by_name(REPORTS[-1])["IDLE"]
        assert idle.cycled and idle.state is QueueStateKind.KEPT_LAST_GOOD and idle.action == "none"
    finally:
        f.shutdown()


def test_a_factory_where_no_queue_runs_still_tells_its_monitors_why(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    only_broken = DEFAULTS + "\n[BROKEN]\nwmsqueue = X\nschedplugin = NoSuchPlugin\n"
    f = _factory(_etc(conf_tree, only_broken))
    try:
        assert f.queues == {}
        (report,) = REPORTS
        assert report.interval is None
        (broken,) = report.queues
        assert broken.state is QueueStateKind.NOT_STARTED and "NoSuchPlugin" in broken.state_reason
    finally:
        f.shutdown()


class UpdateLabelOnly(MonitorPlugin):
    """A plugin written for the interface before report_status: only update_label."""

    name = "UpdateLabelOnly"
    messages: list[tuple[str, str]] = []

    def register_pilots(self, queue: ConfigSection, pilots: list[PilotRecord]) -> None:  # type: ignore[override]
        pass

    def update_label(self, queue: ConfigSection, message: str) -> None:
        self.messages.append((queue.name, message))


registry.register("monitor", UpdateLabelOnly.name, UpdateLabelOnly)


def test_a_plugin_with_update_label_only_hears_every_queue_that_decided_every_cycle(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    UpdateLabelOnly.messages.clear()
    etc = conf_tree(
        factory="monitorConf = monitor.conf\n",
        files={"queues.conf": QUEUES, "monitor.conf": "[rec]\nmonitorplugin = UpdateLabelOnly\n"},
    )
    f = _factory(etc)
    try:
        f.run_cycle()
        f.run_cycle()
    finally:
        f.shutdown()
    names = [q for q, _ in UpdateLabelOnly.messages]
    assert names.count("IDLE") == 2 and names.count("BUSY") == 2  # also the queue that did nothing
    assert all(m.startswith("Ready:") for _, m in UpdateLabelOnly.messages)
