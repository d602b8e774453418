"""The factory end to end: an HTCondor-CE queue gets its x509userproxy from the auth manager."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from tests.auth.fake_tools import install, proxy
from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.helpers import load_conf

QUEUES = """
[CE1]
wmsstatusplugin = Static
wmsstatus.static.activated = 3
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce1.example.org
batchsubmit.condorosgce.proxy = expired, prod
executable = /bin/true
schedplugin = Ready
"""


def test_pilots_carry_the_first_valid_proxy_of_the_queue_profiles(
    tmp_path: Path, fake_condor: FakePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    proxy(tmp_path / "expired.pem", 60)
    proxy(tmp_path / "prod.pem", 5 * 86400)
    load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    (tmp_path / "etc" / "auth.conf").write_text(
        f"[expired]\nplugin = X509\nx509.proxyfile = {tmp_path}/expired.pem\nx509.renew = False\n\n"
        f"[prod]\nplugin = X509\nx509.proxyfile = {tmp_path}/prod.pem\nx509.renew = False\n"
    )
    f = Factory(RunOptions(conf=str(tmp_path / "etc"), services=False))
    try:
        (out,) = f.run_cycle().outcomes
    finally:
        f.shutdown()
    assert out.action == "submitted 3", out.error
    ads = list(fake_condor.only().jobs.values())
    assert {a["x509userproxy"] for a in ads} == {f"{tmp_path}/prod.pem"}
    assert {a["GridResource"] for a in ads} == {"condor ce1.example.org ce1.example.org:9619"}
