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
        files={
            "queues.conf": GOOD
            + "\n[Q2]\nwmsqueue = S2\nschedplugin = Ready, MaxPending\nsched.maxpending.allow_negative = maybe\n"
        }
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


MONITORED = (
    GOOD.replace("[Q1]", "monitorsection = apfmon\n\n[Q1]")
    + """
[ANALY_X/ce01]
wmsqueue = ANALY_X

[{long}]
wmsqueue = LONG

[NOT_MONITORED/ce02]
wmsqueue = X
monitorsection = None
"""
)


def test_queue_names_the_monitor_cannot_take_are_warned_about(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    """The monitor takes label names of letters, digits, '.', '_' and '-', up to 128 characters."""
    long = "Q" * 129
    etc = conf_tree(
        factory="monitorConf = monitor.conf\n",
        files={
            "queues.conf": MONITORED.format(long=long),
            "monitor.conf": "[apfmon]\nmonitorplugin = Dummy\nmonitorURL = http://mon.example.org/api\n",
        },
    )
    assert main(["check-config", "--conf", str(etc), "--json"]) == 0  # warnings only
    queues = json.loads(capsys.readouterr().out)["queues"]
    (slash,) = queues["ANALY_X/ce01"]["problems"]
    assert slash["level"] == "warning" and slash["file"].endswith("queues.conf")
    assert slash["message"].startswith("queue (label) name 'ANALY_X/ce01' has '/', which the monitor's URLs")
    assert "use only letters, digits, '.', '_' and '-' (at most 128 characters)" in slash["hint"]
    (too_long,) = queues[long]["problems"]
    assert "has 129 characters, more than 128" in too_long["message"]
    assert queues["Q1"]["problems"] == [] and queues["NOT_MONITORED/ce02"]["problems"] == []


def test_a_factory_id_the_monitor_cannot_take_is_warned_about(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="factoryId = site/apf 01\nmonitorConf = monitor.conf\n",
        files={"queues.conf": GOOD, "monitor.conf": "[apfmon]\nmonitorplugin = Dummy\n"},
    )
    assert main(["check-config", "--conf", str(etc)]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: " in out
        and "[Factory] factoryId = 'site/apf 01': factory id 'site/apf 01' has a space, '/'" in out
    )


def test_a_problem_several_queues_share_is_printed_once_and_shown_with_queue(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="mappingsConf = mappings.conf\n",
        files={
            "queues.conf": GOOD + "\n[Q2]\nwmsqueue = SITE2\n",
            "mappings.conf": "[LOCALBATCHSTATUS-STATE2INFO]\nrunning = runing\n",
        },
    )
    assert main(["check-config", "--conf", str(etc), "--queue", "Q2"]) == 1
    out = capsys.readouterr().out
    assert out.count("[LOCALBATCHSTATUS-STATE2INFO] running = 'runing': maps to no batch bucket") == 1
    assert "1 queue(s): 0 ok, 1 with errors; 2 error(s)" in out  # the bad value, and 'running' unreachable


def test_the_chain_each_queue_runs_and_whether_it_was_defaulted(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": GOOD + "\n[Q2]\nwmsqueue = S2\nschedplugin = Ready, MaxPending\n"})
    assert main(["check-config", "--conf", str(etc)]) == 0
    out = capsys.readouterr().out
    assert "# chain: leadtime (the default: schedplugin is not set)" in out
    assert "# chain: Ready, MaxPending (schedplugin, " in out
    assert main(["check-config", "--conf", str(etc), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["queues"]
    assert (data["Q1"]["chain"], data["Q1"]["chain_defaulted"]) == (["leadtime"], True)
    assert (data["Q2"]["chain"], data["Q2"]["chain_defaulted"]) == (["Ready", "MaxPending"], False)
