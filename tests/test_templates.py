"""Templates: the shipped ones validate; every kind of mistake is reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle_lab.errors import NotFound, TemplateError
from lifecycle_lab.templates import TemplateRegistry, builtin_template_dir, load_template, template_search_path

GOOD = """\
id: team
version: "1"
title: Team checklist
roles:
  - id: security
    title: Security
stages:
  - id: framing
    title: Framing
    items:
      - id: problem
        title: Problem
        evidence: problem_statement
        required: true
    gate:
      signoffs: [security]
"""


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(TemplateError) as info:
        load_template(path)
    return info.value.problems


@pytest.mark.parametrize("template_id", ["default", "minimal", "ml-test-score", "datasheet"])
def test_shipped_templates_validate(template_id: str) -> None:
    template = TemplateRegistry().get(template_id)
    assert template.id == template_id
    for item in template.items():
        assert item.title and item.guidance and item.why, item.key
        assert item.owner_role in template.role_ids(), item.key


def test_default_template_covers_every_lifecycle_stage() -> None:
    template = TemplateRegistry().get("default")
    stages = [s.id for s in template.stages]
    assert stages == ["framing", "data", "experimentation", "validation", "governance", "operations",
                      "deployment", "post-deployment", "product", "ethics", "improvement"]
    keys = {i.key for i in template.items()}
    for key in ["framing/problem-statement", "framing/failure-modes", "data/dataset-versions",
                "experimentation/reproducibility-rerun", "validation/segment-performance",
                "governance/monitoring-plan", "operations/incident-playbook", "deployment/staged-rollout",
                "post-deployment/retirement-criteria", "product/decision-log", "ethics/bias-audit",
                "improvement/checklist-review"]:
        assert key in keys
    assert template.item("experimentation/reproducibility-rerun").evidence == "rerun"
    assert set(template.stage("governance").gate.signoffs) == {"security", "legal", "product"}
    assert "product" in template.stage("product").gate.signoffs


def test_a_good_template_loads(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, GOOD))
    assert template.item("framing/problem").required
    assert template.stage("framing").gate.signoffs == ("security",)


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("title: Problem", "title: [Problem"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "invalid YAML" in problem
    line = int(problem.split(":")[1])
    assert line in (12, 13, 14)  # the unclosed flow sequence is reported where the parser gives up


def test_unknown_evidence_kind_names_field_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("evidence: problem_statement", "evidence: vibes"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:13: stages[0].items[0].evidence: unknown evidence kind 'vibes'")


def test_duplicate_item_id(tmp_path: Path) -> None:
    text = GOOD.replace("    gate:", "      - id: problem\n        title: Again\n        evidence: check\n    gate:")
    [problem] = problems_of(write(tmp_path, text))
    assert ":15: stages[0].items[1].id: duplicate item id 'problem'" in problem


def test_gate_with_unknown_role_and_unknown_item(tmp_path: Path) -> None:
    text = GOOD.replace("signoffs: [security]", "signoffs: [security, legal]\n      requires: [framing/nope]")
    problems = problems_of(write(tmp_path, text))
    assert any(":16: stages[0].gate.signoffs[1]: gate names unknown role 'legal'" in p for p in problems)
    assert any(":17: stages[0].gate.requires[0]: gate names unknown item 'framing/nope'" in p for p in problems)


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, GOOD.replace('version: "1"', 'version: "1"\nversion: "2"')))
    assert ":3: duplicate key 'version' (first at line 2)" in problem


def test_missing_required_field_is_reported_at_its_parent(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, GOOD.replace("        evidence: problem_statement\n", "")))
    assert ":11: stages[0].items[0]: 'evidence' is a required property" in problem


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("evidence: problem_statement", "evidence: vibes").replace("id: team", "id: Team!")
    assert len(problems_of(write(tmp_path, text))) == 2


def test_search_path_env_adds_folders_and_builtins_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, GOOD, "team.yaml")
    write(tmp_path, GOOD.replace("id: team", "id: default").replace("Team checklist", "Impostor"), "default.yaml")
    monkeypatch.setenv("LIFECYCLE_LAB_TEMPLATE_PATH", str(tmp_path))
    assert template_search_path()[0] == builtin_template_dir()
    registry = TemplateRegistry()
    assert registry.get("team").title == "Team checklist"
    assert registry.get("default").title != "Impostor"


def test_unknown_template_lists_the_known_ones() -> None:
    known = ("datasheet, default, eu-ai-act-deployer, eu-ai-act-high-risk, iso-42001, minimal, ml-test-score, "
             "nist-ai-rmf-genai, nist-ai-rmf")
    with pytest.raises(NotFound, match=f"known: {known}"):
        TemplateRegistry().get("nope")


def test_a_template_can_extend_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, """\
id: acme
version: "1"
title: ACME
extends: default
roles:
  - id: model-risk
    title: Model risk
stages:
  - id: governance
    title: Governance
    items:
      - id: model-risk-review
        title: Model risk committee review
        evidence: decision_log
        required: true
        owner_role: model-risk
    gate:
      signoffs: [security, legal, product, model-risk]
""", "acme.yaml")
    monkeypatch.setenv("LIFECYCLE_LAB_TEMPLATE_PATH", str(tmp_path))
    acme = TemplateRegistry().get("acme")
    default = TemplateRegistry().get("default")
    assert len(list(acme.items())) == len(list(default.items())) + 1
    assert "model-risk" in acme.stage("governance").gate.signoffs
    assert acme.item("governance/model-risk-review").owner_role == "model-risk"
