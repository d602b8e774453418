"""Getting the pandaqueue JSON: download (or read) it, remember the last good copy in memory and in
the state directory, and fall back to that copy when CRIC cannot be reached."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx

from autopyfactory.config.sources import is_url, resolve_path
from autopyfactory.cric.model import parse_document
from autopyfactory.net.deadline import http_client

log = logging.getLogger(__name__)


class CRICUnavailable(RuntimeError):
    """No usable document: the source failed and there is no earlier copy."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A CRIC document and when it was fetched (``stale_reason``: an earlier copy is used)."""

    doc: Any
    fetched_at: float
    stale_reason: str = ""  # set when an earlier copy is used because the source failed


class CRICSource:
    """``spec`` is an http(s) URL, a ``file://`` URL or a path (relative to the configuration
    directory). URLs are downloaded at most once per ``sleep`` seconds (the factory reloads queues
    every ``sleep`` seconds, so each reload sees a fresh copy); files are read at every load."""

    _memory: ClassVar[dict[str, tuple[bytes, float]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, spec: str, conf_dir: Path, cache_dir: Path | None, timeout: float, sleep: float
    ) -> None:
        self.spec = spec.strip()
        self.conf_dir = conf_dir
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.sleep = sleep

    @classmethod
    def forget(cls) -> None:
        """Drop in-memory copies (tests)."""
        with cls._lock:
            cls._memory.clear()

    @property
    def cache_file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha1(self.spec.encode()).hexdigest()[:12]
        return self.cache_dir / f"pandaqueues-{digest}.json"

    def get(self) -> Fetched:
        now = time.time()
        with self._lock:
            cached = self._memory.get(self.spec)
        # 0.9: a reload timed 'sleep' after the last one must not find the copy still fresh
        if cached is not None and is_url(self.spec) and now - cached[1] < 0.9 * self.sleep:
            return Fetched(json.loads(cached[0]), cached[1])
        try:
            body = self._read()
            doc = json.loads(body)
            parse_document(doc)  # refuse a document of the wrong shape before it replaces a good copy
        except (OSError, httpx.HTTPError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            earlier = cached or self._from_disk()
            if earlier is None:
                raise CRICUnavailable(f"cannot get {self.spec}: {reason}") from None
            age = now - earlier[1]
            log.warning("CRIC source %s failed (%s); using the copy from %.0fs ago", self.spec, reason, age)
            return Fetched(
                json.loads(earlier[0]), earlier[1], f"{reason}; using the copy from {age:.0f}s ago"
            )
        with self._lock:
            self._memory[self.spec] = (body, now)
        self._to_disk(body)
        return Fetched(doc, now)

    def _read(self) -> bytes:
        if is_url(self.spec):
            with http_client(self.timeout, follow_redirects=True) as client:
                r = client.get(self.spec, headers={"Accept": "application/json"})
                r.raise_for_status()
                return r.content
        return resolve_path(self.spec, self.conf_dir).read_bytes()

    def _from_disk(self) -> tuple[bytes, float] | None:
        f = self.cache_file
        if f is None or not f.is_file():
            return None
        try:
            return f.read_bytes(), f.stat().st_mtime
        except OSError:
            return None

    def _to_disk(self, body: bytes) -> None:
        f = self.cache_file
        if f is None:
            return
        try:
            f.parent.mkdir(parents=True, exist_ok=True)
            tmp = f.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(f)
        except OSError as exc:
            log.warning("cannot keep a copy of %s in %s: %s", self.spec, f, exc.strerror)
