"""``CondorOSGCE``: an HTCondor-CE (``grid_resource = condor HOST HOST:9619``)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.ce import CondorCE
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.keys import INT, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

PREFIX = "batchsubmit.condorosgce."
GRIDRESOURCE = Key(PREFIX + "gridresource", STR, None, "the CE host (schedd and collector)", required=True)
PORT = Key(PREFIX + "port", INT, 9619, "the CE's collector port")


class CondorOSGCE(CondorCE):
    """Batch submit plugin ``CondorOSGCE``: an HTCondor-CE, reached at ``gridresource`` and ``port``
    (a port written into ``gridresource`` wins)."""

    name = "CondorOSGCE"
    level = Level(PREFIX, (GRIDRESOURCE, PORT))
    fixed_grid_type = "condor"

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        host, port = self.view.get(GRIDRESOURCE), self.view.get(PORT)
        if ":" in host:  # 'ce.example.org:9619' (2.4 would have appended a second port)
            host, _, p = host.rpartition(":")
            port = int(p) if p.isdigit() else port
        self.ce_host, self.ce_port = host, port

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("grid_resource", f"condor {self.ce_host} {self.ce_host}:{self.ce_port}")
        d.set("+TransferOutput", '""')
        super().add_lines(d, job)
