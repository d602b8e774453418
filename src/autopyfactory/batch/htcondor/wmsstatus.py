"""WMS status plugin ``Condor``: jobs waiting in a (possibly remote) schedd are the work, for VOs that
run their own HTCondor pool and get glideins from the factory (the GLOW and IceCube case).

Jobs are counted under the value of ``queueskey`` (default ``MATCH_APF_QUEUE``) and all together under
the queue ``ANY``; ``JobStatus`` becomes ready/running/... through ``CONDORWMSSTATUS-JOBSTATUS2INFO``
(idle = ready). Every site is ``ok`` (2.4)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterator, Mapping

from autopyfactory.batch.htcondor.location import WMSSTATUS_LOCATION
from autopyfactory.batch.htcondor.schedd import handle
from autopyfactory.config.keys import NONNEG_FLOAT, STR, Key
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import WMSStatusPlugin

# HTCondor JobStatus of the VO's jobs to APF's WMS buckets (2.4's; mappings.conf may override)
JOBSTATUS2INFO = {
    "0": "ready",
    "1": "ready",
    "2": "running",
    "3": "done",
    "4": "done",
    "5": "failed",
    "6": "running",
}
MAPPING = MappingSpec.wms("CONDORWMSSTATUS-JOBSTATUS2INFO", defaults=JOBSTATUS2INFO)
ANY = "ANY"
SLEEP = Key("wmsstatus.condor.sleep", NONNEG_FLOAT, 150, "2.4 poll interval; unused (one poll per cycle)")
MAXAGE = Key("wmsstatus.condor.maxage", NONNEG_FLOAT, 360, "schedd data older than this counts as missing")
QUEUESKEY = Key(
    "wmsstatus.condor.queueskey",
    STR,
    "MATCH_APF_QUEUE",
    "job attribute naming the WMS queue (ANY or None: only 'ANY')",
    nullable=True,
)
CONSTRAINT = Key("wmsstatus.condor.constraint", STR, "True", "which jobs count as work (ClassAd expression)")
PASSWORD_FILE = Key(
    "wmsstatus.condor.password_file",
    STR,
    None,
    "read by 2.4 and never used; ignored (authenticate with wmsstatus.condor.authmethods/tokendir)",
)
OK = SiteInfo("ok")


class _AllOk(Mapping[str, SiteInfo]):
    """Every site is ok, whatever its name."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    def __getitem__(self, key: str) -> SiteInfo:
        return OK

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class CondorWMSStatus(WMSStatusPlugin):
    """WMS status plugin ``Condor``: the VO's idle jobs in a schedd are the work (see the module
    docstring)."""

    name = "Condor"
    mapping = MAPPING
    keys = (*WMSSTATUS_LOCATION.all(), QUEUESKEY, CONSTRAINT, PASSWORD_FILE)
    factory_keys = (SLEEP, MAXAGE)

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return (
            WMSSTATUS_LOCATION.location(queue),
            queue.get(QUEUESKEY) or ANY,
            queue.get(CONSTRAINT) or "True",
        )

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.location = WMSSTATUS_LOCATION.location(queue)
        self.queueskey = queue.get(QUEUESKEY) or ANY
        self.constraint = queue.get(CONSTRAINT) or "True"
        self._maxage = ctx.factory.get(MAXAGE)

    def maxage(self) -> float:
        return self._maxage

    def poll(self) -> WMSView:
        now = time.time()
        by_key = self.queueskey != ANY
        projection = ["JobStatus", *([self.queueskey] if by_key else [])]
        ads = handle(self.location).call("query", lambda s: s.query(self.constraint, projection))
        raw: dict[str, dict[str, int]] = {ANY: {}}
        for ad in ads:
            status = str(ad.get("JobStatus"))
            names = [ANY]
            q = ad.get(self.queueskey) if by_key else None
            if isinstance(q, str) and q and q != ANY:
                names.append(q)
            for name in names:
                c = raw.setdefault(name, {})
                c[status] = c.get(status, 0) + 1
        queues = {
            q: WMSQueueInfo.from_counts(self.ctx.mappings.map_counts(MAPPING, c)) for q, c in raw.items()
        }
        return WMSView("Condor", now, queues, _AllOk(list(queues)))
