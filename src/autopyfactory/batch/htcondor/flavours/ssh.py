"""``CondorSSH``: pilots through BOSCO to a remote batch system over SSH (grid type ``batch``)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import CondorBase, JobContext
from autopyfactory.batch.htcondor.bosco import ensure_cluster
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.keys import INT, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import AuthFailure, FactoryContext

P = "batchsubmit.condorssh."
BATCH = Key(P + "batch", STR, None, "remote batch system: slurm, pbs, lsf, sge, condor", required=True)
HOST = Key(P + "host", STR, None, "login host of the remote cluster", required=True)
PORT = Key(P + "port", INT, 22, "ssh port (informational; BOSCO uses ~/.ssh/config)")
USER = Key(P + "user", STR, None, "remote account", required=True)
AUTHPROFILE = Key(P + "authprofile", STR, None, "auth.conf SSH profile with the key pair", required=True)


class CondorSSH(CondorBase):
    name = "CondorSSH"
    level = Level(P, (BATCH, HOST, PORT, USER, AUTHPROFILE))

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.batch: str = self.view.get(BATCH)
        self.target = f"{self.view.get(USER)}@{self.view.get(HOST)}"
        self.authprofile: str = self.view.get(AUTHPROFILE)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        if self.ctx.auth is None:
            raise AuthFailure(f"queue {self.apfqname} needs SSH profile {self.authprofile}: no auth manager")
        _pub, priv, passfile = self.ctx.auth.ssh_key_paths(self.authprofile)
        resource = f"batch {self.batch} {self.target} --rgahp-key {priv}"
        if passfile:
            resource += f" --rgahp-pass {passfile}"
        d.set("universe", "grid")
        d.set("grid_resource", resource)
        d.set("+TransferOutput", '""')
        super().add_lines(d, job)

    def submit(self, n: int) -> list[PilotRecord]:
        ensure_cluster(self.target, self.batch)
        return super().submit(n)
