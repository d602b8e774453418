"""Listing and removing one queue's pilots in a schedd (retirement, ``kill-pilots``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from autopyfactory.batch.htcondor.jobs import LIVE_STATUSES, STATUS_PROJECTION, JobAd, queue_constraint
from autopyfactory.batch.htcondor.schedd import ScheddHandle

log = logging.getLogger(__name__)


def live_pilots(h: ScheddHandle, apfqname: str, statuses: tuple[int, ...] = LIVE_STATUSES) -> list[JobAd]:
    """The queue's pilots in ``statuses``, oldest submission first (ties: cluster, proc)."""
    ads = h.call(
        "query",
        lambda s: s.query(queue_constraint(apfqname, statuses), list(STATUS_PROJECTION)),
    )
    jobs = [j for j in (JobAd.from_ad(a) for a in ads) if j is not None]
    return sorted(jobs, key=lambda j: (j.qdate, j.cluster, j.proc))


def remove_jobs(h: ScheddHandle, job_ids: Sequence[str], reason: str) -> int:
    """``Schedd.act(JobAction.Remove, ids)``; returns how many the schedd removed."""
    if not job_ids:
        return 0
    import htcondor2

    result = h.call("remove", lambda s: s.act(htcondor2.JobAction.Remove, list(job_ids), reason))
    done = int(result.get("TotalSuccess", 0) or 0) if result is not None else 0
    if done != len(job_ids):
        log.warning(
            "%s: removed %d of %d pilots (not found: %s, bad status: %s)",
            h.location,
            done,
            len(job_ids),
            result.get("TotalNotFound") if result is not None else "?",
            result.get("TotalBadStatus") if result is not None else "?",
        )
    return done
