"""The served OpenAPI contract, fuzzed by schemathesis against a real ``jupyter server`` process.

Every operation gets a bounded number of generated requests, valid and invalid
(coverage, fuzzing and stateful phases). The run fails on any 5xx, any
response the spec does not describe (status, content type, headers, body
schema), and any invalid input the server accepts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rerun_support import write_notebook

from lifecycle_lab.pytest_plugin import JupyterServerProcess
from lifecycle_lab.server.spec import load_spec
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService

MAX_EXAMPLES = 60
FOLDERS = [f"new-{n}" for n in range(8)]


@pytest.fixture
def live_server(
    tmp_path: Path, db_url: str, service: Lifecycle
) -> Iterator[tuple[JupyterServerProcess, Project, dict[str, Any]]]:
    """A jupyter server over a temp root and store, with one project in ``credit`` and empty folders.

    ``POST /runs`` is fuzzed for real, kept small: the project reruns one one-cell notebook, one run executes
    at a time, and a second run of the same notebook is refused (409) while one is active; so at most one
    worker and one kernel live at once. A run finished before the server starts gives ``GET``/``DELETE`` of a
    run a complete record to answer with. Runs still open at the end are cancelled (worker and kernel stopped).
    """
    root = tmp_path / "root"
    (root / "credit").mkdir(parents=True)
    for folder in FOLDERS:
        (root / folder).mkdir()
    write_notebook(root / "credit" / "tiny.ipynb", ["print(1)"])
    project = service.init_project(root / "credit", actor="alice", name="Credit model", notebooks=["tiny.ipynb"])
    runs = RunService(service)
    finished = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)  # a complete record to read
    server = JupyterServerProcess(root, db_url, args=["--LifecycleLabApp.max_concurrent_runs=1"]).start()
    yield server, project, finished
    server.stop()
    for run in service.store.active_runs():
        runs.cancel(run["id"], actor="teardown")


def _config(project: Project, run: dict[str, Any]) -> str:
    """schemathesis.toml: real ids for path parameters most of the time, so requests reach the handlers."""
    stage = next(s for s in project.template.stages if s.gate.signoffs)
    values = {
        "project": [project.id],
        "stage": [stage.id],
        "item": [item.id for item in stage.items],
        "role": list(stage.gate.signoffs),
        "template": ["default", "minimal"],
        "folder": [*FOLDERS, "credit", "credit/notebooks"],
        "version": ["*", "0", '"1"', "2"],
        "run": [run["id"]],
        "position": [0],
    }
    bindings = {
        "path.project_id": ("project", 0.9), "path.stage": ("stage", 0.9), "path.item": ("item", 0.9),
        "path.template_id": ("template", 0.8), "query.path": ("folder", 0.7), "body.path": ("folder", 0.7),
        "body.stage": ("stage", 0.8), "body.role": ("role", 0.8), "header.If-Match": ("version", 0.7),
        "path.run_id": ("run", 0.8), "path.position": ("position", 0.8),
    }
    # An invalid body may also be refused for its size (413, documented), not only for its content.
    rejected = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
    lines = ["[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(rejected)}", "", "[dictionaries]"]
    lines += [f"{name} = {{ values = {json.dumps(entries)} }}" for name, entries in values.items()]
    lines += ["", "[parameters]"]
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = {p} }}' for key, (name, p) in bindings.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.kernel
@pytest.mark.timeout(900)  # fuzzing every operation of the spec (now 40+) takes minutes on a 2-core machine
def test_the_api_honours_its_openapi_contract(live_server, tmp_path: Path, service: Lifecycle) -> None:
    server, project, finished = live_server
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(project, finished), encoding="utf-8")
    junit = tmp_path / "junit.xml"
    # When schemathesis exercises every operation of the served spec with valid and invalid requests
    run = _run_schemathesis(server, config, junit)
    # Then no check failed (no 5xx, nothing contradicting the spec) ...
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    # ... and every operation of the contract was actually tested (but the spec's own, which schemathesis skips)
    tested = {case.get("name", "") for case in ET.parse(junit).iter("testcase")}
    operations = {f"{method.upper()} {path}" for path, item in load_spec()["paths"].items() for method in item
                  if method in {"get", "post", "patch", "put", "delete"} and path != "/openapi.json"}
    assert operations <= tested, operations - tested
    # ... and fuzzed writes went through the API into the store (the handlers were reached)
    assert server.request("GET", f"/lifecycle-lab/api/projects/{project.id}/changes")[2]["seq"] > 1
    # ... and fuzzed run requests started real runs, whose answers were checked against the contract too
    assert len(service.store.list_runs(project.id)) > 1


def _run_schemathesis(server: JupyterServerProcess, config: Path, junit: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        "--config-file", str(config), "run", f"{server.url}/lifecycle-lab/api/openapi.json",
        "--header", f"Authorization: token {server.token}",
        # use_after_free assumes DELETE removes a resource; ours cancels a run, which stays readable (see the spec)
        "--checks", "all", "--exclude-checks", "positive_data_acceptance,use_after_free",
        "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
        "--workers", "1", "--request-timeout", "30",
        "--report", "junit", "--report-junit-path", str(junit),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=config.parent,
                          env={**server.environment(), "NO_COLOR": "1"})
