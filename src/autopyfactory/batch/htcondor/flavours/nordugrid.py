"""``CondorNordugrid``: an ARC CE, with the pilot environment inside the RSL.

The RSL follows 2.4's rule exactly: ``nordugridrsl.nordugridrsl`` when set, otherwise one
``(key = value)`` per ``nordugridrsl.<key>`` in the order the queue's keys come (its own in file
order, then ``[DEFAULT]``'s), leaving out ``nordugridrsl.nordugridrsladd`` and
``nordugridrsl.addenv.*``; then the ``nordugridrsladd`` text; then, when there is an RSL, the
environment block 2.4 wrote (APFFID, PANDA_JSID, APFCID, GTAG, APFMON, FACTORYQUEUE, FACTORYUSER and
the ``nordugridrsl.addenv.<VAR>`` values). ``batchsubmit.condornordugrid.nordugridrsl`` (which 2.4-era
AGIS generators wrote) was never read by 2.4 and is not read here: check-config says so.
"""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.description import PILOT_ID, SubmitDescription
from autopyfactory.batch.htcondor.flavours.ce import CondorCE
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.batch.htcondor.quoting import rsl_string
from autopyfactory.config.keys import STR, Key, choice
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

PREFIX = "batchsubmit.condornordugrid."
GRIDRESOURCE = Key(PREFIX + "gridresource", STR, None, "the ARC CE host", required=True)
GRIDTYPE = Key(
    PREFIX + "gridtype",
    choice("nordugrid", "arc"),
    "nordugrid",
    "nordugrid (2.4, nordugrid_rsl) or arc (REST, arc_rsl)",
)
IGNORED_RSL = Key(
    PREFIX + "nordugridrsl", STR, None, "not read (2.4 did not read it either): use nordugridrsl.nordugridrsl"
)
RSL_PREFIX = "nordugridrsl."
RSL = Key(
    RSL_PREFIX + "nordugridrsl", STR, None, "the whole RSL (then nordugridrsl.<key> items are not used)"
)
RSLADD = Key(RSL_PREFIX + "nordugridrsladd", STR, None, "appended to the RSL")
ADDENV = Key(
    RSL_PREFIX + "addenv.", STR, None, "one more pilot environment variable in the RSL per key", prefix=True
)
RSL_ITEM = Key(
    RSL_PREFIX, STR, None, "one '(k = v)' of the RSL per key, in the queue's key order", prefix=True
)
ADDENV_PREFIX = "addenv."
NOT_ITEMS = ("nordugridrsl", "nordugridrsladd")


def _set(value: str | None) -> str:
    """A value 2.4 would have used: anything but the empty text and None (None is "unset" here; 2.4
    would have written the word None into the RSL)."""
    return "" if value is None or value.strip() in ("", "None") else value.strip()


def build_rsl(queue: ConfigSection) -> str:
    """The RSL of ``queue`` without the environment block (2.4's ``_nordugridrsl``)."""
    whole = _set(queue.raw(RSL.name))
    if whole:
        rsl = whole
    else:
        rsl = "".join(
            f"({k} = {_set(v)})"
            for k, v in queue.get_prefixed(RSL_PREFIX).items()
            if k not in NOT_ITEMS and not k.startswith(ADDENV_PREFIX) and _set(v)
        )
    return rsl + _set(queue.raw(RSLADD.name))


def addenv(queue: ConfigSection) -> list[tuple[str, str]]:
    """The ``nordugridrsl.addenv.<VAR>`` values 2.4 added to the RSL's environment block."""
    return [(k, _set(v)) for k, v in queue.get_prefixed(ADDENV.name).items() if _set(v)]


class CondorNordugrid(CondorCE):
    """Batch submit plugin ``CondorNordugrid``: an ARC CE, the RSL and its environment block as 2.4
    wrote them (see the module docstring)."""

    name = "CondorNordugrid"
    level = Level(PREFIX, (GRIDRESOURCE, GRIDTYPE, IGNORED_RSL), (RSL, RSLADD, ADDENV, RSL_ITEM))

    @classmethod
    def grid_type_of(cls, view: ConfigSection) -> str:
        """nordugrid (gridftp: X509 only) or arc (REST: a token works)."""
        try:
            return view.get(GRIDTYPE)
        except ConfigError:
            return ""

    @classmethod
    def notes(cls, queue: ConfigSection) -> list[ConfigProblem]:
        out = super().notes(queue)
        if _set(queue.raw(IGNORED_RSL.name)):
            out.append(
                ConfigProblem(
                    "warning",
                    queue.origin_of(IGNORED_RSL.name),
                    queue.name,
                    IGNORED_RSL.name,
                    "not read, as 2.4 did not read it; the RSL is: "
                    + (build_rsl(queue) or "(empty: no nordugrid_rsl, so no pilot environment either)"),
                    queue.raw(IGNORED_RSL.name),
                    f"to use this RSL, rename the key to {RSL.name}; or remove it",
                )
            )
        elif not build_rsl(queue):
            out.append(
                ConfigProblem(
                    "warning",
                    queue.origin,
                    queue.name,
                    RSL_ITEM.name + "*",
                    "no RSL: as 2.4 did, the submit file has an empty nordugrid_rsl, so the pilots go to "
                    "the CE's default queue without the pilot environment (APFFID, APFCID, GTAG, ...)",
                    None,
                    f"set {RSL_PREFIX}queue = <CE queue> (and other {RSL_PREFIX}<key> items) or {RSL.name}",
                )
            )
        return out

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.gridresource = self.view.get(GRIDRESOURCE)
        self.gridtype = self.view.get(GRIDTYPE)
        self.rsl = build_rsl(queue)
        self.addenv = addenv(queue)

    def rsl_environment(self, job: JobContext) -> str:
        """2.4's environment block, spacing and all (the CE ignores the spaces)."""
        s = self.ctx.settings

        def pair(k: str, v: str) -> str:
            return f"({rsl_string(k)} {rsl_string(v)})"

        text = " (environment = "
        text += pair("APFFID", s.factory_id) + " "
        text += pair("PANDA_JSID", s.factory_id) + " "
        text += pair("APFCID", PILOT_ID) + " "
        text += " " + pair("GTAG", f"{job.log_url}/{PILOT_ID}.out") + " "
        if self.monitor_url:  # 2.4 wrote ('APFMON' 'None') without a monitor
            text += pair("APFMON", self.monitor_url) + " "
        text += pair("FACTORYQUEUE", self.apfqname) + " "
        text += pair("FACTORYUSER", s.factory_user) + " "
        text += "  " + "".join(pair(k, v) for k, v in self.addenv) + " "
        return text + ") "

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("grid_resource", f"{self.gridtype} {self.gridresource}")
        d.set(f"{self.gridtype}_rsl", self.rsl + self.rsl_environment(job) if self.rsl else "")
        super().add_lines(d, job)
