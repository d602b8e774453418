"""Jinja filters: times, ages and percentages."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

LINK_SCHEMES = ("http", "https", "ftp")


def ts(t: float | None) -> str:
    return "-" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def age(t: float | None, now: float) -> str:
    if t is None:
        return "never"
    d = max(0.0, now - t)
    if d < 90:
        return f"{d:.0f}s ago"
    if d < 5400:
        return f"{d / 60:.0f}min ago"
    if d < 2 * 86400:
        return f"{d / 3600:.1f}h ago"
    return f"{d / 86400:.0f}d ago"


def duration(seconds: float | None) -> str:
    """A length of time: ``12s``, ``4.5min``, ``2.0h``, ``3d``."""
    if seconds is None:
        return "-"
    d = max(0.0, seconds)
    if d < 90:
        return f"{d:.0f}s"
    if d < 5400:
        return f"{d / 60:.1f}min"
    if d < 2 * 86400:
        return f"{d / 3600:.1f}h"
    return f"{d / 86400:.0f}d"


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"


def weblink(url: str | None) -> str:
    """``url`` if it may be a link on the page (http, https, ftp), else "": factories register
    URLs, and a ``javascript:`` one would run in the reader's browser."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in LINK_SCHEMES else ""
