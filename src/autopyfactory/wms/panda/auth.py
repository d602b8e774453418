"""Credentials for talking to PanDA: an X509 client certificate (file or auth-manager proxy) and/or
a bearer token read from a file."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.plugins.context import AuthLookup


class CredentialError(RuntimeError):
    """A configured credential cannot be used (missing file, no valid proxy)."""


@dataclass(frozen=True, slots=True)
class PandaAuth:
    """What the queue configured; resolved into request settings at every refresh, so renewed
    proxies and rotated tokens are picked up."""

    cert: str = ""
    key: str = ""
    proxy_profiles: tuple[str, ...] = ()
    token_file: str = ""
    origin: str = ""
    verify: str = "True"

    def identity(self) -> tuple[str, ...]:
        """Part of the poller's sharing key: queues with different credentials poll separately."""
        return (self.cert, self.key, ",".join(self.proxy_profiles), self.token_file, self.origin, self.verify)

    def client_cert(self, auth: AuthLookup | None) -> str | tuple[str, str] | None:
        cert = self.cert
        if not cert and self.proxy_profiles:
            if auth is None:
                raise CredentialError("wmsstatus.panda.proxy is set but no auth manager is running")
            cert = auth.proxy_path(self.proxy_profiles)
        if not cert:
            return None
        _readable(cert, "wmsstatus.panda.cert")
        if self.key:
            _readable(self.key, "wmsstatus.panda.key")
            return (os.path.expanduser(cert), os.path.expanduser(self.key))
        return os.path.expanduser(cert)

    def headers(self) -> dict[str, str]:
        if not self.token_file:
            return {}
        path = Path(os.path.expanduser(self.token_file))
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialError(f"cannot read token file {path}: {exc.strerror}") from None
        if not token:
            raise CredentialError(f"token file {path} is empty")
        out = {"Authorization": f"Bearer {token}"}
        if self.origin:
            out["Origin"] = self.origin
        return out

    def ssl_verify(self) -> bool | ssl.SSLContext:
        v = self.verify.strip()
        if v.lower() in ("true", "yes", "1", ""):
            return True
        if v.lower() in ("false", "no", "0"):
            return False
        path = Path(os.path.expanduser(v))
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        if path.is_file():
            return ssl.create_default_context(cafile=str(path))
        raise CredentialError(f"wmsstatus.panda.verify: {path} is neither a CA file nor a CA directory")


def _readable(path: str, key: str) -> None:
    p = Path(os.path.expanduser(path))
    if not os.access(p, os.R_OK):
        raise CredentialError(f"{key}: cannot read {p}")
