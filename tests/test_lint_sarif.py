"""``--format sarif``: the lint report validates against the official SARIF 2.1.0 schema (vendored in
tests/sarif/, see its README) and carries rule, level, file, cell and line of every finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from lint_cases import CASES, REGISTERED, build_project

from lifecycle_lab.lint import lint_project
from lifecycle_lab.lint.sarif import to_sarif
from lifecycle_lab.project import read_manifest

SCHEMA = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sarif(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = build_project(tmp_path_factory.mktemp("sarif") / "fixtures")
    return to_sarif(lint_project(read_manifest(project), registered=[REGISTERED]), project, version="1.2.3")


def test_sarif_validates_against_the_sarif_2_1_0_schema(sarif: dict) -> None:
    errors = sorted(Draft4Validator(SCHEMA).iter_errors(sarif), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert sarif["version"] == "2.1.0"


def test_schema_check_is_not_vacuous(sarif: dict) -> None:
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(Draft4Validator(SCHEMA).iter_errors(broken))


def test_every_expected_finding_is_a_sarif_result_with_rule_level_and_place(sarif: dict) -> None:
    run = sarif["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["properties"].get("cell"), r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"))
               for r in run["results"]}
    expected = {(rule, case.file, cell, line) for case in CASES for rule, cell, line in case.expected}
    assert results == expected
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
    assert run["originalUriBaseIds"]["PROJECTROOT"]["uri"].startswith("file:///")
