"""Lists of items in one request (``PUT /labels``, ``PUT /jobs``): each item is checked on its own.

A bad item (wrong types, missing keys, a name the monitor cannot take) is refused alone, with its
index and the reason; the others go on. Only a body that is not a JSON list is refused whole."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from autopyfactory.apfmon.names import NameKind, name_problem
from autopyfactory.monitor_server.api.common import ApiError
from autopyfactory.monitor_server.api.refuse import SHAPE_FIX, name_fix

M = TypeVar("M", bound=BaseModel)
MAX_SHOWN = 5


@dataclass(frozen=True, slots=True)
class ItemProblem:
    """Why one item of a batch request was refused."""

    index: int
    factory: str  # the factory the item names, "" when it names none
    subject: str  # what it is about (a queue name), or ""
    status: int  # 400: not the expected shape; 422: a name the monitor cannot take
    reason: str
    fix: str = SHAPE_FIX

    def text(self) -> str:
        return f"item {self.index}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Batch(Generic[M]):
    """A batch request's accepted items and the problems of the refused ones."""

    items: list[M]
    problems: list[ItemProblem]

    def summary(self) -> str:
        """The refused items, for a reply."""
        shown = "; ".join(p.text() for p in self.problems[:MAX_SHOWN])
        more = f"; and {len(self.problems) - MAX_SHOWN} more" if len(self.problems) > MAX_SHOWN else ""
        return f"{shown}{more}"

    def fixes(self) -> str:
        return "; ".join(dict.fromkeys(p.fix for p in self.problems))

    def all_refused(self) -> ApiError:
        status = 400 if any(p.status == 400 for p in self.problems) else 422
        return ApiError(status, f"Invalid data: {self.summary()}. Fix: {self.fixes()}")


def _errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "item"
        parts.append(f"{loc}: {e['msg']}")
    return ", ".join(parts[:3])


def parse_batch(
    raw: bytes,
    model: type[M],
    names: Callable[[M], Sequence[tuple[NameKind, str]]],
    subject: Callable[[M], str],
    max_items: int,
    what: str,
) -> Batch[M]:
    """Items of ``raw`` (a JSON list) as ``model``; ``names`` gives the names an item carries."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"Invalid data: the body is not JSON ({exc})") from None
    if not isinstance(data, list):
        raise ApiError(400, f"Invalid data: expected a JSON list of {what}, got {type(data).__name__}")
    return parse_items(data, model, names, subject, max_items, what)


def parse_items(
    data: list[Any],
    model: type[M],
    names: Callable[[M], Sequence[tuple[NameKind, str]]],
    subject: Callable[[M], str],
    max_items: int,
    what: str,
    factory: str = "",
) -> Batch[M]:
    """The items of a decoded JSON list, each checked on its own (``factory``: the factory they
    belong to when the items do not name it)."""
    if len(data) > max_items:
        raise ApiError(400, f"Invalid data: at most {max_items} {what} per request")
    items: list[M] = []
    problems: list[ItemProblem] = []
    for i, raw_item in enumerate(data):
        named = raw_item.get("factory") if isinstance(raw_item, dict) else None
        factory_of = named if isinstance(named, str) else factory
        try:
            item = model.model_validate(raw_item)
        except ValidationError as exc:
            problems.append(ItemProblem(i, factory_of, "", 400, _errors(exc)))
            continue
        bad = [(kind, p) for kind, name in names(item) if (p := name_problem(kind, name)) is not None]
        if bad:
            reason = "; ".join(p for _, p in bad)
            problems.append(ItemProblem(i, factory_of, subject(item), 422, reason, name_fix(bad[0][0])))
            continue
        items.append(item)
    return Batch(items, problems)
