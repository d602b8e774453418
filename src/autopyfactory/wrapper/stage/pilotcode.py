"""Fetching pilot code: pick a source group, fail over between its mirrors, verify the sha256,
unpack tarballs safely. Used by every plugin that runs downloaded code (generic, panda, glidein)."""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import random
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from .download import Deadline, FetchFailed, RetryPolicy, fetch, sha256_of
from .exitcodes import CHECKSUM, PILOTCODE, StageError
from .sources import Source, SourceGroup, build_groups, choose
from .unpack import is_tarball, safe_extract

log = logging.getLogger("wrapper.pilotcode")


@dataclass(frozen=True)
class PilotCode:
    """Pilot code fetched for the payload: where from, the file, and its unpacked tree."""

    url: str  # where it came from
    file: str  # the downloaded file
    root: str  # the unpacked tree, or the directory holding the file
    unpacked: bool
    sha256: str

    def find(self, name: str) -> str | None:
        """``name`` at the top of the code or one directory down (tarballs often have a top dir)."""
        if not self.unpacked:
            return self.file if os.path.basename(self.file) == name else None
        direct = os.path.join(self.root, name)
        if os.path.isfile(direct):
            return direct
        for entry in sorted(os.listdir(self.root)):
            candidate = os.path.join(self.root, entry, name)
            if os.path.isfile(candidate):
                return candidate
        return None


def _filename(url: str) -> str:
    name = posixpath.basename(urllib.parse.urlparse(url).path)
    return name if name and name not in (".", "..", "unpacked") else "pilotcode"


def _mismatch(src: Source, path: str, digest: str) -> str:
    """What is wrong with the file's checksums, or ""."""
    if src.sha256 and digest != src.sha256:
        return f"expected sha256 {src.sha256}, got {digest}"
    if src.md5:
        try:
            h = hashlib.md5()
        except ValueError:  # FIPS mode
            return "md5 is not available on this node to check it"
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                h.update(block)
        if h.hexdigest() != src.md5:
            return f"expected md5 {src.md5}, got {h.hexdigest()}"
    return ""


def fetch_group(
    group: SourceGroup,
    dest_dir: str,
    policy: RetryPolicy,
    deadline: Deadline | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PilotCode:
    """The first mirror of ``group`` that delivers a file with the right checksum.

    Raises StageError: CHECKSUM when some mirror delivered a file whose sha256 did not match and none
    delivered a good one, PILOTCODE otherwise."""
    deadline = deadline or Deadline(policy.deadline)
    os.makedirs(dest_dir, exist_ok=True)
    failures: list[str] = []
    mismatch = False
    for i, src in enumerate(group.sources):
        src_dir = os.path.join(dest_dir, f"source{i}")
        os.makedirs(src_dir, exist_ok=True)
        dest = os.path.join(src_dir, _filename(src.url))
        log.info("fetching pilot code from %s", src.url)
        try:
            fetch(src.url, dest, policy, deadline, sleep)
        except FetchFailed as exc:
            failures.append(str(exc))
            log.warning("pilot code source failed, trying the next one: %s", exc)
            continue
        digest = sha256_of(dest)
        wrong = _mismatch(src, dest, digest)
        if wrong:
            mismatch = True
            msg = f"checksum mismatch for {src.url}: {wrong}"
            failures.append(msg)
            log.error("%s; refusing this file", msg)
            os.unlink(dest)
            continue
        log.info("pilot code from %s: %d bytes, sha256 %s", src.url, os.path.getsize(dest), digest)
        if is_tarball(dest):
            root = os.path.join(src_dir, "unpacked")
            names = safe_extract(dest, root)
            log.info("unpacked %d entries into %s", len(names), root)
            return PilotCode(src.url, dest, root, True, digest)
        return PilotCode(src.url, dest, src_dir, False, digest)
    detail = "; ".join(failures) or "no sources"
    if mismatch:
        raise StageError(CHECKSUM, f"pilot code refused, no source had the expected checksum: {detail}")
    raise StageError(PILOTCODE, f"pilot code could not be fetched: {detail}")


def fetch_pilot_code(
    spec: str,
    ratio: str,
    checksums: str,
    dest_dir: str,
    policy: RetryPolicy,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PilotCode:
    """Choose a group of ``spec`` (2.4 syntax, see sources.py) and fetch it. Raises StageError."""
    groups = build_groups(spec, ratio, checksums)
    if not groups:
        raise StageError(PILOTCODE, "no pilot code sources given")
    if len(groups) > 1 and not ratio.strip():
        log.warning(
            "%d pilot code groups and no --wrapperpilotcoderatio: only the first is used, as in 2.4;"
            " give a ratio (e.g. 99,1) to use the others",
            len(groups),
        )
    group = choose(groups, rng or random.Random())
    if len(groups) > 1:
        log.info("chose pilot code group %s (of %d)", [s.url for s in group.sources], len(groups))
    return fetch_group(group, dest_dir, policy, Deadline(policy.deadline), sleep)
