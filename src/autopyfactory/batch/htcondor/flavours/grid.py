"""``CondorGrid``: the grid universe with an X509 proxy (base of the CE and BLAH flavours)."""

from __future__ import annotations

import logging

from autopyfactory.batch.htcondor.base import CondorBase, JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.keys import LIST, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

log = logging.getLogger(__name__)

P = "batchsubmit.condorgrid."
PROXY = Key(P + "proxy", LIST, None, "auth.conf X509 profiles, first valid one is used (None: no proxy)")
PROXYFILE = Key(P + "proxyfile", STR, None, "a fixed x509userproxy path, when no profile is given")


class CondorGrid(CondorBase):
    name = "CondorGrid"
    level = Level(P, (PROXY, PROXYFILE))

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.profiles: tuple[str, ...] | None = self.view.get(PROXY)
        self.proxyfile: str | None = self.view.get(PROXYFILE)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("universe", "grid")
        proxy = self.proxy(self.profiles, self.proxyfile)
        if proxy:
            d.set("x509userproxy", proxy)
        else:
            log.warning(
                "queue=%s: no X509 proxy configured (%sproxy); submitting without one", self.apfqname, P
            )
        super().add_lines(d, job)
