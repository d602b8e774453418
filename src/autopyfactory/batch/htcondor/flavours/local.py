"""``CondorLocal``: pilots in the local HTCondor pool (vanilla universe).

2.4 read ``batchsubmit.condorlocal.proxy`` but never wrote ``x509userproxy`` (its lookup was never
called), so neither does this plugin unless ``batchsubmit.condorlocal.passproxy = True``: a 2.4
queue keeps submitting without a proxy line, and without needing a valid proxy to submit at all."""

from __future__ import annotations

from autopyfactory.batch.htcondor.base import CondorBase, JobContext, ProxyKeys
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.credentials import CredentialRef
from autopyfactory.config.keys import BOOL, Key
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection

PREFIX = "batchsubmit.condorlocal."
PROXY_KEYS = ProxyKeys.under(PREFIX)
PASSPROXY = Key(
    PREFIX + "passproxy",
    BOOL,
    False,
    "opt-in: give the pilots the proxy of batchsubmit.condorlocal.proxy (x509userproxy; 2.4 never did)",
)


def _passes(queue: ConfigSection) -> bool:
    try:
        return queue.get(PASSPROXY)
    except ConfigError:
        return False  # the bad value is reported on its own


class CondorLocal(CondorBase):
    """Batch submit plugin ``CondorLocal``: the vanilla universe of the local pool; a proxy only with
    the opt-in ``passproxy`` (see the module docstring)."""

    name = "CondorLocal"
    level = Level(PREFIX, (*PROXY_KEYS.all(), PASSPROXY))
    proxy_keys = PROXY_KEYS

    @classmethod
    def credentials(cls, queue: ConfigSection) -> tuple[CredentialRef, ...]:
        return super().credentials(queue) if _passes(queue) else ()

    @classmethod
    def notes(cls, queue: ConfigSection) -> list[ConfigProblem]:
        out = super().notes(queue)
        for key in (PROXY_KEYS.profiles.name, PROXY_KEYS.file.name):
            if queue.raw(key) not in (None, "", "None") and not _passes(queue):
                out.append(
                    ConfigProblem(
                        "warning",
                        queue.origin_of(key),
                        queue.name,
                        key,
                        "not used: 2.4's CondorLocal never gave its pilots a proxy, and neither does this one",
                        queue.raw(key),
                        f"to pass it (x509userproxy), add {PASSPROXY.name} = True",
                    )
                )
        return out

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("universe", "vanilla")
        d.set("should_transfer_files", "IF_NEEDED")
        d.set("+TransferOutput", '""')
        if _passes(self.view):
            proxy = self.configured_proxy(PROXY_KEYS)
            if proxy:
                d.set("x509userproxy", proxy)
        super().add_lines(d, job)
