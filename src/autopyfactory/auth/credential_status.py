"""What one credential of a profile is worth right now: the record behind ``auth status``, the
manager's state file and the alerts (the same view for X509 proxies, tokens and SSH keys)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from autopyfactory.config.credentials import SSH, TOKEN, X509  # the kinds of credential

__all__ = ["SSH", "TOKEN", "X509", "CredentialStatus"]


@dataclass(frozen=True, slots=True)
class CredentialStatus:
    """One credential file of a profile (a token profile has one per audience)."""

    profile: str
    kind: str  # x509, token or ssh
    path: str
    expires_at: float | None = None  # epoch seconds; None: unknown, or it does not expire
    minlife: int = 0  # never handed out with less than this left
    alert_before: int = 0  # alert when it will be refused within this many seconds
    renews: bool = False  # the factory renews it (False: only checked)
    audience: str = ""
    scopes: tuple[str, ...] = ()
    fqans: tuple[str, ...] = ()
    issuer: str = ""
    subject: str = ""
    last_check: float | None = None
    last_renewal: float | None = None
    last_error: str = ""

    def time_left(self, now: float) -> float | None:
        return None if self.expires_at is None else self.expires_at - now

    def usable_for(self, now: float) -> float | None:
        """Seconds until it is refused (its time left minus minlife); None when unknown."""
        left = self.time_left(now)
        return None if left is None else left - self.minlife

    def key(self) -> str:
        """Names the credential in alerts: profile, and the audience when a profile has several."""
        return f"{self.profile}/{self.audience}" if self.audience else self.profile

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["scopes"] = list(self.scopes)
        d["fqans"] = list(self.fqans)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CredentialStatus:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in d.items() if k in names}
        for k in ("scopes", "fqans"):
            values[k] = tuple(str(x) for x in values.get(k) or ())
        return cls(**values)
