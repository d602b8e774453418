"""How a Slurm job says it is a pilot of this factory: job name and comment carry a tag
``apf:<factory id>:<queue>`` (both percent-encoded, so neither ``:`` nor ``|`` nor blanks appear)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

PREFIX = "apf:"


@dataclass(frozen=True, slots=True)
class PilotTag:
    """What marks a Slurm job as a pilot of this factory and queue (in its comment)."""

    factory_id: str
    queue: str

    def render(self) -> str:
        return f"{PREFIX}{quote(self.factory_id, safe='')}:{quote(self.queue, safe='')}"

    def comment(self) -> str:
        """The ``--comment``: the tag, then words for people reading ``squeue``."""
        return f"{self.render()} autopyfactory pilot"

    @classmethod
    def parse(cls, text: str) -> PilotTag | None:
        """The tag at the start of a job name or comment; None for other jobs."""
        word = text.strip().split(" ", 1)[0] if text else ""
        if not word.startswith(PREFIX):
            return None
        parts = word[len(PREFIX) :].split(":")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            return None
        return cls(unquote(parts[0]), unquote(parts[1]))

    @classmethod
    def of_job(cls, name: str, comment: str) -> PilotTag | None:
        """From the job name, else from the comment (names can be changed with scontrol)."""
        return cls.parse(name) or cls.parse(comment)
