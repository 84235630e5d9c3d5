"""The Annex IV layout of the example project: nine points with the right evidence, gaps marked, escaped, stable."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, cli_env, run_cli
from export_samples import pdf_text

from lifecycle_lab.report import annex_iv, export_project
from lifecycle_lab.report.annex_iv import POINTS
from lifecycle_lab.report.state import read_export
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store.transfer import import_state

WHEN = "2026-12-06T09:30:00Z"
PAYLOAD = "<script>alert(1)</script> *bold* #set text(red) $x$ [a](javascript:x) | ] \\ `tick`"


@pytest.fixture
def example(service: Lifecycle, tmp_path: Path) -> Project:
    """The shipped example project, imported into the test store from its committed state."""
    ignored = shutil.ignore_patterns("runs", "models", ".ipynb_checkpoints", "__pycache__")
    folder = Path(shutil.copytree(ROOT / "example_notebooks", tmp_path / "example_notebooks", ignore=ignored))
    import_state(service.store, read_export((folder / ".lifecycle" / "state.json").read_bytes()))
    return service.open_project(folder, actor="auditor")


def point(annex: dict[str, Any], number: int) -> dict[str, Any]:
    return annex["points"][number - 1]


def cells(item: dict[str, Any]) -> str:
    """All display text of an item's evidence blocks, joined."""
    return json.dumps(item["evidence"], ensure_ascii=False)


def test_the_nine_points_carry_the_evidence_that_serves_them(example: Project, service: Lifecycle) -> None:
    annex = annex_iv(service, example, generated_by="auditor", generated_at=WHEN)
    assert [(p["number"], p["title"]) for p in annex["points"]] == [(n, t) for n, (t, _) in POINTS.items()]
    items = {n: {i["key"]: i for i in point(annex, n)["items"]} for n in POINTS}
    # 1: the problem statement recorded by 01-framing.ipynb
    assert "personal-loan applicant defaults within 12 months" in cells(items[1]["framing/problem-statement"])
    # 2: the dataset with its fingerprint, metrics with confidence intervals, the rerun and its verdicts
    assert '"f24e76624178"' in cells(items[2]["data/dataset-versions"])
    assert "[0.0944445, 0.122283]" in cells(items[2]["validation/segment-performance"])
    rerun = items[2]["experimentation/reproducibility-rerun"]
    assert '"differs"' in cells(rerun) and not rerun["satisfied"]
    assert point(annex, 2)["records"][0]["columns"][:2] == ["Notebook", "Verdict"]
    # 3 and 5: the failure modes; 4: the objective metric, the only point the example completes
    assert "Creditworthy applicants declined" in cells(items[3]["framing/failure-modes"])
    assert "framing/failure-modes" in items[5]
    assert point(annex, 4)["status"] == "complete" and point(annex, 4)["missing"] == []
    # 6: the sign-offs, the outdated one flagged, and the audit chain's head
    chain, signoffs = point(annex, 6)["records"]
    assert chain["rows"] == [["verifies", "50", annex["audit"]["head"]]]
    assert [row[:3] + row[-1:] for row in signoffs["rows"]] == [
        ["Framing", "model-owner", "approve", "no"], ["Data", "data-steward", "approve", "yes"]]
    # 9: the monitoring plan, still to do
    assert items[9]["governance/monitoring-plan"]["missing"] == "Monitoring plan is todo"


def test_every_point_that_needs_a_human_is_marked_missing(example: Project, service: Lifecycle) -> None:
    annex = annex_iv(service, example, generated_by="auditor", generated_at=WHEN)
    assert annex["complete"] is False
    assert annex["missing_points"] == [1, 2, 3, 5, 6, 7, 8, 9]
    for number in (7, 8):  # the default template has no item for standards or the declaration of conformity
        assert point(annex, number)["items"] == []
        assert point(annex, number)["missing"][0].startswith("no checklist item serves this point")
    for p in annex["points"]:
        open_items = [i for i in p["items"] if not i["satisfied"]]
        assert len(p["missing"]) == len(open_items) + (0 if p["items"] else 1)
        assert all(i["missing"] for i in open_items)


def test_markdown_html_and_pdf_show_the_points_and_the_gaps(example: Project, service: Lifecycle) -> None:
    md = export_project(service, example, "md", generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    html = export_project(service, example, "html", generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    pdf = export_project(service, example, "pdf", generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    assert md.filename == "credit-default-model-annex-iv-20261206.md" and pdf.media_type == "application/pdf"
    text = pdf_text(pdf.content)
    markdown = md.content.decode()
    page = html.content.decode()
    for number, (title, _) in POINTS.items():
        assert f"## {number}. {title}" in markdown
        assert f"{number}. {title}" in text
        assert f'<section id="point-{number}"><h2>{number}. {title} ' in page
    assert "MISSING in point(s) 1, 2, 3, 5, 6, 7, 8, 9" in text
    assert "**MISSING**: Monitoring plan is todo" in markdown
    assert "f24e76624178" in text and "[0.0944445, 0.122283]" in text
    assert "Creditworthy applicants declined" in text


def test_user_text_is_escaped_in_every_format(example: Project, service: Lifecycle) -> None:
    service.set_item(example, "framing/problem-statement", {"notes": PAYLOAD}, actor="auditor")
    md = export_project(service, example, "md", generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    html = export_project(service, example, "html", generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    pdf = export_project(service, example, "pdf", generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    markdown = md.content.decode()
    assert "<script>" not in markdown and r"\<script\>alert(1)\</script\> \*bold\* \#set" in markdown
    assert r"\[a\](javascript:x) \| \] \\ \`tick\`" in markdown
    page = html.content.decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; *bold* #set text(red)" in page
    assert PAYLOAD in pdf_text(pdf.content)  # typst got it as data, not markup: printed literally
    assert json.loads(export_project(service, example, "json", generated_by="auditor", generated_at=WHEN,
                                     layout="annex-iv").content)["points"][0]["items"][0]["notes"] == PAYLOAD


@pytest.mark.parametrize("fmt", ["pdf", "md", "html", "json"])
def test_the_annex_iv_export_is_deterministic(example: Project, service: Lifecycle, fmt: str) -> None:
    first = export_project(service, example, fmt, generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    second = export_project(service, example, fmt, generated_by="auditor", generated_at=WHEN, layout="annex-iv")
    assert first.content == second.content


ANNEX_TEMPLATE = """\
id: annex-fixture
version: "1"
title: Annex fixture
roles:
  - id: owner
    title: Owner
stages:
  - id: doc
    title: Documentation
    items:
{items}
"""


def test_the_gate_fails_while_a_point_is_missing_and_passes_once_all_nine_are_met(db_url: str, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    items = "".join(f"      - {{id: point-{n}, title: Point {n}, evidence: check, owner_role: owner, "
                    f"refs: [eu-ai-act-high-risk:annex-iv-{n}]}}\n" for n in range(1, 10))
    (templates / "annex.yaml").write_text(ANNEX_TEMPLATE.format(items=items))
    folder = tmp_path / "proj"
    folder.mkdir()
    env = cli_env(db_url, LIFECYCLE_LAB_TEMPLATE_PATH=str(templates), LIFECYCLE_LAB_USER="alice")

    def env_cli(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run_cli(args, cwd=cwd, env=env)

    assert env_cli(["init", "--template", "annex-fixture"], cwd=folder).returncode == 0
    for n in range(1, 9):
        assert env_cli(["set", f"doc/point-{n}", "--status", "done"], cwd=folder).returncode == 0
    blocked = env_cli(["gate", "--require", "annex-iv"], cwd=folder)
    assert blocked.returncode == 1
    assert "MISSING  Annex IV point 9: Post-market performance evaluation" in blocked.stdout
    assert "    Point 9 (doc/point-9): Point 9 is todo" in blocked.stdout
    assert env_cli(["set", "doc/point-9", "--status", "not_applicable", "--justification", "not on the market yet"],
                   cwd=folder).returncode == 0
    passed = env_cli(["gate", "--require", "annex-iv", "--format", "json"], cwd=folder)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert json.loads(passed.stdout)["passed"] is True
