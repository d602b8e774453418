"""check-config prints the effective configuration and exits 1 on errors."""

from __future__ import annotations

import json

from autopyfactory.cli.main import main

GOOD = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
executable.arguments = --wrapperwmsqueue=%(wmsqueue)s

[Q1]
wmsqueue = SITE1
"""


def test_a_good_tree_is_printed_with_origins_and_exits_zero(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": GOOD})
    assert main(["check-config", "--conf", str(etc)]) == 0
    out = capsys.readouterr().out
    assert "[Q1]    # enabled, ok" in out
    assert "executable.arguments = --wrapperwmsqueue=SITE1" in out
    assert "1 queue(s): 1 ok, 0 with errors; 0 error(s)" in out


def test_a_broken_queue_is_named_precisely_and_the_exit_status_is_one(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={"queues.conf": GOOD + "\n[Q2]\nwmsqueue = S2\nsched.maxpending.allow_negative = maybe\n"}
    )
    assert main(["check-config", "--conf", str(etc), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["queues"]["Q1"]["ok"] is True
    (p,) = data["queues"]["Q2"]["problems"]
    assert p["file"].endswith("queues.conf")
    assert (p["section"], p["key"], p["value"], p["message"]) == (
        "Q2", "sched.maxpending.allow_negative", "maybe", "expected True or False",
    )  # fmt: skip
    assert data["queues"]["Q1"]["values"]["wmsqueue"]["value"] == "SITE1"


def test_a_missing_autopyfactory_conf_is_reported(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check-config", "--conf", str(tmp_path / "nope.conf")]) == 1
    assert "file does not exist" in capsys.readouterr().err
