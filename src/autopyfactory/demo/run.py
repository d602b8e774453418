"""The demo's core: a testbed with three sites, payload jobs, the factory with local pilots (wrapper,
then reference pilot, then payload) until the work that can run has run, then a clean stop.

Every process it starts (the testbed server, the pilots) is stopped before it returns, also when
interrupted (SIGINT/SIGTERM)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autopyfactory.batch.local.backend import LocalBatch
from autopyfactory.demo.embedded import DemoSites, write_tree
from autopyfactory.demo.result import CycleRow, DemoResult
from autopyfactory.engine.daemon import Daemon
from autopyfactory.engine.factory import CycleReport, Factory, RunOptions
from autopyfactory.testbed.client import TestbedClient
from autopyfactory.testbed.runner import TestbedProcess

log = logging.getLogger("autopyfactory.demo")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class DemoOptions:
    """How the demo runs: jobs per site, payload, cycle length, slots, timeouts."""

    base: Path
    user: str
    jobs: int = 300  # at the online site
    failing_jobs: int = 5  # of those, payloads that exit 3
    test_jobs: int = 12  # the test site gets one single-job pilot per cycle, so this sets the run's length
    offline_jobs: int = 20
    payload: str = "sleep 0.2"
    sleep: float = 3.0  # seconds between cycles
    slots: int = 10  # local pilots running at once
    # Pilots at the online site take jobs until none is left, as real PanDA pilots do while younger
    # than the queue's timefloor (DemoSites.online_timefloor, longer than the demo lasts); the test
    # site's timefloor is 0, one job per pilot. The factory assumes about jobs_per_pilot each
    # (CRIC's jobsperpilot: Scale divides by it) and keeps at most max_torun of them pending or
    # running, so it never sends pilots after work that pilots already running will take.
    jobs_per_pilot: float = 10
    max_jobs: int = 0
    max_torun: int = 8
    max_cycles: int = 300
    timeout: float = 900.0  # give up draining after this long
    pilot_grace: float = 60.0  # how long pilots get to finish once the work is done
    sites: DemoSites = field(default_factory=DemoSites)
    # the real PanDA pilot's source tree (testbed real-pilot's cache) instead of the reference pilot
    real_pilot: Path | None = None
    # the monitor's API the queues report to (APF plugin); "" reports to the log only (Dummy)
    monitor_url: str = ""


def run_demo(opts: DemoOptions, on_row: Callable[[CycleRow], None] | None = None) -> DemoResult:
    opts.base.mkdir(parents=True, exist_ok=True)
    for old in opts.base.glob("testbed.sqlite*"):  # every run starts with an empty testbed
        old.unlink()
    res = DemoResult(opts.sites)
    server = TestbedProcess(
        opts.base / "testbed.sqlite",
        opts.sites.specs(),
        opts.base / "testbed.log",
        extra=("--pilot3", str(opts.real_pilot)) if opts.real_pilot else (),
    )
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    factory: Factory | None = None
    try:
        server.start()
        conf = write_tree(
            opts.base,
            opts.user,
            server.url,
            sys.executable,
            opts.sites,
            opts.sleep,
            opts.slots,
            opts.jobs_per_pilot,
            opts.max_jobs,
            opts.max_torun,
            opts.real_pilot is not None,
            opts.monitor_url,
        )
        with TestbedClient(server.url) as client:
            _queue_jobs(client, opts, res)
            factory = Factory(RunOptions(conf=str(conf), cycles=opts.max_cycles))
            _run_until_drained(factory, client, opts, res, on_row)
            _restore(saved)
            res.pilots_removed = _finish_pilots(factory, opts, res)
            res.summary = client.summary()
    except KeyboardInterrupt:
        res.interrupted = True
        if factory is not None:
            res.pilots_removed = _stop_pilots(factory)
    finally:
        _restore(saved)
        server.stop()
    return res


def _queue_jobs(client: TestbedClient, opts: DemoOptions, res: DemoResult) -> None:
    sites = opts.sites
    succeeding = max(0, opts.jobs - opts.failing_jobs)
    batches = [
        (sites.online, succeeding, f'echo "payload $PandaID"; {opts.payload}'),
        (
            sites.online,
            opts.jobs - succeeding,
            f'echo "payload $PandaID fails on purpose"; {opts.payload}; exit 3',
        ),
        (sites.test, opts.test_jobs, f'echo "test payload $PandaID"; {opts.payload}'),
        (sites.offline, opts.offline_jobs, f'echo "payload $PandaID"; {opts.payload}'),
    ]
    res.failing_on_purpose = opts.jobs - succeeding
    for site, n, command in batches:
        if n > 0:
            client.submit(site, n, command)
            res.queued[site] = res.queued.get(site, 0) + n


def _run_until_drained(
    factory: Factory,
    client: TestbedClient,
    opts: DemoOptions,
    res: DemoResult,
    on_row: Callable[[CycleRow], None] | None,
) -> None:
    """Run cycles until no job that can run is left (checked between cycles too, so the run stops
    as soon as the last job ends), the timeout, or a signal."""
    t0 = time.time()
    wmsqueue = {name: rt.wmsqueue for name, rt in factory.queues.items()}
    done = threading.Event()

    def on_cycle(report: CycleReport) -> None:
        for o in sorted(report.outcomes, key=lambda o: o.queue):
            snap, d = o.snapshot, o.decision
            row = CycleRow(
                report.number,
                o.queue,
                wmsqueue.get(o.queue, o.queue),
                snap.activated if snap else None,
                snap.pending if snap else None,
                snap.running if snap else None,
                snap.site.status if snap and snap.site else None,
                d.n if d else None,
                o.submitted,
                o.action,
            )
            res.rows.append(row)
            if on_row is not None:
                on_row(row)

    def watch() -> None:
        with TestbedClient(client.url) as c:
            while not done.wait(0.25):
                try:
                    summary = c.summary()
                except Exception as exc:  # the server is gone: nothing will drain any more
                    log.error("demo: cannot read the testbed summary: %s", exc)
                    factory.stop()
                    return
                if all(summary.active(site) == 0 for site in res.runnable_sites()):
                    res.drained, res.drain_seconds = True, time.time() - t0
                    factory.stop()
                    return
                if time.time() - t0 > opts.timeout:
                    log.error("demo: not drained after %.0fs; stopping", opts.timeout)
                    factory.stop()
                    return

    watcher = threading.Thread(target=watch, name="demo-drain-watch", daemon=True)
    factory.on_cycle.append(on_cycle)
    watcher.start()
    try:
        Daemon(factory).run()
    finally:
        done.set()
        watcher.join(5)
    if not res.drained and factory.stop_event.is_set() and time.time() - t0 <= opts.timeout:
        res.interrupted = True


def _backend(factory: Factory) -> LocalBatch:
    s = factory.cfg.settings
    assert s is not None
    return LocalBatch.for_dir(s.state_dir, 0)


def _finish_pilots(factory: Factory, opts: DemoOptions, res: DemoResult) -> int:
    """Let pilots still alive ask for work once more (they find none and exit); stop stragglers."""
    backend = _backend(factory)
    if res.interrupted:
        return _stop_pilots(factory)
    backend.slots = opts.slots
    deadline = time.monotonic() + opts.pilot_grace
    while time.monotonic() < deadline:
        backend.schedule()
        if not backend.store.active():
            return 0
        time.sleep(0.2)
    return _stop_pilots(factory)


def _stop_pilots(factory: Factory, wait: float = 15.0) -> int:
    """Remove every pilot still alive: SIGTERM, then SIGKILL to its process group after a third of
    ``wait`` (a pilot may ignore or lose the SIGTERM; the demo must not leave it behind)."""
    backend = _backend(factory)
    active = [p.id for p in backend.store.active()]
    if not active:
        return 0
    log.warning("demo: stopping %d pilot(s) still alive", len(active))
    backend.kill_grace = min(backend.kill_grace, wait / 3)
    backend.remove(active)
    deadline = time.monotonic() + wait
    while backend.store.active() and time.monotonic() < deadline:
        backend.reap()
        time.sleep(0.2)
    return len(active)


def _restore(saved: dict[signal.Signals, Any]) -> None:
    for s, handler in saved.items():
        signal.signal(s, handler)
