"""A ``Token`` profile's keys, read and typed once."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.auth import token_keys as K
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
        return self.source != K.FILE

    @classmethod
    def from_section(cls, p: ConfigSection) -> TokenSpec:
        g = p.get
        minlife: int = g(K.MINLIFE)
        renewlife = g(K.RENEWLIFE)
        return cls(
            source=g(K.SOURCE),
            issuer=(g(K.ISSUER) or "").rstrip("/") or None,
            token_endpoint=g(K.TOKEN_ENDPOINT) or None,
            client_id_file=_path(g(K.CLIENT_ID_FILE)),
            client_secret_file=_path(g(K.CLIENT_SECRET_FILE)),
            client_auth=g(K.CLIENT_AUTH),
            audience=template(p, K.AUDIENCE),
            scopes=K.split_scopes(g(K.SCOPES)),
            minlife=minlife,
            renewlife=2 * minlife if renewlife is None else renewlife,
            lifetime=g(K.LIFETIME),
            checktime=g(K.CHECKTIME),
            initdelay=g(K.INITDELAY),
            retry=g(K.RETRY),
            alertbefore=g(K.ALERTBEFORE),
            tokenfile=template(p, K.TOKENFILE),
            verify=g(K.VERIFY),
            timeout=g(K.TIMEOUT),
            oidc_account=g(K.OIDC_ACCOUNT) or None,
            oidc_sock=g(K.OIDC_SOCK) or None,
            vaultserver=g(K.VAULTSERVER) or None,
            vaultissuer=g(K.VAULTISSUER) or None,
            vaultrole=g(K.VAULTROLE) or None,
            vaulttokenfile=g(K.VAULTTOKENFILE) or None,
            htgettoken_args=tuple(shlex.split(g(K.HTGETTOKEN_ARGS) or "")),
        )
