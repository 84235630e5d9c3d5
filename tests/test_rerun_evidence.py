"""A finished run as checklist evidence, and when that evidence goes stale (real kernels, real store)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import nbformat.v4 as v4
import pytest
from rerun_support import processes_of_run, save_outputs, write_notebook

from lifecycle_lab.service import Lifecycle
from lifecycle_lab.service.runs import RunService

pytestmark = pytest.mark.kernel

RERUN_ITEM = "evaluation/reproducibility-rerun"
DATA_ITEM = "data/dataset-versions"


def test_a_notebook_edited_after_its_run_makes_the_rerun_item_stale(service: Lifecycle, project_dir: Path) -> None:
    path = save_outputs(write_notebook(project_dir / "train.ipynb", ["print(2 + 2)"]))
    project = service.init_project(project_dir, actor="alice", template="minimal")
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    assert run["verdict"] == "reproduced"
    evidence = service.store.item(project.id, RERUN_ITEM).evidence
    assert evidence["notebooks"] == [{"path": "train.ipynb", "verdict": "reproduced",
                                      "sha256": run["notebooks"][0]["sha256"]}]
    assert RERUN_ITEM not in service.summary(project).stale

    save_outputs(path)  # executing and saving again changes outputs, not the code the run verified
    assert RERUN_ITEM not in service.summary(project).stale

    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(v4.new_code_cell("print('a new step')"))
    nbformat.write(nb, str(path))
    stale = service.summary(project).stale
    assert stale[RERUN_ITEM] == ["notebook train.ipynb changed after the rerun that verified it"]


def test_an_edited_dataset_is_reported_by_the_run_and_makes_the_data_items_stale(
    service: Lifecycle, project_dir: Path,
) -> None:
    data = project_dir / "loans.csv"
    data.write_text("id,amount\n1,100\n2,250\n")
    write_notebook(project_dir / "count.ipynb", ["import csv\nprint(len(list(csv.DictReader(open('loans.csv')))))"])
    save_outputs(project_dir / "count.ipynb")
    project = service.init_project(project_dir, actor="alice", template="minimal")
    version, _ = service.add_dataset(project, "loans.csv", name="loans", actor="alice")
    runs = RunService(service)

    first = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    assert first["verdict"] == "reproduced" and first["error"] is None
    assert [(c["name"], c["status"]) for c in first["data_checks"]] == [("loans", "ok")]
    assert service.store.item(project.id, RERUN_ITEM).evidence["datasets"] == [
        {"dataset": "loans", "version": 1, "fingerprint": version.sha256}
    ]

    data.write_text("id,amount\n1,100\n2,250\n3,75\n")
    second = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    assert second["data_checks"], (second["status"], second["error"])
    check = second["data_checks"][0]
    assert check["status"] == "changed" and check["sha256"] == version.sha256
    assert check["current_sha256"] != version.sha256
    assert "dataset loans changed" in second["error"]
    assert second["notebooks"][0]["verdict"] == "differs"  # it counted three rows this time
    stale = service.summary(project).stale
    assert stale[DATA_ITEM] == ["dataset loans changed since version 1 was recorded"]
    assert RERUN_ITEM not in stale  # the run saw the data as it is now
    assert service.store.item(project.id, RERUN_ITEM).evidence["datasets"] == [
        {"dataset": "loans", "fingerprint": check["current_sha256"]}
    ]
    assert second["environment_diff"] == {"against": first["id"], "changes": {}}


def test_waiting_for_a_run_returns_once_its_evidence_is_recorded_and_its_worker_is_gone(
    service: Lifecycle, project_dir: Path,
) -> None:
    save_outputs(write_notebook(project_dir / "train.ipynb", ["print(2 + 2)"]))
    project = service.init_project(project_dir, actor="alice", template="minimal")
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    assert run["status"] == "finished"
    assert processes_of_run(run["id"]) == []  # the worker closes the run with its evidence, then exits
    assert service.store.item(project.id, RERUN_ITEM).evidence["run_id"] == run["id"]
    assert service.store.events(project.id)[-1].action == "item.update"
