"""``jupyter lifecycle lint`` and ``jupyter lifecycle dataset discover``: exit statuses, formats, evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from lint_cases import CASES, build_project
from test_lint_sarif import SCHEMA

ROOT = Path(__file__).resolve().parent.parent
PICK = ("rng-unseeded", "data-unregistered", "data-registered", "define-later")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A project with four fixture notebooks: unseeded draws, an unregistered CSV, a registered one, a NameError."""
    return build_project(tmp_path / "proj", cases=[c for c in CASES if c.name in PICK], template="default")


def test_lint_prints_a_table_and_fails_on_warnings_by_default(cli, folder: Path) -> None:
    done = cli(["lint"], cwd=folder)
    assert done.returncode == 1, done.stderr
    assert "rng-unseeded.ipynb" in done.stdout and "cell 1 line 2" in done.stdout
    assert "unseeded-random" in done.stdout and "use-before-define" in done.stdout
    assert "error" in done.stdout.lower()


def test_fail_on_sets_the_severity_that_fails(cli, folder: Path) -> None:
    assert cli(["lint", "rng-unseeded.ipynb", "--fail-on", "error"], cwd=folder).returncode == 0
    assert cli(["lint", "rng-unseeded.ipynb", "--fail-on", "warning"], cwd=folder).returncode == 1
    assert cli(["lint", "define-later.ipynb", "--fail-on", "error"], cwd=folder).returncode == 1


def test_json_and_sarif_formats(cli, folder: Path) -> None:
    done = cli(["lint", "--format", "json"], cwd=folder)
    report = json.loads(done.stdout)
    assert report["counts"]["error"] == 1 and {f["rule"] for f in report["findings"]} == {
        "unseeded-random", "unregistered-data", "use-before-define"}
    sarif = json.loads(cli(["lint", "--format", "sarif"], cwd=folder).stdout)
    assert list(Draft4Validator(SCHEMA).iter_errors(sarif)) == []
    assert len(sarif["runs"][0]["results"]) == len(report["findings"])


@pytest.mark.parametrize("args", [["lint", "missing.ipynb"], ["lint", "--format", "xml"],
                                  ["lint", "--fail-on", "fatal"], ["lint", "/etc/hosts"]])
def test_bad_input_exits_2_with_one_line(cli, folder: Path, args: list[str]) -> None:
    done = cli(args, cwd=folder)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.strip()


def test_record_makes_the_result_evidence_of_the_lint_items(cli, folder: Path) -> None:
    done = cli(["lint", "--record", "--fail-on", "error"], cwd=folder)
    assert done.returncode == 1 and "recorded on" in done.stdout
    status = json.loads(cli(["status", "--format", "json"], cwd=folder).stdout)
    lint_items = [k for k, v in status["items"].items() if v["evidence"] and "linted_at" in v["evidence"]]
    assert lint_items == ["experimentation/reproducibility-lint"]


def test_dataset_discover_lists_then_registers(cli, folder: Path) -> None:
    listed = cli(["dataset", "discover"], cwd=folder)
    assert listed.returncode == 0, listed.stderr
    assert "data/unregistered.csv" in listed.stdout and "pandas.read_csv" in listed.stdout
    assert "data/registered.csv" in listed.stdout  # registered nowhere in this store yet: offered too
    added = cli(["dataset", "discover", "--add"], cwd=folder)
    assert added.returncode == 0 and "recorded" in added.stdout
    assert "OK" in cli(["dataset", "verify"], cwd=folder).stdout
    again = cli(["dataset", "discover"], cwd=folder)
    assert "no unregistered data" in again.stdout


def test_example_project_fails_only_on_its_nondeterministic_notebook(cli, tmp_path: Path) -> None:
    project = tmp_path / "example"
    shutil.copytree(ROOT / "example_notebooks", project, ignore=shutil.ignore_patterns(".lifecycle", "models"))
    assert cli(["dataset", "add", "data/loans.csv", "--name", "loans"], cwd=project).returncode == 0
    done = cli(["lint", "--format", "json"], cwd=project)
    assert done.returncode == 1
    assert {f["path"] for f in json.loads(done.stdout)["findings"]} == {"nondeterministic.ipynb"}
    assert cli(["lint", "01-framing.ipynb", "02-data.ipynb", "03-train.ipynb", "04-evaluate.ipynb"],
               cwd=project).returncode == 0
