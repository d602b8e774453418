"""The credential series: what the auth manager says each profile's credentials are worth.

The manager is read through one small typed method, ``statuses()`` (see
:class:`autopyfactory.auth.manager.AuthManager`, the records ``auth status`` shows): whatever its
handlers report (X509 proxies, a token per audience, ...) becomes time left, minlife and whether the
last check found it usable, per profile. It runs no tool and reads no file, so a scrape never waits
on a credential."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from prometheus_client.core import GaugeMetricFamily, Metric

from autopyfactory.engine.metrics.names import CREDENTIAL_LEFT, CREDENTIAL_MINLIFE, CREDENTIAL_OK

log = logging.getLogger(__name__)


class CredentialView(Protocol):
    """One credential as the auth manager reports it."""

    @property
    def profile(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def expires_at(self) -> float | None: ...
    @property
    def minlife(self) -> int: ...
    @property
    def last_check(self) -> float | None: ...
    @property
    def last_error(self) -> str: ...


@runtime_checkable
class CredentialSource(Protocol):
    """What the metrics need of an auth manager."""

    def statuses(self) -> Sequence[CredentialView]: ...


@dataclass
class _Profile:
    kind: str
    left: float | None = None
    minlife: float = 0.0
    checked: bool = False
    ok: bool = True


def credential_families(auth: object, now: float) -> Iterator[Metric]:
    """The credential families of ``auth`` (the factory's auth manager; one without ``statuses()``,
    or None, has no credentials to show). ``now``: epoch seconds."""
    left = GaugeMetricFamily(CREDENTIAL_LEFT.name, CREDENTIAL_LEFT.help, labels=CREDENTIAL_LEFT.labels)
    minlife = GaugeMetricFamily(
        CREDENTIAL_MINLIFE.name, CREDENTIAL_MINLIFE.help, labels=CREDENTIAL_MINLIFE.labels
    )
    ok = GaugeMetricFamily(CREDENTIAL_OK.name, CREDENTIAL_OK.help, labels=CREDENTIAL_OK.labels)
    for name, p in sorted(_profiles(auth, now).items()):
        labels = [name, p.kind]
        if p.left is not None:
            left.add_metric(labels, p.left)
        minlife.add_metric(labels, p.minlife)
        if p.checked:
            ok.add_metric(labels, 1.0 if p.ok else 0.0)
    yield from (left, minlife, ok)


def _profiles(auth: object, now: float) -> dict[str, _Profile]:
    if not isinstance(auth, CredentialSource):
        return {}
    try:
        views = auth.statuses()
    except Exception:
        log.exception("metrics: the auth manager's statuses() failed")
        return {}
    out: dict[str, _Profile] = {}
    for v in views:
        p = out.setdefault(v.profile, _Profile(v.kind))
        if v.expires_at is not None:
            left = v.expires_at - now
            p.left = left if p.left is None else min(p.left, left)
        p.minlife = max(p.minlife, float(v.minlife))
        if v.last_check is not None:
            p.checked = True
            p.ok = p.ok and not v.last_error
    return out
