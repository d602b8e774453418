"""Token lines in HTCondor submit descriptions: scitokens_file for HTCondor-CE and ARC (the
audience filled from the grid resource's CE), no proxy line when only a token is named, the
pilot's own token transferred with PANDA_AUTH_TOKEN/PANDA_AUTH_ORIGIN, check-config's refusals
for grid types that cannot use a token; and render-submit / auth status against a local issuer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.cli.main import main
from autopyfactory.plugins.context import AuthFailure, CredentialTarget
from tests.auth.clocks import FakeClock
from tests.auth.issuer import Issuer, running_issuer
from tests.htcondor.helpers import FakeAuth, load_conf, submitter

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
executable = /usr/libexec/apf/runpilot3-wrapper.sh
executable.arguments = -s ANALY_TEST -h ANALY_TEST -p 25443 -w https://pandaserver.cern.ch
monitorsection = apfmon

[token-ce]
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce01.example.org
batchsubmit.condorosgce.token = atlas-ce
batchsubmit.condorosgce.pilottoken = panda-pilot
batchsubmit.condorosgce.pilottoken.origin = atlas.pilot

[both]
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce02.example.org:9620
batchsubmit.condorosgce.proxy = atlas-production
batchsubmit.condorosgce.token = atlas-ce

[arc-rest]
batchsubmitplugin = CondorNordugrid
batchsubmit.condornordugrid.gridtype = arc
batchsubmit.condornordugrid.gridresource = https://arc01.example.org:443/arex
batchsubmit.condornordugrid.token = atlas-ce
nordugridrsl.queue = grid

[ce-generic]
batchsubmitplugin = CondorCE
batchsubmit.condorce.token = atlas-ce
batchsubmit.condorce.condor_attributes = grid_resource=condor ce03.example.org ce03.example.org:9619
"""
AUTH = """
[atlas-production]
plugin = X509
x509.proxyfile = /srv/apf/proxy/atlas-production.pem
x509.renew = False

[atlas-ce]
plugin = Token
token.source = file
token.tokenfile = /srv/tokens/{ce}_{port}.token
token.audience = {ce}:{port}

[panda-pilot]
plugin = Token
token.source = file
token.tokenfile = /srv/tokens/pilot.token
"""


def lines(tmp_path: Path, queue: str, auth: FakeAuth) -> list[str]:
    (tmp_path / "etc").mkdir(exist_ok=True)
    (tmp_path / "etc" / "auth.conf").write_text(AUTH)
    plugin: Any = submitter(load_conf(tmp_path, QUEUES), queue, auth)
    return [ln.strip() for ln in plugin.describe(time.time()).render(1).splitlines()]


def test_a_token_only_htcondor_ce_queue_has_scitokens_file_and_no_proxy(tmp_path: Path) -> None:
    auth = FakeAuth()
    out = lines(tmp_path, "token-ce", auth)
    assert "scitokens_file = /srv/apf/tokens/atlas-ce/ce01.example.org.token" in out
    assert not any(ln.startswith("x509userproxy") for ln in out)
    assert auth.targets[0] == CredentialTarget("token-ce", "ce01.example.org", 9619)
    assert "transfer_input_files = /srv/apf/tokens/panda-pilot/ce01.example.org.token" in out
    env = next(ln for ln in out if ln.startswith("environment = "))
    assert "PANDA_AUTH_TOKEN=ce01.example.org.token" in env and "PANDA_AUTH_ORIGIN=atlas.pilot" in env
    assert "should_transfer_files" not in "\n".join(out)  # the grid universe transfers input files itself


def test_proxy_and_token_both_go_in_and_the_port_comes_from_the_resource(tmp_path: Path) -> None:
    auth = FakeAuth()
    out = lines(tmp_path, "both", auth)
    assert "x509userproxy = /srv/apf/proxy/atlas-production.pem" in out
    assert "scitokens_file = /srv/apf/tokens/atlas-ce/ce02.example.org.token" in out
    assert auth.targets[0] == CredentialTarget("both", "ce02.example.org", 9620)


def test_arc_rest_and_a_generic_ce_get_their_ce_from_the_grid_resource(tmp_path: Path) -> None:
    auth = FakeAuth()
    out = lines(tmp_path, "arc-rest", auth)
    assert "grid_resource = arc https://arc01.example.org:443/arex" in out
    assert "scitokens_file = /srv/apf/tokens/atlas-ce/arc01.example.org.token" in out
    assert auth.targets[-1] == CredentialTarget("arc-rest", "arc01.example.org", 443)
    out = lines(tmp_path, "ce-generic", auth)
    assert "scitokens_file = /srv/apf/tokens/atlas-ce/ce03.example.org.token" in out
    assert auth.targets[-1] == CredentialTarget("ce-generic", "ce03.example.org", 9619)


def test_no_valid_token_means_no_description(tmp_path: Path) -> None:
    with pytest.raises(AuthFailure, match="no valid token in profiles atlas-ce"):
        lines(tmp_path, "token-ce", FakeAuth(["atlas-ce"]))


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        (
            "[q]\nbatchsubmitplugin = CondorNordugrid\nbatchsubmit.condornordugrid.gridresource = arc.example.org\n"
            "batchsubmit.condornordugrid.token = atlas-ce\nnordugridrsl.queue = grid\n",
            "grid type nordugrid cannot use a token",
        ),
        (
            "[q]\nbatchsubmitplugin = CondorCREAM\nbatchsubmit.condorcream.webservice = cream.example.org\n"
            "batchsubmit.condorcream.token = atlas-ce\n",
            "grid type cream cannot use a token",
        ),
        (
            "[q]\nbatchsubmitplugin = CondorOSGCE\nbatchsubmit.condorosgce.gridresource = ce.example.org\n"
            "batchsubmit.condorosgce.pilottoken = panda-pilot\n",
            "the pilot uses its token only with PANDA_AUTH_ORIGIN",
        ),
        (
            "[q]\nbatchsubmitplugin = CondorOSGCE\nbatchsubmit.condorosgce.gridresource = ce.example.org\n"
            "batchsubmit.condorosgce.token = atlas-production\n",
            "is an X509 profile, not a bearer token",
        ),
    ],
)
def test_check_config_refuses_tokens_where_they_cannot_work(tmp_path: Path, queue: str, message: str) -> None:
    (tmp_path / "etc").mkdir(exist_ok=True)
    (tmp_path / "etc" / "auth.conf").write_text(AUTH)
    cfg = load_conf(tmp_path, "[DEFAULT]\nwmsstatusplugin = Static\n" + queue)
    errors = [str(p) for p in cfg.queues["q"].problems if p.level == "error"]
    assert any(message in e for e in errors), errors


# -- against a local issuer, as operators run it -----------------------------------------------------


@pytest.fixture
def live_issuer() -> Iterator[Issuer]:
    with running_issuer(FakeClock(time.time())) as iss:
        yield iss


def write_site(tmp_path: Path, issuer: Issuer) -> Path:
    (tmp_path / "secrets").mkdir()
    for name, value in (("client_id", issuer.client_id), ("client_secret", issuer.client_secret)):
        (tmp_path / "secrets" / name).write_text(value + "\n")
        (tmp_path / "secrets" / name).chmod(0o600)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "auth.conf").write_text(
        f"""
[atlas-ce]
plugin = Token
token.source = client_credentials
token.issuer = {issuer.url}
token.client_id_file = {tmp_path}/secrets/client_id
token.client_secret_file = {tmp_path}/secrets/client_secret
token.audience = https://{{ce}}:{{port}}
token.scopes = compute.create compute.read compute.modify compute.cancel
token.minlife = 600

[atlas-pilot]
plugin = Token
token.source = client_credentials
token.issuer = {issuer.url}
token.client_id_file = {tmp_path}/secrets/client_id
token.client_secret_file = {tmp_path}/secrets/client_secret
token.audience = https://pandaserver.cern.ch
token.scopes = pilot
"""
    )
    load_conf(
        tmp_path,
        """
[ANALY_TOKEN_CE]
wmsstatusplugin = Static
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce01.example.org
batchsubmit.condorosgce.token = atlas-ce
batchsubmit.condorosgce.pilottoken = atlas-pilot
batchsubmit.condorosgce.pilottoken.origin = atlas.pilot
executable.arguments = -s ANALY_TOKEN_CE -h ANALY_TOKEN_CE -p 25443 -w https://pandaserver.cern.ch
monitorsection = apfmon
""",
        logs=str(tmp_path / "logs"),
    )
    return tmp_path / "etc"


def test_render_submit_and_auth_status_of_a_token_only_ce_queue(
    tmp_path: Path, live_issuer: Issuer, capsys: pytest.CaptureFixture[str]
) -> None:
    etc = write_site(tmp_path, live_issuer)
    assert main(["render-submit", "--conf", str(etc), "--queue", "ANALY_TOKEN_CE"]) == 0
    out, err = capsys.readouterr()
    base = tmp_path / "state" / "auth"
    assert f"scitokens_file = {base}/atlas-ce/ce01.example.org_9619.token" in out.splitlines()
    assert f"transfer_input_files = {base}/atlas-pilot/pandaserver.cern.ch.token" in out.splitlines()
    assert "x509userproxy" not in out and err == ""
    assert live_issuer.client_secret not in out and all(t not in out for t in live_issuer.issued)
    assert not (base / "status.json").exists()  # a tool writes no state file
    # the factory's manager writes it; auth status reads it
    from autopyfactory.auth.manager import AuthManager
    from autopyfactory.cli.tool_config import load_for_tool, tool_context

    loaded = load_for_tool(str(etc), "test")
    assert loaded is not None
    cfg, settings = loaded
    manager = AuthManager.from_config(cfg, tool_context(cfg, settings, writes=True))
    try:
        manager.token_path(["atlas-ce"], CredentialTarget("ANALY_TOKEN_CE", "ce01.example.org", 9619))
        manager.check_due()
    finally:
        manager.stop()
    assert main(["auth", "status", "--conf", str(etc)]) == 0
    status = capsys.readouterr().out
    assert "[atlas-ce] Token (token)" in status
    assert "https://ce01.example.org:9619: 59m" in status or "https://ce01.example.org:9619: 1h00m" in status
    assert "scopes: compute.create compute.read compute.modify compute.cancel" in status
    assert "last error: -" in status and "issued: 20" in status and "last check: 20" in status
    assert main(["auth", "status", "--json", "--conf", str(etc)]) == 0
    doc = json.loads(capsys.readouterr().out)
    ce = next(p for p in doc["profiles"] if p["name"] == "atlas-ce")
    (cred,) = ce["credentials"]
    assert cred["audience"] == "https://ce01.example.org:9619" and cred["usable"] is True
    assert (
        cred["issued_at"] is not None and cred["last_check"] is not None and 3500 < cred["time_left"] <= 3600
    )
    print(out)  # the closing note shows these
    print(status)
