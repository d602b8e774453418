"""``CondorNordugrid``: an ARC CE, with the pilot environment inside the RSL."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.ce import CondorCE
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.batch.htcondor.quoting import rsl_environment
from autopyfactory.config.keys import STR, Key, choice
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

P = "batchsubmit.condornordugrid."
GRIDRESOURCE = Key(P + "gridresource", STR, None, "the ARC CE host", required=True)
GRIDTYPE = Key(
    P + "gridtype",
    choice("nordugrid", "arc"),
    "nordugrid",
    "nordugrid (2.4, nordugrid_rsl) or arc (REST, arc_rsl)",
)
WHOLE_RSL = Key(P + "nordugridrsl", STR, None, "the whole RSL (the spelling 2.4's AGIS generator wrote)")
R = "nordugridrsl."
RSL = Key(R + "nordugridrsl", STR, None, "the whole RSL")
RSLADD = Key(R + "nordugridrsladd", STR, None, "appended to the RSL")
ADDENV = Key(R + "addenv.", STR, None, "one more pilot environment variable in the RSL per key", prefix=True)
RSL_ITEM = Key(R, STR, None, "one '(k = v)' of the RSL per key", prefix=True)


class CondorNordugrid(CondorCE):
    name = "CondorNordugrid"
    level = Level(P, (GRIDRESOURCE, GRIDTYPE, WHOLE_RSL), (RSL, RSLADD, ADDENV, RSL_ITEM))

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.gridresource: str = self.view.get(GRIDRESOURCE)
        self.gridtype: str = self.view.get(GRIDTYPE)
        rsl = self.view.get(RSL) or self.view.get(WHOLE_RSL) or ""
        if not rsl:
            skip = ("nordugridrsl", "nordugridrsladd")
            items = self.view.get_prefixed(R)
            rsl = "".join(
                f"({k} = {v.strip()})"
                for k, v in items.items()
                if k not in skip and not k.startswith("addenv.") and v.strip()
            )
        self.rsl = rsl + (self.view.get(RSLADD) or "")
        self.addenv = {k: v.strip() for k, v in self.view.get_prefixed(ADDENV.name).items() if v.strip()}

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        env = self.environment(job)
        env.update(self.addenv)
        d.set("grid_resource", f"{self.gridtype} {self.gridresource}")
        rsl_env = rsl_environment(env)
        d.set(f"{self.gridtype}_rsl", f"{self.rsl} {rsl_env}" if self.rsl else rsl_env)
        super().add_lines(d, job)
