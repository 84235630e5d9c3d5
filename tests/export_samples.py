"""Samples for the export tests and benchmark: a fully filled project, a template of any size, a PDF's text.

Everything is written through the service, as a user would, and the reruns are
real: ``RunService`` runs its worker process, papermill and a kernel on small
notebooks. ``text`` is woven into every free-text field and printed by a
differing cell, so a payload of markup metacharacters reaches each place a
format has to escape.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import yaml
from rerun_support import save_outputs, write_notebook

from lifecycle_lab.domain import ItemSpec
from lifecycle_lab.evidence import KINDS
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService
from lifecycle_lab.store import Store
from lifecycle_lab.templates import TemplateRegistry

BODY_BOTTOM_PT, BODY_TOP_PT = 1.9 / 2.54 * 72, 2.1 / 2.54 * 72  # report.typ's page margins: footer, header


def pdf_text(content: bytes, *, running: bool = False) -> str:
    """All text of a PDF, whitespace collapsed (line and cell breaks become single spaces).

    The running header and footer are left out (``running=True`` keeps them), so text that a page break
    splits reads as one. A line broken after a hyphen in a narrow cell ("reviewer-model-⏎owner") is joined again.
    """
    reader = pypdf.PdfReader(io.BytesIO(content))
    chunks: list[str] = []
    for page in reader.pages:
        top = float(page.mediabox.height) - BODY_TOP_PT

        def body(text: str, cm: list[float], tm: list[float], _font: Any, _size: Any, top: float = top) -> None:
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if running or BODY_BOTTOM_PT <= y <= top:
                chunks.append(text)

        page.extract_text(visitor_text=body)
        chunks.append(" ")
    text = re.sub(r"\s+", " ", "".join(chunks))
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


STATUSES = ("done", "in_progress", "blocked", "todo", "not_applicable")
TRAIN, EVALUATE, BROKEN = "train.ipynb", "evaluate.ipynb", "broken.ipynb"
NOTEBOOKS = (TRAIN, EVALUATE, BROKEN)
# Which notebooks each successive rerun covers: the latest rerun of each notebook comes from a different run.
RUN_PLAN = ((TRAIN, EVALUATE), (EVALUATE, BROKEN), (EVALUATE,))
RUN_TIMEOUT_S = 300


def sample_evidence(spec: ItemSpec, text: str, dataset_refs: list[dict[str, Any]]) -> Any:
    """Valid evidence of the item's kind, with ``text`` in each free-text field (None for ``check`` and ``rerun``)."""
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
    if kind == "lint":
        return {"linted_at": "2026-03-01T11:00:00Z", "counts": {"info": 0, "warning": 1, "error": 0},
                "findings": [{"rule": "unseeded-random", "severity": "warning", "path": "train.ipynb", "cell": 1,
                              "line": 2, "message": f"`np.random.rand()` draws from NumPy's global generator {text}"}]}
    if kind == "test":
        return {"mode": "automated" if len(spec.key) % 2 else "manual", "how": f"pytest -k {spec.id} {text}",
                "last_run": "2026-02-20"}
    if kind == "link":
        return {"url": "https://wiki.example.org/model-card", "title": f"Model card {text}"}
    if kind == "date":
        return {"date": "2026-06-30", "note": f"next review {text}"}
    if kind == "decision_log":
        return {"entries": [{"decision": f"Use gradient boosting {text}", "rationale": f"best AUC {text}",
                             "alternatives": f"logistic regression {text}", "by": f"dana {text}",
                             "at": "2026-01-05"}]}
    return None  # check, and rerun: its evidence is the real run the worker recorded


def write_notebooks(directory: Path, text: str = "") -> None:
    """The project's notebooks: one deterministic, one printing ``text`` beside a random number, one raising.

    The first two are saved with the outputs of a first execution (papermill, a real kernel), as a researcher
    saves a finished notebook; the raising one is saved without outputs.
    """
    label = f"AUC {text}".strip()
    write_notebook(directory / TRAIN, ["rows = [1, 2, 3]\nprint('rows:', sum(rows))", "{'auc': 0.8312}"])
    write_notebook(directory / EVALUATE, ["import random", f"print({label!r}, random.random())"])
    write_notebook(directory / BROKEN, ["x = 1", f"raise ValueError({f'bad input {text}'.strip()!r})"])
    save_outputs(directory / TRAIN)
    save_outputs(directory / EVALUATE)


def _git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=dana", "-c", "user.email=dana@example.org", *args], cwd=directory,
                   check=True, capture_output=True, timeout=60)


def record_runs(service: Lifecycle, project: Project, count: int) -> list[dict[str, Any]]:
    """``count`` real reruns (RunService, worker process, papermill, kernels) following RUN_PLAN.

    The project folder becomes a git checkout, committed before the second run, and ``loans.csv`` is edited
    for the second run only: that run records a git change and a changed dataset.
    """
    runs = RunService(service)
    _git(project.directory, "init", "-q")
    data = project.directory / "loans.csv"
    original = data.read_bytes()
    closed = []
    for n, notebooks in enumerate(RUN_PLAN[:count], start=1):
        if n == 2:
            _git(project.directory, "add", "-A")
            _git(project.directory, "commit", "-qm", "notebooks and data")
            data.write_bytes(original + b"3,75\n")
        run = runs.wait(runs.start(project, list(notebooks), actor="ci")["id"], timeout=RUN_TIMEOUT_S)
        assert not run["active"], f"run {run['id']} did not finish within {RUN_TIMEOUT_S} s"
        closed.append(run)
        if n == 2:
            data.write_bytes(original)
    return closed


def fill_project(service: Lifecycle, project: Project, text: str = "", runs: int = 2) -> Project:
    """Give every item a status, owner, due date, notes and evidence; record data, real reruns and sign-offs.

    The project's manifest must list NOTEBOOKS (``init_project(..., notebooks=list(NOTEBOOKS))``).
    """
    (project.directory / "loans.csv").write_text("id,amount\n1,100\n2,250\n", encoding="utf-8")
    version, _ = service.add_dataset(project, "loans.csv", name=f"loans {text}".strip(), actor="dana",
                                     link=False)
    refs = [{"dataset": version.name, "version": version.version, "fingerprint": version.sha256}]
    if runs:
        write_notebooks(project.directory, text)
        record_runs(service, project, runs)
    for i, spec in enumerate(project.template.items()):
        status = STATUSES[i % len(STATUSES)]
        changes: dict[str, Any] = {
            "status": status, "owner": f"owner-{i:03d} {text}".strip(), "due": f"2026-{1 + i % 12:02d}-15",
            "notes": f"Notes on {spec.key}: {text}\nsecond line {text}",
        }
        evidence = sample_evidence(spec, text, refs)
        if evidence is not None:
            changes["evidence"] = evidence
        if status == "not_applicable":
            changes["justification"] = f"does not apply here {text}"
        service.set_item(project, spec.key, changes, actor="alice")
    for stage in project.template.stages:
        for role in stage.gate.signoffs:
            service.signoff(project, stage.id, role, "approve", actor=f"reviewer-{role}",
                            comment=f"approved by {role} {text}")
    first = project.template.stages[0]
    service.set_item(project, first.items[0].key, {"notes": f"changed after sign-off {text}"}, actor="alice")
    return project


@dataclass(frozen=True)
class Sample:
    """A filled project in a store of its own (``db_url``), for tests that share one (module scope)."""

    service: Lifecycle
    project: Project
    db_url: str


def filled_sample(folder: Path, *, name: str = "Credit model", text: str = "", runs: int = 2,
                  template: str = "default", templates: TemplateRegistry | None = None) -> Sample:
    """A new store in ``folder`` holding one project on ``template``, filled by :func:`fill_project`."""
    db_url = f"sqlite:///{folder / 'store.sqlite'}"
    service = Lifecycle(Store(db_url), templates)
    directory = folder / "project"
    directory.mkdir()
    project = service.init_project(directory, actor="alice", template=template, name=name, notebooks=list(NOTEBOOKS))
    return Sample(service, fill_project(service, project, text, runs), db_url)


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
