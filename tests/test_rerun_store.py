"""The store's run records: slots claimed in order, closed runs that stay closed, a run closed together with the
evidence it leaves on the checklist (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
import sqlalchemy as sa

from lifecycle_lab import domain as cl
from lifecycle_lab.errors import ValidationError
from lifecycle_lab.pytest_plugin import wait_until
from lifecycle_lab.repro.compare import Tolerance, compare_notebooks
from lifecycle_lab.server.contract import check_body
from lifecycle_lab.service import Lifecycle, Project, RunProgress
from lifecycle_lab.store import Store

AT = "2026-01-26T10:00:00.000000Z"
RERUN_ITEM = "experimentation/reproducibility-rerun"
NOTES_ITEM = "experimentation/deterministic-training"

pytestmark = pytest.mark.both_backends


def queued(store: Store, project: Project, run_id: str, at: str, host: str = "h1") -> None:
    store.create_run(project.id, run_id, ["a.ipynb", "b.ipynb"], options={}, twice=False, actor="alice", at=at)
    store.update_run(run_id, worker_host=host, worker_pid=1)


def test_slots_are_claimed_up_to_the_limit_in_creation_order(store: Store, project: Project) -> None:
    for n in range(3):
        queued(store, project, f"r{n}", f"2026-01-26T10:00:0{n}.000000Z")
    queued(store, project, "elsewhere", "2026-01-26T09:00:00.000000Z", host="h2")
    assert store.claim_run("r2", limit=2, host="h1", at=AT) == "queued"  # r0 and r1 come first
    assert store.claim_run("r1", limit=2, host="h1", at=AT) == "running"
    assert store.claim_run("r0", limit=2, host="h1", at=AT) == "running"
    assert store.claim_run("r2", limit=2, host="h1", at=AT) == "queued"  # both slots taken
    store.finish_run("r0", actor="alice", at=AT, status="finished", verdict="reproduced")
    assert store.claim_run("r2", limit=2, host="h1", at=AT) == "running"
    assert store.claim_run("r0", limit=2, host="h1", at=AT) == "finished"
    assert [r["id"] for r in store.active_runs("h1")] == ["r1", "r2"]
    assert store.get_run("elsewhere")["status"] == "queued"  # another host's runs take no slot here


def test_active_runs_can_be_those_of_one_project(
    store: Store, service: Lifecycle, project: Project, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other = service.init_project(tmp_path / "other", actor="bob", name="Other")
    queued(store, project, "mine-1", "2026-01-26T10:00:01.000000Z")
    queued(store, other, "theirs", "2026-01-26T10:00:02.000000Z")
    queued(store, project, "mine-2", "2026-01-26T10:00:03.000000Z", host="h2")
    queued(store, project, "mine-done", "2026-01-26T10:00:04.000000Z")
    store.finish_run("mine-done", actor="alice", at=AT, status="finished", verdict="reproduced")
    assert [r["id"] for r in store.active_runs(project_id=project.id)] == ["mine-1", "mine-2"]
    assert [r["id"] for r in store.active_runs(project_id=other.id)] == ["theirs"]
    assert [r["id"] for r in store.active_runs("h1", project_id=project.id)] == ["mine-1"]
    assert [r["id"] for r in store.active_runs()] == ["mine-1", "theirs", "mine-2"]


def test_a_closed_run_ignores_late_progress_and_a_second_close(store: Store, project: Project) -> None:
    queued(store, project, "r1", AT)
    store.update_run_notebook("r1", 0, status="running", cells_done=2)
    closed = store.finish_run("r1", actor="bob", at=AT, status="cancelled", verdict="cancelled",
                              notebooks={"status": "cancelled", "verdict": "cancelled"})
    assert [nb["status"] for nb in closed["notebooks"]] == ["cancelled", "cancelled"]
    store.update_run_notebook("r1", 0, status="finished", verdict="reproduced")
    again = store.finish_run("r1", actor="worker", at=AT, status="finished", verdict="reproduced")
    assert again["status"] == "cancelled" and again["notebooks"][0]["verdict"] == "cancelled"
    assert [e.action for e in store.events(project.id)].count("run.finish") == 1
    assert store.verify_chain(project.id).ok


def test_previous_environment_is_the_latest_earlier_run_that_recorded_one(store: Store, project: Project) -> None:
    queued(store, project, "r1", "2026-01-26T10:00:01.000000Z")
    queued(store, project, "r2", "2026-01-26T10:00:02.000000Z")
    queued(store, project, "r3", "2026-01-26T10:00:03.000000Z")
    store.update_run("r1", environment={"python": {"version": "3.11.7"}})
    assert store.previous_environment(store.get_run("r3")) == ("r1", {"python": {"version": "3.11.7"}})
    assert store.previous_environment(store.get_run("r1")) is None


def test_list_runs_can_carry_notebook_progress_without_diffs(store: Store, project: Project) -> None:
    queued(store, project, "r1", AT)
    store.update_run_notebook("r1", 1, diffs={"cells": []}, cells_done=3)
    listed = store.list_runs(project.id, notebooks=True)[0]
    assert [nb["path"] for nb in listed["notebooks"]] == ["a.ipynb", "b.ipynb"]
    assert listed["notebooks"][1]["cells_done"] == 3 and "diffs" not in listed["notebooks"][1]
    assert "notebooks" not in store.list_runs(project.id)[0]


def test_progress_that_waited_for_a_closing_run_is_ignored(store: Store, project: Project, db_url: str) -> None:
    queued(store, project, "r1", AT)
    store.update_run_notebook("r1", 0, status="running")
    # Given another process in the middle of cancelling the run (its transaction not committed yet)
    other = sa.create_engine(db_url)
    closing = other.connect()
    closing.begin()
    closing.execute(sa.text("UPDATE runs SET status = 'cancelled' WHERE id = 'r1'"))
    closing.execute(sa.text("UPDATE run_notebooks SET status = 'cancelled' WHERE run_id = 'r1'"))
    # When the worker reports the notebook finished meanwhile
    reported: list[bool] = []
    waiting = threading.Event()
    sa.event.listen(store.engine, "before_cursor_execute", _on_statement(waiting, threading.current_thread()))
    worker = threading.Thread(target=lambda: reported.append(
        store.update_run_notebook("r1", 0, status="finished", verdict="reproduced")))
    worker.start()
    wait_until(lambda: _waits_for_the_lock(closing, waiting), what="the worker's statement waiting for the lock")
    closing.commit()
    closing.close()
    other.dispose()
    worker.join(timeout=60)
    # Then the late progress did not reopen the closed notebook
    assert reported == [False]
    assert [nb["status"] for nb in store.get_run("r1")["notebooks"]] == ["cancelled", "cancelled"]


def _on_statement(seen: threading.Event, tester: threading.Thread) -> Callable[..., None]:
    """An engine listener that sets ``seen`` once a thread other than the test's sends the statement that takes
    the run's write lock (SQLite: ``BEGIN IMMEDIATE``, which then waits in the busy handler)."""

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is not tester and statement.startswith("BEGIN IMMEDIATE"):
            seen.set()

    return listener


def _waits_for_the_lock(closing: sa.Connection, sent: threading.Event) -> bool:
    """Whether the worker's write now waits for the closing transaction's lock.

    PostgreSQL shows it: a lock requested and not granted in ``pg_locks``. SQLite shows no waiter to other
    connections; the closest observable fact is the worker having sent ``BEGIN IMMEDIATE`` while the closing
    transaction holds the database's write lock, so it cannot have been granted before the commit.
    """
    if closing.dialect.name == "postgresql":
        return bool(closing.execute(sa.text(  # pg_locks spans the cluster: only this test's database counts
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()")).scalar())
    return sent.is_set()


def test_run_fields_postgresql_cannot_hold_are_refused_on_every_backend(store: Store, project: Project) -> None:
    from lifecycle_lab.errors import ValidationError

    queued(store, project, "r1", AT)
    with pytest.raises(ValidationError, match=r"diffs.cells\[0\].delta: nan is not a JSON number"):
        store.update_run_notebook("r1", 0, diffs={"cells": [{"delta": float("nan")}]})
    with pytest.raises(ValidationError, match="error: contains a NUL character"):
        store.finish_run("r1", actor="alice", at=AT, status="failed", error="killed\x00")
    assert store.get_run("r1")["status"] == "queued"


def closing_changes(service: Lifecycle, project: Project, run_id: str, *, evidence_run: str | None = None,
                    ) -> dict[str, cl.ItemChange]:
    """The item changes a run is closed with: a note on one item, then the run as the rerun item's evidence."""
    notes_spec = project.template.item(NOTES_ITEM)
    evidence = {"run_id": run_id if evidence_run is None else evidence_run, "verdict": "reproduced", "finished_at": AT}
    return {
        NOTES_ITEM: lambda state: cl.apply_changes(notes_spec, state, {"notes": f"seeded in {run_id}"}, actor="ci",
                                                   at=AT),
        RERUN_ITEM: service.evidence_change(project, RERUN_ITEM, evidence, actor="ci", at=AT),
    }


def test_a_run_closes_with_its_item_changes_audited_after_it_in_one_chain(
    service: Lifecycle, project: Project,
) -> None:
    store = service.store
    queued(store, project, "r1", AT)
    noted = service.set_item(project, NOTES_ITEM, {"status": "in_progress"}, actor="alice")
    since = store.last_seq(project.id)

    closed = store.finish_run("r1", actor="ci", at=AT, status="finished", verdict="reproduced",
                              item_changes=closing_changes(service, project, "r1"))

    assert (closed["status"], closed["verdict"], closed["finished_at"]) == ("finished", "reproduced", AT)
    events = store.events(project.id, since=since)
    assert [(e.action, e.target, e.actor, e.at) for e in events] == [
        ("run.finish", "r1", "ci", AT), ("item.update", NOTES_ITEM, "ci", AT), ("item.update", RERUN_ITEM, "ci", AT)]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    notes, rerun = store.item(project.id, NOTES_ITEM), store.item(project.id, RERUN_ITEM)
    assert (notes.status, notes.version, notes.notes) == ("in_progress", 2, "seeded in r1")
    assert events[1].before == noted.to_json()  # changed from the state it had, under the lock
    assert (rerun.status, rerun.version, rerun.evidence["run_id"], rerun.updated_at) == ("in_progress", 1, "r1", AT)
    assert store.verify_chain(project.id).ok


def test_an_item_change_that_fails_leaves_the_run_open_and_writes_nothing(
    service: Lifecycle, project: Project,
) -> None:
    store = service.store
    queued(store, project, "r1", AT)
    store.update_run_notebook("r1", 0, status="finished", verdict="reproduced")
    since, items, run = store.last_seq(project.id), store.items(project.id), store.get_run("r1")
    # When the last change is one the domain refuses (rerun evidence that names no run), after the close and the note
    with pytest.raises(ValidationError) as info:
        store.finish_run("r1", actor="ci", at=AT, status="finished", verdict="reproduced",
                         item_changes=closing_changes(service, project, "r1", evidence_run=""))
    # Then neither the close, nor its event, nor the note was written
    assert info.value.field == "evidence.run_id"
    assert store.get_run("r1") == run and run["status"] == "queued" and run["finished_at"] is None
    assert store.last_seq(project.id) == since and store.items(project.id) == items

    # and nothing stays locked or half-written: the next close goes through whole
    store.finish_run("r1", actor="ci", at=AT, status="finished", verdict="reproduced",
                     item_changes=closing_changes(service, project, "r1"))
    assert [e.action for e in store.events(project.id, since=since)] == ["run.finish", "item.update", "item.update"]
    assert store.verify_chain(project.id).ok


def test_a_run_closed_already_takes_no_item_changes(service: Lifecycle, project: Project) -> None:
    store = service.store
    queued(store, project, "r1", AT)
    store.finish_run("r1", actor="bob", at=AT, status="cancelled", verdict="cancelled")
    since, items = store.last_seq(project.id), store.items(project.id)
    late = store.finish_run("r1", actor="ci", at=AT, status="finished", verdict="reproduced",
                            item_changes=closing_changes(service, project, "r1"))
    assert late["status"] == "cancelled"
    assert store.last_seq(project.id) == since and store.items(project.id) == items


NOTEBOOK = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)", outputs=[
    nbformat.v4.new_output("stream", name="stdout", text="1\n")])])
SAME_OUTPUTS = compare_notebooks(NOTEBOOK, NOTEBOOK, tolerance=Tolerance(), sanitizers=()).to_json("saved")
ENVIRONMENT = {
    "python": {"version": "3.11.7", "implementation": "CPython", "executable": "/usr/bin/python3"},
    "platform": {"system": "Linux", "release": "6.1", "machine": "x86_64", "platform": "Linux-6.1-x86_64"},
    "kernels": {"python3": {"name": "python3", "display_name": "Python 3", "language": "python",
                            "executable": "/usr/bin/python3"}},
    "packages": {"numpy": "2.1.0"},
    "git": None,
}


def stored_run_json(run: dict[str, Any]) -> dict[str, Any]:
    """The run's JSON as the service wrote it from the stored row before runs were typed (the old ``run_json``)."""
    notebooks = run.get("notebooks") or []
    return {
        **run,
        "active": run["status"] in ("queued", "running"),
        "progress": {
            "cells_done": sum(nb["cells_done"] for nb in notebooks),
            "cells_total": sum(nb["cells_total"] for nb in notebooks),
            "notebooks_done": sum(nb["status"] not in ("queued", "running") for nb in notebooks),
            "notebooks_total": len(notebooks),
        },
    }


def served(document: dict[str, Any]) -> dict[str, Any]:
    """A run's JSON with the server-root paths the REST handler adds (a project at the server root)."""
    return {**document, "project_path": "", "output_dir": f".lifecycle/runs/{document['id']}",
            "notebooks": [{**nb, "root_path": nb["path"], "output_root_path": nb["output_path"]}
                          for nb in document["notebooks"]]}


def test_a_typed_run_is_read_by_attribute_and_its_json_is_the_stored_rows_byte_for_byte(
    store: Store, project: Project
) -> None:
    service = Lifecycle(store)
    queued(store, project, "r1", AT)
    store.update_run("r1", status="running", options=project.manifest.rerun, environment=ENVIRONMENT, data_checks=[])
    store.update_run_notebook("r1", 0, status="finished", verdict="within_tolerance", cells_done=4, cells_total=4,
                              output_path=".lifecycle/runs/r1/a.ipynb", duration=1.5, kernel="python3",
                              diffs=SAME_OUTPUTS)
    store.update_run_notebook("r1", 1, status="running", cells_done=1, cells_total=3)
    run = service.run_record("r1")
    assert (run.status, run.active, run.worker_pid) == ("running", True, 1)
    assert run.notebook_at(0) is not None and run.notebook_at(0).verdict == "within_tolerance"
    assert run.progress == RunProgress(cells_done=5, cells_total=7, notebooks_done=1, notebooks_total=2)
    assert run.paths == {"a.ipynb", "b.ipynb"}
    # Then every way a run leaves the service serialises to what the stored row gave, key order included
    pairs = [(store.get_run("r1"), run)]
    pairs += zip(store.list_runs(project.id, notebooks=True), service.list_runs(project.id, notebooks=True),
                 strict=True)
    pairs += zip(store.list_runs(project.id), service.list_runs(project.id), strict=True)
    pairs += zip(store.active_runs(), service.active_runs(), strict=True)
    for row, typed in pairs:
        assert json.dumps(typed.to_json()) == json.dumps(stored_run_json(row))
    # And the REST documents match openapi.yaml's Run and RunSummary
    check_body("Run", served(run.to_json()))
    listed = service.list_runs(project.id, notebooks=True)[0].to_json()
    del listed["environment"]
    assert "diffs" not in listed["notebooks"][0]
    check_body("RunSummary", served(listed))
    closed = service.finish_run("r1", actor="alice", at=AT, status="cancelled", verdict="cancelled",
                                notebooks={"status": "cancelled", "verdict": "cancelled"})
    assert (closed.active, closed.progress.notebooks_done) == (False, 2)
    assert json.dumps(closed.to_json()) == json.dumps(stored_run_json(store.get_run("r1")))
    check_body("Run", served(closed.to_json()))
