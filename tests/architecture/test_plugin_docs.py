"""docs/architecture.md's "How to write a plugin" is a working package: its files and entry points
are installed as they are written there, and a factory loads and runs every one of its plugins (one
of each category), so the page cannot drift from the code."""

from __future__ import annotations

import json
import re
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.auth.manager import AuthManager
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.loading.loader import load
from autopyfactory.plugins.context import AuthFailure
from autopyfactory.plugins.registry import Registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
CATEGORIES = ("sched", "wmsstatus", "batchstatus", "batchsubmit", "monitor", "auth", "config")


def blocks(language: str) -> dict[str, str]:
    """``file name -> text`` of the fenced blocks of ``language`` that start with ``# file: NAME``."""
    found = re.findall(rf"```{language}\n# file: (\S+)\n(.*?)```", DOC.read_text(), re.S)
    return dict(found)


@pytest.fixture
def myplugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The documented package, installed: its files and a distribution with its entry points."""
    site = tmp_path / "site"
    package = site / "myplugins"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name, text in blocks("python").items():
        (site / name).write_text(text)
    entry_points = tomllib.loads(blocks("toml")["pyproject.toml"])["project"]["entry-points"]
    dist = site / "myplugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myplugins\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in plugins.items()) + "\n"
            for group, plugins in entry_points.items()
        )
    )
    monkeypatch.syspath_prepend(str(site))
    yield tmp_path
    for module in [m for m in sys.modules if m == "myplugins" or m.startswith("myplugins.")]:
        del sys.modules[module]


def test_the_page_documents_a_plugin_of_every_category() -> None:
    groups = tomllib.loads(blocks("toml")["pyproject.toml"])["project"]["entry-points"]
    assert sorted(groups) == sorted(f"autopyfactory.{c}" for c in CATEGORIES)
    assert len(blocks("python")) == len(CATEGORIES)  # one file each (the batch backend: two)


def write_tree(root: Path) -> Path:
    etc = root / "etc"
    etc.mkdir()
    (etc / "autopyfactory.conf").write_text(
        textwrap.dedent(
            f"""
            [Factory]
            factoryId = docs-factory
            factoryUser = tester
            baseLogDir = {root}/logs
            baseLogDirUrl = http://localhost:25880
            statedir = {root}/state
            logserver.enabled = False
            config.queues.plugin = JSONQueues
            config.queues.json.path = queues.json
            monitorConf = monitor.conf
            authConf = auth.conf
            """
        )
    )
    queue = {
        "wmsstatusplugin": "JSONFile",
        "wmsstatus.jsonfile.path": str(root / "jobs.json"),
        "wmsqueue": "SITE",
        "batchsubmitplugin": "Spool",
        "batchsubmit.spool.file": str(root / "spool"),
        "batchsubmit.spool.overlay.peaceful": "False",
        "schedplugin": "Ready, AtLeast",
        "sched.atleast.pilots": "2",
        "monitorsection": "events",
        "executable": "/bin/echo",
        "executable.arguments": "pilot",
    }
    (etc / "queues.json").write_text(json.dumps({"SPOOLQ": queue}))
    (etc / "monitor.conf").write_text(
        f"[events]\nmonitorplugin = JSONLines\nmonitorFile = {root}/events.jsonl\n"
    )
    (etc / "auth.conf").write_text(f"[grid]\nplugin = StaticProxy\nstaticproxy.file = {root}/proxy\n")
    (root / "jobs.json").write_text(json.dumps({"SITE": 5}))
    return etc


def test_a_factory_runs_with_the_documented_plugins(myplugins: Path) -> None:
    root = myplugins
    etc = write_tree(root)
    reg = Registry()  # finds the documented package through its entry points
    cfg = load(str(etc), reg)
    assert [str(p) for p in cfg.all_problems()] == []  # every key known, the spool's mapping built in
    assert cfg.mappings.section("SPOOLBATCHSTATUS-STATE2INFO") == {
        "Q": "pending",
        "R": "running",
        "C": "done",
    }
    factory = Factory(RunOptions(conf=str(etc), services=False, sleep=0), reg, executors=Executors.inline())
    try:
        assert factory.not_started == {}
        (first,) = factory.run_cycle().outcomes  # 5 jobs, none pending: Ready 5, AtLeast keeps 5
        assert first.action == "submitted 5"
        assert first.decision is not None
        assert (
            first.decision.message
            == "Ready:in=0,activated=5,offset=0,pending=0,ret=5;AtLeast:in=5,pilots=2,ret=5"
        )
        spool = (root / "spool").read_text().splitlines()
        assert [line.split()[1:3] for line in spool] == [["SPOOLQ", "Q"]] * 5
        (root / "jobs.json").write_text(json.dumps({"SITE": 0}))
        (second,) = factory.run_cycle().outcomes  # 5 pending through the spool's mapping, no work
        assert second.snapshot is not None and second.snapshot.pending == 5
        assert second.decision is not None and second.decision.n == 2  # Ready 0, AtLeast 2
        assert second.action == "submitted 2"
    finally:
        factory.shutdown()
    events = [json.loads(line) for line in (root / "events.jsonl").read_text().splitlines()]
    assert [len(e["pilots"]) for e in events if "pilots" in e] == [5, 2]
    assert next(e["message"] for e in events if "message" in e) == first.decision.message
    pilot_id = spool[0].split()[0]
    (command,) = (root / "logs").glob(f"*/SPOOLQ/{pilot_id}.cmd")
    assert "APFFID=docs-factory" in command.read_text() and command.read_text().endswith("/bin/echo pilot\n")

    manager = AuthManager(cfg.auth, root / "auth", reg=reg)
    with pytest.raises(AuthFailure, match="does not exist"):
        manager.proxy_path(["grid"])
    (root / "proxy").write_text("a proxy")
    assert manager.proxy_path(["grid"]) == str(root / "proxy")
