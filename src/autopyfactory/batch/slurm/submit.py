"""Batch submit plugin ``Slurm``: n pilots as one ``sbatch --parsable`` job array (or one job), or
through slurmrestd; retirement with ``scancel``; withdrawal of pilots that have not started by holding
them first (:mod:`.withdraw`)."""

from __future__ import annotations

import logging
import shlex
import socket
import time
from collections.abc import Hashable, Sequence
from pathlib import Path

from autopyfactory.batch.environment import pilot_environment
from autopyfactory.batch.logdir import pilot_log_dir
from autopyfactory.batch.slurm import submit_keys
from autopyfactory.batch.slurm.backend import SlurmBackend, backend_for
from autopyfactory.batch.slurm.jobscript import PILOT_ID, build_script
from autopyfactory.batch.slurm.limits import memory_mb, time_minutes
from autopyfactory.batch.slurm.request import JobOptions, SubmitRequest
from autopyfactory.batch.slurm.settings import ENDPOINT_KEYS, FACTORY_KEYS, REST_TOKEN_PROFILE, SlurmEndpoint
from autopyfactory.batch.slurm.tag import PilotTag
from autopyfactory.config.credentials import TOKEN, CredentialRef
from autopyfactory.config.problems import ConfigError, error
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.submit import BatchSubmitPlugin, PilotRef
from autopyfactory.wrapper.command import pilot_command

log = logging.getLogger(__name__)

LIVE_STATES = frozenset({"PENDING", "CONFIGURING", "RUNNING", "SUSPENDED", "REQUEUED", "RESIZING"})


class SlurmSubmit(BatchSubmitPlugin):
    """Batch submit plugin ``Slurm``: pilots as Slurm jobs (job arrays for several), tagged with the factory
    and queue."""

    name = "Slurm"
    batchstatus = "Slurm"
    log_files = ("out", "err")  # sbatch --output and --error; Slurm writes no job log beside them
    key_prefix = "batchsubmit.slurm."
    keys = (*ENDPOINT_KEYS, *submit_keys.SUBMIT_KEYS)
    factory_keys = FACTORY_KEYS

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.endpoint = SlurmEndpoint.from_config(queue, ctx.factory)
        self.backend: SlurmBackend = backend_for(self.endpoint, auth=ctx.auth, queue=self.apfqname)
        self.tag = PilotTag(ctx.settings.factory_id, self.apfqname)
        command = pilot_command(queue)
        self.bundled = command.bundled
        self.argv = command.argv
        self.transfer = queue.get(submit_keys.TRANSFER)
        self.environ = queue.get(submit_keys.ENVIRON)
        self.max_array = max(1, queue.get(submit_keys.MAX_ARRAY))
        self.monitor_url = ctx.monitor_url(queue)
        self.host = socket.gethostname()
        self.opts = JobOptions(
            partition=queue.get(submit_keys.PARTITION),
            account=queue.get(submit_keys.ACCOUNT),
            qos=queue.get(submit_keys.QOS),
            time_limit=queue.get(submit_keys.TIME),
            cpus=queue.get(submit_keys.CPUS),
            memory=queue.get(submit_keys.MEMORY),
            export=queue.get(submit_keys.EXPORT),
            chdir=queue.get(submit_keys.CHDIR),
            options=tuple(shlex.split(queue.get(submit_keys.OPTIONS))),
        )
        self._check_rest(queue)

    def _check_rest(self, queue: ConfigSection) -> None:
        if self.endpoint.mode != "rest":
            return
        for key, convert in ((submit_keys.TIME, time_minutes), (submit_keys.MEMORY, memory_mb)):
            raw = queue.get(key)
            if raw:
                try:
                    convert(raw)
                except ValueError as exc:
                    raise error(queue.origin_of(key.name), queue.name, key.name, str(exc), raw) from None
        for key in (submit_keys.OPTIONS, submit_keys.EXPORT):
            if queue.get(key):
                log.warning("queue=%s %s is ignored in rest mode", self.apfqname, key.name)

    @classmethod
    def credentials(cls, queue: ConfigSection) -> tuple[CredentialRef, ...]:
        try:
            profiles = queue.get(REST_TOKEN_PROFILE)
        except ConfigError:
            return ()
        return (CredentialRef(REST_TOKEN_PROFILE.name, TOKEN, profiles),) if profiles else ()

    def concurrency_key(self) -> Hashable:
        return ("Slurm", self.endpoint.key())

    def _script(self, url: str) -> str:
        env = pilot_environment(
            self.ctx.settings, self.apfqname, PILOT_ID, url, self.monitor_url, self.host, self.environ
        )
        return build_script(self.argv, env, self._shipped_executable())

    def _shipped_executable(self) -> bytes | None:
        """The executable's bytes when it travels inside the script: for the bundled wrapper, the
        self-contained form (bootstrap plus its Python stage)."""
        if not self.transfer:
            return None
        if self.bundled:
            from autopyfactory.wrapper.bundle import bundle_script

            return bundle_script().encode("utf-8")
        return Path(self.argv[0]).read_bytes()

    def submit(self, n: int) -> list[PilotRecord]:
        logdir, url = pilot_log_dir(self.ctx.settings, self.apfqname)
        script = self._script(url)
        records: list[PilotRecord] = []
        left = n
        while left > 0:
            count = min(left, self.max_array)
            req = SubmitRequest(self.tag, count, script, logdir, self.opts)
            try:
                ids = self.backend.submit(req)
            except Exception:
                if records:  # an earlier array went in: report what exists
                    log.exception("queue=%s submitted %d of %d, then failed", self.apfqname, len(records), n)
                    return records
                raise
            now = time.time()
            records.extend(
                PilotRecord(pid, self.apfqname, now, "submitted", f"{url}/{pid}.out", self.log_files)
                for pid in ids
            )
            left -= count
        return records

    def list_pilots(self) -> list[PilotRef]:
        """This queue's pending and running pilots; array tasks that share a submit time are ordered
        by index (a higher index counts as newer)."""
        refs: list[PilotRef] = []
        for job in self.backend.jobs():
            if job.tag != self.tag or job.state not in LIVE_STATES:
                continue
            refs.append(PilotRef(job.pilot_id, (job.submitted_at or 0.0) + job.index * 1e-6, job.state))
        return refs

    def remove(self, pilot_ids: Sequence[str]) -> None:
        self.backend.cancel(pilot_ids)

    # held first, cancelled only while still pending (batch/slurm/withdraw.py)
    can_withdraw = True

    def pending_pilots(self) -> list[PilotRef]:
        return [p for p in self.list_pilots() if p.state == "PENDING"]

    def remove_pending(self, pilot_ids: Sequence[str]) -> list[str]:
        return self.backend.withdraw(pilot_ids)

    def close(self) -> None:
        self.backend.close()
