"""The store: versions that conflict instead of overwriting, a hash chain that catches tampering,
migrations that keep data, and a database that survives a writer killed mid-write.

Every test runs against SQLite and against a real PostgreSQL server.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lifecycle_lab import domain as cl
from lifecycle_lab.errors import Conflict, NotFound
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store.audit import GENESIS, event_hash
from lifecycle_lab.store.migrate import HEAD_REVISION, script_head, upgrade

KEY = "framing/risk-tier"
AT_CLOSE = "2026-01-26T10:05:00.000000Z"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same store tests on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("postgres_url")


def tamper(store: Store, sql: str, **params: object) -> None:
    """Edit the database behind the store's back, as an attacker with database access would."""
    with store.engine.connect() as conn, conn.begin():
        conn.execute(sa.text(sql), params)


def test_store_creates_schema_at_head(store: Store) -> None:
    assert store.schema_revision() == HEAD_REVISION


def test_head_constant_matches_the_migration_scripts() -> None:
    assert script_head() == HEAD_REVISION


def test_project_ids_are_unique(store: Store, project: Project) -> None:
    with pytest.raises(Conflict):
        store.create_project(project.record)


def test_unknown_project_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_project("00000000-0000-0000-0000-000000000000")


def test_stale_version_raises_conflict_and_overwrites_nothing(service: Lifecycle, project: Project) -> None:
    first = service.set_item(project, KEY, {"notes": "alice's"}, actor="alice", expected_version=0)
    with pytest.raises(Conflict) as info:
        service.set_item(project, KEY, {"notes": "bob's"}, actor="bob", expected_version=0)
    assert info.value.current == first
    assert service.store.item(project.id, KEY).notes == "alice's"
    assert [e.action for e in service.store.events(project.id)] == ["project.create", "item.update"]


def test_invalid_change_writes_nothing(service: Lifecycle, project: Project) -> None:
    from lifecycle_lab.errors import ValidationError

    with pytest.raises(ValidationError):
        service.set_item(project, KEY, {"status": "not_applicable"}, actor="alice")
    assert service.store.item(project.id, KEY).version == 0
    assert service.store.last_seq(project.id) == 1


def test_every_mutation_appends_one_chained_event(service: Lifecycle, project: Project) -> None:
    service.set_item(project, KEY, {"status": "in_progress"}, actor="alice")
    service.set_item(project, KEY, {"status": "done", "evidence": {"text": "tier 2"}}, actor="bob")
    service.signoff(project, "governance", "security", "approve", actor="carol")
    events = service.store.events(project.id)
    assert [(e.seq, e.action, e.actor) for e in events] == [
        (1, "project.create", "alice"), (2, "item.update", "alice"), (3, "item.update", "bob"),
        (4, "signoff", "carol")]
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert events[2].before["status"] == "in_progress" and events[2].after["status"] == "done"
    assert service.store.verify_chain(project.id).ok


def test_hand_edited_audit_row_is_detected(service: Lifecycle, project: Project) -> None:
    for i in range(4):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")
    tamper(service.store, "UPDATE audit_events SET actor='mallory' WHERE seq=3")
    check = service.store.verify_chain(project.id)
    assert not check.ok and check.broken_seq == 3
    assert check.message == "event 3 (item.update framing/risk-tier): content does not match its hash"


def test_deleted_audit_row_is_detected(service: Lifecycle, project: Project) -> None:
    for i in range(3):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")
    tamper(service.store, "DELETE FROM audit_events WHERE seq=2")
    check = service.store.verify_chain(project.id)
    assert (check.ok, check.broken_seq) == (False, 3)


def test_recomputed_hash_still_breaks_the_next_link(service: Lifecycle, project: Project) -> None:
    for i in range(3):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")
    event = service.store.events(project.id)[1]
    forged = {**event.payload(), "actor": "mallory"}
    tamper(service.store, "UPDATE audit_events SET actor='mallory', hash=:h WHERE seq=2",
           h=event_hash(event.prev_hash, forged))
    assert service.store.verify_chain(project.id).broken_seq == 3


def test_migration_from_first_revision_keeps_data(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        upgrade(conn, "0001")
    payload = {"seq": 1, "at": "2026-01-01T00:00:00.000000Z", "actor": "old", "project": "p1",
               "action": "project.create", "target": "p1", "before": None, "after": {"name": "legacy"}}
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO projects VALUES ('p1','legacy','default','1.0.0','/x','2026','old')"))
        conn.execute(sa.text(
            "INSERT INTO items (project_id,key,status,notes,justification,evidence,version) "
            "VALUES ('p1','framing/risk-tier','done','kept','', :evidence, 3)"),
            {"evidence": json.dumps({"text": "t"})})
        conn.execute(sa.text("INSERT INTO audit_events VALUES ('p1',1,:at,'old','project.create','p1','null',"
                             ":after,:prev,:hash)"),
                     {"at": payload["at"], "after": json.dumps({"name": "legacy"}), "prev": GENESIS,
                      "hash": event_hash(GENESIS, payload)})
        assert "datasets" not in sa.inspect(conn).get_table_names()
    engine.dispose()

    store = Store(db_url)  # opening upgrades
    assert store.schema_revision() == HEAD_REVISION
    assert store.get_project("p1").name == "legacy"
    state = store.item("p1", "framing/risk-tier")
    assert (state.status, state.notes, state.evidence, state.version) == ("done", "kept", {"text": "t"}, 3)
    assert store.verify_chain("p1").ok
    assert store.latest_datasets("p1") == []


def _racer(db_url: str, project_id: str, note: str, barrier: mp.synchronize.Barrier, out: mp.Queue) -> None:
    store = Store(db_url)
    seen = store.item(project_id, KEY).version
    barrier.wait(timeout=30)
    spec = cl.ItemSpec("framing", "risk-tier", "Risk tier", "text")
    try:
        store.update_item(project_id, KEY, lambda cur: cl.apply_changes(spec, cur, {"notes": note}, actor=note,
                                                                         at="t"),
                          expected_version=seen, actor=note, at="t")
        out.put((note, "ok"))
    except Conflict:
        out.put((note, "conflict"))


def test_two_writer_processes_one_wins_other_conflicts(service: Lifecycle, project: Project, db_url: str) -> None:
    ctx = mp.get_context("spawn")
    for round_no in range(5):
        barrier, out = ctx.Barrier(2), ctx.Queue()
        names = [f"alice-{round_no}", f"bob-{round_no}"]
        procs = [ctx.Process(target=_racer, args=(db_url, project.id, n, barrier, out)) for n in names]
        for p in procs:
            p.start()
        results = dict(out.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=30)
        assert sorted(results.values()) == ["conflict", "ok"], results
        winner = next(n for n, r in results.items() if r == "ok")
        assert service.store.item(project.id, KEY).notes == winner
    events = [e for e in service.store.events(project.id) if e.action == "item.update"]
    assert len(events) == 5  # exactly one accepted write per round, nothing lost, nothing doubled
    assert service.store.verify_chain(project.id).ok


WRITER = textwrap.dedent("""
    import sys
    from lifecycle_lab import domain as cl
    from lifecycle_lab.store import Store
    store = Store(sys.argv[1])
    spec = cl.ItemSpec("framing", "risk-tier", "Risk tier", "text")
    i = 0
    while True:
        i += 1
        store.update_item(sys.argv[2], "framing/risk-tier",
                          lambda cur: cl.apply_changes(spec, cur, {"notes": "x" * (i % 5000)}, actor="w", at="t"),
                          expected_version=None, actor="w", at="t")
        if i == 20:
            print("ready", flush=True)
""")


def test_writer_killed_mid_write_leaves_a_consistent_store(
    service: Lifecycle, project: Project, db_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for delay in (0.05, 0.13, 0.31):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, db_url, project.id], env=env,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store(db_url)
    check = store.verify_chain(project.id)
    assert check.ok, check.message
    updates = [e for e in store.events(project.id) if e.action == "item.update"]
    assert store.item(project.id, KEY).version == len(updates)  # every committed write has its event
    assert updates[-1].after == store.item(project.id, KEY).to_json()


def test_latest_run_of_each_notebook_skips_results_still_queued_or_running(store: Store, project: Project) -> None:
    def run(run_id: str, at: str, notebooks: list[str]) -> None:
        store.create_run(project.id, run_id, notebooks, options={}, twice=False, actor="ci",
                         at=f"2026-01-26T10:00:0{at}.000000Z")

    run("r1", "1", ["a.ipynb", "b.ipynb"])
    store.finish_run("r1", actor="ci", at=AT_CLOSE, status="finished", verdict="reproduced",
                     notebooks={"status": "finished", "verdict": "reproduced"})
    run("r2", "2", ["b.ipynb"])
    store.finish_run("r2", actor="ci", at=AT_CLOSE, status="failed", verdict="failed",
                     notebooks={"status": "failed", "verdict": "failed"})
    run("r3", "3", ["a.ipynb", "b.ipynb", "c.ipynb"])  # still going: only its finished notebook counts
    store.update_run_notebook("r3", 2, status="finished", verdict="differs")
    assert store.latest_notebook_runs(project.id) == {"a.ipynb": "r1", "b.ipynb": "r2", "c.ipynb": "r3"}
