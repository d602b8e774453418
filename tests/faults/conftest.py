"""Fixtures of the fault-injection suite: the seed, each test's private tree, factory processes
that are always cleaned up (with every pilot they started), and the tally of what was checked
(tests/faults/session.py: ``APF_FAULTS_SEED``, ``APF_FAULTS_ROUNDS``), printed at the end of the run
by tests/conftest.py, also when pytest-xdist workers ran the tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.faults.confs import FaultDirs
from tests.faults.factoryproc import FactoryProcess
from tests.faults.session import TALLY, TALLY_OUTPUT
from tests.faults.tally import Scenario
from tests.invariants.proctable import kill, processes

_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.stash[_REPORT] = rep


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its tally to the controller, which prints the summary
    (tests/conftest.py: ``pytest_testnodedown``, ``pytest_terminal_summary``)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and (TALLY.steps or TALLY.errors):
        workeroutput[TALLY_OUTPUT] = TALLY.to_dict()


@pytest.fixture
def seed() -> int:
    return TALLY.seed


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """Each test's own generator: the same seed gives the same faults, whatever tests run."""
    return random.Random(f"{TALLY.seed}:{_test_id(request.node)}")


def _test_id(node: pytest.Item) -> str:
    """The test's id, without the ``@group`` pytest-xdist appends to the id of a grouped test."""
    mark = node.get_closest_marker("xdist_group")
    group = (mark.args[0] if mark.args else mark.kwargs.get("name")) if mark else None
    return node.nodeid.removesuffix(f"@{group}") if group else node.nodeid


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Iterator[Scenario]:
    sc = Scenario(TALLY, request.node.name)
    yield sc
    rep = request.node.stash.get(_REPORT, None)
    if rep is not None and rep.failed and not sc.violations():
        msg = str(rep.longrepr).strip().splitlines()
        TALLY.errors.append(f"{request.node.name}: {msg[-1] if msg else 'failed'}")


@pytest.fixture
def dirs(tmp_path: Path) -> FaultDirs:
    return FaultDirs.make(tmp_path)


@pytest.fixture
def launch(dirs: FaultDirs) -> Iterator[Callable[..., FactoryProcess]]:
    """``launch(*args, conf=..., log=..., env=...)`` starts the factory; every process started this way, and
    every launcher and pilot writing to this test's marker directory, is killed at the end."""
    made: list[FactoryProcess] = []

    def start(
        *args: str,
        conf: Path | None = None,
        log: str | None = None,
        memory_limit: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> FactoryProcess:
        name = log or f"factory-{len(made)}"
        environ = dirs.env() if env is None else env
        fp = FactoryProcess(conf or dirs.conf, dirs.root / f"{name}.log", environ, args, memory_limit)
        made.append(fp.start())
        return fp

    yield start
    for fp in made:
        fp.stop()
    for _ in range(50):
        left = processes(cmd_contains=str(dirs.markers))
        if not left:
            break
        for p in left:
            kill(p.pid)
