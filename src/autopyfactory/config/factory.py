"""``autopyfactory.conf`` ``[Factory]``: the keys the factory itself reads, and their typed form."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.config.keys import (
    BOOL,
    INT,
    LIST,
    NONNEG_FLOAT,
    NONNEG_INT,
    STR,
    URL,
    BadValue,
    Key,
    KeyType,
    finite_float,
)
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection

FACTORY_SECTION = "Factory"
DEFAULT_CONF_DIR = Path("/etc/autopyfactory")


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "autopyfactory"


def _positive_int(raw: str) -> int:
    try:
        v = finite_float(raw)
    except ValueError:
        raise BadValue("an integer >= 1") from None
    if not (v.is_integer() and v >= 1):
        raise BadValue("an integer >= 1")
    return int(v)


def _seconds(positive: bool) -> KeyType[float]:
    expected = "a finite number of seconds " + ("> 0" if positive else ">= 0")

    def parse(raw: str) -> float:
        try:
            v = finite_float(raw)
        except ValueError:
            raise BadValue(expected) from None
        if v < 0 or (positive and v == 0):
            raise BadValue(expected)
        return v

    return KeyType("seconds>0" if positive else "seconds>=0", expected, parse)


def _port(raw: str) -> int:
    try:
        v = finite_float(raw)
    except ValueError:
        raise BadValue(PORT_EXPECTED) from None
    if not (v.is_integer() and 1 <= v <= 65535):
        raise BadValue(PORT_EXPECTED)
    return int(v)


PORT_EXPECTED = "a port number from 1 to 65535"
POSITIVE_INT = KeyType("int>=1", "an integer >= 1", _positive_int)
PORT: KeyType[int] = KeyType("port", PORT_EXPECTED, _port)
DEADLINE = _seconds(positive=True)
GRACE = _seconds(positive=False)

FACTORY_ID = Key("factoryId", STR, None, "unique factory name (APFMon, APFFID, PANDA_JSID)")
ADMIN_EMAIL = Key("factoryAdminEmail", STR, "", "where alerts go (comma list)")
SMTP_SERVER = Key("factorySMTPServer", STR, "localhost", "SMTP server for alerts")
EMAIL_REPEAT = Key(
    "factoryMinEmailRepeatSeconds", NONNEG_INT, 3600, "do not repeat an identical alert sooner"
)
FACTORY_USER = Key("factoryUser", STR, None, "exported to pilots as FACTORYUSER")
ENABLE_QUEUES = Key("enablequeues", BOOL, True, "global switch: False starts no queue")
QUEUE_CONF = Key("queueConf", STR, None, "comma list of queue files (paths or file:// / http(s):// URLs)")
QUEUE_DIR_CONF = Key("queueDirConf", STR, None, "directory of *.conf queue files")
AUTH_ENABLED = Key("authmanager.enabled", BOOL, True, "run the auth manager")
AUTH_SLEEP = Key("authmanager.sleep", NONNEG_INT, 30, "auth manager check interval (s)")
AUTH_CONF = Key("authConf", STR, None, "comma list of auth.conf files")
PROXY_ENABLED = Key("proxymanager.enabled", BOOL, True, "pre-2.4.10 name of authmanager.enabled")
PROXY_SLEEP = Key("proxymanager.sleep", NONNEG_INT, 30, "pre-2.4.10 name of authmanager.sleep")
PROXY_CONF = Key("proxyConf", STR, None, "pre-2.4.10 proxy.conf (read as auth profiles)")
MONITOR_CONF = Key("monitorConf", STR, None, "monitor.conf path")
MAPPINGS_CONF = Key("mappingsConf", STR, None, "mappings.conf path (the 2.4 mappings are built in)")
CYCLES = Key("cycles", INT, None, "cycles to run (None: forever; 0: start no queue)")
CLEANLOGS_KEEPDAYS = Key("cleanlogs.keepdays", NONNEG_INT, 14, "days of pilot logs to keep")
FACTORY_SLEEP = Key("factory.sleep", NONNEG_FLOAT, 30, "main loop liveness check interval (s)")
BASE_LOG_DIR = Key("baseLogDir", STR, None, "root of the pilot logs (YYYY-MM-DD/<queue>/)")
BASE_LOG_URL = Key("baseLogDirUrl", URL, None, "URL of baseLogDir, with port (the log server listens there)")
LOGSERVER_ENABLED = Key("logserver.enabled", BOOL, True, "serve baseLogDir over HTTP")
LOGSERVER_INDEX = Key("logserver.index", BOOL, True, "directory listings")
LOGSERVER_ROBOTS = Key("logserver.allowrobots", BOOL, False, "False: robots.txt disallows everything")
RECONFIG = Key("config.reconfig", BOOL, False, "re-read the configuration periodically")
RECONFIG_INTERVAL = Key("config.reconfig.interval", NONNEG_INT, 3600, "re-read interval (s)")
QUEUES_PLUGIN = Key("config.queues.plugin", LIST, ("File",), "queue config plugins, merged in order")
AUTH_PLUGIN = Key("config.auth.plugin", LIST, ("File",), "auth config plugins")
ABORT_NO_QUEUES = Key("abort_no_queues", BOOL, False, "exit when no queue is left running")
FACTORY_MONITOR = Key("monitor", LIST, (), "factory-level monitor sections (monitor.conf)")
MONITOR_SECTION = Key("monitor.section", STR, None, "unused (2.4 example file)")
MONITOR_INTERVAL = Key("monitor.interval", STR, None, "unused (2.4 example file)")
VERSION_TAG = Key("versionTag", STR, None, "unused (2.4 example file)")
STATE_DIR = Key("statedir", STR, None, "where the factory keeps its own state (Local batch registry)")
SUBMIT_CONCURRENCY = Key("batchsubmit.concurrency", NONNEG_INT, 4, "concurrent submissions per batch backend")
STATUS_TIMEOUT = Key(
    "status.timeout", NONNEG_FLOAT, 120, "longest a status query may take before its data counts as missing"
)
SUBMIT_MAX_PER_CYCLE = Key(
    "batchsubmit.maxpercycle",
    POSITIVE_INT,
    1000,
    "safety cap: most pilots one queue submits in one cycle, whatever its sched chain decides",
)
SUBMIT_BATCH = Key(
    "batchsubmit.batchsize",
    POSITIVE_INT,
    100,
    "most pilots one submit call creates (a bigger decision is split)",
)
SUBMIT_TIMEOUT = Key(
    "batchsubmit.timeout",
    DEADLINE,
    300,
    "longest one submit, retire or cleanup call may take; then the queue is skipped until it returns",
)
MONITOR_TIMEOUT = Key(
    "monitor.timeout",
    DEADLINE,
    30,
    "longest one monitor plugin call may take; then that monitor is skipped until it returns",
)
INIT_TIMEOUT = Key(
    "plugins.inittimeout",
    DEADLINE,
    60,
    "longest a queue's plugins may take to start (their constructors); then the queue is not started "
    "(tried again at the next reload)",
)
SHUTDOWN_GRACE = Key(
    "shutdown.grace",
    GRACE,
    30,
    "at SIGTERM/SIGINT: seconds in-flight submissions and closing plugins may take before the process exits",
)
METRICS_ENABLED = Key(
    "metrics.enabled",
    BOOL,
    False,
    "serve the factory's Prometheus metrics at /metrics on the log server's port (docs/operations.md)",
)
METRICS_PORT = Key(
    "metrics.port",
    PORT,
    None,
    "serve the factory's Prometheus metrics on this port of metrics.address (None: no port of their own)",
)
METRICS_ADDRESS = Key("metrics.address", STR, "127.0.0.1", "the address metrics.port listens on")
URL_TIMEOUT = Key(
    "config.urltimeout",
    DEADLINE,
    30,
    "longest the download of one configuration file given as an http(s):// URL may take (queueConf, "
    "monitorConf, mappingsConf, authConf, proxyConf, config.queues.cric.defaultsfiles)",
)

FACTORY_KEYS: tuple[Key[object], ...] = (
    FACTORY_ID, ADMIN_EMAIL, SMTP_SERVER, EMAIL_REPEAT, FACTORY_USER, ENABLE_QUEUES, QUEUE_CONF, QUEUE_DIR_CONF,
    AUTH_ENABLED, AUTH_SLEEP, AUTH_CONF, PROXY_ENABLED, PROXY_SLEEP, PROXY_CONF, MONITOR_CONF, MAPPINGS_CONF,
    CYCLES, CLEANLOGS_KEEPDAYS, FACTORY_SLEEP, BASE_LOG_DIR, BASE_LOG_URL, LOGSERVER_ENABLED, LOGSERVER_INDEX,
    LOGSERVER_ROBOTS, RECONFIG, RECONFIG_INTERVAL, QUEUES_PLUGIN, AUTH_PLUGIN, ABORT_NO_QUEUES, FACTORY_MONITOR,
    MONITOR_SECTION, MONITOR_INTERVAL, VERSION_TAG, STATE_DIR, SUBMIT_CONCURRENCY, STATUS_TIMEOUT,
    SUBMIT_MAX_PER_CYCLE, SUBMIT_BATCH, SUBMIT_TIMEOUT, MONITOR_TIMEOUT, INIT_TIMEOUT, SHUTDOWN_GRACE,
    METRICS_ENABLED, METRICS_PORT, METRICS_ADDRESS, URL_TIMEOUT,
)  # fmt: skip


def url_timeout(factory: ConfigSection) -> float:
    """Seconds one configuration file given as an ``http(s)://`` URL may take to download
    (``config.urltimeout``). A bad value is an error of ``[Factory]`` (``check_keys``) that stops the
    start or refuses the reload; until then the default stands, so nothing waits without a bound."""
    try:
        return float(factory.get(URL_TIMEOUT))
    except ConfigError:
        return float(URL_TIMEOUT.default)


@dataclass(frozen=True)
class FactorySettings:
    """The typed ``[Factory]`` values the engine uses (plugins read their own keys from the section)."""

    factory_id: str
    admin_email: str
    factory_user: str
    enablequeues: bool
    cycles: int | None
    base_log_dir: Path
    base_log_url: str
    logserver_enabled: bool
    logserver_index: bool
    logserver_allowrobots: bool
    cleanlogs_keepdays: int | None
    reconfig: bool
    reconfig_interval: int
    abort_no_queues: bool
    state_dir: Path
    submit_concurrency: int
    status_timeout: float
    conf_dir: Path
    submit_max_per_cycle: int = SUBMIT_MAX_PER_CYCLE.default
    submit_batch: int = SUBMIT_BATCH.default
    submit_timeout: float = SUBMIT_TIMEOUT.default
    monitor_timeout: float = MONITOR_TIMEOUT.default
    init_timeout: float = INIT_TIMEOUT.default
    shutdown_grace: float = SHUTDOWN_GRACE.default
    metrics_enabled: bool = METRICS_ENABLED.default  # /metrics on the log server's port
    metrics_port: int | None = METRICS_PORT.default  # a port of their own (on metrics_address)
    metrics_address: str = METRICS_ADDRESS.default

    @classmethod
    def from_section(cls, s: ConfigSection, conf_dir: Path) -> FactorySettings:
        fid = s.get(FACTORY_ID) or f"{socket.gethostname()}-{_default_user()}"
        base = s.get(BASE_LOG_DIR)
        base_dir = Path(os.path.expanduser(base)) if base else Path.home() / "factory" / "logs"
        if not base_dir.is_absolute():
            base_dir = conf_dir / base_dir
        url = s.get(BASE_LOG_URL) or f"http://{socket.getfqdn()}:25880"
        state = s.get(STATE_DIR)
        state_dir = Path(os.path.expanduser(state)) if state else base_dir.parent / "state"
        if not state_dir.is_absolute():
            state_dir = conf_dir / state_dir
        return cls(
            factory_id=fid,
            admin_email=s.get(ADMIN_EMAIL),
            factory_user=s.get(FACTORY_USER) or _default_user(),
            enablequeues=s.get(ENABLE_QUEUES),
            cycles=s.get(CYCLES),
            base_log_dir=base_dir,
            base_log_url=url.rstrip("/"),
            logserver_enabled=s.get(LOGSERVER_ENABLED),
            logserver_index=s.get(LOGSERVER_INDEX),
            logserver_allowrobots=s.get(LOGSERVER_ROBOTS),
            cleanlogs_keepdays=s.get(CLEANLOGS_KEEPDAYS),
            reconfig=s.get(RECONFIG),
            reconfig_interval=s.get(RECONFIG_INTERVAL),
            abort_no_queues=s.get(ABORT_NO_QUEUES),
            state_dir=state_dir,
            submit_concurrency=max(1, s.get(SUBMIT_CONCURRENCY)),
            status_timeout=s.get(STATUS_TIMEOUT),
            conf_dir=conf_dir,
            submit_max_per_cycle=s.get(SUBMIT_MAX_PER_CYCLE),
            submit_batch=s.get(SUBMIT_BATCH),
            submit_timeout=s.get(SUBMIT_TIMEOUT),
            monitor_timeout=s.get(MONITOR_TIMEOUT),
            init_timeout=s.get(INIT_TIMEOUT),
            shutdown_grace=s.get(SHUTDOWN_GRACE),
            metrics_enabled=s.get(METRICS_ENABLED),
            metrics_port=s.get(METRICS_PORT),
            metrics_address=s.get(METRICS_ADDRESS),
        )
