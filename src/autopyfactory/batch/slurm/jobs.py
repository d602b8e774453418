"""A Slurm job as the factory sees it, whichever interface reported it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from autopyfactory.batch.slurm.tag import PilotTag
from autopyfactory.model.history import PilotTimes

# base states that are final (squeue -t all keeps them for MinJobAge; sacct for ever)
FINAL_STATES = frozenset(
    {
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
        "DEADLINE", "PREEMPTED", "SPECIAL_EXIT", "REVOKED",
    }
)  # fmt: skip
# states of a job that has not started (its start time, if any, is only the expected one)
WAITING_STATES = frozenset(
    {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"}
)


@dataclass(frozen=True, slots=True)
class SlurmJob:
    """One job or array task. ``pilot_id`` is ``<jobid>`` or ``<arrayjobid>_<index>`` (the APFCID);
    ``raw_id`` is Slurm's own id of the task (the same for every still-pending task of an array)."""

    pilot_id: str
    raw_id: str
    state: str
    tag: PilotTag | None
    submitted_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    held: bool = False  # priority 0: the scheduler will not start it (only REST listings tell)

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def ran(self) -> bool:
        """Whether the job started. A waiting job's start time is only the expected one, and a job
        cancelled while pending gets a start time equal to its end time."""
        if self.started_at is None or self.state in WAITING_STATES:
            return False
        return not (
            self.state == "CANCELLED" and self.ended_at is not None and self.ended_at <= self.started_at
        )

    def lives(self) -> PilotTimes | None:
        """When the pilot was submitted, started (if it did) and ended (if it has); None without a
        submit time."""
        if self.submitted_at is None:
            return None
        started = self.started_at if self.ran else None
        ended = (self.ended_at or started or self.submitted_at) if self.final else None
        return PilotTimes(self.submitted_at, started, ended)

    @property
    def index(self) -> int:
        """The array index (0 for a plain job), to order tasks that share one submit time."""
        _, _, idx = self.pilot_id.partition("_")
        return int(idx) if idx.isdigit() else 0


def base_state(text: str) -> str:
    """``CANCELLED by 0`` (sacct) and ``CANCELLED+`` (truncated) to ``CANCELLED``."""
    word = text.strip().split(" ", 1)[0].rstrip("+")
    return word.upper()


def parse_time(text: str) -> float | None:
    """A Slurm local timestamp (``2026-11-21T22:29:44``) as epoch seconds; None for N/A, Unknown, None."""
    s = text.strip()
    if not s or s[0] not in "0123456789":
        return None
    try:
        return datetime.fromisoformat(s).timestamp()
    except ValueError:
        return None


def format_time(epoch: float) -> str:
    """Epoch seconds as the local ``YYYY-MM-DDTHH:MM:SS`` that ``sacct -S`` accepts."""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%dT%H:%M:%S")


def expand_indexes(spec: str) -> list[int]:
    """Array index expression (``0-4``, ``1,3,5-9:2``, ``[0-99]%10``) to the indexes it names."""
    s = spec.strip().strip("[]").split("%", 1)[0].rstrip("]")
    out: list[int] = []
    for part in filter(None, (p.strip() for p in s.split(","))):
        rng, _, step = part.partition(":")
        lo, _, hi = rng.partition("-")
        if not hi:
            out.append(int(lo))
            continue
        out.extend(range(int(lo), int(hi) + 1, int(step) if step else 1))
    return out
