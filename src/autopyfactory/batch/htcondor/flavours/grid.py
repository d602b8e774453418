"""``CondorGrid``: the grid universe with an X509 proxy (base of the CE and BLAH flavours)."""

from __future__ import annotations

import logging

from autopyfactory.batch.htcondor.base import CondorBase, JobContext, ProxyKeys
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level

log = logging.getLogger(__name__)

PREFIX = "batchsubmit.condorgrid."
PROXY_KEYS = ProxyKeys.under(PREFIX)


class CondorGrid(CondorBase):
    """Batch submit plugin ``CondorGrid``: the grid universe with the X509 proxy of ``proxy`` (or
    ``proxyfile``); the base of the CE and BLAHP flavours."""

    name = "CondorGrid"
    level = Level(PREFIX, PROXY_KEYS.all())
    proxy_keys = PROXY_KEYS

    def uses_ce_token(self) -> bool:
        """The queue authenticates to its CE with a token (the CE flavours' ``token`` key)."""
        return False

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("universe", "grid")
        proxy = self.configured_proxy(PROXY_KEYS)
        if proxy:
            d.set("x509userproxy", proxy)
        elif not self.uses_ce_token():
            log.warning(
                "queue=%s: no X509 proxy configured (%sproxy); submitting without one", self.apfqname, PREFIX
            )
        super().add_lines(d, job)
