"""``CondorCE``: grid CEs (base of HTCondor-CE, ARC, CREAM and GRAM)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.grid import CondorGrid
from autopyfactory.batch.htcondor.keyspace import Level


class CondorCE(CondorGrid):
    name = "CondorCE"
    level = Level("batchsubmit.condorce.")

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("+Nonessential", "True")
        super().add_lines(d, job)
