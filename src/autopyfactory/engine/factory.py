"""The factory: load configuration, then cycle: poll status once, decide per queue, act, report."""

from __future__ import annotations

import importlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from autopyfactory.config.loader import LoadedConfig, load
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.queue import Outcome, QueueRuntime
from autopyfactory.engine.reload import diff_queues
from autopyfactory.engine.snapshot import build_snapshot
from autopyfactory.engine.status_hub import PollResult, StatusHub, StatusKey
from autopyfactory.model.batch import BatchView
from autopyfactory.model.decision import Decision
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.context import AuthLookup, FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry
from autopyfactory.sched.chain import decide

log = logging.getLogger("autopyfactory.factory")


class FactoryConfigError(Exception):
    """The factory-level configuration cannot run (the message lists every problem)."""


@dataclass
class RunOptions:
    conf: str | None = None
    cycles: int | None = None  # None: [Factory] cycles (None there: forever)
    sleep: float | None = None  # overrides every queue's apfqueue.sleep
    services: bool = True  # start the log server and log cleaning


@dataclass
class CycleReport:
    number: int
    outcomes: list[Outcome] = field(default_factory=list)


class Factory:
    def __init__(self, options: RunOptions, reg: Registry = registry) -> None:
        self.options = options
        self.reg = reg
        self.stop_event = threading.Event()
        self.reload_event = threading.Event()
        self._wake = threading.Event()
        self.queues: dict[str, QueueRuntime] = {}
        self.cycles_done = 0
        self.on_cycle: list[Callable[[CycleReport], None]] = []
        self._services: list[object] = []
        self.cfg = self._load()
        self.ctx = self._context(self.cfg)
        self.hub = StatusHub(self.ctx, reg)
        self.monitors: dict[str, MonitorPlugin] = {}
        self._submit_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="submit")
        self._bounds: dict[Hashable, threading.BoundedSemaphore] = {}
        self._last_batch: dict[StatusKey, BatchView] = {}
        self._auth_running = False
        self._saved_signals: dict[int, Any] = {}
        self._apply(self.cfg, initial=True)

    # -- configuration ------------------------------------------------------------------------
    def _load(self) -> LoadedConfig:
        cfg = load(self.options.conf, self.reg)
        for p in cfg.all_problems():
            (log.error if p.level == "error" else log.warning)("config %s", p)
        if cfg.factory_errors or cfg.settings is None:
            raise FactoryConfigError(
                "; ".join(str(p) for p in cfg.factory_errors) or "factory settings unusable"
            )
        return cfg

    def _context(self, cfg: LoadedConfig) -> FactoryContext:
        assert cfg.settings is not None
        ctx = FactoryContext(cfg.factory, cfg.settings, cfg.mappings, cfg.monitors)
        ctx.auth = self._auth_manager(cfg, ctx)
        return ctx

    def _auth_manager(self, cfg: LoadedConfig, ctx: FactoryContext) -> AuthLookup | None:
        """The auth manager (``autopyfactory.auth.manager.AuthManager.from_config``), when installed."""
        try:
            mod = importlib.import_module("autopyfactory.auth.manager")
        except ImportError:
            return None
        try:
            manager: AuthLookup = mod.AuthManager.from_config(cfg, ctx)
            return manager
        except Exception:
            log.exception("auth manager could not start; queues needing credentials will fail to submit")
            return None

    def _monitor_for(self, name: str) -> MonitorPlugin | None:
        if name in self.monitors:
            return self.monitors[name]
        sec = self.cfg.monitors.get(name)
        if sec is None:
            return None
        pname = (sec.raw("monitorplugin") or "Dummy").strip()
        try:
            cls = self.reg.get("monitor", pname)
            inst: MonitorPlugin = cls(self.ctx, sec)
            inst.register_factory()
        except Exception as exc:
            log.error("monitor section [%s] (plugin %s) unusable: %s", name, pname, exc)
            return None
        self.monitors[name] = inst
        return inst

    def _build_queue(self, name: str) -> QueueRuntime | None:
        qc = self.cfg.queues[name]
        if not qc.enabled:
            log.info("queue=%s disabled (enabled = False)", name)
            return None
        if not qc.ok:
            log.error("queue=%s not started: %s", name, "; ".join(str(p) for p in qc.errors))
            return None
        from autopyfactory.config.queue import MONITOR_SECTION

        mons: dict[str, MonitorPlugin] = {}
        try:
            for m in qc.section.get(MONITOR_SECTION):
                inst = self._monitor_for(m)
                if inst is not None:
                    mons[m] = inst
            return QueueRuntime(qc, self.ctx, self.hub, self.reg, mons, self.options.sleep)
        except (ConfigError, PluginNotFound) as exc:
            log.error("queue=%s not started: %s", name, exc)
        except Exception:
            log.exception("queue=%s not started: its plugins failed to initialise", name)
        return None

    def _apply(self, cfg: LoadedConfig, initial: bool = False) -> None:
        assert cfg.settings is not None
        if not cfg.settings.enablequeues:
            log.warning("[Factory] enablequeues = False: no queue runs")
        new = {n: q.section.as_dict() for n, q in cfg.queues.items() if cfg.settings.enablequeues}
        old = {n: q.section.as_dict() for n, q in self.queues.items()}
        if initial:
            d = diff_queues({}, new)
        else:
            d = diff_queues(old, new)
            log.info(
                "reload: added=%s removed=%s changed=%s unchanged=%d",
                list(d.added),
                list(d.removed),
                list(d.changed),
                len(d.unchanged),
            )
        for name in (*d.removed, *d.changed):
            rt = self.queues.pop(name, None)
            if rt is not None:
                rt.close()
        # queues that failed to start last time are retried on every reload
        retry = [n for n in d.unchanged if n not in self.queues]
        for name in (*d.added, *d.changed, *retry):
            rt = self._build_queue(name)
            if rt is not None:
                self.queues[name] = rt
        self.hub.retain({k for rt in self.queues.values() for k in rt.status_keys})
        log.info(
            "factory=%s queues running=%d of %d configured",
            cfg.settings.factory_id,
            len(self.queues),
            len(cfg.queues),
        )

    def reload(self) -> None:
        """Re-read the configuration; restart only queues that were added, removed or changed."""
        try:
            cfg = self._load()
        except (FactoryConfigError, ConfigError) as exc:
            log.error("reload failed, keeping the running configuration: %s", exc)
            return
        except Exception:  # a config plugin's bug must not stop a running factory
            log.exception("reload failed, keeping the running configuration")
            return
        if cfg.factory.as_dict() != self.cfg.factory.as_dict() or _sections(cfg.monitors) != _sections(
            self.cfg.monitors
        ):
            log.info("reload: [Factory] or monitor sections changed; restarting every queue")
            for rt in self.queues.values():
                rt.close()
            self.queues.clear()
            self.hub.close()
            self._bounds.clear()  # batchsubmit.concurrency may have changed
            self._last_batch.clear()
            self.cfg = cfg
            old_auth = self.ctx.auth
            self.ctx = self._context(cfg)
            if self._auth_running:
                _call(old_auth, "stop")
                _call(self.ctx.auth, "start")
            self.hub = StatusHub(self.ctx, self.reg)
            for m in self.monitors.values():
                m.close()
            self.monitors.clear()
            self._apply(cfg, initial=True)
            for svc in self._services:  # the log server and cleaner follow baseLogDir and its port
                _call(svc, "reconfigure", self)
            return
        self.cfg = cfg
        self.ctx.mappings = cfg.mappings
        _call(self.ctx.auth, "reconfigure", cfg.auth)
        self._apply(cfg)

    # -- one cycle ------------------------------------------------------------------------------
    def run_cycle(self, now: float | None = None) -> CycleReport:
        """Poll every status source the due queues need (once each), decide, act, report."""
        now = time.time() if now is None else now
        due = [rt for rt in self.queues.values() if rt.due(now)]
        report = CycleReport(self.cycles_done + 1)
        if not due:
            return report
        keys = {k for rt in due for k in rt.status_keys}
        assert self.cfg.settings is not None
        results = self.hub.poll(keys, self.cfg.settings.status_timeout)
        now = time.time()
        for key, r in results.items():
            if key[0] == "batchstatus" and isinstance(r.view, BatchView):
                self._last_batch[key] = r.view
        factory_active = self._factory_active(now)
        work: list[tuple[QueueRuntime, Outcome]] = []
        for rt in due:
            rt.last_attempt_at = now
            try:
                work.append((rt, self._decide(rt, results, factory_active, now)))
            except Exception as exc:
                log.exception("queue=%s decision failed", rt.name)
                report.outcomes.append(Outcome(rt.name, None, None, "error", error=str(exc)))
        if self.stop_event.is_set():
            for rt, out in work:
                if out.action == "pending":
                    out.action = "none (stopping)"
                self._log(rt, out)
                report.outcomes.append(out)
            return report
        futures: list[tuple[QueueRuntime, Outcome, Future[None]]] = []
        for rt, out in work:
            if out.action == "pending":
                futures.append((rt, out, self._submit_pool.submit(self._act, rt, out)))
            else:
                self._log(rt, out)
                report.outcomes.append(out)
        for rt, out, fut in futures:
            try:
                fut.result()
            except Exception as exc:
                out.action, out.error = "error", f"{type(exc).__name__}: {exc}"
            self._log(rt, out)
            report.outcomes.append(out)
        self.cycles_done += 1
        for cb in self.on_cycle:
            cb(report)
        return report

    def _factory_active(self, now: float) -> int | None:
        """Pending + running over every queue, from the newest view of every batch source in use."""
        views = [v for k, v in self._last_batch.items() if self.hub.get(k) is not None]
        if not views:
            return None
        return sum(v.total_active() for v in views)

    def _decide(
        self, rt: QueueRuntime, results: dict[StatusKey, PollResult], factory_active: int | None, now: float
    ) -> Outcome:
        wms_view = _view(results, rt.wms_key)
        batch_view = _view(results, rt.batch_key)
        snap, fresh = build_snapshot(
            rt.name, rt.wmsqueue,
            wms_view if isinstance(wms_view, WMSView) else None,
            batch_view if isinstance(batch_view, BatchView) else None,
            factory_active, now, rt.wms_maxage, rt.batch_maxage, rt.last_batch_at,
            wms_required=rt.wms_key is not None,
        )  # fmt: skip
        if fresh.repeat:
            return Outcome(rt.name, snap, None, "none (no fresh batch status data)")
        decision = decide(rt.chain, snap)
        rt.last_decision_at = now
        rt.cycles += 1
        if snap.batch is not None and batch_view is not None:
            rt.last_batch_at = batch_view.taken_at
        if fresh.problems:
            errors = [e for e in (_err(results, rt.wms_key), _err(results, rt.batch_key)) if e]
            why = "; ".join([*fresh.problems, *errors])
            return Outcome(rt.name, snap, decision, f"none ({why})")
        if decision.n == 0:
            return Outcome(rt.name, snap, decision, "none")
        return Outcome(rt.name, snap, decision, "pending")

    def _bound(self, rt: QueueRuntime) -> threading.BoundedSemaphore:
        key = rt.submitter.concurrency_key()
        sem = self._bounds.get(key)
        if sem is None:
            assert self.cfg.settings is not None
            sem = self._bounds.setdefault(
                key, threading.BoundedSemaphore(self.cfg.settings.submit_concurrency)
            )
        return sem

    def _act(self, rt: QueueRuntime, out: Outcome) -> None:
        assert out.decision is not None
        n = out.decision.n
        with self._bound(rt):
            if n > 0:
                pilots = rt.submitter.submit(n)
                out.submitted = len(pilots)
                out.action = f"submitted {len(pilots)}"
                for m in rt.monitors:
                    _guard(m.name, rt.name, lambda m=m: m.register_pilots(rt.section, pilots))  # type: ignore[misc]
            else:
                retired = rt.submitter.retire(-n)
                out.retired = len(retired)
                out.action = f"retired {len(retired)}" + (" (peaceful)" if rt.submitter.peaceful else "")
            try:
                rt.submitter.cleanup()
            except Exception:
                log.exception("queue=%s cleanup failed", rt.name)
        msg = out.decision.message
        if msg:
            for m in rt.monitors:
                _guard(m.name, rt.name, lambda m=m: m.update_label(rt.section, msg))  # type: ignore[misc]

    def _log(self, rt: QueueRuntime, out: Outcome) -> None:
        snap, d = out.snapshot, out.decision
        if snap is None:
            log.error("queue=%s action=%s error=%s", rt.name, out.action, out.error)
            return

        def fmt(v: object) -> str:
            return "None" if v is None else str(v)

        site = snap.site.status if snap.site is not None else None
        line = (
            f"queue={rt.name} wmsqueue={rt.wmsqueue} activated={fmt(snap.activated)} pending={fmt(snap.pending)} "
            f"running={fmt(snap.running)} site={fmt(site)} decision={fmt(d.n if d else None)} action={out.action!r}"
        )
        if out.error:
            line += f" error={out.error!r}"
        line += f' chain="{d.message if d else ""}"'
        (log.error if out.error else log.info)(line)

    # -- the loop -------------------------------------------------------------------------------
    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_stop(signum: int, frame: object) -> None:
            log.info("signal %s: stopping after in-flight submissions", signal.Signals(signum).name)
            self.stop_event.set()
            self._wake.set()

        def on_hup(signum: int, frame: object) -> None:
            log.info("SIGHUP: reloading the configuration")
            self.reload_event.set()
            self._wake.set()

        for sig, handler in ((signal.SIGTERM, on_stop), (signal.SIGINT, on_stop), (signal.SIGHUP, on_hup)):
            self._saved_signals[sig] = signal.signal(sig, handler)

    def _restore_signals(self) -> None:
        """Put back the handlers run() replaced (for programs and tests that embed the factory)."""
        for sig, handler in self._saved_signals.items():
            signal.signal(sig, handler)
        self._saved_signals.clear()

    def stop(self) -> None:
        self.stop_event.set()
        self._wake.set()

    def request_reload(self) -> None:
        self.reload_event.set()
        self._wake.set()

    def _cycles_limit(self) -> int | None:
        if self.options.cycles is not None:
            return self.options.cycles
        assert self.cfg.settings is not None
        return self.cfg.settings.cycles

    def _start_services(self) -> None:
        _call(self.ctx.auth, "start")  # the auth manager's periodic proxy checks
        self._auth_running = True
        if not self.options.services:
            return
        from autopyfactory.logserver.services import start_services

        self._services = start_services(self)

    def _stop_services(self) -> None:
        for s in self._services:
            try:
                s.stop()  # type: ignore[attr-defined]
            except Exception:
                log.exception("stopping %s", s)

    def _next_reload_at(self, started: float) -> float | None:
        assert self.cfg.settings is not None
        intervals = [float(self.cfg.settings.reconfig_interval)] if self.cfg.settings.reconfig else []
        for p in self.cfg.queue_plugins:
            iv = p.refresh_interval()  # type: ignore[attr-defined]
            if iv:
                intervals.append(float(iv))
        return started + min(intervals) if intervals else None

    def run(self) -> int:
        """Run cycles until the cycle limit, SIGTERM/SIGINT or (with abort_no_queues) no queue left."""
        limit = self._cycles_limit()
        if limit == 0:
            log.info("cycles = 0: no queue runs")
            return 0
        self._install_signals()
        self._start_services()
        assert self.cfg.settings is not None
        last_reload = time.time()
        try:
            while not self.stop_event.is_set():
                if self.reload_event.is_set():
                    self.reload_event.clear()
                    self.reload()
                    last_reload = time.time()
                nra = self._next_reload_at(last_reload)
                if nra is not None and time.time() >= nra:
                    log.info("periodic reconfiguration")
                    self.reload()
                    last_reload = time.time()
                if not self.queues and self.cfg.settings.abort_no_queues:
                    log.warning("no queue is running and abort_no_queues = True: exiting")
                    break
                self.run_cycle()
                if limit is not None and self.cycles_done >= limit:
                    log.info("ran %d cycle(s); done", self.cycles_done)
                    break
                self._sleep_until_due(nra)
        finally:
            self.shutdown()
            self._restore_signals()
        return 0

    def _sleep_until_due(self, reload_at: float | None) -> None:
        nexts = [rt.next_due() for rt in self.queues.values()]
        target = min(nexts) if nexts else time.time() + 60
        if reload_at is not None:
            target = min(target, reload_at)
        delay = max(0.05, target - time.time())
        self._wake.wait(delay)
        self._wake.clear()

    def shutdown(self) -> None:
        self._submit_pool.shutdown(wait=True)
        for rt in self.queues.values():
            rt.close()
        for m in self.monitors.values():
            try:
                m.close()
            except Exception:
                log.exception("closing monitor %s", m.section.name)
        self.hub.close()
        self._stop_services()
        _call(self.ctx.auth, "stop")


def _sections(sections: dict[str, ConfigSection]) -> dict[str, dict[str, str]]:
    return {name: sec.as_dict() for name, sec in sections.items()}


def _view(results: dict[StatusKey, PollResult], key: StatusKey | None) -> WMSView | BatchView | None:
    if key is None:
        return None
    r = results.get(key)
    return r.view if r is not None else None


def _err(results: dict[StatusKey, PollResult], key: StatusKey | None) -> str:
    if key is None:
        return ""
    r = results.get(key)
    return f"{key[1]}: {r.error}" if r is not None and r.error else ""


def _call(obj: object, method: str, *args: object) -> None:
    """``obj.method(*args)`` when the object has it (the auth manager's start/stop/reconfigure)."""
    fn = getattr(obj, method, None)
    if callable(fn):
        try:
            fn(*args)
        except Exception:
            log.exception("%s.%s failed", type(obj).__name__, method)


def _guard(monitor: str, queue: str, fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception as exc:
        log.warning("monitor=%s queue=%s call failed (cycle continues): %s", monitor, queue, exc)


__all__ = ["ConfigSection", "CycleReport", "Decision", "Factory", "FactoryConfigError", "RunOptions"]
