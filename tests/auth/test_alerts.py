"""Alerts: mail through a local SMTP server (aiosmtpd) and messages on the queues' monitor labels
when a credential cannot be renewed, will be refused soon, or leaves a queue without one; at most
once per problem per interval. X509 profiles get the same alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from autopyfactory.alerts.alerter import Alerter
from autopyfactory.alerts.mail import Mailer
from autopyfactory.auth.manager import AuthManager
from autopyfactory.plugins.context import AuthFailure, CredentialTarget
from tests.auth.clocks import FakeClock
from tests.auth.conftest import GridTools
from tests.auth.fake_tools import proxy
from tests.auth.issuer import Issuer
from tests.auth.smtp import Inbox, smtp_server
from tests.auth.test_token import CE

Q1 = CredentialTarget("ANALY_CE1", "ce1.example.org", 9619)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


def alerter(inbox: Inbox, clock: FakeClock, interval: float = 3600) -> Alerter:
    mailer = Mailer(inbox.address, ("ops@example.org", "oncall@example.org"), "apf@factory.example.org")
    return Alerter(mailer, interval, clock.monotonic, subject_prefix="autopyfactory TEST-fid")


def test_issuer_down_alerts_once_per_problem_until_the_queue_stops_then_again_after_the_interval(
    clock: FakeClock, issuer: Issuer, secrets: Path, token_manager: Callable[..., AuthManager], inbox: Inbox
) -> None:
    al = alerter(inbox, clock)
    m = token_manager(CE, alerter=al)
    labels: list[tuple[str, str]] = []
    m.set_monitor_notice(lambda q, text: labels.append((q, text)))
    m.token_path(["ce-token"], Q1)
    m.check_due()
    assert al.flush(30) and inbox.subjects() == []  # all well: no alert
    issuer.down = True
    clock.advance(2500)  # renewal due (1100 s left), fails; 500 s usable < alertbefore 1800
    m.check_due()
    assert al.flush(30)
    subjects = inbox.wait_for(2)
    assert (
        subjects[0]
        == "[autopyfactory TEST-fid] credential ce-token/https://ce1.example.org:9619 cannot be renewed"
    )
    assert "will be refused in 8m20s and nothing renews it" in subjects[1]
    clock.advance(300)
    m.check_due()  # the same problems: nothing new
    assert al.flush(30) and len(inbox.subjects()) == 2
    clock.advance(300)  # 500 s left < minlife: the queue stops
    for _ in range(3):
        with pytest.raises(AuthFailure):
            m.token_path(["ce-token"], Q1)
    assert al.flush(30)
    subjects = inbox.wait_for(3)
    assert subjects[2] == "[autopyfactory TEST-fid] queue ANALY_CE1 submits nothing: no valid credential"
    assert len(inbox.subjects()) == 3
    msg = inbox.messages[2]
    body = msg.get_content()
    assert "minlife 600s" in body and "HTTP 503" in body
    assert inbox.envelopes[2] == ("apf@factory.example.org", ["ops@example.org", "oncall@example.org"])
    assert any(
        q == "ANALY_CE1" and "submits nothing: no valid credential: no valid token" in t for q, t in labels
    )
    assert any(
        q == "ANALY_CE1" and "cannot be renewed: renewing the token" in t and "HTTP 503" in t
        for q, t in labels
    )
    clock.advance(3600)  # a new interval: the problems that persist are told again
    m.check_due()
    assert al.flush(30)
    inbox.wait_for(5)
    for secret in [issuer.client_secret, *issuer.issued]:
        assert all(secret not in str(mm) for mm in inbox.messages)


def test_an_x509_profile_that_cannot_renew_alerts_too(
    tmp_path: Path, grid_tools: GridTools, clock: FakeClock, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy(tmp_path / "prodProxy", 3600)  # below minlife: renewal is due
    monkeypatch.setenv("FAKE_GRID_FAIL", "Error: Cannot find certificate of AC issuer for vo atlas")
    al = alerter(inbox, clock)
    text = f"""
[prod]
plugin = X509
x509.vorole = atlas:/atlas/Role=production
x509.proxyfile = {tmp_path}/prodProxy
x509.minlife = 7200
"""
    from tests.auth.conftest import sections

    m = AuthManager(sections(text), tmp_path / "authbase", clock=clock, alerter=al)
    try:
        m.check_due()
        assert al.flush(30)
        subjects = inbox.wait_for(2)
        assert subjects[0].endswith("credential prod cannot be renewed")
        assert "Cannot find certificate of AC issuer" in inbox.messages[0].get_content()
        assert "credential prod is refused" in subjects[1]
        with pytest.raises(AuthFailure):
            m.proxy_path(["prod"], "ANALY_X509")
        assert al.flush(30)
        assert inbox.wait_for(3)[2].endswith("queue ANALY_X509 submits nothing: no valid credential")
    finally:
        m.stop()


def test_a_dead_smtp_server_costs_a_log_line_not_a_check(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    from autopyfactory.alerts.alert import Alert
    from tests.auth.smtp import free_port

    al = Alerter(Mailer(f"127.0.0.1:{free_port()}", ("ops@example.org",), "apf@x"), 3600, clock.monotonic)
    assert al.alert(Alert("k", "subject", "body"))
    assert al.flush(30)
    assert "alert mail to ops@example.org via 127.0.0.1" in caplog.text
    assert not al.alert(Alert("k", "subject again", "body"))  # throttled
    al.close()
