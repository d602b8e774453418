"""Local pilots are withdrawn only while they wait for a slot (never one being launched or running),
and the Local batch status reports each pilot's life, so ``leadtime`` gets a lead time and sees a
black hole. Real processes throughout."""

from __future__ import annotations

import re
import time
from pathlib import Path

from autopyfactory.batch.local.submit import LocalSubmit
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.outcome import Outcome

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
executable = /bin/sh
apfqueue.sleep = 0

[LOCALQ]
wmsqueue = SITE
schedplugin = Fixed
sched.fixed.pilotspercycle = 3
executable.arguments = -c 'sleep 60'
"""

LEADTIME = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
wmsstatus.static.activated = 3
batchsubmitplugin = Local
schedplugin = leadtime
sched.leadtime.forecast = False
executable = /bin/sh
apfqueue.sleep = 0

[GOOD]
wmsqueue = GOOD_WMS
# its pilots run a second: not a death
sched.leadtime.diedwallclock = 0.5
executable.arguments = -c 'sleep 1'

[HOLE]
wmsqueue = HOLE_WMS
# its pilots die at once
executable.arguments = -c 'exit 0'
"""


def wait_until(pred, timeout: float = 30.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout:g}s")


def counts(f: Factory, queue: str) -> dict[str, int]:
    q = f.hub.get(f.queues[queue].batch_key).poll().queue(queue)  # type: ignore[union-attr]
    return {"pending": q.pending, "running": q.running, "done": q.done}


def states(sub: LocalSubmit) -> dict[str, str]:
    """The registry's record of the queue's pilots, after a scheduling pass (reap, start)."""
    sub.backend.schedule()
    store = sub.backend.store
    return {p.id: p.state for p in (store.get(f"1.{i}") for i in range(3)) if p is not None}


def factory(conf_tree, queues: str, slots: int = 1) -> Factory:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory=f"batch.local.slots = {slots}\nbatch.local.killgrace = 1\n", files={"queues.conf": queues}
    )
    return Factory(RunOptions(conf=str(etc), services=False))


def test_withdraw_removes_waiting_pilots_newest_first_and_leaves_the_running_one(conf_tree) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree, QUEUES)
    f.run_cycle()
    assert counts(f, "LOCALQ") == {"pending": 2, "running": 1, "done": 0}
    sub = f.queues["LOCALQ"].submitter
    assert isinstance(sub, LocalSubmit) and sub.peaceful  # withdrawing does not depend on it
    assert sub.withdraw(1) == ["1.2"]
    assert sub.withdraw(5) == ["1.1"]
    assert counts(f, "LOCALQ") == {"pending": 0, "running": 1, "done": 2}
    assert states(sub) == {"1.0": "running", "1.1": "killed", "1.2": "killed"}
    assert sub.withdraw(1) == []  # the running pilot is never withdrawn
    logdir = Path(sub.backend.store.get("1.2").logdir)  # type: ignore[union-attr]
    assert "withdrawn before it started" in (logdir / "1.2.log").read_text()
    assert not (logdir / "1.2.out").exists()  # it never ran
    sub.backend.remove(["1.0"])
    wait_until(lambda: counts(f, "LOCALQ")["running"] == 0)


def test_a_pilot_that_starts_after_the_decision_is_not_withdrawn(conf_tree) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree, QUEUES)
    f.run_cycle()
    sub = f.queues["LOCALQ"].submitter
    assert isinstance(sub, LocalSubmit)
    stale = [p.pilot_id for p in sub.pending_pilots()]  # what the decision saw
    assert stale == ["1.1", "1.2"]
    # the running pilot leaves and 1.1 takes its slot before the withdrawal is carried out
    sub.backend.remove(["1.0"])
    wait_until(lambda: states(sub).get("1.1") == "running", what="1.1 started")
    assert sub.remove_pending(stale) == ["1.2"]
    assert states(sub) == {"1.0": "killed", "1.1": "running", "1.2": "killed"}
    sub.backend.remove(["1.1"])
    wait_until(lambda: counts(f, "LOCALQ")["running"] == 0)


def test_a_pilot_whose_launch_is_under_way_is_not_withdrawn(conf_tree) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree, QUEUES)
    f.run_cycle()
    sub = f.queues["LOCALQ"].submitter
    assert isinstance(sub, LocalSubmit)
    store = sub.backend.store
    # the scheduler has claimed 1.2 for launch (committed before the launcher starts)
    assert store.claim_pending("1.2") == 1
    assert [p.pilot_id for p in sub.pending_pilots()] == ["1.1"]
    assert sub.remove_pending(["1.1", "1.2"]) == ["1.1"]
    assert store.get("1.2").state == "starting"  # type: ignore[union-attr]
    store.requeue("1.2")
    sub.backend.remove(["1.0", "1.2"])
    wait_until(lambda: counts(f, "LOCALQ")["running"] == 0)


def _decision(out: Outcome) -> str:
    assert out.decision is not None
    return out.decision.message


def test_leadtime_on_local_gets_a_lead_time_and_sees_a_black_hole(conf_tree) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree, LEADTIME)
    first = {o.queue: o for o in f.run_cycle().outcomes}
    assert first["GOOD"].submitted == 3 and first["HOLE"].submitted == 3
    # one slot: the pilots wait for each other, so their start waits are seconds, not 0
    wait_until(lambda: counts(f, "GOOD")["done"] == 3 and counts(f, "HOLE")["done"] == 3, timeout=60)
    view = f.hub.get(f.queues["GOOD"].batch_key).poll()  # type: ignore[union-attr]
    lives = view.pilots["GOOD"]
    assert len(lives) == 3 and all(p.started_at is not None and p.ended_at is not None for p in lives)
    assert all(p.wallclock is not None and p.wallclock >= 1 for p in lives)
    assert max(p.wait or 0.0 for p in lives) >= 1  # the last waited for the others' slot
    second = {o.queue: o for o in f.run_cycle().outcomes}
    good = _decision(second["GOOD"])
    # without lives the lead time would be the cycle (0 s here)
    lead = re.search(r"lead=(\d+)", good)
    assert lead is not None and int(lead.group(1)) >= 1, good
    assert "black hole" not in good
    hole = _decision(second["HOLE"])
    assert "black hole" in hole and "died=3" in hole, hole
    assert second["HOLE"].submitted == 1  # one probe
