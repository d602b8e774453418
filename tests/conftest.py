"""Shared fixtures: configuration trees written the way sites write them, and clean singletons."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.batch.local.backend import LocalBatch


@pytest.fixture(autouse=True)
def _fresh_local_batch() -> Iterator[None]:
    """Every test gets its own local batch registries (they are shared per state dir in a process)."""
    yield
    LocalBatch.forget_all()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


@pytest.fixture
def conf_tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Factory: write autopyfactory.conf (+ extra files) under tmp_path/etc; returns the conf dir.

    ``factory`` is extra [Factory] lines; ``files`` maps relative names to contents."""

    def make(factory: str = "", files: dict[str, str] | None = None) -> Path:
        etc = tmp_path / "etc"
        base = f"""
        [Factory]
        factoryId = test-factory
        factoryUser = tester
        baseLogDir = {tmp_path}/logs
        baseLogDirUrl = http://localhost:25880
        statedir = {tmp_path}/state
        logserver.enabled = False
        """
        write(etc / "autopyfactory.conf", textwrap.dedent(base) + textwrap.dedent(factory))
        for name, text in (files or {}).items():
            write(etc / name, text)
        return etc

    return make
