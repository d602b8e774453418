"""The tree reads like the architecture: each layer imports only what is below it (every import
statement of every module counts, also those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "autopyfactory"

# test and demo code: never imported by the production code (the demo and testbed commands only)
ROOT = ("autopyfactory", "autopyfactory.__version__")  # the package itself and its version
NOT_PRODUCTION = ("autopyfactory.testbed", "autopyfactory.demo", "autopyfactory.monitor_server.testing")


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in out if m == "autopyfactory" or m.startswith("autopyfactory.")}


MODULES = {_module_name(p): _imports(p) for p in sorted(SRC.rglob("*.py"))}


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _violations(importers: tuple[str, ...], allowed: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for module, imports in MODULES.items():
        if not _in(module, *importers):
            continue
        bad = sorted(m for m in imports if not _in(m, *allowed) and m not in ROOT)
        if bad:
            out[module] = bad
    return out


def test_the_modules_were_found() -> None:
    assert "autopyfactory.engine.cycle" in MODULES and "autopyfactory.config.section" in MODULES


@pytest.mark.parametrize(
    ("layer", "allowed"),
    [
        # model: plain data
        (("autopyfactory.model",), ("autopyfactory.model",)),
        # config: a leaf for reading, keys, sections, problems and mappings (the wrapper's key list
        # and the HTTP client for queue files over HTTP are leaves too)
        (
            ("autopyfactory.config",),
            (
                "autopyfactory.config",
                "autopyfactory.model",
                "autopyfactory.wrapper.keys",
                "autopyfactory.net",
            ),
        ),
        # sched: pure plugins and the fold; the plugin contract (plugins.base), no registry, no
        # loading, no engine
        (
            ("autopyfactory.sched",),
            (
                "autopyfactory.sched",
                "autopyfactory.model",
                "autopyfactory.config",
                "autopyfactory.plugins.base",
            ),
        ),
        # the plugin contract every category shares: its keys, the section it reads them from and the
        # credentials it names (all in config, the leaf layer)
        (
            ("autopyfactory.plugins.base",),
            (
                "autopyfactory.plugins.base",
                "autopyfactory.config.keys",
                "autopyfactory.config.section",
                "autopyfactory.config.credentials",
            ),
        ),
        # the APFMon rules both ends share: standard library only
        (("autopyfactory.apfmon",), ("autopyfactory.apfmon",)),
        (("autopyfactory.extras",), ()),
        # plugins: the interfaces and the registry
        (
            ("autopyfactory.plugins",),
            ("autopyfactory.plugins", "autopyfactory.config", "autopyfactory.model", "autopyfactory.extras"),
        ),
        # loading: configuration with its plugins, above config, plugins and sched
        (
            ("autopyfactory.loading",),
            (
                "autopyfactory.loading",
                "autopyfactory.config",
                "autopyfactory.plugins",
                "autopyfactory.sched",
                "autopyfactory.model",
                "autopyfactory.apfmon",
                "autopyfactory.wrapper",
                "autopyfactory.auth",  # auth.conf's profiles, checked with their handler plugins
            ),
        ),
        # the log server: plain settings, no factory
        (
            ("autopyfactory.logserver",),
            ("autopyfactory.logserver", "autopyfactory.config", "autopyfactory.batch.logdir"),
        ),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) and v else "",
)
def test_each_layer_imports_only_what_is_below_it(layer: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    assert _violations(layer, allowed) == {}


def test_the_engine_does_not_import_the_monitor_service_or_the_cli() -> None:
    bad = {
        m: sorted(i for i in imports if _in(i, "autopyfactory.monitor_server", "autopyfactory.cli"))
        for m, imports in MODULES.items()
        if _in(m, "autopyfactory.engine", "autopyfactory.loading", "autopyfactory.plugins")
    }
    assert {m: i for m, i in bad.items() if i} == {}


def test_production_code_never_imports_test_or_demo_code() -> None:
    entry_points = ("autopyfactory.cli.demo", "autopyfactory.cli.testbed")  # they load it when run
    bad = {
        m: sorted(i for i in imports if _in(i, *NOT_PRODUCTION))
        for m, imports in MODULES.items()
        if not _in(m, *NOT_PRODUCTION, *entry_points)
    }
    assert {m: i for m, i in bad.items() if i} == {}
