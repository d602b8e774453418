"""The auth manager's state file (``<authbasedir>/status.json``): every profile's credentials as
the last check saw them, with the last renewal and the last error. ``auth status`` reads it; only
the running factory writes it (atomically, mode 600)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.auth.credential_status import CredentialStatus
from autopyfactory.auth.files import private_dir, write_atomic

STATE_FILE = "status.json"
VERSION = 1


@dataclass(frozen=True)
class ProfileState:
    """One profile in the state file: its plugin, its credentials as last checked, or why it has no
    handler."""

    plugin: str
    credentials: tuple[CredentialStatus, ...] = ()
    problem: str = ""  # why the profile has no handler (configuration errors)


@dataclass(frozen=True)
class AuthState:
    """The auth manager's state file: when and by which process it was written, and every profile's
    state."""

    written_at: float
    pid: int
    profiles: Mapping[str, ProfileState] = field(default_factory=dict)


def state_path(basedir: Path) -> Path:
    return basedir / STATE_FILE


def write_state(basedir: Path, profiles: Mapping[str, ProfileState], now: float) -> None:
    doc = {
        "version": VERSION,
        "written_at": now,
        "pid": os.getpid(),
        "profiles": {
            name: {
                "plugin": p.plugin,
                "problem": p.problem,
                "credentials": [c.as_dict() for c in p.credentials],
            }
            for name, p in profiles.items()
        },
    }
    private_dir(basedir)
    write_atomic(state_path(basedir), (json.dumps(doc, indent=1) + "\n").encode(), 0o600)


def read_state(basedir: Path) -> AuthState | None:
    """The state file, or None when there is none (the factory has not run) or it is unreadable."""
    try:
        doc = json.loads(state_path(basedir).read_text(encoding="utf-8"))
        profiles = {
            str(name): ProfileState(
                str(p.get("plugin", "")),
                tuple(CredentialStatus.from_dict(c) for c in p.get("credentials") or ()),
                str(p.get("problem", "")),
            )
            for name, p in (doc.get("profiles") or {}).items()
        }
        return AuthState(float(doc.get("written_at", 0.0)), int(doc.get("pid", 0)), profiles)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def statuses_by_profile(statuses: Sequence[CredentialStatus]) -> dict[str, list[CredentialStatus]]:
    out: dict[str, list[CredentialStatus]] = {}
    for s in statuses:
        out.setdefault(s.profile, []).append(s)
    return out
