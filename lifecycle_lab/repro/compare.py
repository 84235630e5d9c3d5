"""Compare a notebook's saved outputs with a rerun's, cell by cell, with numeric tolerance.

Pure: notebooks come in as nbformat-shaped dicts. Execution counts and
metadata are dropped, streams coalesced, text sanitized (``sanitize.py``),
numbers compared with a relative/absolute tolerance and images by content hash.
Cell tags tune it: ``lifecycle:skip`` and ``lifecycle:ignore-output`` leave a
cell out, ``lifecycle:tolerance=…`` sets its tolerance, ``lifecycle:raises``
marks an expected exception (compared by its name and message).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .sanitize import Sanitizer, sanitize

IDENTICAL, WITHIN, DIFFERS, SKIPPED, IGNORED = "identical", "within_tolerance", "differs", "skipped", "ignored"
REPRODUCED = "reproduced"

TAG_SKIP = "lifecycle:skip"
TAG_IGNORE = "lifecycle:ignore-output"
TAG_RAISES = "lifecycle:raises"
TAG_TOLERANCE = "lifecycle:tolerance="
INJECTED_TAG = "injected-parameters"  # papermill's cell holding the injected parameters

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp"})
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_SHOWN = 2_000  # characters of each output kept in a diff record
MAX_CELLS_RECORDED = 100  # differing cells kept in a diff record: differing cells first, the rest counted
_CONTEXT = 40

_NUMBER = re.compile(r"(?<![\w.])([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w])")


@dataclass(frozen=True)
class Tolerance:
    """Two numbers agree when ``|a - b| <= max(rel * max(|a|, |b|), abs)``."""

    rel: float = 1e-6
    abs: float = 1e-9

    def accepts(self, a: float, b: float) -> bool:
        """Whether ``a`` and ``b`` agree within this tolerance."""
        if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
            return a == b or (math.isnan(a) and math.isnan(b))
        return abs(a - b) <= max(self.rel * max(abs(a), abs(b)), self.abs)

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> Tolerance:
        """From the manifest's ``{rel, abs}``."""
        value = value or {}
        return cls(rel=float(value.get("rel", cls.rel)), abs=float(value.get("abs", cls.abs)))


@dataclass(frozen=True)
class Part:
    """One comparable piece of a cell's output: a stream, one MIME type of a result, or an error."""

    kind: str  # stdout | stderr | error | a MIME type
    text: str  # sanitized text; ``sha256:…`` for images

    def to_json(self) -> dict[str, str]:
        """As JSON, with long text cut to MAX_SHOWN characters."""
        text = self.text
        if len(text) > MAX_SHOWN:
            text = text[:MAX_SHOWN] + f"… ({len(self.text) - MAX_SHOWN} more characters)"
        return {"kind": self.kind, "text": text}


@dataclass(frozen=True)
class Difference:
    """The first place two outputs disagree (or, for a cell within tolerance, the largest gap)."""

    output: int
    kind: str
    line: int
    expected: str
    actual: str
    relative: float | None = None
    absolute: float | None = None

    @property
    def message(self) -> str:
        """E.g. ``0.8312 vs 0.8297, relative difference 0.18%``."""
        text = f"{self.expected} vs {self.actual}"
        if self.relative is not None:
            text += f", relative difference {_percent(self.relative)}"
        return text

    def to_json(self) -> dict[str, Any]:
        """As JSON, with the message."""
        return {
            "output": self.output, "kind": self.kind, "line": self.line, "expected": self.expected,
            "actual": self.actual, "relative": self.relative, "absolute": self.absolute, "message": self.message,
        }


@dataclass(frozen=True)
class CellComparison:
    """One code cell: how its rerun output relates to the expected one."""

    index: int  # position in the expected notebook's ``cells``
    cell_id: str | None
    source: str
    status: str  # identical | within_tolerance | differs | skipped | ignored
    expected: tuple[Part, ...] = ()
    actual: tuple[Part, ...] = ()
    difference: Difference | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON: both outputs and the first difference."""
        source = self.source if len(self.source) <= 500 else self.source[:500] + "…"
        return {
            "index": self.index,
            "cell_id": self.cell_id,
            "source": source,
            "status": self.status,
            "expected": [p.to_json() for p in self.expected],
            "actual": [p.to_json() for p in self.actual],
            "first_difference": self.difference.to_json() if self.difference else None,
        }


@dataclass(frozen=True)
class NotebookComparison:
    """Every code cell of a notebook compared, and the verdict."""

    cells: tuple[CellComparison, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """``reproduced``, ``within_tolerance`` or ``differs``."""
        statuses = {c.status for c in self.cells}
        if DIFFERS in statuses:
            return DIFFERS
        return WITHIN if WITHIN in statuses else REPRODUCED

    def counts(self) -> dict[str, int]:
        """How many cells ended in each status."""
        counts = dict.fromkeys((IDENTICAL, WITHIN, DIFFERS, SKIPPED, IGNORED), 0)
        for cell in self.cells:
            counts[cell.status] += 1
        return counts

    def to_json(self, against: str) -> dict[str, Any]:
        """The record kept with a run: counts, notes and the cells that are not identical (differing ones first)."""
        kept = [c for c in self.cells if c.status == DIFFERS] + [c for c in self.cells if c.status == WITHIN]
        return {
            "against": against,
            "verdict": self.verdict,
            "counts": self.counts(),
            "cells": [c.to_json() for c in sorted(kept[:MAX_CELLS_RECORDED], key=lambda c: c.index)],
            "omitted_cells": max(0, len(kept) - MAX_CELLS_RECORDED),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.2g}%"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def tags(cell: Mapping[str, Any]) -> list[str]:
    """A cell's tags."""
    found = (cell.get("metadata") or {}).get("tags") or []
    return [t for t in found if isinstance(t, str)]


def _image_digest(value: Any) -> str:
    """sha256 of the base64 payload without line breaks: the same image gives the same digest however wrapped."""
    raw = _text(value).replace("\n", "").strip()
    return "sha256:" + hashlib.sha256(raw.encode("ascii", "replace")).hexdigest()


def _mime_text(mime: str, value: Any, sanitizers: Sequence[Sanitizer]) -> str:
    if mime in IMAGE_TYPES:
        return _image_digest(value)
    if mime == WIDGET_VIEW:
        return "<widget>"  # its model id is random per run; the widget's state is not an output
    if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        value = json.dumps(value, sort_keys=True, indent=1)
    return sanitize(_text(value), sanitizers)


def normalize_outputs(outputs: Sequence[Mapping[str, Any]], sanitizers: Sequence[Sanitizer]) -> tuple[Part, ...]:
    """A cell's outputs as comparable parts: consecutive streams coalesced, metadata and counts dropped."""
    parts: list[Part] = []
    pending_name, pending_text = None, ""

    def flush() -> None:
        nonlocal pending_name, pending_text
        if pending_name is not None:
            parts.append(Part(pending_name, sanitize(pending_text, sanitizers)))
        pending_name, pending_text = None, ""

    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name", "stdout")
            if name != pending_name:
                flush()
                pending_name = name
            pending_text += _text(output.get("text", ""))
            continue
        flush()
        if kind in ("execute_result", "display_data", "update_display_data"):
            data = output.get("data") or {}
            parts.extend(Part(mime, _mime_text(mime, data[mime], sanitizers)) for mime in sorted(data))
        elif kind == "error":
            message = f"{output.get('ename', '')}: {output.get('evalue', '')}"
            parts.append(Part("error", sanitize(message, sanitizers)))
    flush()
    return tuple(parts)


def _raw(outputs: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Outputs without execution counts and metadata, unsanitized: equal raw outputs need no closer look."""
    raw: list[tuple[Any, ...]] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            raw.append((kind, output.get("name"), _text(output.get("text", ""))))
        elif kind == "error":
            raw.append((kind, output.get("ename"), output.get("evalue")))
        else:
            raw.append(("data", output.get("data")))
    return raw


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


def _text_difference(output: int, kind: str, expected: str, actual: str) -> Difference:
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
        return DIFFERS, _text_difference(output, kind, expected, actual)
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
    """The tolerance from a ``lifecycle:tolerance=REL`` or ``…=rel:R;abs:A`` tag, and a warning if unreadable.

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
            if set(values) - {"rel", "abs"}:
                raise ValueError(spec)
            return Tolerance(rel=_non_negative(values.get("rel", default.rel)),
                             abs=_non_negative(values.get("abs", default.abs))), None
        except ValueError:
            return default, (f"tag {tag!r} ignored: write lifecycle:tolerance=1e-3 (relative) or "
                             "lifecycle:tolerance=rel:1e-3;abs:1e-6")
    return default, None


def _non_negative(value: Any) -> float:
    number = float(value)
    if not number >= 0:
        raise ValueError(value)
    return number


def compare_cell(
    index: int,
    cell: Mapping[str, Any],
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    tolerance: Tolerance,
    sanitizers: Sequence[Sanitizer],
) -> tuple[CellComparison, str | None]:
    """One code cell (``cell`` gives its tags and source) compared; with a warning about its tags, if any."""
    cell_tags = tags(cell)
    base = CellComparison(index=index, cell_id=cell.get("id"), source=_text(cell.get("source", "")),
                          status=IDENTICAL)
    if TAG_SKIP in cell_tags:
        return replace(base, status=SKIPPED), None
    if TAG_IGNORE in cell_tags:
        return replace(base, status=IGNORED), None
    tol, warning = cell_tolerance(cell, tolerance)
    if _raw(expected) == _raw(actual):  # the common case, decided before any sanitizing
        return base, warning
    exp, act = normalize_outputs(expected, sanitizers), normalize_outputs(actual, sanitizers)
    base = replace(base, expected=exp, actual=act)
    for position in range(max(len(exp), len(act))):
        if position >= len(exp) or position >= len(act) or exp[position].kind != act[position].kind:
            return replace(base, status=DIFFERS, difference=_part_mismatch(position, exp, act)), warning
    status, widest = IDENTICAL, None
    for position, (e, a) in enumerate(zip(exp, act, strict=True)):
        result, difference = compare_text(position, e.kind, e.text, a.text, tol)
        if result == DIFFERS:
            return replace(base, status=DIFFERS, difference=difference), warning
        if result == WITHIN and (widest is None or (difference.relative or 0) > (widest.relative or 0)):
            status, widest = WITHIN, difference
    return replace(base, status=status, difference=widest), warning


def _part_mismatch(position: int, exp: Sequence[Part], act: Sequence[Part]) -> Difference:
    """Name the output one side has and the other lacks (e.g. ``image/png output vs no image/png output``)."""
    e = exp[position].kind if position < len(exp) else None
    a = act[position].kind if position < len(act) else None
    if e is not None and e not in {p.kind for p in act[position:]}:
        return Difference(position, e, 1, f"{e} output", f"no {e} output")
    if a is not None and a not in {p.kind for p in exp[position:]}:
        return Difference(position, a, 1, f"no {a} output", f"{a} output")
    return Difference(position, e or a or "", 1, f"{e} output", f"{a} output")


def _code_cells(nb: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    return [
        (index, cell) for index, cell in enumerate(nb.get("cells", []))
        if cell.get("cell_type") == "code" and INJECTED_TAG not in tags(cell)
    ]


def compare_notebooks(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    *,
    tolerance: Tolerance,
    sanitizers: Sequence[Sanitizer],
) -> NotebookComparison:
    """Each code cell of ``expected`` (saved, or a first run) against the same cell of ``actual`` (the rerun)."""
    exp_cells, act_cells = _code_cells(expected), _code_cells(actual)
    notes: list[str] = []
    warnings: list[str] = []
    if len(exp_cells) != len(act_cells):
        notes.append(f"the expected notebook has {len(exp_cells)} code cells, the rerun {len(act_cells)}")
    if exp_cells and not any(c.get("outputs") for _, c in exp_cells) and any(c.get("outputs") for _, c in act_cells):
        notes.append("the saved notebook has no outputs to compare against: compare two fresh runs with --twice")
    results: list[CellComparison] = []
    for (index, cell), (_, rerun) in zip(exp_cells, act_cells, strict=False):
        result, warning = compare_cell(index, cell, cell.get("outputs", []), rerun.get("outputs", []),
                                       tolerance, sanitizers)
        results.append(result)
        if warning:
            warnings.append(f"cell {index + 1}: {warning}")
    for index, cell in exp_cells[len(act_cells):]:
        results.append(_unmatched(index, cell, "a code cell", "no cell"))
    for index, cell in act_cells[len(exp_cells):]:
        results.append(_unmatched(index, cell, "no cell", "a code cell"))
    return NotebookComparison(cells=tuple(results), notes=tuple(notes), warnings=tuple(warnings))


def _unmatched(index: int, cell: Mapping[str, Any], expected: str, actual: str) -> CellComparison:
    return CellComparison(index=index, cell_id=cell.get("id"), source=_text(cell.get("source", "")), status=DIFFERS,
                          difference=Difference(0, "cell", 1, expected, actual))
