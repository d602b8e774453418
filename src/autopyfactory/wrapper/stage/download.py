"""Downloading one URL to a file: ``file://`` copies, ``http(s)://`` with a timeout per attempt,
retries with exponential backoff for transient failures, all within an overall deadline."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("wrapper.download")

CHUNK = 1 << 16


@dataclass(frozen=True)
class RetryPolicy:
    """How downloads retry: attempts per URL, backoff, timeout."""

    attempts: int = 3  # per URL
    backoff: float = 2.0  # seconds before the second attempt; doubles each time
    timeout: float = 60.0  # socket timeout of one attempt
    deadline: float = 600.0  # overall, for everything fetched under this policy


class FetchFailed(Exception):
    """This URL cannot be fetched; ``transient`` says whether trying again might help."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Deadline:
    """A point in time after which no more attempts start."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.end = clock() + seconds

    def left(self) -> float:
        return self.end - self.clock()


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _copy_file_url(url: str, dest: str) -> None:
    parsed = urllib.parse.urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        raise FetchFailed(f"file URL with a host is not supported: {url}", transient=False)
    path = urllib.request.url2pathname(parsed.path)
    try:
        shutil.copyfile(path, dest)
    except FileNotFoundError:
        raise FetchFailed(f"no such file: {path}", transient=False) from None
    except IsADirectoryError:
        raise FetchFailed(f"is a directory: {path}", transient=False) from None
    except OSError as exc:
        # cvmfs or NFS hiccups are worth another try
        raise FetchFailed(f"cannot read {path}: {exc.strerror or exc}", transient=True) from None


def _http_get(url: str, dest: str, timeout: float) -> None:
    req = urllib.request.Request(url, headers={"User-Agent": "autopyfactory-wrapper"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, CHUNK)
    except urllib.error.HTTPError as exc:
        transient = exc.code >= 500 or exc.code in (408, 429)
        raise FetchFailed(f"HTTP {exc.code} {exc.reason} from {url}", transient) from None
    except urllib.error.URLError as exc:
        raise FetchFailed(f"cannot reach {url}: {exc.reason}", transient=True) from None
    except TimeoutError:
        raise FetchFailed(f"timed out after {timeout:.0f}s fetching {url}", transient=True) from None
    except OSError as exc:
        raise FetchFailed(f"error fetching {url}: {exc}", transient=True) from None


def fetch_once(url: str, dest: str, timeout: float) -> None:
    """One attempt; writes ``dest`` atomically. Raises FetchFailed."""
    part = dest + ".part"
    try:
        if url.startswith("file://"):
            _copy_file_url(url, part)
        elif url.startswith(("http://", "https://")):
            _http_get(url, part, timeout)
        else:
            raise FetchFailed(f"unsupported URL scheme: {url}", transient=False)
        os.replace(part, dest)
    finally:
        if os.path.exists(part):
            os.unlink(part)


def fetch(
    url: str,
    dest: str,
    policy: RetryPolicy,
    deadline: Deadline,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Fetch ``url`` to ``dest`` with retries for transient failures. Raises FetchFailed (the last)."""
    delay = policy.backoff
    for attempt in range(1, max(1, policy.attempts) + 1):
        left = deadline.left()
        if left <= 0:
            raise FetchFailed(f"overall pilot code timeout reached before fetching {url}", transient=False)
        try:
            fetch_once(url, dest, min(policy.timeout, left))
            return
        except FetchFailed as exc:
            log.warning("attempt %d/%d: %s", attempt, policy.attempts, exc)
            if not exc.transient or attempt >= policy.attempts:
                raise
            wait = min(delay, max(0.0, deadline.left()))
            if wait <= 0:
                raise FetchFailed(f"overall pilot code timeout reached: {exc}", transient=False) from None
            sleep(wait)
            delay *= 2
