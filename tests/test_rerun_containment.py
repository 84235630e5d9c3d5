"""No process outlives its rerun: children a notebook starts in a session of their own (as daemonising libraries
do) end with the run, whether it finishes, is cancelled, or its worker is SIGKILLed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from rerun_support import configure, processes_of_run, write_notebook

from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.repro.processes import PROCESSES_FILE, alive, recorded_processes
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService

pytestmark = pytest.mark.kernel

SPAWN = """import pathlib, subprocess, sys
sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
tagged = subprocess.Popen(sleeper, start_new_session=True)
scrubbed = subprocess.Popen(sleeper, start_new_session=True, env={})  # no marker: only the sampling sees it
detached = subprocess.Popen(["env", "-i", "setsid", "sleep", "300"])  # empty environment, a session of its own
pathlib.Path("children.pid").write_text(f"{tagged.pid} {scrubbed.pid} {detached.pid}")
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
    assert [alive(pid) for pid in children(pid_file)] == [False, False, False]


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
    assert [alive(pid) for pid in children(pid_file)] == [False, False, False]


def test_every_child_ends_when_the_worker_is_sigkilled_even_one_without_the_marker_in_its_own_session(
    service: Lifecycle, spawning: Callable[[str], tuple[Project, Path]],
) -> None:
    project, pid_file = spawning(SLEEP)
    runs = RunService(service)
    run = runs.start(project, actor="alice")
    wait_until(pid_file.is_file)
    tagged, scrubbed, detached = children(pid_file)
    run_dir = project.manifest.runs_dir / run["id"]
    # the worker has written the scrubbed children down (sampled every 0.2 s): that record outlives it
    wait_until(lambda: {scrubbed, detached} <= {p.pid for p in recorded_processes(run_dir)}, timeout=30)
    assert os.getsid(detached) == detached and os.getsid(scrubbed) == scrubbed  # sessions of their own
    os.kill(run["worker_pid"], signal.SIGKILL)
    try:
        wait_until(lambda: not runs.get(run["id"])["active"], timeout=30)
        wait_until(lambda: processes_of_run(run["id"]) == [], timeout=15)  # the server's reaper swept them
        wait_until(lambda: not any(alive(pid) for pid in (tagged, scrubbed, detached)), timeout=15)
    finally:
        for pid in (tagged, scrubbed, detached):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_reaper_ends_only_recorded_processes_with_the_recorded_start_time(tmp_path: Path) -> None:
    child = subprocess.Popen(["sleep", "300"])
    try:
        started = psutil.Process(child.pid).create_time()
        lines = [json.dumps({"pid": child.pid, "create_time": started - 5}),  # the pid, reused by another process
                 '{"pid": 1, "create_ti']  # a line torn by the SIGKILL
        (tmp_path / PROCESSES_FILE).write_text("\n".join(lines))
        assert recorded_processes(tmp_path) == []
        (tmp_path / PROCESSES_FILE).write_text(json.dumps({"pid": child.pid, "create_time": started}) + "\n")
        assert [p.pid for p in recorded_processes(tmp_path)] == [child.pid]
        assert recorded_processes(tmp_path / "missing") == [] and recorded_processes(None) == []
    finally:
        child.kill()
        child.wait()

