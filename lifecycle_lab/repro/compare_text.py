"""Text compared under a numeric tolerance: the text between numbers must match, numbers may move a little.

Pure. Also the tolerance itself (manifest ``rerun.tolerance`` and the
``lifecycle:tolerance=…`` cell tag) and the record of where two outputs differ.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .markers import TAG_TOLERANCE, tags

IDENTICAL, WITHIN, DIFFERS = "identical", "within_tolerance", "differs"
DEFAULT_IMAGE_TOLERANCE = 2.0  # RMS over RGBA channels on the 0-255 scale, as matplotlib's image tests measure it
_CONTEXT = 40
_NUMBER = re.compile(r"(?<![\w.])([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w])")


@dataclass(frozen=True)
class Tolerance:
    """Two numbers agree when ``|a - b| <= max(rel * max(|a|, |b|), abs)``; two images when their RMS <= ``image``."""

    rel: float = 1e-6
    abs: float = 1e-9
    image: float = DEFAULT_IMAGE_TOLERANCE

    def accepts(self, a: float, b: float) -> bool:
        """Whether ``a`` and ``b`` agree within this tolerance."""
        if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
            return a == b or (math.isnan(a) and math.isnan(b))
        return abs(a - b) <= max(self.rel * max(abs(a), abs(b)), self.abs)

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> Tolerance:
        """From the manifest's ``{rel, abs, image}``."""
        value = value or {}
        return cls(rel=float(value.get("rel", cls.rel)), abs=float(value.get("abs", cls.abs)),
                   image=float(value.get("image", cls.image)))


@dataclass(frozen=True)
class Difference:
    """The first place two outputs disagree (or, for a cell within tolerance, the largest gap).

    ``note`` replaces the generated message where numbers say too little (images, representations).
    """

    output: int
    kind: str
    line: int
    expected: str
    actual: str
    relative: float | None = None
    absolute: float | None = None
    note: str | None = None

    @property
    def message(self) -> str:
        """E.g. ``0.8312 vs 0.8297, relative difference 0.18%``."""
        if self.note:
            return self.note
        text = f"{self.expected} vs {self.actual}"
        if self.relative is not None:
            text += f", relative difference {percent(self.relative)}"
        return text

    def to_json(self) -> dict[str, Any]:
        """As JSON, with the message."""
        return {
            "output": self.output, "kind": self.kind, "line": self.line, "expected": self.expected,
            "actual": self.actual, "relative": self.relative, "absolute": self.absolute, "message": self.message,
        }


def percent(ratio: float) -> str:
    """A ratio as a short percentage (``0.18%``)."""
    return f"{ratio * 100:.2g}%"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _excerpt(text: str, start: int, end: int) -> str:
    """The differing span with a little context, on one line."""
    left = max(text.rfind("\n", 0, start) + 1, start - _CONTEXT)
    newline = text.find("\n", end)
    right = min(newline if newline != -1 else len(text), end + _CONTEXT)
    snippet = text[left:right]
    return ("…" if left > 0 and text[left - 1] != "\n" else "") + snippet + ("…" if right < len(text) and
                                                                              text[right] != "\n" else "")


def text_difference(output: int, kind: str, expected: str, actual: str) -> Difference:
    """Where two texts first differ, shown as short excerpts."""
    i = 0
    limit = min(len(expected), len(actual))
    while i < limit and expected[i] == actual[i]:
        i += 1
    exp = _excerpt(expected, i, min(i + 1, len(expected))) if expected else "(nothing)"
    act = _excerpt(actual, i, min(i + 1, len(actual))) if actual else "(nothing)"
    return Difference(output, kind, _line_of(expected, i), repr(exp), repr(act))


def compare_text(
    output: int, kind: str, expected: str, actual: str, tolerance: Tolerance
) -> tuple[str, Difference | None]:
    """``identical``, ``within_tolerance`` (with the largest gap) or ``differs`` (with the first difference)."""
    if expected == actual:
        return IDENTICAL, None
    exp_tokens, act_tokens = _NUMBER.split(expected), _NUMBER.split(actual)
    # split() puts the text between numbers at even positions: that text must match exactly
    if len(exp_tokens) != len(act_tokens) or exp_tokens[0::2] != act_tokens[0::2]:
        return DIFFERS, text_difference(output, kind, expected, actual)
    widest: tuple[float, int] | None = None
    for position in range(1, len(exp_tokens), 2):
        a, b = exp_tokens[position], act_tokens[position]
        if a == b:
            continue
        x, y = float(a), float(b)
        if not tolerance.accepts(x, y):
            return DIFFERS, _number_difference(output, kind, exp_tokens, act_tokens, position)
        scale = max(abs(x), abs(y))
        relative = abs(x - y) / scale if scale else 0.0
        if x != y and (widest is None or relative > widest[0]):
            widest = (relative, position)
    if widest is None:
        return IDENTICAL, None
    return WITHIN, _number_difference(output, kind, exp_tokens, act_tokens, widest[1])


def _number_difference(output: int, kind: str, exp: list[str], act: list[str], position: int) -> Difference:
    a, b = exp[position], act[position]
    x, y = float(a), float(b)
    gap, scale = abs(x - y), max(abs(x), abs(y))
    line = sum(token.count("\n") for token in exp[:position]) + 1
    if not math.isfinite(gap):  # beyond a float (1e999): no gap to report, and NaN/Infinity are not JSON
        return Difference(output, kind, line, a, b)
    return Difference(output, kind, line, a, b, relative=gap / scale if scale else 0.0, absolute=gap)


def cell_tolerance(cell: Mapping[str, Any], default: Tolerance) -> tuple[Tolerance, str | None]:
    """The tolerance from a ``lifecycle:tolerance=REL`` or ``…=rel:R;abs:A;image:I`` tag, and a warning if unreadable.

    Parts are separated by ``;`` because nbformat forbids commas in cell tags.
    """
    for tag in tags(cell):
        if not tag.startswith(TAG_TOLERANCE):
            continue
        spec = tag[len(TAG_TOLERANCE):]
        try:
            if ":" not in spec:
                return replace(default, rel=_non_negative(spec)), None
            values = dict(part.split(":", 1) for part in spec.split(";"))
            if set(values) - {"rel", "abs", "image"}:
                raise ValueError(spec)
            return Tolerance(rel=_non_negative(values.get("rel", default.rel)),
                             abs=_non_negative(values.get("abs", default.abs)),
                             image=_non_negative(values.get("image", default.image))), None
        except ValueError:
            return default, (f"tag {tag!r} ignored: write lifecycle:tolerance=1e-3 (relative) or "
                             "lifecycle:tolerance=rel:1e-3;abs:1e-6;image:5")
    return default, None


def _non_negative(value: Any) -> float:
    number = float(value)
    if not number >= 0:
        raise ValueError(value)
    return number
