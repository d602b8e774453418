"""check-config's checks of Token profiles: what a source lacks, templates that cannot work,
lifetimes that contradict each other, secret files that cannot be read or are readable by others."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.auth.validation import check_profiles
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.plugins.registry import registry
from tests.auth.conftest import sections


def problems(text: str) -> list[ConfigProblem]:
    found, _ = check_profiles(sections(text), registry)
    return found


def keyed(found: list[ConfigProblem]) -> dict[str, ConfigProblem]:
    return {p.key: p for p in found}


@pytest.mark.parametrize(
    ("source", "needs"),
    [
        ("client_credentials", {"token.client_id_file", "token.client_secret_file", "token.issuer"}),
        ("oidc-agent", {"token.oidc_account"}),
        ("htgettoken", {"token.vaultserver"}),
        ("file", {"token.tokenfile"}),
    ],
)
def test_each_source_names_the_keys_it_lacks(source: str, needs: set[str]) -> None:
    found = [p for p in problems(f"[t]\nplugin = Token\ntoken.source = {source}\n") if p.level == "error"]
    assert {p.key for p in found} == needs
    assert all(p.hint.startswith("add '") for p in found)


def test_a_missing_source_and_an_unknown_key_are_reported() -> None:
    found = keyed(problems("[t]\nplugin = Token\ntoken.audiance = x\n"))
    assert "is required" in found["token.source"].message
    assert found["token.audiance"].level == "warning"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "token.audience",
            "https://{host}:9619",
            "unknown field {host}: the fields are {ce}, {port}, {queue}",
        ),
        ("token.audience", "https://{ce:>10}", "{ce} takes no format or conversion"),
        ("token.audience", "https://{ce", "bad template"),
        ("token.tokenfile", "/t/{ce!r}.tok", "takes no format"),
    ],
)
def test_bad_templates_are_errors(key: str, value: str, message: str) -> None:
    found = keyed(
        problems(f"[t]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = /t/x\n{key} = {value}\n")
    )
    assert found[key].level == "error" and message in found[key].message


def test_one_file_for_many_audiences_is_an_error() -> None:
    found = keyed(
        problems("[t]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = /t/x\ntoken.audience = {ce}\n")
    )
    assert "every audience needs a file of its own" in found["token.tokenfile"].message


def test_minlife_renewlife_and_lifetime_must_agree() -> None:
    base = "[t]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = /t/x\ntoken.issuer = https://iam.example.org/\n"
    found = keyed(problems(base + "token.minlife = 1200\ntoken.renewlife = 1000\ntoken.lifetime = 1100\n"))
    assert "already refused" in found["token.renewlife"].message
    assert "a fresh token (1100s) would already be refused (minlife 1200s)" in found["token.lifetime"].message
    found = keyed(problems(base + "token.minlife = 600\ntoken.lifetime = 1000\n"))
    assert (
        found["token.lifetime"].level == "warning" and "every check renews" in found["token.lifetime"].message
    )
    assert problems(base + "token.minlife = 600\ntoken.lifetime = 3600\n") == []


def test_urls_and_unverified_signatures() -> None:
    found = keyed(problems("[t]\nplugin = Token\ntoken.source = oidc-agent\ntoken.oidc_account = a\n"))
    assert (
        found["token.issuer"].level == "warning"
        and "signatures are not checked" in found["token.issuer"].message
    )
    found = keyed(
        problems(
            "[t]\nplugin = Token\ntoken.source = oidc-agent\ntoken.oidc_account = a\ntoken.issuer = http://iam.example.org\n"
        )
    )
    assert "plain http" in found["token.issuer"].message
    found = keyed(
        problems(
            "[t]\nplugin = Token\ntoken.source = oidc-agent\ntoken.oidc_account = a\ntoken.issuer = iam\n"
        )
    )
    assert found["token.issuer"].level == "error"


def test_secret_files_must_be_readable_and_private(tmp_path: Path) -> None:
    (tmp_path / "id").write_text("client\n")
    (tmp_path / "secret").write_text("s3cret\n")
    (tmp_path / "secret").chmod(0o644)
    text = f"""
[t]
plugin = Token
token.source = client_credentials
token.issuer = https://iam.example.org/
token.client_id_file = {tmp_path}/missing
token.client_secret_file = {tmp_path}/secret
"""
    found, states = check_profiles(sections(text), registry)
    by_key = keyed(found)
    assert "cannot read" in by_key["token.client_id_file"].message
    assert "readable by others (mode 644)" in by_key["token.client_secret_file"].message
    assert by_key["token.client_secret_file"].hint == f"chmod 600 {tmp_path}/secret"
    assert all("s3cret" not in str(p) for p in found)
    assert states["t"].usable  # the machine's state, not the configuration: queues still start


def test_without_the_tokens_extra_a_token_profile_says_which_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from autopyfactory.plugins.registry import Registry

    monkeypatch.setitem(sys.modules, "jwt", None)
    found, states = check_profiles(
        sections("[t]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = /t/x\n"), Registry()
    )
    (problem,) = found
    assert problem.key == "plugin" and "needs the 'tokens' extra" in problem.message
    assert "pip install 'autopyfactory[tokens]'" in problem.message
    assert not states["t"].usable
