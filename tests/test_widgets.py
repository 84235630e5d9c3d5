"""Notebook forms built in plain pytest: values set and buttons clicked through ipywidgets, against a real store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

import lifecycle_lab as ll
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.widgets.form import Notice


@pytest.fixture
def here(kernel_env: str, project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A kernel whose working folder is the project's (default template)."""
    monkeypatch.chdir(project.directory)
    return project


def seq(service: Lifecycle, project: Project) -> int:
    return service.store.last_seq(project.id)


def plain(widget) -> str:
    return widget._repr_mimebundle_()["text/plain"]


# --- outside a project -----------------------------------------------------------------------------


def test_outside_a_project_every_widget_says_how_to_initialise_one(
    kernel_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    service: Lifecycle,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a\n1\n")
    made = [ll.problem_statement(), ll.failure_modes(), ll.item("framing/risk-tier"), ll.checklist(),
            ll.dataset("d.csv"), ll.hyperparameters({"lr": 0.1})]
    for widget in made:
        assert isinstance(widget, Notice)
        assert "not inside a lifecycle project" in widget.message.value
        assert "jupyter lifecycle init" in widget.message.value
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "dataset 'd.csv' (d.csv): ERROR not inside a lifecycle project (run `jupyter lifecycle init`)",
        "hyperparameters: ERROR not inside a lifecycle project (run `jupyter lifecycle init`)",
    ]
    evaluation = ll.evaluate([0, 1, 1], [0, 1, 0], n_boot=10)
    assert "accuracy" in plain(evaluation)
    assert "Not recorded: not inside a lifecycle project" in evaluation.message.value
    assert service.store.list_projects() == []


# --- problem statement ---------------------------------------------------------------------------------


def test_problem_statement_saves_both_items_as_the_user(here: Project, service: Lifecycle) -> None:
    form = ll.problem_statement()
    form.statement.value = "Flag fraudulent card payments for manual review."
    form.metric.value = "recall at 1% FPR"
    form.target.value = "0.8"
    form.baseline.value = "0.55"
    form.constraints.value = "p99 latency under 50 ms"
    form.save_button.click()
    assert "Saved framing/problem-statement, framing/objective-metric as alice" in form.message.value
    statement = service.store.item(here.id, "framing/problem-statement")
    assert statement.evidence == {"statement": "Flag fraudulent card payments for manual review.",
                                  "objective_metric": "recall at 1% FPR", "target": 0.8, "baseline": 0.55,
                                  "constraints": "p99 latency under 50 ms"}
    assert (statement.status, statement.updated_by) == ("in_progress", "alice")
    objective = service.store.item(here.id, "framing/objective-metric")
    assert objective.evidence == {"text": "recall at 1% FPR: target 0.8, baseline 0.55"}
    assert [e.actor for e in service.store.events(here.id)][-2:] == ["alice", "alice"]


def test_a_target_that_is_not_a_number_saves_nothing(here: Project, service: Lifecycle) -> None:
    before = seq(service, here)
    form = ll.problem_statement()
    form.statement.value = "Rank support tickets."
    form.target.value = "high"
    form.save_button.click()
    assert "target: &#x27;high&#x27; is not a number" in form.message.value
    form.target.value = ""
    form.statement.value = "   "
    form.save_button.click()
    assert "statement: required" in form.message.value
    assert seq(service, here) == before


def test_problem_statement_shows_what_is_recorded(here: Project, service: Lifecycle) -> None:
    service.set_item(here, "framing/problem-statement",
                     {"evidence": {"statement": "Predict churn", "target": 3, "baseline": None}}, actor="bob")
    form = ll.problem_statement()
    assert (form.statement.value, form.target.value, form.baseline.value) == ("Predict churn", "3", "")
    assert "version 1, saved by bob" in form.status.value
    form.save_button.click()
    assert "Nothing to save" in form.message.value


def test_a_conflicting_edit_is_shown_and_not_overwritten(here: Project, service: Lifecycle) -> None:
    form = ll.problem_statement()
    form.statement.value = "Alice's statement"
    service.set_item(here, "framing/problem-statement", {"evidence": {"statement": "Bob's statement"}}, actor="bob")
    before = seq(service, here)
    form.save_button.click()
    assert "was changed by bob" in form.message.value
    assert seq(service, here) == before
    assert service.store.item(here.id, "framing/problem-statement").evidence == {"statement": "Bob's statement"}
    form.conflict.children[0].click()  # load recorded
    assert form.statement.value == "Bob's statement" and form.conflict.children == ()
    form.statement.value = "Alice's statement"
    service.set_item(here, "framing/problem-statement", {"notes": "bob again"}, actor="bob")
    form.save_button.click()
    form.conflict.children[1].click()  # save mine over it, knowingly
    recorded = service.store.item(here.id, "framing/problem-statement")
    assert (recorded.evidence["statement"], recorded.updated_by) == ("Alice's statement", "alice")


# --- failure modes ----------------------------------------------------------------------------------------


def test_failure_modes_table_adds_edits_removes_and_saves_rows(here: Project, service: Lifecycle) -> None:
    table = ll.failure_modes()
    table.add_button.click()
    table.add_button.click()
    table.add_button.click()
    first, second, third = table.rows
    first.inputs["mode"].value = "Label leakage"
    first.inputs["likelihood"].value = "medium"
    first.inputs["severity"].value = "critical"
    first.inputs["mitigation"].value = "time-based split"
    second.inputs["mode"].value = "to be removed"
    third.inputs["mode"].value = "Drift in merchant mix"
    third.inputs["owner"].value = "dana"
    second.remove.click()
    frame = table.to_dataframe()
    assert list(frame.columns) == ["mode", "impact", "likelihood", "severity", "mitigation", "owner"]
    assert list(frame["mode"]) == ["Label leakage", "Drift in merchant mix"]
    table.save_button.click()
    assert "Saved the table (2 rows)" in table.message.value
    recorded = service.store.item(here.id, "framing/failure-modes")
    assert recorded.evidence == {"rows": [
        {"mode": "Label leakage", "likelihood": "medium", "severity": "critical", "mitigation": "time-based split"},
        {"mode": "Drift in merchant mix", "owner": "dana"},
    ]}
    assert ll.failure_modes().to_dataframe().equals(frame.reset_index(drop=True))


def test_a_row_without_a_mode_saves_nothing(here: Project, service: Lifecycle) -> None:
    before = seq(service, here)
    table = ll.failure_modes()
    table.add_row({"impact": "customers see wrong prices"})
    table.save_button.click()
    assert "row 1: mode is required" in table.message.value
    assert seq(service, here) == before


def test_failure_modes_from_a_dataframe_are_recorded_then_replaced_only_on_save(
    here: Project, service: Lifecycle,
) -> None:
    frame = pd.DataFrame({"mode": ["Stale features", "Bias against new users"], "severity": ["High", None],
                          "likelihood": ["low", float("nan")]})
    ll.failure_modes(frame)
    rows = [{"mode": "Stale features", "likelihood": "low", "severity": "high"}, {"mode": "Bias against new users"}]
    assert service.store.item(here.id, "framing/failure-modes").evidence == {"rows": rows}
    same = ll.failure_modes(frame)
    assert "matches the recorded table" in same.message.value
    before = seq(service, here)
    changed = ll.failure_modes(pd.DataFrame({"mode": ["Outage of the feature store"]}))
    assert "differ from the recorded table" in changed.message.value
    assert list(changed.to_dataframe()["mode"]) == ["Outage of the feature store"]
    assert seq(service, here) == before
    changed.save_button.click()
    assert service.store.item(here.id, "framing/failure-modes").evidence == {
        "rows": [{"mode": "Outage of the feature store"}]}


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"mode": ["x"], "cost": [3]}), "column &#x27;cost&#x27; is not one of mode, impact"),
        (pd.DataFrame({"mode": ["x"], "severity": ["huge"]}), "row 1: severity &#x27;huge&#x27; is not one of low"),
        (pd.DataFrame({"impact": ["x"]}), "needs a &#x27;mode&#x27; column"),
        ([{"mode": "x"}], "expected a pandas DataFrame, got list"),
    ],
)
def test_a_bad_dataframe_records_nothing(here: Project, service: Lifecycle, frame, message: str) -> None:
    before = seq(service, here)
    table = ll.failure_modes(frame)
    assert message in table.message.value
    assert seq(service, here) == before


# --- generic item and checklist -----------------------------------------------------------------------------


def test_item_form_saves_status_owner_due_notes_and_text_evidence(here: Project, service: Lifecycle) -> None:
    import datetime as dt

    form = ll.item("framing/risk-tier")
    assert "Risk tier" in form.header.value or "risk" in form.header.value.lower()
    form.status_input.value = "done"
    form.owner.value = "erin"
    form.due.value = dt.date(2027, 3, 1)
    form.notes.value = "agreed with compliance"
    form.text.value = "Tier 2: customer-facing, reversible decisions"
    form.save_button.click()
    state = service.store.item(here.id, "framing/risk-tier")
    assert (state.status, state.owner, state.due, state.notes, state.evidence, state.updated_by) == (
        "done", "erin", dt.date(2027, 3, 1), "agreed with compliance",
        {"text": "Tier 2: customer-facing, reversible decisions"}, "alice")
    form.save_button.click()
    assert "Nothing to save" in form.message.value


def test_not_applicable_without_a_justification_saves_nothing(here: Project, service: Lifecycle) -> None:
    before = seq(service, here)
    form = ll.item("governance/societal-harms")
    form.status_input.value = "not_applicable"
    form.save_button.click()
    assert "needs a justification" in form.message.value
    assert seq(service, here) == before
    form.justification.value = "internal tooling, no end users"
    form.save_button.click()
    assert service.store.item(here.id, "governance/societal-harms").status == "not_applicable"


def test_item_form_shows_a_conflict_instead_of_overwriting(here: Project, service: Lifecycle) -> None:
    form = ll.item("framing/risk-tier")
    form.owner.value = "alice"
    service.set_item(here, "framing/risk-tier", {"owner": "bob"}, actor="bob")
    form.save_button.click()
    assert "framing/risk-tier was changed by bob" in form.message.value
    assert service.store.item(here.id, "framing/risk-tier").owner == "bob"
    form.conflict.children[0].click()
    assert form.owner.value == "bob"


def test_item_form_for_an_unknown_item_says_so(here: Project) -> None:
    form = ll.item("framing/no-such-item")
    assert isinstance(form, Notice) and "has no item &#x27;framing/no-such-item&#x27;" in form.message.value


def test_item_form_shows_structured_evidence_and_where_to_record_it(here: Project, service: Lifecycle) -> None:
    service.set_item(here, "experimentation/hyperparameter-records", {"evidence": {"params": {"lr": 0.1}}},
                     actor="bob")
    form = ll.item("experimentation/hyperparameter-records")
    assert "ll.hyperparameters" in form.evidence_view.value and "&quot;lr&quot;: 0.1" in form.evidence_view.value


def test_checklist_view_shows_progress_and_gates_and_writes_nothing(here: Project, service: Lifecycle) -> None:
    service.set_item(here, "framing/risk-tier", {"status": "done", "evidence": {"text": "tier 2"}}, actor="bob")
    before = seq(service, here)
    view = ll.checklist()
    summary = service.summary(here)
    assert view.overall_text.value.startswith(f"{summary.overall.done}/{summary.overall.applicable} done")
    assert "Framing" in view.stages.value and "blocked:" in view.stages.value
    view.refresh_button.click()
    assert seq(service, here) == before


def test_importing_the_package_or_the_server_extension_stays_light() -> None:
    code = (
        "import sys, lifecycle_lab as ll\n"
        "heavy = [m for m in ('ipywidgets', 'numpy', 'pandas', 'sqlalchemy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "import lifecycle_lab.server.extension\n"
        "assert 'ipywidgets' not in sys.modules\n"
        "import lifecycle_lab.service\n"
        "from lifecycle_lab.widgets.checklist import checklist\n"
        "assert ll.checklist is checklist\n"
        "print(sorted(n for n in ll.__all__ if not n.startswith('_')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(ll.WIDGETS))


def test_user_text_is_escaped_in_the_widgets(here: Project, service: Lifecycle) -> None:
    service.set_item(here, "experimentation/hyperparameter-records",
                     {"evidence": {"params": {"<b>x</b>": "<script>alert(1)</script>"}}}, actor="bob")
    form = ll.item("experimentation/hyperparameter-records")
    assert "<script>" not in form.evidence_view.value and "&lt;script&gt;" in form.evidence_view.value
    params = ll.hyperparameters({"<b>x</b>": "<img src=x onerror=alert(1)>"})
    assert "<img" not in params.table.value and "&lt;b&gt;x&lt;/b&gt;" in params.table.value
    evaluation = ll.evaluate([0, 1, 1, 0], [0.1, 0.8, 0.4, 0.3], segments=["<i>a</i>", "b", "b", "<i>a</i>"], n_boot=5)
    shown = evaluation.body.children[0].value
    assert "<i>a</i>" not in shown and "&lt;i&gt;a&lt;/i&gt;" in shown


def test_item_form_offers_statuses_by_their_labels_and_records_the_value(here: Project, service: Lifecycle) -> None:
    form = ll.item("framing/risk-tier")
    assert [label for label, _ in form.status_input.options] == [
        "To do", "In progress", "Done", "Blocked", "Not applicable"]
    form.status_input.value = "in_progress"
    assert form.status_input.label == "In progress"
    form.save_button.click()
    assert service.store.item(here.id, "framing/risk-tier").status == "in_progress"


def test_checklist_view_says_gate_passed_like_the_sidebar(here: Project, service: Lifecycle) -> None:
    stage = here.template.stages[0]
    for spec in stage.items:
        service.set_item(here, spec.key, {"status": "not_applicable", "justification": "out of scope"}, actor="bob")
    for role in stage.gate.signoffs:
        service.signoff(here, stage.id, role, "approve", actor="olga")
    assert service.gates(here, stage.id)[0].passed
    view = ll.checklist()
    assert "gate passed" in view.stages.value and "gate passes" not in view.stages.value
