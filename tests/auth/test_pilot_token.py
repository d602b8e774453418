"""The pilot's token where the PanDA pilot looks for it: the file lands beside the wrapper, the
wrapper moves to its work directory, and the real pilot's own lookup (pilot3's ``locate_token``)
still finds the file through the PANDA_AUTH_DIR the bootstrap sets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.wrapper.helpers import base_env, run_bootstrap

PAYLOAD = """\
import json, os, sys
keep = ("PANDA_AUTH_TOKEN", "PANDA_AUTH_ORIGIN", "PANDA_AUTH_DIR", "OIDC_AUTH_DIR")
with open(os.environ["MARKER"], "w") as fh:
    json.dump({"cwd": os.getcwd(), **{k: os.environ.get(k) for k in keep}}, fh)
"""


@pytest.mark.filterwarnings("ignore:.pipes. is deprecated:DeprecationWarning")
@pytest.mark.parametrize("preset", [None, "/elsewhere/"])
def test_the_pilot_finds_its_token_after_the_wrapper_moved_away(tmp_path: Path, preset: str | None) -> None:
    landing, scratch = tmp_path / "landing", tmp_path / "scratch"
    landing.mkdir()
    scratch.mkdir()
    (landing / "pandaserver.cern.ch.token").write_text("eyJ.token.sig\n")
    payload = tmp_path / "payload.py"
    payload.write_text(PAYLOAD)
    env = base_env(
        scratch,
        APFFID="fid",
        APFCID="1.0",
        MARKER=str(tmp_path / "seen.json"),
        PANDA_AUTH_TOKEN="pandaserver.cern.ch.token",
        PANDA_AUTH_ORIGIN="atlas.pilot",
    )
    if preset:
        env["PANDA_AUTH_DIR"] = preset
    res = run_bootstrap(["--wrapperplugin=generic", f"--wrapperpilotcode={payload.as_uri()}"], landing, env)
    assert res.returncode == 0, res.stdout + res.stderr
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert not seen["cwd"].startswith(str(landing))  # the pilot runs in the work directory
    assert seen["PANDA_AUTH_ORIGIN"] == "atlas.pilot"
    if preset:
        assert seen["PANDA_AUTH_DIR"] == preset  # the site's own setting is kept
        return
    assert seen["PANDA_AUTH_DIR"] == f"{landing}/"
    from pilot.util.https import locate_token

    saved = dict(os.environ)
    try:
        os.environ.update({k: v for k, v in seen.items() if v and k != "cwd"})
        assert locate_token(seen["PANDA_AUTH_TOKEN"]) == str(landing / "pandaserver.cern.ch.token")
    finally:
        os.environ.clear()
        os.environ.update(saved)
