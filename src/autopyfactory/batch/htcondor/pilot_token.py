"""The pilot's own token (for the pilot to talk to PanDA), passed as 2.4 passed the proxy: the file
travels with the pilot (``transfer_input_files``) and its environment names it.

The PanDA pilot reads ``PANDA_AUTH_TOKEN`` (the token's file name), ``PANDA_AUTH_ORIGIN`` (the
VO/role the PanDA server knows it by) and ``PANDA_AUTH_DIR`` (where the file is; the wrapper sets
it to the directory the file landed in), and sends ``Authorization: Bearer`` with ``Origin``."""

from __future__ import annotations

import os

from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.config.credentials import TOKEN, CredentialRef
from autopyfactory.config.keys import LIST, STR, Key
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection

PREFIX = "batchsubmit.condorbase."
PILOTTOKEN = Key(
    PREFIX + "pilottoken",
    LIST,
    (),
    "auth.conf Token profiles (first valid one): the pilot's own token for PanDA, transferred with "
    "the pilot (PANDA_AUTH_TOKEN, PANDA_AUTH_ORIGIN)",
)
PILOTTOKEN_ORIGIN = Key(
    PREFIX + "pilottoken.origin",
    STR,
    "",
    "PANDA_AUTH_ORIGIN: the VO and role PanDA knows the token by, e.g. atlas.pilot",
)
KEYS = (PILOTTOKEN, PILOTTOKEN_ORIGIN)


def profiles(view: ConfigSection) -> tuple[str, ...]:
    try:
        return view.get(PILOTTOKEN)
    except ConfigError:
        return ()


def credential_ref(view: ConfigSection, key: str) -> tuple[CredentialRef, ...]:
    names = profiles(view)
    return (CredentialRef(key, TOKEN, names),) if names else ()


def problems(view: ConfigSection, queue: ConfigSection, key: str) -> list[ConfigProblem]:
    """A pilot token without its origin: the pilot would not use it (it needs both)."""
    if not profiles(view) or (view.raw(PILOTTOKEN_ORIGIN.name) or "").strip() not in ("", "None"):
        return []
    return [
        ConfigProblem(
            "error",
            queue.origin_of(key),
            queue.name,
            key,
            "the pilot uses its token only with PANDA_AUTH_ORIGIN: set pilottoken.origin too",
            queue.raw(key),
            f"add '{key}.origin = <vo>.pilot' (the origin the PanDA server expects)",
        )
    ]


def environment(path: str, origin: str) -> dict[str, str]:
    return {"PANDA_AUTH_TOKEN": os.path.basename(path), "PANDA_AUTH_ORIGIN": origin}


def transfer(d: SubmitDescription, path: str) -> None:
    """Add ``path`` to the files that travel with the pilot (keeping any the queue lists), with
    file transfer on (a shared filesystem would leave the file where the pilot does not look)."""
    have = [f.strip() for f in (d.get("transfer_input_files") or "").split(",") if f.strip()]
    if path not in have:
        have.append(path)
    d.set("transfer_input_files", ",".join(have))
    if (d.get("should_transfer_files") or "").upper() in ("", "IF_NEEDED") and d.get("universe") != "grid":
        d.set("should_transfer_files", "YES")
