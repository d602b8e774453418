"""The CE a submit description's ``grid_resource`` names (host and port), for a token profile's
audience template (``{ce}``, ``{port}``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from autopyfactory.plugins.context import CredentialTarget

TOKEN_GRID_TYPES = ("condor", "arc")  # the grid types HTCondor authenticates with scitokens_file


def _host_port(text: str) -> tuple[str, int | None]:
    """``https://h:443/arex``, ``user@h``, ``h:9619``, ``h/jobmanager-pbs`` -> (host, port)."""
    if "://" not in text:
        text = "//" + text
    try:
        u = urlsplit(text)
        return (u.hostname or ""), u.port
    except ValueError:
        return "", None


def ce_target(queue: str, grid_resource: str | None) -> CredentialTarget:
    """``condor SCHEDD POOL[:PORT]`` (the pool names the CE's collector), ``arc URL``,
    ``nordugrid HOST``, ``cream URL ...``, ``gt2 HOST/jobmanager``, ``batch TYPE USER@HOST``."""
    words = (grid_resource or "").split()
    if len(words) < 2:
        return CredentialTarget(queue)
    kind = words[0].lower()
    if kind == "condor":
        where = words[2] if len(words) > 2 else words[1]
        if "@" in where and ":" not in where:
            where = where.rpartition("@")[2]
    elif kind == "batch" and len(words) > 2:
        where = words[2].rpartition("@")[2]
    else:
        where = words[1]
    host, port = _host_port(where)
    return CredentialTarget(queue, host, port)


def grid_type(grid_resource: str | None) -> str:
    words = (grid_resource or "").split()
    return words[0].lower() if words else ""
