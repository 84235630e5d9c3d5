"""A lint report as SARIF 2.1.0, the format code-scanning UIs (GitHub, GitLab, VS Code's SARIF viewer) read.

Notebook findings point at the ``.ipynb`` file with the cell named in the message and in a logical
location (``notebook.ipynb/cell 3``); ``region.startLine`` is the line within the cell's source, which
SARIF has no place for otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .catalog import RULE_IDS, RULES
from .engine import LintReport
from .finding import Finding

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVELS = {"info": "note", "warning": "warning", "error": "error"}
ROOT = "PROJECTROOT"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }


def _result(finding: Finding) -> dict[str, Any]:
    where = f"cell {finding.cell + 1}: " if finding.cell is not None else ""
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": finding.path, "uriBaseId": ROOT}}}
    if finding.line is not None:
        location["physicalLocation"]["region"] = {"startLine": finding.line}
    if finding.cell is not None:
        location["logicalLocations"] = [{"name": f"cell {finding.cell + 1}",
                                         "fullyQualifiedName": f"{finding.path}/cell {finding.cell + 1}",
                                         "kind": "module"}]
    properties: dict[str, Any] = {"fix": finding.fix}
    if finding.cell is not None:
        properties["cell"] = finding.cell
    if finding.cell_id:
        properties["cellId"] = finding.cell_id
    return {
        "ruleId": finding.rule,
        "ruleIndex": RULE_IDS.index(finding.rule),
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{where}{finding.message}. Fix: {finding.fix}"},
        "locations": [location],
        "partialFingerprints": {"lifecycleLabFinding/v1": finding.id},
        "properties": properties,
    }


def to_sarif(report: LintReport, project: Path | None = None, version: str = "0") -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log with one run (paths relative to ``project``, the ``PROJECTROOT`` base)."""
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "lifecycle-lab lint", "version": version,
                            "rules": [_rule(rule_id) for rule_id in RULE_IDS]}},
        "results": [_result(f) for f in report.findings],
        "columnKind": "unicodeCodePoints",
    }
    if project is not None:
        run["originalUriBaseIds"] = {ROOT: {"uri": project.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
