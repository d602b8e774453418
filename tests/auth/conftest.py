"""Fake grid tools on PATH and an auth manager built from auth.conf text."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.alerts.alerter import Alerter
from autopyfactory.auth.manager import AuthManager
from autopyfactory.config.ini import RawDocument, resolve
from autopyfactory.config.section import ConfigSection
from tests.auth.fake_tools import install


class GridTools:
    def __init__(self, log: Path) -> None:
        self.log = log

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(ln) for ln in self.log.read_text().splitlines()]


@pytest.fixture
def grid_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GridTools:
    bindir = tmp_path / "bin"
    install(bindir)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_GRID_LOG", str(tmp_path / "grid.log"))
    monkeypatch.delenv("FAKE_GRID_FAIL", raising=False)
    return GridTools(tmp_path / "grid.log")


def sections(text: str, origin: str = "auth.conf") -> dict[str, ConfigSection]:
    doc = RawDocument()
    doc.add_text(textwrap.dedent(text), origin)
    return {name: ConfigSection(r.name, r.values, r.origin) for name, r in resolve(doc).items()}


@pytest.fixture
def manager(tmp_path: Path) -> Callable[[str], AuthManager]:
    made: list[AuthManager] = []

    def make(text: str) -> AuthManager:
        m = AuthManager(sections(text.replace("{tmp}", str(tmp_path))), tmp_path / "authbase", sleep=0.05)
        made.append(m)
        return m

    yield make  # type: ignore[misc]
    for m in made:
        m.stop()


# -- tokens ------------------------------------------------------------------------------------------
from tests.auth.clocks import FakeClock  # noqa: E402
from tests.auth.issuer import Issuer, running_issuer  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def issuer(clock: FakeClock) -> Iterator[Issuer]:
    with running_issuer(clock) as iss:
        yield iss


@pytest.fixture
def secrets(tmp_path: Path, issuer: Issuer) -> Path:
    """The client id and secret files (mode 600) under tmp_path/secrets."""
    d = tmp_path / "secrets"
    d.mkdir()
    (d / "client_id").write_text(issuer.client_id + "\n")
    (d / "client_secret").write_text(issuer.client_secret + "\n")
    for f in d.iterdir():
        f.chmod(0o600)
    return d


@pytest.fixture
def token_manager(tmp_path: Path, clock: FakeClock, issuer: Issuer) -> Iterator[Callable[..., AuthManager]]:
    """Build a manager from auth.conf text; ``{tmp}`` and ``{issuer}`` are filled in."""
    made: list[AuthManager] = []

    def make(text: str, alerter: Alerter | None = None) -> AuthManager:
        text = text.replace("{tmp}", str(tmp_path)).replace("{issuer}", issuer.url)
        m = AuthManager(sections(text), tmp_path / "authbase", sleep=0.05, clock=clock, alerter=alerter)
        made.append(m)
        return m

    yield make
    for m in made:
        m.stop()
