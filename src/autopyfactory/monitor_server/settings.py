"""Server settings: an INI file (``[monitor]``, ``[auth]``, ``[expiry]``) plus command-line overrides."""

from __future__ import annotations

import configparser
import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from autopyfactory.config.keys import finite_float
from autopyfactory.monitor_server.queue_health import StaleRule

T = TypeVar("T")

DEFAULT_DB = "sqlite:///apfmon.db"


class SettingsError(ValueError):
    """A bad value in the monitor configuration; the message names section, key and value."""


class AuthMode(StrEnum):
    """How factories authenticate their writes."""

    TOKEN = "token"  # factories send "Authorization: Bearer <token>" (created with `monitor token create`)
    ADDRESS = "address"  # as APFMon: the factory's writes must come from the address it registered from


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """The ``[auth]`` settings: mode, admin token, factories and networks admitted without a token."""

    mode: AuthMode = AuthMode.TOKEN
    admin_token: str = ""  # empty: admin actions are refused
    # factories that send no token (APF 2.4's APF plugin, Harvester), admitted by address in
    # token mode: bound to the address they register from, as in address mode
    address_factories: tuple[str, ...] = ()
    # networks (CIDR) whose hosts may write for any factory without a token; a factory that
    # re-registers from one of them moves there (its address is updated)
    trusted_networks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExpirySettings:
    """Thresholds in seconds (APFMon's ``expire`` and ``clean`` commands, configurable)."""

    interval: float = 60.0
    created_flag_after: float = 6 * 3600.0
    running_flag_after: float = 72 * 3600.0
    exiting_done_after: float = 30 * 60.0
    flagged_fault_after: float = 24 * 3600.0
    keep_finished: float = 7 * 86400.0  # done/fault jobs older than this are deleted
    keep_inactive: float = 7 * 86400.0  # factories and labels unmodified this long (and without jobs)
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the monitor service runs with (database, address, workers, auth, expiry)."""

    db_url: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    activity_hours: float = 2.0  # window of the activity sparklines (24 buckets) and queue plots
    label_messages_kept: int = 5
    auth: AuthSettings = field(default_factory=AuthSettings)
    expiry: ExpirySettings = field(default_factory=ExpirySettings)
    # a factory's (a queue's) last cycle is stale after this many of its cycles (60 s at least); a
    # factory that does not say its cycle (APF 2.4, Harvester) is taken to cycle every default_cycle
    stale_after_cycles: float = 3.0
    default_cycle: float = 360.0

    @property
    def stale_rule(self) -> StaleRule:
        return StaleRule(self.stale_after_cycles, self.default_cycle)

    def with_overrides(
        self,
        db_url: str | None = None,
        host: str | None = None,
        port: int | None = None,
        workers: int | None = None,
    ) -> ServerSettings:
        """These settings with the values given (the command line's) instead of their own."""
        return replace(
            self,
            db_url=self.db_url if db_url is None else db_url,
            host=self.host if host is None else host,
            port=self.port if port is None else port,
            workers=self.workers if workers is None else workers,
        )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``6h``, ``7d`` to seconds."""
    m = _DURATION.match(text.lower())
    if m is None:
        raise ValueError(f"expected a duration such as 90, 30m, 6h or 7d, got {text!r}")
    return finite_float(m.group(1)) * _UNIT[m.group(2)]


class _Reader:
    """Typed reads of one INI section; errors name the section, key and value."""

    def __init__(self, cp: configparser.ConfigParser, section: str) -> None:
        self.section = section
        self.values: dict[str, str] = dict(cp[section]) if cp.has_section(section) else {}

    def conv(self, key: str, conv: Callable[[str], T], default: T) -> T:
        raw = self.values.get(key)
        if raw is None:
            return default
        try:
            return conv(raw.strip())
        except (KeyError, ValueError) as exc:
            raise SettingsError(f"[{self.section}] {key} = {raw!r}: {exc}") from None

    def get_str(self, key: str, default: str) -> str:
        return self.conv(key, str, default)

    def get_int(self, key: str, default: int) -> int:
        return self.conv(key, int, default)

    def get_float(self, key: str, default: float) -> float:
        return self.conv(key, finite_float, default)

    def get_duration(self, key: str, default: float) -> float:
        return self.conv(key, parse_duration, default)

    def get_bool(self, key: str, default: bool) -> bool:
        return self.conv(key, _parse_bool, default)


def _parse_bool(text: str) -> bool:
    v = configparser.ConfigParser.BOOLEAN_STATES.get(text.lower())
    if v is None:
        raise ValueError("expected True or False")
    return v


def _positive(text: str) -> float:
    v = finite_float(text)
    if v <= 0:
        raise ValueError("expected a number above 0")
    return v


def _positive_duration(text: str) -> float:
    v = parse_duration(text)
    if v <= 0:
        raise ValueError("expected a duration above 0")
    return v


def _parse_mode(text: str) -> AuthMode:
    try:
        return AuthMode(text.lower())
    except ValueError:
        raise ValueError("expected 'token' or 'address'") from None


def _split(text: str) -> list[str]:
    return [x for x in re.split(r"[,\s]+", text.strip()) if x]


def parse_factory_list(text: str) -> tuple[str, ...]:
    """Factory ids, separated by commas or spaces; each must be a name the monitor takes."""
    from autopyfactory.apfmon.names import NameKind, name_problem

    out = []
    for name in _split(text):
        problem = name_problem(NameKind.FACTORY, name)
        if problem is not None:
            raise ValueError(problem)
        out.append(name)
    return tuple(out)


def parse_network_list(text: str) -> tuple[str, ...]:
    """Networks (``192.0.2.0/24``, ``2001:db8::/48``) or single addresses, separated by commas or
    spaces; returned in their normal form (host bits cleared)."""
    out = []
    for item in _split(text):
        try:
            net = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"{item!r} is not a network: write an address or a CIDR such as 192.0.2.0/24 or 2001:db8::/48"
            ) from None
        out.append(str(net))
    return tuple(out)


def load_settings(path: str | Path | None) -> ServerSettings:
    """Settings from ``path`` (missing keys keep their defaults); defaults when ``path`` is None.

    ``admin_token_file`` in ``[auth]`` or the ``APFMON_ADMIN_TOKEN`` variable give the admin token."""
    # "key = value   ; comment", as the documented example writes it
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    if path is not None and not cp.read(Path(path)):
        raise SettingsError(f"{path}: cannot read the monitor configuration")
    mon, au, ex = _Reader(cp, "monitor"), _Reader(cp, "auth"), _Reader(cp, "expiry")
    b, a, e = ServerSettings(), AuthSettings(), ExpirySettings()
    admin = au.get_str("admin_token", "")
    token_file = au.get_str("admin_token_file", "")
    if token_file:
        try:
            admin = Path(token_file).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"[auth] admin_token_file = {token_file!r}: {exc}") from None
    admin = os.environ.get("APFMON_ADMIN_TOKEN", admin)
    return ServerSettings(
        db_url=mon.get_str("db", b.db_url),
        host=mon.get_str("host", b.host),
        port=mon.get_int("port", b.port),
        workers=mon.get_int("workers", b.workers),
        activity_hours=mon.get_float("activity_hours", b.activity_hours),
        label_messages_kept=mon.get_int("label_messages_kept", b.label_messages_kept),
        stale_after_cycles=mon.conv("stale_after_cycles", _positive, b.stale_after_cycles),
        default_cycle=mon.conv("default_cycle", _positive_duration, b.default_cycle),
        auth=AuthSettings(
            mode=au.conv("mode", _parse_mode, a.mode),
            admin_token=admin,
            address_factories=au.conv("address_factories", parse_factory_list, a.address_factories),
            trusted_networks=au.conv("trusted_networks", parse_network_list, a.trusted_networks),
        ),
        expiry=ExpirySettings(
            interval=ex.get_duration("interval", e.interval),
            created_flag_after=ex.get_duration("created_flag_after", e.created_flag_after),
            running_flag_after=ex.get_duration("running_flag_after", e.running_flag_after),
            exiting_done_after=ex.get_duration("exiting_done_after", e.exiting_done_after),
            flagged_fault_after=ex.get_duration("flagged_fault_after", e.flagged_fault_after),
            keep_finished=ex.get_duration("keep_finished", e.keep_finished),
            keep_inactive=ex.get_duration("keep_inactive", e.keep_inactive),
            enabled=ex.get_bool("enabled", e.enabled),
        ),
    )


def settings_to_json(s: ServerSettings) -> str:
    """For handing the exact settings to worker processes (through the environment)."""
    import json
    from dataclasses import asdict

    return json.dumps(asdict(s))


def settings_from_json(text: str) -> ServerSettings:
    import json

    d = json.loads(text)
    au = d["auth"]
    auth = AuthSettings(
        mode=AuthMode(au["mode"]),
        admin_token=au["admin_token"],
        address_factories=tuple(au.get("address_factories", ())),
        trusted_networks=tuple(au.get("trusted_networks", ())),
    )
    expiry = ExpirySettings(**d["expiry"])
    rest = {k: v for k, v in d.items() if k not in ("auth", "expiry")}
    return ServerSettings(auth=auth, expiry=expiry, **rest)
