"""Where the Local backend keeps its state in ``statedir``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StateLayout:
    """The Local backend's files in the state directory."""

    state_dir: Path

    @property
    def registry(self) -> Path:
        return self.state_dir / "local-pilots.sqlite"

    @property
    def lease(self) -> Path:
        return self.state_dir / "local-pilots.lock"

    @property
    def rc_dir(self) -> Path:
        """Exit code files the launchers write."""
        return self.state_dir / "local-rc"

    @property
    def claim_dir(self) -> Path:
        """Launch claims (see :mod:`autopyfactory.batch.local.launcher`)."""
        return self.state_dir / "local-run"

    def rc_file(self, pilot_id: str) -> Path:
        return self.rc_dir / f"{pilot_id}.rc"

    def claim_file(self, pilot_id: str, attempt: int) -> Path:
        return self.claim_dir / f"{pilot_id}.{attempt}.claim"
