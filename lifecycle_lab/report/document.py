"""The report's document model: everything an export shows, gathered once so the formats never disagree.

``gather_report`` reads the project through the service and returns plain JSON
(strings, numbers, booleans, lists, objects). The PDF template receives it as
is; the Markdown and HTML writers walk the same structure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..clock import parse_utc
from ..domain import ItemSpec, Summary, latest_signoffs
from ..errors import LifecycleError, ValidationError
from ..scores import template_score
from ..service import DatasetCheck, DatasetVersion, Lifecycle, Project
from .blocks import evidence_blocks, lint_blocks, text
from .coverage import project_coverage
from .reruns import gather_reruns

AUDIT_EVENTS_SHOWN = 200


def parse_timestamp(value: str) -> dt.datetime:
    """An ISO 8601 time as an aware UTC datetime (naive times are taken as UTC); ValidationError otherwise."""
    try:
        return parse_utc(value)
    except ValueError:
        raise ValidationError(f"generated_at: {value!r} is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)",
                              field="generated_at") from None


DatasetIndex = dict[tuple[str, int], tuple[DatasetVersion, str]]


def _item(summary: Summary, spec: ItemSpec, versions: DatasetIndex, overdue: set[str]) -> dict[str, Any]:
    state = summary.states[spec.key]
    return {
        "key": spec.key,
        "title": spec.title,
        "required": spec.required,
        "evidence_kind": spec.evidence,
        "status": state.status,
        "owner": state.owner or "",
        "due": state.due.isoformat() if state.due else "",
        "overdue": spec.key in overdue,
        "stale": summary.stale.get(spec.key, []),
        "notes": state.notes,
        "justification": state.justification,
        "version": state.version,
        "updated_by": state.updated_by or "",
        "updated_at": state.updated_at or "",
        "evidence": evidence_blocks(spec.evidence, state.evidence, versions),
    }


def _dataset_index(service: Lifecycle, project: Project) -> tuple[DatasetIndex, list[DatasetCheck]]:
    """(dataset, version) → (recorded version, how it compares with the data now), and the checks."""
    checks = service.check_datasets(project)
    latest = {check.recorded.name: check for check in checks}
    index: DatasetIndex = {}
    for version in service.dataset_versions(project.id):
        check = latest.get(version.name)
        if check is not None and check.recorded.version == version.version:
            now = check.status
        else:
            now = f"superseded by version {check.recorded.version}" if check else "unknown"
        index[(version.name, version.version)] = (version, now)
    return index, checks


def _stages(project: Project, summary: Summary, versions: DatasetIndex) -> list[dict[str, Any]]:
    stages, overdue = [], set(summary.overdue)
    for stage in project.template.stages:
        gate = summary.gates[stage.id]
        keys = {item.key for item in stage.items}
        stages.append({
            "id": stage.id,
            "title": stage.title,
            "description": stage.description,
            "progress": summary.stages[stage.id].to_json(),
            "gate": {
                "passed": gate.passed,
                "signoffs": list(stage.gate.signoffs),
                "blockers": [b.to_json() for b in gate.blockers],
            },
            "overdue": [key for key in summary.overdue if key in keys],
            "items": [_item(summary, spec, versions, overdue) for spec in stage.items],
        })
    return stages


def _signoffs(project: Project, summary: Summary) -> list[dict[str, Any]]:
    titles = {stage.id: stage.title for stage in project.template.stages}
    latest = latest_signoffs(summary.signoffs)
    return [
        {
            "stage": s.stage,
            "stage_title": titles.get(s.stage, s.stage),
            "role": s.role,
            "decision": s.decision,
            "user": s.user,
            "at": s.at,
            "comment": s.comment,
            "outdated": s.id in summary.outdated_signoffs,
            "superseded": latest[(s.stage, s.role)].id != s.id,
        }
        for s in summary.signoffs
    ]


def _audit(service: Lifecycle, project: Project) -> dict[str, Any]:
    check = service.verify_chain(project.id)
    since = max(0, service.last_seq(project.id) - AUDIT_EVENTS_SHOWN)
    events = service.events(project.id, since=since)
    # The head (seq, hash, time) printed in every export anchors the chain outside the database (docs/audit.md):
    # the last event that verified; unverified as stored when the chain is keyed and this process has not the key.
    stored = service.chain_head(project.id) if check.refused else None
    head = (stored.seq, stored.hash, stored.at) if stored else (check.head_seq, check.head, check.head_at)
    return {
        "total": check.events,
        "shown": len(events),
        "head": head[1],
        "head_seq": head[0],
        "head_at": head[2] or "",
        "mode": check.describe(),
        "verified": check.ok,
        "status": "verifies" if check.ok else "NOT VERIFIED (keyed; no key here)" if check.refused else "BROKEN",
        "message": check.message,
        "events": [
            {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "target": e.target, "hash": e.hash[:16]}
            for e in events
        ],
    }


def _lint(service: Lifecycle, project: Project, checks: list[DatasetCheck]) -> dict[str, Any]:
    """The reproducibility lint of the project's notebooks now, with its display blocks (an unreadable notebook
    is reported in the section, not as a failed export)."""
    try:
        report = service.lint(project, datasets=checks).to_json()
    except LifecycleError as exc:
        return {"error": str(exc), "findings": [], "counts": {}, "blocks": [text(f"The lint could not run: {exc}")]}
    return {**report, "blocks": lint_blocks(report)}


def explain_differences(reruns: dict[str, Any], findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Each differing cell of the reruns with ``lint``: the lint findings in that cell that explain it ('' when
    none). A cell is matched by its id when both sides have one, else by its position."""
    for nb in reruns["notebooks"]:
        for cell in nb.get("differing", []):
            index, cell_id = int(cell["cell"]) - 1, cell.get("cell_id")
            cell["lint"] = "; ".join(
                f"{f['rule']}: {f['message']}" for f in findings
                if f["path"] == nb["path"] and f["cell"] is not None
                and (f["cell_id"] == cell_id if cell_id and f.get("cell_id") else f["cell"] == index))
    return reruns


def gather_report(
    service: Lifecycle, project: Project, *, generated_at: str, generated_by: str,
    frameworks: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Everything a report shows, as plain JSON; ``generated_at`` (ISO 8601) also fixes 'today' for overdue.

    ``coverage`` holds the coverage of ``frameworks`` (default: those the manifest lists; none when it lists none).
    """
    when = parse_timestamp(generated_at)
    versions, checks = _dataset_index(service, project)
    summary = service.summary(project, today=when.date(), datasets=checks)
    stages = _stages(project, summary, versions)
    record = project.record
    lint = _lint(service, project, checks)
    return {
        "generator": f"lifecycle_lab {__version__}",
        "generated_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_by": generated_by,
        "project": {
            "id": record.id,
            "name": record.name,
            "description": project.manifest.description,
            "path": record.path,
            "created_at": record.created_at,
            "created_by": record.created_by,
            "notebooks": list(project.manifest.notebooks),
        },
        "template": {"id": project.template.id, "title": project.template.title,
                     "version": project.template.version},
        "score": score.to_json() if (score := template_score(project.template, summary.states)) else None,
        "readiness": {
            "ready": summary.ready,
            "status": "ready" if summary.ready else "blocked",
            "progress": summary.overall.to_json(),
            "gates_passed": sum(gate.passed for gate in summary.gates.values()),
            "gates_total": len(summary.gates),
            "overdue": len(summary.overdue),
            "stale": len(summary.stale),
        },
        "stages": stages,
        "signoffs": _signoffs(project, summary),
        "reruns": explain_differences(gather_reruns(service, record.id, list(project.manifest.notebooks)),
                                      lint["findings"]),
        "lint": lint,
        "audit": _audit(service, project),
        "coverage": [result.to_json() for result in project_coverage(service, project, ids, summary=summary)]
        if (ids := list(project.manifest.frameworks if frameworks is None else frameworks)) else [],
    }
