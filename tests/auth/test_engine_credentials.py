"""A queue without a valid credential: the factory's cycle submits nothing for it, its decision
line says why as a credential problem (no traceback), its monitor label hears it once, and the
other queues go on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import CredentialTarget, FactoryContext
from autopyfactory.plugins.registry import registry
from tests.engine import fakes


class TokenSubmit(fakes.FakeSubmit):
    """Asks the auth manager for the queue's token before each submission, as the CE flavours do."""

    name = "TokenSubmit"

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.profiles: Sequence[str] = ("ce-token",)

    def submit(self, n: int) -> list[PilotRecord]:
        assert self.ctx.auth is not None
        self.ctx.auth.token_path(self.profiles, CredentialTarget(self.apfqname, "ce1.example.org", 9619))
        return super().submit(n)


registry.register("batchsubmit", TokenSubmit.name, TokenSubmit)

QUEUES = """
[DEFAULT]
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
schedplugin = Ready
apfqueue.sleep = 0
monitorsection = mon

[NEEDS_TOKEN]
wmsqueue = SITE0
batchsubmitplugin = TokenSubmit

[PLAIN]
wmsqueue = SITE1
batchsubmitplugin = FakeSubmit
"""


def test_no_valid_token_is_the_queues_credential_problem_not_a_crash(
    conf_tree, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    world = fakes.reset()
    world.activated = {"SITE0": 2, "SITE1": 2}
    etc = conf_tree(
        factory="monitorConf = monitor.conf\nauthConf = auth.conf\n",
        files={
            "queues.conf": QUEUES,
            "monitor.conf": "[mon]\nmonitorplugin = FakeMonitor\n",
            "auth.conf": f"[ce-token]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = {tmp_path}/missing.token\n",
        },
    )
    caplog.set_level(logging.INFO)
    f = Factory(RunOptions(conf=str(etc), services=False))
    try:
        outcomes = {o.queue: o for o in f.run_cycle().outcomes}
        f.run_cycle()
    finally:
        f.shutdown()
    bad, good = outcomes["NEEDS_TOKEN"], outcomes["PLAIN"]
    assert bad.submitted == 0 and bad.action == "error"
    assert bad.error.startswith("no valid credential: no valid token in profiles ce-token")
    assert "missing.token does not exist" in bad.error
    assert good.submitted == 2 and not good.error
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("queue=NEEDS_TOKEN "))
    assert "error='no valid credential: no valid token in profiles ce-token" in line
    assert "Traceback" not in caplog.text and "AuthFailure" not in line
    labels = [c for c in world.monitor_calls if c[0] == "label" and c[1] == "NEEDS_TOKEN"]
    assert len(labels) == 1  # told once, not every cycle
    assert str(labels[0][2]).startswith("queue NEEDS_TOKEN submits nothing: no valid credential")
    assert world.submissions == [("PLAIN", 2), ("PLAIN", 2)]
