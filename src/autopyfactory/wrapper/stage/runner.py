"""Runs a plugin's steps, stopping at the first failure, each step with its own exit code."""

from __future__ import annotations

import logging

from .exitcodes import POST_RUN, PRE_RUN, RUN_START, Interrupted, StageError
from .plugins.base import Plugin

log = logging.getLogger("wrapper.runner")


def execute(plugin: Plugin) -> int:
    """pre_run, run, post_run. The exit code: the failing step's, or the payload's status."""
    for step, code in (("pre_run", PRE_RUN), ("run", RUN_START), ("post_run", POST_RUN)):
        log.info("plugin %s: %s", plugin.name, step)
        try:
            rc = getattr(plugin, step)()
        except (StageError, Interrupted):
            raise
        except Exception:
            log.exception("plugin %s: %s failed", plugin.name, step)
            return code
        if step == "run":
            if rc != 0:
                log.error("plugin %s: payload exited with %d; skipping post_run", plugin.name, rc)
                return int(rc)
            log.info("plugin %s: payload succeeded", plugin.name)
    return 0
