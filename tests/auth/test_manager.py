"""The manager: 2.4's auth bugs fixed (unknown plugins, profile removal), reconfiguration, the
background checks, and construction from the factory configuration."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autopyfactory.auth.manager import AuthManager
from autopyfactory.loading.loader import load
from autopyfactory.plugins.context import AuthFailure, FactoryContext
from tests.auth.conftest import GridTools, sections
from tests.auth.fake_tools import proxy

PROD = "[prod]\nplugin = X509\nx509.proxyfile = {tmp}/prodProxy\nx509.minlife = 3600\nx509.checktime = 600\n"


def test_an_unknown_plugin_is_a_config_error_not_an_ssh_handler(manager) -> None:  # type: ignore[no-untyped-def]
    m = manager("[typo]\nplugin = SHH\nssh.privatekeyfile = /x\n")
    (problem,) = m.problems()
    assert (problem.level, problem.section, problem.key, problem.value) == ("error", "typo", "plugin", "SHH")
    assert "did you mean 'SSH'" in problem.message
    with pytest.raises(AuthFailure, match=r"auth profile \[typo\] is unusable"):
        m.ssh_key_paths("typo")


def test_unknown_keys_and_bad_values_are_reported_per_profile(manager) -> None:  # type: ignore[no-untyped-def]
    m = manager("[p]\nplugin = X509\nx509.proxyfile = /p\nx509.minlif = 5\nx509.lifetime = week\n")
    found = {(p.level, p.key) for p in m.problems()}
    assert found == {("warning", "x509.minlif"), ("error", "x509.lifetime")}
    with pytest.raises(AuthFailure, match=r"x509\.lifetime"):
        m.proxy_path(["p"])


def test_reconfigure_keeps_unchanged_profiles_and_drops_removed_ones(tmp_path: Path, manager) -> None:  # type: ignore[no-untyped-def]
    text = PROD + "\n[ssh]\nplugin = SSH\nssh.privatekeyfile = /k\n"
    m = manager(text)
    prod, ssh = m.handler("prod"), m.handler("ssh")
    m.reconfigure(
        sections((PROD + "\n[ssh]\nplugin = SSH\nssh.privatekeyfile = /k2\n").replace("{tmp}", str(tmp_path)))
    )
    assert m.handler("prod") is prod and m.handler("ssh") is not ssh
    m.reconfigure(sections(PROD.replace("{tmp}", str(tmp_path))))
    assert m.profile_names() == ["prod"]
    with pytest.raises(AuthFailure, match=r"no auth profile \[ssh\]"):
        m.handler("ssh")


def test_checks_run_when_due(tmp_path: Path, grid_tools: GridTools, manager) -> None:  # type: ignore[no-untyped-def]
    m = manager(PROD)
    t0 = time.monotonic()
    assert m.check_due(t0) == ["prod"]
    assert len(grid_tools.calls()) == 1
    assert m.check_due(t0 + 10) == []
    assert m.check_due(t0 + 600) == ["prod"]
    assert len(grid_tools.calls()) == 1  # the proxy made at the first check is still good


def test_the_background_thread_renews_without_any_lookup(
    tmp_path: Path, grid_tools: GridTools, manager
) -> None:  # type: ignore[no-untyped-def]
    m = manager(PROD)
    m.start()
    deadline = time.monotonic() + 20
    while not (tmp_path / "prodProxy").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    m.stop()
    assert (tmp_path / "prodProxy").exists() and len(grid_tools.calls()) == 1


def test_from_config_reads_auth_conf_proxy_conf_and_the_legacy_switches(tmp_path: Path, conf_tree) -> None:  # type: ignore[no-untyped-def]
    proxy(tmp_path / "p1", 5 * 86400, fqans=())
    etc = conf_tree(
        factory="proxymanager.enabled = False\nproxymanager.sleep = 7\n",
        files={
            "auth.conf": f"[a]\nplugin = X509\nx509.proxyfile = {tmp_path}/p1\nx509.renew = False\n",
            "proxy.conf": f"[old]\nproxyfile = {tmp_path}/p2\n",
        },
    )
    cfg = load(str(etc))
    assert cfg.settings is not None
    m = AuthManager.from_config(cfg, FactoryContext(cfg.factory, cfg.settings, cfg.mappings))
    assert (m.enabled, m.sleep, sorted(m.profile_names())) == (False, 7.0, ["a", "old"])
    assert m.basedir == cfg.settings.state_dir / "auth"
    m.start()  # disabled: no thread
    assert m._thread is None
