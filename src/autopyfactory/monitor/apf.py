"""Monitor plugin ``APF`` (2.4's name): reports to an APFMon v2 service (``monitorURL``).

At start it registers the factory (``PUT /factories/<id>``); the first time it registers pilots of a
queue it registers the queue's label (``PUT /labels``, an update when the label exists); then the
pilots in shards (``PUT /jobs``, with the URLs of the log files their batch system writes). After
every cycle it sends every queue's status (configuration state, decision, action, inputs, the age of
the WMS data and the sources' last errors, the batch system's count of its pilots) in one request
per ``monitorShard`` queues (``POST /factories/<id>/cycle``); to a monitor that does not take that
(an older APFMon), each queue's sched message chain instead (``POST /labels/<id>:<queue>``, form
``status=``, as 2.4 did). All calls go through a background sender: nothing here waits for the
network, and a failure never stops a cycle."""

from __future__ import annotations

import logging
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from autopyfactory import __version__
from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.monitor.sender import Call, Reply, Sender
from autopyfactory.monitor.status_buffer import StatusBuffer, Taken
from autopyfactory.monitor.status_json import cycle_body
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.monitor_report import StatusReport

log = logging.getLogger(__name__)

MONITOR_URL = Key("monitorURL", STR, "", "APFMon API base URL, e.g. http://apfmon.example.org/api")
TOKEN = Key("monitorToken", STR, "", "this factory's token on the monitor (sent as Authorization: Bearer)")
TOKEN_FILE = Key(
    "monitorTokenFile",
    STR,
    "",
    "file holding the token (instead of monitorToken); relative: to the conf directory",
)
TIMEOUT = Key("monitorTimeout", NONNEG_FLOAT, 10.0, "seconds per HTTP request")
RETRIES = Key("monitorRetries", NONNEG_INT, 3, "retries of a call that failed on the network or with 5xx")
SHARD = Key("monitorShard", NONNEG_INT, 100, "pilots per PUT /jobs request, queues per status request")
QUEUE_SIZE = Key("monitorQueueSize", NONNEG_INT, 1000, "calls waiting to be sent; more are dropped")
CLOSE_WAIT = Key("monitorCloseWait", NONNEG_FLOAT, 10.0, "seconds to flush waiting calls at shutdown")


class APFMonitor(MonitorPlugin):
    """Monitor plugin ``APF``: tells an APFMon-compatible monitor about the factory, its pilots and its
    queues' messages, in the background (a bounded queue of calls)."""

    name = "APF"
    keys = (MONITOR_URL, TOKEN, TOKEN_FILE, TIMEOUT, RETRIES, SHARD, QUEUE_SIZE, CLOSE_WAIT)

    def __init__(self, ctx: FactoryContext, section: ConfigSection) -> None:
        super().__init__(ctx, section)
        url = section.get(MONITOR_URL)
        if not url:
            raise ValueError(f"monitor section [{section.name}]: monitorURL is required for the APF monitor")
        self.url = url.rstrip("/")
        self.fid = ctx.settings.factory_id
        self.shard = max(1, section.get(SHARD))
        self.close_wait = section.get(CLOSE_WAIT)
        headers = {"User-Agent": f"autopyfactory/{__version__}"}
        token = self._token(section, ctx.settings.conf_dir)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.sender = Sender(
            self.url,
            headers,
            section.get(TIMEOUT),
            section.get(RETRIES),
            max(1, section.get(QUEUE_SIZE)),
            section.name,
        )
        self._labels: set[str] = set()  # labels the monitor has (or is being sent)
        self._factory_failed = False  # the last registration of the factory failed
        self._lock = threading.Lock()
        self.statuses = StatusBuffer(self.shard)  # the queues' newest status, not yet sent
        self._taken: Taken | None = None  # the statuses of the send under way
        self.legacy = False  # the monitor takes no status batches: one status post per queue

    @staticmethod
    def _token(section: ConfigSection, conf_dir: Path) -> str:
        """The token: monitorTokenFile's content (a relative path is taken from the configuration
        directory, as the other files autopyfactory.conf names), else monitorToken."""
        path = section.get(TOKEN_FILE)
        if path:
            try:
                return (conf_dir / Path(path).expanduser()).read_text().strip()
            except OSError as exc:
                raise ValueError(
                    f"monitor section [{section.name}]: monitorTokenFile {path}: {exc}"
                ) from None
        return section.get(TOKEN)

    # -- the engine's calls -------------------------------------------------------------------
    def register_factory(self) -> None:
        """Queued at start; queued again before the next call after a failed one (a monitor that was
        down at start would otherwise refuse every label and pilot of this factory as unknown)."""
        s = self.ctx.settings
        body = {
            "version": __version__,
            "email": s.admin_email,
            "url": s.base_log_url,
            "type": "AutoPyFactory",
        }

        def done(ok: bool) -> None:
            with self._lock:
                self._factory_failed = not ok

        with self._lock:
            self._factory_failed = False
            self._labels.clear()  # (re)register each label once more after a (re)start
        self.sender.submit(
            Call("PUT", f"/factories/{_q(self.fid)}", f"register factory {self.fid}", json=body, on_done=done)
        )

    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None:
        if not pilots:
            return
        self._ensure_label(queue)
        items = [{"cid": p.pilot_id, "label": queue.name, "factory": self.fid, **log_urls(p)} for p in pilots]
        for i in range(0, len(items), self.shard):
            chunk = items[i : i + self.shard]
            self.sender.submit(
                Call("PUT", "/jobs", f"register {len(chunk)} pilot(s) of {queue.name}", json=chunk)
            )

    def report_status(self, report: StatusReport) -> None:
        """Keep the report's records (newest per queue) and queue a send unless one is queued."""
        if self.legacy:
            super().report_status(report)
            return
        self._ensure_factory()
        if self.statuses.put(report):
            self._queue_status()

    def update_label(self, queue: ConfigSection, message: str) -> None:
        """One queue's status message (the form APF 2.4 posted), for a monitor without status batches."""
        self._ensure_label(queue)
        self.sender.submit(
            Call(
                "POST",
                f"/labels/{_q(self.fid)}:{_q(queue.name)}",
                f"status of {queue.name}",
                form={"status": message},
            )
        )

    def close(self) -> None:
        self.sender.close(self.close_wait)

    # -- the queues' status ---------------------------------------------------------------------
    def _queue_status(self) -> None:
        call = Call(
            "POST",
            f"/factories/{_q(self.fid)}/cycle",
            "status of the queues",
            body=self._status_body,
            on_reply=self._status_sent,
        )
        if not self.sender.submit(call):
            self.statuses.cancel()

    def _status_body(self) -> dict[str, object] | None:
        """On the sender's thread, when the call goes: the newest records (None: none left)."""
        taken = self.statuses.take()
        self._taken = taken
        return None if taken is None else cycle_body(taken, time.monotonic())

    def _status_sent(self, reply: Reply) -> None:
        taken, self._taken = self._taken, None
        if taken is None:
            return
        if reply.ok:
            if self.statuses.sent(taken, True, False):
                self._queue_status()
            return
        unknown_factory = reply.status == 404 and "is not registered" in reply.text
        if reply.status in (404, 405) and not unknown_factory:
            self.statuses.sent(taken, False, True)
            self._go_legacy(reply)
            return
        if unknown_factory:
            with self._lock:
                self._factory_failed = True  # registered again before the next call
        keep = reply.status is None or reply.status >= 500 or unknown_factory
        self.statuses.sent(taken, False, keep)

    def _go_legacy(self, reply: Reply) -> None:
        """The monitor does not take status batches (an older APFMon): from now on each queue's
        message chain goes alone, as APF 2.4 sent it."""
        self.legacy = True
        log.warning(
            "monitor %s: takes no queue status batches (HTTP %s %s): sending each queue's sched "
            "messages to /labels/<factory>:<queue> instead, one request per queue and cycle",
            self.url,
            reply.status,
            reply.text[:100],
        )
        taken = self.statuses.take()
        while taken is not None:
            for h in taken.held:
                if h.record.cycled and h.record.chain and not h.record.error:
                    self.update_label(h.record.section, h.record.chain)
            taken = self.statuses.take()

    # -- helpers ------------------------------------------------------------------------------
    def _ensure_factory(self) -> None:
        """Register the factory again when its last registration failed."""
        with self._lock:  # taken and cleared at once: queues reporting together register it once
            retry_factory, self._factory_failed = self._factory_failed, False
        if retry_factory:
            self.register_factory()

    def _ensure_label(self, queue: ConfigSection) -> None:
        self._ensure_factory()
        with self._lock:
            if queue.name in self._labels:
                return
            self._labels.add(queue.name)
        item = {
            "name": queue.name,
            "factory": self.fid,
            "wmsqueue": queue.raw("wmsqueue") or "",
            "batchqueue": queue.raw("batchqueue") or "",
            "resource": "",
            "localqueue": "",
        }

        def done(ok: bool) -> None:
            if not ok:  # try again with the next call for this queue
                with self._lock:
                    self._labels.discard(queue.name)

        self.sender.submit(Call("PUT", "/labels", f"register label {queue.name}", json=[item], on_done=done))


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="")


URL_FIELDS = {"out": "stdouturl", "err": "stderrurl", "log": "logurl"}


def log_urls(p: PilotRecord) -> dict[str, str]:
    """The URLs of the pilot's log files its batch system writes (the monitor links only these)."""
    if not p.log_url:
        return {}
    stem = p.log_url[: -len(".out")] if p.log_url.endswith(".out") else ""
    urls = {"stdouturl": p.log_url}
    if stem:
        urls.update({URL_FIELDS[ext]: f"{stem}.{ext}" for ext in p.log_files if ext in ("err", "log")})
    return urls
