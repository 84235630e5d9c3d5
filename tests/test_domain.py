"""The domain rules: edits, progress, overdue, staleness, gates and sign-off snapshots (no I/O)."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle_lab import domain as cl
from lifecycle_lab.errors import NotFound, ValidationError

TODAY = dt.date(2026, 11, 26)
FP_A, FP_B = "a" * 64, "b" * 64

TEMPLATE = cl.Template(
    id="t",
    version="1",
    title="T",
    roles=(cl.Role("security", "Security"), cl.Role("legal", "Legal")),
    stages=(
        cl.Stage(
            id="data",
            title="Data",
            items=(
                cl.ItemSpec("data", "versions", "Dataset versions", "datasets", required=True),
                cl.ItemSpec("data", "lineage", "Lineage", "text", required=True),
                cl.ItemSpec("data", "nice", "Nice to have", "check"),
            ),
            gate=cl.Gate(signoffs=("security",)),
        ),
        cl.Stage(
            id="exp",
            title="Experiments",
            items=(cl.ItemSpec("exp", "rerun", "Rerun", "rerun", required=True),),
            gate=cl.Gate(signoffs=("security", "legal"), requires=("data/lineage",)),
        ),
    ),
)


def edit(key: str, state: cl.ItemState | None = None, **changes: object) -> cl.ItemState:
    return cl.apply_changes(TEMPLATE.item(key), state or cl.ItemState(key), changes, actor="alice", at="t1")


def done_states() -> dict[str, cl.ItemState]:
    return {
        "data/versions": edit("data/versions", status="done",
                              evidence={"versions": [{"dataset": "train", "version": 1, "fingerprint": FP_A}]}),
        "data/lineage": edit("data/lineage", status="done", evidence={"text": "from the warehouse"}),
        "exp/rerun": edit("exp/rerun", status="done", evidence={
            "run_id": "r1", "verdict": "reproduced", "notebooks": [{"path": "train.ipynb", "sha256": FP_A}],
            "datasets": [{"dataset": "train", "fingerprint": FP_A}]}),
    }


def approve(stage: str, role: str, states: dict[str, cl.ItemState], decision: str = "approve") -> cl.Signoff:
    snapshot = cl.stage_snapshot(TEMPLATE, stage, cl.states_for(TEMPLATE, states))
    return cl.Signoff(stage=stage, role=role, decision=decision, user="bob", at="t2", snapshot=snapshot,
                      comment="fix it" if decision == "reject" else "", id=hash((stage, role)) % 1000)


def gate(stage: str, states: dict[str, cl.ItemState], signoffs: list[cl.Signoff],
         seen: cl.Observations | None = None) -> cl.GateResult:
    return cl.summarize(TEMPLATE, states, signoffs, today=TODAY, seen=seen).gates[stage]


def kinds(result: cl.GateResult) -> list[tuple[str, str]]:
    return [(b.kind, b.target) for b in result.blockers]


def test_edit_bumps_version_and_records_author() -> None:
    state = edit("data/lineage", status="in_progress", owner=" carol ", due="2026-12-01", notes="n")
    assert (state.status, state.owner, state.due, state.version, state.updated_by) == (
        "in_progress", "carol", dt.date(2026, 12, 1), 1, "alice")
    assert edit("data/lineage", state, notes="m").version == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"status": "finished"}, "status"),
    ({"due": "next week"}, "due"),
    ({"owner": 3}, "owner"),
    ({"colour": "red"}, "colour"),
    ({"status": "not_applicable"}, "justification"),
    ({"evidence": {"versions": [{"dataset": "x", "version": 0}]}}, "evidence.versions[0].version"),
    ({"evidence": {"txt": "typo"}}, "evidence"),
])
def test_bad_edits_name_the_field(changes: dict[str, object], field: str) -> None:
    key = "data/versions" if "versions" in str(changes) else "data/lineage"
    with pytest.raises(ValidationError) as info:
        edit(key, **changes)
    assert info.value.field == field
    assert info.value.message.startswith(field)


def test_recording_evidence_starts_a_todo_item_and_keeps_any_other_status() -> None:
    run = {"run_id": "r1", "verdict": "reproduced"}
    started = cl.record_evidence(TEMPLATE.item("exp/rerun"), cl.ItemState("exp/rerun"), run, actor="ci", at="t1")
    assert (started.status, started.evidence, started.version, started.updated_by) == ("in_progress", run, 1, "ci")
    done = edit("exp/rerun", status="done", evidence=run)
    again = cl.record_evidence(TEMPLATE.item("exp/rerun"), done, {**run, "run_id": "r2"}, actor="ci", at="t2")
    assert (again.status, again.evidence["run_id"], again.version) == ("done", "r2", 2)
    with pytest.raises(ValidationError) as info:
        cl.record_evidence(TEMPLATE.item("exp/rerun"), done, {"verdict": "reproduced"}, actor="ci", at="t2")
    assert info.value.field == "evidence"


def test_not_applicable_with_justification_counts_as_closed_and_leaves_progress() -> None:
    states = {"data/nice": edit("data/nice", status="not_applicable", justification="no UI")}
    summary = cl.summarize(TEMPLATE, states, [], today=TODAY)
    assert summary.stages["data"].to_json() == {"done": 0, "applicable": 2, "total": 3, "percent": 0}


def test_progress_counts_done_over_applicable() -> None:
    summary = cl.summarize(TEMPLATE, done_states(), [], today=TODAY)
    assert summary.overall.to_json() == {"done": 3, "applicable": 4, "total": 4, "percent": 75}


def test_overdue_is_an_open_item_past_its_due_date() -> None:
    states = {
        "data/lineage": edit("data/lineage", due="2026-11-25"),
        "data/nice": edit("data/nice", due="2026-11-25", status="done"),
        "exp/rerun": edit("exp/rerun", due="2026-11-26"),
    }
    assert cl.summarize(TEMPLATE, states, [], today=TODAY).overdue == ["data/lineage"]


def test_gate_blocks_on_open_required_items() -> None:
    assert kinds(gate("data", {}, [])) == [("open", "data/versions"), ("open", "data/lineage"),
                                          ("signoff_missing", "security")]


def test_gate_blocks_on_done_item_without_evidence() -> None:
    states = {**done_states(), "data/lineage": edit("data/lineage", status="done")}
    assert ("missing_evidence", "data/lineage") in kinds(gate("data", states, []))


def test_gate_blocks_on_a_rerun_that_did_not_reproduce() -> None:
    states = done_states()
    states["exp/rerun"] = edit("exp/rerun", states["exp/rerun"],
                               evidence={**states["exp/rerun"].evidence, "verdict": "differs"})
    assert ("failing_evidence", "exp/rerun") in kinds(gate("exp", states, []))
    states["exp/rerun"] = edit("exp/rerun", states["exp/rerun"],
                               evidence={**states["exp/rerun"].evidence, "verdict": "within_tolerance"})
    assert "failing_evidence" not in [k for k, _ in kinds(gate("exp", states, []))]


def test_gate_includes_items_it_requires_from_other_stages() -> None:
    states = {**done_states(), "data/lineage": edit("data/lineage", status="blocked")}
    assert ("open", "data/lineage") in kinds(gate("exp", states, []))


def test_gate_passes_with_everything_done_and_approved() -> None:
    states = done_states()
    result = gate("data", states, [approve("data", "security", states)])
    assert result.passed and result.blockers == ()


def test_rejected_signoff_blocks() -> None:
    states = done_states()
    assert kinds(gate("data", states, [approve("data", "security", states, "reject")])) == [
        ("signoff_rejected", "security")]


def test_later_signoff_replaces_earlier_one() -> None:
    states = done_states()
    signoffs = [approve("data", "security", states, "reject"), approve("data", "security", states)]
    assert gate("data", states, signoffs).passed


def test_signoff_goes_stale_when_item_changes() -> None:
    states = done_states()
    signoff = approve("data", "security", states)
    states["data/nice"] = edit("data/nice", notes="an unrelated-looking note in the same stage")
    summary = cl.summarize(TEMPLATE, states, [signoff], today=TODAY)
    assert kinds(summary.gates["data"]) == [("signoff_outdated", "security")]
    assert summary.outdated_signoffs == {signoff.id}


def test_signoff_survives_changes_in_other_stages() -> None:
    states = done_states()
    signoff = approve("data", "security", states)
    states["exp/rerun"] = edit("exp/rerun", states["exp/rerun"], notes="elsewhere")
    assert gate("data", states, [signoff]).passed


def test_changed_dataset_makes_dataset_and_rerun_evidence_stale() -> None:
    states = done_states()
    seen = cl.Observations(datasets={"train": FP_B}, notebooks={"train.ipynb": FP_A})
    summary = cl.summarize(TEMPLATE, states, [approve("data", "security", states)], today=TODAY, seen=seen)
    assert set(summary.stale) == {"data/versions", "exp/rerun"}
    assert "changed since version 1" in summary.stale["data/versions"][0]
    assert ("stale_evidence", "data/versions") in kinds(summary.gates["data"])


def test_edited_notebook_makes_rerun_evidence_stale() -> None:
    seen = cl.Observations(datasets={"train": FP_A}, notebooks={"train.ipynb": FP_B})
    summary = cl.summarize(TEMPLATE, done_states(), [], today=TODAY, seen=seen)
    assert summary.stale == {"exp/rerun": ["notebook train.ipynb changed after the rerun that verified it"]}


def test_missing_dataset_is_stale_and_unobserved_is_not() -> None:
    states = done_states()
    assert cl.summarize(TEMPLATE, states, [], today=TODAY).stale == {}
    seen = cl.Observations(datasets={"train": None})
    assert "dataset train is missing" in cl.summarize(TEMPLATE, states, [], today=TODAY, seen=seen).stale[
        "data/versions"]


def test_signoff_rules() -> None:
    cl.check_signoff(TEMPLATE, "exp", "legal", "approve", "")
    with pytest.raises(ValidationError, match="role: 'legal' does not sign off stage 'data'"):
        cl.check_signoff(TEMPLATE, "data", "legal", "approve", "")
    with pytest.raises(ValidationError, match="decision"):
        cl.check_signoff(TEMPLATE, "data", "security", "maybe", "")
    with pytest.raises(ValidationError, match="rejection needs a comment"):
        cl.check_signoff(TEMPLATE, "data", "security", "reject", " ")
    with pytest.raises(NotFound):
        cl.check_signoff(TEMPLATE, "nope", "security", "approve", "")


def test_item_state_json_round_trip() -> None:
    state = edit("data/lineage", status="done", due="2027-01-02", evidence={"text": "x"})
    assert cl.ItemState.from_json(state.to_json()) == state
