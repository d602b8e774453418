"""The factory's metrics in process: what a cycle's outcomes and poll results add, what a reload
removes, queue states, timings on a virtual clock, and scrapes while the factory cycles."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.engine.clock import ManualClock
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.metrics.collector import FactoryMetrics
from autopyfactory.engine.metrics.names import CYCLE_BUCKETS, POLL_BUCKETS
from autopyfactory.engine.metrics.sources import source_name
from autopyfactory.engine.status_hub import Adopted
from autopyfactory.plugins.status import Fetches
from tests.conftest import write
from tests.engine import fakes
from tests.invariants.timing import wait_for
from tests.metrics.scrape import Scrape

DEFAULTS = """
[DEFAULT]
enabled = True
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 5
apfqueue.sleep = 0
"""


def queue(name: str, extra: str = "") -> str:
    return f"\n[{name}]\nwmsqueue = SITE_{name}\n{extra}"


@pytest.fixture
def world() -> fakes.World:
    return fakes.reset()


@pytest.fixture
def made() -> Iterator[list[Factory]]:
    factories: list[Factory] = []
    yield factories
    fakes.WORLD.release()
    for f in factories:
        f.stop()
        f.shutdown()


def start(etc: Path, made: list[Factory], **kw: object) -> tuple[Factory, FactoryMetrics]:
    f = Factory(RunOptions(conf=str(etc), services=False), **kw)  # type: ignore[arg-type]
    made.append(f)
    return f, FactoryMetrics(f)


def scrape(m: FactoryMetrics) -> Scrape:
    return Scrape(m.render().decode())


def test_outcomes_count_decisions_pilots_the_safety_cap_and_failed_submissions(
    conf_tree, world, made
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="batchsubmit.maxpercycle = 3\n",
        files={"queues.conf": DEFAULTS + queue("CAPPED") + queue("FAILING") + queue("IDLE")},
    )
    world.activated = {"SITE_CAPPED": 10, "SITE_FAILING": 2, "SITE_IDLE": 0}
    world.fail_submit = {"FAILING"}
    f, m = start(etc, made)
    f.run_cycle()
    f.run_cycle()
    s = scrape(m)
    # the chain said 5, the cap cut it to 3, twice
    assert s.value("autopyfactory_queue_decision_pilots", queue="CAPPED") == 5
    assert s.value("autopyfactory_queue_cap_cut_pilots", queue="CAPPED") == 2
    assert s.value("autopyfactory_queue_cap_cuts_total", queue="CAPPED") == 2
    assert s.value("autopyfactory_pilots_submitted_total", queue="CAPPED") == 6
    assert s.value("autopyfactory_queue_activated_jobs", queue="CAPPED") == 10
    assert s.value("autopyfactory_queue_pending_pilots", queue="CAPPED") == 0
    assert s.value("autopyfactory_queue_decisions_total", queue="CAPPED", action="submit") == 2
    # the schedd said no: every pilot decided on is a failed one, and the action an error
    assert s.value("autopyfactory_pilots_submitted_total", queue="FAILING") == 0
    assert s.value("autopyfactory_pilots_submit_failed_total", queue="FAILING") == 4
    assert s.value("autopyfactory_queue_action_errors_total", queue="FAILING", action="submit") == 2
    assert s.value("autopyfactory_queue_cap_cut_pilots", queue="FAILING") == 0
    # nothing to do
    assert s.value("autopyfactory_queue_decisions_total", queue="IDLE", action="none") == 2
    assert s.value("autopyfactory_queue_decision_pilots", queue="IDLE") == 0
    assert s.total("autopyfactory_queue_decisions_total", queue="IDLE") == 2
    assert s.value("autopyfactory_cycles_total") == 2
    assert s.value("autopyfactory_cycle_duration_seconds_count") == 2
    assert s.value("autopyfactory_queue_cycle_duration_seconds_count", queue="IDLE") == 2
    # every counter of a queue exists from the start, for rate() and increase()
    assert s.label_values("autopyfactory_queue_decisions_total", "action") == {
        "none", "submit", "retire", "withdraw", "skipped", "error",
    }  # fmt: skip
    assert s.value("autopyfactory_pilots_retired_total", queue="IDLE") == 0


def test_a_reload_keeps_a_broken_queue_removes_a_gone_queue_and_source_and_counts_itself(
    conf_tree, world, made
) -> None:  # type: ignore[no-untyped-def]
    other = "batchstatus.fake.schedd = other\n"
    etc = conf_tree(files={"queues.conf": DEFAULTS + queue("A") + queue("GONE", other)})
    world.activated = {"SITE_A": 1, "SITE_GONE": 1, "SITE_NEW": 1}
    f, m = start(etc, made)
    f.run_cycle()
    s = scrape(m)
    assert s.value("autopyfactory_pilots_submitted_total", queue="GONE") == 1
    assert "FakeBatch:other" in s.label_values("autopyfactory_status_polls_total", "source")

    write(etc / "queues.conf", DEFAULTS + queue("A", "sched.maxpercycle.maximum = lots\n") + queue("NEW"))
    assert f.reload().value == "queues"
    s = scrape(m)
    assert s.value("autopyfactory_config_reloads_total", result="queues") == 1
    assert s.value("autopyfactory_queue_state", queue="A", state="kept-last-good") == 1
    assert s.value("autopyfactory_queue_state", queue="A", state="running") == 0
    assert s.value("autopyfactory_queue_state", queue="NEW", state="running") == 1
    assert s.value("autopyfactory_queues", state="kept-last-good") == 1
    assert s.value("autopyfactory_queues", state="running") == 1
    # the kept queue keeps its series; the gone queue's and its source's are removed
    assert s.value("autopyfactory_pilots_submitted_total", queue="A") == 1
    assert s.value("autopyfactory_pilots_submitted_total", queue="NEW") == 0
    assert "GONE" not in {
        q for name in ("autopyfactory_queue_state", "autopyfactory_pilots_submitted_total",
                       "autopyfactory_queue_decisions_total", "autopyfactory_queue_status_source")
        for q in s.label_values(name, "queue")
    }  # fmt: skip
    assert "FakeBatch:other" not in s.label_values("autopyfactory_status_polls_total", "source")
    assert "FakeBatch:other" not in s.label_values("autopyfactory_status_data_age_seconds", "source")
    f.run_cycle()
    assert scrape(m).value("autopyfactory_pilots_submitted_total", queue="A") == 2  # kept, still cycling

    write(etc / "autopyfactory.conf", (etc / "autopyfactory.conf").read_text().replace("test-factory", "x"))
    assert f.reload().value == "kept"  # another factoryId is refused
    assert scrape(m).value("autopyfactory_config_reloads_total", result="kept") == 1


def test_a_queue_disabled_by_its_configuration_is_shown_and_its_counters_removed(
    conf_tree, world, made
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS + queue("A") + queue("B")})
    f, m = start(etc, made)
    f.run_cycle()
    write(etc / "queues.conf", DEFAULTS + queue("A") + queue("B", "enabled = False\n"))
    f.reload()
    s = scrape(m)
    assert s.value("autopyfactory_queue_state", queue="B", state="disabled-by-config") == 1
    assert s.value("autopyfactory_queues", state="disabled-by-config") == 1
    assert s.value("autopyfactory_pilots_submitted_total", queue="B") is None


def test_poll_failures_are_counted_by_reason_and_the_data_age_is_the_newest_datas(
    conf_tree, world, made, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(factory="status.timeout = 0.3\n", files={"queues.conf": DEFAULTS + queue("A")})
    world.activated = {"SITE_A": 1}
    f, m = start(etc, made)
    f.run_cycle()
    wms = dict(category="wmsstatus", plugin="FakeWMS", source="FakeWMS")
    batch = dict(category="batchstatus", plugin="FakeBatch", source="FakeBatch:default")
    # a hung batch status query: past status.timeout, then not started again while it runs
    gate = world.hang["poll:default"] = threading.Event()
    f.run_cycle()
    f.run_cycle()
    gate.set()
    wait_for(lambda: world.batch_polls.get("default") == 2, 30, "the hung poll returned")
    # the WMS raises, then answers with data older than its maxage (360 s)
    monkeypatch.setattr(fakes.FakeWMS, "poll", lambda self: (_ for _ in ()).throw(OSError("down")))
    f.run_cycle()
    monkeypatch.undo()
    world.wms_age = 500.0
    f.run_cycle()
    s = scrape(m)
    reasons = ("timeout", "busy", "error", "stale")
    failed = {r: s.value("autopyfactory_status_poll_errors_total", **batch, reason=r) for r in reasons}
    # (one more cycle may find it still returning: busy once more)
    assert failed["timeout"] == 1 and failed["busy"] in (1, 2) and failed["error"] == failed["stale"] == 0
    errors = {r: s.value("autopyfactory_status_poll_errors_total", **wms, reason=r) for r in reasons}
    assert errors == {"timeout": 0, "busy": 0, "error": 1, "stale": 1}
    assert s.value("autopyfactory_status_polls_total", **wms) == 5
    # polls that ended are timed (the one that raised too); the timed-out ones are not
    assert s.value("autopyfactory_status_poll_duration_seconds_count", **wms) == 5
    assert s.value("autopyfactory_status_poll_duration_seconds_count", **batch) == 5 - 1 - failed["busy"]
    assert s.value("autopyfactory_status_polls_total", **batch) == 5
    assert s.value("autopyfactory_status_maxage_seconds", **wms) == 360
    age = s.value("autopyfactory_status_data_age_seconds", **wms)
    assert age is not None and age < 60  # the newest data is the fresh one of an earlier cycle
    assert s.value("autopyfactory_queue_status_source", queue="A", **batch) == 1


def test_a_source_that_fetches_in_a_thread_of_its_own_shows_its_fetches(
    conf_tree, world, made, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS + queue("A")})
    world.activated = {"SITE_A": 1}
    f, m = start(etc, made)
    f.run_cycle()
    wms = dict(category="wmsstatus", plugin="FakeWMS", source="FakeWMS")
    s = scrape(m)  # polls that do their own I/O have no fetches to show
    assert s.samples_of_family("autopyfactory_status_fetch_duration_seconds") == []
    assert s.samples_of_family("autopyfactory_status_fetch_errors") == []
    told = iter([Fetches(3, 1, 1.5), Fetches(5, 1, 2.25)])
    monkeypatch.setattr(fakes.FakeWMS, "fetches", lambda self: next(told))
    f.run_cycle()
    s = scrape(m)
    assert s.value("autopyfactory_status_fetch_duration_seconds_count", **wms) == 3
    assert s.value("autopyfactory_status_fetch_duration_seconds_sum", **wms) == 1.5
    assert s.value("autopyfactory_status_fetch_errors_total", **wms) == 1
    f.run_cycle()
    s = scrape(m)  # what the source says at each cycle
    assert s.value("autopyfactory_status_fetch_duration_seconds_count", **wms) == 5
    assert s.value("autopyfactory_status_fetch_duration_seconds_sum", **wms) == 2.25
    # a source whose fetches() raises is still counted, without them
    monkeypatch.setattr(fakes.FakeWMS, "fetches", lambda self: 1 / 0)
    f.run_cycle()
    s = scrape(m)
    assert s.value("autopyfactory_status_polls_total", **wms) == 4
    assert s.value("autopyfactory_status_fetch_duration_seconds_count", **wms) == 5


def test_lateness_and_durations_on_a_virtual_clock(conf_tree, world, made) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS.replace("apfqueue.sleep = 0", "apfqueue.sleep = 360")
                           + queue("A")})  # fmt: skip
    world.activated = {"SITE_A": 1}
    clock = ManualClock(1_000_000.0)
    f, m = start(etc, made, clock=clock, executors=Executors.inline())
    f.run_cycle()
    assert scrape(m).value("autopyfactory_queue_cycle_lateness_seconds", queue="A") is None  # first cycle
    clock.advance(400)
    f.run_cycle()
    s = scrape(m)
    assert s.value("autopyfactory_queue_cycle_lateness_seconds", queue="A") == 40
    assert s.value("autopyfactory_queue_sleep_seconds", queue="A") == 360
    assert s.value("autopyfactory_queue_last_decision_timestamp_seconds", queue="A") == 1_000_400
    assert s.value("autopyfactory_queue_cycle_duration_seconds_sum", queue="A") == 0  # no time passes
    buckets = s.samples("autopyfactory_queue_cycle_duration_seconds_bucket")
    assert len(buckets) == len(CYCLE_BUCKETS) + 1 and all(v == 2 for _, v in buckets)


def test_scrapes_while_the_factory_cycles_and_reloads_always_parse(conf_tree, world, made) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS + "".join(queue(f"Q{i}") for i in range(20))})
    world.activated = {f"SITE_Q{i}": 1 for i in range(20)}
    f, m = start(etc, made)
    stop = threading.Event()
    seen: list[float] = []
    failures: list[BaseException] = []

    def scraper() -> None:
        while not stop.is_set():
            try:
                seen.append(scrape(m).total("autopyfactory_pilots_submitted_total"))
            except BaseException as exc:  # reported below
                failures.append(exc)
                return

    threads = [threading.Thread(target=scraper) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(15):
            f.run_cycle()
            if i % 5 == 4:
                f.reload()
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert failures == []
    assert seen and scrape(m).total("autopyfactory_pilots_submitted_total") == 20 * 15


def test_a_source_moved_to_a_new_status_hub_keeps_its_name() -> None:
    key = ("wmsstatus", "Panda", ("https://panda:25443", "v1", "panda", ("", "", "", "", "", "True")))
    name = source_name(key)
    assert name.source.startswith("Panda:") and len(name.source) == len("Panda:") + 8
    assert source_name(("wmsstatus", "Panda", Adopted(3, key[2]))) == name
    assert source_name(("batchstatus", "Local", ())).source == "Local"
    assert source_name(("wmsstatus", "Static", "MY_QUEUE-1")).source == "Static:MY_QUEUE-1"
    assert source_name(("wmsstatus", "X", "has space")).source.startswith("X:")
    assert source_name(("wmsstatus", "X", "has space")).source != "X:has space"


def series(s: Scrape) -> list[tuple[str, dict[str, str]]]:
    return [
        (name, labels)
        for name in {n for n in s.families if n.startswith("autopyfactory_")}
        for labels, _ in s.samples_of_family(name)
    ]


def test_series_grow_by_a_fixed_number_per_queue_with_labels_from_the_configuration_and_enums(
    conf_tree, world, made
) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for n in (2, 5):
        etc = conf_tree(files={"queues.conf": DEFAULTS + "".join(queue(f"Q{i}") for i in range(n))})
        world.activated = {f"SITE_Q{i}": 1 for i in range(n)}
        f, m = start(etc, made)
        f.run_cycle()
        f.run_cycle()  # (a queue's lateness comes with its second cycle)
        found = series(scrape(m))
        counts.append(len(found))
        f.shutdown()
    assert (counts[1] - counts[0]) / 3 == 41  # docs/operations.md: about 40 series per running queue
    enums = {
        "state": {"running", "kept-last-good", "disabled-by-config", "not-started"},
        "action": {"none", "submit", "retire", "withdraw", "skipped", "error"},
        "reason": {"error", "timeout", "busy", "stale"},
        "result": {"full", "queues", "kept"},
        "category": {"wmsstatus", "batchstatus"},
        "le": {*(f"{b}" for b in CYCLE_BUCKETS), *(str(b) for b in POLL_BUCKETS), "+Inf"},
    }
    queues = {f"Q{i}" for i in range(5)}
    for _, labels in found:
        for key, value in labels.items():
            if key == "queue":
                assert value in queues
            elif key in enums:
                assert value in enums[key], (key, value)
            else:
                assert key in ("plugin", "source", "factory_id", "version"), key
