"""Read-only is a property of how the local registry is opened: a reporting tool's context gets a
registry that cannot be written, whatever code runs on it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from autopyfactory.batch.local.status import LocalBatchStatus
from autopyfactory.batch.local.store import PilotStore, RegistryReader
from autopyfactory.batch.local.submit import LocalSubmit
from autopyfactory.batch.local.view import LocalBatchView, ReadOnlyRegistry
from autopyfactory.cli.tool_config import load_for_tool, tool_context

QUEUES = """
[LOCALQ]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
batchstatusplugin = Local
schedplugin = Fixed
executable = /bin/true
"""


def test_a_registry_opened_read_only_refuses_every_write(tmp_path: Path) -> None:
    path = tmp_path / "local-pilots.sqlite"
    assert RegistryReader.open_read_only(path) is None  # none yet: nothing is created
    assert not path.exists()
    PilotStore(path).close()
    reader = RegistryReader.open_read_only(path)
    assert reader is not None
    assert not hasattr(reader, "claim_pending") and not hasattr(reader, "finish")
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        reader._db.execute("UPDATE pilots SET state='pending' WHERE state='starting'")
    reader.close()


def test_a_registry_whose_tables_a_starting_factory_has_not_created_yet_holds_no_pilot(
    tmp_path: Path,
) -> None:
    """A status tool run while the factory starts may find the file before its tables: no pilot
    yet, not an error (and the tool creates nothing)."""
    path = tmp_path / "state" / "local-pilots.sqlite"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # what PilotStore does before it creates the tables
    db.close()
    assert RegistryReader.open_read_only(path) is None
    view = LocalBatchView(tmp_path / "state")
    assert view.active() == [] and view.observed(0.0, 0.0) == ({}, [])
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_tool_context_is_read_only_unless_the_tool_writes(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    loaded = load_for_tool(str(etc), "test")
    assert loaded is not None
    cfg, settings = loaded
    ctx = tool_context(cfg, settings)
    assert ctx.read_only
    section = cfg.queues["LOCALQ"].section
    sub = LocalSubmit(ctx, section)
    assert sub.list_pilots() == []
    for attempt in (lambda: sub.submit(1), lambda: sub.remove(["1.0"]), sub.cleanup):
        with pytest.raises(ReadOnlyRegistry):
            attempt()
    view = LocalBatchStatus(ctx, section).poll()
    assert view.queue("LOCALQ").running == 0
    assert not (tmp_path / "state").exists()  # a read-only tool creates no state
    assert not tool_context(cfg, settings, writes=True).read_only
