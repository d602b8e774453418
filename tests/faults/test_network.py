"""Network servers that hang, never complete a handshake, trickle headers or bodies byte by byte,
reset, answer garbage or 500s, as PanDA, slurmrestd and the monitor of one real factory: every call
ends within its timeout (seen from the server side), no queue submits without fresh data, the
factory keeps cycling, and SIGTERM ends it in bounded time."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from tests.faults import bounds
from tests.faults.confs import FaultDirs, factory_keys, pilot_keys, section, write_factory, write_queues
from tests.faults.factoryproc import FactoryProcess
from tests.faults.netfaults import FaultServer
from tests.faults.tally import Scenario
from tests.faults.watch import PilotWatch
from tests.invariants.registry import read_rows
from tests.invariants.timing import gaps_over_bound, spans_over_bound, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]
STATS = "/api/v1/statistics/active_job_stats_by_site"
BAD_MODES = (
    "blackhole",
    "hang",
    "trickle_headers",
    "trickle_body",
    "trickle_500",
    "reset",
    "garbage",
    "http500",
)
RETRIES, BACKOFF, SLEEP, MAXAGE = 1, 0.2, 0.5, 4.0
FLIP_AT = 2.0  # the flipping server turns bad this long into the observation
OBSERVE = FLIP_AT + MAXAGE + 4.0  # seconds of misbehaviour watched after the first cycle


def stats(site: str, activated: int) -> tuple[int, bytes]:
    body = {"success": True, "message": "", "data": {site: {"activated": activated, "running": 0}}}
    return 200, json.dumps(body).encode()


@pytest.fixture
def servers(seed: int) -> Iterator[dict[str, FaultServer]]:
    with ExitStack() as stack:
        made = {
            "NET_OK": FaultServer("ok", {STATS: stats("NET_OK", 50)}, "PanDA NET_OK"),
            "NET_FLIP": FaultServer("ok", {STATS: stats("NET_FLIP", 50)}, "PanDA NET_FLIP"),
            **{f"NET_{m.upper()}": FaultServer(m, name=f"PanDA {m}", seed=seed) for m in BAD_MODES},
            "slurmrestd": FaultServer("trickle_headers", name="slurmrestd trickle_headers"),
            "monitor": FaultServer("trickle_body", name="monitor trickle_body"),
        }
        for s in made.values():
            stack.enter_context(s)
        yield made


def configure(dirs: FaultDirs, seed: int, servers: dict[str, FaultServer]) -> None:
    panda = {k: v for k, v in servers.items() if k.startswith("NET_")}
    (dirs.etc / "sites.json").write_text(json.dumps({q: {"status": "online"} for q in panda}))
    (dirs.etc / "jwt").write_text("token\n")
    (dirs.etc / "monitor.conf").write_text(
        section("apfmon", {
            "monitorplugin": "APF", "monitorURL": servers["monitor"].url + "/api",
            "monitorToken": "t", "monitorTimeout": bounds.MONITOR_TIMEOUT, "monitorRetries": 1,
            "monitorCloseWait": 1,
        })
    )  # fmt: skip
    write_factory(
        dirs,
        factory_keys(dirs, **{
            "batch.local.slots": 8,
            "status.timeout": bounds.STATUS_TIMEOUT,
            "wmsstatus.panda.timeout": bounds.PANDA_TIMEOUT,
            "wmsstatus.panda.retries": RETRIES,
            "wmsstatus.panda.backoff": BACKOFF,
            "wmsstatus.panda.sleep": SLEEP,
            "wmsstatus.panda.maxage": MAXAGE,
            "batch.slurm.timeout": bounds.SLURM_TIMEOUT,
            "monitorConf": dirs.etc / "monitor.conf",
        }),
    )  # fmt: skip
    common = {"batchsubmitplugin": "Local", "schedplugin": "Ready, MaxToRun", "sched.maxtorun.maximum": 2}
    queues = [
        section(q, {
            **common, "wmsstatusplugin": "Panda", "wmsstatus.panda.url": s.url,
            "wmsstatus.panda.sitestatus": "sites.json", **pilot_keys(dirs, seed, 0.2, 0.4),
            **({"monitorsection": "apfmon"} if q == "NET_OK" else {}),
        })
        for q, s in panda.items()
    ]  # fmt: skip
    queues.append(
        section("NET_SLURM", {
            "wmsstatusplugin": "Static", "wmsstatus.static.activated": 5, "batchsubmitplugin": "Slurm",
            "batchsubmit.slurm.mode": "rest", "batchsubmit.slurm.rest.url": servers["slurmrestd"].url,
            "batchsubmit.slurm.rest.tokenfile": dirs.etc / "jwt", "schedplugin": "Ready, MaxToRun",
            "sched.maxtorun.maximum": 2, **pilot_keys(dirs, seed, 0.2, 0.4),
        })
    )  # fmt: skip
    write_queues(dirs, *queues)


def failures_naming(fp: FactoryProcess, server: FaultServer) -> int:
    """Log lines (WARNING or worse) that name this server and report a call that ended (not one
    still waiting for its first answer): the client-side proof that a call was bounded."""
    where = f"127.0.0.1:{server.port}"
    return sum(
        1
        for ln in fp.lines()
        if ln.level in ("WARNING", "ERROR", "CRITICAL")
        and where in ln.text
        and "first query running" not in ln.text
    )


def test_misbehaving_servers_never_hold_the_factory(
    dirs: FaultDirs, launch: Launch, servers: dict[str, FaultServer], seed: int, rng: random.Random,
    scenario: Scenario,
) -> None:  # fmt: skip
    configure(dirs, seed, servers)
    limits = {q: 2 for q in servers if q.startswith("NET_")}
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, limits, 8) as watch:
        fp = launch("--queue-sleep", str(SLEEP), log="network")
        fp.wait_decisions("NET_OK", 1, bounds.START)
        t_first = time.monotonic()
        time.sleep(FLIP_AT)
        servers["NET_FLIP"].mode = "trickle_500"
        t_flip = time.time()
        time.sleep(OBSERVE - FLIP_AT)
        now = time.monotonic()
    scenario.step("pilots counted and within limits all along")
    scenario.check(watch.violations())

    call_bound = bounds.PANDA_TIMEOUT + bounds.SLACK
    for q, mode in ((f"NET_{m.upper()}", m) for m in BAD_MODES):
        s = servers[q]
        scenario.step(f"PanDA answers {mode}")
        scenario.check(spans_over_bound(s.spans(), call_bound, now))
        if mode != "blackhole" and s.requests() < 2:
            scenario.check(
                [f"{s.name}: the poller asked only {s.requests()} time(s) in {OBSERVE:g}s (stuck?)"]
            )
        if failures_naming(fp, s) < 2:
            scenario.check([f"{s.name}: fewer than 2 failed calls to it were logged in {OBSERVE:g}s"])
        n = sum(1 for r in read_rows(dirs.state) if r.queue == q)
        scenario.check([f"queue {q} submitted {n} pilots without any PanDA data"] if n else [])

    scenario.step("slurmrestd trickles its headers")
    s = servers["slurmrestd"]
    scenario.check(spans_over_bound(s.spans(), bounds.SLURM_TIMEOUT + bounds.SLACK, now))
    scenario.check([] if s.requests() else ["the Slurm status was never asked"])

    scenario.step("the monitor trickles its answers")
    s = servers["monitor"]
    scenario.check(spans_over_bound(s.spans(), bounds.MONITOR_TIMEOUT + bounds.SLACK, now))
    scenario.check([] if s.requests() else ["the monitor was never called"])

    scenario.step("PanDA data goes stale: no submission on it")
    flip = [r for r in read_rows(dirs.state) if r.queue == "NET_FLIP"]
    late = [r for r in flip if r.submitted > t_flip + MAXAGE + 2.0]
    scenario.check(["queue NET_FLIP submitted nothing while PanDA answered"] if not flip else [])
    scenario.check(
        [f"queue NET_FLIP submitted {len(late)} pilots {max(r.submitted for r in late) - t_flip:.1f}s after "
         f"PanDA stopped answering (maxage {MAXAGE:g}s)"] if late else []
    )  # fmt: skip

    scenario.step("the factory keeps cycling")
    ok = [d.t for d in fp.decisions("NET_OK")]
    scenario.check(
        gaps_over_bound(ok, bounds.STATUS_TIMEOUT + SLEEP + bounds.SLACK, "queue NET_OK decisions")
    )
    scenario.check(
        [] if any(r.queue == "NET_OK" for r in read_rows(dirs.state)) else ["NET_OK never submitted"]
    )
    if len(ok) < 2 or now - t_first < OBSERVE:
        scenario.check([f"queue NET_OK decided only {len(ok)} time(s)"])

    scenario.step("SIGTERM while every server misbehaves")
    scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.pilots_checked(dirs.factory_id, {r.id for r in read_rows(dirs.state)} | watch.seen)
    scenario.assert_clean()


def test_a_trickling_cric_server_does_not_hold_the_start(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario
) -> None:
    """CRIC (a queue configuration source, read before the first cycle) trickles its headers: the
    download ends within its timeout; the factory then runs the queues of its other sources, or
    (with no earlier copy of the CRIC document) refuses to start naming the CRIC key. It never
    waits for the server."""
    scenario.step("CRIC trickles its headers at start")
    with FaultServer("trickle_headers", name="CRIC trickle_headers") as cric:
        write_factory(
            dirs,
            factory_keys(dirs, **{
                "config.queues.plugin": "File, CRIC", "config.queues.cric.url": cric.url + "/cric/pandaqueue",
                "config.queues.cric.timeout": bounds.CRIC_TIMEOUT, "batch.local.slots": 2,
            }),
        )  # fmt: skip
        write_queues(dirs, section("FILE_Q", {
            "wmsstatusplugin": "Static", "wmsstatus.static.activated": 1, "batchsubmitplugin": "Local",
            "schedplugin": "Ready, MaxToRun", "sched.maxtorun.maximum": 1, **pilot_keys(dirs, seed, 0.2, 0.2),
        }))  # fmt: skip
        fp = launch("--queue-sleep", "0.5", log="cric")
        bound = bounds.CRIC_TIMEOUT + bounds.START
        try:
            wait_for(lambda: fp.decisions("FILE_Q") or not fp.alive(), bound, "a decision, or an exit")
        except AssertionError:
            scenario.check(
                [f"neither a decision nor an exit {bound:g}s after start (CRIC download still running?)"]
            )
        if not fp.alive() and "config.queues.cric.url" not in fp.output():
            scenario.check([f"the factory exited ({fp.wait_exit(1)}) without naming config.queues.cric.url"])
        scenario.check(spans_over_bound(cric.spans(), bounds.CRIC_TIMEOUT + bounds.SLACK))
        scenario.check([] if cric.requests() else ["CRIC was never asked"])
        if fp.alive():
            scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.assert_clean()
