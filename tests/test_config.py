"""One configuration: a setting in the Jupyter config reaches the server, the CLI, the widgets and rerun workers."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, cli_env
from rerun_support import write_notebook

from lifecycle_lab.config import Settings, make_run_service, make_service
from lifecycle_lab.errors import Conflict, ValidationError
from lifecycle_lab.pytest_plugin import JupyterServerProcess, wait_until
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService, rerun_options
from lifecycle_lab.store import Store
from lifecycle_lab.templates import registry_for
from lifecycle_lab.widgets.context import open_context

TEAM_TEMPLATE = "team-only"
KEY = "k" * 40


@pytest.fixture
def shared_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """A Jupyter config folder (on JUPYTER_CONFIG_PATH) naming a template folder only this team has."""
    templates = tmp_path / "team-templates"
    templates.mkdir()
    minimal = (ROOT / "templates" / "minimal.yaml").read_text(encoding="utf-8")
    (templates / "team.yaml").write_text(minimal.replace("id: minimal", f"id: {TEAM_TEMPLATE}", 1), encoding="utf-8")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "jupyter_lifecycle_lab_config.json").write_text(
        json.dumps({"LifecycleLabApp": {"template_path": [str(templates)]}}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(etc))
    monkeypatch.setenv("LIFECYCLE_LAB_DB_URL", db_url)
    for name in ("TEMPLATE_PATH", "MAX_CONCURRENT_RUNS", "EXECUTOR", "DASK_SCHEDULER", "WEBHOOKS", "AUDIT_KEY",
                 "AUDIT_KEY_FILE", "RERUN_TIMEOUT", "RERUN_CELL_TIMEOUT"):
        monkeypatch.delenv(f"LIFECYCLE_LAB_{name}", raising=False)
    return etc


@pytest.mark.kernel
def test_a_template_path_in_jupyter_config_reaches_every_entry_point(
    shared_config: Path, tmp_path: Path, db_url: str
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "quiet.ipynb")
    env = cli_env(db_url, JUPYTER_CONFIG_PATH=str(shared_config), LIFECYCLE_LAB_USER="alice")

    # the CLI: a project on the team's template
    made = subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", "init", "--template", TEAM_TEMPLATE],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr

    # the widgets in a kernel: the project opens on that template
    assert open_context(folder).project.template.id == TEAM_TEMPLATE

    # the rerun worker: spawned by a service that passes it no settings, it reads the config itself
    store = Store(db_url)
    bare = RunService(Lifecycle(store, registry_for()))  # no template_path of its own
    project = Lifecycle(store, registry_for([str(tmp_path / "team-templates")])).open_project(folder, actor="alice")
    run = bare.wait(bare.start(project, ["quiet.ipynb"], actor="alice")["id"], timeout=240)
    assert (run["status"], run["verdict"]) == ("finished", "reproduced"), run["error"]

    # the server
    with JupyterServerProcess(folder, db_url, env={"JUPYTER_CONFIG_PATH": str(shared_config)}).start() as server:
        status, _headers, body = server.request("GET", "/lifecycle-lab/api/templates")
    assert status == 200 and TEAM_TEMPLATE in {t["id"] for t in body["templates"]}
    store.close()


def test_the_environment_wins_over_the_config_and_an_explicit_value_over_both(
    shared_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (shared_config / "jupyter_lifecycle_config.json").write_text(
        json.dumps({"LifecycleLabApp": {"max_concurrent_runs": 5, "db_url": "sqlite:////config.sqlite"}}))
    monkeypatch.setenv("LIFECYCLE_LAB_MAX_CONCURRENT_RUNS", "3")
    monkeypatch.delenv("LIFECYCLE_LAB_DB_URL")
    settings = Settings.resolve()
    assert (settings.max_concurrent_runs, settings.db_url) == (3, "sqlite:////config.sqlite")
    assert Settings.resolve({"max_concurrent_runs": 7}).max_concurrent_runs == 7
    assert make_run_service(make_service(settings, store=Store("sqlite://"))).max_concurrent == 3


def test_a_bad_setting_in_the_environment_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECYCLE_LAB_MAX_CONCURRENT_RUNS", "0")
    with pytest.raises(ValidationError, match="max_concurrent_runs must be at least 1"):
        Settings.resolve(config={})
    monkeypatch.setenv("LIFECYCLE_LAB_MAX_CONCURRENT_RUNS", "two")
    with pytest.raises(ValidationError, match="LIFECYCLE_LAB_MAX_CONCURRENT_RUNS"):
        Settings.resolve(config={})


def test_a_process_the_service_starts_resolves_the_same_settings(shared_config: Path, tmp_path: Path) -> None:
    given = Settings.resolve({
        "max_concurrent_runs": 4, "executor": "dask", "dask_scheduler": "tcp://10.0.0.5:8786", "audit_key": KEY,
        "webhooks": [{"url": "https://hooks.example/x", "events": ["gate_changed"]}],
        "template_path": [str(tmp_path / "more")],
    })
    child = Settings.resolve(config={}, environ=given.environment())
    assert {name: value for name, value in child.values().items() if name != "template_path"} == {
        name: value for name, value in given.values().items() if name != "template_path"}
    assert str(tmp_path / "more") in given.environment()["LIFECYCLE_LAB_TEMPLATE_PATH"]


def test_the_settings_key_the_audit_chain_and_name_the_role_members(shared_config: Path, tmp_path: Path) -> None:
    (shared_config / "jupyter_lifecycle_config.json").write_text(
        json.dumps({"LifecycleLabApp": {"role_members": {"security": ["eve"]}}}))
    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY + "\n")
    settings = Settings.resolve({"audit_key_file": str(key_file)})
    service = make_service(settings, store=Store(f"sqlite:///{tmp_path / 'k.sqlite'}",
                                                  settings.resolved_audit_key()))
    assert service.role_members == {"security": ["eve"]}
    assert settings.resolved_audit_key() == Settings.resolve({"audit_key": KEY}).resolved_audit_key()


def test_a_deployment_swaps_the_service_class_by_configuration(tmp_path: Path) -> None:
    settings = Settings.resolve(config={"LifecycleLabApp": {"service_class": "test_config.AuditedLifecycle"}})
    service = make_service(settings, store=Store(f"sqlite:///{tmp_path / 's.sqlite'}"))
    assert type(service) is AuditedLifecycle and service.settings is settings


async def test_stopping_the_extension_stops_the_run_service(jp_serverapp, project: Project) -> None:
    [extension] = list(jp_serverapp.extension_manager.extension_apps["lifecycle_lab"])
    await extension.stop_extension()
    with pytest.raises(Conflict, match="stopping"):
        extension.runs.start(project, actor="alice")
    assert all(pool._shutdown for pool in extension.executors.values())


class AuditedLifecycle(Lifecycle):
    """A deployment's own service (here: just a subclass)."""


@pytest.mark.kernel
def test_rerun_defaults_in_jupyter_config_reach_reruns_started_by_the_cli_and_the_server(
    shared_config: Path, tmp_path: Path, db_url: str
) -> None:
    config = shared_config / "jupyter_lifecycle_lab_config.json"  # read by the server and the CLI alike
    section = json.loads(config.read_text())["LifecycleLabApp"]
    config.write_text(json.dumps({"LifecycleLabApp": {**section, "rerun_cell_timeout": 2, "rerun_timeout": 120}}))
    folder = write_notebook(tmp_path / "project" / "slow.ipynb", ["import time\ntime.sleep(30)"]).parent
    env = cli_env(db_url, JUPYTER_CONFIG_PATH=str(shared_config), LIFECYCLE_LAB_USER="alice")
    cli = [sys.executable, "-m", "lifecycle_lab.cli"]
    assert subprocess.run([*cli, "init", "--template", "minimal"], cwd=folder, env=env, timeout=120).returncode == 0
    manifest = folder / "lifecycle.yaml"  # the project keeps its own timeout and leaves the cell timeout out
    manifest.write_text(manifest.read_text().replace("  cell_timeout: 600\n", ""))

    # the CLI: the cell that sleeps past the deployment's 2 s cell timeout fails the run
    rerun = subprocess.run([*cli, "rerun", "slow.ipynb", "--json"], cwd=folder, env=env, capture_output=True,
                           text=True, timeout=240)
    run = json.loads(rerun.stdout)
    assert (rerun.returncode, run["verdict"]) == (1, "timed_out"), rerun.stderr
    assert (run["options"]["cell_timeout"], run["options"]["timeout"]) == (2, 1800)  # the project's own wins

    # the server: the run it starts records the same effective timeouts
    project_id = Lifecycle(Store(db_url)).open_project(folder, actor="alice").id
    with JupyterServerProcess(folder, db_url, env={"JUPYTER_CONFIG_PATH": str(shared_config)}).start() as server:
        runs = f"/lifecycle-lab/api/projects/{project_id}/runs"
        status, _headers, started = server.request("POST", runs, {"notebooks": ["slow.ipynb"]})
        assert status == 202 and (started["options"]["cell_timeout"], started["options"]["timeout"]) == (2, 1800)
        closed = wait_until(lambda: not (run := server.request("GET", f"{runs}/{started['id']}")[2])["active"]
                            and run, 180, 0.5, what="the server's run to close")
    assert closed["verdict"] == "timed_out"


def test_a_bad_rerun_default_is_refused_naming_it(shared_config: Path, tmp_path: Path, db_url: str) -> None:
    (shared_config / "jupyter_lifecycle_config.json").write_text(
        json.dumps({"LifecycleLabApp": {"rerun_cell_timeout": -1}}))
    env = cli_env(db_url, JUPYTER_CONFIG_PATH=str(shared_config), LIFECYCLE_LAB_USER="alice")
    refused = subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", "init"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "rerun_cell_timeout must be more than 0 seconds" in refused.stderr
    with pytest.raises(ValidationError, match="LIFECYCLE_LAB_RERUN_TIMEOUT"):
        Settings.resolve(config={}, environ={"LIFECYCLE_LAB_RERUN_TIMEOUT": "soon"})


def test_a_projects_own_rerun_timeouts_win_over_the_deployments(project: Project) -> None:
    deployment = Settings.resolve({"rerun_timeout": 90.5, "rerun_cell_timeout": 30}, config={})
    built_in = rerun_options(project, None)
    assert project.manifest.rerun_given >= {"timeout", "cell_timeout"}  # init writes both
    assert rerun_options(project, deployment) == built_in
    bare = replace(project, manifest=replace(project.manifest, rerun_given=frozenset()))
    assert rerun_options(bare, deployment) == {**built_in, "timeout": 90.5, "cell_timeout": 30}
