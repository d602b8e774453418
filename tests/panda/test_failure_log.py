"""A refresh that keeps failing is logged once (and reminded of), not at every refresh; a healthy
idle site (PanDA's empty statistics answer) logs nothing at all."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.wms.panda.failure_log import FailureLog
from autopyfactory.wms.panda.plugin import PandaWMSStatus
from autopyfactory.wms.panda.sites import V1_SITE_SPECS
from autopyfactory.wms.panda.stats import EMPTY_STATISTICS, V1_STATS
from tests.panda.fake_server import FakePanda, Reply
from tests.panda.helpers import plugin, refreshed_after, wait_for
from tests.panda.test_plugin_faults import SITES, v1

LOGGER = "autopyfactory.wms.panda"


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_same_failure_is_an_error_once_then_reminded_then_its_end_is_said(caplog) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    flog = FailureLog(logging.getLogger(LOGGER), "PanDA poller X: job statistics", remind=600, clock=clock)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(20):  # every 10 s for 200 s
            flog.failed("HTTP 502")
            clock.now += 10
        flog.failed("timeout")  # another reason: said at once
        clock.now += 600
        flog.failed("timeout")  # 600 s after the last line at ERROR/WARNING: a reminder
        flog.succeeded()
        flog.succeeded()
    by_level = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert by_level == [
        ("ERROR", "PanDA poller X: job statistics refresh failed, keeping older data: HTTP 502"),
        ("ERROR", "PanDA poller X: job statistics refresh failed, keeping older data: timeout"),
        ("WARNING", "PanDA poller X: job statistics refresh still failing (22 times over 800s), keeping older data: timeout"),
        ("INFO", "PanDA poller X: job statistics refresh works again after 22 failed refresh(es) over 800s"),
    ]  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakePanda]:
    with FakePanda({V1_SITE_SPECS: SITES}) as f:
        yield f


def _run(tmp_path: Path, fake: FakePanda, refreshes: int) -> PandaWMSStatus:
    p = plugin(
        tmp_path, fake.url, factory={"wmsstatus.panda.retries": "2", "wmsstatus.panda.backoff": "0.01"}
    )
    wait_for(refreshed_after(p, refreshes))
    return p


def test_a_healthy_idle_site_logs_nothing_and_a_down_server_logs_once(tmp_path, fake, caplog) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = v1({}, False, EMPTY_STATISTICS)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        p = _run(tmp_path, fake, 5)
        try:
            assert p.poll().queue("S").ready == 0
            assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
            fake.routes[V1_STATS] = Reply(b"gateway error", 502)
            n = p.poller.latest().refreshes
            wait_for(refreshed_after(p, n + 5))
        finally:
            p.close()
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    # one refresh's retries (2) and its error; the refreshes after it are quiet
    assert len([m for m in loud if "refresh failed" in m]) == 1, loud
    assert len([m for m in loud if "retrying" in m]) == 2, loud
