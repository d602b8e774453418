"""A background HTTP sender for monitor calls: a bounded queue, one thread, bounded retries.

Callers never wait for the network: ``submit`` queues the call (or drops it when the queue is full,
counted in ``stats.dropped``) and returns. Calls are sent in order; a call that fails with a connection error, a timeout or a 5xx
reply is retried ``retries`` times with a growing pause; other 4xx replies are final."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from autopyfactory.net.deadline import http_client

log = logging.getLogger(__name__)
RETRYABLE = {408, 425, 429}
ANSWER_LIMIT = 1 << 20  # the monitor's answers are small; a longer one is an error


@dataclass(frozen=True, slots=True)
class Reply:
    """How a call ended: the last HTTP status (None: no answer) and the start of the answer's text."""

    status: int | None
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 300


@dataclass(frozen=True, slots=True)
class Call:
    """One call to the monitor: HTTP method, path and body, and how to name it in the log.

    ``body``, when given, makes the JSON body when the call is sent (not when it is queued), so the
    newest data goes; it returns None when there is nothing left to send (the call is skipped).
    ``on_done(ok)`` and ``on_reply(reply)`` are called on the sender's thread when the call ended."""

    method: str
    path: str  # appended to the base URL
    what: str  # for log lines: "register 20 pilots of QUEUE"
    json: Any = None
    form: dict[str, str] | None = None
    on_done: Callable[[bool], None] | None = field(default=None, compare=False)
    body: Callable[[], Any] | None = field(default=None, compare=False)
    on_reply: Callable[[Reply], None] | None = field(default=None, compare=False)


@dataclass
class SenderStats:
    """What the sender did: calls sent, failed and dropped (the queue was full)."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0


class Sender:
    """Sends monitor calls on a background thread from a bounded queue, with retries; never blocks
    the cycle."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        timeout: float = 10.0,
        retries: int = 3,
        maxsize: int = 1000,
        name: str = "apfmon",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.stats = SenderStats()
        self._q: queue.Queue[Call | None] = queue.Queue(maxsize)
        self._client = http_client(timeout, max_bytes=ANSWER_LIMIT, headers=headers)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"monitor-{name}", daemon=True)
        self._thread.start()

    def submit(self, call: Call) -> bool:
        """Queue ``call``; False (and a warning) when the queue is full or the sender is closed."""
        if self._stop.is_set():
            return False
        try:
            self._q.put_nowait(call)
            return True
        except queue.Full:
            self.stats.dropped += 1
            log.warning("monitor %s: queue full, dropped: %s", self.base_url, call.what)
            return False

    def close(self, wait: float) -> None:
        """Send what is queued for at most ``wait`` seconds, then stop (the rest is dropped)."""
        deadline = time.monotonic() + wait
        while not self._q.empty() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        try:
            self._q.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(max(0.1, deadline - time.monotonic()))
        left = self._q.qsize()
        if left:
            log.warning("monitor %s: %d call(s) not sent at close", self.base_url, left)
        self._client.close()

    def _run(self) -> None:
        while True:
            call = self._q.get()
            if call is None or self._stop.is_set():
                return
            try:
                body = call.body() if call.body is not None else call.json
            except Exception:
                log.exception("monitor %s: %s: cannot make the body", self.base_url, call.what)
                continue
            if call.body is not None and body is None:
                continue  # nothing left to send
            reply = self._send(call, body)
            try:
                if call.on_done is not None:
                    call.on_done(reply.ok)
                if call.on_reply is not None:
                    call.on_reply(reply)
            except Exception:
                log.exception("monitor callback failed")

    def _send(self, call: Call, body: Any) -> Reply:
        url = self.base_url + call.path
        reply = Reply(None)
        for attempt in range(self.retries + 1):
            if self._stop.is_set():
                return reply
            try:
                r = self._client.request(call.method, url, json=body, data=call.form)
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                reply = Reply(None, reason)
            else:
                reply = Reply(r.status_code, r.text.strip()[:300])
                if reply.ok:
                    self.stats.sent += 1
                    log.debug("monitor %s: %s -> %d %s", self.base_url, call.what, r.status_code, reply.text)
                    return reply
                reason = f"HTTP {r.status_code}: {reply.text}"
                if r.status_code < 500 and r.status_code not in RETRYABLE:
                    break
            if attempt < self.retries:
                self._stop.wait(min(0.5 * 2**attempt, 5.0))
        self.stats.failed += 1
        log.warning("monitor %s: %s failed: %s", self.base_url, call.what, reason)
        return reply
