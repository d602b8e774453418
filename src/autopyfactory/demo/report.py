"""Printing the demo: the per-cycle decision table as it happens, and the closing summary."""

from __future__ import annotations

from collections.abc import Callable

from autopyfactory.demo.result import CycleRow, DemoResult

HEADER = f"{'cycle':>5}  {'queue':<14} {'site':<8} {'activated':>9} {'pending':>7} {'running':>7} {'decision':>8}  action"


def _n(v: int | None) -> str:
    return "-" if v is None else str(v)


def row_line(r: CycleRow) -> str:
    return (
        f"{r.cycle:>5}  {r.queue:<14} {r.site or '-':<8} {_n(r.activated):>9} {_n(r.pending):>7} "
        f"{_n(r.running):>7} {_n(r.decision):>8}  {r.action}"
    )


def summary_lines(res: DemoResult) -> list[str]:
    s = res.sites
    runnable = res.runnable_sites()
    finished, failed = res.jobs("finished", runnable), res.jobs("failed", runnable)
    queued = sum(res.queued.get(x, 0) for x in runnable)
    waiting = res.summary.active(s.offline) if res.summary else 0
    submitted = res.submitted()
    nojob = res.pilots_without_job
    ratio = f"{100.0 * nojob / submitted:.1f}%" if submitted else "-"
    per_site = ", ".join(f"{x} {res.submitted(x)}" for x in (s.online, s.test, s.offline))
    test_rows = res.rows_of(s.test)
    lines = [
        "demo: summary",
        f"  jobs done:        {finished + failed} of {queued} queued at {s.online} and {s.test}"
        f" ({finished} finished, {failed} failed; {res.failing_on_purpose} payloads exit 3 on purpose)",
        f"  offline site:     {res.queued.get(s.offline, 0)} job(s) queued at {s.offline}, {waiting} still waiting"
        f" (it is offline: it gets no pilot)",
        f"  pilots submitted: {submitted} ({per_site})",
        f"  pilots that found no job: {nojob} ({ratio} of those submitted)",
        f"  test site:        {', '.join(str(r.submitted) for r in test_rows)} pilot(s) per cycle",
    ]
    if res.pilots_seen < submitted:
        lines.append(
            f"  pilots that never reached the server: {submitted - res.pilots_seen} (see the pilot logs)"
        )
    if res.pilots_removed:
        lines.append(f"  pilots stopped by the demo at the end: {res.pilots_removed}")
    if res.drained and res.drain_seconds is not None:
        lines.append(f"  time to drain:    {res.drain_seconds:.1f}s over {res.cycles} cycles")
    elif res.interrupted:
        lines.append(f"  interrupted after {res.cycles} cycles: not drained")
    else:
        lines.append(f"  NOT drained after {res.cycles} cycles")
    return lines


def printer(out: Callable[[str], None]) -> Callable[[CycleRow], None]:
    """Prints the header before the first row."""
    state = {"header": False}

    def on_row(r: CycleRow) -> None:
        if not state["header"]:
            out(HEADER)
            state["header"] = True
        out(row_line(r))

    return on_row
