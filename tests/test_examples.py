"""The example project: the quick start's import gives the state its README documents, and the notebooks rerun.

Each test works on a copy of ``example_notebooks/`` in a temporary folder with a
temporary store, through the real command line; the kernel tests run real kernels.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, cli_env

EXAMPLES = ROOT / "example_notebooks"
STATE = EXAMPLES / ".lifecycle" / "state.json"
README = EXAMPLES / "README.md"
QUICK_START = ROOT / "README.md"
NOTEBOOKS = ["01-framing.ipynb", "02-data.ipynb", "03-train.ipynb", "04-evaluate.ipynb", "nondeterministic.ipynb"]
PASSING = {"reproduced", "within_tolerance"}

Cli = Callable[..., subprocess.CompletedProcess[str]]


def copy_examples(tmp_path: Path) -> Path:
    """A fresh copy of the example folder as it is committed (no rerun outputs, no trained model)."""
    ignored = shutil.ignore_patterns("runs", "models", ".ipynb_checkpoints", "__pycache__")
    return Path(shutil.copytree(EXAMPLES, tmp_path / "example_notebooks", ignore=ignored))


def quick_start_import(cli: Cli, folder: Path) -> subprocess.CompletedProcess[str]:
    """The import step of the README's quick start, run from the folder above the project."""
    return cli(["import", "--skip-existing", "--project", folder.name, f"{folder.name}/.lifecycle/state.json"],
               cwd=folder.parent)


def status(cli: Cli, folder: Path) -> dict[str, Any]:
    """``jupyter lifecycle status --format json`` in the project folder."""
    done = cli(["status", "--format", "json"], cwd=folder)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def documented() -> dict[str, Any]:
    """What example_notebooks/README.md says the shipped state is."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## The state it ships in", 1)[1].split("\n## ", 1)[0]
    overall = re.search(r"\*\*(\d+) of (\d+)\s+applicable items done\*\*", section)
    assert overall, "README: the overall count is missing"
    stages = {title: (int(done), int(applicable), gate == "passes")
              for title, done, applicable, gate in re.findall(r"^\| ([^|]+?) \| (\d+)/(\d+) \| (passes|blocked)",
                                                              section, re.M)}
    lists = {}
    for label, body in re.findall(r"^- \*\*([^*]+):\*\*(.*?)(?=^- \*\*|\Z)", section, re.M | re.S):
        lists[label] = re.findall(r"`([a-z-]+/[a-z-]+)`", body)
    current = re.search(r"(\w+) approved by (\w+) as ([\w-]+), current", section)
    outdated = re.search(r"(\w+) approved by (\w+) as\s+([\w-]+), then \*\*outdated\*\*", section)
    assert current and outdated, "README: the sign-offs are missing"
    return {"overall": (int(overall[1]), int(overall[2])), "stages": stages, "lists": lists,
            "signoffs": {(current[1], current[2], current[3], False), (outdated[1], outdated[2], outdated[3], True)}}


def test_the_shipped_loans_are_what_their_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("generate_loans", EXAMPLES / "data" / "generate_loans.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    written = generator.loans().to_csv(index=False, lineterminator="\n").encode()
    assert written == (EXAMPLES / "data" / "loans.csv").read_bytes()
    assert len(written) < 500_000


def test_the_readme_quick_start_imports_the_shipped_state_before_opening_jupyterlab() -> None:
    command = re.search(r"## Quick start.*?```bash\n(.+?)\n```", QUICK_START.read_text(encoding="utf-8"), re.S)
    assert command, "README: no quick-start command"
    steps = command[1].split(" && ")
    assert steps[0] == 'pip install ".[examples]"'
    assert steps[1] == ("jupyter lifecycle import --skip-existing --project example_notebooks "
                        "example_notebooks/.lifecycle/state.json")
    assert steps[2].startswith("jupyter lab") and steps[2].endswith(" example_notebooks")
    assert f"```bash\n{command[1]}\n```" in README.read_text(encoding="utf-8")  # both READMEs give the same command


def test_quick_start_import_gives_the_documented_state(cli: Cli, tmp_path: Path) -> None:
    folder = copy_examples(tmp_path)
    imported = quick_start_import(cli, folder)
    assert imported.returncode == 0, imported.stderr
    assert "audit chain verifies" in imported.stdout and imported.stderr == ""  # no "not a project folder" note
    view = status(cli, folder)
    expected = documented()

    assert view["project"]["path"] == str(folder)
    overall = view["progress"]["overall"]
    assert (overall["done"], overall["applicable"]) == expected["overall"]
    titles = {stage["id"]: stage["title"] for stage in view["template"]["stages"]}
    shown = {titles[sid]: (p["done"], p["applicable"], view["gates"][sid]["passed"])
             for sid, p in view["progress"]["stages"].items()}
    assert shown == expected["stages"]
    by_status: dict[str, set[str]] = {}
    for key, item in view["items"].items():
        by_status.setdefault(item["status"], set()).add(key)
    lists = expected["lists"]
    assert by_status["in_progress"] == set(lists["In progress"])
    assert by_status["blocked"] == set(lists["Blocked"])
    assert by_status["not_applicable"] == set(lists["Not applicable"])
    assert view["items"]["product/internationalization"]["justification"]
    assert set(view["overdue"]) == set(lists["Overdue"])
    assert view["stale"] == {}
    titled = {s["stage"]: titles[s["stage"]] for s in view["signoffs"]}
    assert {(titled[s["stage"]], s["user"], s["role"], s["outdated"]) for s in view["signoffs"]} == expected["signoffs"]
    assert [(d["name"], d["version"], d["status"]) for d in view["datasets"]] == [("loans", 1, "ok")]
    rerun = view["items"]["experimentation/reproducibility-rerun"]["evidence"]
    assert rerun["verdict"] == "differs"
    assert {nb["path"]: nb["verdict"] in PASSING for nb in rerun["notebooks"]} == {
        nb: nb != "nondeterministic.ipynb" for nb in NOTEBOOKS}


def test_quick_start_run_twice_keeps_the_users_changes(cli: Cli, tmp_path: Path) -> None:
    folder = copy_examples(tmp_path)
    assert quick_start_import(cli, folder).returncode == 0
    changed = cli(["set", "validation/edge-cases", "--status", "in_progress", "--owner", "me"], cwd=folder)
    assert changed.returncode == 0, changed.stderr
    events = cli(["audit", "--format", "json"], cwd=folder).stdout

    again = quick_start_import(cli, folder)

    assert again.returncode == 0, again.stderr
    assert "already in this store: left as it is" in again.stdout
    assert status(cli, folder)["items"]["validation/edge-cases"]["owner"] == "me"
    assert cli(["audit", "--format", "json"], cwd=folder).stdout == events
    assert cli(["audit", "--verify"], cwd=folder).returncode == 0


def test_import_with_a_folder_of_another_project_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    assert cli(["init", str(other)], cwd=tmp_path).returncode == 0
    refused = cli(["import", "--project", str(other), str(STATE)], cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "not 3f6c2a0e-5b1d-4c8e-9a7f-2d4e6b8c0a11" in refused.stderr
    listed = cli(["import", "--skip-existing", str(STATE)], cwd=tmp_path)  # nothing was imported before
    assert listed.returncode == 0 and listed.stdout.startswith("imported 'Credit default model'")


def test_import_refuses_replace_and_skip_existing_together(cli: Cli, tmp_path: Path) -> None:
    both = cli(["import", "--replace", "--skip-existing", str(STATE)], cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with" in both.stderr and "Traceback" not in both.stderr


@pytest.mark.kernel
def test_every_example_notebook_reproduces_except_the_nondeterministic_one(cli: Cli, tmp_path: Path) -> None:
    folder = copy_examples(tmp_path)
    assert quick_start_import(cli, folder).returncode == 0

    done = cli(["rerun", "--json"], cwd=folder, user="chen")

    assert done.returncode == 1, done.stderr  # 1: a notebook differs
    run = json.loads(done.stdout)
    assert run["status"] == "finished" and run["verdict"] == "differs"
    verdicts = {nb["path"]: nb["verdict"] for nb in run["notebooks"]}
    assert list(verdicts) == NOTEBOOKS
    assert all(verdicts[nb] in PASSING for nb in NOTEBOOKS[:-1]), verdicts
    assert verdicts["nondeterministic.ipynb"] == "differs"
    differing = run["notebooks"][-1]["diffs"]["cells"]
    assert [cell["cell_id"] for cell in differing] == ["nondet-03", "nondet-04"]
    assert [(c["name"], c["status"]) for c in run["data_checks"]] == [("loans", "ok")]
    assert (folder / "models" / "credit-default.joblib").is_file()  # 04-evaluate read what 03-train wrote


def _stable(value: Any) -> Any:
    """Numbers to 6 significant digits (last-digit differences between BLAS builds are not a change)."""
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def stable_parts(state: dict[str, Any]) -> dict[str, Any]:
    """What two runs of make_state.py must agree on: no times, ids, hashes of the chain, paths or environments."""
    def evidence(item: dict[str, Any]) -> Any:
        value = item["evidence"]
        if isinstance(value, dict) and "run_id" in value:
            value = {k: v for k, v in value.items() if k not in ("run_id", "finished_at")}
        return value

    project = state["project"]
    return _stable({
        "project": {k: project[k] for k in ("id", "name", "template", "template_version", "created_by")},
        "items": [{**{k: item[k] for k in ("key", "status", "owner", "due", "notes", "justification", "version",
                                          "updated_by")}, "evidence": evidence(item)} for item in state["items"]],
        "signoffs": [{k: s[k] for k in ("stage", "role", "decision", "comment", "user_name", "snapshot")}
                     for s in state["signoffs"]],
        "datasets": [{**{k: d[k] for k in d if k not in ("created_at", "versions")},
                      "versions": [{k: v[k] for k in v if k not in ("recorded_at", "id")} for v in d["versions"]]}
                     for d in state["datasets"]],
        "runs": [{**{k: r[k] for k in ("status", "verdict", "twice", "requested_by", "options", "error")},
                  "notebooks": [{"path": nb["path"], "verdict": nb["verdict"], "sha256": nb["sha256"],
                                 "counts": nb["diffs"]["counts"]} for nb in r["notebooks"]]}
                 for r in state["runs"]],
        "audit": [(e["actor"], e["action"], "(run)" if e["action"].startswith("run.") else e["target"])
                  for e in state["audit"]],
    })


@pytest.mark.kernel
def test_make_state_rebuilds_the_shipped_state(db_url: str, tmp_path: Path) -> None:
    output = tmp_path / "state.json"
    done = subprocess.run([sys.executable, str(EXAMPLES / "make_state.py"), "-o", str(output)],
                          env=cli_env(db_url), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    shipped = json.loads(STATE.read_text(encoding="utf-8"))["state"]
    rebuilt = json.loads(output.read_text(encoding="utf-8"))["state"]
    assert stable_parts(rebuilt) == stable_parts(shipped)
    assert rebuilt["project"]["path"] != shipped["project"]["path"]  # a temporary folder each time
