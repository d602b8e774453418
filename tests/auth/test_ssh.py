"""SSH and GSISSH profiles: keys from files or base64 values written with private modes."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from autopyfactory.plugins.context import AuthFailure

PRIV = b"-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n"
PUB = b"ssh-ed25519 AAAAfake apf@factory\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def mode(p: Path | str) -> int:
    return stat.S_IMODE(Path(p).stat().st_mode)


def test_base64_keys_are_written_under_authbasedir_with_private_modes(tmp_path: Path, manager) -> None:  # type: ignore[no-untyped-def]
    m = manager(
        f"""
        [bosco]
        plugin = SSH
        authbasedir = {{tmp}}/keys
        ssh.type = ed25519
        ssh.privatekey = {b64(PRIV)}
        ssh.publickey = {b64(PUB)}
        ssh.privkeypass = hunter2
        """
    )
    pub, priv, passfile = m.ssh_key_paths("bosco")
    d = tmp_path / "keys" / "bosco"
    assert (pub, priv, passfile) == (
        str(d / "id_ed25519.pub"),
        str(d / "id_ed25519"),
        str(d / "id_ed25519.pass"),
    )
    assert Path(priv).read_bytes() == PRIV and Path(pub).read_bytes() == PUB
    assert (mode(d), mode(priv), mode(passfile), mode(pub)) == (0o700, 0o600, 0o600, 0o644)
    assert Path(passfile).read_text() == "hunter2"


def test_key_files_are_used_in_place_but_a_readable_private_key_is_refused(tmp_path: Path, manager) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "id_rsa"
    key.write_bytes(PRIV)
    key.chmod(0o644)
    m = manager(f"[bosco]\nplugin = SSH\nssh.privatekeyfile = {key}\nssh.publickeyfile = {key}.pub\n")
    with pytest.raises(AuthFailure, match=r"readable by others \(mode 644\); chmod 600 it"):
        m.ssh_key_paths("bosco")
    key.chmod(0o600)
    assert m.ssh_key_paths("bosco") == (f"{key}.pub", str(key), None)


def test_bad_base64_makes_the_profile_fail_with_the_key_name(manager) -> None:  # type: ignore[no-untyped-def]
    m = manager("[bosco]\nplugin = SSH\nssh.privatekey = not*base64\n")
    with pytest.raises(AuthFailure, match=r"ssh\.privatekey is not valid base64"):
        m.ssh_key_paths("bosco")


def test_gsissh_writes_its_key_under_its_own_name(tmp_path: Path, manager) -> None:  # type: ignore[no-untyped-def]
    m = manager(f"[gsi]\nplugin = GSISSH\ngsissh.privatekey = {b64(PRIV)}\n")
    path = m.gsissh_key_path("gsi")
    assert path == str(tmp_path / "authbase" / "gsi" / "gsissh") and mode(path) == 0o600
    assert m.ssh_key_paths("gsi") == ("", path, None)
    with pytest.raises(AuthFailure, match="is a GSISSH profile, not an X509 proxy"):
        m.proxy_path(["gsi"])
