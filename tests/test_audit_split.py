"""A long chain is verified in two processes, each rehashing and replaying one half; the result is the one-pass
result, and any problem (in either half or at the join) is named exactly as the one-pass verification names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import tamper

from lifecycle_lab import verification_split
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store.audit import AuditKey
from lifecycle_lab.verification import AuditVerification, _verify, verify_audit

KEY = "framing/risk-tier"
EVENTS = 24  # with SPLIT_FROM lowered to 10: this process verifies events 1-12, the helper 13-24

pytestmark = pytest.mark.both_backends


@pytest.fixture(autouse=True)
def short_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification_split, "SPLIT_FROM", 10)
    monkeypatch.setattr(verification_split, "_two_cores", lambda: True)  # the same on a one-core CI machine


def fill(service: Lifecycle, project: Project, upto: int = EVENTS) -> None:
    for i in range(service.store.last_seq(project.id), upto):
        service.set_item(project, KEY, {"notes": f"note {i}"}, actor="alice")


def both_ways(store: Store, project: Project) -> tuple[AuditVerification, AuditVerification]:
    return verify_audit(store, project.id, project.directory), _verify(store, project.id, [], split=False)


def same(split: AuditVerification, once: AuditVerification | None) -> bool:
    return once is not None and split.to_json() == once.to_json()


def test_a_long_chain_verified_in_two_processes_is_the_one_pass_result(service: Lifecycle, project: Project) -> None:
    fill(service, project)
    service.store.add_checkpoint(project.id, at="2026-12-06T08:00:00Z")  # an anchor in the helper's half
    split, once = both_ways(service.store, project)
    assert (split.processes, once.processes) == (2, 1)
    assert split.ok and split.chain.events == EVENTS and same(split, once)


@pytest.mark.parametrize("keyed_from", [1, 6, 18])  # keyed from the start, in the first half, in the helper's
def test_a_keyed_and_a_mixed_chain_join_with_the_right_mode(db_url: str, project_dir: Path, keyed_from: int) -> None:
    secret = AuditKey(b"team secret: 32 bytes of entropy!")
    plain = Store(db_url)
    keyed = Store(db_url, secret)
    try:
        service = Lifecycle(keyed if keyed_from == 1 else plain)
        project = service.init_project(project_dir, actor="alice", template="default", name="Keyed")
        fill(service, project, keyed_from - 1)
        fill(Lifecycle(keyed), project)
        split, once = both_ways(keyed, project)
        assert split.processes == 2 and split.ok and same(split, once)
        expected = ("keyed", 1) if keyed_from == 1 else ("mixed", keyed_from)
        assert (split.chain.mode, split.chain.keyed_from) == expected
        refused = verify_audit(plain, project.id, project.directory)  # without the key: refused, not split
        assert refused.refused and refused.processes == 1
    finally:
        plain.close()
        keyed.close()


PROBLEMS: dict[str, Callable[[str, str], None]] = {
    "an edit in the helper's half": lambda url, p: tamper(
        url, "UPDATE audit_events SET actor = 'mallory' WHERE project_id = :p AND seq = 20", p=p),
    "an edit of the event the halves meet at": lambda url, p: tamper(
        url, "UPDATE audit_events SET actor = 'mallory' WHERE project_id = :p AND seq = 12", p=p),
    "the event the halves meet at deleted": lambda url, p: tamper(
        url, "DELETE FROM audit_events WHERE project_id = :p AND seq = 12", p=p),
    "the first event of the helper's half deleted": lambda url, p: tamper(
        url, "DELETE FROM audit_events WHERE project_id = :p AND seq = 13", p=p),
    "an item changed without an event": lambda url, p: tamper(
        url, "UPDATE items SET status = 'done' WHERE project_id = :p AND key = :k", p=p, k=KEY),
    "an event's state before it changed at the join": lambda url, p: tamper(
        url, "UPDATE audit_events SET \"before\" = replace(\"before\", 'note 11', 'note X') "
        "WHERE project_id = :p AND seq = 13", p=p),
}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_problem_anywhere_is_named_as_the_one_pass_verification_names_it(
    service: Lifecycle, project: Project, problem: str,
) -> None:
    fill(service, project)
    PROBLEMS[problem](service.store.url, project.id)
    split, once = both_ways(service.store, project)
    assert not split.ok and split.problems() and same(split, once)
    assert split.processes == 1  # the split did not hold: verified again in one pass
