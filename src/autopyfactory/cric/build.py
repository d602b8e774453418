"""Turning one PanDA queue and its CEs into APF queue sections.

Precedence, lowest first: operator defaults files; the operator's ``[DEFAULT]`` values; what CRIC
says; the operator's own values for the queue. The same order holds whether the queues file is read
before CRIC (``File, CRIC``) or after it (``CRIC, File``), since a later ``[DEFAULT]`` value never
replaces an earlier explicit one."""

from __future__ import annotations

from dataclasses import dataclass, field

from autopyfactory.config.ini import RawDocument, ResolvedSection, Value, resolve
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.cric.defaults import Defaults
from autopyfactory.cric.filters import ce_rejection
from autopyfactory.cric.flavours import submit_keys
from autopyfactory.cric.keys import CRICSettings
from autopyfactory.cric.model import CE, PandaQueue


@dataclass
class Usable:
    """A PanDA queue's CEs the factory can submit to, and why the others were left out."""

    ces: list[tuple[CE, dict[str, str]]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def usable_ces(pq: PandaQueue, s: CRICSettings) -> Usable:
    out = Usable()
    for ce in pq.ces:
        why = ce_rejection(ce, s)
        keys = submit_keys(pq, ce) if why is None else None
        if why is None and keys is None:
            why = f"ce_flavour={ce.flavour or '(empty)'} has no submit plugin"
        if why is not None or keys is None:
            out.skipped.append(f"{ce.name or ce.endpoint}: {why}")
            continue
        out.ces.append((ce, keys))
    return out


def cric_values(pq: PandaQueue, keys: dict[str, str], n_ces: int, s: CRICSettings) -> dict[str, str]:
    scale = 1.0 / s.numfactories / n_ces / s.jobsperpilot
    return {
        "enabled": "True",
        "batchqueue": pq.nickname,
        "wmsqueue": pq.panda_resource,
        "sched.scale.factor": f"{scale:.12g}",
        **keys,
    }


def section_names(base_name: str, ces: list[CE], keep_base: bool) -> list[str]:
    """``<base>-<ce host>`` per CE (a CE queue name is added on collisions); just ``base`` for a
    single CE when ``keep_base`` (a queue the operator listed by nickname keeps its name)."""
    if keep_base and len(ces) == 1:
        return [base_name]
    names: list[str] = []
    for ce in ces:
        name = f"{base_name}-{ce.host}"
        if name in names:
            name = f"{name}-{ce.queue_name or len(names)}"
        names.append(name)
    return names


def build_section(
    name: str,
    values: dict[str, str],
    origin: str,
    defaults: Defaults,
    activity: str,
    plugin_defaults: dict[str, str],
    operator: ResolvedSection | None,
) -> ResolvedSection:
    doc = RawDocument()
    doc.defaults = {
        **{k: Value(v, origin, True) for k, v in plugin_defaults.items()},
        **defaults.for_activity(activity),
    }
    doc.sections[name] = {k: Value(v, origin) for k, v in values.items()}
    doc.section_origin[name] = origin
    sec = resolve(doc)[name]
    if operator is None:
        return sec
    merged = dict(sec.values)
    merged.update({k: v for k, v in operator.values.items() if v.from_default})
    merged.update({k: v for k, v in sec.values.items() if not v.from_default})
    merged.update({k: v for k, v in operator.values.items() if not v.from_default})
    return ResolvedSection(name, merged, operator.origin or origin, [*operator.problems, *sec.problems])


def disabled(operator: ResolvedSection, origin: str, why: str) -> tuple[ResolvedSection, ConfigProblem]:
    """The operator's section, switched off, and the warning saying why."""
    values = {**operator.values, "enabled": Value("False", origin)}
    problem = ConfigProblem(
        "warning",
        operator.origin,
        operator.name,
        "",
        why,
        hint="check the name against CRIC and the CRIC filters",
    )
    return ResolvedSection(operator.name, values, operator.origin, [*operator.problems, problem]), problem
