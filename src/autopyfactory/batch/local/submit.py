"""Batch submit plugin ``Local``: pilots as processes on the factory host."""

from __future__ import annotations

import os
import socket
from collections.abc import Hashable, Sequence

from autopyfactory.batch.environment import pilot_environment
from autopyfactory.batch.local.backend import BASE_ENV_KEYS, LocalBatch
from autopyfactory.batch.local.settings import KILL_GRACE, SLOTS, slots_of
from autopyfactory.batch.local.view import LocalBatchView, ReadOnlyRegistry
from autopyfactory.batch.logdir import pilot_log_dir
from autopyfactory.config.keys import BOOL, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.submit import BatchSubmitPlugin, PilotRef
from autopyfactory.wrapper.command import pilot_command

ENVIRON = Key("batchsubmit.local.environ", STR, "", "extra pilot environment, 'K=V K2=V2'")
GETENV = Key("batchsubmit.local.getenv", BOOL, False, "pass the factory's whole environment to pilots")


class LocalSubmit(BatchSubmitPlugin):
    """Batch submit plugin ``Local``: pilots as processes of this machine, through the Local backend."""

    name = "Local"
    batchstatus = "Local"
    key_prefix = "batchsubmit.local."
    keys = (ENVIRON, GETENV)
    factory_keys = (SLOTS, KILL_GRACE)

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.environ = queue.get(ENVIRON)
        self.getenv = queue.get(GETENV)
        self.argv = pilot_command(queue).argv
        self.monitor_url = ctx.monitor_url(queue)
        self.state_dir = ctx.settings.state_dir
        self.view: LocalBatchView | None = None
        self._backend: LocalBatch | None = None
        if ctx.read_only:  # a reporting tool: the registry is opened read-only, nothing can change
            self.view = LocalBatchView(self.state_dir)
        else:
            self._backend = LocalBatch.for_dir(
                self.state_dir, slots_of(ctx.factory), ctx.factory.get(KILL_GRACE)
            )
        self.host = socket.gethostname()

    @property
    def backend(self) -> LocalBatch:
        """The writable local batch system; a read-only context has none."""
        if self._backend is None:
            raise ReadOnlyRegistry("local batch opened read-only: cannot submit, remove or start pilots")
        return self._backend

    def concurrency_key(self) -> Hashable:
        return ("Local", str(self.state_dir.resolve()))

    def submit(self, n: int) -> list[PilotRecord]:
        logdir, url = pilot_log_dir(self.ctx.settings, self.apfqname)
        base = (
            dict(os.environ) if self.getenv else {k: os.environ[k] for k in BASE_ENV_KEYS if k in os.environ}
        )

        def env_for(pilot_id: str) -> dict[str, str]:
            env = dict(base)
            env.update(
                pilot_environment(
                    self.ctx.settings, self.apfqname, pilot_id, url, self.monitor_url, self.host, self.environ
                )
            )
            return env

        pilots = self.backend.submit(self.apfqname, n, self.argv, env_for, logdir)
        return [
            PilotRecord(p.id, self.apfqname, p.submitted, "submitted", f"{url}/{p.id}.out", self.log_files)
            for p in pilots
        ]

    def list_pilots(self) -> list[PilotRef]:
        pilots = (
            self.view.active(self.apfqname)
            if self.view is not None
            else self.backend.store.active(self.apfqname)
        )
        # a launch under way counts as pending, as in the status counts
        return [PilotRef(p.id, p.submitted, "pending" if p.state == "starting" else p.state) for p in pilots]

    def remove(self, pilot_ids: Sequence[str]) -> None:
        self.backend.remove(pilot_ids)

    # the registry removes a pilot only while it waits for a slot (LocalBatch.withdraw)
    can_withdraw = True

    def pending_pilots(self) -> list[PilotRef]:
        """Pilots waiting for a slot; not those whose launch is under way."""
        pilots = (
            self.view.active(self.apfqname)
            if self.view is not None
            else self.backend.store.active(self.apfqname)
        )
        return [PilotRef(p.id, p.submitted, "pending") for p in pilots if p.state == "pending"]

    def remove_pending(self, pilot_ids: Sequence[str]) -> list[str]:
        return self.backend.withdraw(pilot_ids)

    def cleanup(self) -> None:
        self.backend.schedule()
