"""A new batch backend is its own package and its registration, nothing else: this module is a toy
backend (a submit plugin, the status plugin that counts its pilots and that plugin's state mapping),
added to the factory only through the test's Registry or through an entry point of its own
distribution, and the real factory cycle runs with it. No file of the factory knows it: its status
plugin comes from its submit plugin's declaration, its mapping from its status plugin's, its keys
are checked like any other plugin's, and a mappings.conf in the operator's tree overrides its
mapping key by key."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from autopyfactory.config.keys import STR, Key
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.clock import ManualClock
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.loading.loader import load
from autopyfactory.model.batch import BatchQueueInfo, BatchView
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BATCHSTATUS, BatchStatusPlugin
from autopyfactory.plugins.submit import BATCHSUBMIT, BatchSubmitPlugin, PilotRef


@dataclass
class ToyJob:
    """One pilot in the toy batch system, in the toy's own state words."""

    job_id: str
    queue: str
    submitted_at: float
    state: str = "queued"  # queued, busy, finished, cancelled


JOBS: list[ToyJob] = []  # the toy batch system

# the toy's states to APF's buckets: the backend's own mapping, declared by its status plugin
TOY_MAPPING = MappingSpec.batch(
    "TOYBATCHSTATUS-STATE2INFO",
    defaults={"queued": "pending", "busy": "running", "finished": "done", "cancelled": "done"},
    states=["queued", "busy", "finished", "cancelled"],
)
PARTITION = Key("batchsubmit.toy.partition", STR, "default", "where the toy runs its pilots")


class ToyStatus(BatchStatusPlugin):
    """Counts the toy's pilots per queue, mapped to APF's buckets through its own mapping."""

    name = "ToyStatus"
    mapping = TOY_MAPPING

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.clock = CLOCK

    def poll(self) -> BatchView:
        raw: dict[str, dict[str, int]] = {}
        for job in JOBS:
            states = raw.setdefault(job.queue, {})
            states[job.state] = states.get(job.state, 0) + 1
        counts = self.ctx.mappings.map_queues(TOY_MAPPING, raw)
        return BatchView(
            "ToyStatus", self.clock.time(), {q: BatchQueueInfo.from_counts(c) for q, c in counts.items()}
        )


class ToySubmit(BatchSubmitPlugin):
    """Puts pilots into the toy batch system; its pilots are counted by ToyStatus."""

    name = "Toy"
    batchstatus = "ToyStatus"
    key_prefix = "batchsubmit.toy."
    keys = (PARTITION,)

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.partition = queue.get(PARTITION)

    def submit(self, n: int) -> list[PilotRecord]:
        now = CLOCK.time()
        out = []
        for _ in range(n):
            job = ToyJob(f"{self.partition}.{len(JOBS)}", self.apfqname, now)
            JOBS.append(job)
            out.append(PilotRecord(job.job_id, self.apfqname, now))
        return out

    def list_pilots(self) -> list[PilotRef]:
        return [
            PilotRef(j.job_id, j.submitted_at, j.state)
            for j in JOBS
            if j.queue == self.apfqname and j.state in ("queued", "busy")
        ]

    def remove(self, pilot_ids: Sequence[str]) -> None:
        for job in JOBS:
            if job.job_id in pilot_ids:
                job.state = "cancelled"


CLOCK = ManualClock()

QUEUES = """
[TOY_QUEUE]
wmsstatusplugin = Static
wmsstatus.static.activated = 7
batchsubmitplugin = Toy
batchsubmit.toy.partition = short
batchsubmit.toy.overlay.peaceful = False
schedplugin = KeepNRunning
sched.keepnrunning.keep_running = 3
executable = /bin/true
"""


@pytest.fixture(autouse=True)
def empty_toy() -> Iterator[None]:
    JOBS.clear()
    yield
    JOBS.clear()


def in_process() -> Registry:
    reg = Registry()
    reg.register(BATCHSUBMIT, "Toy", ToySubmit)
    reg.register(BATCHSTATUS, "ToyStatus", ToyStatus)
    return reg


def by_entry_points(site: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """A distribution of its own on sys.path, declaring the toy's plugins as entry points."""
    dist = site / "toy_backend-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-backend\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[autopyfactory.batchsubmit]\nToy = {__name__}:ToySubmit\n\n"
        f"[autopyfactory.batchstatus]\nToyStatus = {__name__}:ToyStatus\n"
    )
    monkeypatch.syspath_prepend(str(site))
    assert sys.modules[__name__].ToySubmit is ToySubmit  # the entry point loads this very module
    return Registry()


@pytest.fixture(params=["registered in process", "entry points"])
def reg(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    if request.param == "entry points":
        return by_entry_points(tmp_path / "site", monkeypatch)
    return in_process()


def test_the_toy_backend_is_checked_like_any_other(conf_tree, reg: Registry) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    cfg = load(str(etc), reg)
    q = cfg.queues["TOY_QUEUE"]
    assert q.ok and [str(p) for p in q.problems] == []  # its keys are known, its mapping is built in
    assert cfg.mappings.section("TOYBATCHSTATUS-STATE2INFO")["busy"] == "running"
    bad = conf_tree(files={"queues.conf": QUEUES + "batchsubmit.toy.partiton = long\n"})
    (warning,) = load(str(bad), reg).queues["TOY_QUEUE"].problems
    assert (warning.key, warning.hint) == (
        "batchsubmit.toy.partiton",
        "did you mean 'batchsubmit.toy.partition'?",
    )


def test_a_factory_cycles_with_the_toy_backend(conf_tree, reg: Registry) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    factory = Factory(
        RunOptions(conf=str(etc), services=False), reg, clock=CLOCK, executors=Executors.inline()
    )
    try:
        assert factory.not_started == {}
        rt = factory.queues["TOY_QUEUE"]
        assert rt.batch_key is not None and rt.batch_key[:2] == ("batchstatus", "ToyStatus")
        (first,) = factory.run_cycle().outcomes
        assert first.action == "submitted 3"
        assert [j.job_id for j in JOBS] == ["short.0", "short.1", "short.2"]
        for job in JOBS:
            job.state = "busy"
        JOBS.extend(ToyJob(f"old.{i}", "TOY_QUEUE", -1.0) for i in range(4))  # left by an earlier run
        JOBS.append(ToyJob("old.4", "TOY_QUEUE", -1.0, "finished"))
        CLOCK.advance(400)
        (second,) = factory.run_cycle().outcomes  # 3 busy and 4 queued, through the toy's mapping
        assert second.snapshot is not None and (second.snapshot.running, second.snapshot.pending) == (3, 4)
        assert second.decision is not None and second.decision.n == -4  # keep 3 running: retire 4
        assert second.action == "retired 4"
        assert [j.job_id for j in JOBS if j.state == "cancelled"] == [
            "short.0",
            "short.1",
            "short.2",
            "old.3",
        ]
    finally:
        factory.shutdown()


def test_an_operator_mapping_overrides_the_toys_own(conf_tree, reg: Registry) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="mappingsConf = mappings.conf\n",
        files={"queues.conf": QUEUES, "mappings.conf": "[TOYBATCHSTATUS-STATE2INFO]\nbusy = pending\n"},
    )
    cfg = load(str(etc), reg)
    (err,) = cfg.queues["TOY_QUEUE"].errors  # nothing would count as running any more
    assert (err.section, err.message) == (
        "TOYBATCHSTATUS-STATE2INFO",
        "no state maps to 'running': batchstatus plugin 'ToyStatus' would never count running pilots, "
        "and the decision would be made blind",
    )
