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

import pytest

from lifecycle_lab.server.launcher import JupyterServerProcess
from lifecycle_lab.server.spec import load_spec
from lifecycle_lab.service import Lifecycle, Project

MAX_EXAMPLES = 60
FOLDERS = [f"new-{n}" for n in range(8)]


@pytest.fixture
def live_server(tmp_path: Path, db_url: str, service: Lifecycle) -> Iterator[tuple[JupyterServerProcess, Project]]:
    """A jupyter server over a temp root and store, with one project in ``credit`` and empty folders."""
    root = tmp_path / "root"
    (root / "credit").mkdir(parents=True)
    for folder in FOLDERS:
        (root / folder).mkdir()
    project = service.init_project(root / "credit", actor="alice", name="Credit model")
    server = JupyterServerProcess(root, db_url).start()
    yield server, project
    server.stop()


def _config(project: Project) -> str:
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
    }
    bindings = {
        "path.project_id": ("project", 0.9), "path.stage": ("stage", 0.9), "path.item": ("item", 0.9),
        "path.template_id": ("template", 0.8), "query.path": ("folder", 0.7), "body.path": ("folder", 0.7),
        "body.stage": ("stage", 0.8), "body.role": ("role", 0.8), "header.If-Match": ("version", 0.7),
    }
    # An invalid body may also be refused for its size (413, documented), not only for its content.
    rejected = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
    lines = ["[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(rejected)}", "", "[dictionaries]"]
    lines += [f"{name} = {{ values = {json.dumps(entries)} }}" for name, entries in values.items()]
    lines += ["", "[parameters]"]
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = {p} }}' for key, (name, p) in bindings.items()]
    return "\n".join(lines) + "\n"


def test_the_api_honours_its_openapi_contract(live_server, tmp_path: Path) -> None:
    server, project = live_server
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(project), encoding="utf-8")
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


def _run_schemathesis(server: JupyterServerProcess, config: Path, junit: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        "--config-file", str(config), "run", f"{server.url}/lifecycle-lab/api/openapi.json",
        "--header", f"Authorization: token {server.token}",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
        "--workers", "1", "--request-timeout", "30",
        "--report", "junit", "--report-junit-path", str(junit),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=config.parent,
                          env={**server.environment(), "NO_COLOR": "1"})
