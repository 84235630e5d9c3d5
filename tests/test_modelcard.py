"""The model card export: a Hugging Face card from the example project, read back by huggingface_hub itself."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub as hub  # the test extra installs it (extra [modelcard])
import pytest
from conftest import ROOT, cli_env

from lifecycle_lab.report import export_project, import_project
from lifecycle_lab.report.modelcard import NEEDED
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store

EXAMPLES = ROOT / "example_notebooks"
SECTIONS = ("Intended use", "Out-of-scope use", "Limitations and risks", "Training data", "Evaluation",
            "Reproducibility", "Governance")
AT = "2026-12-06T09:00:00Z"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in these tests may reach the Hub."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def example(tmp_path: Path) -> Iterator[tuple[Lifecycle, Project]]:
    """The example project as its shipped state describes it, in a fresh store."""
    folder = Path(shutil.copytree(EXAMPLES, tmp_path / "example", ignore=shutil.ignore_patterns("runs", "models")))
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    service = Lifecycle(store)
    import_project(service, (folder / ".lifecycle" / "state.json").read_bytes())
    yield service, service.open_project(folder, actor="auditor")
    store.close()


def card_of(service: Lifecycle, project: Project, tmp_path: Path) -> tuple[str, object]:
    """The exported card's text and huggingface_hub's ModelCard loaded from the written README.md."""
    content = export_project(service, project, "model-card", generated_by="auditor", generated_at=AT).content
    path = tmp_path / "README.md"
    path.write_bytes(content)
    return content.decode("utf-8"), hub.ModelCard.load(path)


def section(text: str, title: str) -> str:
    """The body of one ``## title`` section."""
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_model_card_of_the_example_project_is_read_back_by_huggingface_hub(
        example: tuple[Lifecycle, Project], tmp_path: Path) -> None:
    service, project = example
    text, card = card_of(service, project, tmp_path)
    data = card.data
    assert data.model_name == "Credit default model"
    assert data.datasets == ["loans"]
    assert set(data.metrics) == {"brier", "expected_calibration_error"}
    results = data.eval_results
    brier = {r.dataset_config: r for r in results if r.metric_type == "brier"}
    assert set(brier) == {"overall", "18-29", "30-44", "45-59", "60+"}  # one result per segment
    overall = brier["overall"]
    assert overall.metric_value == pytest.approx(0.10764451069994738)
    assert "95% CI [0.0944445, 0.122283]" in overall.metric_name and "n=1000" in overall.metric_name
    assert overall.dataset_type == "loans" and overall.dataset_revision.startswith("f24e766241")
    assert overall.task_type == "other"  # not recorded, and said so in the card
    assert data.license is None and "set `model_card.license` in lifecycle.yaml" in text
    assert data.to_dict()["lifecycle_lab"]["project"] == project.id


def test_every_section_is_filled_or_marked_as_needing_a_person(
        example: tuple[Lifecycle, Project], tmp_path: Path) -> None:
    service, project = example
    text, _ = card_of(service, project, tmp_path)
    for title in SECTIONS:
        body = section(text, title)
        assert body.strip(), title
    assert "Estimate the probability that a personal-loan applicant defaults" in section(text, "Intended use")
    out_of_scope = section(text, "Out-of-scope use")
    assert out_of_scope.strip() == f"{NEEDED} (record where the model must not be used on " \
                                   "`product/deployment-boundaries`)"
    assert "Creditworthy applicants declined" in section(text, "Limitations and risks")
    training = section(text, "Training data")
    assert "f24e766241781ca541eeb6e2f7b795c5fcecf5e80b8931bec2b978e89d541e74" in training
    assert "data/loans.csv" in training and "4000 × 15" in training and "class\\_weight" in training
    evaluation = section(text, "Evaluation")
    assert "| 18-29 | 0.146277 | \\[0.111312, 0.188027\\] | 168 |" in evaluation
    assert "Expected calibration error:** 0.0226909" in evaluation
    reproducibility = section(text, "Reproducibility")
    last_run = service.store.list_runs(project.id, 1)[0]["id"]  # the shipped state's latest rerun
    assert f"**{last_run}**: verdict **differs**" in reproducibility
    assert "| nondeterministic.ipynb | differs |" in reproducibility and "Python:** 3." in reproducibility
    governance = section(text, "Governance")
    assert "| Framing | model-owner | approve | amara |" in governance
    assert "| Data | data-steward | approve | ben |" in governance and "outdated" in governance
    head = service.store.verify_chain(project.id).head
    assert f"head `{head}`" in governance


def test_unfilled_project_marks_every_section_and_invents_nothing(
        service: Lifecycle, project: Project, tmp_path: Path) -> None:
    text, card = card_of(service, project, tmp_path)
    assert card.data.eval_results is None and card.data.datasets is None
    for title in SECTIONS[:-1]:
        assert NEEDED in section(text, title), title
    assert "`framing/failure-modes`" in section(text, "Limitations and risks")
    assert "`validation/segment-performance`" in section(text, "Evaluation")
    assert "no rerun recorded" in section(text, "Reproducibility")
    assert "no sign-off recorded yet" in section(text, "Governance")


def test_recorded_card_facts_and_user_text_are_escaped(service: Lifecycle, project: Project,
                                                       tmp_path: Path) -> None:
    manifest = project.directory / "lifecycle.yaml"
    manifest.write_text(manifest.read_text() + "model_card:\n  license: apache-2.0\n"
                        "  task_type: tabular-classification\n  tags: [credit]\n", encoding="utf-8")
    project = service.open_project(project.directory, actor="alice")
    evil = "<script>alert(1)</script> [link](javascript:x) # not a heading"
    service.set_item(project, "product/deployment-boundaries", {"evidence": {"text": evil}}, actor="alice")
    service.set_item(project, "validation/segment-performance", {"evidence": {
        "metric": "auc", "confidence": 0.9,
        "results": [{"segment": "<b>all</b>", "value": 0.8, "ci_low": 0.75, "ci_high": 0.85, "n": 200}]}},
        actor="alice")
    text, card = card_of(service, project, tmp_path)
    assert card.data.license == "apache-2.0" and card.data.pipeline_tag == "tabular-classification"
    assert "credit" in card.data.tags and "License:" not in text
    [result] = card.data.eval_results
    assert result.task_type == "tabular-classification" and result.dataset_config == "<b>all</b>"
    assert result.metric_name == "auc on segment <b>all</b>, 90% CI [0.75, 0.85], n=200"
    assert result.dataset_type == "unrecorded"
    out_of_scope = section(text, "Out-of-scope use")
    assert "<script>" not in text.split("---", 2)[2] and "\\<script\\>" in out_of_scope
    assert "\\[link\\](javascript:x)" in out_of_scope and "\\# not a heading" in out_of_scope


def test_cli_writes_the_model_card_named_readme(example: tuple[Lifecycle, Project], tmp_path: Path) -> None:
    service, project = example
    done = subprocess.run(
        [sys.executable, "-m", "lifecycle_lab.cli", "export", "--format", "model-card", "-o", "README.md",
         "--generated-at", AT], cwd=project.directory, capture_output=True, text=True, timeout=120,
        env=cli_env(service.store.url, LIFECYCLE_LAB_USER="auditor", HF_HUB_OFFLINE="1"))
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"wrote README\.md \(model-card, [\d,]+ bytes\)\n", done.stdout)
    card = hub.ModelCard.load(project.directory / "README.md")
    assert len(card.data.eval_results) == 10


def test_missing_huggingface_hub_is_one_line_naming_the_extra(
        example: tuple[Lifecycle, Project], tmp_path: Path) -> None:
    service, project = example
    blocker = tmp_path / "nohub"
    (blocker / "huggingface_hub").mkdir(parents=True)
    (blocker / "huggingface_hub" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = cli_env(service.store.url, LIFECYCLE_LAB_USER="auditor")
    env["PYTHONPATH"] = f"{blocker}:{env['PYTHONPATH']}"
    done = subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", "export", "--format", "model-card", "-o",
                           "-"], cwd=project.directory, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert done.stderr == ("jupyter lifecycle: error: the model card export needs huggingface_hub: "
                           "pip install 'lifecycle_lab[modelcard]'\n")

