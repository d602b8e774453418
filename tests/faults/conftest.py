"""Fixtures of the fault-injection suite: the seed, each test's private tree, factory processes
that are always cleaned up (with every pilot they started), and the summary printed at the end.

``APF_FAULTS_SEED`` sets the seed (an integer, or ``random``); ``APF_FAULTS_ROUNDS`` the number of
kill -9 rounds of the soak (default 6; raise it for longer soak runs)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.faults.confs import FaultDirs
from tests.faults.factoryproc import FactoryProcess
from tests.faults.tally import Scenario, Tally
from tests.invariants.proctable import kill, processes

DEFAULT_SEED = 20261201
DEFAULT_ROUNDS = 6


def _seed() -> int:
    raw = os.environ.get("APF_FAULTS_SEED", "").strip()
    if raw.lower() == "random":
        return int.from_bytes(os.urandom(4), "big")
    return int(raw) if raw else DEFAULT_SEED


def _rounds() -> int:
    raw = os.environ.get("APF_FAULTS_ROUNDS", "").strip()
    return max(1, int(raw)) if raw else DEFAULT_ROUNDS


TALLY = Tally(_seed(), _rounds())
_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.stash[_REPORT] = rep


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY.steps and not TALLY.errors:
        return
    terminalreporter.section("fault injection")
    for line in TALLY.summary():
        terminalreporter.write_line(line)


@pytest.fixture
def seed() -> int:
    return TALLY.seed


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """Each test's own generator: the same seed gives the same faults, whatever tests run."""
    return random.Random(f"{TALLY.seed}:{request.node.nodeid}")


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
