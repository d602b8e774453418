"""What a factory writes, whichever API it speaks (v2 REST, or the APFMon v1 calls): its own record,
its pilots and its queues' status. Each checks names and admission and refuses visibly
(:mod:`.refuse`); the admission is decided inside the write transaction."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from autopyfactory.apfmon.names import NameKind, name_problem
from autopyfactory.monitor_server.api.batch import ItemProblem
from autopyfactory.monitor_server.api.refuse import bad_name, not_admitted, refused, unknown_factory
from autopyfactory.monitor_server.auth import Caller, Decision, normal_address
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.records import Factory
from autopyfactory.monitor_server.refusals import Refusal
from autopyfactory.monitor_server.services import Services
from autopyfactory.monitor_server.store.factories import (
    FactoryInfo,
    get_factory,
    record_created,
    record_cycle,
    register_factory,
)
from autopyfactory.monitor_server.store.jobs import JobInfo, JobsResult, create_jobs
from autopyfactory.monitor_server.store.label_status import record_chain
from autopyfactory.monitor_server.store.labels import ensure_label, post_status

log = logging.getLogger(__name__)

REGISTER_FACTORY = "register factory"
REGISTER_LABELS = "register queues"
REGISTER_PILOTS = "register pilots"
LABEL_STATUS = "queue status"
MAX_RECORDED = 20  # distinct refusals recorded per request


def register(svc: Services, who: Caller, name: str, info: FactoryInfo) -> tuple[Factory, bool]:
    """Create or update factory ``name``; returns (factory, created)."""
    problem = name_problem(NameKind.FACTORY, name)
    if problem is not None:
        raise refused(svc, who, bad_name(NameKind.FACTORY, name, REGISTER_FACTORY, problem))
    now = svc.clock.now()
    for attempt in (1, 2):
        try:
            with writing(svc.engine) as conn:
                d = svc.auth.decide(conn, who, name)
                if d.allowed:
                    # an admin registering on a factory's behalf does not bind it to the admin's address
                    ip = None if d.how == "admin" else who.address
                    fac, created = register_factory(conn, name, info, ip, now)
            break
        except IntegrityError:  # another server process registered it at the same moment: decide again
            if attempt == 2:
                raise
    if not d.allowed:
        raise refused(svc, who, not_admitted(name, REGISTER_FACTORY, d))
    if fac.ip_changed == now and fac.previous_ip:
        log.info("factory %r moved from %s to %s (admitted by %s)", name, fac.previous_ip, fac.ip, d.how)
    svc.refusals.admitted(name)
    return fac, created


@dataclass(frozen=True, slots=True)
class PilotLabel:
    """A label to create with the pilots (APFMon v1's ``c/`` registers no label first)."""

    factory: str
    name: str
    batchqueue: str = ""


def register_pilots(
    svc: Services, who: Caller, infos: Sequence[JobInfo], labels: Sequence[PilotLabel] = ()
) -> JobsResult:
    """Create ``infos`` in state created (their names already checked); all their factories must
    be registered and the caller admitted for each, else the whole request is refused."""
    names = sorted({i.factory for i in infos})
    refusal: Refusal | None = None
    now = svc.clock.now()
    with writing(svc.engine) as conn:
        for name in names:
            fac = get_factory(conn, name)
            if fac is None:
                refusal = unknown_factory(name, REGISTER_PILOTS)
                break
            d = svc.auth.decide(conn, who, name)
            if not d.allowed:
                refusal = not_admitted(name, REGISTER_PILOTS, d)
                break
        if refusal is None:
            fids = {n: f.id for n in names if (f := get_factory(conn, n)) is not None}
            for lab in labels:
                ensure_label(conn, fids[lab.factory], lab.name, now, lab.batchqueue)
            res = create_jobs(conn, infos, now)
            if len(names) == 1 and res.created:
                record_created(conn, fids[names[0]], res.created, now)
    if refusal is not None:
        raise refused(svc, who, refusal)
    return res


def label_status(
    svc: Services,
    who: Caller,
    factory: str,
    label: str,
    text: str,
    data: str | None = None,
    batchqueue: str = "",
) -> None:
    """Store a queue's status message (and its JSON ``data``); the label is created when missing
    (APF 2.4 registers a label only with its first pilots, but posts every queue's status)."""
    for kind, name in ((NameKind.FACTORY, factory), (NameKind.LABEL, label)):
        problem = name_problem(kind, name)
        if problem is not None:
            raise refused(svc, who, bad_name(kind, factory, LABEL_STATUS, problem, label))
    now = svc.clock.now()
    found = True
    with writing(svc.engine) as conn:
        d: Decision = svc.auth.decide(conn, who, factory)
        if d.allowed:
            fac = get_factory(conn, factory)
            found = fac is not None
            if fac is not None:
                label_id = ensure_label(conn, fac.id, label, now, batchqueue)
                post_status(conn, label_id, text, now, svc.settings.label_messages_kept, data)
                record_chain(conn, label_id, text, now)
                record_cycle(conn, fac.id, now)
    if not d.allowed:
        raise refused(svc, who, not_admitted(factory, LABEL_STATUS, d, label))
    if not found:
        raise refused(svc, who, unknown_factory(factory, LABEL_STATUS))


def record_problems(svc: Services, who: Caller, problems: Sequence[ItemProblem], action: str) -> None:
    """Record a batch's refused items (one record per factory, queue and status, a few per request)."""
    counts = Counter((p.factory, p.subject, p.status) for p in problems)
    last = {(p.factory, p.subject, p.status): p for p in problems}
    for key, n in list(counts.items())[:MAX_RECORDED]:
        p = last[key]
        svc.refusals.record(
            who.address, Refusal(p.factory or "?", action, p.status, p.reason, p.fix, p.subject), n
        )


def state_refused(svc: Services, who: Caller, factory: str, state: str, d: Decision) -> None:
    """A ``done``/``fault`` refused: one of the factory's refused writes when it came from the
    factory's own (registered) address; a wrapper's, from a worker node, is only noted on the job."""
    registered = svc.auth.registered_address(factory)
    if registered and normal_address(registered) == normal_address(who.address):
        svc.refusals.record(who.address, not_admitted(factory, f"set pilot state {state}", d))
