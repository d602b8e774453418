"""Exit codes of the wrapper (bootstrap and Python stage). A payload's own code passes through.

The bootstrap posts ``fault`` to the monitor for CHECK_FAILED and ``exiting`` for everything else."""

from __future__ import annotations

OK = 0
USAGE = 64  # bad wrapper or plugin options, unknown plugin
INTERNAL = 70  # unexpected error in the stage (a bug)
NO_PYTHON = 71  # bootstrap: no python3 >= 3.8 on the node
WORKDIR = 72  # bootstrap: cannot create the work directory
NO_STAGE = 73  # bootstrap: Python stage neither beside the bootstrap, embedded, nor downloadable
SPECIAL_CMD = 74  # bootstrap: --wrapperspecialcmd failed (2.4 stopped there too)
CHECK_FAILED = 80  # a node check failed: the payload was not started
PILOTCODE = 81  # pilot code could not be fetched or unpacked
CHECKSUM = 82  # pilot code fetched but its sha256 did not match: refused
PRE_RUN = 83  # the plugin's pre_run step failed otherwise
RUN_START = 84  # the plugin's run step could not start its payload
POST_RUN = 85  # the plugin's post_run step failed (the payload had succeeded)

DESCRIPTIONS = {
    OK: "success",
    USAGE: "bad wrapper or plugin options",
    INTERNAL: "internal error in the wrapper stage",
    NO_PYTHON: "no usable python3 on the node",
    WORKDIR: "cannot create the work directory",
    NO_STAGE: "wrapper stage not found",
    SPECIAL_CMD: "the special setup command failed",
    CHECK_FAILED: "node validation failed; payload not started",
    PILOTCODE: "pilot code could not be fetched",
    CHECKSUM: "pilot code checksum mismatch; refused to run it",
    PRE_RUN: "plugin pre_run step failed",
    RUN_START: "plugin run step could not start the payload",
    POST_RUN: "plugin post_run step failed",
}


class StageError(Exception):
    """A failure with the exit code the wrapper should end with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Interrupted(Exception):
    """A termination signal arrived while no payload was running."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum
