"""Loading the pickles of PanDA's legacy API without letting them run code.

A pickle can name any importable callable and have the loader call it. The legacy endpoints only
ever send plain data, so the loader refuses every reference to a callable or class, and afterwards
checks that the result holds nothing but dict, list, tuple, str, int, float, bool and None."""

from __future__ import annotations

import io
import pickle
import pickletools
from typing import Any

ALLOWED_TYPES = (dict, list, tuple, str, int, float, bool, type(None))
MAX_DEPTH = 32


class UnsafePickle(ValueError):
    """The response is a pickle that is not plain data; it was not (fully) loaded."""


class _PlainDataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise UnsafePickle(
            f"the pickle refers to {module}.{name}, which could run code; only dict, list, tuple, "
            "str, int, float, bool and None are accepted"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickle("the pickle uses persistent references; only plain data is accepted")


def loads_plain(data: bytes) -> Any:
    """Unpickle ``data`` if it is plain data; raise :class:`UnsafePickle` otherwise (or ValueError
    when it is not a pickle at all)."""
    _check_sizes(data)
    try:
        obj = _PlainDataUnpickler(io.BytesIO(data), encoding="utf-8", errors="replace").load()
    except UnsafePickle:
        raise
    except (
        pickle.UnpicklingError,
        EOFError,
        IndexError,
        KeyError,
        TypeError,
        AttributeError,
        OverflowError,
        MemoryError,
    ) as exc:
        raise ValueError(f"not a valid pickle: {type(exc).__name__}: {exc}") from None
    _check_plain(obj)
    return obj


_MEMO_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _check_sizes(data: bytes) -> None:
    """Walk the opcodes without building anything and refuse numbers the loader would allocate by:
    a memo index far beyond the opcodes seen (the C unpickler grows its memo table to the index, so
    four garbage bytes can ask for 32 GB) and lengths beyond the end of the data (``pickletools``
    reads those arguments itself and fails on a short read)."""
    opcodes_seen = 0
    try:
        for opcode, arg, pos in pickletools.genops(data):
            opcodes_seen += 1
            if not isinstance(arg, int):  # the opcodes checked here carry a number
                continue
            if opcode.name in _MEMO_PUTS and arg > opcodes_seen:  # picklers number memo entries from 0
                raise ValueError(f"memo index {arg} at byte {pos} after {opcodes_seen} opcodes")
            if opcode.name == "FRAME" and arg > len(data):
                raise ValueError(f"frame of {arg} bytes at byte {pos} in {len(data)} bytes")
    except (ValueError, OverflowError, MemoryError) as exc:
        raise ValueError(f"not a valid pickle: {exc}") from None


def _check_plain(obj: Any) -> None:
    """Every object reachable from ``obj`` is of an allowed type (shared objects visited once)."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        o, depth = stack.pop()
        if type(o) not in ALLOWED_TYPES:
            raise UnsafePickle(
                f"the pickle holds a {type(o).__name__}; only dict, list, tuple, str, int, float, bool "
                "and None are accepted"
            )
        if isinstance(o, (dict, list, tuple)):
            if id(o) in seen:
                continue
            seen.add(id(o))
            if depth >= MAX_DEPTH:
                raise UnsafePickle(f"the pickle nests deeper than {MAX_DEPTH} levels")
            items = [*o.keys(), *o.values()] if isinstance(o, dict) else list(o)
            stack.extend((i, depth + 1) for i in items)
