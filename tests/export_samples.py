"""Samples for the export tests and benchmark: a fully filled project, a template of any size, a PDF's text.

Everything is written through the service and the store API, as a user and the
rerun worker would. ``text`` is woven into every free-text field, so a payload
of markup metacharacters reaches each place a format has to escape.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import yaml

from lifecycle_lab.domain import ItemSpec
from lifecycle_lab.evidence import KINDS
from lifecycle_lab.service import Lifecycle, Project


def pdf_text(content: bytes) -> str:
    """All text of a PDF, whitespace collapsed (line and cell breaks become single spaces).

    A line broken after a hyphen in a narrow cell ("reviewer-model-⏎owner") is joined again.
    """
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


STATUSES = ("done", "in_progress", "blocked", "todo", "not_applicable")
NOTEBOOKS = ("train.ipynb", "evaluate.ipynb")


def sample_evidence(spec: ItemSpec, text: str, dataset_refs: list[dict[str, Any]]) -> Any:
    """Valid evidence of the item's kind, with ``text`` in each free-text field."""
    kind = spec.evidence
    if kind == "text":
        return {"text": f"{spec.title} answered: {text}"}
    if kind == "problem_statement":
        return {"statement": f"Flag risky loans {text}", "objective_metric": f"AUC {text}", "target": 0.8,
                "baseline": 0.71, "constraints": f"latency under 50 ms {text}"}
    if kind == "failure_modes":
        return {"rows": [
            {"mode": f"Data drift {i} {text}", "impact": f"wrong approvals {text}", "likelihood": "medium",
             "severity": "high", "mitigation": f"monthly revalidation {i} {text}", "owner": f"fm-owner-{i} {text}"}
            for i in range(3)
        ]}
    if kind == "datasets":
        return {"versions": dataset_refs}
    if kind == "hyperparameters":
        return {"params": {"learning_rate": 0.05, "max_depth": 6, "tag": text}, "source": f"train.ipynb {text}"}
    if kind == "metrics":
        return {
            "metric": f"AUC {text}", "confidence": 0.95, "method": "bootstrap", "n_boot": 1000,
            "results": [
                {"segment": f"all {text}", "value": 0.8312, "ci_low": 0.8101, "ci_high": 0.8523, "n": 12000},
                {"segment": "age under 25", "value": 0.7904, "ci_low": 0.7511, "ci_high": 0.8297, "n": 1400},
            ],
            "calibration": {"ece": 0.031, "bins": [{"low": 0.0, "high": 0.5, "count": 600, "mean_predicted": 0.2,
                                                   "observed_rate": 0.21}]},
        }
    if kind == "rerun":
        return {"run_id": "run-3", "verdict": "reproduced", "finished_at": "2026-01-03T10:05:00Z",
                "notebooks": [{"path": nb, "verdict": "reproduced"} for nb in NOTEBOOKS]}
    if kind == "link":
        return {"url": "https://wiki.example.org/model-card", "title": f"Model card {text}"}
    if kind == "date":
        return {"date": "2026-06-30", "note": f"next review {text}"}
    if kind == "decision_log":
        return {"entries": [{"decision": f"Use gradient boosting {text}", "rationale": f"best AUC {text}",
                             "alternatives": f"logistic regression {text}", "by": f"dana {text}",
                             "at": "2026-01-05"}]}
    return None  # check


def add_runs(service: Lifecycle, project: Project, text: str = "", count: int = 3) -> list[str]:
    """``count`` finished reruns of both notebooks, the way the rerun worker records them."""
    store, ids = service.store, []
    for n in range(1, count + 1):
        run_id, at = f"run-{n}", f"2026-01-0{n}T10:00:00.000000Z"
        store.create_run(project.id, run_id, list(NOTEBOOKS), options={"timeout": 600}, twice=False,
                         actor="ci", at=at)
        store.update_run(run_id, status="running", started_at=at, worker_pid=4242, environment={
            "python": "3.11.7", "platform": "Linux-x86_64", "kernel": "python3",
            "git": {"commit": f"abc{n}def", "dirty": n == 3},
            "packages": {f"pkg{i}": f"1.{i}.{n}" for i in range(30)},
        })
        store.update_run_notebook(run_id, 0, status="finished", verdict="reproduced", cells_done=12, cells_total=12,
                                  duration=3.25, sha256="a" * 64, started_at=at, finished_at=at, diffs=[])
        store.update_run_notebook(run_id, 1, status="finished", verdict="differs", cells_done=9, cells_total=9,
                                  duration=5.5, started_at=at, finished_at=at, diffs=[
                                      {"cell": 4, "first_difference": f"number 0.8312 became 0.8377 {text}",
                                       "saved": f"AUC 0.8312 {text}", "rerun": f"AUC 0.8377 {text}"},
                                  ])
        store.finish_run(run_id, actor="ci", at=f"2026-01-0{n}T10:05:00.000000Z", status="finished",
                         verdict="differs", environment_diff={"changed": {"pkg1": [f"1.1.{n - 1}", f"1.1.{n}"]}},
                         data_checks=[{"dataset": f"loans {text}", "version": 1, "status": "ok"}])
        ids.append(run_id)
    return ids


def fill_project(service: Lifecycle, project: Project, text: str = "", runs: int = 3) -> None:
    """Give every item a status, owner, due date, notes and evidence; record data, runs and sign-offs."""
    (project.directory / "loans.csv").write_text("id,amount\n1,100\n2,250\n", encoding="utf-8")
    version, _ = service.add_dataset(project, "loans.csv", name=f"loans {text}".strip(), actor="dana",
                                     link=False)
    refs = [{"dataset": version.name, "version": version.version, "fingerprint": version.sha256}]
    add_runs(service, project, text, runs)
    for i, spec in enumerate(project.template.items()):
        status = STATUSES[i % len(STATUSES)]
        changes: dict[str, Any] = {
            "status": status, "owner": f"owner-{i:03d} {text}".strip(), "due": f"2026-{1 + i % 12:02d}-15",
            "notes": f"Notes on {spec.key}: {text}\nsecond line {text}", "evidence": sample_evidence(spec, text, refs),
        }
        if status == "not_applicable":
            changes["justification"] = f"does not apply here {text}"
        service.set_item(project, spec.key, changes, actor="alice")
    for stage in project.template.stages:
        for role in stage.gate.signoffs:
            service.signoff(project, stage.id, role, "approve", actor=f"reviewer-{role}",
                            comment=f"approved by {role} {text}")
    first = project.template.stages[0]
    service.set_item(project, first.items[0].key, {"notes": f"changed after sign-off {text}"}, actor="alice")


def scaled_template(folder: Path, items: int, stages: int = 10) -> str:
    """Write a template with ``items`` items over ``stages`` stages, cycling every evidence kind; return its id."""
    template_id = f"scaled-{items}"
    roles = ["model-owner", "security"]
    data = {
        "id": template_id, "version": "1.0.0", "title": f"Scaled checklist ({items} items)",
        "roles": [{"id": r, "title": r.title()} for r in roles],
        "stages": [
            {"id": f"stage-{s}", "title": f"Stage {s}", "description": f"Synthetic stage {s}.",
             "items": [{"id": f"item-{s}-{i}", "title": f"Item {s}.{i}", "evidence": KINDS[(s + i) % len(KINDS)],
                        "required": i % 2 == 0}
                       for i in range(items // stages + (1 if s < items % stages else 0))],
             "gate": {"signoffs": [roles[s % 2]]}}
            for s in range(stages)
        ],
    }
    (folder / f"{template_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return template_id
