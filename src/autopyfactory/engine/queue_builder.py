"""Building a queue's runtime from its loaded configuration: its chain, its shared status sources,
its submit plugin and monitors."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from autopyfactory.config.queue import (
    BATCHSTATUS_MAXAGE,
    BATCHSUBMIT_PLUGIN,
    MONITOR_SECTION,
    SLEEP,
    WMSQUEUE,
    WMSSTATUS_MAXAGE,
    WMSSTATUS_PLUGIN,
)
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.engine.status_hub import StatusHub, StatusKey
from autopyfactory.loading.batchstatus import counting_plugin
from autopyfactory.loading.chain import build_chain
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS
from autopyfactory.plugins.submit import BATCHSUBMIT

DEFAULT_WMS_MAXAGE = 360.0  # seconds, when neither the queue nor its WMS status plugin says


def build_queue(
    section: ConfigSection,
    ctx: FactoryContext,
    hub: StatusHub,
    reg: Registry,
    monitors: Mapping[str, MonitorPlugin],
    sleep_override: float | None = None,
    step: Callable[[str], object] = lambda what: None,
) -> QueueRuntime:
    """The queue's runtime; its status plugin instances are taken from (or added to) ``hub``.
    Raises ConfigError or PluginNotFound for a bad chain or plugin name, and whatever a plugin's
    constructor raises. ``step`` is told what is being built next (the plugin that hangs, if one
    does)."""
    step("its sched chain")
    chain = build_chain(section, ctx.factory, reg)
    submit_name = section.get(BATCHSUBMIT_PLUGIN)
    submit_cls = reg.get(BATCHSUBMIT, submit_name)
    wms_name = section.get(WMSSTATUS_PLUGIN)
    wms_key: StatusKey | None = None
    plugin_wms_maxage = None
    if wms_name:
        step(f"wmsstatus plugin {wms_name}")
        wms_key, wms_status = hub.instance(WMSSTATUS, wms_name, section)
        plugin_wms_maxage = wms_status.maxage()
    status_name = counting_plugin(section, submit_cls)
    step(f"batchstatus plugin {status_name}")
    batch_key, batch_status = hub.instance(BATCHSTATUS, status_name, section)
    step(f"batchsubmit plugin {submit_name}")
    submitter = submit_cls(ctx, section)
    return QueueRuntime(
        section=section,
        wmsqueue=section.get(WMSQUEUE) or section.name,
        chain=chain,
        wms_key=wms_key,
        batch_key=batch_key,
        wms_maxage=section.get(WMSSTATUS_MAXAGE) or plugin_wms_maxage or DEFAULT_WMS_MAXAGE,
        batch_maxage=section.get(BATCHSTATUS_MAXAGE) or batch_status.maxage(),
        submitter=submitter,
        monitors=[monitors[m] for m in section.get(MONITOR_SECTION) if m in monitors],
        sleep=sleep_override if sleep_override is not None else section.get(SLEEP),
    )
