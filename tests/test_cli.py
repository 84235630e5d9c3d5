"""``jupyter lifecycle`` end to end, as real processes in a temporary folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import tamper

EVIDENCE = {
    "scope/problem-statement": {"statement": "Flag risky loans", "objective_metric": "AUC", "target": 0.8},
    "scope/objective-metric": {"text": "AUC >= 0.80 on the 2026 holdout"},
    "scope/failure-modes": {"rows": [{"mode": "drift", "severity": "high", "mitigation": "monthly revalidation"}]},
    "data/data-usage-rights": {"text": "contract 42"},
    "evaluation/reproducibility-rerun": {"run_id": "r1", "verdict": "reproduced"},
    "evaluation/evaluation-metrics": {"metric": "auc", "results": [{"segment": "all", "value": 0.83,
                                                                   "ci_low": 0.81, "ci_high": 0.85}]},
    "review/prototype-decision": {"entries": [{"decision": "go", "rationale": "meets target"}]},
}


def test_init_set_signoff_gate_end_to_end(tmp_path: Path, cli) -> None:
    assert cli(["init", "--template", "minimal", "--name", "Loans"], cwd=tmp_path).returncode == 0

    blocked = cli(["gate"], cwd=tmp_path)
    assert blocked.returncode == 1
    assert "BLOCKED  Review" in blocked.stdout and "signoff_missing   model-owner" in blocked.stdout

    (tmp_path / "loans.csv").write_text("id,amount\n1,100\n")
    added = cli(["dataset", "add", "loans.csv", "--name", "loans"], cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "loans: recorded version 1" in added.stdout and "1 rows × 2 columns" in added.stdout
    for key, evidence in EVIDENCE.items():
        done = cli(["set", key, "--status", "done", "--evidence", json.dumps(evidence)], cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert cli(["set", "data/dataset-versions", "--status", "done", "--owner", "dana", "--due", "2030-01-01"],
               cwd=tmp_path).returncode == 0

    still = cli(["gate", "review"], cwd=tmp_path)
    assert still.returncode == 1 and "signoff_missing" in still.stdout
    signed = cli(["signoff", "review", "--role", "model-owner", "--approve", "--comment", "ship it"],
                 cwd=tmp_path, user="olga")
    assert signed.returncode == 0 and "approved by olga as model-owner" in signed.stdout

    passing = cli(["gate"], cwd=tmp_path)
    assert passing.returncode == 0, passing.stdout
    assert passing.stdout.count("PASS") == 4

    status = json.loads(cli(["status", "--format", "json"], cwd=tmp_path).stdout)
    assert status["ready"] and status["items"]["data/dataset-versions"]["owner"] == "dana"
    assert status["signoffs"][0]["user"] == "olga"

    audit = cli(["audit", "--verify"], cwd=tmp_path)
    assert audit.returncode == 0 and "audit chain verifies" in audit.stdout

    (tmp_path / "loans.csv").write_text("id,amount\n1,999\n")
    changed = cli(["dataset", "verify"], cwd=tmp_path)
    assert changed.returncode == 1 and "CHANGED  loans v1" in changed.stdout
    stale = cli(["gate", "data"], cwd=tmp_path)
    assert stale.returncode == 1 and "stale_evidence" in stale.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["set", "scope/problem-statement", "--status", "finished"], "status: 'finished' is not one of"),
    (["set", "scope/nope", "--status", "done"], "template 'minimal' has no item 'scope/nope'"),
    (["set", "scope/objective-metric", "--status", "not_applicable"], "justification: an item marked"),
    (["set", "scope/problem-statement", "--evidence", "{not json"], "--evidence: not valid JSON"),
    (["set", "scope/problem-statement", "--evidence", '{"statement": "s", "target": "high"}'],
     "evidence.target: 'high' is not of type 'number'"),
    (["set", "scope/problem-statement", "--due", "tomorrow"], "due: 'tomorrow' is not a date"),
    (["set", "scope/problem-statement"], "nothing to set"),
    (["signoff", "review", "--role", "legal", "--approve"], "role: 'legal' does not sign off stage 'review'"),
    (["signoff", "review", "--role", "model-owner", "--reject"], "a rejection needs a comment"),
    (["gate", "nope"], "has no stage 'nope'"),
    (["bogus"], "invalid choice: 'bogus'"),
])
def test_input_errors_exit_2_with_one_line_and_no_traceback(tmp_path: Path, cli, args: list[str],
                                                           message: str) -> None:
    assert cli(["init", "--template", "minimal"], cwd=tmp_path).returncode == 0
    result = cli(args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("jupyter lifecycle: error: ")


def test_outside_a_project_says_how_to_start_one(tmp_path: Path, cli) -> None:
    result = cli(["status"], cwd=tmp_path)
    assert result.returncode == 2 and "run `jupyter lifecycle init`" in result.stderr


def test_stale_expected_version_is_a_conflict(tmp_path: Path, cli) -> None:
    cli(["init", "--template", "minimal"], cwd=tmp_path)
    assert cli(["set", "scope/objective-metric", "--note", "a", "--expect-version", "0"], cwd=tmp_path).returncode == 0
    result = cli(["set", "scope/objective-metric", "--note", "b", "--expect-version", "0"], cwd=tmp_path)
    assert result.returncode == 1 and "conflict" in result.stderr


def test_templates_list_and_validate(tmp_path: Path, cli) -> None:
    listed = cli(["templates", "list"], cwd=tmp_path)
    assert listed.returncode == 0 and "default" in listed.stdout and "minimal" in listed.stdout
    root = Path(__file__).resolve().parent.parent / "templates"
    assert cli(["templates", "validate", str(root / "default.yaml")], cwd=tmp_path).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: '1'\ntitle: X\nstages:\n  - id: s\n    title: S\n    items:\n"
                   "      - {id: a, title: A, evidence: nonsense}\n")
    result = cli(["templates", "validate", str(bad)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:8: stages[0].items[0].evidence: unknown evidence kind 'nonsense'" in result.stderr


def test_audit_verify_names_the_tampered_event(tmp_path: Path, cli, db_url: str) -> None:
    import sqlite3

    cli(["init", "--template", "minimal"], cwd=tmp_path)
    cli(["set", "scope/objective-metric", "--note", "a"], cwd=tmp_path)
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE audit_events SET after = replace(after, '\"a\"', '\"b\"') WHERE seq = 2")
    result = cli(["audit", "--verify"], cwd=tmp_path)
    assert result.returncode == 1 and "BROKEN at event 2" in result.stdout


@pytest.mark.skipif(shutil.which("jupyter-lifecycle") is None, reason="package not installed")
def test_jupyter_finds_the_lifecycle_subcommand(tmp_path: Path) -> None:
    result = subprocess.run(["jupyter", "lifecycle", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and "signoff" in result.stdout


def test_a_database_failure_exits_2_with_one_line_and_no_traceback(tmp_path: Path, cli, db_url: str) -> None:
    assert cli(["init", "--template", "minimal"], cwd=tmp_path).returncode == 0
    tamper(db_url, "DROP TABLE items")
    result = cli(["status"], cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("jupyter lifecycle: error: database: ") and "items" in result.stderr
