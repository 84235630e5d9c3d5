"""Every widget in a real kernel under papermill, then the same notebook rerun headless (``LIFECYCLE_LAB_RERUN=1``).

``recorded_notebook`` leaves a project whose ``analysis.ipynb`` holds the
outputs of an interactive-style first run; ``jupyter lifecycle rerun`` is then
pointed at it as it stands: it reproduces, and the rerun writes only its run.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import cli_env

from lifecycle_lab.service import Lifecycle, Project

pytestmark = pytest.mark.kernel

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

CELLS = [
    ("markdown", "# Loan approval model\nEvery lifecycle widget, as a researcher would use them."),
    ("code", "import numpy as np\nimport pandas as pd\n\nimport lifecycle_lab as ll"),
    ("code", "statement = ll.problem_statement()\nstatement"),
    ("code", "# what the researcher types into the form, then Save\n"
             "statement.statement.value = 'Approve small personal loans without manual review.'\n"
             "statement.metric.value = 'accuracy'\n"
             "statement.target.value = '0.85'\n"
             "statement.baseline.value = '0.78'\n"
             "statement.save_button.click()"),
    ("code", "ll.failure_modes(pd.DataFrame({\n"
             "    'mode': ['Income misreported', 'Drift after rate changes'],\n"
             "    'likelihood': ['medium', 'high'], 'severity': ['high', 'medium'],\n"
             "    'mitigation': ['document checks', 'monthly recalibration'], 'owner': ['risk', 'ml']}))"),
    ("code", "ll.dataset('data/train.csv', name='train')"),
    ("code", "train = pd.read_csv('data/train.csv')\n"
             "params = {'learning_rate': 0.5, 'epochs': 300, 'seed': 7}\n"
             "ll.hyperparameters(params, source='analysis.ipynb')"),
    ("code", "X = train[['income', 'debt']].to_numpy()\n"
             "X = (X - X.mean(0)) / X.std(0)\n"
             "y = train['repaid'].to_numpy()\n"
             "w = np.zeros(2)\n"
             "for _ in range(params['epochs']):\n"
             "    p = 1 / (1 + np.exp(-(X @ w)))\n"
             "    w -= params['learning_rate'] * X.T @ (p - y) / len(y)\n"
             "print('weights:', np.round(w, 4))"),
    ("code", "ll.evaluate(y, p, segments=train['region'], n_boot=500, seed=0)"),
    ("code", "risk = ll.item('framing/risk-tier')\n"
             "risk.text.value = 'Tier 2: automated decisions, reversible on appeal'\n"
             "risk.owner.value = 'risk-office'\n"
             "risk.save_button.click()\n"
             "risk"),
    ("code", "ll.checklist()"),
]


@dataclass(frozen=True)
class RecordedNotebook:
    """A project whose notebook was run once (recording), as papermill left it."""

    project: Project
    notebook: Path
    db_url: str
    outputs: nbformat.NotebookNode


def write_training_data(path: Path, seed: int = 7) -> None:
    """A seeded loan table: income, debt, region and whether the loan was repaid."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = 1_500
    income = rng.normal(50, 15, n).round(1)
    debt = rng.normal(20, 8, n).round(1)
    region = rng.choice(["north", "south", "east"], n)
    repaid = (rng.random(n) < 1 / (1 + np.exp(-(0.08 * (income - 50) - 0.15 * (debt - 20))))).astype(int)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"income": income, "debt": debt, "region": region, "repaid": repaid}).to_csv(path, index=False)


def run_papermill(source: Path, target: Path, cwd: Path, db_url: str, **env: str) -> nbformat.NotebookNode:
    """Execute ``source`` into ``target`` with a real kernel, the way the rerun worker does (a separate process)."""
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(source), str(target), "--cwd", str(cwd), "--kernel", "python3",
         "--no-progress-bar", "--execution-timeout", "300"],
        env=cli_env(db_url, LIFECYCLE_LAB_USER="alice", **env), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return nbformat.read(target, as_version=4)


def text_outputs(notebook: nbformat.NotebookNode) -> list[list[tuple[str, str]]]:
    """Per code cell: its streams and the text/plain of its results, as a rerun comparison sees them."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.outputs:
            if output.output_type == "stream" and texts and texts[-1][0] == output.name:
                texts[-1] = (output.name, texts[-1][1] + output.text)  # coalesced: chunking varies run to run
            elif output.output_type == "stream":
                texts.append((output.name, output.text))
            elif output.output_type in ("display_data", "execute_result"):
                texts.append(("text/plain", output.data.get("text/plain", "")))
            else:
                texts.append((output.output_type, f"{output.get('ename')}: {output.get('evalue')}"))
        cells.append(texts)
    return cells


def dump(db_url: str) -> list[str]:
    """Every row of the SQLite store, as SQL text."""
    with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
        return list(conn.iterdump())


@pytest.fixture
def recorded_notebook(tmp_path: Path, db_url: str, service: Lifecycle) -> RecordedNotebook:
    """A default-template project with ``data/train.csv`` and ``analysis.ipynb`` run once, recording everything."""
    directory = tmp_path / "loans"
    directory.mkdir()
    project = service.init_project(directory, actor="alice", name="Loans", notebooks=["analysis.ipynb"])
    write_training_data(directory / "data" / "train.csv")
    source = tmp_path / "analysis-source.ipynb"
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    notebook.cells = [nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
                      for kind, text in CELLS]
    nbformat.write(notebook, source)
    target = directory / "analysis.ipynb"
    outputs = run_papermill(source, target, directory, db_url)
    return RecordedNotebook(project, target, db_url, outputs)


def test_every_widget_records_from_a_real_kernel(recorded_notebook: RecordedNotebook, service: Lifecycle) -> None:
    project = recorded_notebook.project
    items = service.store.items(project.id)
    expected = {
        "framing/problem-statement": "statement",
        "framing/objective-metric": "text",
        "framing/failure-modes": "rows",
        "data/dataset-versions": "versions",
        "experimentation/hyperparameter-records": "params",
        "validation/segment-performance": "results",
        "validation/calibration": "calibration",
        "framing/risk-tier": "text",
    }
    for key, field in expected.items():
        assert field in (items[key].evidence or {}), key
        assert items[key].updated_by == "alice"
    assert items["framing/problem-statement"].evidence["target"] == 0.85
    assert items["framing/risk-tier"].owner == "risk-office"
    assert service.store.dataset_versions(project.id, "train")[0].rows == 1500
    assert service.store.verify_chain(project.id).ok
    texts = text_outputs(recorded_notebook.outputs)
    assert not [t for cell in texts for t in cell if t[0] in ("error",)]
    assert texts[1] == [("text/plain", "lifecycle_lab problem statement form "
                                       "(framing/problem-statement, framing/objective-metric)")]
    assert texts[4][0][1].startswith("dataset 'train' (data/train.csv): version 1, sha256 ")
    assert texts[5][0][1].endswith(", as recorded\n")
    assert texts[7][0][1].startswith("accuracy by segment (95% CI, percentile bootstrap, 500 resamples")
    displays = [o for c in recorded_notebook.outputs.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type in ("display_data", "execute_result")]
    assert len(displays) == 7 and all(WIDGET_VIEW in o.data for o in displays)


def test_a_headless_rerun_writes_nothing_and_prints_the_same_text(
    recorded_notebook: RecordedNotebook, tmp_path: Path,
) -> None:
    before = dump(recorded_notebook.db_url)
    rerun = run_papermill(recorded_notebook.notebook, tmp_path / "rerun.ipynb", recorded_notebook.notebook.parent,
                          recorded_notebook.db_url, LIFECYCLE_LAB_RERUN="1")
    assert dump(recorded_notebook.db_url) == before
    assert text_outputs(rerun) == text_outputs(recorded_notebook.outputs)
    ids = [o.data[WIDGET_VIEW]["model_id"] for nb in (rerun, recorded_notebook.outputs) for c in nb.cells
           if c.cell_type == "code" for o in c.outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(set(ids)) == len(ids)  # widget model ids are new every run: the comparison must ignore them


def test_a_rerun_reports_a_dataset_edited_since_it_was_recorded(
    recorded_notebook: RecordedNotebook, tmp_path: Path, service: Lifecycle,
) -> None:
    data = recorded_notebook.notebook.parent / "data" / "train.csv"
    recorded = service.store.dataset_versions(recorded_notebook.project.id, "train")[0]
    write_training_data(data, seed=8)
    rerun = run_papermill(recorded_notebook.notebook, tmp_path / "rerun.ipynb", recorded_notebook.notebook.parent,
                          recorded_notebook.db_url, LIFECYCLE_LAB_RERUN="1")
    dataset_cell = text_outputs(rerun)[4]
    assert dataset_cell[0][1].startswith(
        f"dataset 'train' (data/train.csv): CHANGED since version 1 was recorded (sha256 {recorded.sha256[:12]}, now ")
    assert text_outputs(rerun)[4] != text_outputs(recorded_notebook.outputs)[4]
    assert len(service.store.dataset_versions(recorded_notebook.project.id, "train")) == 1


def rerun_cli(recorded: RecordedNotebook) -> tuple[subprocess.CompletedProcess[str], dict]:
    """``jupyter lifecycle rerun --json`` as a real process in the project folder, against the test store."""
    done = subprocess.run(
        [sys.executable, "-m", "lifecycle_lab.cli", "rerun", "--json"], cwd=recorded.notebook.parent,
        env=cli_env(recorded.db_url, LIFECYCLE_LAB_USER="ci"), capture_output=True, text=True, timeout=600,
    )
    assert done.stdout.startswith("{"), done.stdout + done.stderr
    return done, json.loads(done.stdout)


def test_the_widget_notebook_reproduces_under_the_rerun_and_writes_only_the_run(
    recorded_notebook: RecordedNotebook, service: Lifecycle,
) -> None:
    project, store = recorded_notebook.project, service.store
    items, signoffs = store.items(project.id), store.signoffs(project.id)
    datasets, since = store.dataset_versions(project.id), store.last_seq(project.id)
    rerun_items = [spec.key for spec in project.template.items() if spec.evidence == "rerun"]
    rerun_before = {key: store.item(project.id, key).to_json() for key in rerun_items}

    done, run = rerun_cli(recorded_notebook)

    assert (done.returncode, run["status"], run["verdict"]) == (0, "finished", "reproduced"), done.stdout[-4000:]
    notebook = run["notebooks"][0]
    assert (notebook["path"], notebook["verdict"], notebook["diffs"]["counts"]["differs"]) == (
        "analysis.ipynb", "reproduced", 0)
    assert notebook["diffs"]["counts"]["identical"] == len([c for c in CELLS if c[0] == "code"])
    assert [(c["name"], c["status"]) for c in run["data_checks"]] == [("train", "ok")]
    events = store.events(project.id, since=since)
    assert [(e.action, e.target, e.actor) for e in events] == [
        ("run.create", run["id"], "ci"), ("run.finish", run["id"], "ci"),
        *[("item.update", key, "ci") for key in rerun_items]]
    for event in events[2:]:  # the evidence update sets the evidence (and todo → in progress), nothing else
        before, after = rerun_before[event.target], event.after
        assert after["evidence"]["run_id"] == run["id"] and after["evidence"]["verdict"] == "reproduced"
        assert {k for k in after if after[k] != before.get(k)} == {
            "evidence", "status", "version", "updated_by", "updated_at"}
        assert (before["status"], after["status"]) == ("todo", "in_progress")
    after_items = store.items(project.id)
    assert {k: v for k, v in after_items.items() if k not in rerun_items} == {
        k: v for k, v in items.items() if k not in rerun_items}
    assert store.signoffs(project.id) == signoffs and store.dataset_versions(project.id) == datasets
    assert store.verify_chain(project.id).ok


def test_a_rerun_of_the_widget_notebook_reports_an_edited_dataset_and_makes_it_stale(
    recorded_notebook: RecordedNotebook, service: Lifecycle,
) -> None:
    project = recorded_notebook.project
    recorded = service.store.dataset_versions(project.id, "train")[0]
    assert "data/dataset-versions" not in service.summary(project).stale
    write_training_data(recorded_notebook.notebook.parent / "data" / "train.csv", seed=8)

    done, run = rerun_cli(recorded_notebook)

    assert done.returncode == 1 and run["status"] == "finished"
    check = run["data_checks"][0]
    assert (check["name"], check["version"], check["status"]) == ("train", 1, "changed")
    assert check["sha256"] == recorded.sha256 != check["current_sha256"]
    assert "dataset train changed" in run["error"]
    assert service.summary(project).stale["data/dataset-versions"] == [
        "dataset train changed since version 1 was recorded"]
    assert service.store.dataset_versions(project.id, "train") == [recorded]  # reported, not re-recorded
