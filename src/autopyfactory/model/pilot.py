"""A pilot the factory created."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PilotRecord:
    """One submitted pilot. ``pilot_id`` is the batch id (``cluster.proc`` for HTCondor and Local,
    ``jobid`` or ``jobid_index`` for Slurm); it is the APFCID the wrapper reports under.

    ``log_url`` is its stdout's URL (``<dir url>/<id>.out``); ``log_files`` the files its batch
    system writes beside it, by extension (its submit plugin's ``log_files``: Slurm writes no ``.log``):
    the links a monitor may show."""

    pilot_id: str
    queue: str
    submitted_at: float
    state: str = "submitted"
    log_url: str = ""
    log_files: tuple[str, ...] = ("out", "err", "log")
