"""simulate-scheds reproduces 2.4's formulas on the production chain."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autopyfactory.cli.main import main

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending
sched.scale.factor = 0.25
sched.maxpercycle.maximum = 50
sched.minpercycle.minimum = 2
sched.maxpending.maximum = 100
sched.statustest.pilots = 1
sched.statusoffline.pilots = 0

[ANALY_SITE]
wmsqueue = SITE
"""


def expected_2_4(a: int, p: int, status: str) -> int:
    """The chain computed by hand from the formulas in the 2.4 reference."""
    n = max(0, a - p)  # Ready
    n = math.ceil(n * 0.25)  # Scale
    n = min(n, 50)  # MaxPerCycle
    n = max(n, 2)  # MinPerCycle
    n = 1 if status == "test" else n  # StatusTest
    n = 0 if status == "offline" else n  # StatusOffline
    return n if p == 0 else min(n, 100 - p)  # MaxPending (allow_negative)


def test_text_output_lists_each_plugin_and_the_result(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    assert main(["simulate-scheds", "--conf", str(etc), "--activated", "83", "--pending", "10"]) == 0
    out = capsys.readouterr().out
    assert "Ready:in=0,activated=83,offset=0,pending=10,ret=73" in out
    assert "Scale:in=73,factor=0.25,ret=19" in out
    assert out.rstrip().endswith(
        "message: Ready:in=0,activated=83,offset=0,pending=10,ret=73;Scale:in=73,factor=0.25,ret=19;"
        "MaxPerCycle:in=19,maxpercycle=50,ret=19;MinPerCycle:in=19,minpercycle=2,ret=19;"
        "StatusTest:comment=not test,in=19,ret=19;StatusOffline:comment=not offline,in=19,ret=19;"
        "MaxPending:in=19,pending=10,maxpending=100,ret=19"
    )
    assert "result: 19" in out


@pytest.fixture(scope="module")
def sim_etc(tmp_path_factory):  # type: ignore[no-untyped-def]
    etc = tmp_path_factory.mktemp("etc")
    (etc / "autopyfactory.conf").write_text("[Factory]\nfactoryId = sim\nqueueConf = queues.conf\n")
    (etc / "queues.conf").write_text(QUEUES)
    return etc


@settings(max_examples=40, deadline=None)
@given(
    a=st.integers(0, 5000),
    p=st.integers(0, 300),
    r=st.integers(0, 500),
    status=st.sampled_from(["online", "test", "offline", "brokeroff"]),
)
def test_reproduces_the_2_4_formulas(sim_etc, a: int, p: int, r: int, status: str) -> None:  # type: ignore[no-untyped-def]
    args = ["--activated", str(a), "--pending", str(p), "--running", str(r), "--status", status]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert (
            main(["simulate-scheds", "--conf", str(sim_etc), "--queue", "ANALY_SITE", "--json", *args]) == 0
        )
    out = json.loads(buf.getvalue())
    assert out["result"] == expected_2_4(a, p, status)
    assert [s["plugin"] for s in out["steps"]] == [
        "Ready", "Scale", "MaxPerCycle", "MinPerCycle", "StatusTest", "StatusOffline", "MaxPending",
    ]  # fmt: skip
    assert out["message"] == ";".join(s["message"] for s in out["steps"])


def test_without_a_config_file_the_chain_and_keys_come_from_the_command_line(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["simulate-scheds", "--schedplugin", "Ready,KeepNRunning", "--set", "sched.keepnrunning.keep_running=5",
                 "--pending", "4", "--running", "6", "--json"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["result"] == -5


def test_an_unknown_queue_is_reported(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    assert main(["simulate-scheds", "--conf", str(etc), "--queue", "NOPE"]) == 2
    assert "no queue [NOPE]" in capsys.readouterr().err


MISSING_WMS = (
    "Ready:comment=Invalid wmsinfo or batchinfo;Scale:in=0,factor=0.25,ret=0;"
    "MaxPerCycle:in=0,maxpercycle=50,ret=0;MinPerCycle:in=0,minpercycle=2,ret=2;"
    "StatusTest:comment=no wms/batch/siteinfo,in=2,ret=0;StatusOffline:comment=no wms/site/batchinfo,in=0,ret=0;"
    "MaxPending:in=0,pending=10,maxpending=100,ret=0"
)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--activated", "none", "--pending", "10"], MISSING_WMS),
        (["--no-wms", "--activated", "83", "--pending", "10"], MISSING_WMS),
        (
            ["--activated", "83", "--pending", "None"],
            "Ready:comment=Invalid wmsinfo or batchinfo;Scale:in=0,factor=0.25,ret=0;"
            "MaxPerCycle:in=0,maxpercycle=50,ret=0;MinPerCycle:in=0,minpercycle=2,ret=2;"
            "StatusTest:comment=no wms/batch/siteinfo,in=2,ret=0;StatusOffline:comment=no wms/site/batchinfo,in=0,ret=0;"
            "MaxPending:comment=No queueinfo.",
        ),
        (
            ["--activated", "83", "--pending", "10", "--status", "none"],
            "Ready:in=0,activated=83,offset=0,pending=10,ret=73;Scale:in=73,factor=0.25,ret=19;"
            "MaxPerCycle:in=19,maxpercycle=50,ret=19;MinPerCycle:in=19,minpercycle=2,ret=19;"
            "StatusTest:comment=no wms/batch/siteinfo,in=19,ret=0;StatusOffline:comment=no wms/site/batchinfo,in=0,ret=0;"
            "MaxPending:in=0,pending=10,maxpending=100,ret=0",
        ),
    ],
)
def test_missing_data_gives_2_4s_messages(sim_etc, capsys, words: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    assert main(["simulate-scheds", "--conf", str(sim_etc), "--json", *words]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["result"], out["message"]) == (0, message)


def test_missing_data_is_shown_as_none(sim_etc, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["simulate-scheds", "--conf", str(sim_etc), "--no-batch", "--activated", "5"]) == 0
    assert capsys.readouterr().out.startswith(
        "queue ANALY_SITE: activated=5 pending=None running=None status=online\n"
    )
    with pytest.raises(SystemExit) as exc:
        main(["simulate-scheds", "--conf", str(sim_etc), "--pending", "lots"])
    assert exc.value.code == 2
    assert "expected a whole number or none, not 'lots'" in capsys.readouterr().err
