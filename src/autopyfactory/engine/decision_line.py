"""The decision log line: one per queue per cycle, with the inputs and the chain of sched messages."""

from __future__ import annotations

import logging

from autopyfactory.engine.outcome import Outcome

log = logging.getLogger("autopyfactory.factory")


def _shown(value: object) -> str:
    return "None" if value is None else str(value)


def decision_line(wmsqueue: str, out: Outcome) -> str:
    """``queue=Q wmsqueue=W activated=.. pending=.. running=.. site=.. decision=N [cap='..']
    action='..' [note='..'] [error='..'] chain="Step:..;Step:.."`` (the outcome must have a
    snapshot)."""
    snap, decision = out.snapshot, out.decision
    assert snap is not None
    site = snap.site.status if snap.site is not None else None
    line = (
        f"queue={out.queue} wmsqueue={wmsqueue} activated={_shown(snap.activated)} "
        f"pending={_shown(snap.pending)} running={_shown(snap.running)} site={_shown(site)} "
        f"decision={_shown(decision.n if decision else None)}"
    )
    if out.cap:
        line += f" cap={out.cap!r}"
    line += f" action={out.action!r}"
    if out.note:
        line += f" note={out.note!r}"
    if out.error:
        line += f" error={out.error!r}"
    line += f' chain="{decision.message if decision else ""}"'
    return line


def log_outcome(wmsqueue: str, out: Outcome) -> None:
    """Log the outcome: the decision line (ERROR when it has an error), or, for a queue that had
    no snapshot (it failed or sat the cycle out), its action and error."""
    if out.snapshot is None:
        log.error("queue=%s action=%s error=%s", out.queue, out.action, out.error)
        return
    level = logging.ERROR if out.error else logging.INFO
    if log.isEnabledFor(level):
        log.log(level, decision_line(wmsqueue, out))
