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
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import tamper

from lifecycle_lab import domain as cl
from lifecycle_lab.config import resolve_db_url
from lifecycle_lab.errors import Conflict, LifecycleError, NotFound, ValidationError
from lifecycle_lab.pytest_plugin import schema_revision
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store.audit import GENESIS, event_hash
from lifecycle_lab.store.migrate import HEAD_REVISION, script_head, upgrade

KEY = "framing/risk-tier"
AT_CLOSE = "2026-01-26T10:05:00.000000Z"

pytestmark = pytest.mark.both_backends


def test_store_creates_schema_at_head(store: Store) -> None:
    assert schema_revision(store) == HEAD_REVISION


def test_head_constant_matches_the_migration_scripts() -> None:
    assert script_head() == HEAD_REVISION


def test_project_ids_are_unique(store: Store, project: Project) -> None:
    with pytest.raises(Conflict):
        store.create_project(project.record)


def test_unknown_project_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_project("00000000-0000-0000-0000-000000000000")


def test_an_item_write_to_a_project_no_longer_in_the_store_is_not_found(store: Store) -> None:
    # the write reads no project row first: the items' foreign key refuses it, answered as NotFound
    with pytest.raises(NotFound, match="no project with id"):
        store.write_item("00000000-0000-0000-0000-000000000000", "scope/objective-metric",
                         lambda state: state, expected_version=None, actor="alice", at="2030-01-01T00:00:00Z")


def test_stale_version_raises_conflict_and_overwrites_nothing(service: Lifecycle, project: Project) -> None:
    first = service.set_item(project, KEY, {"notes": "alice's"}, actor="alice", expected_version=0)
    with pytest.raises(Conflict) as info:
        service.set_item(project, KEY, {"notes": "bob's"}, actor="bob", expected_version=0)
    assert info.value.current == first
    assert service.store.item(project.id, KEY).notes == "alice's"
    assert [e.action for e in service.store.events(project.id)] == ["project.create", "item.update"]


def test_invalid_change_writes_nothing(service: Lifecycle, project: Project) -> None:
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
    tamper(service.store.url, "UPDATE audit_events SET actor='mallory' WHERE seq=3")
    check = service.store.verify_chain(project.id)
    assert not check.ok and check.broken_seq == 3
    assert check.message == "event 3 (item.update framing/risk-tier): content does not match its hash"


def test_deleted_audit_row_is_detected(service: Lifecycle, project: Project) -> None:
    for i in range(3):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")
    tamper(service.store.url, "DELETE FROM audit_events WHERE seq=2")
    check = service.store.verify_chain(project.id)
    assert (check.ok, check.broken_seq) == (False, 3)


def test_recomputed_hash_still_breaks_the_next_link(service: Lifecycle, project: Project) -> None:
    for i in range(3):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")
    event = service.store.events(project.id)[1]
    forged = {**event.payload(), "actor": "mallory"}
    tamper(service.store.url, "UPDATE audit_events SET actor='mallory', hash=:h WHERE seq=2",
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
    assert schema_revision(store) == HEAD_REVISION
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
    # The sleeps are the experiment, not synchronisation: each kill lands at a different moment of the writer's
    # loop (mid-transaction, mid-commit, between writes), which no condition could single out from outside.
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


@pytest.mark.parametrize(("changes", "actor", "message"), [
    ({"notes": "before\x00after"}, "alice", "notes: contains a NUL character"),
    ({"justification": "a\x00"}, "alice", "justification: contains a NUL character"),
    ({"evidence": {"text": "fine"}}, "a" * 201, "updated_by: longer than 200 characters"),
], ids=["nul-notes", "nul-justification", "long-actor"])
def test_text_postgresql_cannot_hold_is_refused_on_every_backend(
    service: Lifecycle, project: Project, changes: dict, actor: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        service.set_item(project, KEY, changes, actor=actor)
    assert service.store.item(project.id, KEY).version == 0 and service.store.last_seq(project.id) == 1


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_a_number_json_does_not_have_is_refused_on_every_backend(
    service: Lifecycle, project: Project, number: float
) -> None:
    evidence = {"statement": "s", "objective_metric": "auc", "target": number, "baseline": 0.5}
    with pytest.raises(ValidationError, match=f"evidence.target: {number} is not a JSON number") as info:
        service.set_item(project, "framing/problem-statement", {"evidence": evidence}, actor="alice")
    assert info.value.field == "evidence"
    assert service.store.last_seq(project.id) == 1


def test_a_signoff_comment_with_a_nul_character_is_refused(service: Lifecycle, project: Project) -> None:
    with pytest.raises(ValidationError, match="comment: contains a NUL character"):
        service.signoff(project, "governance", "security", "approve", actor="carol", comment="ok\x00")
    assert service.store.signoffs(project.id) == [] and service.store.last_seq(project.id) == 1


def test_names_sort_by_code_point_whatever_the_database_collation(service: Lifecycle, tmp_path: Path) -> None:
    # PostgreSQL's natural-language collation would put "alpha" before "Beta"; SQLite compares bytes.
    for name in ("alpha", "Beta", "_draft"):
        (tmp_path / name).mkdir()
        project = service.init_project(tmp_path / name, actor="alice", template="minimal", name=name)
    for dataset in ("zeta", "Alpha", "alpha-2", "alpha"):
        (project.directory / f"{dataset}.csv").write_text("a\n1\n")
        service.add_dataset(project, f"{dataset}.csv", name=dataset, actor="alice")
    assert [p.name for p in service.store.list_projects()] == ["Beta", "_draft", "alpha"]
    assert [d.name for d in service.store.latest_datasets(project.id)] == ["Alpha", "alpha", "alpha-2", "zeta"]


def failures_at_once(threads: int, rounds: int, call: Callable[[int, int], object]) -> list[BaseException]:
    """``call(thread, round)`` ``rounds`` times on each of ``threads`` threads started together; what they raised."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        barrier.wait(timeout=30)
        for i in range(rounds):
            try:
                call(n, i)
            except Exception as exc:
                failures.append(exc)

    started = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return failures


def test_concurrent_fingerprint_cache_writes_of_one_file_all_succeed(store: Store) -> None:
    assert failures_at_once(8, 25, lambda n, i: store.put_hash("/data/train.csv", size=n, mtime_ns=i,
                                                               sha256=f"{n:02d}{i:062d}")) == []
    store.put_hash("/data/train.csv", size=1, mtime_ns=2, sha256="f" * 64)
    assert store.get_hash("/data/train.csv", 1, 2) == "f" * 64


def _opener(db_url: str, out: mp.Queue) -> None:
    try:
        out.put(schema_revision(Store(db_url)))
    except Exception as exc:
        out.put(repr(exc))


def test_processes_opening_a_new_database_at_once_all_find_it_migrated(db_url: str) -> None:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_opener, args=(db_url, out)) for _ in range(4)]
    for p in procs:
        p.start()
    revisions = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert revisions == [HEAD_REVISION] * 4


def test_writers_stay_serialised_when_the_database_defaults_to_repeatable_read(
    postgres_url: str, tmp_path: Path
) -> None:
    # An administrator may set a stricter default isolation; the store's lock-then-read relies on READ COMMITTED.
    tamper(postgres_url, f"ALTER DATABASE {sa.engine.make_url(postgres_url).database} "
                         "SET default_transaction_isolation = 'repeatable read'")
    store = Store(postgres_url)
    service = Lifecycle(store)
    project = service.init_project(tmp_path, actor="alice", template="minimal")
    key = next(iter(project.template.items())).key
    assert failures_at_once(6, 10, lambda n, i: service.set_item(project, key, {"notes": f"{n}-{i}"},
                                                                 actor=f"user{n}")) == []
    assert store.item(project.id, key).version == 60 and store.verify_chain(project.id).ok
    store.close()


def test_a_stale_write_is_refused_without_waiting_for_the_write_lock(service: Lifecycle, project: Project) -> None:
    service.set_item(project, KEY, {"notes": "v1"}, actor="alice")
    outcome: list[BaseException] = []

    def stale_write() -> None:
        try:
            service.set_item(project, KEY, {"notes": "based on v0"}, actor="bob", expected_version=0)
        except Conflict as exc:
            outcome.append(exc)

    # While another writer holds the project's write lock
    with service.store._write(project.id):
        writer = threading.Thread(target=stale_write)
        writer.start()
        writer.join(timeout=10)
        # Then a write based on an old version is already refused, with the current state
        assert not writer.is_alive() and len(outcome) == 1
    assert outcome[0].current.notes == "v1"


def test_a_store_upgraded_by_a_newer_version_is_refused_with_a_clear_message(store: Store) -> None:
    tamper(store.url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(LifecycleError, match="schema revision 9999, newer than this lifecycle_lab knows"):
        Store(store.url)
    assert schema_revision(store) == "9999"  # nothing was changed


@pytest.mark.parametrize(("name", "text"), [
    ("jupyter_server_config.py", "c.LifecycleLabApp.db_url = {url!r}\n"),
    ("jupyter_server_config.json", '{{"LifecycleLabApp": {{"db_url": "{url}"}}}}'),
    ("jupyter_lifecycle_lab_config.py", "c.LifecycleLabApp.db_url = {url!r}\n"),  # the extension's own file
])
def test_a_db_url_in_a_jupyter_config_file_reaches_every_front_door(
    name: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://lifecycle@db.internal:5432/team"
    (tmp_path / name).write_text(text.format(url=url))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("LIFECYCLE_LAB_DB_URL", raising=False)
    assert resolve_db_url() == url


def test_the_change_feed_never_returns_events_beyond_its_seq(service: Lifecycle, project: Project) -> None:
    other = Store(service.store.url)  # another server, say
    landed: list[int] = []

    def write_between(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "max(audit_events.seq)" in statement.lower() and not landed:  # the feed has read the head ...
            landed.append(Lifecycle(other).set_item(project, KEY, {"notes": "meanwhile"}, actor="bob").version)

    sa.event.listen(service.store.engine, "after_cursor_execute", write_between)
    try:
        events, seq = service.store.changes(project.id, 0, 100)
    finally:
        sa.event.remove(service.store.engine, "after_cursor_execute", write_between)
    # ... when another writer commits: the answer is consistent, and the next poll brings the new event
    assert landed and [e.seq for e in events] == list(range(1, seq + 1))
    assert [e.actor for e in service.store.changes(project.id, seq, 100)[0]] == ["bob"]
    other.close()
