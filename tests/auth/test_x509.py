"""The X509 handler with fake voms-proxy-* / myproxy tools: renewal when below minlife, validation
(lifetime, FQAN), myproxy with a retriever profile or a passphrase, and the errors operators see."""

from __future__ import annotations

import getpass
import os
import stat
import threading
from pathlib import Path

import pytest

from autopyfactory.plugins.context import AuthFailure
from tests.auth.conftest import GridTools
from tests.auth.fake_tools import proxy

DAY = 86400
VOMS = """
[prod]
plugin = X509
x509.flavor = voms
x509.usercert = {tmp}/usercert.pem
x509.userkey = {tmp}/userkey.pem
x509.vorole = atlas:/atlas/Role=production
x509.proxyfile = {tmp}/prodProxy
x509.lifetime = 345600
x509.minlife = 259200
"""


def test_a_missing_proxy_is_made_with_voms_proxy_init_and_then_reused(
    tmp_path: Path,
    grid_tools: GridTools,
    manager,  # type: ignore[no-untyped-def]
) -> None:
    m = manager(VOMS)
    assert m.proxy_path(["prod"]) == str(tmp_path / "prodProxy")
    (call,) = grid_tools.calls()
    argv = call["argv"][1:]
    assert argv[:6] == [
        "-ignorewarn",
        "-cert",
        f"{tmp_path}/usercert.pem",
        "-key",
        f"{tmp_path}/userkey.pem",
        "-voms",
    ]
    assert argv[6:10] == ["atlas:/atlas/Role=production", "-valid", "96:00", "-out"]
    assert stat.S_IMODE((tmp_path / "prodProxy").stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".prodProxy*"))  # written aside, then renamed into place
    m.proxy_path(["prod"])
    assert len(grid_tools.calls()) == 1


def test_a_proxy_with_enough_life_is_not_renewed(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    proxy(tmp_path / "prodProxy", 4 * DAY)
    assert manager(VOMS).proxy_path(["prod"]) == str(tmp_path / "prodProxy")
    assert grid_tools.calls() == []


def test_a_short_proxy_is_renewed_from_the_base_proxy(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    proxy(tmp_path / "prodProxy", 2 * DAY)
    m = manager(VOMS + "x509.baseproxy = {tmp}/base\nx509.voms.args = -rfc\n")
    m.proxy_path(["prod"])
    argv = grid_tools.calls()[0]["argv"][1:]
    assert argv[:6] == ["-ignorewarn", "-noregen", "-cert", f"{tmp_path}/base", "-key", f"{tmp_path}/base"]
    assert argv[-1] == "-rfc"


def test_renew_false_refuses_a_short_proxy_and_says_why(
    tmp_path: Path, grid_tools: GridTools, manager
) -> None:  # type: ignore[no-untyped-def]
    proxy(tmp_path / "prodProxy", DAY)
    m = manager(VOMS + "x509.renew = False\n")
    with pytest.raises(AuthFailure, match=r"s left < minlife 259200s \(renew = False\)"):
        m.proxy_path(["prod"])
    assert grid_tools.calls() == []


def test_a_proxy_without_the_role_is_refused(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    proxy(tmp_path / "prodProxy", 5 * DAY, fqans=("/atlas/Role=NULL/Capability=NULL",))
    with pytest.raises(AuthFailure, match="lacks FQAN /atlas/Role=production"):
        manager(VOMS).proxy_path(["prod"])


def test_a_failed_renewal_names_the_tool_error_and_the_next_profile_is_tried(
    tmp_path: Path,
    grid_tools: GridTools,
    manager,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("FAKE_GRID_FAIL", "Error: Cannot find certificate")
    proxy(tmp_path / "other", 5 * DAY)
    m = manager(
        VOMS
        + "\n[other]\nplugin = X509\nx509.proxyfile = {tmp}/other\nx509.vorole = atlas:/atlas/Role=production\n"
    )
    assert m.proxy_path(["prod", "other"]) == str(tmp_path / "other")
    with pytest.raises(AuthFailure) as err:
        m.proxy_path(["prod", "missing"])
    assert "renewing" in str(err.value) and "failed: exit 1: Error: Cannot find certificate" in str(err.value)
    assert "no auth profile [missing]" in str(err.value)


def test_myproxy_with_a_retriever_profile_authenticates_with_its_proxy(
    tmp_path: Path,
    grid_tools: GridTools,
    manager,  # type: ignore[no-untyped-def]
) -> None:
    proxy(tmp_path / "base", 6 * DAY)
    m = manager(
        """
        [base]
        plugin = X509
        x509.proxyfile = {tmp}/base
        x509.vorole = atlas
        x509.renew = False
        x509.minlife = 3600

        [pilot]
        plugin = X509
        x509.flavor = myproxy
        x509.proxyfile = {tmp}/pilotProxy
        x509.vorole = atlas:/atlas/Role=pilot
        x509.myproxy_hostname = myproxy.example.org
        x509.myproxy_username = apf
        x509.retriever_list = base
        x509.lifetime = 345600
        """
    )
    assert m.proxy_path(["pilot"]) == str(tmp_path / "pilotProxy")
    (call,) = grid_tools.calls()
    assert call["X509_USER_PROXY"] == str(tmp_path / "base")
    assert call["argv"][1:5] == ["--pshost", "myproxy.example.org", "--username", "apf"]
    assert (
        "--no_passphrase" in call["argv"] and call["argv"][call["argv"].index("--proxy_lifetime") + 1] == "96"
    )


def test_myproxy_with_a_passphrase_sends_it_on_stdin(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    m = manager(
        """
        [pilot]
        plugin = X509
        x509.flavor = myproxy
        x509.proxyfile = {tmp}/pilotProxy
        x509.myproxy_hostname = myproxy.example.org
        x509.myproxy_username = apf
        x509.myproxy_passphrase = s3cret
        x509.minlife = 3600
        """
    )
    m.proxy_path(["pilot"])
    (call,) = grid_tools.calls()
    assert "--stdin_pass" in call["argv"] and call["stdin"] == "s3cret\n"
    assert "s3cret" not in " ".join(call["argv"])


def test_legacy_proxy_conf_sections_are_x509_profiles(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    proxy(tmp_path / "old", 5 * DAY)
    m = manager(
        f"[atlas]\nproxyfile = {tmp_path}/old\nvorole = atlas:/atlas/Role=production\nrenew = False\n"
    )
    assert m.proxy_path(["atlas"]) == str(tmp_path / "old")


def test_owner_gets_the_proxy(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    m = manager(VOMS + f"x509.owner = {getpass.getuser()}\n")
    m.proxy_path(["prod"])
    assert (tmp_path / "prodProxy").stat().st_uid == os.getuid()


def test_a_failing_profile_is_not_retried_on_every_lookup(
    tmp_path: Path,
    grid_tools: GridTools,
    manager,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("FAKE_GRID_FAIL", "Error: VOMS server unreachable")
    m = manager(VOMS)
    for _ in range(3):
        with pytest.raises(AuthFailure, match="VOMS server unreachable"):
            m.proxy_path(["prod"])
    assert len(grid_tools.calls()) == 1
    monkeypatch.delenv("FAKE_GRID_FAIL")
    m.check_due()  # the periodic check does retry
    assert m.proxy_path(["prod"]) == str(tmp_path / "prodProxy")


@pytest.mark.parametrize("retrievers", [("a", "a"), ("b", "a")])
def test_a_retriever_list_leading_back_to_the_profile_fails_instead_of_hanging(
    tmp_path: Path,
    grid_tools: GridTools,
    manager,  # type: ignore[no-untyped-def]
    retrievers: tuple[str, str],
) -> None:
    profile = """
        [{name}]
        plugin = X509
        x509.flavor = myproxy
        x509.proxyfile = {{tmp}}/{name}Proxy
        x509.myproxy_hostname = myproxy.example.org
        x509.myproxy_username = apf
        x509.retriever_list = {retriever}
        x509.minlife = 3600
        """
    m = manager(
        profile.format(name="a", retriever=retrievers[0]) + profile.format(name="b", retriever=retrievers[1])
    )
    outcome: list[BaseException] = []

    def lookup() -> None:
        try:
            m.proxy_path(["a"])
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=lookup, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "the lookup deadlocked"
    (exc,) = outcome
    assert isinstance(exc, AuthFailure) and "leads back to this profile" in str(exc)
    assert grid_tools.calls() == []
