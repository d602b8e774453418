"""Optional extras: the factory's core install runs without the monitor service's stack, HTCondor's
bindings and the testbed; whatever needs a missing extra says which one to install."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from autopyfactory.cli.main import main
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.extras import EXTRA_MODULES, MissingExtra, missing_modules, require_extra
from autopyfactory.plugins.registry import PluginNotFound, Registry
from autopyfactory.plugins.status import BATCHSTATUS
from tests.engine import fakes

ROOT = Path(__file__).resolve().parents[2]
STACKS = (
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "jinja2", "multipart", "python_multipart",
    "psycopg", "htcondor2", "classad2", "htcondor",
)  # fmt: skip
NOT_PRODUCTION = ("autopyfactory.testbed", "autopyfactory.demo", "autopyfactory.monitor_server")

CORE_RUN = """
import json, sys
from autopyfactory.cli.main import main
from autopyfactory.plugins.status import BATCHSTATUS
rc = main(["run", "--conf", sys.argv[1], "--oneshot"])
import autopyfactory.engine.daemon, autopyfactory.engine.factory, autopyfactory.loading.loader
stacks = sorted(m for m in sys.modules if m.split(".")[0] in json.loads(sys.argv[2]))
ours = sorted(m for m in sys.modules if m.startswith(tuple(json.loads(sys.argv[3]))))
print(json.dumps({"rc": rc, "stacks": stacks, "ours": ours}))
"""


def test_running_the_factory_imports_no_optional_stack_and_no_test_code(conf_tree) -> None:  # type: ignore[no-untyped-def]
    """A real one-shot run (configuration loaded with every plugin class, one queue cycling on the
    Local backend) in a fresh interpreter."""
    etc = conf_tree(
        files={
            "queues.conf": "[Q]\nwmsstatusplugin = Static\nbatchsubmitplugin = Local\n"
            "wmsstatus.static.activated = 0\nexecutable = /bin/true\n"
        }
    )
    proc = subprocess.run(
        [sys.executable, "-c", CORE_RUN, str(etc), json.dumps(STACKS), json.dumps(NOT_PRODUCTION)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen == {"rc": 0, "stacks": [], "ours": []}, proc.stderr[-2000:]


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """A command sets up logging to this test's captured stdout: put the process's back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _block(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` unimportable, as on a machine without them."""
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (["monitor", "serve"], "monitor"),
        (["monitor", "migrate", "--db", "sqlite:///x.db"], "monitor"),
        (["demo"], "testbed"),
        (["testbed", "serve"], "testbed"),
    ],
)
def test_a_command_without_its_extra_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], extra: str
) -> None:
    _block(monkeypatch, "fastapi", "uvicorn")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"needs the {extra!r} extra, which is not installed" in err
    assert f"pip install 'autopyfactory[{extra}]'" in err


def test_a_postgresql_monitor_without_psycopg_names_the_postgres_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _block(monkeypatch, "psycopg")
    assert main(["monitor", "migrate", "--db", "postgresql://u@localhost/apfmon"]) == 2
    err = capsys.readouterr().err
    assert "PostgreSQL database needs the 'postgres' extra" in err and "autopyfactory[postgres]" in err


def test_a_condor_queue_without_htcondor_is_not_started_and_says_why_while_others_run(
    conf_tree, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    _block(monkeypatch, "htcondor2", "classad2")
    world = fakes.reset()
    world.activated = {"SITE0": 2}
    reg = Registry()  # a fresh one: what it loads here must not stay loaded for other tests
    for category, cls in (
        ("wmsstatus", fakes.FakeWMS),
        ("batchstatus", fakes.FakeBatch),
        ("batchsubmit", fakes.FakeSubmit),
    ):
        reg.register(category, cls.name, cls)
    etc = conf_tree(
        files={
            "queues.conf": "[DEFAULT]\nwmsstatusplugin = FakeWMS\nschedplugin = Ready\n"
            "[Q0]\nwmsqueue = SITE0\nbatchstatusplugin = FakeBatch\nbatchsubmitplugin = FakeSubmit\n"
            "[QC]\nwmsqueue = SITE0\nbatchsubmitplugin = CondorLocal\n"
        }
    )
    f = Factory(RunOptions(conf=str(etc), services=False), reg)
    try:
        assert list(f.queues) == ["Q0"]
        why = f.not_started["QC"]
        assert "batchsubmit plugin 'CondorLocal' cannot be loaded: needs the 'htcondor' extra" in why
        assert "pip install 'autopyfactory[htcondor]'" in why
        (out,) = f.run_cycle().outcomes
        assert (out.queue, out.action) == ("Q0", "submitted 2")
    finally:
        f.shutdown()
    with pytest.raises(PluginNotFound, match=r"needs the 'htcondor' extra"):
        reg.get(BATCHSTATUS, "Condor")
    assert reg.get(BATCHSTATUS, "Condor", usable=False).name == "Condor"  # its keys stay known


def test_require_extra_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    require_extra("monitor")  # installed here
    _block(monkeypatch, "sqlalchemy")
    assert missing_modules("monitor") == ["sqlalchemy"]
    with pytest.raises(MissingExtra) as exc:
        require_extra("monitor")
    assert str(exc.value) == (
        "needs the 'monitor' extra, which is not installed (no module sqlalchemy): "
        "pip install 'autopyfactory[monitor]'"
    )


def _requirement_names(extra: str, extras: dict[str, list[str]]) -> set[str]:
    names: set[str] = set()
    for req in extras[extra]:
        name = req.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip()
        if name.startswith("autopyfactory["):
            for inner in name[len("autopyfactory[") : -1].split(","):
                names |= _requirement_names(inner.strip(), extras)
        else:
            names.add(name.split("[")[0].lower().replace("_", "-"))
    return names


def test_the_modules_each_extra_provides_come_from_that_extra_in_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    assert set(EXTRA_MODULES) == set(extras) - {"test", "all"}
    assert _requirement_names("all", extras) >= set().union(
        *(_requirement_names(e, extras) for e in EXTRA_MODULES)
    )
    dists = packages_distributions()
    for extra, modules in EXTRA_MODULES.items():
        wanted = _requirement_names(extra, extras)
        for module in modules:
            assert {d.lower().replace("_", "-") for d in dists[module]} & wanted, (extra, module)
    core = {r.split(">")[0].strip().lower() for r in project["dependencies"]}
    assert core == {"httpx", "prometheus_client"}
