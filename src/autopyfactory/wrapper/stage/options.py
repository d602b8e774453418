"""The wrapper's command line: 2.4's ``--wrapper*`` options, the new check and fetch options,
options for the plugin, and ``--`` followed by arguments for the payload.

Options this parser does not know are the plugin's (2.4 forwarded them as ``--extraopts``); the
words of ``--extraopts`` are added to them. Everything after a standalone ``--`` goes to the
payload untouched."""

from __future__ import annotations

import argparse
import difflib
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from .checks import CheckConfig, parse_version
from .download import RetryPolicy
from .exitcodes import USAGE, StageError


class StageArgumentParser(argparse.ArgumentParser):
    """argparse that raises StageError(USAGE) instead of exiting, and never abbreviates."""

    def __init__(self, prog: str, hint: str = "") -> None:
        super().__init__(prog=prog, add_help=False, allow_abbrev=False)
        self.hint = hint
        self.names: list[str] = []

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        self.names += [a for a in args if isinstance(a, str) and a.startswith("-")]
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise StageError(USAGE, f"{self.prog}: {message}" + (f"; {self.hint}" if self.hint else ""))

    def unknown_option_error(self, words: Sequence[str], prefix: str) -> None:
        """Raise for the first word that starts with ``prefix`` but is none of this parser's options."""
        for word in words:
            name = word.partition("=")[0]
            if name.startswith(prefix) and name not in self.names:
                close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.75)
                maybe = f" (did you mean {close[0]}?)" if close else ""
                raise StageError(
                    USAGE,
                    f"{self.prog}: unknown option {name}{maybe}; the options are listed in docs/wrapper.md"
                    f" (2.4 options are translated first); words for the pilot that start with {prefix}"
                    " go after a standalone --",
                )


@dataclass
class WrapperOptions:
    """The wrapper stage's command line options."""

    plugin: str = "generic"
    vo: str = ""
    wmsqueue: str = ""
    batchqueue: str = ""
    grid: str = ""
    purpose: str = ""
    serverurl: str = ""
    loglevel: str = "info"
    pilotcode: str = ""
    pilotcodechecksum: str = ""
    pilotcoderatio: str = ""
    logdir: str = ""
    fetch: RetryPolicy = field(default_factory=RetryPolicy)
    checks: CheckConfig = field(default_factory=CheckConfig)
    plugin_args: list[str] = field(default_factory=list)
    payload_args: list[str] = field(default_factory=list)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
        return v

    return parse


def _csv(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def build_parser() -> StageArgumentParser:
    p = StageArgumentParser("wrapper")
    a = p.add_argument
    # 2.4 (wrapper 0.9.x shell layer and the Python wrapper)
    a("--wrapperplugin", dest="plugin", default="generic")
    a("--wrappervo", dest="vo", default="")
    a("--wrapperwmsqueue", dest="wmsqueue", default="")
    a("--wrapperbatchqueue", dest="batchqueue", default="")
    a("--wrappergrid", dest="grid", default="")
    a("--wrapperpurpose", dest="purpose", default="")
    a("--wrapperserverurl", dest="serverurl", default="")
    a("--wrapperloglevel", dest="loglevel", default="info", type=str.lower)
    a("--wrapperpilotcode", dest="pilotcode", default="")
    a("--wrapperpilotcodeurl", dest="pilotcodeurl", default="")
    a("--wrapperpilotcodechecksum", dest="pilotcodechecksum", default="")
    a("--wrapperpilotcoderatio", dest="pilotcoderatio", default="")
    a("--extraopts", dest="extraopts", default="")
    # handled by the bootstrap; accepted here so they are not taken for plugin options
    for name in ("tarballurl", "tarballchecksum", "specialcmd", "vlimit", "mode"):
        a(f"--wrapper{name}", dest=f"bootstrap_{name}", default="")
    a("--wrapperkeepworkdir", dest="bootstrap_keepworkdir", action="store_true")
    # new in this wrapper
    a("--wrapperlogdir", dest="logdir", default="")
    a("--wrapperfetchattempts", dest="fetch_attempts", type=int, default=RetryPolicy.attempts)
    a("--wrapperfetchbackoff", dest="fetch_backoff", type=_positive(float), default=RetryPolicy.backoff)
    a("--wrapperfetchtimeout", dest="fetch_timeout", type=_positive(float), default=RetryPolicy.timeout)
    a("--wrapperpilotcodetimeout", dest="fetch_deadline", type=_positive(float), default=RetryPolicy.deadline)
    a("--wrappercheckdisk", dest="check_disk", type=_positive(float), metavar="MB")
    a("--wrappercheckmemory", dest="check_memory", type=_positive(float), metavar="MB")
    a("--wrappercheckcpus", dest="check_cpus", type=_positive(int), metavar="N")
    a("--wrappercheckpython", dest="check_python", metavar="X.Y")
    a("--wrappercheckcvmfs", dest="check_cvmfs", type=_csv, default=(), metavar="REPO,REPO")
    a("--wrappercheckcvmfsroot", dest="check_cvmfs_root", default="/cvmfs")
    a("--wrappercheckproxy", dest="check_proxy", type=_positive(float), metavar="HOURS")
    a("--wrappercheckcommand", dest="check_commands", action="append", default=[], metavar="CMD")
    a("--wrapperchecktimeout", dest="check_timeout", type=_positive(float), default=60.0)
    return p


def split_payload(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(options, payload arguments): split at the first standalone ``--``."""
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, []


def parse(argv: Sequence[str]) -> WrapperOptions:
    """Raises StageError(USAGE) for bad options."""
    opts, payload = split_payload(argv)
    parser = build_parser()
    ns, unknown = parser.parse_known_args(opts)
    parser.unknown_option_error(unknown, "--wrapper")
    if ns.check_python:
        parse_version(ns.check_python)
    if ns.loglevel not in ("debug", "info", "warning", "error"):
        raise StageError(
            USAGE, f"wrapper: --wrapperloglevel must be debug, info, warning or error: {ns.loglevel}"
        )
    try:
        extra = shlex.split(ns.extraopts)
    except ValueError as exc:
        raise StageError(USAGE, f"wrapper: --extraopts: {exc}") from None
    return WrapperOptions(
        plugin=ns.plugin.strip().lower(),
        vo=ns.vo,
        wmsqueue=ns.wmsqueue,
        batchqueue=ns.batchqueue,
        grid=ns.grid,
        purpose=ns.purpose,
        serverurl=ns.serverurl,
        loglevel=ns.loglevel,
        pilotcode=ns.pilotcode or ns.pilotcodeurl,
        pilotcodechecksum=ns.pilotcodechecksum,
        pilotcoderatio=ns.pilotcoderatio,
        logdir=ns.logdir,
        fetch=RetryPolicy(max(1, ns.fetch_attempts), ns.fetch_backoff, ns.fetch_timeout, ns.fetch_deadline),
        checks=CheckConfig(
            disk_mb=ns.check_disk,
            memory_mb=ns.check_memory,
            cpus=ns.check_cpus,
            python=ns.check_python,
            cvmfs=ns.check_cvmfs,
            cvmfs_root=ns.check_cvmfs_root,
            proxy_hours=ns.check_proxy,
            commands=tuple(ns.check_commands),
            timeout=ns.check_timeout,
        ),
        plugin_args=[*unknown, *extra],
        payload_args=payload,
    )
