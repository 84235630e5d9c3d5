"""The run service with real workers and kernels: --twice, timeouts, cancel, crashes, the queue, bad input."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat.v4 as v4
import pytest
from rerun_support import kernels_of_run, processes_of_run, save_outputs, write_notebook

from lifecycle_lab.errors import ValidationError
from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.repro.compare import compare_notebooks
from lifecycle_lab.repro.worker import QUEUED_NOTE, Settings
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService, close_run

pytestmark = pytest.mark.kernel

SLEEPY = ["import time\ntime.sleep(60)"]


def test_twice_catches_nondeterminism_where_there_are_no_saved_outputs(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "random.ipynb", ["import random\nprint(random.random())"])
    write_notebook(project_dir / "stable.ipynb", ["print(sum(range(5)))"])
    project = make_project(["random.ipynb", "stable.ipynb"])
    runs = RunService(service)

    once = runs.wait(runs.start(project, ["stable.ipynb"], actor="alice")["id"], timeout=120)
    # nothing saved to compare with: unverified, never a difference (issue 15)...
    assert once["verdict"] == "reproduced" and once["notebooks"][0]["diffs"]["counts"]["unverified"] == 1
    assert "--twice" in once["notebooks"][0]["diffs"]["notes"][0]  # ...and the run says what to do

    run = runs.wait(runs.start(project, twice=True, actor="alice")["id"], timeout=180)
    random_nb, stable_nb = run["notebooks"]
    assert random_nb["verdict"] == "differs" and random_nb["diffs"]["against"] == "first_run"
    assert stable_nb["verdict"] == "reproduced"
    assert stable_nb["cells_done"] == stable_nb["cells_total"] == 4  # two runs of two cells
    assert (project_dir / random_nb["diffs"]["other_path"]).is_file()
    assert run["twice"] is True


def test_an_endless_loop_times_out_within_the_timeout_and_leaves_no_kernel(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "loop.ipynb", ["x = 1", "while True:\n    pass", "print('never')"])
    project = make_project(["loop.ipynb"], timeout=4)
    runs = RunService(service)
    started = time.monotonic()
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=60)
    elapsed = time.monotonic() - started
    nb = run["notebooks"][0]
    assert nb["verdict"] == "timed_out" and run["verdict"] == "timed_out"
    assert nb["error"]["cell_index"] == 2 and "timeout of 4 s" in nb["error"]["message"]
    assert nb["duration"] <= 4 + 5 and elapsed <= 4 + 5 + 10  # plus worker and kernel start-up
    assert kernels_of_run(run["id"]) == []


def test_a_per_cell_timeout_names_the_cell(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "slow.ipynb", ["import time", "time.sleep(30)"])
    project = make_project(["slow.ipynb"], cell_timeout=2, timeout=60)
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=60)
    assert run["notebooks"][0]["error"]["message"] == "cell 3 did not finish within the per-cell timeout of 2 s"


def test_cancel_stops_the_worker_and_its_kernel(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "sleepy.ipynb", SLEEPY)
    project = make_project(["sleepy.ipynb"])
    runs = RunService(service)
    run = runs.start(project, actor="alice")
    wait_until(lambda: bool(kernels_of_run(run["id"])))
    assert runs.get(run["id"])["status"] == "running"

    cancelled = runs.cancel(run["id"], actor="bob")
    assert cancelled["status"] == "cancelled" and cancelled["verdict"] == "cancelled"
    assert cancelled["notebooks"][0]["status"] == "cancelled"
    assert cancelled["error"] == "cancelled by bob"
    assert processes_of_run(run["id"]) == []  # neither the worker nor the kernel is left
    runs.wait(run["id"])  # until the reaper thread has seen the worker exit: it must not turn the cancel into a failure
    assert runs.get(run["id"])["status"] == "cancelled"
    finish = [e for e in service.store.events(project.id) if e.action == "run.finish"]
    assert finish[-1].actor == "bob" and finish[-1].after["status"] == "cancelled"
    assert service.store.item(project.id, "evaluation/reproducibility-rerun").evidence is None


def test_a_crashed_worker_leaves_the_run_failed_not_running(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "sleepy.ipynb", SLEEPY)
    project = make_project(["sleepy.ipynb"])
    run = RunService(service).start(project, actor="alice")
    wait_until(lambda: bool(kernels_of_run(run["id"])))
    os.kill(run["worker_pid"], signal.SIGKILL)

    other = RunService(service)  # another process's view: it never owned that worker
    wait_until(lambda: not other.get(run["id"])["active"], timeout=20)
    failed = other.get(run["id"])
    assert failed["status"] == "failed" and failed["notebooks"][0]["status"] == "failed"
    assert "worker" in failed["error"]
    wait_until(lambda: kernels_of_run(run["id"]) == [], timeout=10)


def test_a_run_whose_worker_never_started_is_given_up_only_after_the_grace_period(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "quick.ipynb", ["print('hi')"])
    project = make_project(["quick.ipynb"])
    # Records as a server that died between queueing a run and spawning its worker leaves them
    service.store.create_run(project.id, "fresh", ["quick.ipynb"], options={}, twice=False, actor="alice",
                             at=service.clock())
    service.store.create_run(project.id, "stale", ["quick.ipynb"], options={}, twice=False, actor="alice",
                             at="2020-01-01T00:00:00.000000Z")
    runs = RunService(service)
    assert runs.get("fresh")["status"] == "queued"  # its worker may still be on its way
    given_up = runs.get("stale")
    assert (given_up["status"], given_up["active"]) == ("failed", False)
    assert given_up["notebooks"][0]["status"] == "failed"
    assert "never started" in given_up["error"]
    assert service.store.verify_chain(project.id).ok


def test_runs_beyond_the_limit_wait_in_the_queue(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "short.ipynb", ["import time\ntime.sleep(3)"])
    write_notebook(project_dir / "quick.ipynb", ["print('hi')"])
    save_outputs(project_dir / "quick.ipynb")
    project = make_project(["short.ipynb", "quick.ipynb"])
    runs = RunService(service, max_concurrent=1)
    first = runs.start(project, ["short.ipynb"], actor="alice")
    second = runs.start(project, ["quick.ipynb"], actor="alice")
    assert first["status"] == "queued" and second["status"] == "queued"  # start returns at once
    wait_until(lambda: runs.get(first["id"])["status"] == "running")
    # the second's worker has asked for a slot while the first held the only one, and was told to wait
    log = project.manifest.runs_dir / second["id"] / "worker.log"
    wait_until(lambda: QUEUED_NOTE in log.read_text(), what="the second run's worker to be told to wait")
    assert runs.get(first["id"])["status"] == "running"
    assert runs.get(second["id"])["status"] == "queued"

    done = runs.wait(second["id"], timeout=120)
    first_done = runs.get(first["id"])
    assert done["verdict"] == "reproduced" and first_done["status"] == "finished"
    assert done["started_at"] >= first_done["finished_at"]
    listed = runs.list(project)
    assert [r["id"] for r in listed] == [second["id"], first["id"]]
    assert "diffs" not in listed[0]["notebooks"][0] and listed[0]["progress"]["notebooks_done"] == 1


def test_bad_input_fails_the_run_with_a_clear_message_per_notebook(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    (project_dir / "text.ipynb").write_text("this is not json")
    (project_dir / "invalid.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 5}')
    write_notebook(project_dir / "exotic.ipynb", ["print(1)"], kernel={"name": "julia-9", "display_name": "Julia",
                                                                      "language": "julia"})
    project = make_project(["missing.ipynb", "text.ipynb", "invalid.ipynb", "exotic.ipynb"])
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=60)

    assert run["status"] == "failed" and run["verdict"] == "failed"
    errors = {nb["path"]: nb["error"]["message"] for nb in run["notebooks"]}
    assert errors["missing.ipynb"] == "missing.ipynb does not exist"
    assert errors["text.ipynb"].startswith("text.ipynb is not a notebook")
    assert errors["invalid.ipynb"].startswith("invalid.ipynb is not a valid notebook (nbformat)")
    assert errors["exotic.ipynb"] == "exotic.ipynb: unknown kernel 'julia-9' (available: python3)"
    assert all(nb["verdict"] == "failed" and nb["error"]["kind"] == "input" for nb in run["notebooks"])
    assert "missing.ipynb does not exist" in run["error"]


def test_paths_outside_the_project_and_bad_sanitizers_are_refused_before_a_run_exists(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    project = make_project([], sanitizers=[{"regex": "(unclosed"}])
    runs = RunService(service)
    with pytest.raises(ValidationError, match="no notebooks to rerun"):
        runs.start(project, actor="alice")
    with pytest.raises(ValidationError, match="outside the project folder"):
        runs.start(project, ["../elsewhere.ipynb"], actor="alice")
    with pytest.raises(ValidationError, match=r"rerun.sanitizers\[0\]"):
        runs.start(project, ["a.ipynb"], actor="alice")
    assert runs.list(project) == []


def test_the_manifests_sanitizers_and_tolerance_are_what_the_worker_compares_with(
    make_project: Callable[..., Project],
) -> None:
    project = make_project([], sanitizers=[{"regex": r"run #\d+", "replace": "run #N"}], tolerance={"rel": 0.01})
    settings = Settings.from_options(project.manifest.rerun)  # what start() stores as the run's options

    def printing(text: str) -> Any:
        nb = v4.new_notebook()
        nb.cells.append(v4.new_code_cell("report()", outputs=[v4.new_output("stream", name="stdout", text=text)]))
        return nb

    # without the manifest's regex "4 vs 9" differs; without its tolerance so does 0.831 vs 0.832
    comparison = compare_notebooks(printing("run #4 accuracy 0.831\n"), printing("run #9 accuracy 0.832\n"),
                                   tolerance=settings.tolerance, sanitizers=settings.sanitizers)
    assert comparison.verdict == "within_tolerance"


def test_a_run_stored_without_options_gets_the_manifests_default_timeouts(
    make_project: Callable[..., Project],
) -> None:
    defaults = Settings.from_options(make_project([]).manifest.rerun)
    for options in (None, {}, {"timeout": None, "cell_timeout": None}):
        settings = Settings.from_options(options)
        assert (settings.timeout, settings.cell_timeout) == (defaults.timeout, defaults.cell_timeout)
    assert Settings.from_options({"timeout": 60}).cell_timeout == defaults.cell_timeout


def test_a_kernel_that_cannot_start_fails_its_notebook_and_the_run_goes_on(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(tmp_path / "no-such-python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Broken", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # the worker inherits it
    write_notebook(project_dir / "broken.ipynb", ["print(1)"], kernel={"name": "broken", "display_name": "Broken",
                                                                      "language": "python"})
    save_outputs(write_notebook(project_dir / "fine.ipynb", ["print(1)"]))
    project = make_project(["broken.ipynb", "fine.ipynb"])
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    broken, fine = run["notebooks"]
    assert broken["verdict"] == "failed" and broken["error"]["kind"] == "execution"
    assert broken["error"]["message"].startswith("execution stopped before the first cell: FileNotFoundError")
    assert fine["verdict"] == "reproduced"
    assert run["status"] == "finished" and run["verdict"] == "failed"


def test_a_run_closed_elsewhere_stops_its_worker_at_the_next_cell(
    service: Lifecycle, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "steps.ipynb", ["import time"] + ["time.sleep(0.5)"] * 40)
    project = make_project(["steps.ipynb"])
    runs = RunService(service)
    run = runs.start(project, actor="alice")
    wait_until(lambda: runs.get(run["id"])["progress"]["cells_done"] >= 3)
    # what a cancel from another host amounts to here: the run is closed, no signal reaches the worker
    close_run(service, run["id"], "cancelled", "cancelled", "cancelled on another host", actor="bob")
    wait_until(lambda: processes_of_run(run["id"]) == [], timeout=15)
    closed = runs.get(run["id"])
    assert closed["status"] == "cancelled" and closed["notebooks"][0]["cells_done"] < 40
