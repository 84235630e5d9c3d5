"""Inline suppression: ``# lifecycle: noqa[rule-id]`` on a finding's line, or the cell tag
``lifecycle:noqa=rule-id`` (without ``[…]`` or ``=…``, every rule)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .cells import Notebook
from .finding import Finding

_COMMENT = re.compile(r"#\s*lifecycle:\s*noqa(?:\[([^\]]*)\])?", re.IGNORECASE)
TAG = "lifecycle:noqa"


def _rules(text: str | None) -> set[str] | None:
    """The rule ids listed (None: every rule)."""
    if text is None:
        return None
    return {part.strip() for part in text.split(",") if part.strip()}


def _covers(rules: set[str] | None, rule: str) -> bool:
    return rules is None or rule in rules


def is_suppressed(finding: Finding, notebook: Notebook) -> bool:
    """Whether the finding's line carries a noqa comment for its rule, or its cell a noqa tag."""
    if finding.cell is None or finding.cell >= len(notebook.cells):
        return False
    cell = notebook.cells[finding.cell]
    for tag in cell.tags:
        if tag == TAG or (tag.startswith(TAG + "=") and _covers(_rules(tag[len(TAG) + 1:]), finding.rule)):
            return True
    if finding.line is None:
        return False
    match = _COMMENT.search(cell.source_line(finding.line))
    return bool(match) and _covers(_rules(match.group(1)), finding.rule)


def split_suppressed(findings: Sequence[Finding], notebook: Notebook) -> tuple[list[Finding], int]:
    """(the findings that stand, how many were suppressed)."""
    kept = [f for f in findings if not is_suppressed(f, notebook)]
    return kept, len(findings) - len(kept)
