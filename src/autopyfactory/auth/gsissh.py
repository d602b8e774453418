"""The ``GSISSH`` auth handler: an X509 proxy used as the SSH credential (2.4 bnl-sdcc), from a file
or a base64 value written to ``<authbasedir>/<profile>/gsissh``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from autopyfactory.auth.files import check_private, decode_b64, private_dir, write_atomic
from autopyfactory.auth.handler import AuthEnv, AuthHandler, needs_one_of
from autopyfactory.config.credentials import SSH
from autopyfactory.config.keys import STR, Key
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure

log = logging.getLogger(__name__)

PRIVATEKEY = Key("gsissh.privatekey", STR, None, "base64 proxy/private key")
PRIVATEKEYFILE = Key("gsissh.privatekeyfile", STR, None, "proxy/private key path")


class GSISSHHandler(AuthHandler):
    """Auth handler ``GSISSH``: the proxy a GSI-SSH profile logs in with."""

    name = "GSISSH"
    provides = SSH
    keys = (PRIVATEKEY, PRIVATEKEYFILE)

    @classmethod
    def requirements(cls, profile: ConfigSection) -> list[ConfigProblem]:
        return needs_one_of(profile, (PRIVATEKEYFILE, PRIVATEKEY), "a GSISSH profile needs its proxy")

    def __init__(self, profile: ConfigSection, env: AuthEnv) -> None:
        super().__init__(profile, env)
        self.problem = ""
        path = profile.get(PRIVATEKEYFILE)
        self.path: Path | None = Path(os.path.expanduser(path)) if path else None
        encoded = profile.get(PRIVATEKEY)
        if encoded:
            try:
                d = private_dir(self.basedir / profile.name)
                self.path = write_atomic(d / "gsissh", decode_b64(encoded, PRIVATEKEY.name), 0o600)
            except (AuthFailure, OSError) as exc:
                self.problem = f"{self.label}: {exc}"
                log.error("%s", self.problem)

    def key_path(self) -> str:
        if self.problem:
            raise AuthFailure(self.problem)
        if self.path is None:
            raise AuthFailure(f"{self.label}: set gsissh.privatekeyfile or gsissh.privatekey")
        check_private(self.path, f"{self.label}: key")
        return str(self.path)

    def ssh_key_paths(self) -> tuple[str, str, str | None]:
        return "", self.key_path(), None
