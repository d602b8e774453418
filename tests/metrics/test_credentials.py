"""Credential time left per auth profile, read from the auth manager's ``statuses()``: X509 proxies
checked with (fake) voms-proxy-info; a profile not checked yet shows no time; one refused shows 0 in
credential_ok; the kind is what the profile's handler declares it provides."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from autopyfactory.auth.credential_status import CredentialStatus
from autopyfactory.auth.manager import AuthManager
from autopyfactory.auth.token import TokenHandler
from autopyfactory.auth.x509 import X509Handler
from autopyfactory.config.credentials import TOKEN, X509
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.metrics.collector import FactoryMetrics
from autopyfactory.engine.metrics.credentials import auth_statuses, credential_families
from autopyfactory.plugins.context import AuthFailure
from tests.auth.conftest import GridTools, sections
from tests.auth.fake_tools import install, proxy
from tests.engine import fakes
from tests.metrics.scrape import Scrape

DAY = 86400
PROFILES = """
[prod]
plugin = X509
x509.flavor = voms
x509.usercert = {tmp}/usercert.pem
x509.userkey = {tmp}/userkey.pem
x509.vorole = atlas:/atlas/Role=production
x509.proxyfile = {tmp}/prodProxy
x509.minlife = 3600
x509.renew = False

[short]
plugin = X509
x509.proxyfile = {tmp}/shortProxy
x509.minlife = 7200
x509.renew = False

[unchecked]
plugin = X509
x509.proxyfile = {tmp}/otherProxy

[ssh]
plugin = SSH
ssh.type = rsa
ssh.publickeyfile = {tmp}/id.pub
ssh.privatekeyfile = {tmp}/id
"""


@pytest.fixture
def grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GridTools:
    install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_GRID_LOG", str(tmp_path / "grid.log"))
    return GridTools(tmp_path / "grid.log")


@pytest.fixture
def auth(tmp_path: Path, grid: GridTools) -> Iterator[AuthManager]:
    m = AuthManager(sections(PROFILES.replace("{tmp}", str(tmp_path))), tmp_path / "authbase")
    yield m
    m.stop()


class Credentials(Collector):
    """The credential families alone, at a given time."""

    def __init__(self, statuses: list[CredentialStatus], now: float) -> None:
        self.statuses, self.now = statuses, now

    def collect(self) -> Iterator[Metric]:
        return credential_families(self.statuses, self.now)


def scrape(auth: object, now: float) -> Scrape:
    """The credential families of an auth manager (or of a list of statuses)."""
    statuses = auth if isinstance(auth, list) else auth_statuses(auth)
    reg = CollectorRegistry()
    reg.register(Credentials(statuses, now))
    return Scrape(generate_latest(reg).decode())


def test_time_left_minlife_and_health_per_profile(tmp_path: Path, auth: AuthManager) -> None:
    proxy(tmp_path / "prodProxy", 4 * DAY)
    proxy(tmp_path / "shortProxy", 3600, fqans=())
    (tmp_path / "id").write_text("key\n")
    (tmp_path / "id.pub").write_text("ssh-rsa AAAA\n")
    assert auth.proxy_path(["prod"]) == str(tmp_path / "prodProxy")
    with pytest.raises(AuthFailure, match="minlife 7200s"):
        auth.proxy_path(["short"])
    s = scrape(auth, time.time())
    assert X509Handler.provides == X509 and TokenHandler.provides == TOKEN  # the kinds the handlers declare
    left = s.value("autopyfactory_credential_time_left_seconds", profile="prod", kind=X509)
    assert left is not None and 4 * DAY - 120 < left <= 4 * DAY
    assert s.value("autopyfactory_credential_minlife_seconds", profile="prod") == 3600
    assert s.value("autopyfactory_credential_ok", profile="prod") == 1
    # below minlife and not renewed: refused, with the time it still has
    short = s.value("autopyfactory_credential_time_left_seconds", profile="short")
    assert short is not None and 3600 - 120 < short <= 3600
    assert s.value("autopyfactory_credential_ok", profile="short") == 0
    # never asked for nor checked: its minlife, no time and no verdict yet
    assert s.value("autopyfactory_credential_time_left_seconds", profile="unchecked") is None
    assert s.value("autopyfactory_credential_ok", profile="unchecked") is None
    assert s.value("autopyfactory_credential_minlife_seconds", profile="unchecked") is not None
    # an SSH key has no lifetime to report
    assert "ssh" not in s.label_values("autopyfactory_credential_minlife_seconds", "profile")
    # the time left is the scrape's: a day later, a day less
    later = scrape(auth, time.time() + DAY)
    assert later.value("autopyfactory_credential_time_left_seconds", profile="prod") == pytest.approx(
        left - DAY, abs=120
    )


def test_a_profile_with_several_credentials_shows_the_shortest_and_any_failure() -> None:
    now = 1_000_000.0
    several = [
        CredentialStatus("tokens", TOKEN, "/a", now + 600, 60, audience="ce1", last_check=now - 1),
        CredentialStatus(
            "tokens",
            TOKEN,
            "/b",
            now + 3600,
            300,
            audience="ce2",
            last_check=now - 1,
            last_error="issuer unreachable",
        ),
        CredentialStatus("tokens", TOKEN, "/c", None, 0, audience="ce3"),
    ]
    s = scrape(several, now)
    assert s.value("autopyfactory_credential_time_left_seconds", profile="tokens", kind=TOKEN) == 600
    assert s.value("autopyfactory_credential_minlife_seconds", profile="tokens") == 300
    assert s.value("autopyfactory_credential_ok", profile="tokens") == 0


@pytest.mark.parametrize("auth", [None, object()])
def test_no_auth_manager_shows_no_credentials(auth: object) -> None:
    s = scrape(auth, time.time())
    assert s.samples("autopyfactory_credential_minlife_seconds") == []


def test_a_failing_manager_does_not_fail_the_scrape(
    auth: AuthManager, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[CredentialStatus]:
        raise RuntimeError("boom")

    monkeypatch.setattr(auth, "statuses", broken)
    assert scrape(auth, time.time()).samples("autopyfactory_credential_ok") == []
    assert "statuses() failed" in caplog.text


def test_the_factorys_auth_manager_feeds_its_metrics(conf_tree, tmp_path: Path, grid: GridTools) -> None:  # type: ignore[no-untyped-def]
    fakes.reset()
    profile = (
        "[prod]\nplugin = X509\nx509.proxyfile = {tmp}/prodProxy\nx509.minlife = 600\nx509.renew = False\n"
    )
    queues = "[A]\nwmsstatusplugin = FakeWMS\nbatchstatusplugin = FakeBatch\nbatchsubmitplugin = FakeSubmit\n"
    etc = conf_tree(files={"auth.conf": profile.replace("{tmp}", str(tmp_path)), "queues.conf": queues})
    proxy(tmp_path / "prodProxy", 2 * DAY, fqans=())
    f = Factory(RunOptions(conf=str(etc), services=False))
    try:
        m = FactoryMetrics(f)
        assert Scrape(m.render().decode()).value("autopyfactory_credential_ok", profile="prod") is None
        assert f.ctx.auth is not None
        f.ctx.auth.proxy_path(["prod"])  # a queue asks: the profile is checked
        s = Scrape(m.render().decode())
        assert s.value("autopyfactory_credential_ok", profile="prod", kind=X509) == 1
        left = s.value("autopyfactory_credential_time_left_seconds", profile="prod")
        assert left is not None and 2 * DAY - 120 < left <= 2 * DAY
    finally:
        f.shutdown()
