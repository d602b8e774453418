"""Queue keys of the bundled pilot wrapper (``wrapper.*``); they build ``executable.arguments``
when a queue leaves ``executable`` unset. Imports only config.keys (config.queue imports this)."""

from __future__ import annotations

from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, STR, Key, choice

PLUGINS = ("panda", "generic", "glidein", "trivial", "null")

PLUGIN = Key("wrapper.plugin", choice(*PLUGINS), "panda", "wrapper plugin: what the pilot runs")
PILOTCODE = Key(
    "wrapper.pilotcode", STR, "", "pilot code sources: URL groups, '[mirror, mirror], other' (2.4 syntax)"
)
PILOTCODE_RATIO = Key("wrapper.pilotcoderatio", STR, "", "weights of the pilot code groups, e.g. 99,1")
PILOTCODE_CHECKSUM = Key("wrapper.pilotcodechecksum", STR, "", "sha256 of each pilot code group, comma list")
SERVER_URL = Key("wrapper.serverurl", STR, "", "PanDA server URL given to the pilot")
LOGLEVEL = Key("wrapper.loglevel", choice("debug", "info", "warning", "error"), "info", "wrapper log level")
PURPOSE = Key("wrapper.purpose", STR, "", "2.4 --wrapperpurpose (informational)")
TARBALL_URL = Key(
    "wrapper.tarballurl", STR, "", "where nodes without the wrapper's Python stage download it (comma list)"
)
TARBALL_CHECKSUM = Key("wrapper.tarballchecksum", STR, "", "sha256 of that tarball")
PILOTARGS = Key(
    "wrapper.pilotargs", STR, "", "arguments for the payload (after '--'), shell words", verbatim=True
)
PLUGINARGS = Key(
    "wrapper.pluginargs", STR, "", "extra options for the wrapper plugin, shell words", verbatim=True
)
EXTRAARGS = Key(
    "wrapper.extraargs", STR, "", "extra wrapper options (e.g. --wrapperfetchattempts=5)", verbatim=True
)

CHECK_DISK = Key("wrapper.checks.disk", NONNEG_FLOAT, None, "MB that must be free in the work directory")
CHECK_MEMORY = Key("wrapper.checks.memory", NONNEG_FLOAT, None, "MB of memory that must be available")
CHECK_CPUS = Key("wrapper.checks.cpus", NONNEG_INT, None, "CPUs the pilot must be able to use")
CHECK_PYTHON = Key("wrapper.checks.python", STR, "", "minimum python version on the node, e.g. 3.9")
CHECK_CVMFS = Key("wrapper.checks.cvmfs", STR, "", "cvmfs repositories that must be mounted, comma list")
CHECK_PROXY = Key("wrapper.checks.proxy", NONNEG_FLOAT, None, "hours the X509 proxy must still be valid")
CHECK_TIMEOUT = Key("wrapper.checks.timeout", NONNEG_FLOAT, None, "seconds per cvmfs probe and check command")
CHECK_COMMAND = Key(
    "wrapper.checks.command.",
    STR,
    None,
    "wrapper.checks.command.<name> = shell command that must exit 0",
    prefix=True,
    verbatim=True,
)

PANDA_SITE = Key("wrapper.panda.site", STR, "", "pilot -s (default: wmsqueue)")
PANDA_RESOURCE = Key("wrapper.panda.resource", STR, "", "pilot -r (default: the site)")
PANDA_QUEUE = Key("wrapper.panda.queue", STR, "", "pilot -q (default: batchqueue, else wmsqueue)")

GLIDEIN_COLLECTOR = Key("wrapper.glidein.collector", STR, "", "collector host[:port] the startd joins")
GLIDEIN_CONDOR_TARBALL = Key("wrapper.glidein.condortarball", STR, "", "HTCondor tarball sources")
GLIDEIN_CONDOR_CHECKSUM = Key("wrapper.glidein.condortarballchecksum", STR, "", "its sha256")
GLIDEIN_CONDOR_DIR = Key("wrapper.glidein.condordir", STR, "", "HTCondor installed on the nodes (no tarball)")
GLIDEIN_TOKEN_FILE = Key("wrapper.glidein.tokenfile", STR, "", "IDTOKEN file, as seen on the node")
GLIDEIN_TOKEN_ENV = Key("wrapper.glidein.tokenenv", STR, "", "environment variable holding the IDTOKEN")
GLIDEIN_GSI_PROXY = Key("wrapper.glidein.gsiproxy", STR, "", "GSI proxy on the node (legacy HTCondor)")
GLIDEIN_SLOT_LAYOUT = Key(
    "wrapper.glidein.slotlayout",
    choice("partitionable", "static"),
    None,
    "one partitionable slot or static ones",
)
GLIDEIN_CPUS = Key("wrapper.glidein.cpus", NONNEG_INT, None, "CPUs offered (default: all usable)")
GLIDEIN_MEMORY = Key("wrapper.glidein.memory", NONNEG_INT, None, "MB offered (default: the node's total)")
GLIDEIN_MAX_IDLE = Key("wrapper.glidein.maxidle", NONNEG_INT, None, "GLIDEIN_Max_Idle seconds (default 1200)")
GLIDEIN_MAX_WALLTIME = Key(
    "wrapper.glidein.maxwalltime", NONNEG_INT, None, "GLIDEIN_Max_Walltime seconds (default 86400)"
)

WRAPPER_KEYS: tuple[Key[object], ...] = (
    PLUGIN, PILOTCODE, PILOTCODE_RATIO, PILOTCODE_CHECKSUM, SERVER_URL, LOGLEVEL, PURPOSE, TARBALL_URL,
    TARBALL_CHECKSUM, PILOTARGS, PLUGINARGS, EXTRAARGS,
    CHECK_DISK, CHECK_MEMORY, CHECK_CPUS, CHECK_PYTHON, CHECK_CVMFS, CHECK_PROXY, CHECK_TIMEOUT, CHECK_COMMAND,
    PANDA_SITE, PANDA_RESOURCE, PANDA_QUEUE,
    GLIDEIN_COLLECTOR, GLIDEIN_CONDOR_TARBALL, GLIDEIN_CONDOR_CHECKSUM, GLIDEIN_CONDOR_DIR, GLIDEIN_TOKEN_FILE,
    GLIDEIN_TOKEN_ENV, GLIDEIN_GSI_PROXY, GLIDEIN_SLOT_LAYOUT, GLIDEIN_CPUS, GLIDEIN_MEMORY, GLIDEIN_MAX_IDLE,
    GLIDEIN_MAX_WALLTIME,
)  # fmt: skip
