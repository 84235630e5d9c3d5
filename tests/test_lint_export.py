"""Every export (PDF, Markdown, HTML, JSON) carries the project's lint findings, with user text escaped; ``lint``
evidence renders as counts and a findings table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from export_samples import pdf_text
from lint_cases import write_notebook

from lifecycle_lab.report import export_project
from lifecycle_lab.report.blocks import evidence_blocks
from lifecycle_lab.service import Lifecycle, Project

HOSTILE = "/home/<b>eve</b>/*x*|`y`.csv"


@pytest.fixture
def linted(service: Lifecycle, tmp_path: Path) -> Project:
    folder = tmp_path / "proj"
    folder.mkdir()
    write_notebook(folder / "train.ipynb", [(f"import pandas as pd\nloans = pd.read_csv('{HOSTILE}')", 1, []),
                                            ("import random\nrandom.random()", 2, [])])
    return service.init_project(folder, actor="alice", template="minimal", notebooks=["train.ipynb"])


def _export(service: Lifecycle, project: Project, fmt: str) -> bytes:
    return export_project(service, project, fmt, generated_by="auditor", generated_at="2026-12-06T01:00:00Z").content


def test_markdown_and_html_list_the_findings_escaped(service: Lifecycle, linted: Project) -> None:
    md = _export(service, linted, "md").decode()
    assert "## Reproducibility lint" in md
    section = md.split("## Reproducibility lint", 1)[1]
    assert "absolute\\-path" in section or "absolute-path" in section
    assert "unseeded\\-random" in section or "unseeded-random" in section
    assert "<b>" not in section and "\\*x\\*" in section
    html = _export(service, linted, "html").decode()
    assert "<h2>Reproducibility lint</h2>" in html and "&lt;b&gt;eve&lt;/b&gt;" in html and "<b>eve" not in html


def test_pdf_shows_the_findings_as_text(service: Lifecycle, linted: Project) -> None:
    text = pdf_text(_export(service, linted, "pdf"))
    section = text.split("Reproducibility lint", 1)[1]
    assert "absolute-path" in section and "unseeded-random" in section
    assert "<b>eve</b>" in section  # typeset literally: user text never becomes markup
    assert "train.ipynb" in section


def test_json_export_summary_carries_the_findings(service: Lifecycle, linted: Project) -> None:
    document = json.loads(_export(service, linted, "json"))
    lint = document["summary"]["lint"]
    assert {(f["rule"], f["cell"]) for f in lint["findings"]} >= {("absolute-path", 0), ("unseeded-random", 1)}
    assert HOSTILE in next(f["message"] for f in lint["findings"] if f["rule"] == "absolute-path")


def test_lint_evidence_renders_counts_and_findings() -> None:
    blocks = evidence_blocks("lint", {"linted_at": "2026-12-06T01:00:00Z", "counts": {"error": 1, "warning": 0},
                                      "findings": [{"rule": "use-before-define", "severity": "error",
                                                    "path": "a.ipynb", "cell": 2, "line": 4, "message": "`x` …"}]},
                             {})
    assert blocks[0]["rows"][:2] == [["Linted", "2026-12-06T01:00:00Z"], ["Errors", "1"]]
    assert blocks[1]["rows"] == [["a.ipynb", "3", "4", "use-before-define", "error", "`x` …"]]


def test_the_example_rerun_differences_are_explained_by_the_lint_in_the_dossier(cli, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "example_notebooks", tmp_path / "example_notebooks",
                    ignore=shutil.ignore_patterns("models"))
    imported = cli(["import", "--skip-existing", "--project", "example_notebooks",
                    "example_notebooks/.lifecycle/state.json"], cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "dossier.md"
    assert cli(["export", "--format", "md", "-o", str(out)], cwd=tmp_path / "example_notebooks").returncode == 0
    text = out.read_text(encoding="utf-8")
    reruns = text.split("## Reproducibility reruns", 1)[1].split("## Reproducibility lint")[0]
    explained = [line for line in reruns.splitlines() if "Explained by the lint" in line]
    assert len(explained) == 2  # the two cells of nondeterministic.ipynb that differ
    assert all("unseeded-random" in line and "draws from `rng`" in line.replace("\\", "") for line in explained)
