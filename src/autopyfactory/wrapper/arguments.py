"""``executable.arguments`` for the bundled wrapper, built from a queue's keys."""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from autopyfactory.config.keys import Key
from autopyfactory.config.problems import error
from autopyfactory.config.queue import BATCHQUEUE, GRID, VO, WMSQUEUE
from autopyfactory.config.section import ConfigSection
from autopyfactory.wrapper import keys as k
from autopyfactory.wrapper.stage.exitcodes import StageError
from autopyfactory.wrapper.stage.sources import build_groups


def _opt(name: str, value: object) -> list[str]:
    """``--name=value`` unless the value is empty."""
    if value is None or value == "":
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return [f"--{name}={value}"]


def _words(q: ConfigSection, key: Key[str]) -> list[str]:
    text = q.get(key)
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise error(q.origin_of(key.name), q.name, key.name, f"not shell words: {exc}", value=text) from None


def _wrapper_options(q: ConfigSection) -> list[str]:
    out = [f"--wrapperplugin={q.get(k.PLUGIN)}"]
    for name, key in (
        ("wrappervo", VO),
        ("wrapperwmsqueue", WMSQUEUE),
        ("wrapperbatchqueue", BATCHQUEUE),
        ("wrappergrid", GRID),
        ("wrapperpurpose", k.PURPOSE),
        ("wrapperserverurl", k.SERVER_URL),
        ("wrapperpilotcode", k.PILOTCODE),
        ("wrapperpilotcoderatio", k.PILOTCODE_RATIO),
        ("wrapperpilotcodechecksum", k.PILOTCODE_CHECKSUM),
        ("wrappertarballurl", k.TARBALL_URL),
        ("wrappertarballchecksum", k.TARBALL_CHECKSUM),
        ("wrappercheckdisk", k.CHECK_DISK),
        ("wrappercheckmemory", k.CHECK_MEMORY),
        ("wrappercheckcpus", k.CHECK_CPUS),
        ("wrappercheckpython", k.CHECK_PYTHON),
        ("wrappercheckcvmfs", k.CHECK_CVMFS),
        ("wrappercheckproxy", k.CHECK_PROXY),
        ("wrapperchecktimeout", k.CHECK_TIMEOUT),
    ):
        out += _opt(name, q.get(key))
    if q.get(k.LOGLEVEL) != "info":
        out += _opt("wrapperloglevel", q.get(k.LOGLEVEL))
    for _, command in sorted(q.get_prefixed(k.CHECK_COMMAND.name).items()):
        out += _opt("wrappercheckcommand", command.strip())
    return out


def _plugin_options(q: ConfigSection, plugin: str) -> list[str]:
    pairs: Iterable[tuple[str, Key[object]]] = ()
    if plugin == "panda":
        pairs = (("site", k.PANDA_SITE), ("resource", k.PANDA_RESOURCE), ("queue", k.PANDA_QUEUE))
    elif plugin == "glidein":
        pairs = (
            ("collector", k.GLIDEIN_COLLECTOR),
            ("condor-tarball-url", k.GLIDEIN_CONDOR_TARBALL),
            ("condor-tarball-checksum", k.GLIDEIN_CONDOR_CHECKSUM),
            ("condor-dir", k.GLIDEIN_CONDOR_DIR),
            ("token-file", k.GLIDEIN_TOKEN_FILE),
            ("token-env", k.GLIDEIN_TOKEN_ENV),
            ("gsi-proxy", k.GLIDEIN_GSI_PROXY),
            ("slot-layout", k.GLIDEIN_SLOT_LAYOUT),
            ("cpus", k.GLIDEIN_CPUS),
            ("memory", k.GLIDEIN_MEMORY),
            ("max-idle", k.GLIDEIN_MAX_IDLE),
            ("max-walltime", k.GLIDEIN_MAX_WALLTIME),
        )
    out: list[str] = []
    for name, key in pairs:
        out += _opt(name, q.get(key))
    return out


def check_pilotcode(q: ConfigSection, code: Key[str], ratio: Key[str] | None, checksum: Key[str]) -> None:
    """Raise ConfigError when pilot code sources would be refused on every node."""
    spec = q.get(code)
    if not spec:
        return
    try:
        build_groups(spec, q.get(ratio) if ratio else "", q.get(checksum))
    except StageError as exc:
        raise error(
            q.origin_of(code.name), q.name, code.name, exc.message, value=spec, hint=code.doc
        ) from None


def wrapper_argv(queue: ConfigSection) -> list[str]:
    """The wrapper's arguments as a word list. Raises ConfigError for a bad key value."""
    check_pilotcode(queue, k.PILOTCODE, k.PILOTCODE_RATIO, k.PILOTCODE_CHECKSUM)
    check_pilotcode(queue, k.GLIDEIN_CONDOR_TARBALL, None, k.GLIDEIN_CONDOR_CHECKSUM)
    plugin = queue.get(k.PLUGIN)
    argv = _wrapper_options(queue) + _words(queue, k.EXTRAARGS)
    argv += _plugin_options(queue, plugin) + _words(queue, k.PLUGINARGS)
    pilotargs = _words(queue, k.PILOTARGS)
    if pilotargs:
        argv += ["--", *pilotargs]
    return argv


def wrapper_arguments(queue: ConfigSection) -> str:
    """The same as one shell-quoted string (what ``executable.arguments`` holds)."""
    return shlex.join(wrapper_argv(queue))
