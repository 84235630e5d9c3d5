"""Cell markers that tune a rerun: our ``lifecycle:*`` tags and those nbval, nbclient and papermill users have.

Pure: reads a cell's tags and source. Each marker means here what it means to
the tool that defined it (docs/rerun.md lists them):

- skip (not executed, not compared): ``lifecycle:skip``, ``skip-execution``
  (nbclient/papermill), ``nbval-skip`` and a ``# NBVAL_SKIP`` comment;
- ignore output (executed, not compared): ``lifecycle:ignore-output``,
  ``nbval-ignore-output`` and ``# NBVAL_IGNORE_OUTPUT``;
- check output (compared; as in nbval, between check and ignore markers the
  comments win over the tags and the last one wins): ``nbval-check-output`` and
  ``# NBVAL_CHECK_OUTPUT``;
- raises (an exception is expected, execution continues, compared by name and
  message): ``lifecycle:raises``, ``raises-exception`` (nbclient),
  ``nbval-raises-exception`` and ``# NBVAL_RAISES_EXCEPTION``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TAG_SKIP = "lifecycle:skip"
TAG_IGNORE = "lifecycle:ignore-output"
TAG_RAISES = "lifecycle:raises"
TAG_TOLERANCE = "lifecycle:tolerance="
INJECTED_TAG = "injected-parameters"  # papermill's cell holding the injected parameters
NBCLIENT_SKIP = "skip-execution"  # nbclient's default skip tag
NBCLIENT_RAISES = "raises-exception"  # the tag nbclient itself honours for cells allowed to fail

SKIP, IGNORE, CHECK, RAISES = "skip", "ignore", "check", "raises"
_TAGS = {
    TAG_SKIP: SKIP, NBCLIENT_SKIP: SKIP, "nbval-skip": SKIP,
    TAG_IGNORE: IGNORE, "nbval-ignore-output": IGNORE, "pytest-validate-ignore-output": IGNORE,
    "nbval-check-output": CHECK,
    TAG_RAISES: RAISES, NBCLIENT_RAISES: RAISES, "nbval-raises-exception": RAISES,
}
_COMMENTS = {
    "NBVAL_SKIP": SKIP, "NBVAL_IGNORE_OUTPUT": IGNORE, "PYTEST_VALIDATE_IGNORE_OUTPUT": IGNORE,
    "NBVAL_CHECK_OUTPUT": CHECK, "NBVAL_RAISES_EXCEPTION": RAISES,
}


def tags(cell: Mapping[str, Any]) -> list[str]:
    """A cell's tags (anything that is not a string ignored)."""
    found = (cell.get("metadata") or {}).get("tags") or []
    return [t for t in found if isinstance(t, str)] if isinstance(found, list) else []


def source_text(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    value = cell.get("source", "")
    return "".join(value) if isinstance(value, list) else str(value)


@dataclass(frozen=True)
class CellMarkers:
    """What a cell's markers ask of a rerun, and which markers said so (for messages)."""

    skip: bool = False
    ignore_output: bool = False
    raises: bool = False
    found: tuple[str, ...] = ()

    @property
    def compared(self) -> bool:
        """Whether the cell's outputs are compared at all."""
        return not (self.skip or self.ignore_output)


def cell_markers(cell: Mapping[str, Any]) -> CellMarkers:
    """The markers of one code cell, from its tags and from nbval's comment lines anywhere in its source.

    Check and ignore markers settle as nbval settles them: tags first, then comments, the last one wins.
    """
    found: list[tuple[str, str]] = [(_TAGS[tag], tag) for tag in tags(cell) if tag in _TAGS]
    source = source_text(cell)
    if "NBVAL_" in source or "PYTEST_VALIDATE_" in source:
        for line in source.splitlines():
            line = line.strip()
            if line.startswith("#"):
                comment = line.lstrip("#").strip()
                if comment in _COMMENTS:
                    found.append((_COMMENTS[comment], f"# {comment}"))
    kinds = {kind for kind, _ in found}
    checked = [kind for kind, _ in found if kind in (CHECK, IGNORE)]
    return CellMarkers(skip=SKIP in kinds, ignore_output=bool(checked) and checked[-1] == IGNORE,
                       raises=RAISES in kinds, found=tuple(name for _, name in found))


def never_executed(cell: Mapping[str, Any]) -> bool:
    """A code cell saved without an execution count and without outputs: there is nothing to compare it with."""
    return cell.get("execution_count") is None and not cell.get("outputs")
