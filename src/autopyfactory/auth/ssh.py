"""The ``SSH`` auth handler: an SSH key pair (for CondorSSH/BOSCO), from files or from base64 keys in
the profile, written under ``<authbasedir>/<profile>/`` with private modes."""

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

PREFIX = "ssh."  # every key of an SSH profile
TYPE = Key(PREFIX + "type", STR, "rsa", "key type, names the written files (id_<type>)")
PUBLICKEY = Key(PREFIX + "publickey", STR, None, "base64 public key")
PRIVATEKEY = Key(PREFIX + "privatekey", STR, None, "base64 private key")
PUBLICKEYFILE = Key(PREFIX + "publickeyfile", STR, None, "public key path")
PRIVATEKEYFILE = Key(PREFIX + "privatekeyfile", STR, None, "private key path")
PRIVKEYPASS = Key(PREFIX + "privkeypass", STR, None, "passphrase of the private key (written to a file)")
PRIVKEYPASSFILE = Key(PREFIX + "privkeypassfile", STR, None, "file holding the passphrase")
PASSWORDFILE = Key(PREFIX + "passwordfile", STR, None, "unused (2.4 example file)")


def _path(value: str | None) -> Path | None:
    return Path(os.path.expanduser(value)) if value else None


class SSHHandler(AuthHandler):
    """Auth handler ``SSH``: an SSH profile's key pair (and passphrase file), from files or from
    the key text written to private files."""

    name = "SSH"
    provides = SSH
    keys = (
        TYPE,
        PUBLICKEY,
        PRIVATEKEY,
        PUBLICKEYFILE,
        PRIVATEKEYFILE,
        PRIVKEYPASS,
        PRIVKEYPASSFILE,
        PASSWORDFILE,
    )

    @classmethod
    def requirements(cls, profile: ConfigSection) -> list[ConfigProblem]:
        return needs_one_of(profile, (PRIVATEKEYFILE, PRIVATEKEY), "an SSH profile needs its private key")

    def __init__(self, profile: ConfigSection, env: AuthEnv) -> None:
        super().__init__(profile, env)
        g = profile.get
        self.problem = ""
        stem = f"id_{g(TYPE)}"
        self.pub, self.priv, self.passfile = (
            _path(g(PUBLICKEYFILE)),
            _path(g(PRIVATEKEYFILE)),
            _path(g(PRIVKEYPASSFILE)),
        )
        private_key, public_key, passphrase = g(PRIVATEKEY), g(PUBLICKEY), g(PRIVKEYPASS)
        try:
            if private_key or public_key or passphrase:
                d = private_dir(self.basedir / profile.name)
                if private_key:
                    self.priv = write_atomic(d / stem, decode_b64(private_key, PRIVATEKEY.name), 0o600)
                if public_key:
                    self.pub = write_atomic(d / f"{stem}.pub", decode_b64(public_key, PUBLICKEY.name), 0o644)
                if passphrase:
                    self.passfile = write_atomic(d / f"{stem}.pass", passphrase.encode(), 0o600)
        except (AuthFailure, OSError) as exc:
            self.problem = f"{self.label}: {exc}"
            log.error("%s", self.problem)

    def ssh_key_paths(self) -> tuple[str, str, str | None]:
        if self.problem:
            raise AuthFailure(self.problem)
        if self.priv is None:
            raise AuthFailure(f"{self.label}: set ssh.privatekeyfile or ssh.privatekey")
        check_private(self.priv, f"{self.label}: private key")
        if self.passfile is not None:
            check_private(self.passfile, f"{self.label}: passphrase file")
        pub = self.pub or Path(f"{self.priv}.pub")
        return str(pub), str(self.priv), str(self.passfile) if self.passfile else None
