"""check-config on an APF 2.4 tree written the way production sites write them (tests/config/data/apf24)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from autopyfactory.cli.main import main

TREE = Path(__file__).parent / "data" / "apf24"


def check(capsys, etc: Path) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    rc = main(["check-config", "--conf", str(etc), "--json"])
    return rc, json.loads(capsys.readouterr().out)


PANDA_24 = "https://pandaserver.cern.ch:25443"


def test_without_a_panda_server_each_panda_queue_is_an_error_naming_the_key_and_the_fix(
    capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """2.4 read CERN's server when nothing said otherwise; here nothing is read unasked."""
    for var in ("PANDA_URL_SSL", "PANDA_URL"):
        monkeypatch.delenv(var, raising=False)
    rc, data = check(capsys, TREE)
    assert rc == 1
    for name, q in data["queues"].items():
        (p,) = [p for p in q["problems"] if p["key"] == "wmsstatus.panda.url"]
        assert p["section"] == name and p["file"].startswith(str(TREE))
        assert "is not set, nor is $PANDA_URL_SSL or $PANDA_URL" in p["message"]
        assert "set wmsstatus.panda.url = https://<your PanDA server>:25443" in p["hint"]


def test_the_production_tree_is_accepted_as_2_4_read_it(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANDA_URL_SSL", PANDA_24)  # the PanDA server, as 2.4's client took it
    rc, data = check(capsys, TREE)
    problems = [p for p in data["problems"]] + [p for q in data["queues"].values() for p in q["problems"]]
    assert rc == 0, problems
    assert data["errors"] == 0 and data["warnings"] == 0, problems
    queues = data["queues"]
    assert sorted(queues) == [
        "ANALY_EXAMPLE_TEST-condor",
        "EXAMPLE_ARC-arc01",
        "EXAMPLE_MCORE-ce01",
        "EXAMPLE_PROD-ce01",
    ]
    prod = {k: v["value"] for k, v in queues["EXAMPLE_PROD-ce01"]["values"].items()}
    assert prod["sched.maxpending.maximum"] == "25"  # 30-override.conf wins over 00-defaults.conf
    assert queues["EXAMPLE_PROD-ce01"]["values"]["sched.maxpending.maximum"]["file"].endswith(
        "30-override.conf"
    )
    assert prod["executable.arguments"] == (
        "-s EXAMPLE_PROD -h EXAMPLE_PROD -p 25443 -w https://pandaserver.cern.ch -j false -k 0 -u managed"
    )
    assert prod["batchsubmit.condorosgce.condor_attributes"].startswith(
        "requirements = JobRunCount == 0,periodic_hold = ("
    )
    legacy = queues["ANALY_EXAMPLE_TEST-condor"]
    assert legacy["enabled"] is False and legacy["ok"] is True
    assert "--wrappervo=ATLAS" in legacy["values"]["executable.arguments"]["value"]
    assert queues["EXAMPLE_MCORE-ce01"]["values"]["sched.scale.factor"]["value"] == "0.25"


def test_a_broken_queue_is_rejected_precisely_and_the_others_stay_valid(
    capsys, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANDA_URL_SSL", PANDA_24)
    etc = tmp_path / "etc"
    shutil.copytree(TREE, etc)
    with (etc / "queues.d" / "20-arc.conf").open("a") as f:
        f.write("sched.maxpercycle.maximum = fifty\n")
    rc, data = check(capsys, etc)
    assert rc == 1
    arc = data["queues"]["EXAMPLE_ARC-arc01"]
    (p,) = [p for p in arc["problems"] if p["level"] == "error"]
    assert p["file"].endswith("queues.d/20-arc.conf")
    assert (p["section"], p["key"], p["value"], p["message"]) == (
        "EXAMPLE_ARC-arc01", "sched.maxpercycle.maximum", "fifty", "expected an integer",
    )  # fmt: skip
    assert all(q["ok"] for n, q in data["queues"].items() if n != "EXAMPLE_ARC-arc01")
