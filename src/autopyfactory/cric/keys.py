"""``[Factory]`` keys of the CRIC plugin, in the current spelling and 2.4's ``config.queues.agis.*``.

When both spellings are set, ``config.queues.cric.*`` wins (and a warning says so)."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.config.factory import FACTORY_SECTION
from autopyfactory.config.keys import LIST, STR, BadValue, Key, KeyType
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection

CRIC_URL = "https://atlas-cric.cern.ch/api/atlas/pandaqueue/query/?json"


def _parse_positive(raw: str) -> float:
    try:
        v = float(raw.strip())
    except ValueError:
        raise BadValue("a number > 0") from None
    if v <= 0:
        raise BadValue("a number > 0")
    return v


POSITIVE = KeyType("float>0", "a number > 0", _parse_positive)


@dataclass(frozen=True, slots=True)
class Spec:
    """One setting: its CRIC key, its 2.4 AGIS key (if 2.4 had one) and its default."""

    suffix: str
    type: KeyType[object]
    default: object
    doc: str
    agis_suffix: str | None = None

    @property
    def cric(self) -> Key[object]:
        return Key("config.queues.cric." + self.suffix, self.type, self.default, self.doc)

    @property
    def agis(self) -> Key[object] | None:
        if self.agis_suffix is None:
            return None
        return Key(
            "config.queues.agis." + self.agis_suffix, self.type, self.default, f"2.4 name of {self.cric.name}"
        )


SPECS = (
    Spec("url", STR, CRIC_URL, "pandaqueue JSON: http(s) URL, file:// URL or path", "baseurl"),
    Spec(
        "sleep",
        POSITIVE,
        3600.0,
        "seconds between two downloads (the factory then re-applies queues)",
        "sleep",
    ),
    Spec("timeout", POSITIVE, 60.0, "download timeout (s)"),
    Spec("vos", LIST, (), "only PanDA queues of these VOs (vo_name; empty: any)", "vos"),
    Spec("clouds", LIST, (), "only these clouds (empty: any)", "clouds"),
    Spec(
        "activities",
        LIST,
        (),
        "only these activities (type: production, analysis...; empty: any)",
        "activities",
    ),
    Spec("pilotmanager", LIST, ("apf",), "only queues whose pilot_manager is one of these", "pilotmanager"),
    Spec("states", LIST, ("active",), "accepted site_state values"),
    Spec("resourcetypes", LIST, ("grid",), "accepted resource_type values"),
    Spec("cestates", LIST, ("active",), "accepted ce_state values"),
    Spec("cestatuses", LIST, ("production",), "accepted ce_status (and non-empty ce_queue_status) values"),
    Spec("defaultsfiles", LIST, (), "operator defaults files, laid under what CRIC says", "defaultsfiles"),
    Spec(
        "jobsperpilot",
        POSITIVE,
        1.0,
        "jobs one pilot runs (sched.scale.factor divides by it)",
        "jobsperpilot",
    ),
    Spec(
        "numfactories",
        POSITIVE,
        1.0,
        "factories serving the same queues (divides the scale factor)",
        "numfactories",
    ),
)

FACTORY_KEYS: tuple[Key[object], ...] = tuple(k for s in SPECS for k in (s.cric, s.agis) if k is not None)


@dataclass(frozen=True)
class CRICSettings:
    """The CRIC plugin's [Factory] settings: where to read CRIC, how often, and which queues to take."""

    url: str
    sleep: float
    timeout: float
    vos: tuple[str, ...]
    clouds: tuple[str, ...]
    activities: tuple[str, ...]
    pilotmanager: tuple[str, ...]
    states: tuple[str, ...]
    resourcetypes: tuple[str, ...]
    cestates: tuple[str, ...]
    cestatuses: tuple[str, ...]
    defaultsfiles: tuple[str, ...]
    jobsperpilot: float
    numfactories: float
    origin: dict[str, tuple[str, str]]  # setting -> (file, key) it came from, for error messages

    @classmethod
    def from_section(cls, factory: ConfigSection) -> tuple[CRICSettings, list[ConfigProblem]]:
        """Typed settings; raises ConfigError for a bad value. Returns warnings for doubly set keys."""
        values: dict[str, object] = {}
        origin: dict[str, tuple[str, str]] = {}
        problems: list[ConfigProblem] = []
        for s in SPECS:
            cric, agis = s.cric, s.agis
            key = cric
            if cric.name not in factory and agis is not None and agis.name in factory:
                key = agis
            elif agis is not None and cric.name in factory and agis.name in factory:
                problems.append(
                    ConfigProblem(
                        "warning",
                        factory.origin_of(agis.name),
                        FACTORY_SECTION,
                        agis.name,
                        f"ignored: {cric.name} is set too and wins",
                        factory.raw(agis.name),
                        f"remove one of {cric.name} and {agis.name}",
                    )
                )
            v = factory.get(key)
            values[s.suffix] = s.default if v is None else v
            origin[s.suffix] = (factory.origin_of(key.name), key.name)
        lowered = {
            k: tuple(str(x).lower() for x in v) if isinstance(v, tuple) and k != "defaultsfiles" else v
            for k, v in values.items()
        }
        return cls(origin=origin, **lowered), problems  # type: ignore[arg-type]
