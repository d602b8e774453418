"""``CondorLocal``: pilots in the local HTCondor pool (vanilla universe)."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import CondorBase, JobContext, proxy_keys
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level

P = "batchsubmit.condorlocal."
PROXY_KEYS = proxy_keys(P)


class CondorLocal(CondorBase):
    name = "CondorLocal"
    level = Level(P, PROXY_KEYS)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("universe", "vanilla")
        d.set("should_transfer_files", "IF_NEEDED")
        d.set("+TransferOutput", '""')
        proxy = self.configured_proxy(PROXY_KEYS)  # 2.4 never set it (its lookup was not called)
        if proxy:
            d.set("x509userproxy", proxy)
        super().add_lines(d, job)
