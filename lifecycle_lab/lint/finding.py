"""A lint finding and the severities findings are ranked by.

Pure data: every rule returns :class:`Finding` values; the front doors (CLI, REST,
sidebar, exports, SARIF) only format them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

SEVERITIES: tuple[str, ...] = ("info", "warning", "error")
"""Finding severities, lowest first; ``--fail-on`` takes one of them."""


def severity_rank(severity: str) -> int:
    """The position of ``severity`` in :data:`SEVERITIES` (higher is worse)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    """One reproducibility problem: which rule, how bad, where (file, cell, line), what and how to fix it.

    ``path`` is project-relative (a notebook, or the manifest for project-wide findings); ``cell`` is the cell's
    0-based position in the notebook (None for a project-wide finding); ``line`` is 1-based within the cell's
    source (None when the finding is about the whole cell). ``data`` carries rule-specific facts
    (e.g. the data file an ``unregistered-data`` finding is about).
    """

    rule: str
    severity: str
    path: str
    message: str
    fix: str
    cell: int | None = None
    line: int | None = None
    cell_id: str | None = None
    data: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        """A short stable id: the same finding in the same place keeps it across runs."""
        key = f"{self.rule}\0{self.path}\0{self.cell}\0{self.line}\0{self.message}"
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    @property
    def where(self) -> str:
        """``path``, ``path cell N`` or ``path cell N line L`` (cells and lines counted from 1)."""
        text = self.path
        if self.cell is not None:
            text += f" cell {self.cell + 1}"
        if self.line is not None:
            text += f" line {self.line}"
        return text

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        value: dict[str, Any] = {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "cell": self.cell,
            "cell_id": self.cell_id,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }
        if self.data:
            value["data"] = self.data
        return value


def sort_key(finding: Finding) -> tuple[Any, ...]:
    """Findings in reading order: by file, cell, line, then rule."""
    return (finding.path, -1 if finding.cell is None else finding.cell, finding.line or 0, finding.rule)
