"""The credential series: what the auth manager says each profile's credentials are worth.

The factory's :class:`~autopyfactory.auth.manager.AuthManager` is read through ``statuses()``: the
:class:`~autopyfactory.auth.credential_status.CredentialStatus` records its handlers report (what
``auth status`` shows: X509 proxies, a token per audience, ...), each of the kind its handler
declares it provides (``AuthHandler.provides``). They become time left, minlife and whether the
last check found the credential usable, per profile. Reading them runs no tool and reads no file,
so a scrape never waits on a credential."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from autopyfactory.auth.credential_status import CredentialStatus
from autopyfactory.auth.manager import AuthManager
from autopyfactory.engine.metrics.names import CREDENTIAL_LEFT, CREDENTIAL_MINLIFE, CREDENTIAL_OK

log = logging.getLogger(__name__)


def auth_statuses(auth: object) -> list[CredentialStatus]:
    """What the factory's auth manager ``auth`` says of its credentials (none without a manager;
    a failure is logged, never raised)."""
    if not isinstance(auth, AuthManager):
        return []
    try:
        return auth.statuses()
    except Exception:
        log.exception("metrics: the auth manager's statuses() failed")
        return []


@dataclass
class _Profile:
    kind: str
    left: float | None = None
    minlife: float = 0.0
    checked: bool = False
    ok: bool = True


def credential_families(statuses: Iterable[CredentialStatus], now: float) -> Iterator[Metric]:
    """The credential families of ``statuses`` (one profile may hold several credentials: its
    shortest time left, its largest minlife, ok only when all its checked ones are). ``now``: epoch
    seconds."""
    left = GaugeMetricFamily(CREDENTIAL_LEFT.name, CREDENTIAL_LEFT.help, labels=CREDENTIAL_LEFT.labels)
    minlife = GaugeMetricFamily(
        CREDENTIAL_MINLIFE.name, CREDENTIAL_MINLIFE.help, labels=CREDENTIAL_MINLIFE.labels
    )
    ok = GaugeMetricFamily(CREDENTIAL_OK.name, CREDENTIAL_OK.help, labels=CREDENTIAL_OK.labels)
    for name, p in sorted(_profiles(statuses, now).items()):
        labels = [name, p.kind]
        if p.left is not None:
            left.add_metric(labels, p.left)
        minlife.add_metric(labels, p.minlife)
        if p.checked:
            ok.add_metric(labels, 1.0 if p.ok else 0.0)
    yield from (left, minlife, ok)


def _profiles(statuses: Iterable[CredentialStatus], now: float) -> dict[str, _Profile]:
    out: dict[str, _Profile] = {}
    for v in statuses:
        p = out.setdefault(v.profile, _Profile(v.kind))
        left = v.time_left(now)
        if left is not None:
            p.left = left if p.left is None else min(p.left, left)
        p.minlife = max(p.minlife, float(v.minlife))
        if v.last_check is not None:
            p.checked = True
            p.ok = p.ok and not v.last_error
    return out
