"""The ``Token`` auth handler: bearer tokens (WLCG common JWT profile, SciTokens) for CEs and
pilots, one file per audience, renewed before they run short and never handed out with less than
``token.minlife`` seconds left.

A profile with ``token.audience = https://{ce}:{port}`` serves every CE it is used for: each CE
gets its own token (and file), made the first time a queue asks for it and kept fresh by the
manager's checks from then on. A renewal that fails leaves the last good token in use until it
reaches ``minlife``; after that, lookups fail and the queues that need it submit nothing, saying
why (and the manager alerts)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.auth import token_checks, token_keys
from autopyfactory.auth.audience import file_slug
from autopyfactory.auth.credential_status import TOKEN, CredentialStatus
from autopyfactory.auth.files import private_dir, write_atomic
from autopyfactory.auth.handler import AuthEnv, AuthHandler
from autopyfactory.auth.issuer import Issuer, IssuerError
from autopyfactory.auth.jwt_check import Expect, KeyLookup, TokenInfo, TokenRefused, check_token
from autopyfactory.auth.times import when
from autopyfactory.auth.token_sources import SourceError, make_source
from autopyfactory.auth.token_spec import TokenSpec
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure, CredentialTarget

log = logging.getLogger(__name__)


@dataclass
class TokenCredential:
    """One audience of a profile: its file and what is known about the token in it."""

    audience: str | None
    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    info: TokenInfo | None = None
    signature: tuple[int, int, int] | None = None  # (mtime_ns, size, inode) of the file info was read from
    last_check: float | None = None
    last_renewal: float | None = None
    last_error: str = ""
    next_look: float = 0.0  # monotonic: a lookup checks again from then on
    retry_after: float = 0.0  # monotonic: no renewal attempt before (after a failure)

    @property
    def what(self) -> str:
        return f"audience {self.audience}" if self.audience else "its token"


class TokenHandler(AuthHandler):
    """The ``Token`` auth handler: one bearer token file per audience, renewed from the profile's source
    before it runs short, never handed out with less than ``token.minlife`` seconds left."""

    name = "Token"
    provides = TOKEN
    keys = token_keys.TOKEN_KEYS

    @classmethod
    def requirements(cls, profile: ConfigSection) -> list[ConfigProblem]:
        return token_checks.requirements(profile)

    @classmethod
    def file_problems(cls, profile: ConfigSection) -> list[ConfigProblem]:
        return token_checks.file_problems(profile)

    def __init__(self, profile: ConfigSection, env: AuthEnv) -> None:
        super().__init__(profile, env)
        self.spec = TokenSpec.from_section(profile)
        self.issuer = Issuer(self.spec.issuer, self.spec.timeout, self.clock) if self.spec.issuer else None
        self.source = make_source(self.spec, self.issuer)
        self._lock = threading.Lock()
        self.creds: dict[str, TokenCredential] = {}
        self.next_check = self.clock.monotonic() + self.spec.initdelay
        fixed = (self.spec.audience is None or not self.spec.audience.fields) and (
            self.spec.tokenfile is None or not self.spec.tokenfile.fields
        )
        if fixed:  # one audience: checked (and renewed) from the start, before any queue asks
            self.credential(CredentialTarget())

    # -- credentials -------------------------------------------------------------------------------
    def credential(self, target: CredentialTarget) -> TokenCredential:
        """The credential for ``target`` (AuthFailure when the templates need what it lacks)."""
        s = self.spec
        audience = s.audience.render(target) if s.audience is not None else None
        if s.tokenfile is not None:
            path = Path(os.path.expanduser(s.tokenfile.render(target)))
        else:
            path = self.basedir / self.profile.name / f"{file_slug(audience) if audience else 'token'}.token"
        with self._lock:
            cred = self.creds.get(str(path))
            if cred is None:
                cred = self.creds[str(path)] = TokenCredential(audience, path)
            elif cred.audience != audience:
                raise AuthFailure(
                    f"{self.label}: {path} would hold tokens of two audiences ({cred.audience}, {audience}); "
                    f"put {{ce}} in {token_keys.TOKENFILE.name}"
                )
            return cred

    def _keys(self) -> KeyLookup | None:
        return self.issuer.key if self.issuer is not None and self.spec.verify else None

    def _expect(self, cred: TokenCredential) -> Expect:
        return Expect(self.spec.issuer, cred.audience, self.spec.scopes)

    # -- checks ------------------------------------------------------------------------------------
    def interval(self) -> float:
        return float(self.spec.checktime)

    def check(self) -> None:
        with self._lock:
            creds = list(self.creds.values())
        for cred in creds:
            self._refresh(cred)

    def _load(self, cred: TokenCredential, now: float) -> TokenInfo | None:
        """The token in the file, checked; None (and ``last_error``) when there is none or it is refused.
        A file unchanged since it was checked is not checked again (its signature stays good while
        the issuer is down)."""
        try:
            st = cred.path.stat()
        except FileNotFoundError:
            if self.source is None:
                cred.last_error = f"token file {cred.path} does not exist"
            return None
        except OSError as exc:
            cred.last_error = f"token file {cred.path}: {exc.strerror}"
            return None
        sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        if cred.info is not None and sig == cred.signature:
            return cred.info
        try:
            text = cred.path.read_text(encoding="utf-8").strip()
            info = check_token(text, self._expect(cred), self._keys(), now)
        except TokenRefused as exc:
            cred.last_error = f"the token in {cred.path} is refused: {exc}"
            return None
        except IssuerError as exc:
            cred.last_error = f"cannot check the token in {cred.path}: {exc}"
            return None
        except OSError as exc:
            cred.last_error = f"cannot read {cred.path}: {exc.strerror}"
            return None
        cred.signature = sig
        if self.source is None:
            cred.last_error = ""
        elif cred.last_renewal is None:  # written before this process started (by an earlier run)
            cred.last_renewal = st.st_mtime
        return info

    def _refresh(self, cred: TokenCredential) -> None:
        """Check the token of ``cred`` and renew it when it runs short (or is missing or refused)."""
        s = self.spec
        with cred.lock:
            now, mono = self.clock.time(), self.clock.monotonic()
            cred.info = self._load(cred, now)
            cred.last_check = now
            left = None if cred.info is None else cred.info.expires_at - now
            short = left is None or left < s.renewlife
            if self.source is not None and short and mono >= cred.retry_after:
                self._renew(cred, now, mono)
                left = None if cred.info is None else cred.info.expires_at - now
            if left is None:
                cred.next_look = mono + min(s.retry, s.checktime)
            else:
                until = left - (s.renewlife if self.source is not None else s.minlife)
                wait = until if until > 0 else s.retry
                cred.next_look = mono + max(1.0, min(float(s.checktime), wait))

    def _renew(self, cred: TokenCredential, now: float, mono: float) -> None:
        s = self.spec
        assert self.source is not None
        scratch = cred.path.with_name(f".{cred.path.name}.fetch")
        try:
            if cred.path.parent == self.basedir / self.profile.name:
                private_dir(cred.path.parent)
            else:
                cred.path.parent.mkdir(parents=True, exist_ok=True)
            text = self.source.fetch(cred.audience, s.scopes, s.renewlife + s.checktime, scratch)
            info = check_token(text, self._expect(cred), self._keys(), now)
            if info.expires_at - now < s.minlife:
                raise TokenRefused(
                    f"the new token has only {int(info.expires_at - now)}s left (expires {when(info.expires_at)}), "
                    f"less than minlife {s.minlife}s: lower {token_keys.MINLIFE.name} or have the issuer give longer tokens"
                )
            write_atomic(cred.path, (text + "\n").encode("utf-8"), 0o600)
        except (SourceError, TokenRefused, IssuerError, AuthFailure, OSError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            cred.last_error = f"renewing the token for {cred.what} ({self.source.name}) failed: {why}"
            cred.retry_after = mono + s.retry
            log.error("%s: %s", self.label, cred.last_error)
            return
        st = cred.path.stat()
        cred.info, cred.signature = info, (st.st_mtime_ns, st.st_size, st.st_ino)
        cred.last_renewal, cred.last_error, cred.retry_after = now, "", 0.0
        if info.lifetime is not None and info.lifetime < s.renewlife:
            log.warning(
                "%s: tokens for %s live %ds, less than the renewal threshold %ds: every check renews",
                self.label, cred.what, int(info.lifetime), s.renewlife,
            )  # fmt: skip
        log.info(
            "%s: new token for %s in %s, %ds left (expires %s)",
            self.label, cred.what, cred.path, int(info.expires_at - now), when(info.expires_at),
        )  # fmt: skip

    # -- lookups -----------------------------------------------------------------------------------
    def token_path(self, target: CredentialTarget) -> str:
        cred = self.credential(target)
        if cred.last_check is None or self.clock.monotonic() >= cred.next_look or self._changed(cred):
            self._refresh(cred)
        with cred.lock:
            now = self.clock.time()
            info, error = cred.info, cred.last_error
        if info is None:
            raise AuthFailure(f"{self.label}: no valid token for {cred.what}: {error or 'none yet'}")
        left = info.expires_at - now
        if left < self.spec.minlife:
            why = f"the token for {cred.what} has {max(0, int(left))}s left, less than minlife {self.spec.minlife}s"
            raise AuthFailure(f"{self.label}: {why}" + (f"; {error}" if error else ""))
        return str(cred.path)

    @staticmethod
    def _changed(cred: TokenCredential) -> bool:
        """The file is not the one last read (another tool replaced it, or it is gone)."""
        try:
            st = cred.path.stat()
        except OSError:
            return cred.signature is not None
        return (st.st_mtime_ns, st.st_size, st.st_ino) != cred.signature

    def statuses(self) -> list[CredentialStatus]:
        with self._lock:
            creds = list(self.creds.values())
        out = []
        for c in creds:
            info = c.info
            out.append(
                CredentialStatus(
                    profile=self.profile.name,
                    kind=TOKEN,
                    path=str(c.path),
                    expires_at=info.expires_at if info else None,
                    minlife=self.spec.minlife,
                    alert_before=self.spec.alertbefore,
                    renews=self.source is not None,
                    audience=c.audience or "",
                    scopes=info.scopes if info else self.spec.scopes,
                    issuer=info.issuer if info else (self.spec.issuer or ""),
                    subject=info.subject if info else "",
                    last_check=c.last_check,
                    last_renewal=c.last_renewal,
                    last_error=c.last_error,
                )
            )
        return out

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
        if self.issuer is not None:
            self.issuer.close()
