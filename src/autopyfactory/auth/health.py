"""Which alerts the credentials call for: a credential that cannot be renewed (or, when nothing
renews it, is not usable), one that will be refused within its ``alertbefore`` time while nothing
will renew it, and a queue that submits nothing for want of a credential. The same view of X509
proxies and tokens (:class:`CredentialStatus`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autopyfactory.alerts.alert import Alert
from autopyfactory.auth.credential_status import TOKEN, X509, CredentialStatus
from autopyfactory.auth.times import duration, when

HINTS = {
    X509: "check the certificate/key or MyProxy server of the profile (voms-proxy-init / myproxy-get-delegation)",
    TOKEN: "check the issuer and the client id/secret, the agent or the vault of the profile "
    "(autopyfactory auth status shows every credential)",
}


def describe(s: CredentialStatus, now: float, queues: Sequence[str]) -> str:
    lines = [f"profile: {s.profile} ({s.kind})", f"file: {s.path}"]
    if s.audience:
        lines.append(f"audience: {s.audience}")
    if s.scopes:
        lines.append(f"scopes: {' '.join(s.scopes)}")
    if s.fqans:
        lines.append(f"FQANs: {', '.join(s.fqans)}")
    if s.expires_at is not None:
        lines.append(
            f"expires: {when(s.expires_at)} ({duration(s.expires_at - now)} left; refused below {s.minlife}s)"
        )
    lines.append(f"last renewal: {when(s.last_renewal) if s.last_renewal else 'never (by this factory)'}")
    if s.last_error:
        lines.append(f"last error: {s.last_error}")
    lines.append(f"queues using it: {', '.join(queues) or 'none seen yet'}")
    lines.append(f"what to do: {HINTS.get(s.kind, 'check the profile in auth.conf')}")
    return "\n".join(lines)


def credential_alerts(
    statuses: Sequence[CredentialStatus], now: float, queues_of: Callable[[str], tuple[str, ...]]
) -> tuple[list[Alert], list[tuple[str, str]]]:
    """(alerts to raise, (key, what) of problems that are gone)."""
    alerts: list[Alert] = []
    gone: list[tuple[str, str]] = []
    for s in statuses:
        name, queues = s.key(), queues_of(s.profile)
        body = describe(s, now, queues)
        renew_key = f"renew:{name}"
        if s.last_error:
            verb = "cannot be renewed" if s.renews else "is not usable"
            alerts.append(Alert(renew_key, f"credential {name} {verb}", body, queues, s.last_error))
        else:
            gone.append((renew_key, f"credential {name} is usable again"))
        usable = s.usable_for(now)
        expiry_key = f"expiry:{name}"
        if usable is not None and usable < s.alert_before and (not s.renews or s.last_error):
            subject = (
                f"credential {name} will be refused in {duration(usable)} and nothing renews it"
                if usable > 0
                else f"credential {name} is refused: {duration(max(0.0, usable + s.minlife))} left, below minlife {s.minlife}s"
            )
            alerts.append(Alert(expiry_key, subject, body, queues, s.last_error))
        else:
            gone.append((expiry_key, f"credential {name} no longer about to expire"))
    return alerts, gone


def queue_alert(queue: str, reason: str) -> Alert:
    return Alert(
        f"queue:{queue}",
        f"queue {queue} submits nothing: no valid credential",
        f"queue: {queue}\nreason: {reason}\nwhat to do: fix the credential; the queue submits again as soon as "
        "a lookup succeeds (autopyfactory auth status shows every credential)",
        (queue,),
        reason,
    )
