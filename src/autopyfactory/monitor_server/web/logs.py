"""Links to a pilot's logs: exactly the URLs its factory registered (a factory registers the files
its batch system writes: a Slurm pilot has no ``.log``), or, for a pilot registered without any
(APF 2.4), the factory's log URL layout ``<url>/<YYYY-MM-DD>/<queue>/<cid>.out|.err|.log`` (UTC day
of submission) that 2.4's HTCondor pilots fill. A URL that is not http(s) or ftp gets no link."""

from __future__ import annotations

import time

from autopyfactory.batch.logdir import queue_dirname
from autopyfactory.monitor_server.records import Job
from autopyfactory.monitor_server.web.filters import weblink


def log_links(job: Job, factory_url: str) -> list[tuple[str, str]]:
    registered = [("out", job.stdouturl), ("err", job.stderrurl), ("log", job.logurl)]
    if any(u for _, u in registered):
        return [(n, weblink(u)) for n, u in registered if weblink(u)]
    if not weblink(factory_url):
        return []
    day = time.strftime("%Y-%m-%d", time.gmtime(job.created))
    base = f"{factory_url.rstrip('/')}/{day}/{queue_dirname(job.label)}/{job.cid}"
    return [("out", base + ".out"), ("err", base + ".err"), ("log", base + ".log")]
