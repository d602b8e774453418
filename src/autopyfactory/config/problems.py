"""Configuration problems: what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One finding about the configuration. ``level`` is ``error`` (the queue, or the factory when
    ``section`` is the factory section, cannot run), ``warning`` (it runs; something looks off) or
    ``info`` (it runs as configured; a default it relies on is worth knowing: check-config shows
    it, ``--strict`` does not count it)."""

    level: str
    origin: str
    section: str
    key: str
    message: str
    value: str | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = self.origin or "<built-in>"
        if self.section:
            where += f" [{self.section}]"
        if self.key:
            where += f" {self.key}"
            if self.value is not None:
                where += f" = {self.value!r}"
        text = f"{self.level}: {where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_dict(self) -> dict[str, str | None]:
        return {
            "level": self.level,
            "file": self.origin,
            "section": self.section,
            "key": self.key,
            "value": self.value,
            "message": self.message,
            "hint": self.hint,
        }


class ConfigError(Exception):
    """A configuration problem that stops the part it belongs to (a queue, or the whole factory)."""

    def __init__(self, problem: ConfigProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def error(
    origin: str, section: str, key: str, message: str, value: str | None = None, hint: str = ""
) -> ConfigError:
    return ConfigError(ConfigProblem("error", origin, section, key, message, value, hint))
