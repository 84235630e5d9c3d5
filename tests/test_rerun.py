"""Rerun verdicts, with real papermill and a real ipykernel: one run over notebooks that each show one behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as v4
import pytest
from rerun_support import configure, save_outputs, write_notebook

from lifecycle_lab.service import Lifecycle
from lifecycle_lab.service.runs import RunService
from lifecycle_lab.store import Store

pytestmark = pytest.mark.kernel

NOTEBOOKS: dict[str, list[Any]] = {
    "deterministic.ipynb": ["total = sum(range(10))\nprint(total)", "{'total': total, 'mean': total / 10}"],
    "unseeded.ipynb": ["import random\nprint('accuracy', round(random.random(), 4))"],
    "noise.ipynb": ["import random\nprint(0.8312 + random.random() * 1e-12)"],
    "volatile.ipynb": [
        "print(object())",
        "import datetime\nprint('trained at', datetime.datetime.now())",
        "import tempfile\nprint('saved to', tempfile.mkdtemp())",
        "import time\nstart = time.perf_counter()\nprint(f'fit took {time.perf_counter() - start:.6f} s')",
    ],
    "params.ipynb": [
        ("alpha = 0.1\nlabel = 'default'", ["parameters"]),
        "print('alpha', alpha, 'label', label)",
        "import os\nprint('rerun flag', os.environ.get('LIFECYCLE_LAB_RERUN'))",
    ],
}
FAILING = ["x = 1", "y = x / 0", "print('never reached')"]
TAGGED = [
    ("raise ValueError('expected failure')", ["lifecycle:raises"]),
    ("raise SystemExit('a skipped cell must not run')", ["lifecycle:skip"]),
    ("import random\nprint(random.random())", ["lifecycle:ignore-output"]),
    "print('after')",
]


def _tagged_with_saved_outputs(path: Path) -> None:
    """The saved outputs Jupyter would keep for TAGGED (papermill itself refuses to save past an error)."""
    write_notebook(path, TAGGED)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[1].outputs = [v4.new_output("error", ename="ValueError", evalue="expected failure", traceback=[])]
    nb.cells[3].outputs = [v4.new_output("stream", name="stdout", text="0.123\n")]
    nb.cells[4].outputs = [v4.new_output("stream", name="stdout", text="after\n")]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    """One run over every notebook above, each saved with papermill first (the failing one without outputs)."""
    root = tmp_path_factory.mktemp("rerun")
    store = Store(f"sqlite:///{root / 'store.sqlite'}")
    service = Lifecycle(store)
    project_dir = root / "proj"
    project_dir.mkdir()
    for name, cells in NOTEBOOKS.items():
        save_outputs(write_notebook(project_dir / "nb" / name, cells))
    write_notebook(project_dir / "nb" / "failing.ipynb", FAILING)
    _tagged_with_saved_outputs(project_dir / "nb" / "tagged.ipynb")
    names = [*NOTEBOOKS, "failing.ipynb", "tagged.ipynb"]
    service.init_project(project_dir, actor="alice", template="minimal", notebooks=[f"nb/{n}" for n in names])
    configure(project_dir, parameters={"alpha": 0.5, "label": "from the manifest"})
    project = service.open_project(project_dir, actor="alice")
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=240)
    yield run, project_dir
    store.close()


def notebook(run: dict[str, Any], name: str) -> dict[str, Any]:
    return next(nb for nb in run["notebooks"] if nb["path"] == f"nb/{name}")


def cell(executed: Any, source: str) -> Any:
    """The executed notebook's cell with this source (papermill's injected cell shifts positions)."""
    return next(c for c in executed.cells if c.source == source)


def test_run_finishes_with_the_worst_verdict(finished_run: tuple[dict[str, Any], Path]) -> None:
    run, _ = finished_run
    assert run["status"] == "finished" and run["verdict"] == "failed"
    assert run["progress"]["notebooks_done"] == run["progress"]["notebooks_total"] == 7
    assert all(nb["status"] == "finished" for nb in run["notebooks"])


def test_deterministic_notebook_reproduces(finished_run: tuple[dict[str, Any], Path]) -> None:
    nb = notebook(finished_run[0], "deterministic.ipynb")
    assert nb["verdict"] == "reproduced"
    assert nb["diffs"]["counts"]["identical"] == 2 and nb["diffs"]["cells"] == []
    assert nb["cells_done"] == nb["cells_total"] == 4  # heading, injected parameters, two code cells


def test_unseeded_randomness_differs_showing_both_outputs(finished_run: tuple[dict[str, Any], Path]) -> None:
    nb = notebook(finished_run[0], "unseeded.ipynb")
    assert nb["verdict"] == "differs"
    cell = nb["diffs"]["cells"][0]
    assert cell["index"] == 1 and cell["source"].startswith("import random")
    assert cell["expected"][0]["text"].startswith("accuracy ") and cell["actual"][0]["text"].startswith("accuracy ")
    assert " vs " in cell["first_difference"]["message"]
    assert "relative difference" in cell["first_difference"]["message"]


def test_float_noise_below_the_tolerance_is_within_tolerance(finished_run: tuple[dict[str, Any], Path]) -> None:
    nb = notebook(finished_run[0], "noise.ipynb")
    assert nb["verdict"] == "within_tolerance"
    assert nb["diffs"]["cells"][0]["first_difference"]["relative"] < 1e-6


def test_addresses_timestamps_paths_and_durations_reproduce(finished_run: tuple[dict[str, Any], Path]) -> None:
    nb = notebook(finished_run[0], "volatile.ipynb")
    assert nb["verdict"] == "reproduced", nb["diffs"]


def test_an_exception_fails_naming_the_cell_and_keeps_the_executed_notebook(
    finished_run: tuple[dict[str, Any], Path],
) -> None:
    run, project_dir = finished_run
    nb = notebook(run, "failing.ipynb")
    assert nb["verdict"] == "failed"
    assert nb["error"]["kind"] == "exception" and nb["error"]["cell_index"] == 2
    assert nb["error"]["message"] == "ZeroDivisionError in cell 3: division by zero"
    executed = nbformat.read(str(project_dir / nb["output_path"]), as_version=4)
    assert cell(executed, "y = x / 0").outputs[0]["ename"] == "ZeroDivisionError"
    assert cell(executed, "print('never reached')").outputs == []
    assert nb["error"]["cell_id"] == cell(executed, "y = x / 0").id


def test_parameters_are_injected_and_the_kernel_knows_it_is_a_rerun(
    finished_run: tuple[dict[str, Any], Path],
) -> None:
    run, project_dir = finished_run
    nb = notebook(run, "params.ipynb")
    executed = nbformat.read(str(project_dir / nb["output_path"]), as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "alpha = 0.5" in injected[0].source
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "alpha 0.5 label from the manifest" in printed
    assert "rerun flag 1" in printed
    assert nb["verdict"] == "differs"  # saved with the notebook's defaults, rerun with the manifest's parameters


def test_cell_tags_expect_an_exception_skip_a_cell_and_ignore_an_output(
    finished_run: tuple[dict[str, Any], Path],
) -> None:
    run, project_dir = finished_run
    nb = notebook(run, "tagged.ipynb")
    assert nb["verdict"] == "reproduced", nb
    assert nb["diffs"]["counts"] == {"identical": 2, "within_tolerance": 0, "differs": 0, "skipped": 1, "ignored": 1}
    executed = nbformat.read(str(project_dir / nb["output_path"]), as_version=4)
    assert cell(executed, TAGGED[1][0]).outputs == []  # the skipped cell did not run
    assert cell(executed, TAGGED[0][0]).metadata["tags"] == ["lifecycle:raises"]


def test_run_records_the_kernel_the_notebook_hash_and_the_environment(
    finished_run: tuple[dict[str, Any], Path],
) -> None:
    run, _ = finished_run
    nb = notebook(run, "deterministic.ipynb")
    assert nb["kernel"] == "python3" and len(nb["sha256"]) == 64
    environment = run["environment"]
    assert environment["python"]["version"].count(".") == 2
    assert "papermill" in environment["packages"] and "ipykernel" in environment["packages"]
    assert environment["kernels"]["python3"]["language"] == "python"
    assert environment["platform"]["system"]
    assert run["environment_diff"] is None  # the project's first run


def test_the_finished_run_is_the_evidence_of_the_rerun_item(finished_run: tuple[dict[str, Any], Path]) -> None:
    run, project_dir = finished_run
    store = Store(f"sqlite:///{project_dir.parent / 'store.sqlite'}")
    service = Lifecycle(store)
    project = service.open_project(project_dir, actor="alice")
    state = store.item(project.id, "evaluation/reproducibility-rerun")
    assert state.evidence["run_id"] == run["id"] and state.evidence["verdict"] == "failed"
    assert {n["path"]: n["verdict"] for n in state.evidence["notebooks"]}["nb/deterministic.ipynb"] == "reproduced"
    assert state.status == "in_progress" and state.updated_by == "alice"
    assert any(e.action == "item.update" and e.target == "evaluation/reproducibility-rerun"
               for e in store.events(project.id))
    assert store.verify_chain(project.id).ok
    store.close()
