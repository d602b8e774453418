"""Checking a queue's credential references against the auth.conf / proxy.conf profiles.

A submit plugin names the profiles a queue uses (``batchsubmit.<flavour>.proxy = a, b``: the first
valid one; ``batchsubmit.condorssh.authprofile``). A queue none of whose profiles can ever give a
credential (each one missing, of the wrong kind or itself broken) cannot submit: that is an error of
the queue. When only some are unusable, the queue still runs on the others: a warning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection

X509 = "x509"  # kinds of credential an auth handler hands out (AuthHandler.provides)
SSH = "ssh"
TOKEN = "token"
WHAT = {X509: "an X509 proxy", SSH: "an SSH key pair", TOKEN: "a bearer token"}


def a_profile(plugin: str) -> str:
    """'an X509 profile', 'a GSISSH profile' (letters read out: SSH, X509 start with a vowel sound)."""
    return ("an " if plugin[:1] in "AEFHILMNORSX" else "a ") + plugin + " profile"


@dataclass(frozen=True, slots=True)
class CredentialRef:
    """Profiles one key of a queue names, in the order they are tried."""

    key: str
    kind: str  # X509, SSH or TOKEN
    profiles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProfileState:
    """What check-config knows about one profile without using it."""

    name: str
    plugin: str
    origin: str
    usable: bool  # no configuration error
    kind: str | None = None  # the credential its handler hands out (None: unknown plugin, or none)


def _why_not(name: str, kind: str, profiles: Mapping[str, ProfileState]) -> str | None:
    p = profiles.get(name)
    if p is None:
        return f"[{name}] is not in auth.conf/proxy.conf"
    if p.kind != kind:
        return f"[{name}] ({p.origin}) is {a_profile(p.plugin)}, not {WHAT[kind]}"
    if not p.usable:
        return f"[{name}] ({p.origin}) has configuration errors"
    return None


def credential_problems(
    section: ConfigSection, refs: Iterable[CredentialRef], profiles: Mapping[str, ProfileState]
) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    for ref in refs:
        if not ref.profiles:
            continue
        reasons = [r for r in (_why_not(n, ref.kind, profiles) for n in ref.profiles) if r]
        if not reasons:
            continue
        value = ", ".join(ref.profiles)
        if len(reasons) == len(ref.profiles):
            out.append(
                ConfigProblem(
                    "error",
                    section.origin_of(ref.key),
                    section.name,
                    ref.key,
                    f"no profile can give {WHAT[ref.kind]}: " + "; ".join(reasons),
                    value,
                    "define the profile in auth.conf (check-config shows its problems) or fix the name",
                )
            )
        else:
            out.append(
                ConfigProblem(
                    "warning",
                    section.origin_of(ref.key),
                    section.name,
                    ref.key,
                    "; ".join(reasons) + "; the other profiles are tried",
                    value,
                    "remove the name or define the profile in auth.conf",
                )
            )
    return out
