"""check-config's view of a ``Token`` profile: what it lacks, templates that cannot work, lifetimes
that contradict each other (:func:`requirements`, no file touched), and secret files that cannot
be read or are readable by others (:func:`file_problems`)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from autopyfactory.auth import token_keys
from autopyfactory.auth.token_spec import template
from autopyfactory.config.keys import Key
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection

NEEDS = {
    token_keys.CLIENT_CREDENTIALS: (token_keys.CLIENT_ID_FILE, token_keys.CLIENT_SECRET_FILE),
    token_keys.OIDC_AGENT: (token_keys.OIDC_ACCOUNT,),
    token_keys.HTGETTOKEN: (token_keys.VAULTSERVER,),
    token_keys.FILE: (token_keys.TOKENFILE,),
}
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _problem(p: ConfigSection, key: Key[object], level: str, message: str, hint: str = "") -> ConfigProblem:
    return ConfigProblem(level, p.origin_of(key.name), p.name, key.name, message, p.raw(key.name), hint)


def _set(p: ConfigSection, key: Key[object]) -> bool:
    return p.raw(key.name) not in (None, "", "None")


def _value(p: ConfigSection, key: Key[object]) -> object:
    try:
        return p.get(key)
    except ConfigError:
        return None  # the bad value itself is reported


def requirements(p: ConfigSection) -> list[ConfigProblem]:
    source = _value(p, token_keys.SOURCE)
    out: list[ConfigProblem] = []
    for key in NEEDS.get(str(source), ()):
        if not _set(p, key):
            out.append(
                ConfigProblem(
                    "error",
                    p.origin,
                    p.name,
                    key.name,
                    f"token.source = {source} needs it",
                    None,
                    f"add '{key.name} = ...' to [{p.name}]",
                )
            )
    if source == token_keys.CLIENT_CREDENTIALS and not (
        _set(p, token_keys.TOKEN_ENDPOINT) or _set(p, token_keys.ISSUER)
    ):
        out.append(
            ConfigProblem(
                "error",
                p.origin,
                p.name,
                token_keys.ISSUER.name,
                "token.source = client_credentials needs the issuer (its token endpoint is discovered) "
                "or token.token_endpoint",
                None,
                f"add '{token_keys.ISSUER.name} = https://...' to [{p.name}]",
            )
        )
    out.extend(_template_problems(p))
    out.extend(_lifetime_problems(p))
    out.extend(_url_problems(p, source))
    return out


def _template_problems(p: ConfigSection) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    found = {}
    for key in (token_keys.AUDIENCE, token_keys.TOKENFILE):
        try:
            found[key.name] = template(p, key)
        except ConfigError as exc:
            out.append(exc.problem)
    aud, tf = found.get(token_keys.AUDIENCE.name), found.get(token_keys.TOKENFILE.name)
    if aud is not None and tf is not None and aud.fields and not aud.fields <= tf.fields:
        out.append(
            _problem(
                p,
                token_keys.TOKENFILE,
                "error",
                f"every audience needs a file of its own: the audience uses {_names(aud.fields)}, the "
                f"file name must too",
                f"e.g. {token_keys.TOKENFILE.name} = /path/{{ce}}.token",
            )
        )
    return out


def _names(fields: frozenset[str]) -> str:
    return ", ".join("{" + f + "}" for f in sorted(fields))


def _lifetime_problems(p: ConfigSection) -> list[ConfigProblem]:
    minlife, renewlife, lifetime = (
        _value(p, k) for k in (token_keys.MINLIFE, token_keys.RENEWLIFE, token_keys.LIFETIME)
    )
    if not isinstance(minlife, int):
        return []
    out: list[ConfigProblem] = []
    renew = renewlife if isinstance(renewlife, int) else 2 * minlife
    if _set(p, token_keys.RENEWLIFE) and isinstance(renewlife, int) and renewlife <= minlife:
        out.append(
            _problem(
                p,
                token_keys.RENEWLIFE,
                "error",
                f"renewal would start only when the token is already refused (renewlife {renewlife}s <= "
                f"minlife {minlife}s): an issuer hiccup would stop the queues at once",
                f"make it larger than {token_keys.MINLIFE.name}, e.g. {2 * minlife}",
            )
        )
    if isinstance(lifetime, int) and _set(p, token_keys.LIFETIME):
        if lifetime <= minlife:
            out.append(
                _problem(
                    p,
                    token_keys.LIFETIME,
                    "error",
                    f"a fresh token ({lifetime}s) would already be refused (minlife {minlife}s)",
                    f"lower {token_keys.MINLIFE.name} below {lifetime}",
                )
            )
        elif lifetime <= renew:
            out.append(
                _problem(
                    p,
                    token_keys.LIFETIME,
                    "warning",
                    f"every check renews the token: its lifetime {lifetime}s is not above the renewal "
                    f"threshold {renew}s",
                    f"lower {token_keys.RENEWLIFE.name} (or {token_keys.MINLIFE.name})",
                )
            )
    return out


def _url_problems(p: ConfigSection, source: object) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    for key in (token_keys.ISSUER, token_keys.TOKEN_ENDPOINT):
        raw = _value(p, key)
        if not raw:
            continue
        u = urlsplit(str(raw))
        if u.scheme not in ("http", "https") or not u.hostname:
            out.append(_problem(p, key, "error", "not an http(s) URL", "e.g. https://iam.example.org/"))
        elif u.scheme == "http" and u.hostname not in LOOPBACK:
            out.append(
                _problem(
                    p, key, "warning", "plain http: secrets and tokens would travel unencrypted", "use https"
                )
            )
    if not _set(p, token_keys.ISSUER) and source in (
        token_keys.OIDC_AGENT,
        token_keys.HTGETTOKEN,
        token_keys.FILE,
    ):
        out.append(
            ConfigProblem(
                "warning",
                p.origin,
                p.name,
                token_keys.ISSUER.name,
                "no issuer: token signatures are not checked (only lifetime, audience and scopes)",
                None,
                f"add '{token_keys.ISSUER.name} = https://...' to [{p.name}]",
            )
        )
    return out


def file_problems(p: ConfigSection) -> list[ConfigProblem]:
    """The client id and secret files can be read, and the secret is readable by its owner only."""
    out: list[ConfigProblem] = []
    if _value(p, token_keys.SOURCE) != token_keys.CLIENT_CREDENTIALS:
        return out
    for key, secret in ((token_keys.CLIENT_ID_FILE, False), (token_keys.CLIENT_SECRET_FILE, True)):
        raw = _value(p, key)
        if not raw:
            continue
        path = Path(os.path.expanduser(str(raw)))
        try:
            with path.open("rb") as fh:
                empty = not fh.read().strip()
            mode = path.stat().st_mode & 0o777
        except OSError as exc:
            out.append(
                _problem(
                    p, key, "error", f"cannot read {path}: {exc.strerror}", "check the path and its mode"
                )
            )
            continue
        if empty:
            out.append(_problem(p, key, "error", f"{path} is empty"))
        if secret and mode & 0o077:
            out.append(
                _problem(
                    p, key, "error", f"{path} is readable by others (mode {mode:o})", f"chmod 600 {path}"
                )
            )
    return out
