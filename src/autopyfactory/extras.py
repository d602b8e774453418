"""The optional parts of autopyfactory, the extras that install them, and a clear error when one is
missing.

The factory's core (``pip install autopyfactory``) runs queues on the Local and Slurm backends with
PanDA, CRIC, the APF monitor plugin, the log server and its own Prometheus metrics (httpx,
prometheus_client). The rest comes with an extra:

- ``monitor``: the APFMon-compatible monitor service (``autopyfactory monitor``): FastAPI, uvicorn,
  SQLAlchemy, Alembic, Jinja2, python-multipart;
- ``postgres``: the monitor service on PostgreSQL (psycopg; includes ``monitor``);
- ``htcondor``: the HTCondor backends (``Condor*`` plugins): the htcondor2 bindings;
- ``testbed``: the local PanDA-compatible testbed and ``autopyfactory demo``: FastAPI, uvicorn;
- ``tokens``: ``Token`` auth profiles (bearer tokens for CEs, slurmrestd and pilots): PyJWT with
  cryptography;
- ``all``: every one of them.

An extra is judged present by the modules it provides (HTCondor's bindings may come from the
operating system's packages rather than pip). Standard library only."""

from __future__ import annotations

import importlib.util

# the modules each extra provides (the test suite checks them against pyproject.toml)
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "monitor": (
        "fastapi",
        "uvicorn",
        "sqlalchemy",
        "alembic",
        "jinja2",
        "python_multipart",
    ),
    "postgres": ("psycopg",),
    "htcondor": ("htcondor2", "classad2"),
    "testbed": ("fastapi", "uvicorn"),
    "tokens": ("jwt", "cryptography"),
}


class MissingExtra(ImportError):
    """An optional part of autopyfactory is not installed; the message names the extra to install."""

    def __init__(self, extra: str, missing: list[str]) -> None:
        self.extra = extra
        self.missing = missing
        super().__init__(
            f"needs the {extra!r} extra, which is not installed (no module {', '.join(missing)}): "
            f"pip install 'autopyfactory[{extra}]'"
        )


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported ([] when it is installed)."""
    return [m for m in EXTRA_MODULES[extra] if not _present(m)]


def require_extra(extra: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` can be imported."""
    missing = missing_modules(extra)
    if missing:
        raise MissingExtra(extra, missing)
