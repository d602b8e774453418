"""Shared fixtures: configuration trees written the way sites write them, and clean singletons; the
grouping of tests that share a machine-wide resource when the suite runs in parallel (pytest-xdist)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.batch.local.backend import LocalBatch

# ``make test`` runs the suite on several pytest-xdist workers with ``--dist loadgroup``: the tests of
# one group run one after the other in one worker. A test joins the group of the shared resource its
# fixtures (direct or indirect) use: the one-node Slurm cluster, the PostgreSQL cluster and Chromium
# are started once per worker that uses them (session fixtures), so one worker runs all their tests.
# tests/packages builds the packages once (a session fixture) and installs them on this machine
# (dpkg, /etc/autopyfactory, systemd units). A module may name its own group (``pytestmark``), as the
# real PanDA pilot's tests do: its source is downloaded once into a cache the machine shares.
SHARED_FIXTURES = {"slurm_cluster": "slurm", "pg_cluster": "postgres", "chromium": "browser"}
SHARED_DIRS = {"packages": "packages"}  # every test under tests/<dir>
TESTS = Path(__file__).resolve().parent


def xdist_group_of(item: pytest.Item) -> str | None:
    """The group of ``item`` (None: it shares nothing and may run beside anything)."""
    parts = item.path.parts[len(TESTS.parts) :] if item.path.is_relative_to(TESTS) else ()
    if len(parts) > 1 and parts[0] in SHARED_DIRS:
        return SHARED_DIRS[parts[0]]
    names = getattr(item, "fixturenames", ())
    for fixture, group in SHARED_FIXTURES.items():
        if fixture in names:
            return group
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which puts the group into the test's id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = xdist_group_of(item)
        if group is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))


_UNGROUPED = pytest.StashKey[str]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """A pytest-xdist worker under ``--dist loadgroup``: a grouped test whose id does not name its
    group (that is how the controller keeps a group on one worker) fails instead of running apart."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        mark = item.get_closest_marker("xdist_group")
        group = (mark.args[0] if mark.args else mark.kwargs.get("name")) if mark else None
        if group is not None and not item.nodeid.endswith(f"@{group}"):
            item.stash[_UNGROUPED] = (
                f"pytest-xdist did not keep this test in its group {group!r}: it would run beside the "
                "tests it shares a resource with (pytest-dev/pytest-xdist#1386; pyproject.toml pins pytest)"
            )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    why = item.stash.get(_UNGROUPED, None)
    if why is not None:
        pytest.fail(why, pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the fault-injection seed (``APF_FAULTS_SEED=random``) before pytest-xdist starts its
    workers: they inherit it, so every worker injects the faults of the one seed the summary names."""
    import tests.faults.session  # noqa: F401


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist controller: add the fault-injection tally of a worker that finished."""
    from tests.faults.session import TALLY, TALLY_OUTPUT

    found = getattr(node, "workeroutput", {}).get(TALLY_OUTPUT)
    if found:
        TALLY.absorb(found)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault-injection suite's summary (seed, scenarios, kills, violations), when it ran."""
    from tests.faults.session import TALLY

    if not (TALLY.steps or TALLY.errors):
        return
    terminalreporter.section("fault injection")
    for line in TALLY.summary():
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _fresh_local_batch() -> Iterator[None]:
    """Every test gets its own local batch registries (they are shared per state dir in a process)."""
    yield
    LocalBatch.forget_all()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


@pytest.fixture
def conf_tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Factory: write autopyfactory.conf (+ extra files) under tmp_path/etc; returns the conf dir.

    ``factory`` is extra [Factory] lines; ``files`` maps relative names to contents."""

    def make(factory: str = "", files: dict[str, str] | None = None) -> Path:
        etc = tmp_path / "etc"
        base = f"""
        [Factory]
        factoryId = test-factory
        factoryUser = tester
        baseLogDir = {tmp_path}/logs
        baseLogDirUrl = http://localhost:25880
        statedir = {tmp_path}/state
        logserver.enabled = False
        """
        write(etc / "autopyfactory.conf", textwrap.dedent(base) + textwrap.dedent(factory))
        for name, text in (files or {}).items():
            write(etc / name, text)
        return etc

    return make
