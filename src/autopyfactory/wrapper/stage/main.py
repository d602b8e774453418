"""The stage's main: parse options, profile and validate the node, run the plugin's steps."""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from collections.abc import Sequence
from typing import Any

from . import VERSION, nodeprofile
from .checks import run_checks
from .compat24 import translate
from .context import StageContext
from .exitcodes import CHECK_FAILED, DESCRIPTIONS, INTERNAL, Interrupted, StageError
from .options import WrapperOptions, parse
from .payload import FORWARDER
from .plugins import plugin_class
from .runner import execute

log = logging.getLogger("wrapper")


def setup_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stdout)
    fmt = logging.Formatter(
        "%(asctime)s UTC [wrapper] %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
    )
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))


def _save_profile(path: str, profile: dict[str, Any]) -> None:
    try:
        nodeprofile.write(path, profile)
    except OSError as exc:
        log.warning("cannot write the node profile %s: %s", path, exc)


def run(opts: WrapperOptions, env: dict[str, str]) -> int:
    workdir = os.getcwd()
    logdir = opts.logdir or workdir
    ctx = StageContext(opts, workdir, logdir, env)
    plugin = plugin_class(opts.plugin)(ctx, opts.plugin_args)  # option errors before anything else
    info = {"version": VERSION, "plugin": opts.plugin, "wmsqueue": opts.wmsqueue, "vo": opts.vo}
    profile = nodeprofile.collect(workdir, logdir, env, info)
    if not opts.checks.enabled():
        log.info("no node checks configured")
    report = run_checks(opts.checks, workdir, env)
    profile["checks"] = [r.as_dict() for r in report.results]
    profile["checks_ok"] = report.ok
    path = nodeprofile.profile_path(logdir, env)
    _save_profile(path, profile)
    log.info("node profile written to %s", path)
    if not report.ok:
        names = ", ".join(f"{r.name} ({r.detail})" for r in report.failures())
        raise StageError(CHECK_FAILED, f"node validation failed: {names}; the payload was not started")
    started = time.time()
    rc = execute(plugin)
    profile["result"] = {"exit_code": rc, "seconds": round(time.time() - started, 1)}
    _save_profile(path, profile)
    return rc


def main(argv: Sequence[str]) -> int:
    setup_logging()
    FORWARDER.install()
    try:
        env = dict(os.environ)
        translation = translate(argv, env)
        opts = parse(translation.argv)
        setup_logging(opts.loglevel)
        log.info(
            "autopyfactory wrapper stage %s: plugin %s, python %s (%s)",
            VERSION,
            opts.plugin,
            sys.version.split()[0],
            sys.executable,
        )
        if translation.style:
            for note in translation.notes:
                log.info("2.4 %s: %s", translation.style, note)
            log.info("2.4 %s arguments run as: %s", translation.style, shlex.join(translation.argv))
        rc = run(opts, translation.environment(env))
    except StageError as exc:
        log.error("%s", exc.message)
        print(f"wrapper: {exc.message}", file=sys.stderr)
        rc = exc.code
    except Interrupted as exc:
        log.error("terminated by signal %d before the payload started", exc.signum)
        rc = 128 + exc.signum
    except Exception:
        log.exception("internal error")
        rc = INTERNAL
    log.info("wrapper stage exiting with %d (%s)", rc, DESCRIPTIONS.get(rc, "payload exit status"))
    return rc
