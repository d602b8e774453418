"""``CondorGRAM`` (Globus GRAM, with ``globusrsl``), ``CondorGT2`` and ``CondorGT5``."""

from __future__ import annotations

from typing import ClassVar

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.ce import CondorCE
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.keys import STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

PREFIX = "batchsubmit.condorgram."
RSL_PREFIX = PREFIX + "gram."
GLOBUSRSL = Key(RSL_PREFIX + "globusrsl", STR, "", "the whole globusrsl")
GLOBUSRSLADD = Key(RSL_PREFIX + "globusrsladd", STR, "", "appended to globusrsl")
RSL_ITEM = Key(RSL_PREFIX, STR, None, "one '(k=v)' of globusrsl per key", prefix=True)


class CondorGRAM(CondorCE):
    """Batch submit plugin ``CondorGRAM``: a Globus GRAM CE, with the ``globusrsl`` built from the
    ``gram.*`` items (or given whole) and ``copy_to_spool``."""

    name = "CondorGRAM"
    level = Level(PREFIX, (GLOBUSRSL, GLOBUSRSLADD, RSL_ITEM))
    fixed_grid_type = "gt2"  # GRAM (gt2 and gt5 alike): X509 only

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        rsl = self.view.get(GLOBUSRSL)
        if not rsl:
            skip = {GLOBUSRSL.name[len(RSL_PREFIX) :], GLOBUSRSLADD.name[len(RSL_PREFIX) :]}
            items = self.view.get_prefixed(RSL_PREFIX)
            rsl = "".join(f"({k}={v.strip()})" for k, v in items.items() if k not in skip and v.strip())
        self.globusrsl = rsl + self.view.get(GLOBUSRSLADD)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        if self.globusrsl:
            d.set("globusrsl", self.globusrsl)
        d.set("copy_to_spool", "True")
        super().add_lines(d, job)


GT2_GRIDRESOURCE = Key("batchsubmit.condorgt2.gridresource", STR, None, "host/jobmanager-X", required=True)
GT5_GRIDRESOURCE = Key("batchsubmit.condorgt5.gridresource", STR, None, "host/jobmanager-X", required=True)
GRAM2_RSL = Key("globusrsl.gram2.", STR, None, "globusrsl items (2.4 spelling for CondorGT2)", prefix=True)
GRAM5_RSL = Key("globusrsl.gram5.", STR, None, "globusrsl items (2.4 spelling for CondorGT5)", prefix=True)


class _GlobusGT(CondorGRAM):
    """A GRAM flavour: ``grid_resource = <grid type> <gridresource>``."""

    grid_type: ClassVar[str]
    gridresource_key: ClassVar[Key[str]]

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.gridresource = self.view.get(self.gridresource_key)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("grid_resource", f"{self.grid_type} {self.gridresource}")
        super().add_lines(d, job)


class CondorGT2(_GlobusGT):
    """Batch submit plugin ``CondorGT2``: GRAM2 (``grid_resource = gt2 <gridresource>``)."""

    name = "CondorGT2"
    grid_type = "gt2"
    gridresource_key = GT2_GRIDRESOURCE
    level = Level(
        "batchsubmit.condorgt2.", (GT2_GRIDRESOURCE,), (GRAM2_RSL,), ((GRAM2_RSL.name, RSL_PREFIX),)
    )


class CondorGT5(_GlobusGT):
    """Batch submit plugin ``CondorGT5``: GRAM5 (``grid_resource = gt5 <gridresource>``)."""

    name = "CondorGT5"
    grid_type = "gt5"
    fixed_grid_type = "gt5"
    gridresource_key = GT5_GRIDRESOURCE
    level = Level(
        "batchsubmit.condorgt5.", (GT5_GRIDRESOURCE,), (GRAM5_RSL,), ((GRAM5_RSL.name, RSL_PREFIX),)
    )
