"""Compare a notebook's saved outputs with a rerun's, cell by cell, by meaning rather than by bytes.

Pure: notebooks come in as nbformat-shaped dicts. Execution counts and
metadata are dropped, streams coalesced, text sanitized (``sanitize.py``) and
compared with a numeric tolerance (``compare_text.py``); images by their
pixels (``compare_images.py``); SVG/HTML/XML as canonical markup
(``compare_markup.py``); JSON as data. When one output carries several
representations, the richest exact text one decides. Cell markers
(``markers.py``) skip, ignore or expect an exception; a cell never executed in
the saved notebook is ``unverified``. Every differing cell gets a reason
(``reasons.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..lint.randomness import unseeded_random
from .compare_images import IMAGE_TYPES, ImageComparison, compare_images, image_figures
from .compare_text import DIFFERS, IDENTICAL, WITHIN, Difference, Tolerance, cell_tolerance, compare_text
from .markers import INJECTED_TAG, cell_markers, never_executed, source_text, tags
from .outputs import Part, is_json, normalize_outputs, raw_outputs
from .reasons import EXTRA, MISSING, ReasonContext, classify, count_reasons
from .sanitize import Sanitizer

__all__ = ["CellComparison", "Difference", "NotebookComparison", "Part", "Tolerance", "compare_cell",
           "compare_notebooks", "compare_text", "normalize_outputs"]

SKIPPED, IGNORED, UNVERIFIED = "skipped", "ignored", "unverified"
REPRODUCED = "reproduced"
STATUSES = (IDENTICAL, WITHIN, DIFFERS, SKIPPED, IGNORED, UNVERIFIED)
_RANK = {IDENTICAL: 0, WITHIN: 1, DIFFERS: 2}

MAX_CELLS_RECORDED = 100  # differing cells kept in a diff record: differing cells first, the rest counted
MAX_FIGURES = 20  # image pairs per notebook whose pictures are kept in the record
# exact text representations, richest first; text/plain counts only when it is not a placeholder like <Figure …>
_RICHNESS = ("application/json", "text/latex", "text/markdown", "text/html", "image/svg+xml", "text/plain")
_PLACEHOLDER = re.compile(r"^<[^\n]*>$")


@dataclass(frozen=True)
class ImagePair:
    """Two images compared by pixels, kept so the record can show them and their difference."""

    part: int  # position in the cell's parts
    kind: str
    comparison: ImageComparison
    expected: str  # base64 payloads
    actual: str

    def to_json(self, figures: bool) -> dict[str, Any]:
        """Distance, tolerance and (when ``figures``) both pictures and a difference image as ``data:`` URIs."""
        shown = image_figures(self.expected, self.actual) if figures else {}
        return {"output": self.part, "kind": self.kind, "status": self.comparison.status,
                "distance": self.comparison.distance, "tolerance": self.comparison.tolerance,
                "message": self.comparison.message, **shown}


@dataclass(frozen=True)
class CellComparison:
    """One code cell: how its rerun output relates to the expected one, and why it differs."""

    index: int  # position in the expected notebook's ``cells``
    cell_id: str | None
    source: str
    status: str  # identical | within_tolerance | differs | skipped | ignored | unverified
    expected: tuple[Part, ...] = ()
    actual: tuple[Part, ...] = ()
    difference: Difference | None = None
    reason: str | None = None
    reason_detail: str | None = None
    images: tuple[ImagePair, ...] = ()
    notes: tuple[str, ...] = ()
    structure: str | None = None  # missing-output | extra-output when an output is absent on one side

    def to_json(self, figures: bool = True) -> dict[str, Any]:
        """As JSON: both outputs, the first difference, the reason and the compared images."""
        source = self.source if len(self.source) <= 500 else self.source[:500] + "…"
        return {
            "index": self.index,
            "cell_id": self.cell_id,
            "source": source,
            "status": self.status,
            "reason": self.reason,
            "reason_detail": self.reason_detail,
            "expected": [p.to_json() for p in self.expected],
            "actual": [p.to_json() for p in self.actual],
            "first_difference": self.difference.to_json() if self.difference else None,
            "images": [pair.to_json(figures) for pair in self.images],
        }


@dataclass(frozen=True)
class NotebookComparison:
    """Every code cell of a notebook compared, and the verdict."""

    cells: tuple[CellComparison, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """``reproduced``, ``within_tolerance`` or ``differs`` (unverified cells are not differences)."""
        statuses = {c.status for c in self.cells}
        if DIFFERS in statuses:
            return DIFFERS
        return WITHIN if WITHIN in statuses else REPRODUCED

    def counts(self) -> dict[str, int]:
        """How many cells ended in each status (``unverified`` only when there are some: older records lack it)."""
        counts = dict.fromkeys(STATUSES, 0)
        for cell in self.cells:
            counts[cell.status] += 1
        if not counts[UNVERIFIED]:
            del counts[UNVERIFIED]
        return counts

    def reasons(self) -> dict[str, int]:
        """How many differing cells per reason."""
        return count_reasons(c.reason for c in self.cells if c.status == DIFFERS)

    def to_json(self, against: str) -> dict[str, Any]:
        """The record kept with a run: counts, reasons, notes and the cells that are not identical (differing first)."""
        kept = [c for c in self.cells if c.status == DIFFERS] + [c for c in self.cells if c.status == WITHIN]
        recorded = sorted(kept[:MAX_CELLS_RECORDED], key=lambda c: c.index)
        figures = _first_with_images(recorded)
        return {
            "against": against,
            "verdict": self.verdict,
            "counts": self.counts(),
            "reasons": self.reasons(),
            "cells": [c.to_json(figures=id(c) in figures) for c in recorded],
            "omitted_cells": max(0, len(kept) - MAX_CELLS_RECORDED),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


def _first_with_images(cells: Sequence[CellComparison]) -> set[int]:
    """The cells whose pictures the record keeps: those of the first MAX_FIGURES image pairs."""
    kept: set[int] = set()
    pairs = 0
    for cell in cells:
        if cell.images and pairs < MAX_FIGURES:
            kept.add(id(cell))
            pairs += len(cell.images)
    return kept


def _groups(parts: Sequence[Part]) -> list[list[tuple[int, Part]]]:
    """Parts grouped by the output they came from, each with its position among the cell's parts."""
    groups: dict[int, list[tuple[int, Part]]] = {}
    for position, part in enumerate(parts):
        groups.setdefault(part.output, []).append((position, part))
    return list(groups.values())


@dataclass
class _Outcome:
    """What comparing a cell's outputs collects besides statuses: image pairs and notes."""

    images: list[ImagePair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    environment: str | None = None  # what changed in the environment since the expected outputs, if known


def _compare_part(position: int, e: Part, a: Part, tol: Tolerance, outcome: _Outcome) -> tuple[str, Difference | None]:
    if e.kind in IMAGE_TYPES:
        result = compare_images(e.payload, a.payload, tol.image)
        if result.resized and outcome.environment:  # another matplotlib/backend renders at other sizes
            result = replace(result, status=WITHIN, message=f"{e.kind} rendered at another size ({result.message}) "
                             f"after the environment changed ({outcome.environment}): not compared by pixels")
        if result.status != IDENTICAL or result.distance is None:
            outcome.images.append(ImagePair(position, e.kind, result, e.payload, a.payload))
        if not result.decoded:
            outcome.notes.append(result.message)
        if result.status == IDENTICAL:
            return IDENTICAL, None
        return result.status, Difference(position, e.kind, 1, e.text[:19], a.text[:19], note=result.message)
    for note in {e.note, a.note} - {None}:
        outcome.notes.append(f"{e.kind}: {note}")
    return compare_text(position, e.kind, e.text, a.text, tol)


def _deciding(group: Sequence[tuple[int, Part]]) -> str | None:
    """The richest exact text representation of one output, if it has one."""
    kinds = {part.kind: part for _, part in group}
    for kind in sorted(kinds, key=lambda k: _RICHNESS.index(k) if k in _RICHNESS else (0 if is_json(k) else 99)):
        if kind in IMAGE_TYPES or not (kind in _RICHNESS or is_json(kind)):
            continue
        if kind == "text/plain" and (_PLACEHOLDER.match(kinds[kind].text.strip()) or len(kinds) == 1):
            continue
        return kind
    return None


def _compare_group(e_group: Sequence[tuple[int, Part]], a_group: Sequence[tuple[int, Part]], tol: Tolerance,
                   outcome: _Outcome) -> tuple[str, Difference | None]:
    """One output: each representation compared; the richest exact text one decides when there are several."""
    results = {e.kind: _compare_part(position, e, a, tol, outcome)
               for (position, e), (_, a) in zip(e_group, a_group, strict=True)}
    deciding = _deciding(e_group) if len(results) > 1 else None
    if deciding is not None and results[deciding][0] != DIFFERS:
        others = [kind for kind, (status, _) in results.items() if kind != deciding and status != IDENTICAL]
        if not others:
            return results[deciding]
        worst = max(others, key=lambda kind: _RANK[results[kind][0]])
        if results[worst][0] == DIFFERS:
            first = results[worst][1]
            note = f"{worst} differs ({first.message if first else 'changed'}) but {deciding}, the richest exact " \
                   "representation, matched"
            return WITHIN, replace(first, note=note) if first else None
        return results[worst]
    if deciding is not None:
        return results[deciding]
    worst = max(results, key=lambda kind: _RANK[results[kind][0]])
    return results[worst]


def compare_cell(
    index: int,
    cell: Mapping[str, Any],
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    tolerance: Tolerance,
    sanitizers: Sequence[Sanitizer],
    environment: str | None = None,
) -> tuple[CellComparison, str | None]:
    """One code cell (``cell`` gives its markers and source) compared; with a warning about its tags, if any.

    ``environment`` describes what changed since the expected outputs were made (an image rendered at another
    size is then within tolerance, with a note, rather than a difference).
    """
    markers = cell_markers(cell)
    base = CellComparison(index=index, cell_id=cell.get("id"), source=source_text(cell), status=IDENTICAL)
    if markers.skip:
        return replace(base, status=SKIPPED), None
    if markers.ignore_output:
        return replace(base, status=IGNORED), None
    if never_executed(cell):
        return replace(base, status=UNVERIFIED), None
    tol, warning = cell_tolerance(cell, tolerance)
    if raw_outputs(expected) == raw_outputs(actual):  # the common case, decided before any sanitizing
        return base, warning
    exp, act = normalize_outputs(expected, sanitizers), normalize_outputs(actual, sanitizers)
    base = replace(base, expected=exp, actual=act)
    exp_groups, act_groups = _groups(exp), _groups(act)
    for e_group, a_group in zip(exp_groups, act_groups, strict=False):
        if [p.kind for _, p in e_group] != [p.kind for _, p in a_group]:
            return _mismatch(base, e_group[0][0], exp, act), warning
    if len(exp_groups) != len(act_groups):
        return _mismatch(base, min(len(exp), len(act)), exp, act), warning
    outcome = _Outcome(environment=environment)
    status, widest = IDENTICAL, None
    for e_group, a_group in zip(exp_groups, act_groups, strict=True):
        result, difference = _compare_group(e_group, a_group, tol, outcome)
        if result == DIFFERS and status != DIFFERS:
            status, widest = DIFFERS, difference
        elif result == WITHIN and status != DIFFERS and (
                widest is None or (difference is not None and (difference.relative or 0) > (widest.relative or 0))):
            status, widest = WITHIN, difference
    return replace(base, status=status, difference=widest, images=tuple(outcome.images),
                   notes=tuple(dict.fromkeys(outcome.notes))), warning


def _mismatch(base: CellComparison, position: int, exp: Sequence[Part], act: Sequence[Part]) -> CellComparison:
    """Name the output one side has and the other lacks (e.g. ``image/png output vs no image/png output``)."""
    e = exp[position].kind if position < len(exp) else None
    a = act[position].kind if position < len(act) else None
    structure = None
    if e is not None and e not in {p.kind for p in act[position:]}:
        difference, structure = Difference(position, e, 1, f"{e} output", f"no {e} output"), MISSING
    elif a is not None and a not in {p.kind for p in exp[position:]}:
        difference, structure = Difference(position, a, 1, f"no {a} output", f"{a} output"), EXTRA
    else:
        difference = Difference(position, e or a or "", 1, f"{e} output", f"{a} output")
    return replace(base, status=DIFFERS, difference=difference, structure=structure)


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
    changed: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> NotebookComparison:
    """Each code cell of ``expected`` (saved, or a first run) against the same cell of ``actual`` (the rerun).

    ``changed``: packages (or ``python``) whose version changed since the expected outputs were made, for the
    ``environment`` reason.
    """
    exp_cells, act_cells = _code_cells(expected), _code_cells(actual)
    notes: list[str] = []
    warnings: list[str] = []
    if len(exp_cells) != len(act_cells):
        notes.append(f"the expected notebook has {len(exp_cells)} code cells, the rerun {len(act_cells)}")
    results: list[CellComparison] = []
    environment = "; ".join(f"{name} {before or '(absent)'} → {after or '(absent)'}"
                            for name, (before, after) in sorted((changed or {}).items())[:3]) or None
    for (index, cell), (_, rerun) in zip(exp_cells, act_cells, strict=False):
        result, warning = compare_cell(index, cell, cell.get("outputs", []), rerun.get("outputs", []),
                                       tolerance, sanitizers, environment)
        results.append(result)
        notes += [f"cell {index + 1}: {note}" for note in result.notes]
        if warning:
            warnings.append(f"cell {index + 1}: {warning}")
    for index, cell in exp_cells[len(act_cells):]:
        results.append(_unmatched(index, cell, "a code cell", "no cell", MISSING))
    for index, cell in act_cells[len(exp_cells):]:
        results.append(_unmatched(index, cell, "no cell", "a code cell", EXTRA))
    unverified = sum(c.status == UNVERIFIED for c in results)
    if unverified:
        notes.append(f"{unverified} code cell{'s were' if unverified > 1 else ' was'} never executed in the saved "
                     "notebook: executed, not compared (unverified); compare two fresh runs with --twice")
    # The lint's `unseeded-random` rule decides which cells draw from a generator nobody seeded.
    random_cells = {f.cell for f in unseeded_random([source_text(cell) for _, cell in exp_cells])}
    context = ReasonContext(changed=dict(changed or {}),
                            random_cells=frozenset(exp_cells[i][0] for i in random_cells))
    return NotebookComparison(cells=tuple(_with_reason(c, context) for c in results), notes=tuple(notes),
                              warnings=tuple(warnings))


def _with_reason(cell: CellComparison, context: ReasonContext) -> CellComparison:
    if cell.status != DIFFERS:
        return cell
    image = next((pair.comparison.message for pair in cell.images if pair.comparison.status == DIFFERS), None)
    reason = classify(cell.index, cell.expected, cell.actual, cell.difference, structure=cell.structure,
                      image_message=image, context=context)
    return replace(cell, reason=reason.code, reason_detail=reason.detail)


def _unmatched(index: int, cell: Mapping[str, Any], expected: str, actual: str, structure: str) -> CellComparison:
    return CellComparison(index=index, cell_id=cell.get("id"), source=source_text(cell), status=DIFFERS,
                          difference=Difference(0, "cell", 1, expected, actual), structure=structure)
