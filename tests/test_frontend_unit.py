"""The front end's unit tests (vitest, ``jlpm --cwd labextension test``), run from pytest.

The model's tests run against an in-memory API; ``test/server.test.ts`` drives
the same model through the real HTTP client against a real server started here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest

from lifecycle_lab.pytest_plugin import JupyterServerProcess
from lifecycle_lab.service import Lifecycle
from lifecycle_lab.store import Store

ROOT = Path(__file__).resolve().parent.parent
LABEXTENSION = ROOT / "labextension"
FOLDER = "credit"


@pytest.fixture
def frontend_ready(requires: Callable[[bool, str], None]) -> str:
    """The path of ``jlpm``; skipped (failed in CI) when it or the front end's node_modules is missing."""
    jlpm = shutil.which("jlpm")
    requires(jlpm is not None, "jlpm (installed with jupyterlab)")
    requires((LABEXTENSION / "node_modules" / ".bin" / "vitest").exists(),
             "labextension/node_modules (run `jlpm --cwd labextension install`)")
    return str(jlpm)


@pytest.fixture
def lifecycle_server(tmp_path: Path, db_url: str) -> Iterator[JupyterServerProcess]:
    """A real jupyter server over a temporary root holding one project in ``credit/`` (a one-cell notebook)."""
    root = tmp_path / "root"
    (root / FOLDER).mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell("print(6 * 7)", execution_count=1, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="42\n")])]
    nbformat.write(notebook, root / FOLDER / "train.ipynb")
    store = Store(db_url)
    Lifecycle(store).init_project(root / FOLDER, actor="alice", template="minimal", name="Credit model")
    store.close()
    with JupyterServerProcess(root, db_url) as server:
        yield server


def test_frontend_unit_tests_pass_including_against_a_real_server(
    frontend_ready: str, lifecycle_server: JupyterServerProcess, tmp_path: Path
) -> None:
    report = tmp_path / "vitest.json"
    env = {
        **os.environ,
        "LIFECYCLE_LAB_TEST_URL": lifecycle_server.url,
        "LIFECYCLE_LAB_TEST_TOKEN": lifecycle_server.token,
        "LIFECYCLE_LAB_TEST_FOLDER": FOLDER,
    }
    result = subprocess.run(
        [frontend_ready, "test", "--reporter=default", "--reporter=json", f"--outputFile.json={report}"],
        cwd=LABEXTENSION, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert summary["numFailedTests"] == 0
    assert summary["numPendingTests"] == 0, "no test may be skipped: the server tests need the server started here"
    assert summary["numPassedTests"] >= 50
