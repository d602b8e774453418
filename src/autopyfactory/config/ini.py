"""INI reading the way AutoPyFactory 2.4 read its files, plus provenance for every value.

- lines are read by ``ini_text`` (BOM, latin-1 bytes, unreadable lines reported with their number);
- keys are case-sensitive; ``%(var)s`` interpolation draws on the section and ``[DEFAULT]``, and
  ``%(__name__)s`` is the section's name (Python 2's ``ConfigParser`` kept it in every section);
- a section's keys come in 2.4's order: its own in file order, then the ``[DEFAULT]`` keys it does not
  set (plugins that build lines from key families, such as the ARC RSL, follow that order);
- ``None``/``none``, ``True``/``true`` and ``False``/``false`` are brought to one spelling (``literals``);
- a directory of ``*.conf`` files is read as one document in lexical order: a shared ``[DEFAULT]``,
  and a later file overrides keys of the same section (conf.d behaviour);
- values starting with ``~`` are user-expanded after interpolation;
- every value remembers the file it came from, so errors can name it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from autopyfactory.config.ini_text import DEFAULT, FileReport, parse
from autopyfactory.config.literals import canonical
from autopyfactory.config.problems import ConfigProblem, error
from autopyfactory.config.unreadable_lines import unreadable_line_problems

_MAX_DEPTH = 10
_REF = re.compile(r"%\(([^)]+)\)s")
SECTION_NAME = "__name__"  # %(__name__)s: the section's own name


def references(raw: str) -> set[str]:
    """The names a raw value refers to with ``%(name)s``."""
    return set(_REF.findall(raw))


@dataclass(frozen=True, slots=True)
class Value:
    """A raw (string) value and where it came from."""

    raw: str
    origin: str
    from_default: bool = False
    written: str | None = None  # the text before 2.4's None/True/False spellings were unified

    def as_written(self) -> Value:
        """This value with the text as the file wrote it (keys that take any text verbatim)."""
        return self if self.written is None else Value(self.written, self.origin, self.from_default)


@dataclass
class RawDocument:
    """Uninterpolated sections of one INI document (one file, or one conf.d directory)."""

    defaults: dict[str, Value] = field(default_factory=dict)
    sections: dict[str, dict[str, Value]] = field(default_factory=dict)
    section_origin: dict[str, str] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)

    def add_text(self, text: str, origin: str, lenient: bool = False) -> None:
        """Parse ``text`` and lay it over this document (later keys win). A line that cannot be read
        raises ConfigError naming the file and line, unless ``lenient``: then what can be read is
        kept and the file's report says what could not (see :func:`resolve`)."""
        parsed = parse(text, origin)
        if parsed.report.bad and not lenient:
            raise error(origin, "", "", "cannot parse " + "; ".join(b.describe() for b in parsed.report.bad))
        self.reports.append(parsed.report)
        for name, raw in parsed.values.items():
            items = {k: Value(v, origin) for k, v in raw.items()}
            if name == DEFAULT:
                self.defaults.update({k: Value(v.raw, origin, True) for k, v in items.items()})
            else:
                self.sections.setdefault(name, {}).update(items)
                self.section_origin.setdefault(name, origin)


def _interpolate(
    raw: str, lookup: Mapping[str, Value], section: str, key: str, origin: str, depth: int = 0
) -> str:
    if "%" not in raw:
        return raw
    if depth > _MAX_DEPTH:
        raise error(origin, section, key, "interpolation nests too deeply (a %(...)s loop?)", value=raw)
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        if nxt == "%":
            out.append("%")
            i += 2
            continue
        m = _REF.match(raw, i)
        if not m:
            raise error(
                origin,
                section,
                key,
                "a '%' must be followed by '%' or '(name)s'",
                value=raw,
                hint="write %% for a literal %",
            )
        ref = m.group(1)
        if ref == SECTION_NAME and ref not in lookup:
            out.append(section)
            i = m.end()
            continue
        target = lookup.get(ref)
        if target is None:
            raise error(
                origin,
                section,
                key,
                f"interpolation needs '{ref}', which neither [{section}] nor [DEFAULT] defines",
                value=raw,
                hint=f"add '{ref} = ...' to [{section}] or [DEFAULT]",
            )
        out.append(_interpolate(target.raw, lookup, section, key, origin, depth + 1))
        i = m.end()
    return "".join(out)


def _expand(value: str) -> str:
    return os.path.expanduser(value) if value.startswith("~") else value


@dataclass
class ResolvedSection:
    """One section after ``[DEFAULT]`` and interpolation: key -> Value, plus its own problems and the
    names its values (and the ``[DEFAULT]`` values it reads) refer to with ``%(name)s``."""

    name: str
    values: dict[str, Value]
    origin: str
    problems: list[ConfigProblem] = field(default_factory=list)
    referenced: frozenset[str] = frozenset()


def resolve(doc: RawDocument) -> dict[str, ResolvedSection]:
    """Interpolate every section of ``doc``. A value that cannot be interpolated becomes an error of
    its section only (that queue is disabled, the others are not affected)."""
    out: dict[str, ResolvedSection] = {}
    unreadable, _ = unreadable_line_problems(doc.reports, doc.sections)
    for name, own in doc.sections.items():
        lookup: dict[str, Value] = dict(own)
        for key, v in doc.defaults.items():
            lookup.setdefault(key, v)
        values: dict[str, Value] = {}
        problems: list[ConfigProblem] = []
        referenced: set[str] = set()
        for key, v in lookup.items():
            referenced |= references(v.raw)
            try:
                text = _interpolate(v.raw, lookup, name, key, v.origin)
            except Exception as exc:
                problem = getattr(exc, "problem", None)
                if problem is None:
                    raise
                problems.append(problem)
                continue
            text = _expand(text)
            unified = canonical(text)
            values[key] = Value(unified, v.origin, v.from_default, text if unified != text else None)
        problems[:0] = unreadable.get(name, [])
        out[name] = ResolvedSection(
            name, values, doc.section_origin.get(name, ""), problems, frozenset(referenced)
        )
    return out


def document_notes(doc: RawDocument) -> list[ConfigProblem]:
    """Warnings about the document's files that belong to no section (see unreadable_lines)."""
    return unreadable_line_problems(doc.reports, doc.sections)[1]


def read_documents(texts: Iterable[tuple[str, str]], lenient: bool = False) -> RawDocument:
    """One document from several (text, origin) pairs read in order (the conf.d rule). ``lenient``:
    a line that cannot be read disables what depends on it instead of raising (queue files)."""
    doc = RawDocument()
    for text, origin in texts:
        doc.add_text(text, origin, lenient)
    return doc


def _is_true(v: Value | None) -> bool:
    return v is not None and v.raw.strip().lower() in ("true", "yes", "on", "1")


def merge(base: dict[str, ResolvedSection], new: dict[str, ResolvedSection]) -> dict[str, ResolvedSection]:
    """Lay ``new`` over ``base`` section by section (2.4's ``merge``): new values win, except in a
    base section that says ``override = True``, which keeps its own values (new keys are still added)."""
    out = dict(base)
    for name, sec in new.items():
        old = out.get(name)
        if old is None:
            out[name] = sec
            continue
        if _is_true(old.values.get("override")):
            values = {**sec.values, **{k: v for k, v in old.values.items() if not v.from_default}}
            for k, v in old.values.items():
                values.setdefault(k, v)
        else:
            values = {**old.values}
            for k, v in sec.values.items():
                # a [DEFAULT] value of the newer source does not clobber an explicit older one
                if v.from_default and k in old.values and not old.values[k].from_default:
                    continue
                values[k] = v
        out[name] = ResolvedSection(
            name,
            values,
            sec.origin or old.origin,
            [*old.problems, *sec.problems],
            old.referenced | sec.referenced,
        )
    return out
