"""Fixtures for the HTCondor tests: the fake schedd pool installed as the schedd connector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autopyfactory.batch.htcondor import schedd
from tests.htcondor.fake_schedd import FakePool


@pytest.fixture
def fake_condor() -> Iterator[FakePool]:
    pool = FakePool()
    previous = schedd.set_connector(pool)
    yield pool
    schedd.set_connector(previous)


@pytest.fixture(autouse=True)
def _factory_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """The factory host's name as HTCondor's ``$ENV(HOSTNAME)`` sees it when pilots are submitted."""
    monkeypatch.setenv("HOSTNAME", "factory.example.org")
