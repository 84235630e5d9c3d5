"""The streamed verification (one pass, before/after as stored bytes) finds exactly what the exact check finds.

``audit --verify`` takes a fast path for every event whose bytes hash as stored and checks any other event the
slow, exact way; these tests pin that the fast path never accepts what the exact check refuses, on both
backends, and that the spelled-out HMAC is the standard one.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from conftest import tamper

from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store import store as store_module
from lifecycle_lab.store.audit import AuditKey, verify_rows
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
