"""``[Factory]`` keys of the CRIC plugin, in the current spelling and 2.4's ``config.queues.agis.*``.

When both spellings are set, ``config.queues.cric.*`` wins (and a warning says so)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

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
T = TypeVar("T", covariant=True)


@dataclass(frozen=True, slots=True)
class Spec(Generic[T]):
    """One setting: its CRIC key, its 2.4 AGIS key (if 2.4 had one) and its default."""

    suffix: str
    type: KeyType[T]
    default: T
    doc: str
    agis_suffix: str | None = None

    @property
    def cric(self) -> Key[T]:
        return Key("config.queues.cric." + self.suffix, self.type, self.default, self.doc)

    @property
    def agis(self) -> Key[T] | None:
        if self.agis_suffix is None:
            return None
        return Key(
            "config.queues.agis." + self.agis_suffix, self.type, self.default, f"2.4 name of {self.cric.name}"
        )


URL = Spec("url", STR, CRIC_URL, "pandaqueue JSON: http(s) URL, file:// URL or path", "baseurl")
SLEEP = Spec(
    "sleep", POSITIVE, 3600.0, "seconds between two downloads (the factory then re-applies queues)", "sleep"
)
TIMEOUT = Spec("timeout", POSITIVE, 60.0, "download timeout (s)")
VOS = Spec("vos", LIST, (), "only PanDA queues of these VOs (vo_name; empty: any)", "vos")
CLOUDS = Spec("clouds", LIST, (), "only these clouds (empty: any)", "clouds")
ACTIVITIES = Spec(
    "activities", LIST, (), "only these activities (type: production, analysis...; empty: any)", "activities"
)
PILOTMANAGER = Spec(
    "pilotmanager", LIST, ("apf",), "only queues whose pilot_manager is one of these", "pilotmanager"
)
STATES = Spec("states", LIST, ("active",), "accepted site_state values")
RESOURCETYPES = Spec("resourcetypes", LIST, ("grid",), "accepted resource_type values")
CESTATES = Spec("cestates", LIST, ("active",), "accepted ce_state values")
CESTATUSES = Spec(
    "cestatuses", LIST, ("production",), "accepted ce_status (and non-empty ce_queue_status) values"
)
DEFAULTSFILES = Spec(
    "defaultsfiles", LIST, (), "operator defaults files, laid under what CRIC says", "defaultsfiles"
)
JOBSPERPILOT = Spec(
    "jobsperpilot", POSITIVE, 1.0, "jobs one pilot runs (sched.scale.factor divides by it)", "jobsperpilot"
)
NUMFACTORIES = Spec(
    "numfactories",
    POSITIVE,
    1.0,
    "factories serving the same queues (divides the scale factor)",
    "numfactories",
)

SPECS: tuple[Spec[object], ...] = (
    URL, SLEEP, TIMEOUT, VOS, CLOUDS, ACTIVITIES, PILOTMANAGER, STATES, RESOURCETYPES, CESTATES, CESTATUSES,
    DEFAULTSFILES, JOBSPERPILOT, NUMFACTORIES,
)  # fmt: skip

FACTORY_KEYS: tuple[Key[object], ...] = tuple(k for s in SPECS for k in (s.cric, s.agis) if k is not None)


class _Reader:
    """Reads each setting from the spelling that is set (``cric`` winning over ``agis``), remembering
    where it came from and warning about settings spelt both ways."""

    def __init__(self, factory: ConfigSection) -> None:
        self.factory = factory
        self.origin: dict[str, tuple[str, str]] = {}
        self.problems: list[ConfigProblem] = []

    def get(self, spec: Spec[T]) -> T:
        factory, cric, agis = self.factory, spec.cric, spec.agis
        key = cric
        if cric.name not in factory and agis is not None and agis.name in factory:
            key = agis
        elif agis is not None and cric.name in factory and agis.name in factory:
            self.problems.append(
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
        self.origin[spec.suffix] = (factory.origin_of(key.name), key.name)
        return factory.get(key)


def _lowered(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.lower() for v in values)


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
        """Typed settings; raises ConfigError for a bad value. Returns warnings for doubly set keys.
        The filter lists are lower-cased (CRIC's values are compared in lower case)."""
        r = _Reader(factory)
        settings = cls(
            url=r.get(URL),
            sleep=r.get(SLEEP),
            timeout=r.get(TIMEOUT),
            vos=_lowered(r.get(VOS)),
            clouds=_lowered(r.get(CLOUDS)),
            activities=_lowered(r.get(ACTIVITIES)),
            pilotmanager=_lowered(r.get(PILOTMANAGER)),
            states=_lowered(r.get(STATES)),
            resourcetypes=_lowered(r.get(RESOURCETYPES)),
            cestates=_lowered(r.get(CESTATES)),
            cestatuses=_lowered(r.get(CESTATUSES)),
            defaultsfiles=r.get(DEFAULTSFILES),
            jobsperpilot=r.get(JOBSPERPILOT),
            numfactories=r.get(NUMFACTORIES),
            origin=r.origin,
        )
        return settings, r.problems
