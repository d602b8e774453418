"""The ``X509`` auth handler: keeps a VOMS proxy valid (renewing it with voms-proxy-init or MyProxy)
and hands its path to submit plugins only while it has at least ``minlife`` seconds left."""

from __future__ import annotations

import logging
import os
import pwd
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from autopyfactory.auth import x509_keys
from autopyfactory.auth.credential_status import X509, CredentialStatus
from autopyfactory.auth.handler import AuthEnv, AuthHandler, needs_one_of
from autopyfactory.auth.proxyinfo import inspect, role_fqan
from autopyfactory.auth.x509_renew import RenewSpec, renew
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure

log = logging.getLogger(__name__)

RETRY_FAILED = 60.0


@dataclass(frozen=True, slots=True)
class ProxyStatus:
    """What the last check of a proxy found, and until when it holds."""

    ok: bool
    reason: str
    valid_until: float  # time.time() after which a lookup checks the proxy again
    expires_at: float | None = None  # when the proxy (or its VOMS attributes) expire, if measured
    fqans: tuple[str, ...] = ()


class X509Handler(AuthHandler):
    """Auth handler ``X509``: keeps a profile's proxy valid (renewed with voms-proxy-init,
    grid-proxy-init or MyProxy when it runs short of ``x509.minlife``) and hands out its path."""

    name = "X509"
    provides = X509
    keys = x509_keys.X509_KEYS

    @classmethod
    def requirements(cls, profile: ConfigSection) -> list[ConfigProblem]:
        """A profile that renews with MyProxy needs the server, the account and a way to authenticate."""
        try:
            if not profile.get(x509_keys.RENEW) or profile.get(x509_keys.FLAVOR) != "myproxy":
                return []
        except ConfigError:
            return []  # the bad value itself is reported
        why = "x509.flavor = myproxy renews from a MyProxy server"
        return [
            *needs_one_of(profile, (x509_keys.MYPROXY_HOST,), why),
            *needs_one_of(profile, (x509_keys.MYPROXY_USER,), why),
            *needs_one_of(
                profile, (x509_keys.RETRIEVERS, x509_keys.MYPROXY_PASS), why + " and authenticates to it"
            ),
        ]

    def __init__(self, profile: ConfigSection, env: AuthEnv) -> None:
        super().__init__(profile, env)
        g = profile.get
        self.proxyfile = Path(os.path.expanduser(g(x509_keys.PROXYFILE)))
        self.vorole = g(x509_keys.VOROLE)
        self.renew = g(x509_keys.RENEW)
        self.minlife = g(x509_keys.MINLIFE)
        self.checktime = g(x509_keys.CHECKTIME)
        self.alertbefore = g(x509_keys.ALERTBEFORE)
        self.owner = g(x509_keys.OWNER)
        baseproxy = g(x509_keys.BASEPROXY)
        self.spec = RenewSpec(
            flavor=g(x509_keys.FLAVOR),
            out=self.proxyfile,
            lifetime=g(x509_keys.LIFETIME),
            vorole=self.vorole,
            baseproxy=os.path.expanduser(baseproxy) if baseproxy else None,
            usercert=os.path.expanduser(g(x509_keys.USERCERT)),
            userkey=os.path.expanduser(g(x509_keys.USERKEY)),
            voms_args=g(x509_keys.VOMS_ARGS) or "",
            myproxy_host=g(x509_keys.MYPROXY_HOST),
            myproxy_user=g(x509_keys.MYPROXY_USER),
            myproxy_pass=g(x509_keys.MYPROXY_PASS),
            retrievers=g(x509_keys.RETRIEVERS),
        )
        self.next_check = self.clock.monotonic() + g(x509_keys.INITDELAY)
        self._lock = threading.Lock()
        self._status: ProxyStatus | None = None
        self._checked_at: float | None = None
        self._renewed_at: float | None = None
        self._checking: int | None = None  # the thread running check(), which holds _lock
        for k in x509_keys.REMOTE:
            if g(k):
                log.warning("%s: %s is not supported; the proxy is not copied anywhere", self.label, k.name)

    def interval(self) -> float:
        return float(self.checktime)

    def check(self) -> None:
        with self._lock:
            self._checking = threading.get_ident()
            try:
                st = self._check()
            finally:
                self._checking = None
            if not st.ok:  # a lookup retries a failed profile at most once a minute
                st = replace(st, valid_until=time.time() + RETRY_FAILED)
            self._status = st
            self._checked_at = time.time()
        (log.debug if self._status.ok else log.error)("%s: %s", self.label, self._status.reason)

    def _check(self) -> ProxyStatus:
        info = inspect(self.proxyfile, voms=bool(self.vorole))
        renewed = False
        if self.renew and (info.timeleft is not None and info.timeleft < self.minlife):
            tmp = self.proxyfile.with_name(f".{self.proxyfile.name}.renew")
            exists = self.proxyfile.exists()
            old_expiry = time.time() + info.timeleft if exists else None
            old_fqans = tuple(info.fqans or ())
            try:
                r = renew(replace(self.spec, out=tmp), self.env.proxy_of)
                if r.ok:
                    os.chmod(tmp, 0o600)
                    os.replace(tmp, self.proxyfile)  # pilots never see a half-written proxy
            except (AuthFailure, OSError) as exc:
                return ProxyStatus(False, f"cannot renew {self.proxyfile}: {exc}", 0.0, old_expiry, old_fqans)
            if not r.ok:
                return ProxyStatus(
                    False,
                    f"renewing {self.proxyfile} ({self.spec.flavor}) failed: {r.why()}",
                    0.0,
                    old_expiry,
                    old_fqans,
                )
            renewed = True
            self._renewed_at = time.time()
            info = inspect(self.proxyfile, voms=bool(self.vorole))
        if renewed or self.owner:
            self._secure()
        now = time.time()
        expires = None if info.timeleft is None else now + info.timeleft
        fqans = tuple(info.fqans or ())
        if info.timeleft is None:
            if not self.proxyfile.exists():
                return ProxyStatus(False, f"proxy file {self.proxyfile} does not exist", 0.0)
            return ProxyStatus(
                True, f"{self.proxyfile}: lifetime unknown ({info.reason})", now + self.checktime
            )
        if info.timeleft < self.minlife:
            why = info.reason or f"{info.timeleft}s left < minlife {self.minlife}s"
            return ProxyStatus(
                False,
                f"{self.proxyfile}: {why}" + ("" if self.renew else " (renew = False)"),
                0.0,
                expires if self.proxyfile.exists() else None,
                fqans,
            )
        if self.vorole and info.fqans is not None:
            want = role_fqan(self.vorole)
            if not any(f == want or f.startswith(want + "/") for f in info.fqans):
                return ProxyStatus(
                    False,
                    f"{self.proxyfile} lacks FQAN {want} (has {', '.join(info.fqans)})",
                    0.0,
                    expires,
                    fqans,
                )
        verb = "renewed" if renewed else "valid"
        return ProxyStatus(
            True,
            f"{self.proxyfile} {verb}, {info.timeleft}s left",
            now + info.timeleft - self.minlife,
            expires,
            fqans,
        )

    def _secure(self) -> None:
        try:
            os.chmod(self.proxyfile, 0o600)
            if self.owner:
                pw = pwd.getpwnam(self.owner)
                os.chown(self.proxyfile, pw.pw_uid, pw.pw_gid)
        except (OSError, KeyError) as exc:
            log.error(
                "%s: cannot give %s to %s: %s", self.label, self.proxyfile, self.owner or "its owner", exc
            )

    def proxy_path(self) -> str:
        if self._checking == threading.get_ident():  # our own renewal asks for our proxy
            raise AuthFailure(f"{self.label}: x509.retriever_list leads back to this profile")
        with self._lock:
            st = self._status
        if st is None or time.time() >= st.valid_until:
            self.check()
            with self._lock:
                st = self._status
        assert st is not None
        if not st.ok:
            raise AuthFailure(f"{self.label}: {st.reason}")
        return str(self.proxyfile)

    def status(self) -> ProxyStatus | None:
        with self._lock:
            return self._status

    def statuses(self) -> list[CredentialStatus]:
        with self._lock:
            st, checked, renewed = self._status, self._checked_at, self._renewed_at
        return [
            CredentialStatus(
                profile=self.profile.name,
                kind=X509,
                path=str(self.proxyfile),
                expires_at=st.expires_at if st else None,
                minlife=self.minlife,
                alert_before=self.alertbefore,
                renews=self.renew,
                fqans=st.fqans if st else (),
                audience="",
                last_check=checked,
                last_renewal=renewed,
                last_error="" if st is None or st.ok else st.reason,
            )
        ]
