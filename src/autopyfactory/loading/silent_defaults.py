"""Defaults that change what a queue does without a word: check-config names them.

A queue without ``wmsqueue`` reads the WMS queue of its section's name (and gets no work when the
WMS has none by that name); a queue without ``batchsubmitplugin`` starts its pilots as processes on
the factory host. Both are 2.4's behaviour and stay (a 2.4 file relying on them is no less valid,
so ``--strict`` does not fail on them), but check-config says so, as notes (level ``info``), so
that a newcomer's queue does not quietly do something else than meant."""

from __future__ import annotations

from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.queue import BATCHSUBMIT_PLUGIN, WMSQUEUE, WMSSTATUS_PLUGIN
from autopyfactory.config.section import ConfigSection


def silent_default_notes(s: ConfigSection) -> list[ConfigProblem]:
    """A note (level info) for each consequential key ``s`` leaves to its default."""
    out: list[ConfigProblem] = []
    try:
        reads_wms = bool(s.get(WMSSTATUS_PLUGIN))
    except ConfigError:
        reads_wms = False  # reported with the queue's keys
    if reads_wms and s.raw(WMSQUEUE.name) is None:
        out.append(
            ConfigProblem(
                "info",
                s.origin,
                s.name,
                WMSQUEUE.name,
                f"is not set, so the section name {s.name!r} is used as the WMS queue: if the WMS "
                "has no queue of that name, this queue never gets work",
                None,
                f"set wmsqueue to the WMS (PanDA) queue whose work this queue serves, e.g. wmsqueue = {s.name}",
            )
        )
    if s.raw(BATCHSUBMIT_PLUGIN.name) is None:
        out.append(
            ConfigProblem(
                "info",
                s.origin,
                s.name,
                BATCHSUBMIT_PLUGIN.name,
                f"is not set, so the default {BATCHSUBMIT_PLUGIN.default!r} is used: pilots run as "
                "processes on the factory host",
                None,
                "set batchsubmitplugin (Local, Slurm, CondorCE, ...: autopyfactory config-keys) to say how "
                "this queue's pilots are started",
            )
        )
    return out
