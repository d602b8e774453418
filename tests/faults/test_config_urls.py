"""Configuration files served over HTTP by servers that accept and never answer, trickle their
headers one byte at a time, or never complete the body: at start the factory stops within the
download deadline with an error naming the key and the URL; on SIGHUP it keeps its running
configuration, keeps cycling meanwhile and says why; SIGTERM during such a reload is not delayed.
The deadline is ``[Factory] config.urltimeout``, set short here (``bounds.CONFIG_URL_DEADLINE``)."""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults import bounds
from tests.faults.confs import FaultDirs, factory_keys, local_queue, section, write_factory
from tests.faults.factoryproc import FactoryProcess
from tests.faults.netfaults import FaultServer
from tests.faults.tally import Scenario
from tests.invariants.timing import NotReached, spans_over_bound, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]
DEADLINE = bounds.CONFIG_URL_DEADLINE
FILES = {"queueConf": "queues.conf", "monitorConf": "monitor.conf", "mappingsConf": "mappings.conf",
         "authConf": "auth.conf"}  # fmt: skip


@dataclass
class Case:
    key: str  # the [Factory] key whose file is served over HTTP
    mode: str  # how the server misbehaves (at start, or once the factory runs)
    dirs: FaultDirs
    server: FaultServer
    index: int
    fp: FactoryProcess | None = None

    @property
    def queue(self) -> str:
        return f"URL{self.index}"

    @property
    def url(self) -> str:
        return f"{self.server.url}/{FILES[self.key]}"


def file_texts(dirs: FaultDirs, seed: int, queue: str) -> dict[str, str]:
    return {
        "queues.conf": local_queue(
            dirs, queue, seed, activated=4, maxtorun=1, duration=(0.2, 0.4), monitorsection="mon"
        ),
        "monitor.conf": section("mon", {"monitorplugin": "Dummy"}),
        "mappings.conf": "# the 2.4 mappings are built in\n",
        "auth.conf": "# no credentials\n",
    }


@pytest.fixture
def cases(tmp_path: Path, seed: int) -> Iterator[Callable[..., list[Case]]]:
    """``cases([(key, mode), ...])``: one factory tree and one server per case; the server answers
    at first (the test sets ``server.mode = case.mode`` when it wants it to misbehave)."""
    with ExitStack() as stack:

        def make(specs: list[tuple[str, str]]) -> list[Case]:
            out = []
            for i, (key, mode) in enumerate(specs):
                dirs = FaultDirs.make(tmp_path / f"case{i}")
                texts = file_texts(dirs, seed, f"URL{i}")
                routes = {f"/{n}": (200, t.encode()) for n, t in texts.items()}
                server = stack.enter_context(FaultServer("ok", routes, f"{key} server ({mode})", seed=seed))
                keys = factory_keys(dirs, **{"queueConf": dirs.etc / "queues.conf"})
                for k, name in FILES.items():
                    (dirs.etc / name).write_text(texts[name])
                    keys[k] = dirs.etc / name
                keys[key] = f"{server.url}/{FILES[key]}"
                keys["config.urltimeout"] = DEADLINE
                write_factory(dirs, keys)
                out.append(Case(key, mode, dirs, server, i))
            return out

        yield make


def start(case: Case, launch: Launch, *args: str) -> FactoryProcess:
    case.fp = launch(
        *args, conf=case.dirs.conf, log=f"factory-{case.index}-{case.key}-{case.mode}", env=case.dirs.env()
    )
    return case.fp


def lines_naming(fp: FactoryProcess, level: str, *parts: str) -> list[float]:
    return [ln.t for ln in fp.lines() if ln.level == level and all(p in ln.text for p in parts)]


def test_a_config_url_that_misbehaves_stops_the_start_in_time(
    cases: Callable[..., list[Case]], launch: Launch, scenario: Scenario
) -> None:
    """Every case at once (each waits for the same deadline): exit status 1 within the deadline
    (plus the process's start), an error on stderr naming the key and the URL, and no connection
    of the factory open longer than the deadline."""
    specs = [
        ("queueConf", "hang"), ("queueConf", "trickle_headers"), ("queueConf", "trickle_body"),
        ("monitorConf", "trickle_headers"), ("mappingsConf", "hang"), ("authConf", "trickle_body"),
    ]  # fmt: skip
    made = cases(specs)
    for case in made:
        case.server.mode = case.mode
        start(case, launch)
    for case in made:
        assert case.fp is not None
        scenario.step(f"start with {case.key} = a URL that answers {case.mode}")
        rc = case.fp.wait_exit(DEADLINE + bounds.START + bounds.SLACK)
        took = time.monotonic() - case.fp.started_mono
        if rc is None:
            case.fp.kill9()
            scenario.check([f"still starting {took:.0f}s after it was started (deadline {DEADLINE:g}s)"])
            continue
        out = case.fp.output()
        if rc != 1:
            scenario.check([f"the start ended with status {rc}, not 1"])
        if not (case.key in out and case.url in out):
            scenario.check([f"stderr does not name {case.key} and {case.url}: {out.strip()[-300:]!r}"])
        scenario.check(spans_over_bound(case.server.spans(), DEADLINE + bounds.SLACK))
        if not case.server.requests():
            scenario.check([f"{case.url} was never asked for"])
    scenario.assert_clean()


def test_a_config_url_that_misbehaves_at_a_reload_keeps_the_factory_running(
    cases: Callable[..., list[Case]], launch: Launch, scenario: Scenario
) -> None:
    """The files download fine at start; then each server misbehaves and the factory gets SIGHUP.
    While the download is under way the queue keeps cycling; at the deadline the reload is refused
    with an error naming the key and the URL, the running configuration is kept (the queue is not
    restarted) and cycling goes on. A last factory gets SIGTERM while its reload download hangs."""
    specs = [
        ("queueConf", "hang"), ("queueConf", "trickle_headers"), ("queueConf", "trickle_body"),
        ("monitorConf", "trickle_headers"), ("queueConf", "hang"),
    ]  # fmt: skip
    made = cases(specs)
    *reloading, stopping = made
    for case in made:
        start(case, launch, "--queue-sleep", "0.5")
    for case in made:
        assert case.fp is not None
        case.fp.wait_decisions(case.queue, 2, bounds.START)
    asked: dict[int, int] = {}
    for case in made:
        assert case.fp is not None
        asked[id(case)] = case.server.requests()
        case.server.mode = case.mode
        case.fp.send(signal.SIGHUP)
    hup = time.time()

    def reload_asked(case: Case) -> bool:
        return case.server.requests() > asked[id(case)]

    def decided_while_downloading(case: Case) -> int:
        """Decisions of the case's queue after SIGHUP and before its reload failed (if it did)."""
        assert case.fp is not None
        failed = lines_naming(case.fp, "ERROR", "reload failed")
        until = failed[0] if failed else math.inf
        return len([d for d in case.fp.decisions(case.queue, since=hup) if d.t < until])

    scenario.step("SIGTERM while a reload's download of queueConf hangs")
    assert stopping.fp is not None
    wait_for(lambda: reload_asked(stopping), bounds.START, "the reload asks for queueConf")
    time.sleep(1.0)
    if lines_naming(stopping.fp, "ERROR", "reload failed"):
        scenario.check(["the reload reading queueConf ended before SIGTERM: the stop was not observed"])
    scenario.check(stopping.fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))

    scenario.step("the queues keep cycling while their reloads download")
    for case in reloading:
        assert case.fp is not None
        try:
            wait_for(lambda c=case: reload_asked(c), bounds.START, f"the reload asks for {case.url}")
            wait_for(
                lambda c=case: decided_while_downloading(c) >= 3,
                DEADLINE + bounds.START,
                f"queue {case.queue} decides 3 times while its reload downloads {case.url}",
            )
        except NotReached as exc:
            scenario.check([str(exc)])

    for case in reloading:
        assert case.fp is not None
        queue = case.queue
        scenario.step(f"reload with {case.key} = a URL that turned {case.mode}")
        try:
            wait_for(
                lambda c=case: lines_naming(c.fp, "ERROR", "reload failed", c.key, c.url),  # type: ignore[arg-type]
                DEADLINE + bounds.START,
                f"the reload fails naming {case.key} and {case.url}",
            )
        except NotReached as exc:
            scenario.check([str(exc)])
            continue
        failed_at = lines_naming(case.fp, "ERROR", "reload failed", case.key, case.url)[0]
        if failed_at - hup < DEADLINE - 1.0:
            scenario.check(
                [
                    f"the reload failed {failed_at - hup:.1f}s after SIGHUP, before its deadline of {DEADLINE:g}s"
                ]
            )
        if failed_at - hup > DEADLINE + 2 * bounds.SLACK:
            scenario.check(
                [f"the reload failed {failed_at - hup:.1f}s after SIGHUP (deadline {DEADLINE:g}s)"]
            )
        try:
            case.fp.wait_decisions(queue, 2, 10 * bounds.SLACK, since=failed_at)
        except NotReached as exc:
            scenario.check([f"after the failed reload: {exc}"])
        if any(f"queue={queue} stops" in ln.text for ln in case.fp.lines()):
            scenario.check([f"queue {queue} was stopped by a reload that could not read its configuration"])
        scenario.check(spans_over_bound(case.server.spans(), DEADLINE + bounds.SLACK))
        scenario.check(case.fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.assert_clean()
