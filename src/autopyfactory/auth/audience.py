"""Templates a token profile fills per CE: ``token.audience = https://{ce}:{port}`` serves every
HTCondor-CE a factory submits to with one profile, each CE getting a token of its own audience.

Fields: ``{ce}`` (the CE host from the queue's grid resource), ``{port}`` (its port, when the grid
resource has one) and ``{queue}`` (the APF queue). ``{{`` and ``}}`` are literal braces."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from autopyfactory.plugins.context import AuthFailure, CredentialTarget

FIELDS = ("ce", "port", "queue")


class TemplateError(ValueError):
    """The template text cannot be used (the message says why)."""


@dataclass(frozen=True, slots=True)
class Template:
    """A checked audience or token-file template: its text and the fields (``ce``, ``port``, ``queue``) it
    uses."""

    text: str
    fields: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Template:
        """A checked template; TemplateError for unknown fields, format specs or unbalanced braces."""
        found: set[str] = set()
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise TemplateError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
        for _literal, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in FIELDS:
                raise TemplateError(
                    f"unknown field {{{name}}}: the fields are " + ", ".join(f"{{{f}}}" for f in FIELDS)
                )
            if spec or conversion:
                raise TemplateError(f"{{{name}}} takes no format or conversion")
            found.add(name)
        return cls(text, frozenset(found))

    def render(self, target: CredentialTarget) -> str:
        """The text for ``target``; AuthFailure when the target lacks a field the template needs."""
        values = {
            "ce": target.ce,
            "port": "" if target.port is None else str(target.port),
            "queue": target.queue,
        }
        missing = [f for f in sorted(self.fields) if not values[f]]
        if missing:
            who = f"queue {target.queue}" if target.queue else "this use"
            raise AuthFailure(
                f"template {self.text!r} needs {', '.join('{' + f + '}' for f in missing)}, which {who} "
                "does not give (no grid resource with a CE host/port)"
            )
        return self.text.format(**values)


def file_slug(text: str) -> str:
    """A file name part for an audience: ``https://ce.example.org:9619`` -> ``ce.example.org_9619``."""
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", text)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "token"
    return slug[:120]
