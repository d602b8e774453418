"""The minimal condor_config of a glidein: one condor_master running one startd that joins a
collector (through CCB, so no inbound connectivity is needed), authenticated by an IDTOKEN or,
for legacy HTCondor releases, a GSI proxy; with GLIDEIN_Max_Idle and GLIDEIN_Max_Walltime."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..exitcodes import USAGE, StageError

_HOST = re.compile(r"^[A-Za-z0-9.\-_:\[\]]+(\?[A-Za-z0-9=&_.\-]+)?$")
_ATTR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LAYOUTS = ("partitionable", "static")


@dataclass
class GlideinSettings:
    """What a glidein's HTCondor configuration is built from."""

    release_dir: str  # the HTCondor installation (holds sbin/condor_master)
    local_dir: str  # this glidein's log, execute, spool, lock, run directories
    collector: str  # host[:port] of the pool's collector
    auth: str  # "token" or "gsi"
    start_time: int  # epoch seconds
    token_dir: str = ""
    gsi_proxy: str = ""
    cert_dir: str = ""
    cpus: int = 1
    memory_mb: int = 2048
    layout: str = "partitionable"
    max_idle: int = 1200
    max_walltime: int = 86400
    retire: int = 0  # stop starting jobs this many seconds before the walltime ends
    start_expr: str = "True"
    name: str = ""
    ccb: bool = True
    attrs: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # verbatim "KEY = VALUE" lines

    @property
    def to_die(self) -> int:
        return self.start_time + self.max_walltime

    @property
    def to_retire(self) -> int:
        return self.to_die - self.retire


def _no_newline(what: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise StageError(USAGE, f"glidein: {what} must be one line: {value!r}")
    return value


def validate(s: GlideinSettings) -> None:
    """Raise StageError(USAGE) for settings that would make a broken or injected configuration."""
    if not _HOST.match(s.collector):
        raise StageError(USAGE, f"glidein: not a collector host[:port]: {s.collector!r}")
    if s.auth not in ("token", "gsi"):
        raise StageError(USAGE, f"glidein: auth must be token or gsi, not {s.auth!r}")
    if s.layout not in LAYOUTS:
        raise StageError(USAGE, f"glidein: slot layout must be one of {', '.join(LAYOUTS)}: {s.layout!r}")
    if s.cpus < 1 or s.memory_mb < 1:
        raise StageError(USAGE, f"glidein: need at least 1 CPU and 1 MB (got {s.cpus}, {s.memory_mb})")
    if s.max_walltime <= 0 or s.max_idle <= 0 or not 0 <= s.retire < s.max_walltime:
        raise StageError(
            USAGE, "glidein: max walltime and max idle must be > 0, retire time below the walltime"
        )
    for name, value in s.attrs.items():
        if not _ATTR.match(name):
            raise StageError(USAGE, f"glidein: not a ClassAd attribute name: {name!r}")
        _no_newline(name, value)
    for what, value in (("start expression", s.start_expr), ("name", s.name), ("release dir", s.release_dir),
                        ("local dir", s.local_dir), ("token dir", s.token_dir), ("proxy", s.gsi_proxy),
                        ("cert dir", s.cert_dir)):  # fmt: skip
        _no_newline(what, value)
    for line in s.extra:
        if "=" not in _no_newline("extra configuration", line):
            raise StageError(USAGE, f"glidein: extra configuration must be KEY = VALUE: {line!r}")


def _security(s: GlideinSettings) -> list[str]:
    lines = [
        "SEC_DEFAULT_AUTHENTICATION = REQUIRED",
        "SEC_DEFAULT_ENCRYPTION = REQUIRED",
        "SEC_DEFAULT_INTEGRITY = REQUIRED",
        "SEC_CLIENT_AUTHENTICATION = REQUIRED",
    ]
    if s.auth == "token":
        lines += [
            "SEC_DEFAULT_AUTHENTICATION_METHODS = IDTOKENS",
            "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS",
            f"SEC_TOKEN_DIRECTORY = {s.token_dir}",
        ]
    else:
        lines += [
            "SEC_DEFAULT_AUTHENTICATION_METHODS = GSI",
            "SEC_CLIENT_AUTHENTICATION_METHODS = GSI",
            f"GSI_DAEMON_PROXY = {s.gsi_proxy}",
        ]
        if s.cert_dir:
            lines.append(f"GSI_DAEMON_TRUSTED_CA_DIR = {s.cert_dir}")
    # every peer must authenticate with a credential of the pool; any such peer may claim the slots
    lines += [
        "ALLOW_READ = *",
        "ALLOW_WRITE = *",
        "ALLOW_DAEMON = *",
        "ALLOW_ADMINISTRATOR = $(FULL_HOSTNAME)",
    ]
    return lines


def _slots(s: GlideinSettings) -> list[str]:
    lines = [f"NUM_CPUS = {s.cpus}", f"MEMORY = {s.memory_mb}"]
    if s.layout == "partitionable":
        return [
            *lines,
            "NUM_SLOTS = 1",
            "NUM_SLOTS_TYPE_1 = 1",
            "SLOT_TYPE_1 = 100%",
            "SLOT_TYPE_1_PARTITIONABLE = True",
        ]
    return [
        *lines,
        f"NUM_SLOTS_TYPE_1 = {s.cpus}",
        f"SLOT_TYPE_1 = cpus=1, memory={max(1, s.memory_mb // s.cpus)}",
    ]


def render(s: GlideinSettings) -> str:
    """The condor_config text. Raises StageError(USAGE) for invalid settings."""
    validate(s)
    attrs = [
        "GLIDEIN_Max_Idle",
        "GLIDEIN_Max_Walltime",
        "GLIDEIN_Start_Time",
        "GLIDEIN_ToRetire",
        "GLIDEIN_ToDie",
    ]
    attrs += [a for a in s.attrs if a not in attrs]
    lines = [
        "# condor_config of an autopyfactory glidein (wrapper plugin 'glidein'); generated, do not edit",
        f"RELEASE_DIR = {s.release_dir}",
        f"LOCAL_DIR = {s.local_dir}",
        "SBIN = $(RELEASE_DIR)/sbin",
        "BIN = $(RELEASE_DIR)/bin",
        "LIB = $(RELEASE_DIR)/lib",
        "LIBEXEC = $(RELEASE_DIR)/libexec",
        "LOG = $(LOCAL_DIR)/log",
        "EXECUTE = $(LOCAL_DIR)/execute",
        "SPOOL = $(LOCAL_DIR)/spool",
        "LOCK = $(LOCAL_DIR)/lock",
        "RUN = $(LOCAL_DIR)/run",
        "",
        f"CONDOR_HOST = {s.collector.split(':')[0]}",
        f"COLLECTOR_HOST = {s.collector}",
        "DAEMON_LIST = MASTER, STARTD",
        *([f"STARTD_NAME = {s.name}"] if s.name else []),
        "UID_DOMAIN = $(FULL_HOSTNAME)",
        "FILESYSTEM_DOMAIN = $(FULL_HOSTNAME)",
        "CONDOR_ADMIN =",
        "USE_SHARED_PORT = False",
        *(["CCB_ADDRESS = $(COLLECTOR_HOST)"] if s.ccb else []),
        "",
        *_security(s),
        "",
        *_slots(s),
        "",
        f"GLIDEIN_Max_Idle = {s.max_idle}",
        f"GLIDEIN_Max_Walltime = {s.max_walltime}",
        f"GLIDEIN_Start_Time = {s.start_time}",
        f"GLIDEIN_ToRetire = {s.to_retire}",
        f"GLIDEIN_ToDie = {s.to_die}",
        *(f"{k} = {v}" for k, v in s.attrs.items()),
        "STARTD_ATTRS = " + " ".join(attrs),
        "STARTD_NOCLAIM_SHUTDOWN = $(GLIDEIN_Max_Idle)",
        "STARTD.DAEMON_SHUTDOWN = time() > $(GLIDEIN_ToDie)",
        "MASTER.DAEMON_SHUTDOWN = STARTD_StartTime =?= 0",
        f"START = ({s.start_expr}) && (time() < $(GLIDEIN_ToRetire))",
        "SUSPEND = False",
        "PREEMPT = False",
        "KILL = False",
        "WANT_SUSPEND = False",
        "WANT_VACATE = False",
        "RANK = 0",
        *s.extra,
    ]
    return "\n".join(lines) + "\n"
