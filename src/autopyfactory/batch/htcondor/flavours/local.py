"""``CondorLocal``: pilots in the local HTCondor pool (vanilla universe)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import CondorBase, JobContext
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.keys import LIST, STR, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import FactoryContext

P = "batchsubmit.condorlocal."
PROXY = Key(P + "proxy", LIST, None, "auth.conf X509 profiles, first valid one is used (None: no proxy)")
PROXYFILE = Key(P + "proxyfile", STR, None, "a fixed x509userproxy path, when no profile is given")


class CondorLocal(CondorBase):
    name = "CondorLocal"
    level = Level(P, (PROXY, PROXYFILE))

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.profiles: tuple[str, ...] | None = self.view.get(PROXY)
        self.proxyfile: str | None = self.view.get(PROXYFILE)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("universe", "vanilla")
        d.set("should_transfer_files", "IF_NEEDED")
        d.set("+TransferOutput", '""')
        proxy = self.proxy(self.profiles, self.proxyfile)  # 2.4 never set it (its lookup was not called)
        if proxy:
            d.set("x509userproxy", proxy)
        super().add_lines(d, job)
