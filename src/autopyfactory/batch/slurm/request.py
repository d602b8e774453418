"""One submission: n pilots of one queue, as a single job or one job array."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autopyfactory.batch.slurm.tag import PilotTag


@dataclass(frozen=True, slots=True)
class JobOptions:
    """What the queue configures for each of its pilots (resources and placement)."""

    partition: str = ""
    account: str = ""
    qos: str = ""
    time_limit: str = ""
    cpus: int | None = None
    memory: str = ""
    export: str = ""
    chdir: str = ""
    options: tuple[str, ...] = ()  # extra sbatch words (CLI mode)


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """One sbatch submission: the pilots' tag, how many (a job array when more than one), the script and
    options."""

    tag: PilotTag
    count: int
    script: str
    log_dir: Path
    opts: JobOptions = JobOptions()

    @property
    def array(self) -> bool:
        return self.count > 1

    @property
    def array_spec(self) -> str:
        return f"0-{self.count - 1}"

    def log_path(self, ext: str) -> str:
        """stdout/stderr pattern: ``<jobid>_<index>.<ext>`` for array tasks, ``<jobid>.<ext>`` otherwise,
        i.e. ``<pilot id>.<ext>`` (the GTAG URL points there)."""
        return str(self.log_dir / (f"%A_%a.{ext}" if self.array else f"%j.{ext}"))

    def pilot_ids(self, job_id: str) -> list[str]:
        if not self.array:
            return [job_id]
        return [f"{job_id}_{i}" for i in range(self.count)]
