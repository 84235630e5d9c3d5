"""Environment capture (interpreter, packages, git) and the diff between two runs' environments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lifecycle_lab.repro.environment import capture_environment, diff_environments, git_state, interpreter_facts


def git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=directory, check=True,
                   capture_output=True)


def test_git_state_gives_commit_branch_and_dirty_flag(tmp_path: Path) -> None:
    assert git_state(tmp_path) is None  # not a checkout
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "train.ipynb").write_text("{}")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    clean = git_state(tmp_path)
    assert clean is not None and clean["branch"] == "main" and len(clean["commit"]) == 40
    assert clean["dirty"] is False
    (tmp_path / "train.ipynb").write_text('{"cells": []}')
    assert git_state(tmp_path)["dirty"] is True


def test_packages_come_from_the_interpreter_that_runs_the_kernel(tmp_path: Path) -> None:
    wrapper = tmp_path / "other-python"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    foreign = interpreter_facts(str(wrapper))  # not this interpreter's file: asked in a process of its own
    assert foreign["packages"]["nbformat"] and foreign["version"] == interpreter_facts()["version"]
    broken = interpreter_facts(str(tmp_path / "no-such-python"))
    assert "could not read its packages" in broken["error"]


def test_capture_environment_records_python_platform_kernels_and_packages(tmp_path: Path) -> None:
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python", "executable": sys.executable}
    env = capture_environment(tmp_path, {"python3": kernel})
    assert env["python"]["executable"] == sys.executable
    assert env["kernels"] == {"python3": kernel}
    assert "papermill" in env["packages"] and env["platform"]["system"] == os.uname().sysname
    assert env["git"] is None


def test_diff_names_only_what_changed() -> None:
    before = {"python": {"version": "3.11.7"}, "platform": {"system": "Linux"}, "git": {"commit": "a", "dirty": False},
              "kernels": {"python3": {"language": "python"}},
              "packages": {"numpy": "1.26.4", "pandas": "2.2.0", "six": "1.16.0"}}
    after = {**before, "git": {"commit": "b", "dirty": True},
             "packages": {"numpy": "2.0.0", "pandas": "2.2.0", "polars": "1.0.0"}}
    assert diff_environments(before, before) == {}
    assert diff_environments(before, after) == {
        "git": {"before": {"commit": "a", "dirty": False}, "after": {"commit": "b", "dirty": True}},
        "packages": {"added": {"polars": "1.0.0"}, "removed": {"six": "1.16.0"},
                     "changed": {"numpy": ["1.26.4", "2.0.0"]}},
    }
