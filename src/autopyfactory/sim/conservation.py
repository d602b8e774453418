"""Nothing lost: every job that arrived is done, running or queued; every pilot submitted is waiting,
running or ended; and the world's running counters agree with its pilots."""

from __future__ import annotations

from autopyfactory.sim.entities import BUSY, DONE, DYING, IDLE, KILLED, NEVER, PENDING, REMOVED, WAITSLOT
from autopyfactory.sim.world import World


def conservation_problems(world: World) -> list[str]:
    problems: list[str] = []
    arrived = done = running = 0
    queued = 0
    for w in world.wms.values():
        arrived += len(w.jobs)
        queued += len(w.queue) + len(w.held)
        for j in w.jobs:
            if j.end is not None:
                done += 1
            elif j.start is not None:
                running += 1
    if arrived != done + running + queued:
        problems.append(f"jobs: {arrived} arrived != {done} done + {running} running + {queued} queued")
    if arrived + world.unreleased + world.not_arrived != world.jobs_total:
        problems.append(
            f"jobs: {arrived} arrived + {world.unreleased} not released + {world.not_arrived} not yet due "
            f"!= {world.jobs_total} in the workload"
        )
    counts = dict.fromkeys(range(9), 0)
    for p in world.pilots:
        counts[p.state] += 1
    waiting = counts[PENDING] + counts[WAITSLOT] + counts[NEVER]
    live = counts[IDLE] + counts[BUSY] + counts[DYING]
    ended = counts[DONE] + counts[REMOVED] + counts[KILLED]
    if waiting + live + ended != len(world.pilots):
        problems.append(
            f"pilots: {len(world.pilots)} submitted != {waiting} waiting + {live} running + {ended} ended"
        )
    started = sum(1 for p in world.pilots if p.started is not None)
    if sum(w.pilots_started for w in world.wms.values()) != started:
        problems.append("pilots: the WMS queues' started counters disagree with the pilots")
    submitted = sum(w.pilots_submitted for w in world.wms.values())
    if submitted != len(world.pilots):
        problems.append(f"pilots: WMS queues count {submitted} submitted, the world has {len(world.pilots)}")
    if sum(len(b.pending) for b in world.books.values()) != waiting:
        problems.append("pilots: the queues' pending lists disagree with the pilots' states")
    if sum(len(b.running) for b in world.books.values()) != live:
        problems.append("pilots: the queues' running lists disagree with the pilots' states")
    if sum(s.running for s in world.sites.values()) != live:
        problems.append("pilots: the sites' used slots disagree with the running pilots")
    if sum(w.busy for w in world.wms.values()) != counts[BUSY] or running != counts[BUSY]:
        problems.append(f"jobs: {running} running but {counts[BUSY]} pilots busy")
    if sum(w.idle for w in world.wms.values()) != counts[IDLE]:
        problems.append("pilots: the WMS queues' idle counters disagree with the idle pilots")
    if sum(w.pending_live for w in world.wms.values()) != counts[PENDING] + counts[WAITSLOT]:
        problems.append("pilots: the WMS queues' pending counters disagree with the pending pilots")
    return problems
