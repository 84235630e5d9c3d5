"""``jupyter lifecycle rerun`` as a real process: verdicts, exit statuses, JSON, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env
from rerun_support import kernels_of_run, processes_of_run, save_outputs, write_notebook

from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.store import Store

pytestmark = pytest.mark.kernel


@pytest.fixture
def notebooks(project_dir: Path, cli) -> Path:
    save_outputs(write_notebook(project_dir / "stable.ipynb", ["print(sum(range(10)))"]))
    save_outputs(write_notebook(project_dir / "random.ipynb", ["import random\nprint(random.random())"]))
    write_notebook(project_dir / "sleepy.ipynb", ["import time\ntime.sleep(60)"])
    assert cli(["init", "--template", "minimal"], cwd=project_dir).returncode == 0
    return project_dir


def test_rerun_exits_0_when_everything_reproduced(notebooks: Path, cli) -> None:
    done = cli(["rerun", "stable.ipynb"], cwd=notebooks)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "· finished · reproduced" in done.stdout
    assert "REPRODUCED" in done.stdout and "stable.ipynb" in done.stdout
    assert "executed notebooks: .lifecycle/runs/" in done.stdout


def test_rerun_exits_1_with_a_compact_diff_when_outputs_differ(notebooks: Path, cli) -> None:
    done = cli(["rerun", "random.ipynb"], cwd=notebooks)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.strip().startswith("DIFFERS") and "random.ipynb" in line for line in lines)
    minus = next(line for line in lines if line.strip().startswith("- "))
    plus = next(line for line in lines if line.strip().startswith("+ "))
    assert minus != plus and "relative difference" in plus


def test_rerun_json_prints_the_run_record(notebooks: Path, cli) -> None:
    names = ["proj/random.ipynb", "proj/stable.ipynb"]  # named relative to the current folder, like any file
    done = cli(["rerun", "--json", "--project", "proj", *names], cwd=notebooks.parent)
    run = json.loads(done.stdout)
    assert done.returncode == 1 and run["verdict"] == "differs"
    assert [nb["verdict"] for nb in run["notebooks"]] == ["differs", "reproduced"]
    assert run["notebooks"][0]["diffs"]["cells"][0]["first_difference"]["message"]
    assert run["progress"]["notebooks_done"] == 2 and run["environment"]["packages"]


def test_rerun_exits_2_on_bad_input(notebooks: Path, cli) -> None:
    missing = cli(["rerun", "missing.ipynb"], cwd=notebooks)
    assert missing.returncode == 2 and "missing.ipynb does not exist" in missing.stderr
    outside = cli(["rerun", "/etc/hostname"], cwd=notebooks)
    assert outside.returncode == 2 and outside.stdout == ""
    assert outside.stderr.startswith("jupyter lifecycle: error: /etc/hostname is outside the project folder")
    assert "Traceback" not in outside.stderr


def test_ctrl_c_cancels_the_run_and_its_kernel(notebooks: Path, db_url: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "lifecycle_lab.cli", "rerun", "sleepy.ipynb"], cwd=notebooks,
        env=cli_env(db_url, LIFECYCLE_LAB_USER="carol"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    store = Store(db_url)
    project_id = store.list_projects()[0].id

    def kernel_started() -> bool:
        assert process.poll() is None, "the CLI exited before its rerun's kernel started"
        return bool(store.list_runs(project_id) and kernels_of_run(store.list_runs(project_id)[0]["id"]))

    wait_until(kernel_started, what="the rerun's kernel")
    run_id = store.list_runs(project_id)[0]["id"]
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "· cancelled" in stdout
    assert store.get_run(run_id)["status"] == "cancelled"
    assert processes_of_run(run_id) == []
    store.close()
