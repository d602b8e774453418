"""Job statistics per site from a PanDA server, in its current (v1, JSON) and legacy (pickle) API.

Every reader returns ``{site: {jobStatus: count}}``; the plugin maps states to APF buckets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from autopyfactory.wms.panda.fetch import FetchLimits, get_bytes
from autopyfactory.wms.panda.unpickle import UnsafePickle, loads_plain

V1_STATS = "/api/v1/statistics/active_job_stats_by_site"
LEGACY_PER_SITE = "/server/panda/getJobStatisticsPerSite"
LEGACY_WITH_LABEL = "/server/panda/getJobStatisticsWithLabel"
JSON_HEADERS = {"Accept": "application/json"}
# How PanDA's v1 statistics calls answer an empty result (no active job anywhere): success false,
# this message, empty data. It means zero jobs, not a failure.
EMPTY_STATISTICS = "Database failure getting the job statistics"

StateCounts = dict[str, dict[str, int]]


class BadResponse(ValueError):
    """The server answered, but not with what the API promises."""


def base_url(url: str) -> str:
    """``https://host:25443`` from any of ``https://host:25443[/server/panda | /api/v1][/]``."""
    u = url.strip().rstrip("/")
    for suffix in ("/server/panda", "/api/v1"):
        if u.endswith(suffix):
            u = u[: -len(suffix)]
    return u


def v1_data(body: bytes, url: str, empty_means: str = "") -> Any:
    """The ``data`` of a v1 ``{success, message, data}`` answer; BadResponse when it failed.
    ``empty_means``: the failure message with which the call reports an empty result; such an
    answer (that message and empty ``data``) is the empty result, ``{}``."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadResponse(f"{url} did not answer JSON ({exc}); begins {body[:80]!r}") from None
    if not isinstance(doc, dict) or "success" not in doc:
        raise BadResponse(f"{url} answered JSON without 'success': {str(doc)[:120]}")
    if doc["success"] is not True:
        if empty_means and doc.get("message") == empty_means and doc.get("data") in ({}, None):
            return {}
        raise BadResponse(f"PanDA at {url} reported a failure: {doc.get('message') or 'no message'}")
    return doc.get("data")


def as_state_counts(data: Any, url: str) -> StateCounts:
    """``{site: {state: n}}`` checked: non-string sites (2.4 saw a ``None`` site) are dropped."""
    if not isinstance(data, Mapping):
        raise BadResponse(f"{url}: expected a mapping of site to state counts, got {type(data).__name__}")
    out: StateCounts = {}
    for site, states in data.items():
        if not isinstance(site, str):
            continue
        out[site] = _counts(states, f"{url}: site {site!r}")
    return out


def sum_labels(data: Any, url: str) -> StateCounts:
    """getJobStatisticsWithLabel's ``{site: {label: {state: n}}}`` summed over labels (as 2.4 did)."""
    if not isinstance(data, Mapping):
        raise BadResponse(f"{url}: expected a mapping of site to labels, got {type(data).__name__}")
    out: StateCounts = {}
    for site, labels in data.items():
        if not isinstance(site, str):
            continue
        if not isinstance(labels, Mapping):
            raise BadResponse(f"{url}: site {site!r}: expected a mapping of label to state counts")
        total: dict[str, int] = {}
        for label, states in labels.items():
            for state, n in _counts(states, f"{url}: site {site!r} label {label!r}").items():
                total[state] = total.get(state, 0) + n
        out[site] = total
    return out


def _counts(states: Any, where: str) -> dict[str, int]:
    if not isinstance(states, Mapping):
        raise BadResponse(f"{where}: expected a mapping of job status to count, got {type(states).__name__}")
    out: dict[str, int] = {}
    for state, n in states.items():
        if not isinstance(state, str) or isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise BadResponse(f"{where}: bad count {state!r}: {n!r} (expected a status and an integer >= 0)")
        out[state] = n
    return out


class StatsReader:
    """Reads job statistics in one API flavour."""

    def __init__(self, url: str, api: str, limits: FetchLimits) -> None:
        self.base = base_url(url)
        self.api = api
        self.limits = limits

    @property
    def endpoint(self) -> str:
        path = {"v1": V1_STATS, "legacy": LEGACY_PER_SITE, "legacy-label": LEGACY_WITH_LABEL}[self.api]
        return self.base + path

    def read(self, client: httpx.Client, headers: Mapping[str, str]) -> StateCounts:
        url = self.endpoint
        if self.api == "v1":
            body = get_bytes(client, url, self.limits, headers={**headers, **JSON_HEADERS})
            return as_state_counts(v1_data(body, url, empty_means=EMPTY_STATISTICS), url)
        body = get_bytes(client, url, self.limits, headers=headers)
        data = load_pickle(body, url)
        return sum_labels(data, url) if self.api == "legacy-label" else as_state_counts(data, url)


def load_pickle(body: bytes, url: str) -> Any:
    """A legacy answer: plain data only (UnsafePickle otherwise, naming the URL)."""
    try:
        return loads_plain(body)
    except UnsafePickle as exc:
        raise UnsafePickle(f"refused the answer of {url}: {exc}") from None
    except ValueError as exc:
        raise BadResponse(f"{url}: {exc}; begins {body[:80]!r}") from None
