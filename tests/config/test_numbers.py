"""Non-finite numbers (every spelling float() accepts) are rejected wherever a number is read from
configuration, with an error naming file, section, key, value and what is expected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autopyfactory.batch.slurm.limits import memory_mb
from autopyfactory.cli.main import main
from autopyfactory.config.keys import FLOAT, INT, NONNEG_FLOAT, BadValue, Key, finite_float, ratio
from autopyfactory.loading.loader import load
from autopyfactory.monitor_server.settings import SettingsError, load_settings
from autopyfactory.wrapper.stage.exitcodes import StageError
from autopyfactory.wrapper.stage.sources import parse_ratio

NON_FINITE = [
    "nan",
    "NaN",
    "-nan",
    "+nan",
    "inf",
    "-inf",
    "+Infinity",
    "INFINITY",
    "1e999",
    "-1E999",
    " nan ",
]

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Ready, Scale

[Q1]
wmsqueue = SITE1
"""


@pytest.mark.parametrize("raw", NON_FINITE)
def test_every_number_type_refuses_every_spelling_of_nan_and_infinity(raw: str) -> None:
    for kind in (FLOAT, NONNEG_FLOAT, INT, ratio()):
        with pytest.raises(BadValue):
            Key("k", kind).parse(raw)
    with pytest.raises(ValueError, match="not a finite number"):
        finite_float(raw)


def test_a_plugin_key_type_of_its_own_cannot_let_infinity_through() -> None:
    """Key.parse checks what any type returns (the CRIC plugin's 'number > 0' took inf)."""
    from autopyfactory.cric.keys import POSITIVE

    with pytest.raises(BadValue, match="finite"):
        Key("config.queues.cric.sleep", POSITIVE).parse("inf")


@pytest.mark.parametrize(
    ("where", "line", "section", "key"),
    [
        ("queue", "apfqueue.sleep = inf", "Q1", "apfqueue.sleep"),
        ("queue", "wmsstatus.maxage = nan", "Q1", "wmsstatus.maxage"),
        ("queue", "sched.scale.factor = nan", "Q1", "sched.scale.factor"),
        ("queue", "wrapper.checks.disk = 1e999", "Q1", "wrapper.checks.disk"),
        ("factory", "status.timeout = nan", "Factory", "status.timeout"),
        ("factory", "batch.local.killgrace = -inf", "Factory", "batch.local.killgrace"),
    ],
)
def test_check_config_reports_them_with_file_section_key_value_and_expectation(
    conf_tree, capsys, where: str, line: str, section: str, key: str
) -> None:  # type: ignore[no-untyped-def]
    queues = QUEUES + (line + "\n" if where == "queue" else "")
    etc: Path = conf_tree(factory=line + "\n" if where == "factory" else "", files={"queues.conf": queues})
    assert main(["check-config", "--conf", str(etc), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    problems = data["problems"] + data["queues"]["Q1"]["problems"]
    (p,) = [p for p in problems if p["key"] == key and p["level"] == "error"]
    expected_file = "autopyfactory.conf" if where == "factory" else "queues.conf"
    assert p["file"].endswith(expected_file) and p["section"] == section
    assert p["value"] == line.split(" = ", 1)[1]
    assert "finite number" in p["message"] and p["message"].startswith("expected ")


def test_panda_maxage_nan_disables_the_panda_queues_instead_of_making_stale_data_fresh(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="wmsstatus.panda.maxage = nan\n",
        files={"queues.conf": QUEUES.replace("Static", "Panda")},
    )
    (p,) = [p for p in load(str(etc)).queues["Q1"].errors if p.key == "wmsstatus.panda.maxage"]
    assert (p.section, p.value) == ("Factory", "nan")


def test_cric_settings_refuse_infinity(conf_tree) -> None:  # type: ignore[no-untyped-def]
    from autopyfactory.config.problems import ConfigError
    from autopyfactory.config.section import ConfigSection
    from autopyfactory.cric.keys import CRICSettings

    s = ConfigSection.from_dict("Factory", {"config.queues.agis.sleep": "Infinity"}, "autopyfactory.conf")
    with pytest.raises(ConfigError, match=r"config\.queues\.agis\.sleep = 'Infinity': expected .*finite"):
        CRICSettings.from_section(s)


def test_strings_parsed_as_numbers_elsewhere_refuse_them_too(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="finite"):
        parse_ratio("nan,1", 2)  # wrapper.pilotcoderatio: checked by check-config and on the node
    with pytest.raises(ValueError, match="too large"):
        memory_mb("9" * 400 + "G")  # batchsubmit.slurm.memory
    conf = tmp_path / "monitor.ini"
    for line in ("[monitor]\nactivity_hours = nan\n", "[expiry]\ninterval = " + "9" * 400 + "\n"):
        conf.write_text(line)
        with pytest.raises(SettingsError, match="not a finite number"):
            load_settings(conf)


def test_wrapper_pilotcode_ratio_nan_is_a_queue_error(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": QUEUES
            + "wrapper.pilotcode = https://a.example.org/p.tgz, https://b.example.org/p.tgz\n"
            + "wrapper.pilotcoderatio = nan, 1\n"
        }
    )
    errors = load(str(etc)).queues["Q1"].errors
    assert [e.key for e in errors] == ["wrapper.pilotcode"] and "finite" in errors[0].message


def test_the_sleep_option_refuses_them() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "autopyfactory", "--sleep", "nan", "--oneshot"], capture_output=True, text=True
    )
    assert r.returncode == 2 and "--sleep" in r.stderr and "nan" in r.stderr
