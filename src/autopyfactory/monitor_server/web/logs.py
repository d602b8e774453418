"""Links to a pilot's logs: the URLs the factory registered, or the factory's log URL layout
(``<url>/<YYYY-MM-DD>/<queue>/<cid>.out|.err|.log``, UTC day of submission)."""

from __future__ import annotations

import time

from autopyfactory.batch.logdir import queue_dirname
from autopyfactory.monitor_server.records import Job
from autopyfactory.monitor_server.web.filters import weblink


def log_links(job: Job, factory_url: str) -> list[tuple[str, str]]:
    if job.stdouturl:
        base = job.stdouturl[: -len(".out")] if job.stdouturl.endswith(".out") else ""
        links = [("out", job.stdouturl)]
        links.append(("err", job.stderrurl or (base + ".err" if base else "")))
        links.append(("log", job.logurl or (base + ".log" if base else "")))
        return [(n, weblink(u)) for n, u in links if weblink(u)]
    if not weblink(factory_url):
        return []
    day = time.strftime("%Y-%m-%d", time.gmtime(job.created))
    base = f"{factory_url.rstrip('/')}/{day}/{queue_dirname(job.label)}/{job.cid}"
    return [("out", base + ".out"), ("err", base + ".err"), ("log", base + ".log")]
