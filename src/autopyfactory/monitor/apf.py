"""Monitor plugin ``APF`` (2.4's name): reports to an APFMon v2 service (``monitorURL``).

At start it registers the factory (``PUT /factories/<id>``); the first time it reports on a queue
it registers the queue's label (``PUT /labels``, an update when the label exists); then the pilots in shards (``PUT /jobs``); after every cycle it posts the
queue's sched message chain (``POST /labels/<id>:<queue>``, form ``status=``). All calls go through a
background sender: nothing here waits for the network, and a failure never stops a cycle."""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from autopyfactory import __version__
from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.monitor.sender import Call, Sender
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin

log = logging.getLogger(__name__)

MONITOR_URL = Key("monitorURL", STR, "", "APFMon API base URL, e.g. http://apfmon.example.org/api")
TOKEN = Key("monitorToken", STR, "", "this factory's token on the monitor (sent as Authorization: Bearer)")
TOKEN_FILE = Key("monitorTokenFile", STR, "", "file holding the token (instead of monitorToken)")
TIMEOUT = Key("monitorTimeout", NONNEG_FLOAT, 10.0, "seconds per HTTP request")
RETRIES = Key("monitorRetries", NONNEG_INT, 3, "retries of a call that failed on the network or with 5xx")
SHARD = Key("monitorShard", NONNEG_INT, 100, "pilots per PUT /jobs request")
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
        token = self._token(section)
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

    @staticmethod
    def _token(section: ConfigSection) -> str:
        path = section.get(TOKEN_FILE)
        if path:
            try:
                return Path(path).expanduser().read_text().strip()
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
        items = [
            {"cid": p.pilot_id, "label": queue.name, "factory": self.fid, "stdouturl": p.log_url}
            for p in pilots
        ]
        for i in range(0, len(items), self.shard):
            chunk = items[i : i + self.shard]
            self.sender.submit(
                Call("PUT", "/jobs", f"register {len(chunk)} pilot(s) of {queue.name}", json=chunk)
            )

    def update_label(self, queue: ConfigSection, message: str) -> None:
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

    # -- helpers ------------------------------------------------------------------------------
    def _ensure_label(self, queue: ConfigSection) -> None:
        with self._lock:  # taken and cleared at once: queues reporting together register it once
            retry_factory, self._factory_failed = self._factory_failed, False
        if retry_factory:
            self.register_factory()
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
