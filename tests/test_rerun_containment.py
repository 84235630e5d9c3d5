"""No process outlives its rerun: children a notebook starts in a session of their own (as daemonising libraries
do) end with the run, whether it finishes, is cancelled, or its worker is SIGKILLed."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from rerun_support import configure, processes_of_run, write_notebook
from test_rerun_runs import wait_until

from lifecycle_lab.repro.processes import alive
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService

pytestmark = pytest.mark.kernel

SPAWN = """import pathlib, subprocess, sys
sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
tagged = subprocess.Popen(sleeper, start_new_session=True)
scrubbed = subprocess.Popen(sleeper, start_new_session=True, env={})  # no marker: only the sampling sees it
pathlib.Path("children.pid").write_text(f"{tagged.pid} {scrubbed.pid}")
"""
LINGER = "import time\ntime.sleep(1)"
SLEEP = "import time\ntime.sleep(60)"


@pytest.fixture
def spawning(service: Lifecycle, project_dir: Path) -> Callable[[str], tuple[Project, Path]]:
    """A project whose one notebook starts two new-session children, then runs ``then``."""

    def make(then: str) -> tuple[Project, Path]:
        write_notebook(project_dir / "daemon.ipynb", [SPAWN, then])
        service.init_project(project_dir, actor="alice", template="minimal", notebooks=["daemon.ipynb"])
        configure(project_dir, timeout=120)
        return service.open_project(project_dir, actor="alice"), project_dir / "children.pid"

    return make


def children(pid_file: Path) -> list[int]:
    return [int(pid) for pid in pid_file.read_text().split()]


def test_children_in_their_own_session_end_with_a_finished_run(
    service: Lifecycle, spawning: Callable[[str], tuple[Project, Path]],
) -> None:
    project, pid_file = spawning(LINGER)
    runs = RunService(service)
    run = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    assert run["status"] == "finished", run
    assert processes_of_run(run["id"]) == []
    assert [alive(pid) for pid in children(pid_file)] == [False, False]


def test_children_in_their_own_session_end_with_a_cancelled_run(
    service: Lifecycle, spawning: Callable[[str], tuple[Project, Path]],
) -> None:
    project, pid_file = spawning(SLEEP)
    runs = RunService(service)
    run = runs.start(project, actor="alice")
    wait_until(pid_file.is_file)
    wait_until(lambda: all(alive(pid) for pid in children(pid_file)))
    runs.cancel(run["id"], actor="bob")
    assert processes_of_run(run["id"]) == []
    assert [alive(pid) for pid in children(pid_file)] == [False, False]


def test_children_with_the_runs_marker_end_when_the_worker_is_sigkilled(
    service: Lifecycle, spawning: Callable[[str], tuple[Project, Path]],
) -> None:
    project, pid_file = spawning(SLEEP)
    runs = RunService(service)
    run = runs.start(project, actor="alice")
    wait_until(pid_file.is_file)
    tagged, scrubbed = children(pid_file)
    os.kill(run["worker_pid"], signal.SIGKILL)
    try:
        wait_until(lambda: not runs.get(run["id"])["active"], timeout=30)
        wait_until(lambda: processes_of_run(run["id"]) == [], timeout=15)  # the server's reaper swept them
        assert not alive(tagged)
    finally:
        if alive(scrubbed):  # without the worker's sampling nothing can tell it was the run's (docs/rerun.md)
            os.kill(scrubbed, signal.SIGKILL)
