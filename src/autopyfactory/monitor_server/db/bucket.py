"""``bucket_index(t, start, width)``: floor((t - start) / width) as an integer, on SQLite and PostgreSQL.

SQLite may lack FLOOR and its CAST truncates (the same as floor here, as t >= start in every query);
PostgreSQL's CAST rounds, so it gets FLOOR."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class bucket_index(FunctionElement[int]):
    """SQL: the index of the time bucket a timestamp falls in (per dialect)."""

    type = Integer()
    name = "bucket_index"
    inherit_cache = True

    def __init__(self, t: ColumnElement[float], start: float, width: float) -> None:
        super().__init__(t, literal(start), literal(width))


@compiles(bucket_index)
def _default(element: bucket_index, compiler: Any, **kw: Any) -> str:
    t, start, width = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(FLOOR(({t} - {start}) / {width}) AS INTEGER)"


@compiles(bucket_index, "sqlite")
def _sqlite(element: bucket_index, compiler: Any, **kw: Any) -> str:
    t, start, width = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({t} - {start}) / {width} AS INTEGER)"
