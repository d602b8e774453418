"""Withdrawing pilots that have not started: one ``Schedd.act(JobAction.Remove, constraint)`` whose
constraint the schedd evaluates at removal time, so a pilot that started meanwhile is never removed.

"Not started" is what the schedd itself knows at that moment:

- every universe: ``JobStatus == 1`` (idle). The schedd marks a job running as soon as it spawns
  its shadow, under the same lock that evaluates the constraint;
- grid universe (``JobUniverse == 9``, every CE/BLAH/GRAM/ARC/SSH flavour): the local status only
  mirrors the remote one, polled by the gridmanager. Such a job counts as not started only when the
  gridmanager has not handed it to the remote side yet (``GridJobId`` undefined), or when the
  remote side last reported a waiting state (``GridJobStatus``, below). A submitted job whose remote
  state is not known yet, or anything else, is left alone. A pilot that started at the site since
  the gridmanager's last poll can still be removed: no one on the factory's side can know earlier.

Which ids went: when the schedd removed all it was asked for, all; otherwise (a race) the ads
whose ``RemoveReason`` is this call's own (a token makes it unique), in the queue or its history."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from autopyfactory.batch.htcondor.description import classad_string
from autopyfactory.batch.htcondor.jobs import STATUS_PROJECTION, JobAd, queue_constraint
from autopyfactory.batch.htcondor.schedd import ScheddHandle

log = logging.getLogger(__name__)

GRID_UNIVERSE = 9
# GridJobStatus values (upper case; ClassAd string comparison ignores case) that say the remote
# side holds the job without having started it: HTCondor-CE and BLAH batch types (HTCondor
# names), CREAM, GRAM, ARC and NorduGrid, and an EC2 instance not booted yet
WAITING_GRID_STATES = (
    "IDLE",
    "PENDING",
    "UNSUBMITTED",
    "STAGE_IN",
    "REGISTERED",
    "ACCEPTING",
    "ACCEPTED",
    "PREPARING",
    "PREPARED",
    "SUBMITTING",
    "QUEUING",
    "INLRMS:Q",
)


def not_started() -> str:
    """The ClassAd condition for a pilot that has not started (module docstring)."""
    waiting = ", ".join(classad_string(s) for s in WAITING_GRID_STATES)
    grid = f"GridJobId =?= undefined || member(GridJobStatus, {{{waiting}}}) =?= true"
    return f"JobStatus == 1 && (JobUniverse =!= {GRID_UNIVERSE} || ({grid}))"


def withdrawable(apfqname: str) -> str:
    """The queue's pilots that have not started."""
    return f"{queue_constraint(apfqname)} && {not_started()}"


def _ids_constraint(job_ids: Sequence[str]) -> str:
    terms = []
    for jid in job_ids:
        cluster, _, proc = jid.partition(".")
        if not (cluster.isdigit() and proc.isdigit()):
            raise ValueError(f"not an HTCondor job id: {jid!r}")
        terms.append(f"(ClusterId == {cluster} && ProcId == {proc})")
    return "(" + " || ".join(terms) + ")"


def pending_jobs(h: ScheddHandle, apfqname: str) -> list[JobAd]:
    """The queue's pilots that have not started, oldest submission first (ties: cluster, proc)."""
    ads = h.call("query", lambda s: s.query(withdrawable(apfqname), list(STATUS_PROJECTION)))
    jobs = [j for j in (JobAd.from_ad(a) for a in ads) if j is not None]
    return sorted(jobs, key=lambda j: (j.qdate, j.cluster, j.proc))


def withdraw_jobs(h: ScheddHandle, apfqname: str, job_ids: Sequence[str]) -> list[str]:
    """Remove those of ``job_ids`` that are the queue's and have still not started when the schedd
    acts; the ids removed."""
    if not job_ids:
        return []
    import htcondor2

    reason = f"autopyfactory: withdrawing pending pilots of {apfqname} ({uuid.uuid4().hex[:12]})"
    ids = _ids_constraint(job_ids)
    constraint = f"{withdrawable(apfqname)} && {ids}"
    result = h.call("remove", lambda s: s.act(htcondor2.JobAction.Remove, constraint, reason))
    done = int(result.get("TotalSuccess", 0) or 0) if result is not None else 0
    if done == len(job_ids):
        return list(job_ids)
    if done == 0:
        return []
    # some started (or left) meanwhile: the ones this call removed carry its reason
    mine = f"{ids} && RemoveReason =?= {classad_string(reason)}"
    projection = ["ClusterId", "ProcId"]
    ads = [
        *h.call("query", lambda s: s.query(mine, projection)),
        *h.call("history", lambda s: s.history(mine, projection, match=len(job_ids))),
    ]
    found = {f"{int(a['ClusterId'])}.{int(a['ProcId'])}" for a in ads}
    gone = [j for j in job_ids if j in found]
    if len(gone) != done:
        log.warning(
            "%s: the schedd removed %d pending pilots of %s, %d found by their removal reason",
            h.location,
            done,
            apfqname,
            len(gone),
        )
    return gone
