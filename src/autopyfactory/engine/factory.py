"""The factory: its configuration loaded, its plugins built, and rebuilt where a reload changes them.

A :class:`Factory` holds one :class:`~.queue.QueueRuntime` per queue that can run, the shared
status sources (:class:`~.status_hub.StatusHub`), the monitors and the plugin context, and a
:class:`~.cycle.Cycle` that runs them (:meth:`Factory.run_cycle`). The
:class:`~.daemon.Daemon` runs a factory as a service (signals, log services, the loop)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from enum import Enum
from functools import partial
from typing import TypeVar

from autopyfactory.auth.manager import AuthManager
from autopyfactory.config.factory import INIT_TIMEOUT, FactorySettings
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import MONITOR_SECTION
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.calls import Overran, call_with_deadline
from autopyfactory.engine.clock import SYSTEM_CLOCK, Clock
from autopyfactory.engine.closing import Closer, close_all
from autopyfactory.engine.control import Control
from autopyfactory.engine.cycle import Cycle
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.history import HistoryKeeper
from autopyfactory.engine.last_good import kept_mappings, kept_profiles, profiles_of
from autopyfactory.engine.monitor_calls import MonitorCalls
from autopyfactory.engine.outcome import CycleReport
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.engine.queue_builder import build_queue
from autopyfactory.engine.queue_reports import QueueReporter
from autopyfactory.engine.queue_states import QueueState, QueueStateKind, QueueStates
from autopyfactory.engine.reload import (
    QueueAction,
    QueuePlan,
    RunningQueue,
    diff_queues,
    identity_changes,
    plan_reload,
)
from autopyfactory.engine.statelock import StateDirBusy, lock_state_dir
from autopyfactory.engine.status_hub import StatusHub
from autopyfactory.loading.loader import LoadedConfig, load
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MONITOR, MonitorPlugin
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry

T = TypeVar("T")
log = logging.getLogger("autopyfactory.factory")

CLOSE_WAIT = 10.0  # seconds closing plugins may take on a reload (then they are left to finish alone)
CLOSE_FLOOR = 5.0  # at a stop, closing plugins gets at least this long after the grace


class FactoryConfigError(Exception):
    """The factory-level configuration cannot run (the message lists every problem)."""


@dataclass
class RunOptions:
    """How a factory is asked to run (the command line). ``conf`` and ``sleep`` are the factory's;
    ``cycles``, ``services`` and ``hard_exit`` are the daemon's."""

    conf: str | None = None
    cycles: int | None = None  # None: [Factory] cycles (None there: forever)
    sleep: float | None = None  # overrides every queue's apfqueue.sleep
    services: bool = True  # start the log server and log cleaning
    hard_exit: bool = False  # the process is ours: after a stop signal, exit for sure (see Daemon)


class ReloadKind(Enum):
    """What a reload did."""

    KEPT = "kept"  # the new configuration could not be read or was refused: nothing changed
    QUEUES = "queues"  # the queues that were added, removed or changed were restarted
    FULL = "full"  # [Factory] or a monitor section changed: every plugin was built anew


class Factory:
    """A pilot factory built from its configuration.

    ``options.conf`` is read with the plugins of ``reg`` (or ``load()`` is called, when given: a
    loaded configuration from elsewhere, e.g. a simulator's); a ``[Factory]`` problem raises
    :class:`FactoryConfigError`, a broken queue is left out (``not_started`` says why). The state
    directory is locked for this process. ``queue_states`` says what each configured queue does
    (running, kept on its last good configuration, disabled, not started) and why. ``clock`` is where the engine reads time,
    ``executors`` where it runs plugin calls (default: daemon threads; ``Executors.inline()`` runs a
    whole cycle in the caller's thread), ``control`` the stop flags it shares with a daemon.

    :meth:`run_cycle` runs one cycle; :meth:`reload` re-reads the configuration and rebuilds only
    what changed; :meth:`shutdown` lets in-flight work end (bounded) and closes every plugin."""

    def __init__(
        self,
        options: RunOptions,
        reg: Registry = registry,
        *,
        clock: Clock = SYSTEM_CLOCK,
        executors: Executors | None = None,
        load: Callable[[], LoadedConfig] | None = None,
        control: Control | None = None,
    ) -> None:
        self.options = options
        self.reg = reg
        self.clock = clock
        self.executors = executors if executors is not None else Executors.threaded()
        self.control = control if control is not None else Control()
        self._load_config = load if load is not None else self._read_conf
        self.queues: dict[str, QueueRuntime] = {}
        self.states = QueueStates()
        self.abandoned: list[str] = []  # plugin calls still running when the factory stopped
        self.cfg = self._load()
        self.lock_file = _lock(self.settings)
        self._profiles = profiles_of(self.cfg)  # the auth profiles the auth manager runs with
        self._built_with: dict[str, FactoryContext] = {}  # the context each queue's plugins were made with
        self.ctx = self._context(self.cfg, self.cfg.auth)
        self.hub = StatusHub(self.ctx, reg, self.executors.polls, clock)
        self.monitors: dict[str, MonitorPlugin] = {}
        self._monitors_starting: set[str] = set()  # monitor sections whose plugin overran its start
        self.monitor_calls = MonitorCalls(self.executors.calls, self.settings.monitor_timeout, clock)
        self.cycle = Cycle(self.settings, self.hub, self.monitor_calls, self.executors, clock, self.control)
        self.on_reload: list[Callable[[ReloadKind], None]] = []  # called after every reload
        self.reporter = QueueReporter(self, self._monitor_for)  # every queue's status to the monitors
        self.cycle.on_cycle.append(self.reporter.after_cycle)
        # each queue's history (earlier decisions, recent pilots) goes into its snapshot
        self.history = HistoryKeeper(lambda: self.queues.values(), self.cycle.batch_views)
        self.cycle.snapshot_hooks.append(self.history.attach)
        self.cycle.on_cycle.append(self.history.record)
        self._auth_running = False
        self._shut = False
        self._apply(plan_reload({}, self.cfg, rebuild_all=True))
        self._summary()

    @property
    def settings(self) -> FactorySettings:
        assert self.cfg.settings is not None
        return self.cfg.settings

    @property
    def queue_states(self) -> Mapping[str, QueueState]:
        """Every configured queue's state (and the running queues' whose section was lost), by name."""
        return self.states.snapshot()

    def queue_sections(self) -> dict[str, ConfigSection]:
        """Every queue's section as the factory uses it: a running queue's own (for one on its last
        good configuration, the last good one), the configured one of the others."""
        sections = {name: qc.section for name, qc in self.cfg.queues.items()}
        sections.update({name: rt.section for name, rt in self.queues.items()})
        return sections

    @property
    def not_started(self) -> dict[str, str]:
        """The configured queues that do not run (disabled or not started), and why."""
        kinds = (QueueStateKind.NOT_STARTED, QueueStateKind.DISABLED)
        return {s.name: s.reason for s in self.states.of(*kinds)}

    @property
    def stop_event(self) -> threading.Event:
        """Set once a stop is requested (``control.stop``)."""
        return self.control.stop

    @property
    def cycles_done(self) -> int:
        return self.cycle.cycles_done

    @property
    def on_cycle(self) -> list[Callable[[CycleReport], None]]:
        """Called with every cycle's report."""
        return self.cycle.on_cycle

    def run_cycle(
        self, now: float | None = None, wait_until: Callable[[], float | None] | None = None
    ) -> CycleReport:
        """One cycle over the running queues (see :meth:`Cycle.run`). A queue on its last good
        configuration says so again every ``REMIND_EVERY`` of its cycles."""
        report = self.cycle.run(self.queues.values(), now, wait_until)
        for state in self.states.cycled(o.queue for o in report.outcomes):
            log.warning("%s", state.stale_line(self.clock.time()))
        return report

    def stop(self) -> None:
        """No new cycle, batch or plugin call starts; in-flight work may end."""
        self.control.request_stop()

    def wait_actions(self, until: float | None) -> bool:
        """Wait for the queues' actions under way (``until``: a ``clock.time()``; None: no limit,
        but a stop ends the wait); True when none is left."""
        return self.cycle.wait_actions(self.queues.values(), until)

    # -- configuration ------------------------------------------------------------------------
    def _read_conf(self) -> LoadedConfig:
        return load(self.options.conf, self.reg)

    def _load(self) -> LoadedConfig:
        cfg = self._load_config()
        for p in cfg.all_problems():
            (log.error if p.level == "error" else log.warning)("config %s", p)
        for q in cfg.queues.values():
            for note in q.notes:  # defaults the queue relies on (check-config shows them too)
                log.info("config %s", note)
        if cfg.factory_errors or cfg.settings is None:
            raise FactoryConfigError(
                "; ".join(str(p) for p in cfg.factory_errors) or "factory settings unusable"
            )
        return cfg

    def _context(self, cfg: LoadedConfig, profiles: Mapping[str, ConfigSection]) -> FactoryContext:
        """The plugin context of ``cfg``, its auth manager running ``profiles``."""
        assert cfg.settings is not None
        ctx = FactoryContext(cfg.factory, cfg.settings, cfg.mappings, cfg.monitors)
        ctx.auth = _auth_manager(replace(cfg, auth=dict(profiles)), ctx, self.reg)
        # credential alerts on the queues' monitor labels
        _with_auth(ctx, "set_monitor_notice", lambda m: m.set_monitor_notice(self._monitor_notice))
        return ctx

    def _monitor_notice(self, queue: str, message: str) -> None:
        """``message`` on ``queue``'s monitor labels (the auth manager's alerts)."""
        rt = self.queues.get(queue)
        if rt is None:
            return
        for m in rt.monitors:
            self.monitor_calls.call(m, queue, "update_label", partial(m.update_label, rt.section, message))

    def _monitor_for(self, name: str) -> MonitorPlugin | None:
        """The plugin of monitor section ``name`` (made at its first use); None when the section is
        not in monitor.conf, its plugin failed to start, or it is still starting: its constructor gets
        ``plugins.inittimeout``, and one that overruns is not waited for again (what it builds is
        closed; a reload after it returned tries again)."""
        if name in self.monitors:
            return self.monitors[name]
        if name in self._monitors_starting:
            return None
        sec = self.cfg.monitors.get(name)
        if sec is None:
            return None
        plugin_name = (sec.raw("monitorplugin") or "Dummy").strip()
        deadline = self.settings.init_timeout
        try:
            cls = self.reg.get(MONITOR, plugin_name)
            monitor = self._starting(
                f"monitor={name}",
                plugin_name,
                partial(cls, self.ctx, sec),
                "closed unused; the monitor section starts at the next reload",
            )
        except Overran as exc:
            self._monitors_starting.add(name)
            exc.running.future.add_done_callback(partial(self._late_monitor, name))
            log.error(
                "monitor section [%s] (plugin %s) did not start within %gs (%s): its queues report to no "
                "monitor by that name until a reload",
                name,
                plugin_name,
                deadline,
                INIT_TIMEOUT.name,
            )
            return None
        except Exception as exc:
            log.error("monitor section [%s] (plugin %s) unusable: %s", name, plugin_name, exc)
            return None
        self.monitor_calls.call(monitor, "*", "register_factory", monitor.register_factory)
        self.monitors[name] = monitor
        return monitor

    def _starting(self, owner: str, plugin: str, make: Callable[[], T], afterwards: str) -> T:
        """``make()`` (constructing plugins) within ``plugins.inittimeout``; raises Overran after it."""
        return call_with_deadline(
            self.executors.calls,
            owner,
            plugin,
            "start",
            make,
            self.settings.init_timeout,
            INIT_TIMEOUT.name,
            self.clock,
            afterwards,
        )

    def _attach_monitors(self, rt: QueueRuntime) -> None:
        """``rt`` reports to the monitor sections it names that have a plugin now."""
        names = rt.section.get(MONITOR_SECTION)
        rt.monitors = [m for m in (self._monitor_for(n) for n in names) if m is not None]

    def _late_monitor(self, name: str, fut: Future[MonitorPlugin]) -> None:
        """Monitor section ``name``'s plugin started (or failed) after its deadline: nobody uses that
        one; the section is made anew where a later reload needs it."""
        if not fut.cancelled() and fut.exception() is None:
            try:
                fut.result().close()
            except Exception as exc:
                log.error("monitor section [%s]: closing the plugin that started late failed: %s", name, exc)
        self._monitors_starting.discard(name)

    def _start(self, name: str) -> QueueRuntime | str:
        """The runtime of queue ``name`` built from the present configuration, or why it cannot run.
        Its plugins get ``plugins.inittimeout`` to start: a constructor that hangs leaves this queue
        not started (or on its last good configuration), not the factory; it goes on in its thread,
        is logged when it returns, and what it built then is closed. (A monitor section that does
        not start leaves the queue without that monitor, as one whose plugin fails.)"""
        section = self.cfg.queues[name].section
        step = ["its sched chain"]  # what the build is doing, for the message when it overruns
        deadline = self.settings.init_timeout
        try:
            monitors = {
                m: mon for m in section.get(MONITOR_SECTION) if (mon := self._monitor_for(m)) is not None
            }
            build = partial(
                build_queue, section, self.ctx, self.hub, self.reg, monitors, self.options.sleep, step.append
            )
            return self._starting(
                f"queue={name}",
                "(its plugins)",
                build,
                "what it built is closed; the queue starts at the next reload",
            )
        except Overran as exc:
            exc.running.future.add_done_callback(_close_late_runtime)
            return (
                f"its plugins did not start within {deadline:g}s ({INIT_TIMEOUT.name}): {step[-1]} was still "
                "starting; it is tried again at the next reload"
            )
        except (ConfigError, PluginNotFound) as exc:
            return str(exc)
        except Exception as exc:
            log.exception("queue=%s: its plugins failed to initialise", name)
            return f"its plugins failed to initialise: {type(exc).__name__}: {exc}"

    def _running(self) -> dict[str, RunningQueue]:
        return {name: RunningQueue(rt.section, self._stale(name)) for name, rt in self.queues.items()}

    def _stale(self, name: str) -> bool:
        state = self.states.get(name)
        return state is not None and state.stale_config

    def _apply(self, plans: Mapping[str, QueuePlan]) -> list[QueueRuntime]:
        """Carry out each queue's plan with the present context and status hub; returns the
        runtimes it replaced or stopped (for the caller to close)."""
        now = self.clock.time()
        closing: list[QueueRuntime] = []
        for name, plan in sorted(plans.items()):
            old = self.queues.get(name)
            action = plan.action
            if action is QueueAction.START:
                built = self._start(name)
                if isinstance(built, QueueRuntime):
                    if old is not None:
                        closing.append(old)
                        if old.overrun is not None and not old.overrun.done:
                            built.overrun = old.overrun  # the new runtime waits for it too
                        self._say_fixed(name, now)
                    self.queues[name] = built
                    self._built_with[name] = self.ctx
                    self.states.mark(name, QueueStateKind.RUNNING, now, restarted=True)
                elif old is not None:  # its new configuration cannot start: it goes on as it is
                    why = f"its new configuration cannot start: {built}"
                    self.states.mark(name, QueueStateKind.KEPT_LAST_GOOD, now, why)
                else:
                    log.error("queue=%s not started: %s", name, built)
                    self.states.mark(name, QueueStateKind.NOT_STARTED, now, built)
            elif action is QueueAction.KEEP:
                self.states.mark(name, QueueStateKind.RUNNING, now)
            elif action is QueueAction.KEEP_LAST_GOOD:
                self.states.mark(name, QueueStateKind.KEPT_LAST_GOOD, now, plan.reason, plan.problems)
            elif action is QueueAction.STOP:
                if old is not None:
                    closing.append(self.queues.pop(name))
                self._built_with.pop(name, None)
                log.info("queue=%s stops: %s", name, plan.reason)
                if name in self.cfg.queues:
                    self.states.mark(name, QueueStateKind.DISABLED, now, plan.reason)
            elif action is QueueAction.DISABLED:
                log.info("queue=%s disabled (%s)", name, plan.reason)
                self.states.mark(name, QueueStateKind.DISABLED, now, plan.reason)
            else:
                log.error("queue=%s not started: %s", name, plan.reason)
                self.states.mark(name, QueueStateKind.NOT_STARTED, now, plan.reason, plan.problems)
        self.states.retain([*self.cfg.queues, *self.queues])
        for state in self.states.of(QueueStateKind.KEPT_LAST_GOOD):
            log.warning("%s", state.stale_line(now))
        return closing

    def _say_fixed(self, name: str, now: float) -> None:
        state = self.states.get(name)
        if state is not None and state.stale_config:  # at the level of the warnings it ends
            log.warning(
                "queue=%s configuration fixed: its new configuration applies (it ran its last good "
                "configuration for %.0fs)",
                name,
                now - state.since,
            )

    def _summary(self) -> None:
        """Log what runs, and tell the monitors every queue's state (after the start or a reload)."""
        self.reporter.states_changed()
        if not self.settings.enablequeues:
            log.warning("[Factory] enablequeues = False: no queue runs")
        kept = [s.name for s in self.states.of(QueueStateKind.KEPT_LAST_GOOD)]
        log.info(
            "factory=%s queues running=%d of %d configured%s",
            self.settings.factory_id,
            len(self.queues),
            len(set(self.cfg.queues) | set(self.queues)),
            f"; on their last good configuration (stale-config): {', '.join(kept)}" if kept else "",
        )

    def _kept(self, plans: Mapping[str, QueuePlan]) -> list[QueueRuntime]:
        """The running queues a reload keeps on their last good configuration (as planned)."""
        return [
            self.queues[n]
            for n, p in sorted(plans.items())
            if p.action is QueueAction.KEEP_LAST_GOOD and n in self.queues
        ]

    def reload(self) -> ReloadKind:
        """Re-read the configuration (:meth:`read_reload`) and apply it (:meth:`apply_reload`)."""
        return self.apply_reload(self.read_reload())

    def read_reload(self) -> LoadedConfig | None:
        """The configuration read anew, or None when it cannot be used at all (logged: the running
        configuration is kept). Only reads files (and URLs, each within its deadline): a daemon
        runs it beside the cycles."""
        try:
            return self._load()
        except (FactoryConfigError, ConfigError) as exc:
            log.error("reload failed, keeping the running configuration: %s", exc)
        except Exception:  # a config plugin's bug must not stop a running factory
            log.exception("reload failed, keeping the running configuration")
        return None

    def apply_reload(self, cfg: LoadedConfig | None) -> ReloadKind:
        """Apply a configuration read by :meth:`read_reload` (None: it could not be read, nothing
        changes); restart only queues that were added, removed or changed. A configuration that
        would change the factory's identity (factoryId, statedir) or has no [Factory] section is
        refused: the running configuration is kept. A running queue whose new configuration has
        errors is kept on its last good configuration (``queue_states``). Then every ``on_reload``
        callback is called with what the reload did."""
        kind = ReloadKind.KEPT if cfg is None else self._apply_config(cfg)
        for callback in self.on_reload:
            try:
                callback(kind)
            except Exception:
                log.exception("after the reload: %r failed", callback)
        return kind

    def _apply_config(self, cfg: LoadedConfig) -> ReloadKind:
        refused = identity_changes(self.cfg, cfg)
        if refused:
            log.error(
                "reload refused, keeping the running configuration: %s. These identify the factory's "
                "pilots and state; to apply them, stop the factory and start it again",
                "; ".join(refused),
            )
            return ReloadKind.KEPT
        if not self.wait_actions(None):  # a stop came first
            return ReloadKind.KEPT
        full = cfg.factory.as_dict() != self.cfg.factory.as_dict() or _sections(cfg.monitors) != _sections(
            self.cfg.monitors
        )
        assert cfg.settings is not None
        new = {n: q.section.as_dict() for n, q in cfg.queues.items() if cfg.settings.enablequeues}
        diff = diff_queues({n: rt.section.as_dict() for n, rt in self.queues.items()}, new)
        log.info(
            "reload: added=%s removed=%s changed=%s unchanged=%d",
            list(diff.added),
            list(diff.removed),
            list(diff.changed),
            len(diff.unchanged),
        )
        plans = plan_reload(self._running(), cfg, rebuild_all=full)
        if full:
            self._rebuild(cfg, plans)
            return ReloadKind.FULL
        kept = self._kept(plans)
        self.cfg = cfg
        self.ctx.mappings = kept_mappings(self.ctx.mappings, cfg, kept, self.hub)
        self._profiles = kept_profiles(self._profiles, cfg, kept)
        sections = dict(self._profiles.sections)
        _with_auth(self.ctx, "reconfigure", lambda m: m.reconfigure(sections))
        closing = self._apply(plans)
        for rt in self.queues.values():  # a monitor that was still starting when its queue was built
            self._attach_monitors(rt)
        self._close_all(_queue_closers(closing), CLOSE_WAIT)
        self.hub.retain({k for rt in self.queues.values() for k in rt.status_keys})
        self._summary()
        return ReloadKind.QUEUES

    def _rebuild(self, cfg: LoadedConfig, plans: Mapping[str, QueuePlan]) -> None:
        """Every plugin anew for a configuration whose [Factory] or monitor sections changed; the
        queues kept on their last good configuration keep theirs (made with the previous context),
        moved to the new status hub and reporting to the new monitors."""
        log.info(
            "reload: [Factory] or monitor sections changed; every queue with a usable configuration "
            "starts anew"
        )
        kept = self._kept(plans)
        old_hub, old_ctx, old_monitors = self.hub, self.ctx, self.monitors
        mappings = kept_mappings(old_ctx.mappings, cfg, kept, old_hub)
        self._profiles = kept_profiles(self._profiles, cfg, kept)
        self.cfg = cfg
        self.monitor_calls.timeout = self.settings.monitor_timeout
        self.ctx = self._context(cfg, self._profiles.sections)
        self.ctx.mappings = mappings
        if self._auth_running:
            _with_auth(old_ctx, "stop", AuthManager.stop)
            _with_auth(self.ctx, "start", AuthManager.start)
        self.hub = StatusHub(self.ctx, self.reg, self.executors.polls, self.clock)
        self.cycle.reconfigure(self.settings, self.hub)  # batchsubmit.concurrency may have changed
        self.monitors = {}
        self._monitors_starting = set()
        closing = self._apply(plans)
        stale = [rt for name, rt in self.queues.items() if self._stale(name)]
        moved = self.hub.adopt(old_hub, {k for rt in stale for k in rt.status_keys})
        for rt in stale:
            rt.wms_key = moved.get(rt.wms_key, rt.wms_key) if rt.wms_key is not None else None
            rt.batch_key = moved.get(rt.batch_key, rt.batch_key)
            self._attach_monitors(rt)
            self._built_with[rt.name].auth = self.ctx.auth  # the old manager stops below
        self._close_all(_queue_closers(closing), CLOSE_WAIT)
        old_hub.close()
        self._close_all([(f"monitor {n}", m.close) for n, m in old_monitors.items()], CLOSE_WAIT)
        self._summary()

    # -- the auth manager's own checks ------------------------------------------------------------
    def start_auth(self) -> None:
        """Start the auth manager's periodic proxy checks (a reload keeps them going)."""
        _with_auth(self.ctx, "start", AuthManager.start)
        self._auth_running = True

    # -- stopping -------------------------------------------------------------------------------
    def shutdown(self, also: Sequence[Closer] = ()) -> None:
        """Let in-flight actions finish, then close every plugin (and ``also``: a daemon's services).
        After a stop request both share ``shutdown.grace`` (closing gets at least CLOSE_FLOOR
        seconds); what is still running then is named in the log and left behind (it runs on its
        own daemon thread, so the process can exit)."""
        if self._shut:
            return
        self._shut = True
        if not self.control.stop.is_set():
            # a cycle limit was reached: the last actions finish (each call has a deadline),
            # unless a stop signal comes meanwhile
            self.wait_actions(None)
        stopping = self.control.stop.is_set()
        grace = self.settings.shutdown_grace
        end = self.clock.time() + grace
        self.wait_actions(end)
        for rt in self.queues.values():
            if rt.is_acting():
                self.abandoned.append(f"queue={rt.name} submission still under way")
            if rt.overrun is not None and not rt.overrun.done:
                self.abandoned.append(f"queue={rt.name} {rt.overrun.describe()}")
        if self.abandoned:
            log.error(
                "stopping without waiting longer for: %s. Pilots such a call still creates are found "
                "by the batch status at the next start; the monitors do not hear of them",
                "; ".join(self.abandoned),
            )
        closing = _queue_closers(list(self.queues.values()))
        closing += [(f"monitor {n}", m.close) for n, m in self.monitors.items()]
        closing.append(("status sources", lambda: self.hub.close(max(0.0, end - self.clock.time()))))
        closing += also
        if self._auth_running:
            closing.append(("auth manager", lambda: _with_auth(self.ctx, "stop", AuthManager.stop)))
        wait = max(end - self.clock.time(), CLOSE_FLOOR) if stopping else max(grace, CLOSE_WAIT)
        self._close_all(closing, wait)
        self.executors.close()

    def _close_all(self, closing: Sequence[Closer], wait: float) -> None:
        self.abandoned += close_all(closing, self.executors.calls, wait, self.control, self.clock)


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


def _auth_manager(cfg: LoadedConfig, ctx: FactoryContext, reg: Registry) -> AuthManager | None:
    """The factory's auth manager for ``cfg`` (None, logged, when it cannot start: queues needing
    credentials then fail to submit, saying so)."""
    try:
        return AuthManager.from_config(cfg, ctx, reg)
    except Exception:
        log.exception("auth manager could not start; queues needing credentials will fail to submit")
        return None


def _close_late_runtime(fut: Future[QueueRuntime]) -> None:
    """A queue runtime whose build overran its deadline and finished later: nobody runs it; its
    submit plugin is closed (its status plugins, in the hub, are closed when no queue uses them)."""
    if fut.cancelled() or fut.exception() is not None:
        return
    rt = fut.result()
    try:
        rt.submitter.close()
    except Exception as exc:
        log.error(
            "queue=%s: closing the plugins that started late failed: %s: %s", rt.name, type(exc).__name__, exc
        )


def _queue_closers(queues: Sequence[QueueRuntime]) -> list[Closer]:
    return [(f"queue {rt.name}", rt.submitter.close) for rt in queues]


def _sections(sections: dict[str, ConfigSection]) -> dict[str, dict[str, str]]:
    return {name: sec.as_dict() for name, sec in sections.items()}


def _with_auth(ctx: FactoryContext, what: str, call: Callable[[AuthManager], None]) -> None:
    """``call`` on the auth manager of ``ctx`` when it has one; a failure is logged, never raised."""
    manager = ctx.auth
    if not isinstance(manager, AuthManager):
        return
    try:
        call(manager)
    except Exception:
        log.exception("auth manager %s failed", what)


__all__ = [
    "CycleReport",
    "Factory",
    "FactoryConfigError",
    "QueueState",
    "QueueStateKind",
    "ReloadKind",
    "RunOptions",
]
