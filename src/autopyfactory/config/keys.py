"""Declared configuration keys: each plugin says which keys it reads, their types and defaults.

A :class:`Key` knows how to turn the raw INI string into a typed value and how to describe what it
expects, so a bad value produces an error naming file, section, key, value and the expectation.
A ``Key[ValueT]`` is typed by what it reads as, so ``section.get(KEY)`` is a ``ValueT`` with no cast at the
reader. 2.4's conventions hold for every type: ``None``/``none`` mean "unset" (see :class:`Key` for
what an unset key reads as) and ``True``/``true``/``False``/``false`` are booleans (see
``literals``). A ``verbatim`` key (a shell command) takes its text as written.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from autopyfactory.config.literals import canonical

ParsedT = TypeVar("ParsedT", covariant=True)  # what a key type parses to
# what a key reads as: its type's value, or None for a key that may be unset
ValueT = TypeVar("ValueT", covariant=True)

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class BadValue(ValueError):
    """Raised by a key type when a raw string does not parse; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class KeyType(Generic[ParsedT]):
    """How to parse one kind of value (of Python type ``ParsedT``) and how to describe it to an operator."""

    name: str
    expected: str
    parse: Callable[[str], ParsedT]


def _parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        try:
            f = float(raw.strip())
        except ValueError:
            raise BadValue("an integer") from None
        if f.is_integer():
            return int(f)
        raise BadValue("an integer") from None


def _parse_nonneg_int(raw: str) -> int:
    try:
        v = _parse_int(raw)
    except BadValue:
        raise BadValue("an integer >= 0") from None
    if v < 0:
        raise BadValue("an integer >= 0")
    return v


NOT_FINITE = "nan, inf and numbers beyond 1.8e308 are not numbers here"


def finite_float(raw: str) -> float:
    """``float(raw)`` for a number an operator wrote: ValueError for text that is not a number and for
    every spelling of nan and infinity ``float`` accepts (``nan``, ``-inf``, ``Infinity``, ``1e999``)."""
    v = float(raw.strip())
    if not math.isfinite(v):
        raise ValueError(f"{raw.strip()!r} is not a finite number")
    return v


def _parse_float(raw: str) -> float:
    try:
        v = float(raw.strip())
    except ValueError:
        raise BadValue("a number") from None
    if not math.isfinite(v):
        raise BadValue(f"a finite number ({NOT_FINITE})")
    return v


def _parse_nonneg_float(raw: str) -> float:
    try:
        v = _parse_float(raw)
    except BadValue as exc:
        raise BadValue(str(exc).replace("number", "number >= 0", 1)) from None
    if v < 0:
        raise BadValue("a number >= 0")
    return v


def _parse_bool(raw: str) -> bool:
    s = raw.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise BadValue("True or False")


def _parse_str(raw: str) -> str:
    return raw.strip()


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _parse_url(raw: str) -> str:
    text = raw.strip()
    try:
        port = urllib.parse.urlsplit(text).port
    except ValueError:
        port = 0
    if port == 0:
        raise BadValue("a URL whose port, if given, is a number from 1 to 65535")
    return text


INT: KeyType[int] = KeyType("int", "an integer", _parse_int)
NONNEG_INT: KeyType[int] = KeyType("int>=0", "an integer >= 0", _parse_nonneg_int)
FLOAT: KeyType[float] = KeyType("float", "a number", _parse_float)
NONNEG_FLOAT: KeyType[float] = KeyType("float>=0", "a number >= 0", _parse_nonneg_float)
BOOL: KeyType[bool] = KeyType("bool", "True or False", _parse_bool)
STR: KeyType[str] = KeyType("str", "a string", _parse_str)
LIST: KeyType[tuple[str, ...]] = KeyType("list", "a comma-separated list", _parse_list)
URL: KeyType[str] = KeyType("url", "a URL whose port, if given, is a number from 1 to 65535", _parse_url)


def choice(*options: str, case_sensitive: bool = False) -> KeyType[str]:
    """A string restricted to ``options``."""
    allowed = {o if case_sensitive else o.lower(): o for o in options}

    def parse(raw: str) -> str:
        s = raw.strip()
        key = s if case_sensitive else s.lower()
        if key not in allowed:
            raise BadValue("one of " + ", ".join(options))
        return allowed[key]

    return KeyType("choice", "one of " + ", ".join(options), parse)


def ratio() -> KeyType[float]:
    """A float in [0, 1]."""

    def parse(raw: str) -> float:
        try:
            v = _parse_float(raw)
        except BadValue:
            raise BadValue("a number between 0 and 1") from None
        if not 0.0 <= v <= 1.0:
            raise BadValue("a number between 0 and 1")
        return v

    return KeyType("ratio", "a number between 0 and 1", parse)


@dataclass(frozen=True, slots=True, init=False)
class Key(Generic[ValueT]):
    """One configuration key a plugin reads; ``ValueT`` is what :meth:`ConfigSection.get` returns for it.

    The type follows from the declaration: ``Key("x", INT, 3600)`` is a ``Key[int]``, ``Key("x", INT)``
    (no default) a ``Key[int | None]``, ``Key("x", INT, required=True)`` a ``Key[int]`` that must be
    set. 2.4's ``None`` (or ``none``) unsets a key: it reads as the key's default, except that a list
    reads empty, a True/False key reads False (2.4 took None as false) and a key declared
    ``nullable=True`` reads None (for keys where None means something of its own, e.g. no WMS
    status plugin at all).

    ``prefix=True`` declares a family of keys (``batchsubmit.condorbase.condor_attributes.<k>``): any
    key starting with ``name`` is known. ``required=True`` makes a missing key an error.
    ``verbatim=True``: the text is used as written (``true`` stays a shell command, not ``True``)."""

    name: str
    type: KeyType[Any]
    default: ValueT
    doc: str
    prefix: bool
    required: bool
    verbatim: bool
    nullable: bool
    unset: ValueT = field(init=False)  # what the literal None reads as

    @overload
    def __init__(
        self: Key[ParsedT | None],
        name: str,
        type: KeyType[ParsedT],
        default: None = None,
        doc: str = "",
        *,
        prefix: bool = False,
        required: Literal[False] = False,
        verbatim: bool = False,
        nullable: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: Key[ParsedT],
        name: str,
        type: KeyType[ParsedT],
        default: None = None,
        doc: str = "",
        *,
        prefix: bool = False,
        required: Literal[True],
        verbatim: bool = False,
        nullable: Literal[False] = False,
    ) -> None: ...

    @overload
    def __init__(
        self: Key[ParsedT],
        name: str,
        type: KeyType[ParsedT],
        default: ParsedT,
        doc: str = "",
        *,
        prefix: bool = False,
        required: bool = False,
        verbatim: bool = False,
        nullable: Literal[False] = False,
    ) -> None: ...

    @overload
    def __init__(
        self: Key[ParsedT | None],
        name: str,
        type: KeyType[ParsedT],
        default: ParsedT,
        doc: str = "",
        *,
        prefix: bool = False,
        required: Literal[False] = False,
        verbatim: bool = False,
        nullable: Literal[True],
    ) -> None: ...

    def __init__(
        self,
        name: str,
        type: KeyType[Any],
        default: Any = None,
        doc: str = "",
        *,
        prefix: bool = False,
        required: bool = False,
        verbatim: bool = False,
        nullable: bool = False,
    ) -> None:
        for field_name, value in (
            ("name", name),
            ("type", type),
            ("default", default),
            ("doc", doc),
            ("prefix", prefix),
            ("required", required),
            ("verbatim", verbatim),
            ("nullable", nullable),
        ):
            object.__setattr__(self, field_name, value)
        object.__setattr__(self, "unset", _unset_value(type, default, required, nullable))

    def parse(self, raw: str | None) -> ValueT:
        """Typed value of ``raw``; a missing key (``None``) reads as the default, the text ``None`` as
        the class docstring says. Raises BadValue, also for a non-finite float from any key type (a
        plugin's own types included)."""
        if raw is None:
            return self.default
        if not self.verbatim:
            raw = canonical(raw)
        s = raw.strip()
        if s == "None":
            return self.unset
        if self.type is not STR and s == "":
            return self.default
        value: ValueT = self.type.parse(raw)
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(f"{self.type.expected}, finite ({NOT_FINITE})")
        return value

    def matches(self, key: str) -> bool:
        return key.startswith(self.name) if self.prefix else key == self.name


def _unset_value(type: KeyType[Any], default: Any, required: bool, nullable: bool) -> Any:
    """What the literal None reads as for a key so declared (see :class:`Key`)."""
    if required:
        return default  # still None for a required key without a default: reported as missing
    if type is LIST:
        return ()  # a list that is None has no items (2.4: ``monitorsection = None``)
    if nullable or default is None:
        return None
    if type is BOOL:
        return False
    return default


class KeySet:
    """A lookup of known keys (exact names and prefixes)."""

    def __init__(self, keys: Iterable[Key[object]] = ()) -> None:
        self._exact: dict[str, Key[object]] = {}
        self._prefixes: list[Key[object]] = []
        self.extend(keys)

    def extend(self, keys: Iterable[Key[object]]) -> None:
        for k in keys:
            if k.prefix:
                self._prefixes.append(k)
            else:
                self._exact.setdefault(k.name, k)

    def find(self, name: str) -> Key[object] | None:
        k = self._exact.get(name)
        if k is not None:
            return k
        for p in self._prefixes:
            if name.startswith(p.name):
                return p
        return None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def names(self) -> Sequence[str]:
        return [*self._exact, *(p.name + "*" for p in self._prefixes)]
