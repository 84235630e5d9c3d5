"""A rerun says which project files it created or changed; ``--sandbox`` executes in a copy and touches none.

Real reruns: ``jupyter lifecycle rerun`` as a process, a worker, a kernel under papermill. The notebook trains
"a model" and pickles it into the project, as a training notebook does.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pytest
from rerun_support import save_outputs, write_notebook

from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.service import Project

pytestmark = pytest.mark.kernel

TRAIN = ("import pickle\nmodel = {'weights': [0.25, 0.5]}\nwith open('model.pkl', 'wb') as f:\n"
         "    pickle.dump(model, f)\nprint('saved')")


@pytest.fixture
def trained(project_dir: Path, cli) -> Path:
    """A project whose notebook writes ``model.pkl`` and whose saved model is an older one."""
    save_outputs(write_notebook(project_dir / "train.ipynb", [TRAIN]))
    (project_dir / "model.pkl").write_bytes(b"the model the user trained by hand")
    assert cli(["init", "--template", "minimal"], cwd=project_dir).returncode == 0
    return project_dir


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_rerun_lists_the_model_it_overwrote_in_the_project(trained: Path, cli) -> None:
    done = cli(["rerun", "--json", "train.ipynb"], cwd=trained)
    run = json.loads(done.stdout)
    assert done.returncode == 0 and run["verdict"] == "reproduced", done.stderr
    written = (trained / "model.pkl").read_bytes()
    assert pickle.loads(written) == {"weights": [0.25, 0.5]}  # the rerun did overwrite it ...
    assert run["files"] == {"where": "project", "omitted": 0, "skipped": None, "changes": [  # ... and says so
        {"path": "model.pkl", "change": "changed",
         "before": {"size": 34, "sha256": sha(b"the model the user trained by hand")},
         "after": {"size": len(written), "sha256": sha(written)}},
    ]}
    text = cli(["rerun", "train.ipynb"], cwd=trained).stdout
    assert "files: the rerun created or changed no file in the project" in text  # same model again: unchanged


def test_a_sandboxed_rerun_leaves_the_project_untouched_and_lists_what_it_wrote_in_the_copy(
    trained: Path, cli,
) -> None:
    before = {p.relative_to(trained): p.read_bytes() for p in trained.rglob("*")
              if p.is_file() and ".lifecycle" not in p.parts}
    done = cli(["rerun", "--sandbox", "train.ipynb"], cwd=trained)
    assert done.returncode == 0, done.stdout + done.stderr
    after = {p.relative_to(trained): p.read_bytes() for p in trained.rglob("*")
             if p.is_file() and ".lifecycle" not in p.parts}
    assert after == before  # model.pkl still the user's own
    assert "· finished · reproduced" in done.stdout  # compared from the copy's execution
    assert "files the rerun created or changed in the sandbox copy (your files were not touched):" in done.stdout
    assert "  changed model.pkl (34 → " in done.stdout
    run_dir = next((trained / ".lifecycle" / "runs").iterdir())
    assert (run_dir / "train.ipynb").is_file() and not (run_dir / "sandbox").exists()  # output kept, copy removed


async def test_the_rest_run_takes_sandbox_and_answers_with_the_files(api, served_project: Project) -> None:
    folder = served_project.directory
    save_outputs(write_notebook(folder / "train.ipynb", [TRAIN]))
    (folder / "model.pkl").unlink()  # saving the notebook's outputs trained one: the project has none now
    path = f"projects/{served_project.id}/runs"
    bad = await api("POST", path, json={"notebooks": ["train.ipynb"], "sandbox": "yes"})
    assert (bad.status, bad.body["field"]) == (400, "sandbox")
    started = await api("POST", path, json={"notebooks": ["train.ipynb"], "sandbox": True})
    assert started.status == 202 and started.body["options"]["sandbox"] is True

    async def closed() -> dict | None:
        run = (await api("GET", f"{path}/{started.body['id']}")).body
        return None if run["active"] else run

    run = await wait_until(closed, 120, 0.2, what="the sandboxed run to close")
    assert run["verdict"] == "reproduced"
    assert not (folder / "model.pkl").exists()
    assert run["files"]["where"] == "sandbox"
    assert [(c["path"], c["change"], c["before"]) for c in run["files"]["changes"]] == [("model.pkl", "created", None)]
