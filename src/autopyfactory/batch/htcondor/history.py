"""Recently finished pilots from ``Schedd.history``, read incrementally (``since`` the newest job
seen at the previous poll) and kept for a window."""

from __future__ import annotations

from autopyfactory.batch.htcondor.jobs import HISTORY_PROJECTION, QUEUE_ATTR, JobAd
from autopyfactory.batch.htcondor.schedd import ScheddHandle

MAX_RECORDS = 100_000


class HistoryTracker:
    """Finished pilots whose ``EnteredCurrentStatus`` is within ``window`` seconds."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._jobs: dict[str, JobAd] = {}
        self._newest: str | None = None

    def update(self, h: ScheddHandle, now: float) -> list[JobAd]:
        cutoff = now - self.window
        constraint = f"{QUEUE_ATTR} =!= undefined && EnteredCurrentStatus >= {int(cutoff)}"
        since = self._newest
        ads = h.call(
            "history",
            lambda s: s.history(constraint, list(HISTORY_PROJECTION), match=MAX_RECORDS, since=since),
        )
        new = [j for j in (JobAd.from_ad(a) for a in ads) if j is not None]
        if new:
            self._newest = new[0].job_id  # history is newest first
        for j in new:
            self._jobs[j.job_id] = j
        self._jobs = {k: j for k, j in self._jobs.items() if j.entered >= cutoff}
        return list(self._jobs.values())
