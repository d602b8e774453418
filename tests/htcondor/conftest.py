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
