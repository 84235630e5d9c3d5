"""The streamed verification (one pass, before/after as stored bytes) finds exactly what the exact check finds.

``audit --verify`` takes a fast path for every event whose bytes hash as stored and checks any other event the
slow, exact way; these tests pin that the fast path never accepts what the exact check refuses, on both
backends, and that the spelled-out HMAC is the standard one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import pytest
from conftest import tamper

from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store import store as store_module
from lifecycle_lab.store.audit import GENESIS, AuditEvent, AuditKey, chain_hash, payload_text, verify_rows
from lifecycle_lab.verification import verify_audit

KEY = "framing/risk-tier"
ODD = 'Zoë "the" \\ tester\t<script>\u2028 😀'

pytestmark = pytest.mark.both_backends


@pytest.mark.parametrize("secret", [b"sixteen byte key", b"k" * 64, b"a key longer than a sha256 block " * 3])
def test_the_spelled_out_hmac_is_the_standard_librarys(secret: bytes) -> None:
    key = AuditKey(secret)
    for data in (b"", b"x", bytes(range(256)) * 5):
        assert key.mac(data) == hmac.new(secret, data, hashlib.sha256).hexdigest()


def test_unusual_text_verifies_streamed_and_an_edit_of_it_is_found(service: Lifecycle, project: Project) -> None:
    service.set_item(project, KEY, {"notes": ODD, "owner": ODD}, actor=ODD)
    service.set_item(project, KEY, {"notes": "plain"}, actor="bob")
    result = verify_audit(service.store, project.id, project.directory)
    assert result.ok and result.chain.events == 3
    tamper(service.store.url, "UPDATE audit_events SET actor = :a WHERE project_id = :p AND seq = 2",
           a=ODD.replace("Zoë", "Zoe"), p=project.id)
    chain = verify_audit(service.store, project.id, project.directory).chain
    assert (chain.ok, chain.broken_seq, chain.events) == (False, 2, 3)
    assert chain.message == f"event 2 (item.update {KEY}): content does not match its hash"


def test_an_event_spelt_differently_but_equal_still_verifies(service: Lifecycle, project: Project) -> None:
    service.set_item(project, KEY, {"notes": "a"}, actor="alice")
    tamper(service.store.url, "UPDATE audit_events SET \"after\" = '{ ' || substr(\"after\", 2) "
           "WHERE project_id = :p AND seq = 2", p=project.id)  # whitespace only: the canonical text is unchanged
    result = verify_audit(service.store, project.id, project.directory)
    assert result.chain.ok and result.ok


def test_an_old_event_edited_under_later_checkpoints_is_found(
    service: Lifecycle, project: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_EVERY", 4)
    for i in range(12):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")  # checkpoints at 4, 8 and 12
    tamper(service.store.url, "UPDATE audit_events SET \"after\" = replace(\"after\", 'note 0', 'note X') "
           "WHERE project_id = :p AND seq = 2", p=project.id)
    result = verify_audit(service.store, project.id, project.directory)
    assert result.chain.broken_seq == 2 and not result.ok  # every event is rehashed, not only those after a checkpoint


def test_a_keyed_chain_streams_with_its_key_and_matches_the_row_check(db_url: str, project_dir: Path) -> None:
    secret = AuditKey(b"team secret: 32 bytes of entropy!")
    store = Store(db_url, secret)
    try:
        service = Lifecycle(store)
        project = service.init_project(project_dir, actor="alice", template="default", name="Keyed")
        for i in range(5):
            service.set_item(project, KEY, {"notes": f"n{i}"}, actor=ODD)
        streamed = verify_audit(store, project.id, project.directory).chain
        assert streamed == verify_rows(store.chain_rows(project.id), project.id, secret)
        assert streamed.ok and streamed.mode == "keyed" and streamed.events == 6
    finally:
        store.close()


HYPER = "experimentation/hyperparameter-records"
# Evidence whose keys are named like the payload's fields: its canonical text holds ',"at":"…","before":'.
LOOKALIKE = {"params": {"a": 0, "at": "2000-01-01T00:00:00Z", "before": {"z": 1}, "project": "p"}}


def moved_splits(row: tuple[Any, ...], project: str) -> list[tuple[Any, ...]]:
    """Every other way to cut the event's hashed bytes into after/at/before/target columns (a literal for ``at``
    and ``target`` as the store quotes them): rows that hash exactly like ``row`` but say something else."""
    text = payload_text(row, project)
    start = text.index('"after":') + len('"after":')
    tail = f',"project":{json.dumps(project)},"seq":{row[0]},"target":'
    found = []
    for cut in (m.start() for m in re.finditer(re.escape(',"at":'), text)):
        try:
            at, end = json.JSONDecoder().raw_decode(text, cut + len(',"at":'))
        except ValueError:
            continue
        if not isinstance(at, str) or encode_basestring(at) != text[cut + 6:end] or \
                not text.startswith(',"before":', end):
            continue
        for split in (m.start() for m in re.finditer(re.escape(tail), text)):
            literal = text[split + len(tail):-1]
            try:
                target = json.loads(literal)
            except ValueError:
                continue
            if not isinstance(target, str) or encode_basestring(target) != literal or split <= end:
                continue
            moved = (row[0], at, row[2], row[3], target, text[end + len(',"before":'):split], text[start:cut],
                     *row[7:])
            if moved != row:
                found.append(moved)
    return found


def test_every_other_cut_of_an_events_bytes_into_columns_is_refused() -> None:
    before = {"key": HYPER, "evidence": LOOKALIKE}
    after = {"key": HYPER, "evidence": {"params": {**LOOKALIKE["params"], "n": 2}}}
    event = AuditEvent(1, "2026-12-06T08:00:00Z", "alice", "p-1", "item.update", 'a "quoted" target', before,
                       after, GENESIS, "")
    row = event.row()
    first = (*row[:8], chain_hash(GENESIS, payload_text(row, "p-1"), None), None)
    moves = moved_splits(first, "p-1")
    assert len(moves) >= 2  # the content really allows moving bytes between after, at, before (and target)
    as_stored = [(*m[:5], m[5].encode(), m[6].encode(), *m[7:]) for m in [first, *moves]]
    assert verify_rows(as_stored[:1], "p-1").ok
    for moved in as_stored[1:]:
        check = verify_rows([moved], "p-1")
        assert (check.ok, check.broken_seq) == (False, 1), moved
        assert check.message.endswith("content does not match its hash")


def test_bytes_moved_between_the_after_at_and_before_columns_are_found(service: Lifecycle, project: Project) -> None:
    service.set_item(project, HYPER, {"evidence": LOOKALIKE}, actor="alice")
    service.set_item(project, HYPER, {"evidence": {"params": {**LOOKALIKE["params"], "n": 2}}}, actor="alice")
    seq, row = next((r[0], r) for r in reversed(service.store.chain_rows(project.id)) if r[4] == HYPER)
    moved = moved_splits(row, project.id)[0]  # after cut at the evidence's "at", the rest carried into before
    assert (moved[5], moved[6]) != (row[5], row[6]) and moved[7:] == row[7:]
    tamper(service.store.url, "UPDATE audit_events SET \"after\" = :a, at = :t, \"before\" = :b, target = :g "
           "WHERE project_id = :p AND seq = :s", a=moved[6], t=moved[1], b=moved[5], g=moved[4], p=project.id,
           s=seq)  # the hash columns are untouched: nothing is recomputed
    result = verify_audit(service.store, project.id, project.directory)
    assert (result.ok, result.chain.broken_seq) == (False, seq)
    assert f"chain: event {seq} (item.update {moved[4]}): content does not match its hash" in result.problems()
