"""``CondorSSH``: pilots through BOSCO to a remote batch system over SSH (grid type ``batch``).

``grid_resource`` is 2.4's: ``batch <batch> <user>@<host> --rgahp-key <private key>``. A passphrase
file of the SSH profile is added as ``--rgahp-pass`` only with the opt-in
``batchsubmit.condorssh.rgahppass = True`` (2.4 never wrote it; BOSCO then uses the passphrase it
was given when the cluster was added)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import CondorBase, JobContext
from autopyfactory.batch.htcondor.bosco import ensure_cluster
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.credentials import SSH, CredentialRef
from autopyfactory.config.keys import BOOL, INT, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import AuthFailure, FactoryContext

PREFIX = "batchsubmit.condorssh."
BATCH = Key(PREFIX + "batch", STR, None, "remote batch system: slurm, pbs, lsf, sge, condor", required=True)
HOST = Key(PREFIX + "host", STR, None, "login host of the remote cluster", required=True)
PORT = Key(PREFIX + "port", INT, 22, "ssh port (informational; BOSCO uses ~/.ssh/config)")
USER = Key(PREFIX + "user", STR, None, "remote account", required=True)
AUTHPROFILE = Key(PREFIX + "authprofile", STR, None, "auth.conf SSH profile with the key pair", required=True)
RGAHPPASS = Key(
    PREFIX + "rgahppass",
    BOOL,
    False,
    "opt-in: add the profile's passphrase file to grid_resource as --rgahp-pass (2.4 never did)",
)


class CondorSSH(CondorBase):
    """Batch submit plugin ``CondorSSH``: pilots through BOSCO to a remote cluster, with the key pair
    of an SSH auth profile (see the module docstring)."""

    name = "CondorSSH"
    level = Level(PREFIX, (BATCH, HOST, PORT, USER, AUTHPROFILE, RGAHPPASS))

    @classmethod
    def credentials(cls, queue: ConfigSection) -> tuple[CredentialRef, ...]:
        profile = queue.raw(AUTHPROFILE.name)
        if profile in (None, "", "None"):
            return ()
        return (CredentialRef(AUTHPROFILE.name, SSH, (profile.strip(),)),)

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.batch = self.view.get(BATCH)
        self.target = f"{self.view.get(USER)}@{self.view.get(HOST)}"
        self.authprofile = self.view.get(AUTHPROFILE)
        self.rgahppass = self.view.get(RGAHPPASS)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        if self.ctx.auth is None:
            raise AuthFailure(f"queue {self.apfqname} needs SSH profile {self.authprofile}: no auth manager")
        _pub, priv, passfile = self.ctx.auth.ssh_key_paths(self.authprofile)
        resource = f"batch {self.batch} {self.target} --rgahp-key {priv}"
        if passfile and self.rgahppass:
            resource += f" --rgahp-pass {passfile}"
        d.set("universe", "grid")
        d.set("grid_resource", resource)
        d.set("+TransferOutput", '""')
        super().add_lines(d, job)

    def submit(self, n: int) -> list[PilotRecord]:
        ensure_cluster(self.target, self.batch)
        return super().submit(n)
