"""Pilot code sources, as 2.4's ``--wrapperpilotcode`` / ``--wrapperpilotcoderatio`` /
``--wrapperpilotcodechecksum`` describe them.

``--wrapperpilotcode`` is a comma-separated list of *groups*. A group written in brackets is a
failover list of mirrors of the same file, tried in order::

    ['file:///cvmfs/example.org/pilot.tar.gz', 'https://a.example.org/pilot.tar.gz'], https://b.example.org/dev.tar.gz

One group is chosen at random, weighted by ``--wrapperpilotcoderatio`` (``99,1``); without a ratio the
first group is used, as in 2.4. ``--wrapperpilotcodechecksum`` lists one expected sha256 per group
(``sha256:<hex>`` or ``<hex>``; an empty entry means "not checked"); a URL may also carry its own as
``#sha256=<hex>``, or as ``#md5=<hex>`` (what 2.4 checked; compat24.py writes 2.4's md5 lists so)."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from .exitcodes import USAGE, StageError

SCHEMES = ("file://", "http://", "https://")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class Source:
    """One URL to fetch, with its checksums."""

    url: str
    sha256: str | None = None
    md5: str | None = None  # 2.4's checksum, per URL


@dataclass(frozen=True)
class SourceGroup:
    """Mirrors of one download, tried in turn, with the group's weight."""

    sources: tuple[Source, ...]
    weight: float = 1.0


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets."""
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise StageError(USAGE, f"unbalanced ']' in pilot code sources: {text!r}")
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if depth != 0:
        raise StageError(USAGE, f"unbalanced '[' in pilot code sources: {text!r}")
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        s = s[1:-1].strip()
    return s


def parse_checksum(text: str) -> str | None:
    """``sha256:<hex>`` or ``<hex>`` to lower-case hex; empty gives None. Raises StageError."""
    s = _unquote(text)
    if not s or s.lower() == "none":
        return None
    if s.lower().startswith("sha256:"):
        s = s[len("sha256:") :]
    if not _HEX64.match(s):
        raise StageError(USAGE, f"not a sha256 checksum (64 hex digits): {text.strip()!r}")
    return s.lower()


def parse_md5(text: str) -> str:
    s = text.strip()
    if not _HEX32.match(s):
        raise StageError(USAGE, f"not an md5 checksum (32 hex digits): {s!r}")
    return s.lower()


def parse_source(text: str) -> Source:
    url = _unquote(text)
    sha = md5 = None
    if "#sha256=" in url:
        url, frag = url.split("#sha256=", 1)
        sha = parse_checksum(frag)
    elif "#md5=" in url:
        url, frag = url.split("#md5=", 1)
        md5 = parse_md5(frag)
    if not url.startswith(SCHEMES):
        raise StageError(USAGE, f"pilot code URL must be file://, http:// or https://: {url!r}")
    return Source(url, sha, md5)


def parse_groups(spec: str) -> list[tuple[str, ...]]:
    """The URL texts of each group, in order."""
    groups: list[tuple[str, ...]] = []
    for part in _split_top(spec):
        if not part:
            continue
        if part.startswith("["):
            if not part.endswith("]"):
                raise StageError(USAGE, f"text after ']' in pilot code group: {part!r}")
            urls = tuple(u for u in (_unquote(x) for x in part[1:-1].split(",")) if u)
            if not urls:
                raise StageError(USAGE, "empty pilot code group '[]'")
            groups.append(urls)
        else:
            groups.append((_unquote(part),))
    return groups


def parse_ratio(text: str, ngroups: int) -> list[float]:
    """The weights; without a ratio only the first group (2.4: "no ratio, one source")."""
    if not text.strip():
        return [1.0] + [0.0] * (ngroups - 1)
    try:
        weights = [float(x) for x in text.split(",")]
    except ValueError:
        raise StageError(USAGE, f"pilot code ratio must be numbers like 99,1: {text!r}") from None
    if len(weights) != ngroups:
        raise StageError(USAGE, f"pilot code ratio has {len(weights)} weights for {ngroups} source groups")
    if not all(math.isfinite(w) for w in weights):
        raise StageError(USAGE, f"pilot code ratio needs finite numbers (no nan or inf): {text!r}")
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise StageError(USAGE, f"pilot code ratio needs weights >= 0, not all 0: {text!r}")
    return weights


def build_groups(spec: str, ratio: str = "", checksums: str = "") -> list[SourceGroup]:
    """The source groups of a 2.4 specification. Raises StageError(USAGE) for a malformed one."""
    texts = parse_groups(spec)
    if not texts:
        return []
    weights = parse_ratio(ratio, len(texts))
    sums: list[str | None] = [None] * len(texts)
    if checksums.strip():
        given = [parse_checksum(c) for c in checksums.split(",")]
        if len(given) != len(texts):
            raise StageError(USAGE, f"{len(given)} pilot code checksums for {len(texts)} source groups")
        sums = given
    groups = []
    for i, urls in enumerate(texts):
        sources = []
        for u in urls:
            src = parse_source(u)
            sources.append(Source(src.url, src.sha256 or sums[i], src.md5))
        groups.append(SourceGroup(tuple(sources), weights[i]))
    return groups


def choose(groups: list[SourceGroup], rng: random.Random) -> SourceGroup:
    """One group, picked at random by weight."""
    if len([g for g in groups if g.weight > 0]) == 1:
        return next(g for g in groups if g.weight > 0)
    return rng.choices(groups, weights=[g.weight for g in groups], k=1)[0]
