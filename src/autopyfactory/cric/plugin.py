"""Config plugin ``CRIC`` (alias ``Agis``, 2.4's name): APF queues from the CRIC pandaqueue JSON.

Two ways to use it (``[Factory] config.queues.plugin``):

- ``File, CRIC``: the queues files name PanDA queues (a section named after a queue's nickname or
  panda_resource, or with ``batchqueue`` naming it); CRIC fills in everything else. A queue with
  one usable CE keeps its section name; with several, it becomes ``<name>-<CE host>`` sections and
  the listed section itself is disabled. Sections that name no CRIC queue, or say
  ``autofill = False``, are left alone.
- ``CRIC`` or ``CRIC, File``: every PanDA queue that passes the filters, one section per usable
  CE, named ``<panda_resource>-<CE host>`` (2.4's Agis behaviour); a later queues file may then
  override any of them by that name.

The document is fetched again every ``config.queues.cric.sleep`` seconds and the factory re-applies
the queues with the same diffing as a reload (only changed queues restart). When CRIC cannot be
reached, the last good copy (kept in ``<statedir>/cric/``) is used, with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

from autopyfactory.config.factory import FACTORY_SECTION, FactorySettings, url_timeout
from autopyfactory.config.ini import ResolvedSection
from autopyfactory.config.problems import ConfigError, ConfigProblem, error
from autopyfactory.config.queue import AUTOFILL
from autopyfactory.config.section import ConfigSection
from autopyfactory.cric.build import build_section, cric_values, disabled, section_names, usable_ces
from autopyfactory.cric.defaults import Defaults, read_defaults
from autopyfactory.cric.filters import queue_rejection
from autopyfactory.cric.keys import FACTORY_KEYS, CRICSettings
from autopyfactory.cric.model import PandaQueue, parse_document
from autopyfactory.cric.source import CRICSource, CRICUnavailable
from autopyfactory.plugins.queues_config import QueuesConfigPlugin, QueuesResult

log = logging.getLogger(__name__)


class CRICQueuesConfig(QueuesConfigPlugin):
    """Queue config plugin ``CRIC`` (alias ``Agis``): one APF queue per PanDA queue and CE that CRIC lists for
    this factory."""

    name = "CRIC"
    factory_keys = FACTORY_KEYS

    def __init__(self, factory: ConfigSection, conf_dir: Path) -> None:
        super().__init__(factory, conf_dir)
        self.settings: CRICSettings | None = None

    def refresh_interval(self) -> float | None:
        return self.settings.sleep if self.settings is not None else None

    def _cache_dir(self) -> Path | None:
        try:
            return FactorySettings.from_section(self.factory, self.conf_dir).state_dir / "cric"
        except ConfigError:
            return None

    def load(self, base: dict[str, ResolvedSection]) -> QueuesResult:
        s, problems = CRICSettings.from_section(self.factory)
        self.settings = s
        url_file, url_key = s.origin["url"]
        source = CRICSource(s.url, self.conf_dir, self._cache_dir(), s.timeout, s.sleep)
        try:
            fetched = source.get()
            queues = parse_document(fetched.doc)
        except (CRICUnavailable, ValueError) as exc:
            raise error(
                url_file, FACTORY_SECTION, url_key, str(exc), s.url, "check the URL or path"
            ) from None
        if fetched.stale_reason:
            problems.append(
                ConfigProblem(
                    "warning",
                    url_file,
                    FACTORY_SECTION,
                    url_key,
                    f"CRIC unavailable: {fetched.stale_reason}",
                    s.url,
                )
            )
        dfile, dkey = s.origin["defaultsfiles"]
        defaults = read_defaults(s.defaultsfiles, self.conf_dir, (dfile, dkey), url_timeout(self.factory))
        origin = f"CRIC {s.url}"
        plugin_defaults = {"wmsstatus.panda.sitestatus": s.url}
        out = QueuesResult(problems=problems)
        if not base:
            self._all(queues, s, defaults, origin, plugin_defaults, out)
        else:
            self._listed(base, queues, s, defaults, origin, plugin_defaults, out)
        log.info(
            "CRIC %s: %d PanDA queues in the document, %d APF queue sections",
            s.url,
            len(queues),
            len(out.sections),
        )
        return out

    def _all(
        self,
        queues: dict[str, PandaQueue],
        s: CRICSettings,
        defaults: Defaults,
        origin: str,
        plugin_defaults: dict[str, str],
        out: QueuesResult,
    ) -> None:
        for pq in queues.values():
            if queue_rejection(pq, s) is not None:
                continue
            usable = usable_ces(pq, s)
            ces = [ce for ce, _ in usable.ces]
            for name, (_ce, keys) in zip(
                section_names(pq.panda_resource, ces, False), usable.ces, strict=True
            ):
                values = cric_values(pq, keys, len(ces), s)
                out.sections[name] = build_section(
                    name, values, origin, defaults, pq.activity, plugin_defaults, None
                )

    def _listed(
        self,
        base: dict[str, ResolvedSection],
        queues: dict[str, PandaQueue],
        s: CRICSettings,
        defaults: Defaults,
        origin: str,
        plugin_defaults: dict[str, str],
        out: QueuesResult,
    ) -> None:
        index: dict[str, PandaQueue] = {}
        for q in queues.values():
            index.setdefault(q.nickname, q)
            index.setdefault(q.panda_resource, q)
        matched = 0
        for sec_name, sec in base.items():
            if _autofill_off(sec):
                continue
            bq = sec.values.get("batchqueue")
            pq = index.get(sec_name) or (
                index.get(bq.raw.strip()) if bq is not None and not bq.from_default else None
            )
            if pq is None:
                continue
            matched += 1
            why = queue_rejection(pq, s)
            usable = usable_ces(pq, s)
            if why is None and not usable.ces:
                why = "no usable CE (" + "; ".join(usable.skipped or ["none listed"]) + ")"
            if why is not None:
                sec_off, problem = disabled(sec, origin, f"CRIC queue {pq.nickname} is not served: {why}")
                out.sections[sec_name] = sec_off
                out.problems.append(problem)
                continue
            ces = [ce for ce, _ in usable.ces]
            names = section_names(sec_name, ces, True)
            for name, (_ce, keys) in zip(names, usable.ces, strict=True):
                values = cric_values(pq, keys, len(ces), s)
                out.sections[name] = build_section(
                    name, values, origin, defaults, pq.activity, plugin_defaults, sec
                )
            if sec_name not in names:
                sec_off, _ = disabled(
                    sec,
                    origin,
                    f"expanded into {', '.join(names)} (one queue per CE); this section does not run",
                )
                out.sections[sec_name] = sec_off
        if matched == 0:
            out.problems.append(
                ConfigProblem(
                    "warning",
                    s.origin["url"][0],
                    FACTORY_SECTION,
                    "config.queues.plugin",
                    "no queue section names a CRIC PanDA queue, so CRIC adds nothing",
                    hint="name sections after PanDA queue nicknames, or put CRIC first to get every CRIC queue",
                )
            )


def _autofill_off(sec: ResolvedSection) -> bool:
    v = sec.values.get(AUTOFILL.name)
    return v is not None and v.raw.strip().lower() in ("false", "no", "off", "0")
