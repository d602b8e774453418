"""The Slurm cluster through its command-line tools (sbatch, squeue, sacct, scancel)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from autopyfactory.batch.slurm.jobs import SlurmJob
from autopyfactory.batch.slurm.request import SubmitRequest
from autopyfactory.batch.slurm.runner import CommandResult, SlurmError, run_command
from autopyfactory.batch.slurm.sacct import DISABLED, parse_sacct, sacct_argv
from autopyfactory.batch.slurm.sbatch import parse_parsable, sbatch_argv
from autopyfactory.batch.slurm.settings import SlurmEndpoint
from autopyfactory.batch.slurm.squeue import held_pending_argv, parse_held_pending, parse_squeue, squeue_argv
from autopyfactory.batch.slurm.withdraw import withdraw_pending

log = logging.getLogger(__name__)

CANCEL_CHUNK = 500


class SlurmCLI:
    """Slurm through its command line tools (sbatch, squeue, sacct, scancel)."""

    def __init__(self, endpoint: SlurmEndpoint, accounting: str = "auto") -> None:
        self.endpoint = endpoint
        self.accounting = accounting  # auto until detected, then sacct, jobcomp or none
        self.env = dict(os.environ)
        if endpoint.slurm_conf:
            self.env["SLURM_CONF"] = endpoint.slurm_conf

    def _run(self, argv: Sequence[str], stdin: str | None = None) -> CommandResult:
        return run_command(argv, self.endpoint.timeout, self.env, stdin)

    def submit(self, request: SubmitRequest) -> list[str]:
        res = self._run(sbatch_argv(request, self.endpoint.cluster), stdin=request.script).check()
        return request.pilot_ids(parse_parsable(res.stdout))

    def jobs(self) -> list[SlurmJob]:
        return parse_squeue(self._run(squeue_argv(self.endpoint.cluster)).check().stdout)

    def finished(self, since: float) -> list[SlurmJob] | None:
        if self.accounting == "auto":
            self.accounting = self._detect(since)
            log.info("%s: finished pilots from %s", self.endpoint.describe(), self.accounting)
        if self.accounting == "none":
            return None
        argv = sacct_argv(since, self.accounting == "jobcomp", self.endpoint.cluster)
        return parse_sacct(self._run(argv).check().stdout)

    def _detect(self, since: float) -> str:
        """sacct when slurmdbd answers, else sacct -c when a completion log is readable, else none."""
        res = self._run(sacct_argv(since, False, self.endpoint.cluster))
        if res.returncode == 0:
            return "sacct"
        if DISABLED not in (res.stdout + res.stderr).lower():
            raise SlurmError(f"sacct exited {res.returncode}: {(res.stderr or res.stdout).strip()[:200]}")
        res = self._run(sacct_argv(since, True, self.endpoint.cluster))
        return "jobcomp" if res.returncode == 0 else "none"

    def cancel(self, pilot_ids: Sequence[str]) -> None:
        ids = list(pilot_ids)
        for i in range(0, len(ids), CANCEL_CHUNK):
            argv = ["scancel", *ids[i : i + CANCEL_CHUNK]]
            if self.endpoint.cluster:
                argv.insert(1, f"--clusters={self.endpoint.cluster}")
            self._run(argv).check()

    def _chunks(self, command: str, pilot_ids: Sequence[str]) -> list[CommandResult]:
        ids = list(pilot_ids)
        out = []
        for i in range(0, len(ids), CANCEL_CHUNK):
            argv = [*command.split(), *ids[i : i + CANCEL_CHUNK]]
            if self.endpoint.cluster:
                argv.insert(1, f"--clusters={self.endpoint.cluster}")
            out.append(self._run(argv))
        return out

    def withdraw(self, pilot_ids: Sequence[str]) -> list[str]:
        return withdraw_pending(self, pilot_ids)

    def hold(self, pilot_ids: Sequence[str]) -> None:
        for res in self._chunks("scontrol hold", pilot_ids):
            if res.returncode != 0:  # some already started or ended: the read after tells
                log.debug("scontrol hold: %s", (res.stderr or res.stdout).strip()[:300])

    def held_pending(self, pilot_ids: Sequence[str]) -> set[str]:
        text = self._run(held_pending_argv(self.endpoint.cluster)).check().stdout
        return parse_held_pending(text) & set(pilot_ids)

    def release(self, pilot_ids: Sequence[str]) -> None:
        for res in self._chunks("scontrol release", pilot_ids):
            if res.returncode != 0:
                log.debug("scontrol release: %s", (res.stderr or res.stdout).strip()[:300])

    def close(self) -> None:
        pass
