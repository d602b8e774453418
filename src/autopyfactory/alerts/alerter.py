"""``Alerter``: raises alerts (throttled per problem) to the log, to the admin's mail and to the
affected queues' monitor labels. Mail goes out from a thread of its own, so a slow or dead SMTP
server delays no credential check and no submission."""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
import time
from collections.abc import Callable

from autopyfactory.alerts.alert import Alert
from autopyfactory.alerts.mail import Mailer
from autopyfactory.alerts.throttle import Throttle

log = logging.getLogger(__name__)

MonitorNotice = Callable[[str, str], None]  # (queue, message)
QUEUE_MAX = 1000


class Alerter:
    """Raises each alert, at most once per problem per ``interval``, to the log, the admin's mail (sent
    from a thread of its own) and the affected queues' monitor labels; muted, it raises nothing."""

    def __init__(
        self,
        mailer: Mailer | None,
        interval: float,
        now: Callable[[], float] = time.monotonic,
        subject_prefix: str = "autopyfactory",
        muted: bool = False,
    ) -> None:
        self.mailer = mailer
        self.muted = muted  # a one-off tool's manager: no alert at all
        self.throttle = Throttle(interval, now)
        self.prefix = subject_prefix
        self.notice: MonitorNotice | None = None
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._outbox: queue.Queue[tuple[str, str] | None] = queue.Queue(QUEUE_MAX)
        self._sender: threading.Thread | None = None

    def set_monitor_notice(self, notice: MonitorNotice | None) -> None:
        self.notice = notice

    def active(self) -> set[str]:
        with self._lock:
            return set(self._active)

    def alert(self, a: Alert) -> bool:
        """Raise ``a``; False when the same problem was raised within the interval (nothing sent)."""
        if self.muted:
            return False
        with self._lock:
            self._active.add(a.key)
        if not self.throttle.allow(a.key):
            return False
        log.error("ALERT %s: %s", a.subject, a.body.replace("\n", " | "))
        if self.mailer is not None:
            self._mail(f"[{self.prefix}] {a.subject}", a.body)
        notice = self.notice
        if notice is not None:
            for q in a.queues:
                try:
                    notice(q, a.label_text())
                except Exception:
                    log.exception("monitor message for queue %s failed", q)
        return True

    def resolved(self, key: str, what: str) -> None:
        """The problem ``key`` is gone (logged once; mail is not sent for it)."""
        with self._lock:
            if key not in self._active:
                return
            self._active.discard(key)
        log.info("resolved: %s", what)

    # -- mail ------------------------------------------------------------------------------------
    def _mail(self, subject: str, body: str) -> None:
        with self._lock:
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(target=self._send_loop, name="alert-mail", daemon=True)
                self._sender.start()
        try:
            self._outbox.put_nowait((subject, body))
        except queue.Full:
            log.error("alert mail dropped (%d waiting for the SMTP server): %s", QUEUE_MAX, subject)

    def _send_loop(self) -> None:
        assert self.mailer is not None
        while True:
            item = self._outbox.get()
            try:
                if item is None:
                    return
                subject, body = item
                try:
                    self.mailer.send(subject, body)
                    log.info("alert mailed to %s: %s", ", ".join(self.mailer.recipients), subject)
                except (OSError, smtplib.SMTPException) as exc:
                    log.error(
                        "alert mail to %s via %s failed: %s",
                        ", ".join(self.mailer.recipients),
                        self.mailer.server,
                        exc,
                    )
            finally:
                self._outbox.task_done()

    def flush(self, timeout: float) -> bool:
        """Wait until queued mail has been handed to the SMTP server (or failed); False at ``timeout``."""
        end = time.monotonic() + timeout
        while self._outbox.unfinished_tasks:
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)
        return True

    def close(self, timeout: float = 5.0) -> None:
        t = self._sender
        if t is not None and t.is_alive():
            try:
                self._outbox.put(None, timeout=timeout)
            except queue.Full:
                return
            t.join(timeout)
