"""What every backend stores alike: the values a column can hold unchanged on SQLite and on PostgreSQL.

SQLite keeps nearly anything in any column; PostgreSQL refuses text with NUL
characters, strings longer than a VARCHAR, integers beyond the column's width,
and ``NaN``/``Infinity`` in JSON (which JSON does not have). Checking values
against the stricter rules before writing makes both backends accept and
refuse the same things, with a message instead of a database error.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from ..errors import ValidationError

_INT_BITS = {sa.SmallInteger: 16, sa.BigInteger: 64, sa.Integer: 32}  # subclasses before sa.Integer


def _integer_bits(kind: sa.Integer) -> int:
    return next(bits for cls, bits in _INT_BITS.items() if isinstance(kind, cls))


def _text_problem(value: str, length: int | None) -> str | None:
    if length is not None and len(value) > length:
        return f"longer than {length} characters"
    if "\x00" in value:
        return "contains a NUL character"
    return None if _encodable(value) else "not valid Unicode (a lone surrogate)"


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_problem(value: Any, path: str) -> str | None:
    """Why ``value`` is not plain JSON (a non-finite number, a non-string key...), naming where; None if it is."""
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        return None if _encodable(value) else f"{path}: not valid Unicode (a lone surrogate)"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path}: {value} is not a JSON number"
    if isinstance(value, list | tuple):
        return next((p for i, child in enumerate(value) if (p := json_problem(child, f"{path}[{i}]"))), None)
    if isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str):
                return f"{path}: key {key!r} is not a string"
            problem = json_problem(child, f"{path}.{key}")
            if problem:
                return problem
        return None
    return f"{path}: {type(value).__name__} is not a JSON value"


def _scalar_problem(kind: sa.types.TypeEngine[Any], value: Any) -> str | None:
    if isinstance(kind, sa.Boolean):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(kind, sa.Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be an integer"
        limit = 1 << (_integer_bits(kind) - 1)
        return None if -limit <= value < limit else f"{value} is out of range"
    if isinstance(kind, sa.Float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "must be a number"
        return None if math.isfinite(value) else f"{value} is not a finite number"
    if isinstance(kind, sa.String):  # Text too
        return _text_problem(value, kind.length) if isinstance(value, str) else "must be a string"
    return None


def column_problem(column: sa.Column[Any], value: Any) -> str | None:
    """Why ``value`` cannot go into ``column`` unchanged on every backend, starting with the column's name; or None."""
    if value is None:
        return None if column.nullable or column.autoincrement is True else f"{column.name}: required"
    if isinstance(column.type, sa.JSON):
        return json_problem(value, column.name)
    problem = _scalar_problem(column.type, value)
    return None if problem is None else f"{column.name}: {problem}"


def check_values(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` unchanged when each fits its column of ``table``; ValidationError naming the first misfit."""
    for name, value in values.items():
        problem = column_problem(table.c[name], value)
        if problem is not None:
            raise ValidationError(problem, field=name)
    return values
