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

PREFIX = "batchsubmit.condorcream."
GRIDRESOURCE = Key(PREFIX + "gridresource", STR, None, "the whole resource, when webservice is unset")
WEBSERVICE = Key(PREFIX + "webservice", STR, None, "CE host; with port, batch and queue builds the resource")
PORT = Key(PREFIX + "port", INT, 8443, "CREAM port")
BATCH = Key(PREFIX + "batch", STR, "", "the CE's batch system (pbs, lsf, ...)")
QUEUE = Key(PREFIX + "queue", STR, "", "the CE's batch queue")


class CondorCREAM(CondorCE):
    """Batch submit plugin ``CondorCREAM``: a CREAM CE, from ``webservice`` (with port, batch and
    queue) or a whole ``gridresource``."""

    name = "CondorCREAM"
    level = Level(PREFIX, (GRIDRESOURCE, WEBSERVICE, PORT, BATCH, QUEUE))
    fixed_grid_type = "cream"

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        webservice, gridresource = self.view.get(WEBSERVICE), self.view.get(GRIDRESOURCE)
        if webservice:
            self.resource = (
                f"cream {webservice}:{self.view.get(PORT)}/ce-cream/services/CREAM2 "
                f"{self.view.get(BATCH)} {self.view.get(QUEUE)}".rstrip()
            )
        elif gridresource:
            self.resource = f"cream {gridresource}"
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
