"""Broken configuration on reload (SIGHUP): an empty autopyfactory.conf, one without [Factory], a
changed factoryId or statedir, a queues.d file that cannot be parsed, nan and inf values, a
mapping typo, a stray line in a running queue's file. The factory keeps running its last good
configuration (every running queue whose new configuration is broken keeps its own, and says so)
and keeps cycling, says what is wrong, never over-submits, never starts pilots under another
identity or state directory; a second factory on the same state directory is refused."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults import bounds
from tests.faults.confs import (
    FaultDirs,
    factory_keys,
    local_queue,
    pilot_keys,
    section,
    write_factory,
    write_queues,
)  # fmt: skip
from tests.faults.factoryproc import FactoryProcess
from tests.faults.netfaults import FaultServer
from tests.faults.tally import Scenario
from tests.faults.watch import PilotWatch, live_pilots, per_queue
from tests.invariants.markers import read_markers
from tests.invariants.registry import REGISTRY, read_rows
from tests.invariants.timing import NotReached, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]
STATS = "/api/v1/statistics/active_job_stats_by_site"
LOCAL, PANDA, NEW = "RL_LOCAL", "RL_PANDA", "RL_NEW"
LIMITS = {LOCAL: 3, PANDA: 2, NEW: 1}
SLOTS = 8
MAXAGE = 2.0
SLEEP = "0.3"


@pytest.fixture
def panda() -> Iterator[FaultServer]:
    body = {"success": True, "message": "", "data": {PANDA: {"activated": 20}}}
    with FaultServer("ok", {STATS: (200, json.dumps(body).encode())}, "PanDA") as s:
        yield s


class Reloads:
    """The good configuration, mutations of it, and SIGHUP with the checks after each."""

    def __init__(self, dirs: FaultDirs, seed: int, panda: FaultServer, scenario: Scenario) -> None:
        self.dirs, self.seed, self.panda, self.scenario = dirs, seed, panda, scenario
        self.fp: FactoryProcess | None = None
        self.watch: PilotWatch | None = None
        self.registries: set[Path] = set()
        self.output_at = 0
        (dirs.etc / "sites.json").write_text(json.dumps({PANDA: {"status": "online"}}))
        (dirs.etc / "queues.d").mkdir(exist_ok=True)

    def factory_keys(self, **extra: object) -> dict[str, object]:
        return factory_keys(self.dirs, **{
            "queueDirConf": self.dirs.etc / "queues.d", "batch.local.slots": SLOTS,
            "status.timeout": 2.5, "wmsstatus.panda.timeout": 2, "wmsstatus.panda.retries": 0,
            "wmsstatus.panda.sleep": 0.3, "wmsstatus.panda.maxage": MAXAGE, **extra,
        })  # fmt: skip

    def good(self) -> None:
        d = self.dirs
        write_factory(d, self.factory_keys())
        self.queues()
        for f in (d.etc / "queues.d").iterdir():
            f.unlink()
        (d.etc / "mappings.conf").unlink(missing_ok=True)

    def queues(self, **local_extra: object) -> None:
        d = self.dirs
        write_queues(
            d,
            local_queue(d, LOCAL, self.seed, activated=10, maxtorun=3, duration=(2.0, 3.0),
                        schedplugin="Ready, Scale, MaxToRun", **{"sched.scale.factor": 1, **local_extra}),
            section(PANDA, {
                "wmsstatusplugin": "Panda", "wmsstatus.panda.url": self.panda.url,
                "wmsstatus.panda.sitestatus": "sites.json", "batchsubmitplugin": "Local",
                "schedplugin": "Ready, MaxToRun", "sched.maxtorun.maximum": 2,
                **pilot_keys(d, self.seed, 0.2, 0.4),
            }),
        )  # fmt: skip

    def hup(
        self,
        step: str,
        expect_in_log: str,
        cycling: tuple[str, ...] = (LOCAL, PANDA),
        stale: tuple[str, ...] = (),
    ) -> float:
        """SIGHUP, then the checks every broken reload must pass; returns the time of the SIGHUP.
        ``stale``: the running queues the reload breaks, which must say they keep their last good
        configuration."""
        assert self.fp is not None and self.watch is not None
        sc, fp = self.scenario, self.fp
        sc.step(step)
        self.watch.set_phase(step)
        t = time.time()
        self.registries = self.registries_now()
        self.output_at = len(fp.output())
        fp.send(signal.SIGHUP)
        for q in cycling:  # the second decision after SIGHUP comes from a cycle after the reload
            try:
                fp.wait_decisions(q, 2, 10, since=t)
            except NotReached:
                ran = bool(fp.decisions(q, self.fp.started_at))
                sc.check([f"queue {q} {'stopped cycling' if ran else 'did not start'} after the reload"])
        # RL_PANDA always has work: the factory goes on submitting pilots, from the first cycles after
        # the reload (the second decision line after SIGHUP), and they start under its identity
        after = fp.decisions(PANDA, since=t)[1:2]
        since = after[0].t if after else time.time()
        try:
            wait_for(lambda: any(x.submitted > since for x in read_rows(self.dirs.state)), 10, "a submission")
            wait_for(lambda: any(m.started > since for m in read_markers(self.dirs.markers)), 10, "a start")
        except NotReached as exc:
            sc.check([f"no pilot submitted and started within 10s of the reload's first cycles ({exc})"])
        sc.check(self.common_checks(t))
        if expect_in_log is not None and not any(
            ln.level in ("ERROR", "CRITICAL", "WARNING") and expect_in_log.lower() in ln.text.lower()
            for ln in fp.lines(t)
        ):
            naming = f" naming {expect_in_log!r}" if expect_in_log else ""
            sc.check([f"no warning or error{naming} after the reload"])
        for q in stale:
            said = [
                ln for ln in fp.lines(t) if ln.level == "WARNING" and f"queue={q} stale-config" in ln.text
            ]
            if not said:
                sc.check([f"queue {q} does not say it keeps its last good configuration"])
            elif expect_in_log and expect_in_log.lower() not in said[0].text.lower():
                sc.check([f"queue {q}'s stale-config warning does not name {expect_in_log!r}"])
        return t

    def common_checks(self, since: float) -> list[str]:
        assert self.fp is not None and self.watch is not None
        out = list(self.watch.violations(self.scenario.current.name if self.scenario.current else ""))
        if not self.fp.alive():
            out.append(f"the factory exited (rc {self.fp.proc.returncode if self.fp.proc else '?'})")
        tracebacks = [ln for ln in self.fp.lines(since) if "Traceback (most recent call last)" in ln.text]
        died = self.fp.output()[self.output_at :]
        if "Traceback (most recent call last)" in died:
            out.append(f"a thread died: {died.strip().splitlines()[-1][:160]}")
        if tracebacks:
            out.append(
                f"{len(tracebacks)} traceback(s) in the log, first: {tracebacks[0].text.splitlines()[0][:160]}"
            )
        for reg in sorted(self.registries_now() - self.registries):
            out.append(f"a pilot registry appeared outside the state directory: {reg}")
        strangers = {m.factory for m in read_markers(self.dirs.markers) if m.started >= since}
        strangers -= {self.dirs.factory_id}
        if strangers:
            out.append(f"pilots started under another factory identity: {sorted(strangers)}")
        return out

    def registries_now(self) -> set[Path]:
        return {reg for reg in self.dirs.root.rglob(REGISTRY) if reg.parent != self.dirs.state}

    def restore(self) -> None:
        """Back to the good configuration; wait until it cycles and every queue is within its limits
        again (pilots a broken step over-submitted end on their own)."""
        assert self.fp is not None
        self.good()
        t = time.time()
        self.fp.send(signal.SIGHUP)
        try:
            self.fp.wait_decisions(LOCAL, 2, 20, since=t)
            watch = self.watch
            assert watch is not None
            wait_for(lambda: not watch.sample(), 15, "every pilot counted and within limits again")
        except NotReached:
            pass


def test_broken_reloads_keep_the_last_good_configuration(
    dirs: FaultDirs, launch: Launch, panda: FaultServer, seed: int, scenario: Scenario
) -> None:
    r = Reloads(dirs, seed, panda, scenario)
    r.good()
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, LIMITS, SLOTS) as watch:
        r.watch = watch
        r.fp = fp = launch("--queue-sleep", SLEEP, log="reloads")
        fp.wait_decisions(LOCAL, 2, bounds.START)
        wait_for(lambda: per_queue(live_pilots(dirs.markers)).get(LOCAL, 0) == 3, 15, "RL_LOCAL at MaxToRun")

        # one queues.d file that cannot be parsed; another with a UTF-8 BOM and a latin-1 comment
        (dirs.etc / "queues.d" / "bad.conf").write_bytes(b"[]\nthis line is not key = value\n# caf\xe9\n")
        new = local_queue(dirs, NEW, seed, activated=1, maxtorun=1, duration=(0.3, 0.3))
        (dirs.etc / "queues.d" / "new.conf").write_bytes(b"\xef\xbb\xbf# r\xe9gion\n" + new.encode())
        r.hup("a queues.d file that cannot be parsed", "bad.conf", (LOCAL, PANDA, NEW))
        r.restore()

        write_factory(dirs, text="")
        r.hup("empty autopyfactory.conf", "")
        r.restore()

        write_factory(dirs, text="[DEFAULT]\nfactoryId = somebody-else\n")
        r.hup("autopyfactory.conf without [Factory]", "Factory")
        r.restore()

        write_factory(dirs, r.factory_keys(factoryId="another-factory"))
        r.hup("factoryId changed", "factoryId")
        r.restore()

        write_factory(dirs, r.factory_keys(statedir=dirs.root / "state2"))
        r.hup("statedir changed", "statedir")
        r.restore()

        with open(dirs.etc / "queues.conf", "a") as f:
            f.write("a stray line without an equals sign\n")
        r.hup("a stray unreadable line in the running queues' file", "queues.conf", stale=(LOCAL, PANDA))
        r.restore()

        r.queues(**{"sched.scale.factor": "nan"})
        r.hup("sched.scale.factor = nan", "sched.scale.factor", stale=(LOCAL,))
        r.restore()
        (dirs.etc / "mappings.conf").write_text(
            "[LOCALBATCHSTATUS-STATE2INFO]\npending = pendng\nrunning = runing\n"
        )
        r.hup(
            "a mapping that maps Local states to nothing", "LOCALBATCHSTATUS-STATE2INFO", stale=(LOCAL, PANDA)
        )
        r.restore()

        scenario.step("SIGTERM after the reloads")
        scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.pilots_checked(dirs.factory_id, {x.id for x in read_rows(dirs.state)} | watch.seen)
    scenario.assert_clean()


def test_a_bad_factory_key_of_a_plugin_keeps_its_queues_running(
    dirs: FaultDirs, launch: Launch, panda: FaultServer, seed: int, scenario: Scenario
) -> None:
    """A non-finite value on reload for a [Factory] key that a plugin reads (the PanDA plugin's
    sleep and maxage): the value is never used, and the queues of that plugin keep running their
    last good configuration (they do not stop until the next good reload)."""
    r = Reloads(dirs, seed, panda, scenario)
    r.good()
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, LIMITS, SLOTS) as watch:
        r.watch = watch
        r.fp = fp = launch("--queue-sleep", SLEEP, log="factory-keys")
        fp.wait_decisions(PANDA, 2, bounds.START)

        write_factory(dirs, r.factory_keys(**{"wmsstatus.panda.sleep": "inf"}))
        r.hup("wmsstatus.panda.sleep = inf", "wmsstatus.panda.sleep", stale=(PANDA,))
        r.restore()

        write_factory(dirs, r.factory_keys(**{"wmsstatus.panda.maxage": "nan"}))
        t = r.hup("wmsstatus.panda.maxage = nan, then PanDA fails", "wmsstatus.panda.maxage", stale=(PANDA,))
        panda.mode = "http500"
        t_bad = time.time()
        time.sleep(MAXAGE + 4.0)
        late = [x for x in read_rows(dirs.state) if x.queue == PANDA and x.submitted > t_bad + MAXAGE + 2.0]
        scenario.check(
            [f"queue {PANDA} submitted {len(late)} pilots on PanDA data older than maxage {MAXAGE:g}s"] if late else []
        )  # fmt: skip
        scenario.check(r.common_checks(t))
        panda.mode = "ok"
        scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.pilots_checked(dirs.factory_id, {x.id for x in read_rows(dirs.state)} | watch.seen)
    scenario.assert_clean()


def test_a_second_factory_on_one_state_directory_is_refused_at_start(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario
) -> None:
    """Two factories started on one state directory: only one may run."""
    write_factory(dirs, factory_keys(dirs, **{"batch.local.slots": 4}))
    write_queues(dirs, local_queue(dirs, LOCAL, seed, activated=4, maxtorun=2, duration=(5.0, 5.0)))
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, {LOCAL: 2}, 4) as watch:
        scenario.step("two factories on one statedir")
        first = launch("--queue-sleep", SLEEP, log="first")
        first.wait_decisions(LOCAL, 1, bounds.START)
        second = launch("--queue-sleep", SLEEP, log="second")
        rc = second.wait_exit(bounds.SIGTERM_EXIT)
        if rc is None:
            scenario.check([f"the second factory still runs {bounds.SIGTERM_EXIT:g}s after it started"])
            second.kill9()
        elif rc == 0:
            scenario.check(["the second factory exited 0 (not refused)"])
        elif str(first.pid) not in second.output():
            scenario.check(
                [
                    f"the second factory's refusal does not name the factory holding the statedir (pid {first.pid})"
                ]
            )
        if second.decisions():
            scenario.check([f"the second factory made {len(second.decisions())} decision(s)"])
        scenario.check([] if first.alive() else ["the first factory exited"])
        scenario.check(watch.violations())
    first.stop()
    scenario.assert_clean()
