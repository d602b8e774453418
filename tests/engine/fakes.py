"""In-process fake plugins that record what the engine does to them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Sequence

from autopyfactory.config.credentials import X509, CredentialRef
from autopyfactory.config.keys import INT, LIST, NONNEG_FLOAT, STR, Key
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo, BatchView
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.registry import registry
from autopyfactory.plugins.status import BatchStatusPlugin, WMSStatusPlugin
from autopyfactory.plugins.submit import BatchSubmitPlugin, PilotRef


class World:
    """What the fakes report and record; tests set it up and read it back."""

    def __init__(self) -> None:
        self.activated: dict[str, int] = {}
        self.site_status: dict[str, str] = {}
        self.pending: dict[str, int] = {}
        self.wms_polls = 0
        self.batch_polls: dict[Hashable, int] = {}
        self.wms_age = 0.0  # seconds to backdate the WMS view
        # set: the WMS serves held counts (their refresh failed for this reason), taken at wms_counts_at
        self.wms_held = ""
        self.wms_counts_at: float | None = None
        self.batch_frozen_at: float | None = None  # report the same batch timestamp again
        self.submissions: list[tuple[str, int]] = []
        self.retired: list[tuple[str, list[str]]] = []
        self.submit_delay = 0.0
        self.concurrent = 0
        self.max_concurrent = 0
        self.fail_submit: set[str] = set()
        self.monitor_calls: list[tuple[str, str, object]] = []
        self.fail_monitor = False
        self.lock = threading.Lock()
        # "submit:Q", "cleanup:Q", "poll:<schedd>", "monitor:<call>", "init:Q" (FakeSubmit's
        # constructor), "init:<schedd>" (FakeBatch's), "init:monitor:<section>" (FakeMonitor's): the call blocks until set
        self.hang: dict[str, threading.Event] = {}
        self.calls: dict[str, int] = {}  # the same names: how often each call started
        self.refuse_over: int | None = None  # submit(n) with a larger n raises at once
        self.raw_states: dict[str, dict[str, int]] = {}  # FakeMappedBatch: queue -> raw state -> pilots
        self.closed: list[str] = []  # FakeSubmit.close, by queue

    def enter(self, name: str) -> None:
        """Count the call and block while a hang is set up for it."""
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            gate = self.hang.get(name)
        if gate is not None:
            gate.wait()

    def release(self) -> None:
        for gate in self.hang.values():
            gate.set()


WORLD = World()


def reset() -> World:
    global WORLD
    WORLD.__init__()  # type: ignore[misc]
    return WORLD


WMS_SLEEP = Key("wmsstatus.fake.sleep", NONNEG_FLOAT, 60.0, "a [Factory] key of the fake WMS")


class FakeWMS(WMSStatusPlugin):
    name = "FakeWMS"
    factory_keys = (WMS_SLEEP,)

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.sleep = ctx.factory.get(WMS_SLEEP)

    def poll(self) -> WMSView:
        with WORLD.lock:
            WORLD.wms_polls += 1
        now = time.time() - WORLD.wms_age
        return WMSView(
            "FakeWMS",
            now,
            {q: WMSQueueInfo(ready=a) for q, a in WORLD.activated.items()},
            {q: SiteInfo(s) for q, s in WORLD.site_status.items()},
            counts_at=WORLD.wms_counts_at,
            counts_held=WORLD.wms_held,
        )


SCHEDD = Key("batchstatus.fake.schedd", STR, "default", "which fake schedd")


class FakeBatch(BatchStatusPlugin):
    name = "FakeBatch"
    keys = (SCHEDD,)

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return queue.get(SCHEDD)

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.schedd = queue.get(SCHEDD)
        WORLD.enter(f"init:{self.schedd}")

    def poll(self) -> BatchView:
        WORLD.enter(f"poll:{self.schedd}")
        with WORLD.lock:
            WORLD.batch_polls[self.schedd] = WORLD.batch_polls.get(self.schedd, 0) + 1
        ts = WORLD.batch_frozen_at if WORLD.batch_frozen_at is not None else time.time()
        return BatchView("FakeBatch", ts, {q: BatchQueueInfo(pending=p) for q, p in WORLD.pending.items()})


MAPPED = MappingSpec.batch("FAKEBATCH-STATE2INFO", states=("I", "R"))


class FakeMappedBatch(BatchStatusPlugin):
    """Reports WORLD.raw_states through mappings.conf's [FAKEBATCH-STATE2INFO] (not built in: a
    test's mappingsConf defines it, and registers the plugin in a registry of its own)."""

    name = "FakeMappedBatch"
    mapping = MAPPED

    def poll(self) -> BatchView:
        with WORLD.lock:
            raw = {q: dict(c) for q, c in WORLD.raw_states.items()}
        queues = {
            q: BatchQueueInfo.from_counts(c) for q, c in self.ctx.mappings.map_queues(MAPPED, raw).items()
        }
        return BatchView("FakeMappedBatch", time.time(), queues)


DELAY = Key("batchsubmit.fake.delay", NONNEG_FLOAT, 0.0, "seconds each submission takes")
BACKEND = Key("batchsubmit.fake.backend", STR, "b1", "backend name (concurrency bound key)")
BOOM = Key("batchsubmit.fake.boom", INT, 0, "raise in __init__ when 1")
PROXY = Key("batchsubmit.fake.proxy", LIST, (), "auth.conf profiles (X509) the fake asks for")


class FakeSubmit(BatchSubmitPlugin):
    name = "FakeSubmit"
    key_prefix = "batchsubmit.fake."
    keys = (DELAY, BACKEND, BOOM, PROXY)

    @classmethod
    def credentials(cls, queue: ConfigSection) -> tuple[CredentialRef, ...]:
        profiles = tuple(queue.get(PROXY) or ())
        return (CredentialRef(PROXY.name, X509, profiles),) if profiles else ()

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        if queue.get(BOOM):
            raise RuntimeError("fake submit plugin refuses to start")
        WORLD.enter(f"init:{queue.name}")
        self.delay = queue.get(DELAY)
        self.backend = queue.get(BACKEND)
        self.live: list[PilotRef] = []
        self.counter = 0

    def concurrency_key(self) -> Hashable:
        return ("FakeSubmit", self.backend)

    def submit(self, n: int) -> list[PilotRecord]:
        if WORLD.refuse_over is not None and n > WORLD.refuse_over:
            raise MemoryError(f"asked for {n} pilots in one call")
        logging.getLogger("tests.fakes").info("fake submit queue=%s n=%d started", self.apfqname, n)
        WORLD.enter(f"submit:{self.apfqname}")
        with WORLD.lock:
            WORLD.concurrent += 1
            WORLD.max_concurrent = max(WORLD.max_concurrent, WORLD.concurrent)
        try:
            time.sleep(self.delay or WORLD.submit_delay)
            if self.apfqname in WORLD.fail_submit:
                raise RuntimeError("schedd said no")
            out = []
            for _ in range(n):
                self.counter += 1
                pid = f"{self.counter}.0"
                self.live.append(PilotRef(pid, time.time() + self.counter * 1e-6, "pending"))
                out.append(PilotRecord(pid, self.apfqname, time.time()))
            with WORLD.lock:
                WORLD.submissions.append((self.apfqname, n))
            return out
        finally:
            with WORLD.lock:
                WORLD.concurrent -= 1

    def list_pilots(self) -> list[PilotRef]:
        return list(self.live)

    def remove(self, pilot_ids: Sequence[str]) -> None:
        WORLD.enter(f"retire:{self.apfqname}")
        self.live = [p for p in self.live if p.pilot_id not in pilot_ids]
        WORLD.retired.append((self.apfqname, list(pilot_ids)))

    def cleanup(self) -> None:
        WORLD.enter(f"cleanup:{self.apfqname}")

    def close(self) -> None:
        with WORLD.lock:
            WORLD.closed.append(self.apfqname)


class FakeMonitor(MonitorPlugin):
    name = "FakeMonitor"

    def __init__(self, ctx: FactoryContext, section: ConfigSection) -> None:
        super().__init__(ctx, section)
        WORLD.enter(f"init:monitor:{section.name}")

    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None:
        WORLD.enter("monitor:register_pilots")
        if WORLD.fail_monitor:
            raise ConnectionError("monitor is down")
        WORLD.monitor_calls.append(("pilots", queue.name, [p.pilot_id for p in pilots]))

    def update_label(self, queue: ConfigSection, message: str) -> None:
        if WORLD.fail_monitor:
            raise ConnectionError("monitor is down")
        WORLD.monitor_calls.append(("label", queue.name, message))


for cat, cls in (
    ("wmsstatus", FakeWMS),
    ("batchstatus", FakeBatch),
    ("batchsubmit", FakeSubmit),
    ("monitor", FakeMonitor),
):
    registry.register(cat, cls.name, cls)
