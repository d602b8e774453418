"""What a queue's pilots run: its ``executable``, or the bundled wrapper."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from autopyfactory.config.queue import ARGUMENTS, EXECUTABLE
from autopyfactory.config.section import ConfigSection
from autopyfactory.wrapper import default_arguments, default_executable


@dataclass(frozen=True, slots=True)
class PilotCommand:
    """A pilot's executable and its arguments (one shell-quoted string, as ``executable.arguments``
    holds them); ``bundled``: the executable is the bundled wrapper."""

    executable: str
    arguments: str
    bundled: bool

    @property
    def argv(self) -> list[str]:
        """The command as words."""
        return [self.executable, *shlex.split(self.arguments)]


def pilot_command(queue: ConfigSection) -> PilotCommand:
    """``executable`` with ``executable.arguments``; without an executable, the bundled wrapper with
    ``executable.arguments``, or, when those are empty too, the arguments the queue's ``wrapper.*``
    keys build. Raises ConfigError for a bad key value."""
    executable, arguments = queue.get(EXECUTABLE), queue.get(ARGUMENTS)
    if executable:
        return PilotCommand(executable, arguments, bundled=False)
    return PilotCommand(str(default_executable()), arguments or default_arguments(queue), bundled=True)
