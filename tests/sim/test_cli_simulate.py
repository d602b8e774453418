"""``autopyfactory simulate`` as an operator runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autopyfactory.cli.main import main
from autopyfactory.sim.metrics import KEYS
from autopyfactory.sim.runner import BUILTIN_POLICIES
from tests.sim.helpers import write_scenario


def test_compare_writes_json_with_the_documented_keys_and_a_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    out, svg = tmp_path / "out.json", tmp_path / "out.svg"
    rc = main(["simulate", "--scenario", str(scenario), "--compare", "--json", str(out), "--plot", str(svg)])
    text = capsys.readouterr().out
    assert rc == 0
    doc = json.loads(out.read_text())
    assert set(doc["policies"]) == set(BUILTIN_POLICIES)
    for entry in [*doc["policies"].values(), doc["lower_bound"]]:
        assert set(entry) == {"total", "wmsqueues"}
        assert tuple(entry["total"]) == KEYS
        assert set(entry["wmsqueues"]) == {"PANDA_A", "ANALY_C"}
        for m in entry["wmsqueues"].values():
            assert tuple(m) == KEYS
    total = doc["policies"]["leadtime"]["total"]
    assert total["jobs"] == sum(m["jobs"] for m in doc["policies"]["leadtime"]["wmsqueues"].values())
    root = ET.fromstring(svg.read_text())
    assert root.tag.endswith("svg")
    titles = [t.text or "" for t in root.iter() if t.tag.endswith("text")]
    assert any(t.startswith("leadtime: median wait") for t in titles)
    assert any(t.startswith("lower_bound: median wait") for t in titles)
    assert "point on the (median wait, empty share) plane" in text
    assert "leadtime against:" in text and "lower bound    wait x" in text
    assert "simulated/real time:" in text


def test_one_policy_chain_seed_and_key_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "o.json"
    args = ["simulate", "--scenario", str(scenario), "--policy", "Ready,MaxPerCycle", "harvester"]
    rc = main([*args, "--seed", "9", "--set", "sched.maxpercycle.maximum=3", "--json", str(out)])
    assert rc == 0
    doc = json.loads(out.read_text())
    assert doc["seed"] == 9 and set(doc["policies"]) == {"Ready,MaxPerCycle", "harvester"}
    capped = doc["policies"]["Ready,MaxPerCycle"]["total"]["pilots_submitted"]
    assert capped < doc["policies"]["harvester"]["total"]["pilots_submitted"]


def test_default_is_the_new_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(write_scenario(tmp_path))]) == 0
    assert "\nleadtime " in capsys.readouterr().out


def test_bad_scenario_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_scenario(
        tmp_path, '[[site]]\nname = "S"\nslots = "many"\n[[wmsqueue]]\nname="W"\nsites=["S"]\n'
    )
    assert main(["simulate", "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: site[0].slots: expected a whole number >= 0, got 'many'" in err


def test_unknown_policy_says_what_exists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(write_scenario(tmp_path)), "--policy", "harvestr"]) == 2
    err = capsys.readouterr().err
    assert "harvestr" in err and "did you mean 'harvester'" in err


def test_operator_conf_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "etc"
    (conf / "queues.d").mkdir(parents=True)
    (conf / "queues.d" / "sites.conf").write_text(
        "[DEFAULT]\nschedplugin = Ready, MaxPending\nsched.maxpending.maximum = 15\n\n"
        "[CE_A]\nwmsqueue = PANDA_A\n[CE_B]\nwmsqueue = PANDA_A\n[CE_C]\nwmsqueue = ANALY_C\n"
    )
    out = tmp_path / "o.json"
    rc = main(
        ["--conf", str(conf), "simulate", "--scenario", str(write_scenario(tmp_path)), "--json", str(out)]
    )
    assert rc == 0
    assert set(json.loads(out.read_text())["policies"]) == {"conf"}
    rc = main(
        [
            "simulate",
            "--conf",
            str(conf),
            "--scenario",
            str(write_scenario(tmp_path)),
            "--compare",
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    assert set(json.loads(out.read_text())["policies"]) == {"conf", *BUILTIN_POLICIES}


REPO = Path(__file__).resolve().parents[2]
# the keys the issue lists for --json, per policy and WMS queue and in total
ISSUE_KEYS = (
    "jobs",
    "jobs_started",
    "wait_p50_s",
    "wait_p95_s",
    "wait_max_s",
    "pilots_submitted",
    "empty_pilots",
    "empty_share",
    "blackhole_pilots",
    "idle_pilot_hours",
    "pilots_per_job",
)


@pytest.mark.parametrize("name", ["steady", "drain", "three_sites"])
def test_the_installed_command_compares_on_a_benchmark_scenario(tmp_path: Path, name: str) -> None:
    """What an operator runs after ``make install``: the console script, on a scenario of the suite."""
    exe = Path(sys.executable).parent / "autopyfactory"
    assert exe.exists(), "the package is not installed (make install)"
    scenario = REPO / "benchmarks" / "scenarios" / f"{name}.toml"
    out = tmp_path / "out.json"
    args = [str(exe), "simulate", "--scenario", str(scenario), "--compare", "--json", str(out)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert set(doc["policies"]) == set(BUILTIN_POLICIES)
    wmsqueues = {w["name"] for w in tomllib.loads(scenario.read_text())["wmsqueue"]}
    for entry in [*doc["policies"].values(), doc["lower_bound"]]:
        assert set(entry) == {"total", "wmsqueues"}
        assert tuple(entry["total"]) == ISSUE_KEYS
        assert set(entry["wmsqueues"]) == wmsqueues
        assert all(tuple(m) == ISSUE_KEYS for m in entry["wmsqueues"].values())
    assert doc["policies"]["leadtime"]["total"]["jobs_started"] > 0
    assert "point on the (median wait, empty share) plane" in proc.stdout
    assert "simulated/real time:" in proc.stdout
