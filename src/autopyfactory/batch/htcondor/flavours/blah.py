"""``CondorPBS`` and ``CondorLSF``: the local BLAHP grid types (``grid_resource = pbs`` / ``lsf``)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.grid import CondorGrid
from autopyfactory.batch.htcondor.keyspace import Level


class CondorPBS(CondorGrid):
    """Batch submit plugin ``CondorPBS``: pilots to a local PBS through BLAHP (``grid_resource = pbs``)."""

    name = "CondorPBS"
    level = Level("batchsubmit.condorpbs.")

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("grid_resource", "pbs")
        super().add_lines(d, job)


class CondorLSF(CondorGrid):
    """Batch submit plugin ``CondorLSF``: pilots to a local LSF through BLAHP (``grid_resource = lsf``)."""

    name = "CondorLSF"
    level = Level("batchsubmit.condorlsf.")

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("grid_resource", "lsf")
        super().add_lines(d, job)
