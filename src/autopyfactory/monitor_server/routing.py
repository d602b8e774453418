"""The ``anypath`` path convertor: the rest of the path, whatever it holds.

Starlette's ``path`` convertor stops at a newline (its pattern is ``.*``); a name stored by an
older version may hold one (or a ``/``), and its pages must still answer. Import this module before
declaring a route with ``{name:anypath}``."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class AnyPathConvertor(Convertor[str]):
    """A path parameter that takes the rest of the path whatever it holds (newlines included)."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("anypath", AnyPathConvertor())
