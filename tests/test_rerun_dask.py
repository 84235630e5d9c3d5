"""Reruns through the dask executor, on a real ``dask scheduler`` and two ``dask worker`` processes on loopback.

One cluster serves the module; the test that kills workers comes last (their nannies restart them).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require
from dask_cluster import DaskCluster, dask_available, hold
from rerun_support import kernels_of_run, write_notebook
from test_examples import NOTEBOOKS, PASSING, copy_examples

from lifecycle_lab.errors import ValidationError
from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.repro.executors import ExecutorChoice
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService

pytestmark = [pytest.mark.kernel, pytest.mark.dask]

SLEEPY = ["import time\ntime.sleep(60)"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    """A scheduler and two single-threaded workers for the whole module."""
    require(dask_available(), "dask[distributed] (the [dask] extra)")
    running = DaskCluster(tmp_path_factory.mktemp("dask")).start()
    yield running
    running.stop()


@pytest.fixture
def dask_runs(service: Lifecycle, cluster: DaskCluster) -> RunService:
    """The run service sending notebooks to the module's cluster."""
    from distributed import Client

    with Client(cluster.address, timeout=10, set_as_default=False) as client:
        client.wait_for_workers(cluster.workers, timeout=60)  # a killed worker's nanny may still be restarting it
    return RunService(service, executor=ExecutorChoice("dask", cluster.address))


@pytest.mark.timeout(900)
def test_the_example_project_reruns_on_dask_with_the_same_verdicts_as_local(
    service: Lifecycle, cluster: DaskCluster, dask_runs: RunService, tmp_path: Path, cli: Callable[..., Any],
) -> None:
    folder = copy_examples(tmp_path)
    assert cli(["import", "--skip-existing", "--project", folder.name, f"{folder.name}/.lifecycle/state.json"],
               cwd=folder.parent).returncode == 0
    project = service.open_project(folder, actor="chen")

    run = dask_runs.wait(dask_runs.start(project, actor="chen")["id"], timeout=800)

    # the verdicts test_examples pins for the local executor: all reproduce but the nondeterministic notebook
    verdicts = {nb["path"]: nb["verdict"] for nb in run["notebooks"]}
    assert list(verdicts) == NOTEBOOKS and run["status"] == "finished" and run["verdict"] == "differs"
    assert all(verdicts[nb] in PASSING for nb in NOTEBOOKS[:-1]), verdicts
    assert [c["cell_id"] for c in run["notebooks"][-1]["diffs"]["cells"]] == ["nondet-03", "nondet-04"]
    assert [(c["name"], c["status"]) for c in run["data_checks"]] == [("loans", "ok")]
    assert {nb["executor"] for nb in run["notebooks"]} == {"dask"}
    assert {nb["worker"] for nb in run["notebooks"]} <= set(cluster.worker_pids())
    assert run["environment"]["packages"]["distributed"]  # captured on a worker, which runs distributed
    assert (folder / "models" / "credit-default.joblib").is_file()  # 04-evaluate read what 03-train wrote
    evidence = service.store.item(project.id, "experimentation/reproducibility-rerun").evidence
    assert evidence["run_id"] == run["id"] and evidence["verdict"] == "differs"


def test_cancelling_a_dask_run_ends_the_kernel_on_the_worker(
    dask_runs: RunService, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "sleepy.ipynb", SLEEPY)
    project = make_project(["sleepy.ipynb"])
    run = dask_runs.start(project, actor="alice")
    wait_until(lambda: kernels_of_run(run["id"]) and dask_runs.get(run["id"])["notebooks"][0]["worker"],
               timeout=90, what="a kernel on a Dask worker")
    assert dask_runs.get(run["id"])["notebooks"][0]["worker"].startswith("tcp://127.0.0.1:")

    cancelled = dask_runs.cancel(run["id"], actor="bob")

    assert cancelled["status"] == "cancelled" and cancelled["notebooks"][0]["verdict"] == "cancelled"
    wait_until(lambda: not kernels_of_run(run["id"]), timeout=15, what="the worker's kernel ending")
    assert dask_runs.get(run["id"])["status"] == "cancelled"


def test_a_dask_notebook_times_out_as_a_local_one_does(
    dask_runs: RunService, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "loop.ipynb", ["x = 1", "while True:\n    pass", "print('never')"])
    project = make_project(["loop.ipynb"], timeout=15)  # kernel start-up on a busy worker counts too
    run = dask_runs.wait(dask_runs.start(project, actor="alice")["id"], timeout=120)
    nb = run["notebooks"][0]
    assert nb["verdict"] == "timed_out" and run["verdict"] == "timed_out" and nb["executor"] == "dask"
    assert nb["error"]["cell_index"] == 2 and "timeout of 15 s" in nb["error"]["message"]
    wait_until(lambda: not kernels_of_run(run["id"]), timeout=10, what="the kernel ending")


def test_a_notebook_the_worker_does_not_see_fails_clearly(
    dask_runs: RunService, cluster: DaskCluster, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    from distributed import Client, Event

    write_notebook(project_dir / "gone.ipynb", ["print(1)"])
    write_notebook(project_dir / "other.ipynb", ["print(2)"])
    project = make_project(["gone.ipynb", "other.ipynb"])
    with Client(cluster.address, timeout=10, set_as_default=False) as client:
        busy = [client.submit(hold, "hold-workers", workers=[w], pure=False) for w in cluster.worker_pids()]
        run = dask_runs.start(project, actor="alice")
        # the coordinator has read both notebooks; the workers will only see them after this
        wait_until(lambda: all(nb["sha256"] for nb in dask_runs.get(run["id"])["notebooks"]), what="prepared")
        (project_dir / "gone.ipynb").unlink()
        write_notebook(project_dir / "other.ipynb", ["print('a different notebook')"])
        Event("hold-workers", client=client).set()
        client.gather(busy)
    run = dask_runs.wait(run["id"], timeout=120)

    gone, other = run["notebooks"]
    assert gone["verdict"] == other["verdict"] == "failed" and run["status"] == "finished"
    assert gone["error"]["kind"] == "executor"
    assert "gone.ipynb: no such file" in gone["error"]["message"] and "shared filesystem" in gone["error"]["message"]
    assert "other.ipynb: tcp://127.0.0.1:" in other["error"]["message"]
    assert "sees another notebook" in other["error"]["message"]


def test_the_dask_executor_needs_a_scheduler_address(
    service: Lifecycle, project_dir: Path, cli: Callable[..., Any],
) -> None:
    with pytest.raises(ValidationError, match="needs a scheduler address"):
        ExecutorChoice("dask")
    service.init_project(project_dir, actor="alice", template="minimal", notebooks=[])
    done = cli(["rerun", "--executor", "dask"], cwd=project_dir)
    assert done.returncode == 2 and "executor dask needs a scheduler address" in done.stderr
    assert "Traceback" not in done.stderr
    assert ExecutorChoice.resolve(environ={"LIFECYCLE_LAB_EXECUTOR": "dask",
                                           "LIFECYCLE_LAB_DASK_SCHEDULER": "tcp://h:1"}).scheduler == "tcp://h:1"


def test_a_worker_killed_mid_task_is_retried_once_then_the_notebook_fails_naming_it(
    dask_runs: RunService, cluster: DaskCluster, project_dir: Path, make_project: Callable[..., Project],
) -> None:
    write_notebook(project_dir / "sleepy.ipynb", SLEEPY)
    project = make_project(["sleepy.ipynb"])
    run = dask_runs.start(project, actor="alice")

    def executing_on(attempt: int) -> str | None:
        nb = dask_runs.get(run["id"])["notebooks"][0]
        return nb["worker"] if nb["attempts"] == attempt and kernels_of_run(run["id"]) else None

    first = wait_until(lambda: executing_on(1), timeout=90, what="the first attempt")
    os.kill(cluster.worker_pids()[first], signal.SIGKILL)
    second = wait_until(lambda: executing_on(2), timeout=90, what="the retry")
    assert dask_runs.get(run["id"])["status"] == "running"
    os.kill(cluster.worker_pids()[second], signal.SIGKILL)
    closed = dask_runs.wait(run["id"], timeout=60)

    nb = closed["notebooks"][0]
    assert not closed["active"] and closed["verdict"] == "failed"
    assert nb["verdict"] == "failed" and nb["error"]["kind"] == "worker" and nb["attempts"] == 2
    assert f"the Dask worker {second} died" in nb["error"]["message"] and first in nb["error"]["message"]
    assert nb["worker"] == second
