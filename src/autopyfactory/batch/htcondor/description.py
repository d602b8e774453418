"""A submit description: ordered ``command = value`` lines, as 2.4 wrote them into ``submit.jdl``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

PILOT_ID = "$(Cluster).$(Process)"  # a pilot's job id, as HTCondor expands it in the description
SUBMIT_FILE = "submit.jdl"  # the description as written into the pilots' log directory (2.4's name)


def _norm(key: str) -> str:
    """Submit commands are case-insensitive; ``+X`` and ``MY.X`` name the same job attribute."""
    k = key.strip().lower()
    return "my." + k[1:] if k.startswith("+") else k


@dataclass
class SubmitDescription:
    """Commands in the order they were set. Setting a command again replaces its value in place (the
    last value wins, as with repeated lines in a submit file)."""

    _lines: dict[str, tuple[str, str]] = field(default_factory=dict)

    def set(self, key: str, value: str) -> None:
        key = key.strip()
        if not key or key.lower() == "queue":
            raise ValueError(f"not a submit command: {key!r}")
        self._lines[_norm(key)] = (key, " ".join(str(value).splitlines()).strip())

    def get(self, key: str) -> str | None:
        v = self._lines.get(_norm(key))
        return None if v is None else v[1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _norm(key) in self._lines

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._lines.values())

    def items(self) -> list[tuple[str, str]]:
        return list(self._lines.values())

    def render(self, count: int) -> str:
        """The submit file text, ending with ``queue <count>``."""
        body = "".join(f"{k} = {v}\n" for k, v in self._lines.values())
        return f"{body}queue {count}\n"

    def to_submit(self) -> Any:
        """A real ``htcondor2.Submit`` (without the queue statement: the count goes to Schedd.submit)."""
        import htcondor2

        return htcondor2.Submit(dict(self._lines.values()))


def classad_string(value: str) -> str:
    """``value`` as a ClassAd string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_condor_attributes(text: str) -> list[tuple[str, str]]:
    """2.4's ``condor_attributes``: comma-separated ``key=value`` items; ``\\,`` is a literal comma and
    ``\\\\`` a literal backslash. Items without ``=`` are ignored."""
    items: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in ",\\":
            cur.append(text[i + 1])
            i += 2
            continue
        if c == ",":
            items.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    items.append("".join(cur))
    out: list[tuple[str, str]] = []
    for item in items:
        if "=" in item:
            k, v = item.split("=", 1)
            if k.strip():
                out.append((k.strip(), v.strip()))
    return out
