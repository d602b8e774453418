"""A Slurm job as the factory sees it, whichever interface reported it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from autopyfactory.batch.slurm.tag import PilotTag

# base states that are final (squeue -t all keeps them for MinJobAge; sacct for ever)
FINAL_STATES = frozenset(
    {
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
        "DEADLINE", "PREEMPTED", "SPECIAL_EXIT", "REVOKED",
    }
)  # fmt: skip


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

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

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
