"""``CondorEC2``: pilots are EC2 VMs that join the pool. With ``batchsubmit.condorec2.peaceful = True``
a negative decision turns off the startds of idle nodes first, then busy ones (``condor_off
-peaceful``: running payloads finish); ``cleanup`` removes VM jobs whose node has retired. As in 2.4,
nothing is retired when ``peaceful`` is unset or False; VM jobs are removed outright only with the
opt-in ``overlay.peaceful = False`` (docs/htcondor.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from autopyfactory.batch.htcondor.base import CondorBase, JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.ec2pool import pool
from autopyfactory.batch.htcondor.jobs import LIVE_STATUSES, STATUS_PROJECTION, queue_constraint
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.batch.htcondor.pilots import remove_jobs
from autopyfactory.config.keys import BOOL, NONNEG_FLOAT, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

log = logging.getLogger(__name__)

PREFIX = "batchsubmit.condorec2."
GRIDRESOURCE = Key(PREFIX + "gridresource", STR, None, "EC2 endpoint URL", required=True)
AMI_ID = Key(PREFIX + "ami_id", STR, None, "the VM image", required=True)
INSTANCE_TYPE = Key(PREFIX + "instance_type", STR, None, "e.g. m5.large", required=True)
ACCESS_KEY_ID = Key(PREFIX + "access_key_id", STR, None, "file holding the access key id", required=True)
SECRET_ACCESS_KEY = Key(PREFIX + "secret_access_key", STR, None, "file holding the secret key", required=True)
SECURITY_GROUPS = Key(PREFIX + "security_groups", STR, None, "ec2_security_groups")
SPOT_PRICE = Key(PREFIX + "spot_price", NONNEG_FLOAT, None, "ec2_spot_price (dollars/hour)")
USER_DATA = Key(PREFIX + "user_data", STR, None, "ec2_user_data")
USER_DATA_FILE = Key(PREFIX + "user_data_file", STR, None, "ec2_user_data_file")
USESSH = Key(PREFIX + "usessh", BOOL, False, "retire nodes by 'ssh root@node condor_off' instead of -name")
NODES_PEACEFUL = Key(
    PREFIX + "peaceful",
    BOOL,
    None,
    "True: a negative decision turns off idle, then busy nodes with condor_off -peaceful (2.4); "
    "unset or False: no node is retired",
)
VM_ATTRS = ["EC2InstanceName", "EC2RemoteVirtualMachineName"]


@dataclass(frozen=True, slots=True)
class EC2Settings:
    """A CondorEC2 queue's ``batchsubmit.condorec2.*`` values."""

    gridresource: str
    ami_id: str
    instance_type: str
    access_key_id: str
    secret_access_key: str
    security_groups: str | None
    spot_price: float | None
    user_data: str | None
    user_data_file: str | None
    usessh: bool
    nodes_peaceful: bool | None

    @classmethod
    def of(cls, view: ConfigSection) -> EC2Settings:
        """The values of ``view`` (the queue with its keys renamed onto the base prefix)."""
        return cls(
            gridresource=view.get(GRIDRESOURCE),
            ami_id=view.get(AMI_ID),
            instance_type=view.get(INSTANCE_TYPE),
            access_key_id=view.get(ACCESS_KEY_ID),
            secret_access_key=view.get(SECRET_ACCESS_KEY),
            security_groups=view.get(SECURITY_GROUPS),
            spot_price=view.get(SPOT_PRICE),
            user_data=view.get(USER_DATA),
            user_data_file=view.get(USER_DATA_FILE),
            usessh=view.get(USESSH),
            nodes_peaceful=view.get(NODES_PEACEFUL),
        )


class CondorEC2(CondorBase):
    """Batch submit plugin ``CondorEC2``: pilots as EC2 VMs that join the pool; retirement turns off
    their startds peacefully (see the module docstring)."""

    name = "CondorEC2"
    level = Level(
        PREFIX,
        (
            GRIDRESOURCE, AMI_ID, INSTANCE_TYPE, ACCESS_KEY_ID, SECRET_ACCESS_KEY, SECURITY_GROUPS, SPOT_PRICE,
            USER_DATA, USER_DATA_FILE, USESSH, NODES_PEACEFUL,
        ),
    )  # fmt: skip

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.ec2 = EC2Settings.of(self.view)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        super().add_lines(d, job)
        ec2 = self.ec2
        d.set("universe", "grid")
        d.set("grid_resource", f"ec2 {ec2.gridresource}")
        d.set("ec2_access_key_id", ec2.access_key_id)
        d.set("ec2_secret_access_key", ec2.secret_access_key)
        d.set("ec2_ami_id", ec2.ami_id)
        d.set("executable", self.apfqname)
        d.set("ec2_instance_type", ec2.instance_type)
        if ec2.user_data:
            d.set("ec2_user_data", ec2.user_data)
        if ec2.user_data_file:
            d.set("ec2_user_data_file", ec2.user_data_file)
        if ec2.spot_price is not None:
            d.set("ec2_spot_price", f"{ec2.spot_price:f}")
        if ec2.security_groups:
            d.set("ec2_security_groups", ec2.security_groups)

    # -- retirement ------------------------------------------------------------------------------
    def _vm_jobs(self) -> list[tuple[str, str, str]]:
        """(job id, instance id, public name) of this queue's live VM jobs that have an instance."""
        ads = self.schedd.call(
            "query",
            lambda s: s.query(
                queue_constraint(self.apfqname, LIVE_STATUSES), [*STATUS_PROJECTION, *VM_ATTRS]
            ),
        )
        out = []
        for a in ads:
            iid = a.get("EC2InstanceName")
            if isinstance(iid, str) and iid:
                out.append(
                    (
                        f"{a.get('ClusterId')}.{a.get('ProcId')}",
                        iid,
                        str(a.get("EC2RemoteVirtualMachineName") or ""),
                    )
                )
        return out

    def retire(self, n: int) -> list[str]:
        """``overlay.peaceful = False`` (the opt-in): remove n VM jobs in ``killorder`` (the base
        behaviour). ``peaceful = True``: ``condor_off -peaceful`` on n nodes, idle ones first, then
        busy ones. Otherwise nothing (2.4 retired nothing then)."""
        if not self.peaceful:
            return super().retire(n)
        if not self.ec2.nodes_peaceful:
            log.info(
                "queue=%s retire n=%d skipped: %s is not True (2.4 retired no node then)",
                self.apfqname,
                n,
                NODES_PEACEFUL.name,
            )
            return []
        nodes = pool().nodes(self.location.collector)
        rank = {"idle": 0, "busy": 1}
        candidates = sorted(
            ((rank[nodes[iid].state], jid, iid, addr) for jid, iid, addr in self._vm_jobs()
             if iid in nodes and nodes[iid].state in rank),
        )  # fmt: skip
        retired: list[str] = []
        for _, jid, iid, addr in candidates[:n]:
            if pool().retire(nodes[iid], peaceful=True, usessh=self.ec2.usessh, address=addr):
                retired.append(jid)
        log.info("queue=%s retiring %d nodes peacefully: %s", self.apfqname, len(retired), ",".join(retired))
        return retired

    def cleanup(self) -> None:
        """Remove VM jobs whose node has retired (master up, no startd left)."""
        nodes = pool().nodes(self.location.collector)
        done = [jid for jid, iid, _ in self._vm_jobs() if iid in nodes and nodes[iid].state == "retired"]
        if done:
            remove_jobs(self.schedd, done, f"autopyfactory: node retired ({self.apfqname})")
            log.info("queue=%s removed %d VM jobs of retired nodes", self.apfqname, len(done))
