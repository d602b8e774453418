"""A ``Token`` profile's keys, read and typed once."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.auth import token_keys
from autopyfactory.auth.audience import Template, TemplateError
from autopyfactory.config.keys import Key
from autopyfactory.config.problems import error
from autopyfactory.config.section import ConfigSection


def _path(value: str | None) -> Path | None:
    return Path(os.path.expanduser(value)) if value else None


def template(profile: ConfigSection, key: Key[str | None]) -> Template | None:
    """The key's template; ConfigError naming the key when it cannot be used."""
    text = profile.get(key)
    if not text:
        return None
    try:
        return Template.parse(text)
    except TemplateError as exc:
        raise error(
            profile.origin_of(key.name), profile.name, key.name, f"bad template: {exc}", text
        ) from None


@dataclass(frozen=True)
class TokenSpec:
    """A ``Token`` profile's settings, read from its section and typed once (templates parsed, paths made
    paths, scopes split)."""

    source: str
    issuer: str | None
    token_endpoint: str | None
    client_id_file: Path | None
    client_secret_file: Path | None
    client_auth: str
    audience: Template | None
    scopes: tuple[str, ...]
    minlife: int
    renewlife: int
    lifetime: int | None
    checktime: int
    initdelay: int
    retry: int
    alertbefore: int
    tokenfile: Template | None
    verify: bool
    timeout: float
    oidc_account: str | None
    oidc_sock: str | None
    vaultserver: str | None
    vaultissuer: str | None
    vaultrole: str | None
    vaulttokenfile: str | None
    htgettoken_args: tuple[str, ...]

    @property
    def renews(self) -> bool:
        return self.source != token_keys.FILE

    @classmethod
    def from_section(cls, p: ConfigSection) -> TokenSpec:
        g = p.get
        minlife: int = g(token_keys.MINLIFE)
        renewlife = g(token_keys.RENEWLIFE)
        return cls(
            source=g(token_keys.SOURCE),
            issuer=(g(token_keys.ISSUER) or "").rstrip("/") or None,
            token_endpoint=g(token_keys.TOKEN_ENDPOINT) or None,
            client_id_file=_path(g(token_keys.CLIENT_ID_FILE)),
            client_secret_file=_path(g(token_keys.CLIENT_SECRET_FILE)),
            client_auth=g(token_keys.CLIENT_AUTH),
            audience=template(p, token_keys.AUDIENCE),
            scopes=token_keys.split_scopes(g(token_keys.SCOPES)),
            minlife=minlife,
            renewlife=2 * minlife if renewlife is None else renewlife,
            lifetime=g(token_keys.LIFETIME),
            checktime=g(token_keys.CHECKTIME),
            initdelay=g(token_keys.INITDELAY),
            retry=g(token_keys.RETRY),
            alertbefore=g(token_keys.ALERTBEFORE),
            tokenfile=template(p, token_keys.TOKENFILE),
            verify=g(token_keys.VERIFY),
            timeout=g(token_keys.TIMEOUT),
            oidc_account=g(token_keys.OIDC_ACCOUNT) or None,
            oidc_sock=g(token_keys.OIDC_SOCK) or None,
            vaultserver=g(token_keys.VAULTSERVER) or None,
            vaultissuer=g(token_keys.VAULTISSUER) or None,
            vaultrole=g(token_keys.VAULTROLE) or None,
            vaulttokenfile=g(token_keys.VAULTTOKENFILE) or None,
            htgettoken_args=tuple(shlex.split(g(token_keys.HTGETTOKEN_ARGS) or "")),
        )
