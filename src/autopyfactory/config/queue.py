"""Keys every APF queue section has, whatever its plugins."""

from __future__ import annotations

from autopyfactory.config.keys import BOOL, LIST, NONNEG_FLOAT, NONNEG_INT, STR, Key
from autopyfactory.wrapper.keys import WRAPPER_KEYS

ENABLED = Key("enabled", BOOL, True, "run this queue")
WMSQUEUE = Key("wmsqueue", STR, "", "the WMS queue (PanDA site/resource) whose work this queue serves")
BATCHQUEUE = Key("batchqueue", STR, "", "PanDA queue nickname")
VO = Key("vo", STR, "", "virtual organisation")
GRID = Key("grid", STR, "", "grid flavour (OSG, local, ...)")
STATUS = Key("status", STR, "", "informational")
CLOUD = Key("cloud", STR, "", "deprecated")
OVERRIDE = Key(
    "override", BOOL, False, "keep this section's values when a later source defines the same section"
)
AUTOFILL = Key("autofill", BOOL, False, "2.4 AGIS: fill the section from the central configuration")
SLEEP = Key("apfqueue.sleep", NONNEG_FLOAT, 360, "seconds between two decisions of this queue")
KEEPDAYS = Key("cleanlogs.keepdays", NONNEG_INT, None, "days of pilot logs to keep (default: [Factory])")
WMSSTATUS_PLUGIN = Key(
    "wmsstatusplugin", STR, "Panda", "where the work waiting comes from (None: no WMS status)", nullable=True
)
BATCHSTATUS_PLUGIN = Key(
    "batchstatusplugin", STR, None, "where pilot counts come from (default: matches the submit plugin)"
)
BATCHSUBMIT_PLUGIN = Key("batchsubmitplugin", STR, "Local", "how pilots are submitted")
# A queue that names no sched plugin runs the lead-time policy (sched/leadtime.py). 2.4 read
# schedplugin with a plain get, so a 2.4 queue without it never started: every working 2.4
# configuration names its chain and keeps it.
DEFAULT_CHAIN = ("leadtime",)
SCHEDPLUGIN = Key("schedplugin", LIST, DEFAULT_CHAIN, "sched plugins, in order (the first gets 0)")
MONITOR_SECTION = Key("monitorsection", LIST, (), "monitor.conf sections told about pilots and decisions")
EXECUTABLE = Key("executable", STR, None, "the pilot executable (default: the bundled wrapper)")
ARGUMENTS = Key("executable.arguments", STR, "", "its arguments, verbatim")
DEFAULT_ARGUMENTS = Key(
    "executable.defaultarguments", STR, "", "usually interpolated into executable.arguments"
)
WMSSTATUS_MAXAGE = Key(
    "wmsstatus.maxage", NONNEG_FLOAT, None, "WMS data older than this is missing (default: the plugin's)"
)
BATCHSTATUS_MAXAGE = Key(
    "batchstatus.maxage", NONNEG_FLOAT, None, "batch data older than this is missing (default: the plugin's)"
)

# Variables production sites keep in [DEFAULT] for interpolation only (2.4 example and ADC files).
INTERPOLATION_ONLY = ("req", "hold", "remove", "periodic_hold", "periodic_remove", "condor_attributes")

QUEUE_KEYS: tuple[Key[object], ...] = (
    ENABLED, WMSQUEUE, BATCHQUEUE, VO, GRID, STATUS, CLOUD, OVERRIDE, AUTOFILL, SLEEP, KEEPDAYS,
    WMSSTATUS_PLUGIN, BATCHSTATUS_PLUGIN, BATCHSUBMIT_PLUGIN, SCHEDPLUGIN, MONITOR_SECTION, EXECUTABLE, ARGUMENTS,
    DEFAULT_ARGUMENTS, WMSSTATUS_MAXAGE, BATCHSTATUS_MAXAGE,
    *(Key(k, STR, None, "interpolation variable") for k in INTERPOLATION_ONLY),
    *WRAPPER_KEYS,
)  # fmt: skip
