"""Loading the configuration for the operator tools (queue-status, kill-pilots, render-submit)."""

from __future__ import annotations

import sys

from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.problems import ConfigError
from autopyfactory.loading.loader import LoadedConfig, load
from autopyfactory.plugins.context import FactoryContext


def load_for_tool(conf: str | None, tool: str) -> tuple[LoadedConfig, FactorySettings] | None:
    """The loaded configuration and its factory settings; None (after saying why on stderr) when
    autopyfactory.conf cannot be read or its [Factory] section has errors."""
    try:
        cfg = load(conf)
    except ConfigError as exc:
        print(exc.problem, file=sys.stderr)
        return None
    if cfg.settings is None:
        print(f"{tool}: [Factory] has errors; run check-config", file=sys.stderr)
        return None
    return cfg, cfg.settings


def tool_context(cfg: LoadedConfig, settings: FactorySettings, writes: bool = False) -> FactoryContext:
    """A plugin context for a one-off tool run (no auth manager thread). Read-only unless the tool
    says it ``writes`` (kill-pilots): plugins then open batch state so it cannot be changed."""
    return FactoryContext(cfg.factory, settings, cfg.mappings, cfg.monitors, read_only=not writes)
