"""The daemon: a factory run as a service, with signals, services and the loop."""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any

from autopyfactory.engine.closing import Closer
from autopyfactory.engine.factory import Factory, ReloadKind
from autopyfactory.engine.sd_notify import ServiceNotifier
from autopyfactory.loading.loader import LoadedConfig
from autopyfactory.plugins.queues_config import QueuesConfigPlugin

if TYPE_CHECKING:
    from autopyfactory.engine.metrics.service import MetricsService

log = logging.getLogger("autopyfactory.factory")

HARD_EXIT_MARGIN = 10.0  # the process exits at the latest shutdown.grace + this after SIGTERM
HURRY_EXIT_MARGIN = 1.0  # ... and at the latest this long after a second stop signal
IDLE_WAKE = 60.0  # seconds the loop sleeps when nothing is due


class Daemon:
    """Runs a :class:`~.factory.Factory` until told to stop (:meth:`run`).

    Signals (when run in the main thread): SIGTERM and SIGINT stop (in-flight submissions get
    ``shutdown.grace``), a second one exits without waiting, SIGHUP reloads. With
    ``options.hard_exit`` (the process is ours) the process exits with status 1 at the latest
    ``shutdown.grace`` + ``HARD_EXIT_MARGIN`` after the first signal, and ``HURRY_EXIT_MARGIN``
    after a second one, also while the interpreter waits at exit for a plugin's thread (the
    handlers stay installed). Services (unless ``options.services`` is False): the auth manager's
    checks, the pilot log server and log cleaning, which follow every reload. The loop: reload when
    asked (SIGHUP), when ``config.reconfig`` or a queue config plugin's refresh is due (the
    configuration is read beside the cycles, which go on meanwhile, and applied between two of
    them); run a cycle; sleep on the factory's clock until the next queue is due. It ends after ``options.cycles`` (or
    ``[Factory] cycles``) cycles, at a stop, or with no queue left (see :meth:`run`)."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.options = factory.options
        self.control = factory.control
        self.clock = factory.clock
        self.exit_reason = ""  # why run() returned a non-zero status
        self.services: list[Any] = []  # each has stop() and reconfigure(settings)
        self.metrics: MetricsService | None = None  # the factory's metrics (with the services)
        self._saved_signals: dict[int, Any] = {}
        self._reading: Future[LoadedConfig | None] | None = None  # a reload reading the configuration
        self.notifier = ServiceNotifier.from_environment()  # systemd Type=notify (READY, RELOADING, STOPPING)

    # -- requests -------------------------------------------------------------------------------
    def stop(self) -> None:
        self.control.request_stop()

    def request_reload(self) -> None:
        self.control.request_reload()

    def reload(self) -> ReloadKind:
        """Reload the factory's configuration now; the services follow it."""
        self.notifier.reloading()
        return self._applied(self.factory.read_reload())

    def _applied(self, cfg: LoadedConfig | None) -> ReloadKind:
        kind = self.factory.apply_reload(cfg)
        if kind is not ReloadKind.KEPT:
            self._reconfigure_services()
        self.notifier.ready(f"{len(self.factory.queues)} queue(s) running")
        return kind

    def _start_reading(self) -> None:
        """Read the configuration beside the cycles (a file over HTTP may take its whole deadline);
        the loop applies it once it is read (:meth:`_apply_read`)."""
        self.notifier.reloading()
        reading = self.factory.executors.calls.submit(self.factory.read_reload)
        reading.add_done_callback(lambda _: self.control.wake.set())
        self._reading = reading

    def _apply_read(self) -> None:
        """Apply the configuration read by :meth:`_start_reading`, once it is there."""
        reading = self._reading
        if reading is not None and reading.done():
            self._reading = None
            self._applied(reading.result())

    # -- services -------------------------------------------------------------------------------
    def start_services(self) -> None:
        """The auth manager's periodic checks, and (``options.services``) the factory's metrics, the
        log server and cleaner."""
        self.factory.start_auth()
        if not self.options.services:
            return
        from autopyfactory.engine.metrics.service import MetricsService
        from autopyfactory.logserver.services import LogServices, LogSettings

        self.metrics = MetricsService(self.factory).start()
        settings = LogSettings.from_config(self.factory.settings, self._queue_sections())
        self.services = [LogServices(settings, metrics=self.metrics.page).start()]

    def _queue_sections(self) -> dict[str, Any]:
        return dict(self.factory.queue_sections())

    def _reconfigure_services(self) -> None:
        if self.metrics is not None:
            self.metrics.reconfigure(self.factory.settings)
        if not self.services:
            return
        from autopyfactory.logserver.services import LogSettings

        settings = LogSettings.from_config(self.factory.settings, self._queue_sections())
        for service in self.services:
            try:
                service.reconfigure(settings)
            except Exception:
                log.exception("%s: reconfiguration failed", type(service).__name__)

    def _service_closers(self) -> list[Closer]:
        services = [*self.services, *([self.metrics] if self.metrics is not None else [])]
        return [(f"service {type(s).__name__}", s.stop) for s in services]

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> int:
        """Run cycles until the cycle limit, SIGTERM/SIGINT or (with abort_no_queues) no queue left.
        0 when stopped as asked; 1 when a cycle limit was given but no queue can run."""
        limit = self._cycles_limit()
        if limit == 0:
            log.info("cycles = 0: no queue runs")
            return 0
        self._install_signals()
        self.start_services()
        self.notifier.ready(f"{len(self.factory.queues)} queue(s) running")
        factory = self.factory
        rc = 0
        last_reload = self.clock.time()
        try:
            while not self.control.stop.is_set():
                if self.control.reload.is_set() and self._reading is None:
                    self.control.reload.clear()
                    self._start_reading()
                    last_reload = self.clock.time()
                reload_at = None if self._reading is not None else self._next_reload_at(last_reload)
                if reload_at is not None and self.clock.time() >= reload_at:
                    log.info("periodic reconfiguration")
                    self._start_reading()
                    last_reload = self.clock.time()
                    reload_at = None
                self._apply_read()
                if not factory.queues:
                    if limit is not None:
                        rc = 1
                        self.exit_reason = self._no_queue_reason(limit)
                        log.error("%s", self.exit_reason)
                        break
                    if factory.settings.abort_no_queues:
                        log.warning("no queue is running and abort_no_queues = True: exiting")
                        break
                factory.run_cycle(wait_until=partial(self._next_wake, reload_at))
                if limit is not None and factory.cycles_done >= limit:
                    log.info("ran %d cycle(s); done", factory.cycles_done)
                    break
                self._sleep_until_due(reload_at)
        finally:
            self.shutdown()
            if not self.options.hard_exit:  # else a signal while the process exits still ends it
                self._restore_signals()
        return rc

    def shutdown(self) -> None:
        """The factory's bounded stop, closing the services with its plugins. A reload still
        reading the configuration is dropped."""
        self.notifier.stopping()
        self.factory.shutdown(also=self._service_closers())
        if self._reading is not None and not self._reading.done():
            log.warning("stopped while a reload still read the configuration: the reload is dropped")
            self.factory.abandoned.append("a reload reading the configuration")

    def _cycles_limit(self) -> int | None:
        if self.options.cycles is not None:
            return self.options.cycles
        return self.factory.settings.cycles

    def _next_reload_at(self, last_reload: float) -> float | None:
        settings = self.factory.settings
        intervals = [float(settings.reconfig_interval)] if settings.reconfig else []
        for plugin in self.factory.cfg.queue_plugins:
            interval = plugin.refresh_interval() if isinstance(plugin, QueuesConfigPlugin) else None
            if interval:
                intervals.append(float(interval))
        return last_reload + min(intervals) if intervals else None

    def _no_queue_reason(self, limit: int) -> str:
        factory = self.factory
        if factory.not_started:
            why = "; ".join(f"{n}: {r}" for n, r in sorted(factory.not_started.items()))
        elif not factory.cfg.queues:
            why = "no queue is configured"
        else:
            why = "every queue was removed"
        return f"no queue can run, so the {limit} cycle(s) asked for cannot run ({why})"

    def _next_wake(self, reload_at: float | None) -> float | None:
        """When the loop has something to do next: a queue due (not one still acting), a reload."""
        times = [rt.next_due() for rt in self.factory.queues.values() if not rt.is_acting()]
        if reload_at is not None:
            times.append(reload_at)
        return min(times) if times else None

    def _sleep_until_due(self, reload_at: float | None) -> None:
        target = self._next_wake(reload_at)
        delay = IDLE_WAKE if target is None else max(0.05, target - self.clock.time())
        self.clock.wait(self.control.wake, delay)
        self.control.wake.clear()

    # -- signals --------------------------------------------------------------------------------
    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_stop(signum: int, frame: object) -> None:
            name = signal.Signals(signum).name
            if self.control.stop.is_set():
                log.warning("second %s: exiting now, without waiting for in-flight work", name)
                self.control.request_hurry()
                if self.options.hard_exit:
                    _arm_hard_exit(f"second {name}", HURRY_EXIT_MARGIN)
                return
            grace = self.factory.settings.shutdown_grace
            log.info(
                "signal %s: stopping after in-flight submissions (at most %gs, shutdown.grace)", name, grace
            )
            self.control.request_stop()
            if self.options.hard_exit:
                _arm_hard_exit(name, grace + HARD_EXIT_MARGIN)

        def on_hup(signum: int, frame: object) -> None:
            log.info("SIGHUP: reloading the configuration")
            self.control.request_reload()

        for sig, handler in ((signal.SIGTERM, on_stop), (signal.SIGINT, on_stop), (signal.SIGHUP, on_hup)):
            self._saved_signals[sig] = signal.signal(sig, handler)

    def _restore_signals(self) -> None:
        """Put back the handlers run() replaced (for programs and tests that embed the factory)."""
        for sig, handler in self._saved_signals.items():
            signal.signal(sig, handler)
        self._saved_signals.clear()


def _arm_hard_exit(signame: str, seconds: float) -> None:
    """The last resort behind the bounded stop: whatever still runs, the process ends."""

    def hard_exit() -> None:
        log.error("%s: not stopped %gs later; exiting now", signame, seconds)
        for handler in logging.getLogger().handlers:
            try:
                handler.flush()
            except Exception:
                pass
        os._exit(1)

    timer = threading.Timer(seconds, hard_exit)
    timer.daemon = True
    timer.start()
