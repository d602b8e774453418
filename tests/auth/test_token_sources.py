"""The token sources at their process boundary (fake ``oidc-token`` / ``htgettoken`` on PATH) and
the rule that secrets and tokens never reach a log, a command line or a helper's environment."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.auth.manager import AuthManager
from autopyfactory.plugins.context import AuthFailure, CredentialTarget
from tests.auth.clocks import FakeClock
from tests.auth.fake_token_tools import install
from tests.auth.issuer import Issuer

Make = Callable[..., AuthManager]
CE1 = CredentialTarget("ANALY_CE1", "ce1.example.org", 9619)
AUD = "https://ce1.example.org:9619"


class Tools:
    def __init__(self, tmp: Path) -> None:
        self.log = tmp / "tools.log"
        self.token = tmp / "next.token"

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(ln) for ln in self.log.read_text().splitlines()] if self.log.exists() else []


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tools]:
    install(tmp_path / "toolbin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'toolbin'}{os.pathsep}{os.environ.get('PATH', '')}")
    t = Tools(tmp_path)
    monkeypatch.setenv("FAKE_TOKEN_LOG", str(t.log))
    monkeypatch.setenv("FAKE_TOKEN_FILE", str(t.token))
    monkeypatch.delenv("FAKE_TOKEN_FAIL", raising=False)
    yield t


OIDC = """
[agent]
plugin = Token
token.source = oidc-agent
token.oidc_account = atlas-pilots
token.oidc_sock = {tmp}/oidc.sock
token.issuer = {issuer}
token.audience = https://{ce}:{port}
token.scopes = compute.create compute.read
token.minlife = 600
"""
HTGET = """
[vault]
plugin = Token
token.source = htgettoken
token.vaultserver = htvault.example.org
token.vaultissuer = atlas
token.vaultrole = pilot
token.issuer = {issuer}
token.audience = https://{ce}:{port}
token.scopes = compute.create, compute.read
token.minlife = 600
token.htgettoken.args = --nokerberos
"""


def test_oidc_agent_is_asked_with_audience_scopes_and_minimum_validity(
    tmp_path: Path, issuer: Issuer, tools: Tools, token_manager: Make
) -> None:
    tools.token.write_text(issuer.mint(aud=AUD, scope="compute.create compute.read"))
    path = token_manager(OIDC).token_path(["agent"], CE1)
    assert Path(path).read_text().strip() == tools.token.read_text().strip()
    (call,) = tools.calls()
    assert call["argv"][1:] == [
        f"--aud={AUD}",
        "--scope=compute.create compute.read",
        "--time=1500",  # renewlife 1200 + checktime 300: good until the next check
        "--name=autopyfactory",
        "atlas-pilots",
    ]
    assert call["env"]["OIDC_SOCK"] == f"{tmp_path}/oidc.sock"


def test_htgettoken_writes_to_a_private_scratch_file_that_is_removed(
    tmp_path: Path, issuer: Issuer, tools: Tools, token_manager: Make
) -> None:
    tools.token.write_text(issuer.mint(aud=AUD, scope="compute.create compute.read"))
    path = Path(token_manager(HTGET).token_path(["vault"], CE1))
    (call,) = tools.calls()
    out = call["argv"][call["argv"].index("-o") + 1]
    assert call["argv"][1:] == [
        "-a", "htvault.example.org", "-i", "atlas", "-r", "pilot", f"--audience={AUD}",
        "--scopes=compute.create,compute.read", "--minsecs=1500", "--nooidc", "-o", out, "--nokerberos",
    ]  # fmt: skip
    assert Path(out).parent == path.parent and not Path(out).exists()
    assert path.read_text().strip() == tools.token.read_text().strip()


def test_a_failing_helper_is_reported_with_its_message_and_nothing_is_written(
    tmp_path: Path, issuer: Issuer, tools: Tools, token_manager: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TOKEN_FAIL", "Error: Could not connect to oidc-agent")
    tools.token.write_text("unused")
    with pytest.raises(
        AuthFailure, match=r"oidc-token .account atlas-pilots. failed: Error: Could not connect"
    ):
        token_manager(OIDC).token_path(["agent"], CE1)


CC = """
[cc]
plugin = Token
token.source = client_credentials
token.issuer = {issuer}
token.client_id_file = {tmp}/secrets/client_id
token.client_secret_file = {tmp}/secrets/client_secret
token.audience = https://{ce}:{port}
token.scopes = compute.create
"""


def test_secrets_and_tokens_never_reach_logs_command_lines_or_helper_environments(
    tmp_path: Path,
    clock: FakeClock,
    issuer: Issuer,
    secrets: Path,
    tools: Tools,
    token_manager: Make,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    m = token_manager(CC + OIDC + HTGET)
    m.token_path(["cc"], CE1)
    clock.advance(2500)
    m.check_due()  # renewed
    issuer.down = True
    clock.advance(2500)
    m.check_due()  # renewal fails: logged with the endpoint's answer
    issuer.down = False
    (secrets / "client_secret").write_text("wrong-" + issuer.client_secret)  # a rejected secret
    clock.advance(300)
    m.check_due()
    tools.token.write_text(issuer.mint(aud=AUD, scope="compute.create compute.read"))
    m.token_path(["agent"], CE1)
    m.token_path(["vault"], CE1)
    m.review()
    secret_values = [
        issuer.client_secret,
        "wrong-" + issuer.client_secret,
        *issuer.issued,
        tools.token.read_text().strip(),
    ]
    assert len(issuer.issued) == 2 and "invalid_client" in m.statuses()[0].last_error
    state = (tmp_path / "authbase" / "status.json").read_text()
    for secret in secret_values:
        assert secret not in caplog.text
        assert secret not in state
        for call in tools.calls():
            assert all(secret not in arg for arg in call["cmdline"])
            assert all(secret not in v for v in call["env"].values())
    assert len(tools.calls()) == 2
