"""The factory configuration a simulation runs: generated for a scenario (one queue per site and
WMS queue it serves, with a given sched chain), or the operator's own, pointed at the simulated world.

Either way it is written as files and read by the real configuration loader, so a simulated queue
is validated exactly as a production one."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.queue import SCHEDPLUGIN, SLEEP
from autopyfactory.loading.loader import CONF_NAME, LoadedConfig, QueueConfig, load
from autopyfactory.loading.queue_validation import KnownKeys, QueueChecks, queue_problems
from autopyfactory.plugins.registry import Registry
from autopyfactory.sim.engine_driver import state_dir
from autopyfactory.sim.plugins.batchsubmit import SITE
from autopyfactory.sim.plugins.registry import SIMULATED
from autopyfactory.sim.scenario import Scenario

OWN = "conf"  # the policy label of an operator's configuration run as it is


class SimConfigError(ValueError):
    """The configuration cannot run in the scenario at all (the message says why and what to do)."""


@dataclass
class SimConfig:
    """The loaded factory configuration a simulation runs, and notes on the queues left out or
    adjusted."""

    cfg: LoadedConfig
    notes: list[str] = field(default_factory=list)  # queues left out or adjusted, and why


def queue_names(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(APF queue name, site, WMS queue) for every site and WMS queue it serves: the site's name when
    it serves one WMS queue, ``<wmsqueue>-<site>`` otherwise."""
    served: dict[str, list[str]] = {}
    for w in scenario.wmsqueues:
        for s in w.sites:
            served.setdefault(s, []).append(w.name)
    out: list[tuple[str, str, str]] = []
    for site in scenario.sites:
        for wname in served.get(site.name, []):
            name = site.name if len(served[site.name]) == 1 else f"{wname}-{site.name}"
            out.append((name, site.name, wname))
    return out


def _factory_text(workdir: Path, scenario: Scenario, extra: str = "") -> str:
    return f"""[Factory]
factoryId = simulator
factoryUser = simulator
baseLogDir = {workdir}/logs
baseLogDirUrl = http://localhost:25880
statedir = {state_dir()}
logserver.enabled = False
authmanager.enabled = False
wmsstatus.panda.sleep = {scenario.simulation.wms_poll:g}
{extra}"""


def write_generated(
    scenario: Scenario, schedplugin: str, workdir: Path, queue_keys: dict[str, str] | None = None
) -> Path:
    """Write autopyfactory.conf and queues.conf for ``scenario`` with every queue on ``schedplugin``
    (a plugin name or a comma list) and ``queue_keys`` in every queue; returns the configuration
    directory."""
    etc = workdir / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / CONF_NAME).write_text(_factory_text(workdir, scenario))
    lines = [
        "[DEFAULT]",
        f"wmsstatusplugin = {SIMULATED}",
        f"batchstatusplugin = {SIMULATED}",
        f"batchsubmitplugin = {SIMULATED}",
        f"apfqueue.sleep = {scenario.simulation.cycle:g}",
        f"schedplugin = {schedplugin}",
        *(f"{k} = {v}" for k, v in (queue_keys or {}).items()),
        "",
    ]
    for name, site, wmsqueue in queue_names(scenario):
        lines += [f"[{name}]", f"wmsqueue = {wmsqueue}", f"{SITE.name} = {site}", ""]
    (etc / "queues.conf").write_text("\n".join(lines))
    return etc


def operator_conf_dir(conf: str, scenario: Scenario, workdir: Path) -> str:
    """``--conf`` as the loader takes it. A directory holding only queues.conf / queues.d gets a
    generated autopyfactory.conf that reads them."""
    p = Path(conf)
    if not p.is_dir() or (p / CONF_NAME).exists():
        return conf
    qconf, qdir = p / "queues.conf", p / "queues.d"
    if not qconf.exists() and not qdir.is_dir():
        raise SimConfigError(f"{p}: no {CONF_NAME}, queues.conf or queues.d/ in it")
    extra = ""
    if qconf.exists():
        extra += f"queueConf = {qconf.resolve()}\n"
    if qdir.is_dir():
        extra += f"queueDirConf = {qdir.resolve()}\n"
    etc = workdir / "etc-operator"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / CONF_NAME).write_text(_factory_text(workdir, scenario, extra))
    return str(etc)


def pointed_at_world(
    cfg: LoadedConfig,
    scenario: Scenario,
    reg: Registry,
    schedplugin: str | None = None,
    queue_keys: dict[str, str] | None = None,
) -> SimConfig:
    """The configuration with every enabled queue's status and submit plugins replaced by the
    simulated ones (site: ``batchsubmit.simulated.site``, else the site named like the queue, else the
    only site of its WMS queue), monitors dropped, the scenario's cycle for queues that do not set
    ``apfqueue.sleep``, and ``schedplugin`` replaced when given. Queues that cannot be matched to the
    world are left out with a note."""
    out = SimConfig(cfg)
    checks = QueueChecks(cfg.factory, cfg.monitors, cfg.mappings, reg, KnownKeys(reg))
    sites = {s.name for s in scenario.sites}
    queues: dict[str, QueueConfig] = {}
    for name, qc in cfg.queues.items():
        if not qc.enabled:
            continue
        s = qc.section
        wmsqueue = s.raw("wmsqueue") or name
        w = scenario.wmsqueue(wmsqueue)
        if w is None:
            out.notes.append(
                f"queue [{name}] left out: the scenario has no WMS queue {wmsqueue!r} (its wmsqueue)"
            )
            continue
        site = s.raw(SITE.name) or (name if name in sites else (w.sites[0] if len(w.sites) == 1 else None))
        if site is None or site not in sites:
            out.notes.append(
                f"queue [{name}] left out: no site of the scenario is named {name!r} and its WMS queue "
                f"{wmsqueue!r} has several sites; set {SITE.name} in the queue"
            )
            continue
        values = {
            "wmsstatusplugin": SIMULATED,
            "batchstatusplugin": SIMULATED,
            "batchsubmitplugin": SIMULATED,
            SITE.name: site,
            "monitorsection": "None",
        }
        if SLEEP.name not in s:
            values[SLEEP.name] = f"{scenario.simulation.cycle:g}"
        if schedplugin is not None:
            values[SCHEDPLUGIN.name] = schedplugin
        values.update(queue_keys or {})
        section = s.with_values(values, "<simulation>")
        problems: list[ConfigProblem] = [p for p in queue_problems(section, checks) if p.level == "error"]
        queues[name] = QueueConfig(section, problems)
        for p in problems:
            out.notes.append(f"queue [{name}] left out: {p}")
    cfg.queues = queues
    if not any(q.ok for q in queues.values()):
        raise SimConfigError(
            "no queue of the configuration can run in this scenario: " + "; ".join(out.notes or ["none"])
        )
    return out


def load_for_world(
    conf_dir: str,
    scenario: Scenario,
    reg: Registry,
    schedplugin: str | None,
    queue_keys: dict[str, str] | None = None,
    workdir: Path | None = None,
) -> SimConfig:
    """The configuration of ``conf_dir`` loaded with ``reg``, its queues pointed at the world, and
    its factory kept off the host: the simulation's own state directory (not the one the
    configuration names, which a running factory may hold), logs under ``workdir``, no log server,
    no monitors, no credentials."""
    cfg = load(conf_dir, reg)
    bad = cfg.factory_errors
    if bad or cfg.settings is None:
        raise SimConfigError("; ".join(str(p) for p in bad) or "[Factory] settings unusable")
    logs = (workdir or Path(tempfile.gettempdir())) / "logs"
    cfg.settings = replace(cfg.settings, state_dir=state_dir(), base_log_dir=logs, logserver_enabled=False)
    cfg.monitors = {}
    cfg.auth = {}
    return pointed_at_world(cfg, scenario, reg, schedplugin, queue_keys)
