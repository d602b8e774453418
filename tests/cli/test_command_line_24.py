"""2.4 command lines keep 2.4's meaning: ``--sleep`` changes no cadence, the last of ``-d``/``-v``
wins, and an option whose value is a command's name never loses the implicit ``run``."""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from autopyfactory.cli.main import COMMANDS, parse
from autopyfactory.cli.run import run_options
from autopyfactory.engine.factory import Factory

# 2.4's etc/sysconfig/autopyfactory, as its init script passes it
SYSCONFIG_OPTIONS = " --sleep=60 --runas=autopyfactory --log=/var/log/autopyfactory/autopyfactory.log"

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
batchsubmitplugin = Local
executable = /bin/true
schedplugin = Ready

[SLOW]
apfqueue.sleep = 360

[FAST]
apfqueue.sleep = 120
"""


def test_the_sysconfig_command_line_runs_the_factory_with_its_options() -> None:
    args, _ = parse(["--conf", "/etc/autopyfactory/autopyfactory.conf", *shlex.split(SYSCONFIG_OPTIONS)])
    assert args.command == "run"
    assert (args.runas, args.log, args.sleep) == (
        "autopyfactory",
        "/var/log/autopyfactory/autopyfactory.log",
        60.0,
    )


def test_sleep_leaves_every_queue_at_its_apfqueue_sleep(conf_tree, caplog) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    args, _ = parse(["--conf", str(etc), "--sleep=60", "--oneshot"])
    with caplog.at_level(logging.INFO, logger="autopyfactory.cli"):
        opts = run_options(args)
    assert opts.sleep is None and opts.cycles == 1
    assert "--sleep=60.0 ignored, as 2.4 ignored it" in caplog.text
    opts.services = False
    f = Factory(opts)
    try:
        assert {n: rt.sleep for n, rt in f.queues.items()} == {"SLOW": 360.0, "FAST": 120.0}
    finally:
        f.shutdown()


def test_queue_sleep_is_the_override_2_4_did_not_have(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    args, _ = parse(["--conf", str(etc), "--sleep", "60", "--queue-sleep", "5"])
    opts = run_options(args)
    opts.services = False
    f = Factory(opts)
    try:
        assert {rt.sleep for rt in f.queues.values()} == {5.0}
    finally:
        f.shutdown()


@pytest.mark.parametrize(
    ("words", "level"),
    [
        (["-d", "-v"], logging.INFO),
        (["-v", "-d"], logging.DEBUG),
        (["--debug", "--quiet"], logging.WARNING),
        (["--quiet", "--info"], logging.INFO),
        (["-d", "run", "-v"], logging.INFO),
        ([], logging.WARNING),
    ],
)
def test_the_last_log_level_option_wins(words: list[str], level: int) -> None:
    args, _ = parse(words)
    assert args.command == "run" and args.level == level


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("option", ["--runas", "--log", "--conf"])
def test_an_option_value_that_is_a_command_name_keeps_the_implicit_run(option: str, command: str) -> None:
    for words in ([option, command], [f"{option}={command}"], ["-v", option, command, "--oneshot"]):
        args, _ = parse(words)
        assert args.command == "run", words
        assert getattr(args, option.lstrip("-")) == command


@pytest.mark.parametrize("option", ["--cycles", "--sleep", "--queue-sleep"])
def test_run_options_before_anything_else_mean_run(option: str) -> None:
    args, _ = parse([option, "3", "-v"])
    assert args.command == "run"


def test_a_command_after_options_with_values_is_still_the_command() -> None:
    args, _ = parse(["--conf", "monitor", "-v", "check-config", "--json"])
    assert args.command == "check-config" and args.conf == "monitor" and args.json


def test_a_bad_value_is_reported_by_the_real_parser(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "autopyfactory", "--cycles", "many"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "run: error: argument --cycles: invalid int value: 'many'" in r.stderr
