"""REST: reproducibility reruns started, followed, listed and cancelled over HTTP, with real workers and kernels."""

from __future__ import annotations

import email.utils
import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_server.auth import Authorizer
from rerun_support import configure, kernels_of_run, processes_of_run, save_outputs, write_notebook
from test_server_contract import conforms

from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.service import Lifecycle, Project

RERUN_ITEM = "experimentation/reproducibility-rerun"  # the default template's `rerun` item


def runs_of(project: Project) -> str:
    return f"projects/{project.id}/runs"


async def until(api, path: str, done, timeout: float = 120) -> dict[str, Any]:
    """GET ``path`` every 0.1 s until ``done(body)``; every body seen is kept in ``seen`` of the last one."""

    async def reached() -> dict[str, Any] | None:
        reply = await api("GET", path)
        assert reply.status == 200, reply.body
        return reply.body if done(reply.body) else None

    return await wait_until(reached, timeout, what=f"GET {path}")


async def finished(api, project: Project, run_id: str) -> dict[str, Any]:
    """The run once it is closed."""
    return await until(api, f"{runs_of(project)}/{run_id}", lambda run: not run["active"])


@pytest.fixture
def notebooks(served_project: Project, service: Lifecycle) -> Project:
    """The served project (``credit``) rerunning ``steps.ipynb``: a heading and four code cells (three take
    half a second), outputs saved."""
    folder = served_project.directory
    save_outputs(write_notebook(folder / "steps.ipynb", ["import time"] + [f"time.sleep(0.5)\nprint({n})"
                                                                         for n in range(3)]))
    configure(folder, notebooks=["steps.ipynb"])
    return service.project(served_project.id)


@pytest.mark.kernel
async def test_a_started_run_answers_202_and_shows_its_progress_until_its_verdict(
    api, notebooks: Project, jp_root_dir: Path
) -> None:
    # When a client starts a rerun of the manifest's notebooks (no body)
    reply = await api("POST", runs_of(notebooks))
    # Then it is queued at once, with where to follow it
    assert reply.status == 202, reply.body
    run = reply.body
    assert run["status"] in ("queued", "running") and run["active"] is True
    assert reply.headers["Location"].endswith(f"/lifecycle-lab/api/projects/{notebooks.id}/runs/{run['id']}")
    assert run["requested_by"] == (await api("GET", f"projects/{notebooks.id}")).body["user"]["actor"]
    assert conforms(run, "Run") == []
    # ... and polling shows cells done while it runs, then the verdict
    progress = []
    final = await until(api, f"{runs_of(notebooks)}/{run['id']}",
                        lambda r: progress.append((r["status"], r["progress"]["cells_done"])) or not r["active"])
    assert any(status == "running" and 0 < done < 5 for status, done in progress), progress
    assert (final["status"], final["verdict"]) == ("finished", "reproduced")
    assert final["progress"] == {"cells_done": 5, "cells_total": 5, "notebooks_done": 1, "notebooks_total": 1}
    assert conforms(final, "Run") == []
    # ... and the executed notebook is where the run says, relative to the server root
    [nb] = final["notebooks"]
    assert nb["root_path"] == "credit/steps.ipynb" and final["project_path"] == "credit"
    assert nb["output_root_path"] == f"credit/.lifecycle/runs/{run['id']}/steps.ipynb"
    assert (jp_root_dir / nb["output_root_path"]).is_file()
    assert (jp_root_dir / final["output_dir"] / "worker.log").is_file()


@pytest.mark.kernel
async def test_a_nondeterministic_notebook_differs_and_the_run_shows_the_cell(
    api, served_project: Project
) -> None:
    save_outputs(write_notebook(served_project.directory / "random.ipynb",
                                ["import random\nprint(random.random())"]))
    reply = await api("POST", runs_of(served_project), json={"notebooks": ["random.ipynb"]})
    run = await finished(api, served_project, reply.body["id"])
    assert run["verdict"] == "differs"
    diffs = run["notebooks"][0]["diffs"]
    assert diffs["against"] == "saved" and diffs["counts"]["differs"] == 1
    [cell] = diffs["cells"]
    assert cell["status"] == "differs" and "random.random()" in cell["source"]
    assert cell["expected"][0]["text"] != cell["actual"][0]["text"]
    assert " vs " in cell["first_difference"]["message"]
    assert conforms(run, "Run") == []


@pytest.mark.kernel
async def test_twice_runs_each_notebook_twice_and_both_executions_can_be_read(api, served_project: Project) -> None:
    write_notebook(served_project.directory / "random.ipynb", ["import random\nprint(random.random())"])
    reply = await api("POST", runs_of(served_project), json={"notebooks": ["random.ipynb"], "twice": True})
    run = await finished(api, served_project, reply.body["id"])
    assert run["twice"] is True and run["verdict"] == "differs"
    diffs = run["notebooks"][0]["diffs"]
    assert diffs["against"] == "first_run"
    assert diffs["other_path"].endswith("random.run2.ipynb")
    # ... and each execution is served with the output the comparison saw
    notebook = f"{runs_of(served_project)}/{run['id']}/notebooks/0"
    first, second = (await api("GET", notebook)), (await api("GET", notebook, params={"execution": 2}))
    assert first.status == second.status == 200
    [cell] = diffs["cells"]
    assert printed(first.body) == cell["expected"][0]["text"]
    assert printed(second.body) == cell["actual"][0]["text"] != printed(first.body)


@pytest.mark.kernel
async def test_cancelling_a_running_run_stops_it_and_leaves_no_kernel(api, served_project: Project) -> None:
    write_notebook(served_project.directory / "sleepy.ipynb", ["import time\ntime.sleep(60)"])
    started = (await api("POST", runs_of(served_project), json={"notebooks": ["sleepy.ipynb"]})).body

    async def kernel_started() -> bool:
        return bool(kernels_of_run(started["id"]))

    await wait_until(kernel_started, 60, what="the run's kernel")
    # When the client cancels it
    reply = await api("DELETE", f"{runs_of(served_project)}/{started['id']}")
    # Then the answer is the cancelled run, and neither its worker nor its kernel is left
    assert reply.status == 200, reply.body
    assert (reply.body["status"], reply.body["verdict"]) == ("cancelled", "cancelled")
    assert reply.body["error"] == f"cancelled by {started['requested_by']}"
    assert reply.body["notebooks"][0]["status"] == "cancelled"
    assert processes_of_run(started["id"]) == []
    assert conforms(reply.body, "Run") == []
    # ... and cancelling it again answers the same run
    again = await api("DELETE", f"{runs_of(served_project)}/{started['id']}")
    assert again.status == 200 and again.body["status"] == "cancelled"


@pytest.mark.kernel
async def test_cancelling_a_finished_run_is_409_with_the_run(api, notebooks: Project) -> None:
    run = await finished(api, notebooks, (await api("POST", runs_of(notebooks))).body["id"])
    reply = await api("DELETE", f"{runs_of(notebooks)}/{run['id']}")
    assert reply.status == 409 and "already finished" in reply.body["message"]
    assert reply.body["current"]["status"] == "finished" and conforms(reply.body, "RunConflict") == []


@pytest.mark.kernel
async def test_starting_notebooks_that_are_already_being_rerun_is_409(api, served_project: Project) -> None:
    write_notebook(served_project.directory / "sleepy.ipynb", ["import time\ntime.sleep(60)"])
    first = (await api("POST", runs_of(served_project), json={"notebooks": ["sleepy.ipynb"]})).body
    try:
        reply = await api("POST", runs_of(served_project), json={"notebooks": ["sleepy.ipynb"]})
        assert reply.status == 409 and first["id"] in reply.body["message"]
        assert reply.body["current"]["id"] == first["id"] and conforms(reply.body, "RunConflict") == []
        assert [r["id"] for r in (await api("GET", runs_of(served_project))).body["runs"]] == [first["id"]]
    finally:
        await api("DELETE", f"{runs_of(served_project)}/{first['id']}")


@pytest.mark.kernel
async def test_runs_are_listed_newest_first_without_environment_or_diffs(api, notebooks: Project) -> None:
    write_notebook(notebooks.directory / "quick.ipynb", ["print('hi')"])
    older = await finished(api, notebooks, (await api("POST", runs_of(notebooks))).body["id"])
    newer = await finished(api, notebooks, (await api("POST", runs_of(notebooks),
                                                      json={"notebooks": ["quick.ipynb"]})).body["id"])
    reply = await api("GET", runs_of(notebooks))
    assert [r["id"] for r in reply.body["runs"]] == [newer["id"], older["id"]]
    assert all("environment" not in r and "diffs" not in r["notebooks"][0] for r in reply.body["runs"])
    assert reply.body["runs"][0]["environment_diff"]["against"] == older["id"]
    assert conforms(reply.body, "RunList") == []
    latest = await api("GET", runs_of(notebooks), params={"limit": 1})
    assert [r["id"] for r in latest.body["runs"]] == [newer["id"]]


@pytest.mark.kernel
async def test_a_finished_run_is_the_rerun_evidence_in_the_project_view(api, notebooks: Project) -> None:
    before = (await api("GET", f"projects/{notebooks.id}")).body
    run = await finished(api, notebooks, (await api("POST", runs_of(notebooks))).body["id"])
    view = (await api("GET", f"projects/{notebooks.id}")).body
    item = view["items"][RERUN_ITEM]
    assert item["evidence"]["run_id"] == run["id"] and item["evidence"]["verdict"] == "reproduced"
    assert item["status"] == "in_progress" and item["updated_by"] == run["requested_by"]
    assert item["evidence"]["notebooks"] == [{"path": "steps.ipynb", "verdict": "reproduced",
                                              "sha256": run["notebooks"][0]["sha256"]}]
    changes = (await api("GET", f"projects/{notebooks.id}/changes", params={"since": before["seq"]})).body
    assert [e["action"] for e in changes["events"]] == ["run.create", "run.finish", "item.update"]


# --- executed notebooks ------------------------------------------------------------------------------------------


def printed(notebook: dict[str, Any]) -> str:
    """What the notebook's code cells printed, joined."""
    return "".join("".join(out["text"]) for cell in notebook["cells"] if cell["cell_type"] == "code"
                   for out in cell["outputs"] if out["output_type"] == "stream")


@pytest.mark.kernel
async def test_the_executed_notebook_of_a_run_is_served_with_the_outputs_of_the_rerun(
    api, served_project: Project
) -> None:
    # Given a notebook saved without outputs, rerun
    write_notebook(served_project.directory / "answer.ipynb", ["print(6 * 7)"])
    reply = await api("POST", runs_of(served_project), json={"notebooks": ["answer.ipynb"]})
    run = await finished(api, served_project, reply.body["id"])
    # When a client asks for the executed notebook
    executed = await api("GET", f"{runs_of(served_project)}/{run['id']}/notebooks/0")
    # Then it gets the notebook as the run executed it: nbformat 4 with the rerun's outputs
    assert executed.status == 200, executed.body
    assert conforms(executed.body, "Notebook") == []
    nbformat.validate(nbformat.from_dict(executed.body))
    assert printed(executed.body) == "42\n"
    [code] = [cell for cell in executed.body["cells"] if cell["cell_type"] == "code"]
    assert code["source"] == "print(6 * 7)" and code["execution_count"] == 1
    assert executed.body == nbformat.read(served_project.directory / run["notebooks"][0]["output_path"], as_version=4)
    assert email.utils.parsedate_to_datetime(executed.headers["Last-Modified"]).year >= 2024
    # ... and the notebook as saved is untouched
    assert printed(nbformat.read(served_project.directory / "answer.ipynb", as_version=4)) == ""


def recorded_run(service: Lifecycle, project: Project, run_id: str, notebooks: list[str], *,
                 twice: bool = False) -> dict[str, Any]:
    """A queued run, recorded only: no worker starts, nothing executes."""
    return service.store.create_run(project.id, run_id, notebooks, options={}, twice=twice, actor="bob",
                                    at=service.clock())


async def test_an_executed_notebook_is_404_until_the_run_has_written_it(
    api, served_project: Project, service: Lifecycle
) -> None:
    recorded_run(service, served_project, "20260101T000000-aaaaaa", ["train.ipynb"])
    path = f"{runs_of(served_project)}/20260101T000000-aaaaaa/notebooks/0"
    reply = await api("GET", path)
    assert reply.status == 404
    assert reply.body["message"] == ("run 20260101T000000-aaaaaa has no executed notebook of 'train.ipynb' "
                                     "(the run is queued)")
    # Once the run's folder holds it (as the worker writes it), it is served
    write_notebook(served_project.directory / ".lifecycle/runs/20260101T000000-aaaaaa/train.ipynb", ["1 + 1"])
    reply = await api("GET", path)
    assert reply.status == 200 and reply.body["cells"][1]["source"] == "1 + 1"


@pytest.mark.parametrize(("path", "params", "status", "words"), [
    ("notebooks/1", {}, 404, "has no notebook at position 1"),
    ("notebooks/first", {}, 404, "has no notebook at position 'first'"),
    ("notebooks/-1", {}, 404, "has no notebook at position '-1'"),
    ("notebooks/0", {"execution": 2}, 404, "executed 'train.ipynb' once"),
    ("notebooks/0", {"execution": 3}, 400, "execution: must be between 1 and 2"),
    ("notebooks/0", {"execution": "two"}, 400, "execution: 'two' is not an integer"),
], ids=["no-such-position", "not-a-number", "negative", "not-twice", "third", "not-an-integer"])
async def test_a_request_for_an_executed_notebook_the_run_does_not_have_is_refused(
    api, served_project: Project, service: Lifecycle, path: str, params: dict, status: int, words: str
) -> None:
    recorded_run(service, served_project, "20260101T000000-bbbbbb", ["train.ipynb"])
    write_notebook(served_project.directory / ".lifecycle/runs/20260101T000000-bbbbbb/train.ipynb", ["1 + 1"])
    reply = await api("GET", f"{runs_of(served_project)}/20260101T000000-bbbbbb/{path}", params=params)
    assert reply.status == status and words in reply.body["message"], reply.body


async def test_the_second_execution_of_a_twice_run_is_404_until_it_exists(
    api, served_project: Project, service: Lifecycle
) -> None:
    recorded_run(service, served_project, "20260101T000000-cccccc", ["train.ipynb"], twice=True)
    folder = served_project.directory / ".lifecycle/runs/20260101T000000-cccccc"
    write_notebook(folder / "train.ipynb", ["'first'"])
    path = f"{runs_of(served_project)}/20260101T000000-cccccc/notebooks/0"
    reply = await api("GET", path, params={"execution": 2})
    assert reply.status == 404 and "no second execution of 'train.ipynb'" in reply.body["message"]
    write_notebook(folder / "train.run2.ipynb", ["'second'"])
    assert (await api("GET", path, params={"execution": 2})).body["cells"][1]["source"] == "'second'"
    assert (await api("GET", path)).body["cells"][1]["source"] == "'first'"


async def test_an_executed_notebook_of_another_projects_run_is_404(
    api, served_project: Project, service: Lifecycle, jp_root_dir: Path
) -> None:
    (jp_root_dir / "other").mkdir()
    other = service.init_project(jp_root_dir / "other", actor="bob", name="Other")
    recorded_run(service, other, "20260101T000000-dddddd", ["x.ipynb"])
    write_notebook(other.directory / ".lifecycle/runs/20260101T000000-dddddd/x.ipynb", ["'private'"])
    reply = await api("GET", f"{runs_of(served_project)}/20260101T000000-dddddd/notebooks/0")
    assert reply.status == 404 and "private" not in json.dumps(reply.body)
    assert (await api("GET", f"{runs_of(other)}/20260101T000000-dddddd/notebooks/0")).status == 200


async def test_an_executed_notebook_behind_a_symlink_leading_out_of_the_run_is_404(
    api, served_project: Project, service: Lifecycle, tmp_path: Path
) -> None:
    recorded_run(service, served_project, "20260101T000000-eeeeee", ["train.ipynb"])
    secret = write_notebook(tmp_path / "outside" / "secret.ipynb", ["'secret'"])
    folder = served_project.directory / ".lifecycle/runs/20260101T000000-eeeeee"
    folder.mkdir(parents=True)
    (folder / "train.ipynb").symlink_to(secret)
    reply = await api("GET", f"{runs_of(served_project)}/20260101T000000-eeeeee/notebooks/0")
    assert reply.status == 404 and "secret" not in json.dumps(reply.body)


async def test_a_runs_folder_linked_out_of_the_server_root_serves_nothing(
    api, served_project: Project, service: Lifecycle, tmp_path: Path
) -> None:
    # Given the project's .lifecycle folder is a symlink to a folder outside the server root
    outside = tmp_path / "elsewhere"
    runs = served_project.directory / ".lifecycle"
    shutil.move(runs, outside)
    runs.symlink_to(outside)
    recorded_run(service, served_project, "20260101T000000-ffffff", ["train.ipynb"])
    write_notebook(outside / "runs/20260101T000000-ffffff/train.ipynb", ["'outside'"])
    reply = await api("GET", f"{runs_of(served_project)}/20260101T000000-ffffff/notebooks/0")
    assert reply.status == 404 and "outside" not in json.dumps(reply.body)


async def test_an_executed_notebook_that_is_not_a_notebook_yet_is_409(
    api, served_project: Project, service: Lifecycle
) -> None:
    recorded_run(service, served_project, "20260101T000000-abcabc", ["train.ipynb"])
    folder = served_project.directory / ".lifecycle/runs/20260101T000000-abcabc"
    folder.mkdir(parents=True)
    (folder / "train.ipynb").write_text('{"cells": [{"cell_type": "co')  # cut off mid-write
    reply = await api("GET", f"{runs_of(served_project)}/20260101T000000-abcabc/notebooks/0")
    assert reply.status == 409 and "not JSON" in reply.body["message"] and "queued" in reply.body["message"]


async def test_an_executed_notebook_needs_a_token(api, served_project: Project, service: Lifecycle) -> None:
    recorded_run(service, served_project, "20260101T000000-a1b2c3", ["train.ipynb"])
    write_notebook(served_project.directory / ".lifecycle/runs/20260101T000000-a1b2c3/train.ipynb", ["'x'"])
    path = f"{runs_of(served_project)}/20260101T000000-a1b2c3/notebooks/0"
    reply = await api("GET", path, headers={"Authorization": ""})
    assert reply.status == 403 and "cells" not in reply.body
    assert (await api("GET", path)).status == 200


# --- refused before a run exists (no kernel starts) -----------------------------------------------------------


@pytest.fixture
def odd_files(served_project: Project, jp_root_dir: Path) -> Project:
    """Files next to the project's notebook that are not notebooks, and a link to a notebook outside the project."""
    folder = served_project.directory
    write_notebook(folder / "good.ipynb", ["print(1)"])
    (folder / "notes.txt").write_text("not a notebook")
    (folder / "broken.ipynb").write_text('{"cells": 5, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}')
    (folder / "folder.ipynb").mkdir()
    write_notebook(jp_root_dir / "elsewhere" / "other.ipynb", ["print(2)"])
    (folder / "linked.ipynb").symlink_to(jp_root_dir / "elsewhere" / "other.ipynb")
    return served_project


@pytest.mark.parametrize(("body", "status", "field", "words"), [
    ({"notebooks": ["missing.ipynb"]}, 404, None, "notebooks[0]: there is no notebook 'missing.ipynb'"),
    ({"notebooks": ["good.ipynb", "../elsewhere/other.ipynb"]}, 404, None, "notebooks[1]: there is no notebook"),
    ({"notebooks": ["/etc/hostname"]}, 404, None, "notebooks[0]"),
    ({"notebooks": ["linked.ipynb"]}, 400, "notebooks[0]", "'linked.ipynb' is outside the project folder"),
    ({"notebooks": ["notes.txt"]}, 400, "notebooks[0]", "'notes.txt' is not a notebook (not JSON"),
    ({"notebooks": ["broken.ipynb"]}, 400, "notebooks[0]", "is not a valid notebook (nbformat)"),
    ({"notebooks": ["folder.ipynb"]}, 400, "notebooks[0]", "'folder.ipynb' is not a file"),
    ({"notebooks": "good.ipynb"}, 400, "notebooks", "must be a list"),
    ({"notebooks": [""]}, 400, "notebooks", "must be a list"),
    ({"twice": "yes"}, 400, "twice", "true or false"),
    ({"notebook": ["good.ipynb"]}, 400, "notebook", "not a field"),
    ({}, 400, "notebooks", "no notebooks to rerun"),
], ids=["missing", "up-and-out", "absolute", "symlink-out", "text", "invalid", "folder", "not-a-list", "blank",
        "twice", "unknown-field", "nothing-to-run"])
async def test_a_bad_run_request_is_refused_before_a_run_exists(
    api, odd_files: Project, service: Lifecycle, body: dict, status: int, field: str | None, words: str
) -> None:
    reply = await api("POST", runs_of(odd_files), json=body)
    assert reply.status == status and words in reply.body["message"], reply.body
    assert reply.body.get("field") == field
    assert service.store.list_runs(odd_files.id) == []


async def test_a_missing_notebook_of_the_manifest_is_named_as_such(
    api, served_project: Project, service: Lifecycle
) -> None:
    configure(served_project.directory, notebooks=["gone.ipynb"])
    reply = await api("POST", runs_of(served_project))
    assert reply.status == 404
    assert reply.body["message"] == ("lifecycle.yaml notebooks[0]: there is no notebook 'gone.ipynb' "
                                     "in the project folder")
    assert service.store.list_runs(served_project.id) == []


async def test_a_body_that_is_not_a_json_object_is_400(api, served_project: Project) -> None:
    reply = await api("POST", runs_of(served_project), body=b"[1, 2]")
    assert reply.status == 400 and reply.body["field"] == "body"


async def test_a_run_of_another_project_is_404_and_cannot_be_cancelled_through_this_one(
    api, served_project: Project, service: Lifecycle, jp_root_dir: Path
) -> None:
    (jp_root_dir / "other").mkdir()
    other = service.init_project(jp_root_dir / "other", actor="bob", name="Other")
    # a queued run of the other project (recorded only: no worker, nothing executes)
    service.store.create_run(other.id, "20260101T000000-abcdef", ["x.ipynb"], options={}, twice=False,
                             actor="bob", at=service.clock())
    path = f"{runs_of(served_project)}/20260101T000000-abcdef"
    assert (await api("GET", path)).status == 404
    assert (await api("DELETE", path)).status == 404
    assert service.store.get_run("20260101T000000-abcdef")["status"] == "queued"
    assert (await api("GET", f"{runs_of(other)}/20260101T000000-abcdef")).status == 200


class NoKernels(Authorizer):
    """Allows everything but the ``kernels`` resource (a user who may read and edit but not execute)."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "kernels"


async def test_reruns_need_the_kernels_permission_that_reading_a_project_does_not(
    api, served_project: Project, jp_serverapp, monkeypatch: pytest.MonkeyPatch, service: Lifecycle
) -> None:
    write_notebook(served_project.directory / "train.ipynb", ["print(1)"])
    monkeypatch.setitem(jp_serverapp.web_app.settings, "authorizer",
                        NoKernels(parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider))
    assert (await api("GET", f"projects/{served_project.id}")).status == 200
    assert (await api("POST", runs_of(served_project), json={"notebooks": ["train.ipynb"]})).status == 403
    assert (await api("GET", runs_of(served_project))).status == 403
    assert service.store.list_runs(served_project.id) == []


class NoContents(Authorizer):
    """Allows everything but the ``contents`` resource (a user who may run code but not read files)."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "contents"


@pytest.mark.parametrize(("authorizer", "runs_status", "notebook_status"), [
    (NoKernels, 403, 200), (NoContents, 200, 403)], ids=["may-read-files", "may-run-code"])
async def test_an_executed_notebook_takes_the_permission_to_read_files_not_to_run_code(
    api, served_project: Project, service: Lifecycle, jp_serverapp, monkeypatch: pytest.MonkeyPatch,
    authorizer: type[Authorizer], runs_status: int, notebook_status: int
) -> None:
    recorded_run(service, served_project, "20260101T000000-c0ffee", ["train.ipynb"])
    write_notebook(served_project.directory / ".lifecycle/runs/20260101T000000-c0ffee/train.ipynb", ["'x'"])
    monkeypatch.setitem(jp_serverapp.web_app.settings, "authorizer",
                        authorizer(parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider))
    assert (await api("GET", f"{runs_of(served_project)}/20260101T000000-c0ffee")).status == runs_status
    reply = await api("GET", f"{runs_of(served_project)}/20260101T000000-c0ffee/notebooks/0")
    assert reply.status == notebook_status


async def test_an_unknown_run_is_404(api, served_project: Project) -> None:
    reply = await api("GET", f"{runs_of(served_project)}/no-such-run")
    assert reply.status == 404 and "no-such-run" in reply.body["message"]


async def test_listing_with_a_bad_limit_names_it(api, served_project: Project) -> None:
    reply = await api("GET", runs_of(served_project), params={"limit": "0"})
    assert reply.status == 400 and reply.body["field"] == "limit"


async def test_runs_of_a_project_with_none_is_an_empty_list(api, served_project: Project) -> None:
    reply = await api("GET", runs_of(served_project))
    assert reply.status == 200 and reply.body == {"runs": []}
