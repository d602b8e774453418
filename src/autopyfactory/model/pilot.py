"""A pilot the factory created."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PilotRecord:
    """One submitted pilot. ``pilot_id`` is the batch id (``cluster.proc`` for HTCondor and Local,
    ``jobid`` or ``jobid_index`` for Slurm); it is the APFCID the wrapper reports under."""

    pilot_id: str
    queue: str
    submitted_at: float
    state: str = "submitted"
    log_url: str = ""
