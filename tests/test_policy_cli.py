"""Sign-off policy and MLflow evidence through the real command line (``jupyter lifecycle`` in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env

from lifecycle_lab.service import Lifecycle, Project

RISK = "governance/risk-assessment"


@pytest.fixture
def run_cli(db_url: str, tmp_path: Path, project: Project):
    """``jupyter lifecycle ARGS`` as ``user`` in the project, with role members in a Jupyter config file."""
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_lifecycle_lab_config.json").write_text(json.dumps(
        {"LifecycleLabApp": {"role_members": {"security": ["eve", "alice"], "legal": ["dana"]}}}))

    def run(args: list[str], user: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", *args], cwd=project.directory,
                              capture_output=True, text=True, timeout=180,
                              env=cli_env(db_url, **{"LIFECYCLE_LAB_USER": user, "JUPYTER_CONFIG_DIR": str(config),
                                                     **env}))

    return run


def add_policy(project: Project, policy: str) -> None:
    manifest = project.directory / "lifecycle.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "policy:\n" + policy, encoding="utf-8")


def sign(run_cli, user: str, role: str = "security") -> subprocess.CompletedProcess[str]:
    return run_cli(["signoff", "governance", "--role", role, "--approve"], user)


def test_cli_refusals_exit_1_naming_the_rule_then_allow(run_cli, project: Project, service: Lifecycle) -> None:
    add_policy(project, f"  governance:\n    roles: [security, legal]\n    separation_of_duties: true\n"
                        f"    require_evidence: [{RISK}]\n")
    refused = sign(run_cli, "mallory")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("jupyter lifecycle: refused (role): role: mallory is not mapped to role "
                                     "'security'") and refused.stderr.count("\n") == 1
    refused = sign(run_cli, "eve")
    assert refused.returncode == 1 and refused.stderr.startswith("jupyter lifecycle: refused (evidence): ")
    done = run_cli(["set", RISK, "--evidence", '{"url": "https://example.org/risk"}'], "eve")
    assert done.returncode == 0, done.stderr
    refused = sign(run_cli, "eve")
    assert refused.returncode == 1
    assert refused.stderr.startswith("jupyter lifecycle: refused (separation_of_duties): ")
    approved = sign(run_cli, "alice")
    assert approved.returncode == 0, approved.stderr
    assert "alice as security" in approved.stdout
    again = sign(run_cli, "eve")  # eve changed nothing since alice's approval
    assert again.returncode == 0, again.stderr


def test_cli_reports_a_malformed_role_mapping_and_policy_in_one_line(run_cli, project: Project,
                                                                    tmp_path: Path) -> None:
    add_policy(project, "  governance:\n    roles: [security, janitor]\n")
    bad = run_cli(["gate", "governance"], "eve")
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"jupyter lifecycle: error: {project.directory / 'lifecycle.yaml'}:")
    assert "policy.governance.roles[1]: unknown role 'janitor'" in bad.stderr
    config = tmp_path / "other-config"
    config.mkdir()
    (config / "jupyter_lifecycle_lab_config.json").write_text('{"LifecycleLabApp": {"role_members": {"x": "y"}}}')
    wrong = run_cli(["signoff", "framing", "--role", "model-owner", "--approve"], "eve",
                    JUPYTER_CONFIG_DIR=str(config))
    assert wrong.returncode == 2 and "LifecycleLabApp.role_members: must map role ids" in wrong.stderr


def test_cli_imports_an_mlflow_run_then_status_shows_it_stale_after_the_run_changes(
        run_cli, project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow.tracking import MlflowClient

    uri = (tmp_path / "mlruns").as_uri()
    client = MlflowClient(uri)
    run_id = client.create_run("0", tags={"mlflow.source.git.commit": "feedface" * 5}).info.run_id
    client.log_param(run_id, "C", "0.5")
    client.log_metric(run_id, "auc", 0.8)
    client.log_metric(run_id, "auc.ci_low", 0.7)
    done = run_cli(["evidence", "from-mlflow", run_id, "--tracking-uri", uri, "--item",
                    "experimentation/hyperparameter-records", "--item", "validation/segment-performance=auc"],
                   "alice")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"experimentation/hyperparameter-records: recorded MLflow run {run_id}, version 1",
        f"validation/segment-performance: recorded MLflow run {run_id} (metric auc), version 1"]
    assert json.loads(run_cli(["status", "--format", "json"], "alice").stdout)["stale"] == {}
    client.log_metric(run_id, "auc", 0.6)
    stale = json.loads(run_cli(["status", "--format", "json"], "alice").stdout)["stale"]
    assert stale["validation/segment-performance"] == [f"mlflow run {run_id} changed after it was imported"]
    missing = run_cli(["evidence", "from-mlflow", "nope", "--tracking-uri", uri], "alice")
    assert missing.returncode == 2
    assert missing.stderr.startswith("jupyter lifecycle: error: MLflow run 'nope' not found")
