"""The Annex IV layout: the dossier arranged in the nine points of the EU AI Act's technical documentation.

``annex_iv_document`` turns a gathered report (``gather_report`` with the
``eu-ai-act-high-risk`` coverage) into plain JSON: for each point, what it asks
(in our words), the checklist items whose ``refs`` name it with their status and
evidence, the project's own records that belong there (reruns, sign-offs, the
audit chain), and a list of what is **missing**. A point is complete only when
at least one item serves it and every item serving it is satisfied by the gate's
rule; nothing is guessed or filled in on the user's behalf.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from .blocks import Block, notebooks_table, table

FRAMEWORK = "eu-ai-act-high-risk"
LAYOUT = "annex-iv"
# Point number → (title, what the point asks for), paraphrased from Annex IV of Regulation (EU) 2024/1689.
POINTS: dict[int, tuple[str, str]] = {
    1: ("General description of the AI system",
        "Intended purpose, provider and version; what the system interacts with; software, firmware and hardware; "
        "the forms in which it is released; the user interface and the instructions for use given to deployers."),
    2: ("Elements of the system and its development",
        "Development methods and third-party components; design choices and what the system optimises for; "
        "architecture and compute; the data (provenance, selection, labelling, cleaning); human oversight measures; "
        "pre-determined changes; validation and testing with metrics and signed test reports; cybersecurity."),
    3: ("Monitoring, functioning and control",
        "Capabilities and limits, accuracy overall and for the groups the system is used on; foreseeable unintended "
        "outcomes and risks; human oversight and output interpretation; input data specifications."),
    4: ("Appropriateness of the performance metrics",
        "Why the metrics used to judge the system suit it and its intended purpose."),
    5: ("Risk management system",
        "The risk management system run under Article 9: risks identified, estimated and evaluated, measures taken, "
        "residual risk accepted."),
    6: ("Changes through the lifecycle",
        "Relevant changes the provider made to the system over its lifecycle."),
    7: ("Standards applied",
        "Harmonised standards applied in full or in part, or the solutions adopted to meet the requirements without "
        "them, with any other standards and specifications used."),
    8: ("EU declaration of conformity",
        "A copy of the EU declaration of conformity (Article 47)."),
    9: ("Post-market performance evaluation",
        "The system for evaluating performance after release, including the post-market monitoring plan "
        "(Article 72)."),
}
NO_ITEM = ("no checklist item serves this point: add one (the eu-ai-act-high-risk template has one for every point) "
           "and record its evidence")


def _items_by_key(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["key"]: item for stage in doc["stages"] for item in stage["items"]}


def _project_records(number: int, doc: dict[str, Any]) -> list[Block]:
    """The project's own records that belong under a point, beyond the items' evidence."""
    if number == 2 and doc["reruns"]["notebooks"]:
        return [notebooks_table(doc["reruns"]["notebooks"])]
    if number == 6:
        audit = doc["audit"]
        blocks = [table(["Audit chain", "Events", "Head"],
                        [["verifies" if audit["verified"] else "BROKEN", audit["total"], audit["head"]]])]
        if doc["signoffs"]:
            blocks.append(table(["Stage", "Role", "Decision", "By", "At", "Comment", "Outdated"], [
                [s["stage_title"], s["role"], s["decision"], s["user"], s["at"], s["comment"], s["outdated"]]
                for s in doc["signoffs"]
            ]))
        return blocks
    return []


def _point(number: int, clause: dict[str, Any], items: dict[str, dict[str, Any]], doc: dict[str, Any]) -> dict:
    title, asks = POINTS[number]
    serving = []
    missing = [] if clause["items"] else [NO_ITEM]
    for standing in clause["items"]:
        item = items[standing["key"]]
        if not standing["satisfied"]:
            missing.append(f"{item['title']} ({item['key']}): {standing['unmet']}")
        serving.append({
            "key": item["key"], "title": item["title"], "status": item["status"], "required": item["required"],
            "satisfied": standing["satisfied"], "missing": standing["unmet"], "owner": item["owner"],
            "evidence_kind": item["evidence_kind"], "notes": item["notes"], "justification": item["justification"],
            "stale": item["stale"], "updated_by": item["updated_by"], "updated_at": item["updated_at"],
            "evidence": item["evidence"],
        })
    return {"number": number, "clause": clause["id"], "title": title, "asks": asks,
            "status": "missing" if missing else "complete", "missing": missing, "items": serving,
            "records": _project_records(number, doc)}


def annex_iv_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The Annex IV layout of a gathered report whose ``coverage`` includes the eu-ai-act-high-risk table."""
    coverage = next((c for c in doc["coverage"] if c["id"] == FRAMEWORK), None)
    if coverage is None:
        raise ValidationError(f"layout {LAYOUT!r} needs the {FRAMEWORK!r} coverage in the gathered report",
                              field="layout")
    clauses = {c["id"]: c for c in coverage["clause_status"]}
    items = _items_by_key(doc)
    points = [_point(number, clauses[f"annex-iv-{number}"], items, doc) for number in POINTS]
    audit = doc["audit"]
    return {
        "layout": LAYOUT,
        "generator": doc["generator"],
        "generated_at": doc["generated_at"],
        "generated_by": doc["generated_by"],
        "project": doc["project"],
        "template": doc["template"],
        "framework": {k: coverage[k] for k in ("id", "title", "version", "document", "url", "checked")},
        "complete": all(point["status"] == "complete" for point in points),
        "missing_points": [point["number"] for point in points if point["status"] == "missing"],
        "points": points,
        "audit": {"verified": audit["verified"], "total": audit["total"], "head": audit["head"]},
    }
