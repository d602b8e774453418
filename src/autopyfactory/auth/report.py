"""``auth status``: every profile, its kind and each credential's time left, audience and scopes or
FQANs, last renewal and last error. Read-only: it reads the credential files (a token's claims,
unverified; a proxy through voms-proxy-info or openssl) and the state file the running factory's
auth manager writes; it renews nothing and writes nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autopyfactory.auth import token_keys as TK
from autopyfactory.auth import x509_keys as XK
from autopyfactory.auth.audience import file_slug
from autopyfactory.auth.credential_status import SSH, TOKEN, X509, CredentialStatus
from autopyfactory.auth.handler import AUTHBASEDIR
from autopyfactory.auth.profiles import check_profile
from autopyfactory.auth.proxyinfo import inspect
from autopyfactory.auth.state_file import AuthState, read_state
from autopyfactory.auth.token_spec import TokenSpec
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.registry import Registry


@dataclass
class CredentialView:
    """One credential as ``auth status`` shows it: its file, time left, audience and scopes or FQANs, last
    check, renewal and error, and what could not be told."""

    path: str
    exists: bool
    expires_at: float | None = None
    minlife: int = 0
    audience: str = ""
    scopes: tuple[str, ...] = ()
    fqans: tuple[str, ...] = ()
    issuer: str = ""
    subject: str = ""
    issued_at: float | None = None
    last_check: float | None = None
    last_renewal: float | None = None
    last_error: str = ""
    note: str = ""  # what this tool could not tell

    def time_left(self, now: float) -> float | None:
        return None if self.expires_at is None else self.expires_at - now

    def usable(self, now: float) -> bool:
        left = self.time_left(now)
        return self.exists and (left is None or left >= self.minlife)


@dataclass
class ProfileView:
    """One auth profile as ``auth status`` shows it: its plugin, credential kind, where it is configured,
    its problems and its credentials."""

    name: str
    plugin: str
    kind: str
    origin: str
    problems: list[str] = field(default_factory=list)
    credentials: list[CredentialView] = field(default_factory=list)


def _expand(path: str) -> Path:
    return Path(os.path.expanduser(path))


def _with_state(view: CredentialView, state: CredentialStatus | None) -> CredentialView:
    if state is not None:
        view.last_check, view.last_renewal, view.last_error = (
            state.last_check,
            state.last_renewal,
            state.last_error,
        )
    return view


def _x509(section: ConfigSection, state: list[CredentialStatus]) -> list[CredentialView]:
    path = _expand(section.get(XK.PROXYFILE))
    view = CredentialView(str(path), path.exists(), minlife=section.get(XK.MINLIFE))
    if view.exists:
        info = inspect(path, voms=bool(section.get(XK.VOROLE)))
        if info.timeleft is None:
            view.note = info.reason
        else:
            view.expires_at = time.time() + info.timeleft
            view.fqans = tuple(info.fqans or ())
            if info.reason:
                view.note = info.reason
    return [_with_state(view, state[0] if state else None)]


def _token_file(path: Path, view: CredentialView) -> CredentialView:
    from autopyfactory.auth.jwt_check import TokenRefused, info_of, read_claims  # the tokens extra

    try:
        claims = read_claims(path.read_text(encoding="utf-8").strip())
        info = info_of(claims, verified=False)
    except OSError as exc:
        view.note = f"cannot read: {exc.strerror}"
        return view
    except TokenRefused as exc:
        view.note = str(exc)
        return view
    view.expires_at, view.issued_at = info.expires_at, info.issued_at
    view.scopes, view.issuer, view.subject = info.scopes, info.issuer, info.subject
    if not view.audience:
        view.audience = " ".join(info.audience)
    view.note = "signature not checked here"
    return view


def _token(section: ConfigSection, basedir: Path, state: list[CredentialStatus]) -> list[CredentialView]:
    spec = TokenSpec.from_section(section)
    known: dict[str, CredentialStatus | None] = {s.path: s for s in state}
    fixed = (spec.audience is None or not spec.audience.fields) and (
        spec.tokenfile is None or not spec.tokenfile.fields
    )
    if fixed:
        audience = spec.audience.text if spec.audience is not None else None
        if spec.tokenfile is not None:
            path = _expand(spec.tokenfile.text)
        else:
            path = basedir / section.name / f"{file_slug(audience) if audience else 'token'}.token"
        known.setdefault(str(path), None)
    out = []
    for p, st in known.items():
        path = Path(p)
        view = CredentialView(p, path.exists(), minlife=spec.minlife, audience=st.audience if st else "")
        if view.exists:
            _token_file(path, view)
        elif st is None and spec.source == TK.FILE:
            view.note = "the file another tool should keep fresh is missing"
        out.append(_with_state(view, st))
    if not out:
        out.append(CredentialView("", False, note="no token yet: made when a queue first asks for one"))
    return out


def _ssh(section: ConfigSection, basedir: Path) -> list[CredentialView]:
    plugin = str(section.raw("plugin") or "").strip()
    key = "gsissh.privatekeyfile" if plugin == "GSISSH" else "ssh.privatekeyfile"
    raw = section.raw(key)
    if raw and raw != "None":
        path = _expand(raw)
    elif plugin == "GSISSH":
        path = basedir / section.name / "gsissh"
    else:
        path = basedir / section.name / f"id_{section.raw('ssh.type') or 'rsa'}"
    view = CredentialView(str(path), path.exists())
    if view.exists and path.stat().st_mode & 0o077:
        view.note = "readable by others: refused (chmod 600)"
        view.exists = False
    return [view]


def build_report(
    sections: Mapping[str, ConfigSection], state_dir: Path, reg: Registry
) -> tuple[list[ProfileView], AuthState | None]:
    default_base = state_dir / "auth"
    state = read_state(default_base)
    out: list[ProfileView] = []
    for name, section in sections.items():
        checked = check_profile(section, reg)
        kind = (checked.cls.provides if checked.cls is not None else None) or "?"
        pv = ProfileView(name, checked.plugin, kind, section.origin)
        pv.problems = [str(p) for p in checked.problems if p.level == "error"]
        recorded = list(state.profiles[name].credentials) if state and name in state.profiles else []
        own_base = section.raw(AUTHBASEDIR.name)
        base = _expand(own_base) if own_base and own_base != "None" else default_base
        if not checked.ok:
            out.append(pv)
            continue
        try:
            if kind == X509:
                pv.credentials = _x509(checked.view, recorded)
            elif kind == TOKEN:
                pv.credentials = _token(checked.view, base, recorded)
            elif kind == SSH:
                pv.credentials = _ssh(checked.view, base)
        except ConfigError as exc:
            pv.problems.append(str(exc.problem))
        out.append(pv)
    return out, state


def as_json(profiles: list[ProfileView], state: AuthState | None, now: float) -> dict[str, Any]:
    return {
        "state_file": None if state is None else {"written_at": state.written_at, "pid": state.pid},
        "profiles": [
            {
                "name": p.name,
                "plugin": p.plugin,
                "kind": p.kind,
                "file": p.origin,
                "problems": p.problems,
                "credentials": [
                    {
                        "path": c.path,
                        "exists": c.exists,
                        "usable": c.usable(now),
                        "time_left": c.time_left(now),
                        "expires_at": c.expires_at,
                        "minlife": c.minlife,
                        "audience": c.audience,
                        "scopes": list(c.scopes),
                        "fqans": list(c.fqans),
                        "issuer": c.issuer,
                        "subject": c.subject,
                        "issued_at": c.issued_at,
                        "last_check": c.last_check,
                        "last_renewal": c.last_renewal,
                        "last_error": c.last_error,
                        "note": c.note,
                    }
                    for c in p.credentials
                ],
            }
            for p in profiles
        ],
    }
