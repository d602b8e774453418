"""The monitor configuration file, and the CLI's migrate and token actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.cli.main import main
from autopyfactory.monitor_server.db.engine import make_engine
from autopyfactory.monitor_server.db.tx import reading
from autopyfactory.monitor_server.settings import AuthMode, SettingsError, load_settings, parse_duration
from autopyfactory.monitor_server.store.tokens import factory_of_token


def test_durations() -> None:
    assert [parse_duration(x) for x in ("90", "90s", "30m", "6h", "7d", "1.5h")] == [
        90,
        90,
        1800,
        21600,
        604800,
        5400,
    ]
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APFMON_ADMIN_TOKEN", raising=False)
    (tmp_path / "admin").write_text("s3cret\n")
    conf = tmp_path / "monitor.ini"
    conf.write_text(
        f"[monitor]\ndb = postgresql://db/apfmon\nport = 9000\nworkers = 2\n"
        f"[auth]\nmode = address\nadmin_token_file = {tmp_path}/admin\n"
        "[expiry]\nexiting_done_after = 10m\ncreated_flag_after = 2h\nenabled = no\n"
    )
    s = load_settings(conf)
    assert (s.db_url, s.port, s.workers, s.auth.mode, s.auth.admin_token) == (
        "postgresql://db/apfmon", 9000, 2, AuthMode.ADDRESS, "s3cret",
    )  # fmt: skip
    assert (s.expiry.exiting_done_after, s.expiry.created_flag_after, s.expiry.enabled) == (600, 7200, False)
    assert s.expiry.flagged_fault_after == 86400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[auth]\nmode = ip\n", "[auth] mode = 'ip': expected 'token' or 'address'"),
        ("[monitor]\nport = http\n", "[monitor] port = 'http'"),
        ("[expiry]\ninterval = often\n", "[expiry] interval = 'often'"),
    ],
)
def test_bad_settings_name_section_key_and_value(tmp_path: Path, text: str, message: str) -> None:
    conf = tmp_path / "m.ini"
    conf.write_text(text)
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(conf)


def test_cli_migrate_and_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    assert main(["monitor", "migrate", "--db", db]) == 0
    assert "revision 0003" in capsys.readouterr().out
    assert main(["monitor", "token", "create", "fac-1", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    with reading(make_engine(db)) as conn:
        assert factory_of_token(conn, token) == "fac-1"
    assert main(["monitor", "token", "list", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("fac-1\t")
    assert main(["monitor", "token", "revoke", "fac-1", "--db", db]) == 0
    assert main(["monitor", "token", "revoke", "fac-1", "--db", db]) == 1
    assert main(["monitor", "token", "create", "--db", db]) == 2


def test_the_documented_example_configuration_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    monkeypatch.delenv("APFMON_ADMIN_TOKEN", raising=False)
    doc = (Path(__file__).parents[2] / "docs" / "monitor.md").read_text()
    example = re.search(r"```ini\n(\[monitor\].*?)```", doc, re.S)
    assert example is not None
    (tmp_path / "admin").write_text("s3cret\n")
    conf = tmp_path / "monitor.ini"
    conf.write_text(example.group(1).replace("/etc/apfmon/admin-token", str(tmp_path / "admin")))
    s = load_settings(conf)
    assert (s.workers, s.auth.mode, s.auth.admin_token, s.expiry.keep_finished) == (
        2,
        AuthMode.TOKEN,
        "s3cret",
        7 * 86400,
    )
    assert s.auth.address_factories == ("BNL-gridui11-apf24", "CERN_central_A")
    assert s.auth.trusted_networks == ("192.0.2.0/24", "2001:db8::/48")
