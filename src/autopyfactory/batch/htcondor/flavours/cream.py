"""``CondorCREAM``: a CREAM CE."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.ce import CondorCE
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.keys import INT, STR, Key
from autopyfactory.config.problems import error
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

P = "batchsubmit.condorcream."
GRIDRESOURCE = Key(P + "gridresource", STR, None, "the whole resource, when webservice is unset")
WEBSERVICE = Key(P + "webservice", STR, None, "CE host; with port, batch and queue builds the resource")
PORT = Key(P + "port", INT, 8443, "CREAM port")
BATCH = Key(P + "batch", STR, None, "the CE's batch system (pbs, lsf, ...)")
QUEUE = Key(P + "queue", STR, None, "the CE's batch queue")


class CondorCREAM(CondorCE):
    name = "CondorCREAM"
    level = Level(P, (GRIDRESOURCE, WEBSERVICE, PORT, BATCH, QUEUE))
    fixed_grid_type = "cream"

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        ws = self.view.get(WEBSERVICE)
        if ws:
            self.resource = (
                f"cream {ws}:{self.view.get(PORT)}/ce-cream/services/CREAM2 "
                f"{self.view.get(BATCH) or ''} {self.view.get(QUEUE) or ''}".rstrip()
            )
        elif self.view.get(GRIDRESOURCE):
            self.resource = f"cream {self.view.get(GRIDRESOURCE)}"
        else:
            raise error(
                queue.origin,
                queue.name,
                GRIDRESOURCE.name,
                "CondorCREAM needs a CE",
                hint=f"set {WEBSERVICE.name} (+ port, batch, queue) or {GRIDRESOURCE.name}",
            )

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("grid_resource", self.resource)
        super().add_lines(d, job)
