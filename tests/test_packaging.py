"""The installed package: both halves of the extension enabled and OK, the CLI on PATH, templates inside."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def installed(requires) -> None:
    requires(shutil.which("jupyter-lifecycle") is not None, "an installed lifecycle_lab (pip install .)")


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=Path.home())
    return result.stdout + result.stderr


def test_labextension_is_enabled_and_ok(installed: None) -> None:
    line = next(ln for ln in run("jupyter", "labextension", "list").splitlines() if "lifecycle-lab" in ln)
    assert "enabled" in line and "OK" in line


def test_server_extension_is_enabled_and_ok(installed: None) -> None:
    out = run("jupyter", "server", "extension", "list")
    assert "lifecycle_lab \x1b[32menabled" in out or "lifecycle_lab enabled" in out
    assert any("lifecycle_lab" in ln and "OK" in ln for ln in out.splitlines())


def test_jupyter_lifecycle_runs_from_anywhere(installed: None) -> None:
    out = run("jupyter", "lifecycle", "templates", "list")
    assert "default" in out and "minimal" in out
