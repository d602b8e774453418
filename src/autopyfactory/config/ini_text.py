"""One INI file's text read the way APF 2.4 read it, and every line that could not be read.

2.4 (Python 2 ``ConfigParser``) read files as bytes: a latin-1 byte in a comment or a value went
through untouched. Here:

- a UTF-8 byte order mark at the start is dropped;
- a line whose bytes are not UTF-8 is read as latin-1 (a comment silently, a value with a note),
  so nothing an operator wrote is lost;
- a line that cannot be read (not ``key = value``, a header without a name such as ``[]``, text
  before the first ``[section]``) does not stop the rest of the file: it is reported with its
  number and the section it sits in, and the caller decides what depends on it;
- duplicate sections and keys inside one file are merged, the later key winning (2.4's rule);
- a value is what Python 2's ``ConfigParser`` made of it (:func:`py2_value`): a `` ;`` comment at the
  end of its first line is cut off, and ``""`` is the empty value.
"""

from __future__ import annotations

import configparser
import io
from dataclasses import dataclass, field

DEFAULT = "DEFAULT"
BOM = "\ufeff"
_SECTCRE = configparser.RawConfigParser.SECTCRE  # the parser's own header rule
_OPTCRE = configparser.RawConfigParser.OPTCRE  # and its key = value rule
_COMMENT = ("#", ";")


class _CaseKeepingParser(configparser.RawConfigParser):
    """Keys as written: 2.4's keys are case-sensitive (``monitorURL``, ``factoryId``)."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def decode(data: bytes) -> str:
    """Text of a file: UTF-8, with bytes that are not UTF-8 kept as surrogate escapes so that
    :func:`parse` can judge them line by line (see the module doc)."""
    return data.decode("utf-8", errors="surrogateescape")


def py2_value(value: str) -> str:
    """A value as Python 2's ``ConfigParser`` (2.4's reader) stored it: on the value's first line, the
    first ``;`` starts a comment when whitespace precedes it (only the first: ``a;b ;c`` stays whole);
    then the line is stripped and ``""`` becomes the empty value. Continuation lines are kept as
    they are."""
    first, sep, rest = value.partition("\n")
    pos = first.find(";")
    if pos > 0 and first[pos - 1].isspace():
        first = first[:pos]
    first = first.strip()
    if first == '""':
        first = ""
    return first + sep + rest


def _has_escapes(line: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in line)


def _is_comment(stripped: str) -> bool:
    return not stripped or stripped.startswith(_COMMENT)


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not be read. ``section`` is the section it sits in (None: it comes before
    the file's first header)."""

    lineno: int
    text: str
    reason: str
    section: str | None

    @property
    def reaches_default(self) -> bool:
        """Could the line have been meant for ``[DEFAULT]`` (and so for every queue)? True when it
        sits in ``[DEFAULT]``, carries a value (``=``/``:``) before any header, or is a broken
        ``[DEFAULT`` header."""
        if self.section == DEFAULT or self.text.strip().strip("[]").strip() == DEFAULT:
            return True
        return self.section is None and ("=" in self.text or ":" in self.text)

    def describe(self) -> str:
        where = "before the first [section] header" if self.section is None else f"in [{self.section}]"
        return f"line {self.lineno} {self.text.strip()[:80]!r} ({where}): {self.reason}"


@dataclass
class FileReport:
    """What one file held and what was wrong with it."""

    origin: str
    sections: list[str] = field(default_factory=list)  # in file order, DEFAULT included
    bad: list[BadLine] = field(default_factory=list)
    latin1: list[int] = field(default_factory=list)  # value lines read as latin-1
    # a key given again in the same section of the file: (section, key, earlier line, later line)
    repeated: list[tuple[str, str, int, int]] = field(default_factory=list)


@dataclass
class ParsedText:
    """One file's text read into raw values, with the report of the lines that could not be read."""

    values: dict[str, dict[str, str]]  # section -> key -> raw value (DEFAULT included)
    report: FileReport


_BROKEN = "\0unnamed"  # the section after a header that names none: its lines are ignored


def _header(line: str) -> str | None:
    """The section a header line names; "" for a line that looks like a header but names none
    (``[]``, ``[ ]``, ``[Q1`` without its ``]``); None for any other line. Indented lines are never
    headers here (they may continue a multi-line value)."""
    stripped = line.strip()
    if line[:1] in (" ", "\t") or not stripped.startswith("["):
        return None
    m = _SECTCRE.match(stripped)
    return m.group("header") if m and m.group("header").strip() else ""


def _broken_header_reason(stripped: str) -> str:
    if stripped.endswith("]"):
        return "a section header without a name"
    return "a broken section header (no closing ']')"


def parse(text: str, origin: str) -> ParsedText:
    """Parse ``text`` (from :func:`decode`, or any str) as far as it can be read."""
    report = FileReport(origin)
    if text.startswith(BOM):
        text = text[1:]
    lines = list(io.StringIO(text))
    section_at: list[str | None] = []  # the section each line sits in
    current: str | None = None
    named: str | None = None  # the last section with a name
    broken: tuple[int, str, str | None] | None = None  # the unnamed header being skipped
    skipped: list[int] = []

    def close_broken() -> None:
        if broken is not None:
            lineno, line, before = broken
            reason = _broken_header_reason(line.strip())
            if skipped:
                reason += f"; the lines under it ({_ranges(skipped)}) are ignored"
            report.bad.append(BadLine(lineno, line, reason, before))

    for i, line in enumerate(lines):
        stripped = line.strip()
        if _has_escapes(line):
            if _is_comment(stripped):
                line = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            else:
                line = line.encode("utf-8", "surrogateescape").decode("latin-1")
                report.latin1.append(i + 1)
            lines[i] = line
        name = None if _is_comment(stripped) else _header(line)
        if name is not None:
            close_broken()
            broken, skipped = None, []
            if name == "":
                broken = (i + 1, line.rstrip("\r\n"), named)
                current = _BROKEN
                lines[i] = "\n"
            else:
                current = named = name
        elif current == _BROKEN:
            if not _is_comment(stripped):
                skipped.append(i + 1)
            lines[i] = "\n"
        elif current is None and not _is_comment(stripped):
            reason = (
                "a value before the first [section] header"
                if "=" in line or ":" in line
                else "text before the first [section] header"
            )
            report.bad.append(BadLine(i + 1, line.rstrip("\r\n"), reason, None))
            lines[i] = "\n"  # keep the numbering; the parser would stop at it
        section_at.append(current)
    close_broken()
    parser = _CaseKeepingParser(strict=False, interpolation=None, default_section="\0none")
    try:
        parser.read_string("".join(lines), source=origin)
    except configparser.ParsingError as exc:
        for lineno, _ in exc.errors:
            line = lines[lineno - 1].rstrip("\r\n")
            report.bad.append(BadLine(lineno, line, "not 'key = value'", section_at[lineno - 1]))
    except configparser.Error as exc:  # not expected with strict=False; keep what was read
        lineno = int(getattr(exc, "lineno", 0) or 0)
        report.bad.append(BadLine(lineno, "", f"not a valid INI file: {exc}", None))
    values = {name: {k: py2_value(v) for k, v in parser.items(name, raw=True)} for name in parser.sections()}
    report.sections = list(values)
    report.bad.sort(key=lambda b: b.lineno)
    report.repeated = _repeated(lines, section_at)
    return ParsedText(values, report)


def _repeated(lines: list[str], section_at: list[str | None]) -> list[tuple[str, str, int, int]]:
    """Keys set twice in one section of one file (the later value is the one read)."""
    seen: dict[tuple[str, str], int] = {}
    out: list[tuple[str, str, int, int]] = []
    for i, line in enumerate(lines):
        section = section_at[i]
        if section is None or section == _BROKEN or line[:1] in (" ", "\t") or _is_comment(line.strip()):
            continue
        m = _OPTCRE.match(line.strip())
        if m is None:
            continue
        key = (section, m.group("option").rstrip())
        if key in seen:
            out.append((*key, seen[key], i + 1))
        seen[key] = i + 1
    return out


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return "line " + out[0] if len(out) == 1 and "-" not in out[0] else "lines " + ", ".join(out)
