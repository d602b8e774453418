"""Reading a scenario TOML file, with errors that name the file, the key and what was expected."""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from autopyfactory.sim.durations import BadDuration, parse_duration
from autopyfactory.sim.scenario import (
    SITE_FIELDS,
    WMS_STATUSES,
    WMSQUEUE_FIELDS,
    BurstSpec,
    DurationDist,
    EventSpec,
    PilotSpec,
    Scenario,
    SimulationSpec,
    SiteSpec,
    StreamSpec,
    WMSQueueSpec,
)

T = TypeVar("T")
STREAM_KINDS = ("steady", "diurnal", "task", "tasks")


class ScenarioError(ValueError):
    """A scenario file that cannot be used. ``str()`` is ``file: key: problem (hint)``."""

    def __init__(self, path: Path | str, key: str, problem: str, hint: str = "") -> None:
        self.path, self.key, self.problem, self.hint = str(path), key, problem, hint
        text = f"{path}: {key}: {problem}" if key else f"{path}: {problem}"
        super().__init__(text + (f" ({hint})" if hint else ""))


class _Bad(ValueError):
    """A value parser's complaint: what was expected."""


def _duration(v: object) -> float:
    try:
        return parse_duration(v)
    except BadDuration as exc:
        raise _Bad(str(exc)) from None


def _positive_duration(v: object) -> float:
    d = _duration(v)
    if d <= 0:
        raise _Bad("a duration > 0")
    return d


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        raise _Bad("a number")
    return float(v)


def _nonneg(v: object) -> float:
    x = _number(v)
    if x < 0:
        raise _Bad("a number >= 0")
    return x


def _share(v: object) -> float:
    x = _number(v)
    if not 0.0 <= x <= 1.0:
        raise _Bad("a number between 0 and 1")
    return x


def _count(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise _Bad("a whole number >= 0")
    return int(v)


def _positive_count(v: object) -> int:
    n = _count(v)
    if n < 1:
        raise _Bad("a whole number >= 1")
    return n


def _name(v: object) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _Bad("a non-empty string")
    if any(c.isspace() for c in v) or "," in v:
        raise _Bad("a name without spaces or commas")
    return v


def _names(v: object) -> tuple[str, ...]:
    if not isinstance(v, list) or not v:
        raise _Bad('a non-empty list of names, e.g. ["CE_A"]')
    return tuple(_name(x) for x in v)


def _choice(*options: str) -> Callable[[object], str]:
    def parse(v: object) -> str:
        if not isinstance(v, str) or v not in options:
            raise _Bad("one of " + ", ".join(options))
        return v

    return parse


def _text(v: object) -> str:
    if not isinstance(v, str):
        raise _Bad("a string")
    return v


SITE_PARSERS: dict[str, Callable[[object], Any]] = {
    "slots": _count,
    "latency_median": _duration,
    "latency_sigma": _nonneg,
    "never_start": _share,
    "start_failure": _share,
    "walltime": _positive_duration,
}
WMSQUEUE_PARSERS: dict[str, Callable[[object], Any]] = {"status": _choice(*WMS_STATUSES)}


def _as_is(value: object) -> object:
    """The value as TOML gave it (checked by the caller)."""
    return value


class _Missing:
    """No default: the key is required."""


_MISSING = _Missing()


class _Table:
    """One TOML table being read: every key is taken at most once, and keys left over are errors."""

    def __init__(self, path: Path, where: str, data: object) -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(path, where, "expected a table")
        self.path, self.where, self.data = path, where, data
        self.used: set[str] = set()

    def key(self, k: str) -> str:
        return f"{self.where}.{k}" if self.where else k

    def has(self, k: str) -> bool:
        return k in self.data

    def take(
        self, k: str, parse: Callable[[object], T], default: T | _Missing = _MISSING, hint: str = ""
    ) -> T:
        self.used.add(k)
        if k not in self.data:
            if isinstance(default, _Missing):
                raise ScenarioError(self.path, self.key(k), "is required", hint)
            return default
        raw = self.data[k]
        try:
            return parse(raw)
        except _Bad as exc:
            raise ScenarioError(self.path, self.key(k), f"expected {exc}, got {raw!r}", hint) from None

    def done(self, allowed: tuple[str, ...] = ()) -> None:
        for k in self.data:
            if k not in self.used:
                known = sorted({*self.used, *allowed})
                close = difflib.get_close_matches(k, known, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
                raise ScenarioError(self.path, self.key(k), "unknown key", hint)


def _list_of_tables(path: Path, doc: Mapping[str, Any], name: str) -> list[tuple[str, _Table]]:
    raw = doc.get(name, [])
    if not isinstance(raw, list):
        raise ScenarioError(path, name, f"expected [[{name}]] tables")
    return [(f"{name}[{i}]", _Table(path, f"{name}[{i}]", t)) for i, t in enumerate(raw)]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file. Raises ScenarioError."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(p, "", f"cannot read it: {exc.strerror or exc}") from None
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(p, "", f"not valid TOML: {exc}") from None
    top = _Table(p, "", doc)
    description = top.take("description", _text, "")
    simulation = _simulation(p, top)
    pilot = _pilot(p, top)
    sites = _sites(p, doc)
    top.used.add("site")
    known_sites = {s.name for s in sites}
    wmsqueues = _wmsqueues(p, doc, known_sites)
    top.used.add("wmsqueue")
    trace, streams = _jobs(p, top, {w.name: w for w in wmsqueues}, {s.name: s for s in sites})
    events = _events(p, doc, {s.name for s in sites}, {w.name: w for w in wmsqueues}, sites)
    top.used.add("event")
    top.done(("description", "simulation", "site", "wmsqueue", "jobs", "pilot", "event"))
    served = {s for w in wmsqueues for s in w.sites}
    for s in sites:
        if s.name not in served:
            raise ScenarioError(
                p, "site", f"site {s.name!r} serves no WMS queue", "list it in a [[wmsqueue]] sites = [...]"
            )
    return Scenario(
        p, p.stem, simulation, tuple(sites), tuple(wmsqueues), pilot, trace, streams, events, description
    )


def _simulation(p: Path, top: _Table) -> SimulationSpec:
    if not top.has("simulation"):
        top.used.add("simulation")
        return SimulationSpec()
    t = _Table(p, "simulation", top.take("simulation", lambda v: v))
    d = SimulationSpec()
    spec = SimulationSpec(
        duration=t.take("duration", _positive_duration, d.duration),
        seed=t.take("seed", _count, d.seed),
        cycle=t.take("cycle", _positive_duration, d.cycle),
        wms_refresh=t.take("wms_refresh", _positive_duration, d.wms_refresh),
        wms_poll=t.take("wms_poll", _positive_duration, d.wms_poll),
    )
    t.done()
    return spec


def _pilot(p: Path, top: _Table) -> PilotSpec:
    if not top.has("pilot"):
        top.used.add("pilot")
        return PilotSpec()
    t = _Table(p, "pilot", top.take("pilot", lambda v: v))
    d = PilotSpec()
    spec = PilotSpec(
        getjob_tries=t.take("getjob_tries", _positive_count, d.getjob_tries),
        getjob_delay=t.take("getjob_delay", _duration, d.getjob_delay),
        setup=t.take("setup", _duration, d.setup),
        pending_limit=t.take("pending_limit", _positive_duration, d.pending_limit),
        blackhole_lifetime=t.take("blackhole_lifetime", _positive_duration, d.blackhole_lifetime),
    )
    t.done()
    return spec


def _sites(p: Path, doc: Mapping[str, Any]) -> list[SiteSpec]:
    out: list[SiteSpec] = []
    seen: set[str] = set()
    for where, t in _list_of_tables(p, doc, "site"):
        name = t.take("name", _name)
        if name in seen:
            raise ScenarioError(p, f"{where}.name", f"site {name!r} is defined twice")
        seen.add(name)
        d = SiteSpec(name, 0)
        out.append(
            SiteSpec(
                name=name,
                slots=t.take("slots", _count, hint="the number of pilots the site runs at once"),
                latency_median=t.take("latency_median", _duration, d.latency_median),
                latency_sigma=t.take("latency_sigma", _nonneg, d.latency_sigma),
                never_start=t.take("never_start", _share, d.never_start),
                start_failure=t.take("start_failure", _share, d.start_failure),
                walltime=t.take("walltime", _positive_duration, d.walltime),
            )
        )
        t.done()
    if not out:
        raise ScenarioError(p, "site", "no [[site]] table", "a scenario needs at least one site")
    return out


def _wmsqueues(p: Path, doc: Mapping[str, Any], sites: set[str]) -> list[WMSQueueSpec]:
    out: list[WMSQueueSpec] = []
    seen: set[str] = set()
    for where, t in _list_of_tables(p, doc, "wmsqueue"):
        name = t.take("name", _name)
        if name in seen:
            raise ScenarioError(p, f"{where}.name", f"WMS queue {name!r} is defined twice")
        seen.add(name)
        names = t.take("sites", _names, hint="the sites whose pilots take this queue's jobs")
        for s in names:
            if s not in sites:
                close = difflib.get_close_matches(s, sorted(sites), n=1, cutoff=0.6)
                raise ScenarioError(
                    p,
                    f"{where}.sites",
                    f"no [[site]] named {s!r}",
                    f"did you mean {close[0]!r}?" if close else f"sites: {', '.join(sorted(sites))}",
                )
        out.append(WMSQueueSpec(name, names, t.take("status", _choice(*WMS_STATUSES), "online")))
        t.done()
    if not out:
        raise ScenarioError(p, "wmsqueue", "no [[wmsqueue]] table", "a scenario needs at least one WMS queue")
    return out


def _dist(t: _Table, prefix: str, cap: float | None) -> DurationDist:
    median = t.take(prefix, _positive_duration, hint="the median job duration, e.g. '6h'")
    sigma = t.take(prefix + "_sigma", _nonneg, 0.0)
    maximum = t.take(prefix + "_max", _positive_duration, cap)
    return DurationDist(median, sigma, maximum)


def _wmsqueue_ref(p: Path, key: str, name: str, wmsqueues: Mapping[str, WMSQueueSpec]) -> WMSQueueSpec:
    w = wmsqueues.get(name)
    if w is None:
        close = difflib.get_close_matches(name, sorted(wmsqueues), n=1, cutoff=0.6)
        raise ScenarioError(
            p,
            key,
            f"no [[wmsqueue]] named {name!r}",
            f"did you mean {close[0]!r}?" if close else f"WMS queues: {', '.join(sorted(wmsqueues))}",
        )
    return w


def fit_cap(w: WMSQueueSpec, sites: Mapping[str, SiteSpec]) -> float:
    """The longest job PanDA would send to ``w``: 90% of its shortest site walltime."""
    return 0.9 * min(sites[s].walltime for s in w.sites)


def _jobs(
    p: Path, top: _Table, wmsqueues: Mapping[str, WMSQueueSpec], sites: Mapping[str, SiteSpec]
) -> tuple[Path | None, tuple[StreamSpec, ...]]:
    if not top.has("jobs"):
        top.used.add("jobs")
        return None, ()
    t = _Table(p, "jobs", top.take("jobs", lambda v: v))
    trace: Path | None = None
    if t.has("trace"):
        rel = t.take("trace", _text)
        trace = (p.parent / rel).resolve()
        if not trace.is_file():
            raise ScenarioError(
                p, "jobs.trace", f"no such file {str(trace)!r}", "relative to the scenario file"
            )
    streams: list[StreamSpec] = []
    no_streams: object = []
    raw = t.take("stream", _as_is, no_streams)
    if not isinstance(raw, list):
        raise ScenarioError(p, "jobs.stream", "expected [[jobs.stream]] tables")
    for i, data in enumerate(raw):
        s = _Table(p, f"jobs.stream[{i}]", data)
        name = s.take("wmsqueue", _name)
        w = _wmsqueue_ref(p, s.key("wmsqueue"), name, wmsqueues)
        kind = s.take("kind", _choice(*STREAM_KINDS))
        dist = _dist(s, "duration", fit_cap(w, sites))
        start = s.take("start", _duration, 0.0)
        end = s.take("end", _duration, None)
        if end is not None and end <= start:
            raise ScenarioError(p, s.key("end"), "must be later than start")
        spec = StreamSpec(wmsqueue=name, kind=kind, duration=dist, start=start, end=end)
        if kind in ("steady", "diurnal", "tasks"):
            spec = _replace(spec, per_hour=s.take("per_hour", _nonneg, hint="arrivals per hour"))
        if kind == "diurnal":
            spec = _replace(
                spec,
                amplitude=s.take("amplitude", _share, 0.8),
                peak_hour=s.take("peak_hour", _nonneg, 15.0),
            )
        if kind == "task":
            jobs = s.take("jobs", _positive_count, hint="the task's size in jobs")
            spec = _replace(spec, jobs=jobs, scouts=min(jobs, s.take("scouts", _count, 10)))
        if kind == "tasks":
            spec = _replace(
                spec,
                scouts=s.take("scouts", _count, 10),
                size_median=s.take("size_median", _nonneg, 200.0),
                size_sigma=s.take("size_sigma", _nonneg, 1.5),
            )
        s.done()
        streams.append(spec)
    t.done()
    return trace, tuple(streams)


def _replace(spec: StreamSpec, **changes: Any) -> StreamSpec:
    from dataclasses import replace

    return replace(spec, **changes)


def _events(
    p: Path,
    doc: Mapping[str, Any],
    sites: set[str],
    wmsqueues: Mapping[str, WMSQueueSpec],
    site_specs: list[SiteSpec],
) -> tuple[EventSpec, ...]:
    out: list[EventSpec] = []
    by_site = {s.name: s for s in site_specs}
    for i, (where, t) in enumerate(_list_of_tables(p, doc, "event")):
        at = t.take("at", _duration, hint="when, e.g. '6h'")
        site = t.take("site", _name, None)
        wq = t.take("wmsqueue", _name, None)
        if (site is None) == (wq is None):
            raise ScenarioError(p, where, "name exactly one of site = ... or wmsqueue = ...")
        changes: list[tuple[str, float | int | str]] = []
        burst: BurstSpec | None = None
        if site is not None:
            if site not in sites:
                raise ScenarioError(p, f"{where}.site", f"no [[site]] named {site!r}")
            for f in SITE_FIELDS:
                if t.has(f):
                    changes.append((f, t.take(f, SITE_PARSERS[f])))
            allowed: tuple[str, ...] = ("at", "site", *SITE_FIELDS)
        else:
            assert wq is not None
            w = _wmsqueue_ref(p, f"{where}.wmsqueue", wq, wmsqueues)
            for f in WMSQUEUE_FIELDS:
                if t.has(f):
                    changes.append((f, t.take(f, WMSQUEUE_PARSERS[f])))
            if t.has("burst"):
                jobs = t.take("burst", _positive_count)
                burst = BurstSpec(jobs, _dist(t, "burst_duration", fit_cap(w, by_site)))
            allowed = ("at", "wmsqueue", *WMSQUEUE_FIELDS, "burst", "burst_duration")
        t.done(allowed)
        if not changes and burst is None:
            raise ScenarioError(
                p, where, "changes nothing", f"give at least one of {', '.join(a for a in allowed[2:])}"
            )
        out.append(EventSpec(at, i, site, wq, tuple(changes), burst))
    return tuple(sorted(out, key=lambda e: (e.at, e.index)))
