"""Evidence and run data as neutral display blocks that every export format renders the same way.

A block is a JSON object with a ``type``: ``fields`` (label/value rows),
``table`` (columns and rows of cells), ``text`` (a paragraph) or ``link``
(``href`` is set only for schemes safe to make clickable). All values are
display strings, formatted once here so the PDF, Markdown and HTML agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..service import DatasetVersion

Block = dict[str, Any]
MISSING = "—"
MAX_CELL = 2_000  # a differing output or a stray blob is shown, not reproduced in full
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_COMPACT_AFTER = 12  # a mapping with more entries (e.g. installed packages) goes on one line


def show(value: Any) -> str:
    """One value as display text: numbers to 6 significant digits, None as a dash, JSON for containers."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def clip(text: str, limit: int = MAX_CELL) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def fields(rows: list[tuple[str, Any]]) -> Block:
    """Label/value rows, skipping absent values."""
    return {"type": "fields", "rows": [[label, show(value)] for label, value in rows if value not in (None, "")]}


def table(columns: list[str], rows: list[list[Any]]) -> Block:
    """A table of display strings."""
    return {"type": "table", "columns": columns, "rows": [[show(cell) for cell in row] for row in rows]}


def text(value: str) -> Block:
    """A paragraph of user text, shown literally."""
    return {"type": "text", "text": value}


def link(url: str, title: str | None = None) -> Block:
    """A URL or project path; clickable only for http(s) and mailto."""
    href = url if url.strip().lower().startswith(_SAFE_SCHEMES) else None
    return {"type": "link", "url": url, "title": title or url, "href": href}


def percent(progress: Mapping[str, Any]) -> str:
    """A progress object as ``done/applicable (percent%)``."""
    return f"{progress['done']}/{progress['applicable']} ({progress['percent']}%)"


def signoff_state(signoff: Mapping[str, Any]) -> str:
    """A sign-off's standing: ``OUTDATED`` (its stage changed since), ``superseded`` (a later one counts)
    or ``current``."""
    return "OUTDATED" if signoff["outdated"] else "superseded" if signoff["superseded"] else "current"


# --- the report's own tables, the same in Markdown and HTML -----------------------------------------


def score_table(score: Mapping[str, Any]) -> Block:
    """The template score by section."""
    return table(["Section", "Points", "Tests", "Done by hand", "Automated"],
                 [[s["title"], show(s["points"]), s["tests"], s["manual"], s["automated"]] for s in score["sections"]])


def coverage_table(coverage: list[Mapping[str, Any]]) -> Block:
    """Framework coverage: clauses served by satisfied items, by open items, not served, and the share satisfied."""
    return table(["Framework", "Clauses", "Satisfied", "Open", "Uncovered", "Satisfied %"],
                 [[f"{c['title']} ({c['id']})", c["clauses"], c["satisfied"], c["open"], c["uncovered"],
                   f"{c['percent']}%"] for c in coverage])


def blockers_table(blockers: list[Mapping[str, Any]]) -> Block:
    """Why a stage's gate is closed."""
    return table(["Blocker", "Target", "Why"], [[b["kind"].replace("_", " "), b["target"], b["message"]]
                                                for b in blockers])


def notebooks_table(notebooks: list[Mapping[str, Any]]) -> Block:
    """The latest rerun of each notebook, one row each."""
    return table(["Notebook", "Verdict", "Status", "Cells", "Duration", "Run", "Finished"], [
        [nb["path"], nb["verdict"], nb["status"], nb["cells"], nb["duration"], nb["run_id"], nb["finished_at"]]
        for nb in notebooks
    ])


def audit_table(audit: Mapping[str, Any]) -> Block:
    """The audit events shown, oldest first."""
    return table(["Seq", "At", "Actor", "Action", "Target", "Hash"], [
        [e["seq"], e["at"], e["actor"], e["action"], e["target"], e["hash"]] for e in audit["events"]
    ])


def _ci(row: Mapping[str, Any]) -> str:
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is None and high is None:
        return MISSING
    return f"[{show(low)}, {show(high)}]"


def _problem_statement(value: Mapping[str, Any], _: Mapping[tuple[str, int], Any]) -> list[Block]:
    return [fields([
        ("Statement", value.get("statement")),
        ("Objective metric", value.get("objective_metric")),
        ("Target", value.get("target")),
        ("Baseline", value.get("baseline")),
        ("Constraints", value.get("constraints")),
    ])]


def _failure_modes(value: Mapping[str, Any], _: Mapping[tuple[str, int], Any]) -> list[Block]:
    keys = ["mode", "impact", "likelihood", "severity", "mitigation", "owner"]
    return [table([k.capitalize() for k in keys], [[row.get(k) for k in keys] for row in value.get("rows", [])])]


def _datasets(value: Mapping[str, Any], versions: Mapping[tuple[str, int], Any]) -> list[Block]:
    rows = []
    for ref in value.get("versions", []):
        known = versions.get((ref.get("dataset"), ref.get("version")))
        recorded: DatasetVersion | None = known[0] if known else None
        shape = f"{recorded.rows} × {recorded.columns}" if recorded and recorded.rows is not None else None
        rows.append([
            ref.get("dataset"), ref.get("version"), recorded.path if recorded else None, shape,
            recorded.size if recorded else None, (ref.get("fingerprint") or "")[:12] or None,
            f"{recorded.recorded_at} by {recorded.recorded_by}" if recorded else None,
            known[1] if known else "not in the store",
        ])
    return [table(["Dataset", "Version", "Path", "Rows × columns", "Bytes", "sha256", "Recorded", "Now"], rows)]


def _hyperparameters(value: Mapping[str, Any], _: Mapping[tuple[str, int], Any]) -> list[Block]:
    blocks = [table(["Parameter", "Value"], [[k, v] for k, v in (value.get("params") or {}).items()])]
    if value.get("source"):
        blocks.insert(0, fields([("Source", value["source"])]))
    return blocks


def _metrics(value: Mapping[str, Any], _: Mapping[tuple[str, int], Any]) -> list[Block]:
    confidence = value.get("confidence")
    blocks = [
        fields([
            ("Metric", value.get("metric")),
            ("Confidence", f"{show(confidence * 100)}%" if isinstance(confidence, int | float) else None),
            ("Method", value.get("method")),
            ("Bootstrap samples", value.get("n_boot")),
            ("Expected calibration error", (value.get("calibration") or {}).get("ece")),
        ]),
        table(["Segment", "Value", "Confidence interval", "n"],
              [[r.get("segment"), r.get("value"), _ci(r), r.get("n")] for r in value.get("results", [])]),
    ]
    bins = (value.get("calibration") or {}).get("bins") or []
    if bins:
        keys = ["low", "high", "count", "mean_predicted", "observed_rate"]
        blocks.append(table(["Bin low", "Bin high", "Count", "Mean predicted", "Observed rate"],
                            [[b.get(k) for k in keys] for b in bins]))
    return blocks


def _rerun(value: Mapping[str, Any], _: Mapping[tuple[str, int], Any]) -> list[Block]:
    blocks = [fields([("Run", value.get("run_id")), ("Verdict", value.get("verdict")),
                      ("Finished", value.get("finished_at"))])]
    if value.get("notebooks"):
        blocks.append(table(["Notebook", "Verdict", "sha256"],
                            [[nb.get("path"), nb.get("verdict"), (nb.get("sha256") or "")[:12] or None]
                             for nb in value["notebooks"]]))
    if value.get("datasets"):
        blocks.append(table(["Dataset", "Version", "Fingerprint"],
                            [[d.get("dataset"), d.get("version"), (d.get("fingerprint") or "")[:12]]
                             for d in value["datasets"]]))
    return blocks


def lint_findings_table(findings: list[Mapping[str, Any]]) -> Block:
    """Lint findings, one row each: where (notebook, cell, line counted from 1), rule, severity, message."""
    return table(["Notebook", "Cell", "Line", "Rule", "Severity", "Message"],
                 [[f.get("path"), None if f.get("cell") is None else f["cell"] + 1, f.get("line"), f.get("rule"),
                   f.get("severity"), clip(str(f.get("message", "")))] for f in findings])


def lint_blocks(value: Mapping[str, Any]) -> list[Block]:
    """A lint result (a report, or ``lint`` evidence): counts by severity, then its findings."""
    counts = value.get("counts") or {}
    blocks = [fields([("Linted", value.get("linted_at")), ("Errors", counts.get("error", 0)),
                      ("Warnings", counts.get("warning", 0)), ("Notes", counts.get("info", 0)),
                      ("Suppressed", value.get("suppressed"))])]
    if value.get("findings"):
        blocks.append(lint_findings_table(value["findings"]))
    return blocks


def _decision_log(value: Mapping[str, Any], _: Mapping[tuple[str, int], Any]) -> list[Block]:
    keys = ["decision", "rationale", "alternatives", "by", "at"]
    return [table(["Decision", "Rationale", "Alternatives", "By", "At"],
                  [[e.get(k) for k in keys] for e in value.get("entries", [])])]


_KINDS: dict[str, Callable[[Mapping[str, Any], Mapping[tuple[str, int], Any]], list[Block]]] = {
    "problem_statement": _problem_statement,
    "failure_modes": _failure_modes,
    "datasets": _datasets,
    "hyperparameters": _hyperparameters,
    "metrics": _metrics,
    "rerun": _rerun,
    "lint": lambda value, _: lint_blocks(value),
    "decision_log": _decision_log,
    "text": lambda value, _: [text(value.get("text", ""))] if value.get("text") else [],
    "link": lambda value, _: [link(value["url"], value.get("title"))] if value.get("url") else [],
    "date": lambda value, _: [fields([("Date", value.get("date")), ("Note", value.get("note"))])],
    "test": lambda value, _: [fields([("Mode", value.get("mode")), ("How", value.get("how")),
                                      ("Link", value.get("link")), ("Last run", value.get("last_run"))])],
}


def evidence_blocks(kind: str, value: Any, versions: Mapping[tuple[str, int], Any]) -> list[Block]:
    """Display blocks for one item's evidence.

    ``versions`` maps (dataset, version) to (DatasetVersion, what the data looks like now).
    Evidence that does not have its kind's shape (a hand-edited store) is shown as JSON, never dropped.
    """
    if value is None or kind == "check":
        return []
    render = _KINDS.get(kind)
    if render is not None and isinstance(value, Mapping):
        try:
            return render(value, versions)
        except (AttributeError, TypeError):
            pass
    return data_blocks(value)


def _flatten(value: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, item in value.items():
        label = f"{prefix}{key}"
        if isinstance(item, Mapping) and item and len(item) <= _COMPACT_AFTER:
            rows += _flatten(item, f"{label}.")
        elif isinstance(item, Mapping):
            rows.append((label, ", ".join(f"{k} {show(v)}" for k, v in item.items()) or None))
        elif isinstance(item, list) and all(not isinstance(x, Mapping | list) for x in item):
            rows.append((label, ", ".join(show(x) for x in item) or None))
        else:
            rows.append((label, item))
    return rows


def data_blocks(value: Any) -> list[Block]:
    """Any JSON value as blocks: a mapping as fields, a list of mappings as a table, anything else as text."""
    if value is None or value in ({}, []):
        return []
    if isinstance(value, Mapping):
        block = fields(_flatten(value))
        block["rows"] = [[label, clip(shown)] for label, shown in block["rows"]]
        return [block]
    if isinstance(value, list) and all(isinstance(row, Mapping) for row in value):
        columns: list[str] = []
        for row in value:
            columns += [str(k) for k in row if str(k) not in columns]
        block = table(columns, [[row.get(c) for c in columns] for row in value])
        block["rows"] = [[clip(cell) for cell in row] for row in block["rows"]]
        return [block]
    return [text(clip(show(value)))]
