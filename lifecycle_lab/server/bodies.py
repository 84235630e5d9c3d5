"""Reading a request body as JSON, strictly: anything that is not one plain JSON object is a ValidationError (400).

RFC 8259 JSON between systems is UTF-8 without a byte order mark; a body that
is not, nests deeper than ``MAX_DEPTH``, repeats a key in one object (which
would make the last one silently win), or spells ``NaN``/``Infinity`` (which
JSON does not have) is refused with a message saying which, before any
handler sees it. Deep nesting is refused before anything recursive (the
service's validation, hashing, the store) can fail on it.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ValidationError

MAX_DEPTH = 64  # far beyond any request this API takes, far below where recursive code fails


def _refuse(message: str) -> ValidationError:
    return ValidationError(f"body: {message}", field="body")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _refuse(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _refuse(f"{name} is not a JSON number")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays/objects more than ``limit`` deep (iteratively: no recursion to overflow)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """``raw`` as a JSON object; ValidationError (field ``body``) saying what is wrong otherwise."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise _refuse("starts with a byte order mark; send UTF-8 JSON without one")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    try:
        body = json.loads(text or "null", object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError:
        raise _refuse(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise _refuse(f"not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise _refuse("must be a JSON object")
    if _depth_exceeds(body, MAX_DEPTH):
        raise _refuse(f"nested more than {MAX_DEPTH} levels deep")
    try:  # JSON can escape half a surrogate pair (\udcdb), which no store or file can hold
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse("has text that is not valid Unicode (a lone surrogate escape)") from None
    return body
