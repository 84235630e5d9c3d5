"""Why a cell differs: one reason per differing cell, from its outputs, its notebook and the environment.

Pure. The reasons, in the order they are tried (the first that fits wins):
``missing-output``, ``extra-output``, ``environment`` (a package or the language
whose version changed is named in the differing output or traceback),
``error`` (an exception appeared, vanished or changed), ``randomness`` (the
cell or an earlier one draws from an unseeded generator, see ``randomness.py``),
``ordering`` (the same lines or items in another order), ``time``, ``path``,
``image`` (pixels beyond the image tolerance), ``number`` (beyond the tolerance,
with the relative difference) and ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .compare_text import Difference, percent

MISSING, EXTRA, ENVIRONMENT, ERROR, RANDOMNESS = "missing-output", "extra-output", "environment", "error", "randomness"
ORDERING, TIME, PATH, IMAGE, NUMBER, TEXT = "ordering", "time", "path", "image", "number", "text"
REASONS = (MISSING, EXTRA, ENVIRONMENT, ERROR, RANDOMNESS, ORDERING, TIME, PATH, IMAGE, NUMBER, TEXT)

# distributions whose import name differs from the distribution name, as tracebacks show them
_IMPORT_NAMES = {"scikit-learn": "sklearn", "pillow": "PIL", "pyyaml": "yaml", "opencv-python": "cv2",
                 "beautifulsoup4": "bs4", "python-dateutil": "dateutil", "tensorflow-cpu": "tensorflow"}
_TIME = re.compile(
    r"\d{1,2}:\d{2}|\b\d{4}-\d{2}-\d{2}\b|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\b(?:seconds?|minutes?|hours?|days?|ago|"
    r"elapsed|today|yesterday|<time>|<timestamp>|<duration>)\b", re.IGNORECASE)
_PATH = re.compile(r"(?:~|[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}|\b[\w.-]+\.(?:csv|parquet|json|ipynb|py|txt|pkl|h5)\b")
_BRACKETED = re.compile(r"[\[{(](.*)[\]})]", re.DOTALL)


class PartLike(Protocol):
    """What a reason needs of one compared output part (``compare.Part``)."""

    kind: str
    text: str
    payload: str


@dataclass(frozen=True)
class ReasonContext:
    """What a notebook's comparison knows beyond the outputs.

    ``changed`` maps a package (or ``python``) to its versions before and after, e.g. from the run's
    environment diff and the notebook's ``language_info``; ``random_cells`` are the indices of the cells that
    draw from an unseeded generator.
    """

    changed: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    random_cells: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Reason:
    """A reason code and a one-line detail for people."""

    code: str
    detail: str


def _names(package: str) -> set[str]:
    lowered = package.lower()
    return {lowered, lowered.replace("-", "_"), _IMPORT_NAMES.get(lowered, lowered).lower()}


def _environment(texts: Iterable[str], changed: Mapping[str, tuple[str | None, str | None]]) -> Reason | None:
    haystack = "\n".join(texts).lower()
    if not haystack:
        return None
    for package, (before, after) in sorted(changed.items()):
        if any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", haystack) for name in _names(package)):
            return Reason(ENVIRONMENT, f"{package} {before or '(absent)'} → {after or '(absent)'} since the "
                                       "compared run, and the output names it")
    return None


def _error(expected: Sequence[PartLike], actual: Sequence[PartLike]) -> Reason | None:
    before = [p.text for p in expected if p.kind == "error"]
    after = [p.text for p in actual if p.kind == "error"]
    if before == after:
        return None
    if after and not before:
        return Reason(ERROR, f"the rerun raised {after[0]}")
    if before and not after:
        return Reason(ERROR, f"the saved run raised {before[0]}, the rerun did not")
    return Reason(ERROR, f"{before[0]} became {after[0]}")


def _reordered(expected: str, actual: str) -> bool:
    """The same lines, or the same comma-separated items of a bracketed collection, in another order."""
    if expected == actual:
        return False
    lines_e, lines_a = expected.splitlines(), actual.splitlines()
    if len(lines_e) > 1 and sorted(lines_e) == sorted(lines_a):
        return True
    found_e, found_a = _BRACKETED.search(expected), _BRACKETED.search(actual)
    if not (found_e and found_a) or expected[:found_e.start()] != actual[:found_a.start()]:
        return False
    items_e = [i.strip() for i in found_e.group(1).split(",")]
    items_a = [i.strip() for i in found_a.group(1).split(",")]
    return len(items_e) > 1 and sorted(items_e) == sorted(items_a)


def _line(parts: Sequence[PartLike], difference: Difference) -> str:
    """The line of the output where the difference is (numbers alone do not say they are a date)."""
    if difference.output >= len(parts):
        return ""
    lines = parts[difference.output].text.splitlines()
    return lines[difference.line - 1] if 0 < difference.line <= len(lines) else ""


def classify(
    index: int,
    expected: Sequence[PartLike],
    actual: Sequence[PartLike],
    difference: Difference | None,
    *,
    structure: str | None,
    image_message: str | None,
    context: ReasonContext,
) -> Reason:
    """The reason cell ``index`` differs. ``structure`` is ``missing-output``/``extra-output`` when an output is
    absent on one side; ``image_message`` describes the image comparison when an image decided."""
    texts = [p.text + ("\n" + p.payload if p.kind == "error" else "") for p in [*expected, *actual]]
    if structure in (MISSING, EXTRA) and not any(p.kind == "error" for p in actual):
        what = difference.message if difference else "an output"
        return Reason(structure, what)
    found = _environment(texts, context.changed) if context.changed else None
    if found:
        return found
    found = _error(expected, actual)
    if found:
        return found
    if structure in (MISSING, EXTRA):
        return Reason(structure, difference.message if difference else "an output")
    drawing = sorted(i for i in context.random_cells if i <= index)
    if drawing:
        where = "this cell" if drawing[-1] == index else f"cell {drawing[-1] + 1}"
        return Reason(RANDOMNESS, f"{where} draws from a random generator that was not seeded")
    if (difference is not None and difference.output < min(len(expected), len(actual))
            and _reordered(expected[difference.output].text, actual[difference.output].text)):
        return Reason(ORDERING, "the same items in another order (set or dict iteration, an unsorted listing?)")
    if image_message:
        return Reason(IMAGE, image_message)
    if difference is None:
        return Reason(TEXT, "the outputs differ")
    excerpt = f"{difference.expected} {difference.actual} {_line(expected, difference)} {_line(actual, difference)}"
    if _TIME.search(excerpt):
        return Reason(TIME, "a date or time in the output changed")
    if _PATH.search(excerpt):
        return Reason(PATH, "a file path in the output changed")
    if difference.relative is not None:
        return Reason(NUMBER, f"{difference.expected} vs {difference.actual}, relative difference "
                              f"{percent(difference.relative)}")
    return Reason(TEXT, difference.message)


def count_reasons(codes: Iterable[str | None]) -> dict[str, int]:
    """How many cells per reason, in the documented order, leaving out reasons with none."""
    counts = dict.fromkeys(REASONS, 0)
    for code in codes:
        if code:
            counts[code] = counts.get(code, 0) + 1
    return {code: n for code, n in counts.items() if n}


def merge_reason_counts(counts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Several notebooks' reason counts added up (for a run)."""
    total: dict[str, int] = {}
    for one in counts:
        for code, n in (one or {}).items():
            total[code] = total.get(code, 0) + int(n)
    return {code: total[code] for code in [*REASONS, *sorted(set(total) - set(REASONS))] if code in total}
