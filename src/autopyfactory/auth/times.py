"""Times as operators read them: ``2030-03-17 18:46:40Z`` and ``8m20s``."""

from __future__ import annotations

import datetime as dt


def when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def duration(seconds: float) -> str:
    s = int(abs(seconds))
    if s >= 86400:
        text = f"{s // 86400}d{s % 86400 // 3600}h"
    elif s >= 3600:
        text = f"{s // 3600}h{s % 3600 // 60:02d}m"
    else:
        text = f"{s // 60}m{s % 60:02d}s"
    return "-" + text if seconds < 0 else text
