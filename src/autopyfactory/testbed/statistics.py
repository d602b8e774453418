"""PanDA's job statistics, shaped as its v1 ``statistics`` calls answer them, from the store's
counts (active jobs plus those that ended within the call's time window)."""

from __future__ import annotations

from collections.abc import Iterable

from autopyfactory.testbed.protocol import PROCESSING_TYPE
from autopyfactory.testbed.store import CountRow

# PanDA zero-fills these per (site, resource type) in its per-resource statistics
ZERO_FILLED = ("assigned", "activated", "running", "finished", "failed")
MAX_TIME_WINDOW = 60 * 24 * 7  # minutes (7 days)
DEFAULT_WINDOW = 12 * 60  # minutes: final jobs of the last 12 hours


def by_site_and_resource_type(rows: Iterable[CountRow]) -> dict[str, dict[str, dict[str, int]]]:
    """``{site: {resource_type: {status: n}}}``."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        d = out.setdefault(r.site, {}).setdefault(r.resource_type, {})
        d[r.status] = d.get(r.status, 0) + r.n
    for per_rt in out.values():
        for d in per_rt.values():
            for st in ZERO_FILLED:
                d.setdefault(st, 0)
    return out


def by_site_share_and_resource_type(
    rows: Iterable[CountRow],
) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """``{site: {global share: {resource_type: {status: n}}}}``."""
    out: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for r in rows:
        d = out.setdefault(r.site, {}).setdefault(r.gshare, {}).setdefault(r.resource_type, {})
        d[r.status] = d.get(r.status, 0) + r.n
    for per_share in out.values():
        for per_rt in per_share.values():
            for d in per_rt.values():
                for st in ZERO_FILLED:
                    d.setdefault(st, 0)
    return out


def by_cloud(rows: Iterable[CountRow], labels: frozenset[str]) -> dict[str, dict[str, int]]:
    """``{cloud: {status: n}}`` over the jobs of ``labels`` (no zero-filling)."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if r.label in labels:
            d = out.setdefault(r.cloud, {})
            d[r.status] = d.get(r.status, 0) + r.n
    return out


def by_cloud_and_processing_type(
    rows: Iterable[CountRow], labels: frozenset[str]
) -> dict[str, dict[str, dict[str, int]]]:
    """``{cloud: {processing type: {status: n}}}`` over the jobs of ``labels`` (testbed jobs'
    processing type is ``testbed``)."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        if r.label in labels:
            d = out.setdefault(r.cloud, {}).setdefault(PROCESSING_TYPE, {})
            d[r.status] = d.get(r.status, 0) + r.n
    return out


def time_window(value: object) -> int | None:
    """A ``time_window`` parameter in minutes, as PanDA casts it; ValueError with PanDA's message
    when it is not a whole number from 0 to 10080."""
    if value is None or value == "" or value == "None":
        return None
    try:
        minutes = int(float(str(value)))
    except ValueError:
        raise ValueError(
            f"Type error: 'time_window' with value '{value}' could not be casted to type int from str."
        ) from None
    if minutes < 0 or minutes > MAX_TIME_WINDOW:
        raise ValueError(
            f'Parameter "time_window" needs to be a positive integer smaller than {MAX_TIME_WINDOW} min (7 days)'
        )
    return minutes
