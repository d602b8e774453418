"""The factory: load configuration, then cycle: poll status once, decide per queue, act, report."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any

from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.actions import ActionRunner
from autopyfactory.engine.monitor_calls import MonitorCalls
from autopyfactory.engine.pool import DaemonPool
from autopyfactory.engine.queue import Outcome, QueueRuntime
from autopyfactory.engine.reload import diff_queues, identity_changes
from autopyfactory.engine.snapshot import build_snapshot
from autopyfactory.engine.statelock import StateDirBusy, lock_state_dir
from autopyfactory.engine.status_hub import PollResult, PollRound, StatusHub, StatusKey
from autopyfactory.loading.loader import LoadedConfig, load
from autopyfactory.model.batch import BatchView
from autopyfactory.model.decision import Decision
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.context import AuthLookup, FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry
from autopyfactory.sched.chain import decide

log = logging.getLogger("autopyfactory.factory")

CLOSE_WAIT = 10.0  # seconds closing plugins may take on a reload (then they are left to finish alone)
CLOSE_FLOOR = 5.0  # at a stop, closing plugins gets at least this long after the grace
HARD_EXIT_MARGIN = 10.0  # the process exits at the latest shutdown.grace + this after SIGTERM
ACTION_THREADS = 32  # queues' actions carried out at once (each within its own calls' deadlines)


class FactoryConfigError(Exception):
    """The factory-level configuration cannot run (the message lists every problem)."""


@dataclass
class RunOptions:
    conf: str | None = None
    cycles: int | None = None  # None: [Factory] cycles (None there: forever)
    sleep: float | None = None  # overrides every queue's apfqueue.sleep
    services: bool = True  # start the log server and log cleaning
    hard_exit: bool = False  # the process is ours: after a stop signal, exit for sure (see run())


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
        self._hurry = threading.Event()  # a second stop signal: do not wait for anything
        self.queues: dict[str, QueueRuntime] = {}
        self.not_started: dict[str, str] = {}  # configured queues that do not run, and why
        self.cycles_done = 0
        self.exit_reason = ""  # why run() returned a non-zero status
        self.abandoned: list[str] = []  # plugin calls still running when the process stopped
        self.on_cycle: list[Callable[[CycleReport], None]] = []
        self._services: list[object] = []
        self.cfg = self._load()
        self.lock_file = self._lock(self.settings)
        self.ctx = self._context(self.cfg)
        self.hub = StatusHub(self.ctx, reg)
        self.monitors: dict[str, MonitorPlugin] = {}
        self._pool = DaemonPool("plugin")  # plugin calls (no maximum: see engine/pool.py)
        self._actions = DaemonPool("action", max_threads=ACTION_THREADS)
        self._monitor_calls = MonitorCalls(self._pool, self.settings.monitor_timeout)
        self._bounds: dict[Hashable, threading.BoundedSemaphore] = {}
        self._last_batch: dict[StatusKey, BatchView] = {}
        self._finished: list[Outcome] = []  # actions done since the last report
        self._finished_lock = threading.Lock()
        self._auth_running = False
        self._saved_signals: dict[int, Any] = {}
        self._shut = False
        self._apply(self.cfg, initial=True)

    @property
    def settings(self) -> FactorySettings:
        assert self.cfg.settings is not None
        return self.cfg.settings

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

    @staticmethod
    def _lock(settings: FactorySettings) -> object:
        """One factory process per state directory (held until the process ends)."""
        try:
            return lock_state_dir(settings.state_dir)
        except StateDirBusy as exc:
            raise FactoryConfigError(str(exc)) from None
        except OSError as exc:
            raise FactoryConfigError(
                f"cannot lock the state directory {settings.state_dir} ([Factory] statedir): {exc}"
            ) from None

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
        except Exception as exc:
            log.error("monitor section [%s] (plugin %s) unusable: %s", name, pname, exc)
            return None
        self._monitor_calls.call(inst, "*", "register_factory", inst.register_factory)
        self.monitors[name] = inst
        return inst

    def _build_queue(self, name: str) -> QueueRuntime | None:
        qc = self.cfg.queues[name]
        if not qc.enabled:
            log.info("queue=%s disabled (enabled = False)", name)
            self.not_started[name] = "enabled = False"
            return None
        if not qc.ok:
            why = "; ".join(str(p) for p in qc.errors)
            log.error("queue=%s not started: %s", name, why)
            self.not_started[name] = why
            return None
        from autopyfactory.config.queue import MONITOR_SECTION

        mons: dict[str, MonitorPlugin] = {}
        try:
            for m in qc.section.get(MONITOR_SECTION):
                inst = self._monitor_for(m)
                if inst is not None:
                    mons[m] = inst
            rt = QueueRuntime(qc, self.ctx, self.hub, self.reg, mons, self.options.sleep)
            self.not_started.pop(name, None)
            return rt
        except (ConfigError, PluginNotFound) as exc:
            log.error("queue=%s not started: %s", name, exc)
            self.not_started[name] = str(exc)
        except Exception as exc:
            log.exception("queue=%s not started: its plugins failed to initialise", name)
            self.not_started[name] = f"its plugins failed to initialise: {type(exc).__name__}: {exc}"
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
        self.not_started = {n: why for n, why in self.not_started.items() if n in cfg.queues}
        if not cfg.settings.enablequeues:
            self.not_started.update({n: "[Factory] enablequeues = False" for n in cfg.queues})
        closing: list[QueueRuntime] = []
        overruns = {}
        for name in (*d.removed, *d.changed):
            rt = self.queues.pop(name, None)
            if rt is not None:
                closing.append(rt)
                if rt.overrun is not None and not rt.overrun.done:
                    overruns[name] = rt.overrun  # the new runtime waits for it too
        self._close_queues(closing, CLOSE_WAIT)
        # queues that failed to start last time are retried on every reload
        retry = [n for n in d.unchanged if n not in self.queues]
        for name in (*d.added, *d.changed, *retry):
            rt = self._build_queue(name)
            if rt is not None:
                rt.overrun = overruns.get(name)
                self.queues[name] = rt
        self.hub.retain({k for rt in self.queues.values() for k in rt.status_keys})
        log.info(
            "factory=%s queues running=%d of %d configured",
            cfg.settings.factory_id,
            len(self.queues),
            len(cfg.queues),
        )

    def reload(self) -> None:
        """Re-read the configuration; restart only queues that were added, removed or changed.
        A configuration that would change the factory's identity (factoryId, statedir) or has no
        [Factory] section is refused: the running configuration is kept."""
        try:
            cfg = self._load()
        except (FactoryConfigError, ConfigError) as exc:
            log.error("reload failed, keeping the running configuration: %s", exc)
            return
        except Exception:  # a config plugin's bug must not stop a running factory
            log.exception("reload failed, keeping the running configuration")
            return
        refused = identity_changes(self.cfg, cfg)
        if refused:
            log.error(
                "reload refused, keeping the running configuration: %s. These identify the factory's "
                "pilots and state; to apply them, stop the factory and start it again",
                "; ".join(refused),
            )
            return
        if not self._wait_actions(None):  # a stop came first
            return
        if cfg.factory.as_dict() != self.cfg.factory.as_dict() or _sections(cfg.monitors) != _sections(
            self.cfg.monitors
        ):
            log.info("reload: [Factory] or monitor sections changed; restarting every queue")
            overruns = {n: rt.overrun for n, rt in self.queues.items() if rt.overrun and not rt.overrun.done}
            self._close_queues(list(self.queues.values()), CLOSE_WAIT)
            self.queues.clear()
            self.hub.close()
            self._bounds.clear()  # batchsubmit.concurrency may have changed
            self._last_batch.clear()
            self.cfg = cfg
            self._monitor_calls.timeout = self.settings.monitor_timeout
            old_auth = self.ctx.auth
            self.ctx = self._context(cfg)
            if self._auth_running:
                _call(old_auth, "stop")
                _call(self.ctx.auth, "start")
            self.hub = StatusHub(self.ctx, self.reg)
            self._close_all([(f"monitor {n}", m.close) for n, m in self.monitors.items()], CLOSE_WAIT)
            self.monitors.clear()
            self._apply(cfg, initial=True)
            for name, running in overruns.items():
                if name in self.queues:
                    self.queues[name].overrun = running
            for svc in self._services:  # the log server and cleaner follow baseLogDir and its port
                _call(svc, "reconfigure", self)
            return
        self.cfg = cfg
        self.ctx.mappings = cfg.mappings
        _call(self.ctx.auth, "reconfigure", cfg.auth)
        self._apply(cfg)

    # -- one cycle ------------------------------------------------------------------------------
    def run_cycle(
        self, now: float | None = None, wait_until: Callable[[], float | None] | None = None
    ) -> CycleReport:
        """Poll every status source the due queues need (once each), decide, act, report.

        A queue decides as soon as its own sources have answered (or ``status.timeout`` passed)
        and its action starts at once. The cycle then waits for the actions it started, until
        ``wait_until()`` (a time.time() value; None: until all are done). Actions still under way
        finish on their own: their decision lines are logged then, and their outcomes go into the
        next report. A queue whose plugin call overran its deadline is skipped (and says why)."""
        now = time.time() if now is None else now
        due = [rt for rt in self.queues.values() if rt.due(now) and not _acting(rt)]
        report = CycleReport(self.cycles_done + 1)
        if not due:
            return report
        ready: list[QueueRuntime] = []
        for rt in due:
            rt.last_attempt_at = now
            why = rt.busy()
            if why:
                out = Outcome(rt.name, None, None, "skipped", error=why)
                log.warning("queue=%s skipped this cycle: %s", rt.name, why)
                report.outcomes.append(out)
            else:
                ready.append(rt)
        polls = self.hub.begin({k for rt in ready for k in rt.status_keys}, self.settings.status_timeout)
        started: list[Future[None]] = []
        pending = list(ready)
        while pending:
            stopping = self.stop_event.is_set()
            for rt in [rt for rt in pending if stopping or all(polls.ready(k) for k in rt.status_keys)]:
                pending.remove(rt)
                out = self._outcome(rt, polls, stopping)
                if out.action == "pending":
                    started.append(self._start_action(rt, out))
                else:
                    self._log(rt, out)
                    report.outcomes.append(out)
            if pending:
                polls.wait(self.stop_event)
        self._wait_futures(started, wait_until() if wait_until is not None else None)
        with self._finished_lock:
            report.outcomes.extend(self._finished)
            self._finished.clear()
        self.cycles_done += 1
        for cb in self.on_cycle:
            cb(report)
        return report

    def _outcome(self, rt: QueueRuntime, polls: PollRound, stopping: bool) -> Outcome:
        results = {k: polls.result(k) for k in rt.status_keys}
        for key, r in results.items():
            if key[0] == "batchstatus" and isinstance(r.view, BatchView):
                self._last_batch[key] = r.view
        now = time.time()
        try:
            out = self._decide(rt, results, self._factory_active(now), now)
        except Exception as exc:
            log.exception("queue=%s decision failed", rt.name)
            return Outcome(rt.name, None, None, "error", error=str(exc))
        if out.action == "pending" and stopping:
            out.action = "none (stopping)"
        return out

    def _start_action(self, rt: QueueRuntime, out: Outcome) -> Future[None]:
        runner = ActionRunner(self._pool, self.settings, self._monitor_calls, self._bound, self.stop_event)

        def act() -> None:
            try:
                runner.run(rt, out)
            finally:
                self._log(rt, out)
                with self._finished_lock:
                    self._finished.append(out)
                self._wake.set()

        fut: Future[None] = self._actions.submit(act)
        rt.action = fut
        return fut

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
        out = Outcome(rt.name, snap, decision, "pending", target=decision.n)
        cap = self.settings.submit_max_per_cycle
        if decision.n > cap:
            out.target = cap
            out.cap = f"{decision.n} cut to {cap} (batchsubmit.maxpercycle)"
        return out

    def _bound(self, rt: QueueRuntime) -> threading.BoundedSemaphore:
        key = rt.submitter.concurrency_key()
        sem = self._bounds.get(key)
        if sem is None:
            sem = self._bounds.setdefault(key, threading.BoundedSemaphore(self.settings.submit_concurrency))
        return sem

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
            f"running={fmt(snap.running)} site={fmt(site)} decision={fmt(d.n if d else None)}"
        )
        if out.cap:
            line += f" cap={out.cap!r}"
        line += f" action={out.action!r}"
        if out.error:
            line += f" error={out.error!r}"
        line += f' chain="{d.message if d else ""}"'
        (log.error if out.error else log.info)(line)

    # -- the loop -------------------------------------------------------------------------------
    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_stop(signum: int, frame: object) -> None:
            name = signal.Signals(signum).name
            if self.stop_event.is_set():
                log.warning("second %s: exiting now, without waiting for in-flight work", name)
                self._hurry.set()
                self._wake.set()
                return
            grace = self.settings.shutdown_grace
            log.info(
                "signal %s: stopping after in-flight submissions (at most %gs, shutdown.grace)", name, grace
            )
            self.stop_event.set()
            self._wake.set()
            if self.options.hard_exit:
                self._arm_hard_exit(name, grace + HARD_EXIT_MARGIN)

        def on_hup(signum: int, frame: object) -> None:
            log.info("SIGHUP: reloading the configuration")
            self.reload_event.set()
            self._wake.set()

        for sig, handler in ((signal.SIGTERM, on_stop), (signal.SIGINT, on_stop), (signal.SIGHUP, on_hup)):
            self._saved_signals[sig] = signal.signal(sig, handler)

    @staticmethod
    def _arm_hard_exit(signame: str, seconds: float) -> None:
        """The last resort behind the bounded stop: whatever still runs, the process ends."""

        def hard_exit() -> None:
            log.error("%s: not stopped %gs later; exiting now", signame, seconds)
            for h in logging.getLogger().handlers:
                try:
                    h.flush()
                except Exception:
                    pass
            os._exit(1)

        t = threading.Timer(seconds, hard_exit)
        t.daemon = True
        t.start()

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
        return self.settings.cycles

    def _start_services(self) -> None:
        _call(self.ctx.auth, "start")  # the auth manager's periodic proxy checks
        self._auth_running = True
        if not self.options.services:
            return
        from autopyfactory.logserver.services import start_services

        self._services = start_services(self)

    def _next_reload_at(self, started: float) -> float | None:
        intervals = [float(self.settings.reconfig_interval)] if self.settings.reconfig else []
        for p in self.cfg.queue_plugins:
            iv = p.refresh_interval()  # type: ignore[attr-defined]
            if iv:
                intervals.append(float(iv))
        return started + min(intervals) if intervals else None

    def run(self) -> int:
        """Run cycles until the cycle limit, SIGTERM/SIGINT or (with abort_no_queues) no queue left.
        0 when stopped as asked; 1 when a cycle limit was given but no queue can run."""
        limit = self._cycles_limit()
        if limit == 0:
            log.info("cycles = 0: no queue runs")
            return 0
        self._install_signals()
        self._start_services()
        rc = 0
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
                if not self.queues:
                    if limit is not None:
                        rc = 1
                        self.exit_reason = self._no_queue_reason(limit)
                        log.error("%s", self.exit_reason)
                        break
                    if self.settings.abort_no_queues:
                        log.warning("no queue is running and abort_no_queues = True: exiting")
                        break
                self.run_cycle(wait_until=lambda nra=nra: self._next_wake(nra))  # type: ignore[misc]
                if limit is not None and self.cycles_done >= limit:
                    log.info("ran %d cycle(s); done", self.cycles_done)
                    break
                self._sleep_until_due(nra)
        finally:
            self.shutdown()
            self._restore_signals()
        return rc

    def _no_queue_reason(self, limit: int) -> str:
        if self.not_started:
            why = "; ".join(f"{n}: {r}" for n, r in sorted(self.not_started.items()))
        elif not self.cfg.queues:
            why = "no queue is configured"
        else:
            why = "every queue was removed"
        return f"no queue can run, so the {limit} cycle(s) asked for cannot run ({why})"

    def _next_wake(self, reload_at: float | None) -> float | None:
        """When the loop has something to do next: a queue due (not one still acting), a reload."""
        times = [rt.next_due() for rt in self.queues.values() if not _acting(rt)]
        if reload_at is not None:
            times.append(reload_at)
        return min(times) if times else None

    def _sleep_until_due(self, reload_at: float | None) -> None:
        target = self._next_wake(reload_at)
        delay = 60.0 if target is None else max(0.05, target - time.time())
        self._wake.wait(delay)
        self._wake.clear()

    def _wait_futures(self, futures: list[Future[None]], until: float | None) -> bool:
        """Wait for ``futures`` until ``until`` (time.time(); None: no limit), a stop or a second
        stop signal; True when all are done."""
        left = [f for f in futures if not f.done()]
        while left:
            if self._hurry.is_set() or (self.stop_event.is_set() and until is None):
                return False
            wait = 0.2 if until is None else min(0.2, until - time.time())
            if wait <= 0:
                return False
            wait_futures(left, timeout=wait)
            left = [f for f in left if not f.done()]
        return True

    def _wait_actions(self, until: float | None) -> bool:
        """Wait for the queues' actions under way (each bounded by its plugin call deadlines)."""
        return self._wait_futures([rt.action for rt in self.queues.values() if rt.action is not None], until)

    def shutdown(self) -> None:
        """Let in-flight actions finish, then close every plugin. After a stop signal both share
        ``shutdown.grace`` (closing gets at least CLOSE_FLOOR seconds); what is still running then
        is named in the log and left behind (the process can exit: every plugin call runs on a
        daemon thread)."""
        if self._shut:
            return
        self._shut = True
        if not self.stop_event.is_set():
            # the cycle limit was reached: the last actions finish (each call has a deadline),
            # unless a stop signal comes meanwhile
            self._wait_actions(None)
        stopping = self.stop_event.is_set()
        grace = self.settings.shutdown_grace
        end = time.time() + grace
        self._wait_actions(end)
        for rt in self.queues.values():
            if rt.action is not None and not rt.action.done():
                self.abandoned.append(f"queue={rt.name} submission still under way")
            if rt.overrun is not None and not rt.overrun.done:
                self.abandoned.append(f"queue={rt.name} {rt.overrun.describe()}")
        if self.abandoned:
            log.error(
                "stopping without waiting longer for: %s. Pilots such a call still creates are found "
                "by the batch status at the next start; the monitors do not hear of them",
                "; ".join(self.abandoned),
            )
        closing = [(f"queue {rt.name}", rt.submitter.close) for rt in self.queues.values()]
        closing += [(f"monitor {n}", m.close) for n, m in self.monitors.items()]
        closing.append(("status sources", lambda: self.hub.close(max(0.0, end - time.time()))))
        closing += [(f"service {type(s).__name__}", s.stop) for s in self._services]  # type: ignore[attr-defined]
        if self._auth_running:
            closing.append(("auth manager", lambda: _call(self.ctx.auth, "stop")))
        self._close_all(closing, max(end - time.time(), CLOSE_FLOOR) if stopping else max(grace, CLOSE_WAIT))
        self._pool.close()
        self._actions.close()

    def _close_queues(self, queues: list[QueueRuntime], wait: float) -> None:
        self._close_all([(f"queue {rt.name}", rt.submitter.close) for rt in queues], wait)

    def _close_all(self, closing: list[tuple[str, Callable[[], Any]]], wait: float) -> None:
        """Run every close concurrently; wait at most ``wait`` s (less after a second stop signal)."""
        if not closing:
            return
        futures = [(what, self._pool.submit(fn)) for what, fn in closing]
        self._wait_futures([f for _, f in futures], time.time() + wait)
        for what, fut in futures:
            if not fut.done():
                log.error("closing %s: still running after %.0fs; left behind", what, wait)
                self.abandoned.append(f"closing {what}")
            elif (exc := fut.exception()) is not None:
                log.error("closing %s failed: %s: %s", what, type(exc).__name__, exc)


def _acting(rt: QueueRuntime) -> bool:
    return rt.action is not None and not rt.action.done()


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


__all__ = ["ConfigSection", "CycleReport", "Decision", "Factory", "FactoryConfigError", "RunOptions"]
