"""The configuration key reference (``autopyfactory config-keys``, the docs' reference page) lists
exactly the keys check-config knows, with the same types and defaults, and a default written as
the reference shows it is read back as that default."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autopyfactory.auth.handler import AUTH, COMMON_KEYS
from autopyfactory.config.keys import Key
from autopyfactory.loading.key_catalog import catalog, default_text, pattern
from autopyfactory.loading.loader import load
from autopyfactory.loading.queue_validation import KnownKeys
from autopyfactory.plugins.monitor import MONITOR
from autopyfactory.plugins.queues_config import CONFIG
from autopyfactory.plugins.registry import Registry, registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS
from autopyfactory.plugins.submit import BATCHSUBMIT
from autopyfactory.sched.base import SCHED


class _Groups:
    """The catalog as the registry holds it now (tests elsewhere may register plugins in process)."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(catalog(registry))


GROUPS = _Groups()


def _keys(section: str) -> dict[str, Key]:
    return {k.name + ("*" if k.prefix else ""): k for g in GROUPS if g.section == section for k in g.keys}


def _declarations(section: str) -> dict[str, set[tuple[str, str, bool]]]:
    out: dict[str, set[tuple[str, str, bool]]] = {}
    for g in GROUPS:
        if g.section == section:
            for k in g.keys:
                out.setdefault(k.name, set()).add((k.type.name, repr(k.default), k.prefix))
    return out


@pytest.mark.parametrize("section", ["queue", "factory", "monitor"])
def test_the_reference_lists_exactly_what_check_config_knows(section: str) -> None:
    known = getattr(KnownKeys(registry), section)
    listed = _keys(section)
    assert set(listed) == set(known.names())
    declared = _declarations(section)
    for key in listed.values():
        k = known.find(key.name)
        assert k is not None
        assert (k.type.name, repr(k.default), k.prefix) in declared[key.name], key.name


def test_no_key_is_declared_twice_with_different_types_or_defaults() -> None:
    conflicts = {
        (section, name): decls
        for section in ("factory", "queue", "monitor", "auth")
        for name, decls in _declarations(section).items()
        if len(decls) > 1
    }
    assert conflicts == {}


def test_auth_profile_keys_are_those_of_every_handler() -> None:
    handlers = registry.all_loadable(AUTH).values()
    expected = {k.name for k in COMMON_KEYS} | {k.name for cls in handlers for k in cls.keys}
    assert {k.name for k in _keys("auth").values()} == expected


def test_every_plugin_of_every_category_has_its_entry() -> None:
    for category in (SCHED, WMSSTATUS, BATCHSTATUS, BATCHSUBMIT, CONFIG, MONITOR, AUTH):
        listed = {n for g in GROUPS if g.category == category.name for n in g.plugins}
        assert listed == set(registry.all_loadable(category)), category


def test_a_default_written_as_the_reference_shows_it_reads_back_as_that_default() -> None:
    for g in GROUPS:
        for k in g.keys:
            text = default_text(k.default)
            if text:
                assert k.parse(text) == k.default, (g.title, k.name, text)


def test_check_config_takes_every_listed_queue_key_as_known(conf_tree) -> None:  # type: ignore[no-untyped-def]
    """Every queue key of the reference written in a queue: check-config warns about none as unknown."""
    lines = []
    for k in _keys("queue").values():
        text = default_text(k.default)
        lines.append(f"{k.name + 'x' if k.prefix else k.name} = {text or 'None'}")
    etc = conf_tree(files={"queues.conf": "[Q]\nenabled = False\n" + "\n".join(sorted(set(lines))) + "\n"})
    cfg = load(str(etc))
    unknown = [p for p in [*cfg.problems, *cfg.queues["Q"].problems] if p.message == "unknown key"]
    assert unknown == []


def test_the_command_prints_the_reference_in_every_form() -> None:
    groups = catalog(Registry())  # what a fresh process knows: the entry points
    run = [sys.executable, "-m", "autopyfactory", "config-keys"]
    rows = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True, check=True).stdout)
    assert {(r["section"], r["key"]) for r in rows} == {
        (g.section, pattern(k)) for g in groups for k in g.keys
    }
    page = subprocess.run([*run, "--markdown"], capture_output=True, text=True, check=True).stdout
    for g in groups:
        for k in g.keys:
            assert f"| `{pattern(k)}` |" in page
    ce = subprocess.run([*run, "--plugin", "CondorCE"], capture_output=True, text=True, check=True).stdout
    assert "batchsubmit.condorce.proxy" in ce and "sched.ready.offset" not in ce
