"""Which batch status plugin counts a queue's pilots."""

from __future__ import annotations

from autopyfactory.config.queue import BATCHSTATUS_PLUGIN, BATCHSUBMIT_PLUGIN
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry
from autopyfactory.plugins.submit import BATCHSUBMIT, BatchSubmitPlugin


def counting_plugin(section: ConfigSection, submit: type[BatchSubmitPlugin]) -> str:
    """``batchstatusplugin`` when the queue names one; otherwise the one its submit plugin declares
    (``BatchSubmitPlugin.batchstatus``), or the status plugin of the submit plugin's name."""
    return section.get(BATCHSTATUS_PLUGIN) or submit.batchstatus or section.get(BATCHSUBMIT_PLUGIN)


def batchstatus_plugin_name(section: ConfigSection, reg: Registry = registry) -> str | None:
    """:func:`counting_plugin` for the queue's submit plugin; None when the queue names no status
    plugin and its submit plugin is unknown (that is the submit plugin's problem, reported with it).
    Raises ConfigError for a bad value of either key."""
    try:
        submit = reg.get(BATCHSUBMIT, section.get(BATCHSUBMIT_PLUGIN), usable=False)  # even without its extra
    except PluginNotFound:
        return section.get(BATCHSTATUS_PLUGIN)
    return counting_plugin(section, submit)
