"""What the Slurm plugins need from a cluster, whichever interface (CLI or slurmrestd) reaches it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from autopyfactory.batch.slurm.jobs import SlurmJob
from autopyfactory.batch.slurm.request import SubmitRequest
from autopyfactory.batch.slurm.settings import SlurmEndpoint
from autopyfactory.plugins.context import AuthLookup


class SlurmBackend(Protocol):
    """What the Slurm plugins need of a Slurm cluster, through its command line tools or slurmrestd."""

    endpoint: SlurmEndpoint

    def submit(self, request: SubmitRequest) -> list[str]:
        """Submit; the pilot ids created. SlurmError when nothing was submitted."""
        ...

    def jobs(self) -> list[SlurmJob]:
        """Every job and array task the controller holds (finished ones until MinJobAge)."""
        ...

    def finished(self, since: float) -> list[SlurmJob] | None:
        """Jobs that ended since ``since`` from accounting; None when there is no accounting."""
        ...

    def cancel(self, pilot_ids: Sequence[str]) -> None: ...

    def withdraw(self, pilot_ids: Sequence[str]) -> list[str]:
        """Cancel those of ``pilot_ids`` that have not started, never one that started meanwhile
        (:mod:`.withdraw`); the ids cancelled."""
        ...

    def close(self) -> None: ...


def backend_for(
    endpoint: SlurmEndpoint, accounting: str = "auto", auth: AuthLookup | None = None, queue: str = ""
) -> SlurmBackend:
    """The backend for ``endpoint``; ``auth`` gives a REST endpoint's token (``rest.tokenprofile``),
    looked up for ``queue`` (its alerts) when one queue owns the backend."""
    if endpoint.mode == "rest":
        from autopyfactory.batch.slurm.rest import SlurmRest, token_reader

        return SlurmRest(endpoint, tokens=token_reader(endpoint, auth, queue))
    from autopyfactory.batch.slurm.cli import SlurmCLI

    return SlurmCLI(endpoint, accounting)
