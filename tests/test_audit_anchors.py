"""Evidence an auditor can trust: anchors catch truncation, the replay catches direct table edits, and a keyed
chain cannot be rebuilt without its key.

Every test edits the database behind the store's back, as someone with database access would, and runs on
SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import tamper

from lifecycle_lab.anchors import ANCHOR_FILE, Anchor, parse_against
from lifecycle_lab.domain import canonical_json
from lifecycle_lab.errors import LifecycleError, ValidationError
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store import store as store_module
from lifecycle_lab.store.audit import AuditEvent, AuditKey, payload_text, verify_events
from lifecycle_lab.verification import anchor_project, anchor_status, verify_audit

KEY = "framing/risk-tier"
OTHER = "framing/problem-statement"
SECRET = AuditKey(b"team secret: 32 bytes of entropy!")
AT = "2026-12-06T01:00:00.000000Z"

pytestmark = pytest.mark.both_backends


def fill(service: Lifecycle, project: Project, n: int) -> None:
    for i in range(n):
        service.set_item(project, KEY if i % 2 else OTHER, {"notes": f"note {i}"}, actor="alice")


def verify(service: Lifecycle, project: Project, against: tuple[Anchor, ...] = ()):
    return verify_audit(service.store, project.id, project.directory, against)


def anchored(service: Lifecycle, project: Project, events: int) -> int:
    fill(service, project, events)
    head, path = anchor_project(service.store, project.id, project.directory, actor="alice", at=AT)
    assert path == project.directory / ANCHOR_FILE
    assert verify(service, project).ok
    return head.seq


# --- truncation ----------------------------------------------------------------------------------


def test_deleting_the_last_event_after_an_anchor_is_detected_naming_it(service: Lifecycle, project: Project) -> None:
    head = anchored(service, project, 6)
    tamper(service.store.url, "DELETE FROM audit_events WHERE seq = :s", s=head)
    assert service.store.verify_chain(project.id).ok  # the chain alone cannot see it
    result = verify(service, project)
    assert not result.ok
    file_check = result.anchors[0]
    assert file_check.anchor.source == "anchor .lifecycle/audit-anchor.json"
    assert file_check.missing == (head, head)
    assert file_check.message.startswith(f"event {head} is missing: the chain ends at event {head - 1}")


def test_deleting_many_events_from_the_end_names_the_range(service: Lifecycle, project: Project) -> None:
    head = anchored(service, project, 30)
    tamper(service.store.url, "DELETE FROM audit_events WHERE seq > 10")
    result = verify(service, project)
    assert not result.ok and result.anchors[0].missing == (11, head)
    assert f"events 11–{head} are missing: the chain ends at event 10" in result.problems()[0]


def test_deleting_every_event_of_an_anchored_project_is_detected(service: Lifecycle, project: Project) -> None:
    head = anchored(service, project, 4)
    tamper(service.store.url, "DELETE FROM audit_events WHERE project_id = :p", p=project.id)
    result = verify(service, project)
    assert not result.ok and result.anchors[0].missing == (1, head)
    assert f"events 1–{head} are missing: no event is left" in result.anchors[0].message
    # the store's own anchor checkpoint says the same, even without the file
    (project.directory / ANCHOR_FILE).unlink()
    assert verify(service, project).anchors[0].missing == (1, head)


def test_deleting_every_event_after_an_anchor_shows_in_the_replayed_state(
    service: Lifecycle, project: Project,
) -> None:
    head = anchored(service, project, 4)
    service.set_item(project, KEY, {"status": "done"}, actor="mallory")
    tamper(service.store.url, "DELETE FROM audit_events WHERE seq > :s", s=head)
    result = verify(service, project)
    assert result.chain.ok and all(a.ok for a in result.anchors)  # the anchored prefix is intact...
    assert [(d.target, d.field) for d in result.differences][:1] == [(KEY, "status")]  # ...the state is not
    assert "status is \"done\" in the items table but \"todo\"" in result.differences[0].message


def test_periodic_checkpoints_catch_truncation_without_any_anchor_file(
    service: Lifecycle, project: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_EVERY", 5)
    fill(service, project, 12)  # checkpoints at events 5 and 10
    tamper(service.store.url, "DELETE FROM audit_events WHERE seq > 7")
    result = verify(service, project)
    failed = [a for a in result.anchors if not a.ok]
    assert [a.missing for a in failed] == [(8, 10)]
    assert "the store's periodic checkpoint" in failed[0].message


def test_a_chain_rewritten_before_the_anchor_does_not_reach_it(service: Lifecycle, project: Project) -> None:
    head = anchored(service, project, 3)
    event = service.store.events(project.id)[1]
    forged = json.loads(canonical_json({**event.payload(), "actor": "mallory"}))
    rows = service.store.chain_rows(project.id)
    prev = event.prev_hash
    for row in rows[1:]:  # rebuild every later hash, as an unkeyed chain allows
        row = (*row[:2], "mallory", *row[3:]) if row[0] == event.seq else row
        digest = hashlib.sha256((prev + payload_text(row, project.id)).encode()).hexdigest()
        tamper(service.store.url, "UPDATE audit_events SET actor = :a, prev_hash = :p, hash = :h "
               "WHERE project_id = :pid AND seq = :s", a=row[2], p=prev, h=digest, pid=project.id, s=row[0])
        prev = digest
    assert forged["actor"] == "mallory" and service.store.verify_chain(project.id).ok
    result = verify(service, project)
    assert not result.ok and f"event {head} is not the one anchor .lifecycle/audit-anchor.json records" in \
        result.anchors[0].message


def test_against_seq_hash_and_against_a_file(service: Lifecycle, project: Project, tmp_path: Path) -> None:
    fill(service, project, 3)
    head = service.store.head(project.id)
    assert head is not None
    good = parse_against(f"{head.seq}:{head.hash}", tmp_path)
    assert verify(service, project, (good,)).ok
    wrong = parse_against(f"{head.seq}:{'0' * 64}", tmp_path)
    assert not verify(service, project, (wrong,)).ok
    later = parse_against(f"{head.seq + 5}:{head.hash}", tmp_path)
    assert verify(service, project, (later,)).anchors[0].missing == (head.seq + 1, head.seq + 5)
    with pytest.raises(ValidationError, match="SEQ:HASH"):
        parse_against("12:abc", tmp_path)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValidationError, match=r"bad\.json: not an audit anchor file"):
        parse_against("bad.json", tmp_path)


def test_anchor_status_says_when_the_last_anchor_is_older_than_the_last_event(
    service: Lifecycle, project: Project,
) -> None:
    assert anchor_status(service.store, project.id, project.directory).anchored_seq is None
    head = anchored(service, project, 2)
    assert anchor_status(service.store, project.id, project.directory).behind == 0
    fill(service, project, 3)
    status = anchor_status(service.store, project.id, project.directory)
    assert (status.anchored_seq, status.behind) == (head, 3)
    assert "older than the last event" in status.describe()


# --- state replay ------------------------------------------------------------------------------------


def test_an_items_row_edited_directly_is_reported_with_item_and_field(service: Lifecycle, project: Project) -> None:
    fill(service, project, 4)
    assert verify(service, project).differences == ()
    tamper(service.store.url, "UPDATE items SET status = 'done' WHERE project_id = :p AND key = :k",
           p=project.id, k=KEY)
    result = verify(service, project)
    assert result.chain.ok and not result.ok
    assert [(d.kind, d.target, d.field) for d in result.differences] == [("item", KEY, "status")]
    assert result.problems() == [
        f'state: item {KEY}: status is "done" in the items table but "todo" after event 5']


def test_an_edit_hidden_under_a_later_update_is_still_caught(service: Lifecycle, project: Project) -> None:
    fill(service, project, 2)
    tamper(service.store.url, "UPDATE items SET owner = 'mallory' WHERE project_id = :p AND key = :k",
           p=project.id, k=KEY)
    service.set_item(project, KEY, {"notes": "innocent"}, actor="bob")  # the row now matches its last event
    (difference,) = verify(service, project).differences
    assert (difference.target, difference.field) == (KEY, "owner")
    assert "changed outside the audit log between event 3 and event 4 (owner)" in difference.message


def test_rows_without_events_and_deleted_signoffs_are_reported(service: Lifecycle, project: Project) -> None:
    service.signoff(project, "governance", "security", "approve", actor="carol")
    tamper(service.store.url, "DELETE FROM signoffs WHERE project_id = :p", p=project.id)
    tamper(service.store.url, "INSERT INTO items (project_id, key, status, notes, justification, version) "
           "VALUES (:p, :k, 'done', '', '', 1)", p=project.id, k=OTHER)
    messages = [d.message for d in verify(service, project).differences]
    assert messages == [
        f"item {OTHER}: in the items table (status 'done') but no audit event records it",
        "signoff governance/security: recorded by event 2 but missing from the signoffs table",
    ]


# --- keyed chains --------------------------------------------------------------------------------------


@pytest.fixture
def keyed(db_url: str, project_dir: Path) -> tuple[Lifecycle, Project]:
    service = Lifecycle(Store(db_url, SECRET))
    project = service.init_project(project_dir, actor="alice", template="default", name="Keyed")
    fill(service, project, 4)
    return service, project


def test_a_keyed_chain_verifies_with_its_key_and_says_so(keyed: tuple[Lifecycle, Project]) -> None:
    service, project = keyed
    check = service.store.verify_chain(project.id)
    assert check.ok and check.mode == "keyed" and check.key_id == SECRET.key_id
    assert all(e.mode == SECRET.mode for e in service.store.events(project.id))


def test_an_edited_keyed_row_is_detected_even_with_its_hash_recomputed_without_the_key(
    keyed: tuple[Lifecycle, Project],
) -> None:
    service, project = keyed
    event = service.store.events(project.id)[2]
    forged = AuditEvent(**{**event.__dict__, "actor": "mallory", "mode": None})
    plain = hashlib.sha256((event.prev_hash + payload_text(forged.row(), project.id)).encode()).hexdigest()
    tamper(service.store.url, "UPDATE audit_events SET actor = 'mallory', hash = :h, mode = NULL "
           "WHERE project_id = :p AND seq = 3", h=plain, p=project.id)
    check = service.store.verify_chain(project.id)
    assert (check.ok, check.broken_seq) == (False, 3)
    assert "unkeyed after keyed events: it was rewritten without the key" in check.message

    guessed = AuditKey(b"a guess at the secret, 32 bytes!")  # keyed, but with another key: does not verify either
    tamper(service.store.url, "UPDATE audit_events SET hash = :h, mode = :m WHERE project_id = :p AND seq = 3",
           h=hashlib.sha256(b"x").hexdigest(), m=SECRET.mode, p=project.id)
    assert service.store.verify_chain(project.id).message.startswith("event 3 (item.update")
    assert not verify_events(service.store.events(project.id), guessed).ok


def test_a_keyed_chain_checked_without_its_key_is_refused_clearly(
    keyed: tuple[Lifecycle, Project], db_url: str,
) -> None:
    service, project = keyed
    unkeyed = Store(db_url)
    try:
        result = verify_audit(unkeyed, project.id, project.directory)
        assert result.refused and not result.ok
        assert result.chain.message.startswith(
            f"the audit chain is keyed (HMAC-SHA256, key id {SECRET.key_id}) from event 1: it can only be verified "
            "with its key (set LIFECYCLE_LAB_AUDIT_KEY")
        with pytest.raises(LifecycleError, match=r"keyed .* and this process has no audit key"):
            Lifecycle(unkeyed).set_item(service.project(project.id), KEY, {"notes": "x"}, actor="eve")
    finally:
        unkeyed.close()


def test_a_chain_becomes_keyed_when_a_key_is_configured_and_never_goes_back(
    service: Lifecycle, project: Project, db_url: str,
) -> None:
    fill(service, project, 2)
    keyed_store = Store(db_url, SECRET)
    try:
        Lifecycle(keyed_store).set_item(project, KEY, {"notes": "keyed now"}, actor="alice")
        check = keyed_store.verify_chain(project.id)
        assert check.ok and (check.mode, check.keyed_from) == ("mixed", 4)
    finally:
        keyed_store.close()


def test_a_signed_anchor_verifies_and_an_edited_one_does_not(keyed: tuple[Lifecycle, Project]) -> None:
    service, project = keyed
    anchor_project(service.store, project.id, project.directory, actor="alice", at=AT, sign=True)
    result = verify(service, project)
    assert result.ok and result.anchors[0].signature == "signature valid (Ed25519, the configured audit key)"
    path = project.directory / ANCHOR_FILE
    document = json.loads(path.read_text())
    document["seq"] -= 1
    path.write_text(json.dumps(document))
    check = verify(service, project).anchors[0]
    assert not check.ok and "signature does not verify" in check.message


def test_payload_text_spells_the_payload_exactly_as_canonical_json() -> None:
    event = AuditEvent(7, AT, 'Zoë "the" \\ tester', "p-1", "item.update", "a/b\u2028",
                       {"x": [1.5, None, "é"], "a": {"z": 1e-7}}, None, "0" * 64, "")
    assert payload_text(event.row(), "p-1") == canonical_json(event.payload())
