"""Widgets that record what the code hands them (datasets, hyperparameters, evaluations), and rerun mode."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifecycle_lab as ll
import lifecycle_lab.fingerprint
import lifecycle_lab.service.datasets
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.widgets.form import Notice
from lifecycle_lab.widgets.metrics import evaluate as compute


@pytest.fixture
def here(kernel_env: str, project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A kernel working in the project's ``notebooks/`` folder, with ``data/train.csv`` next to it."""
    (project.directory / "data").mkdir()
    (project.directory / "data" / "train.csv").write_text("age,income,label\n31,52000,0\n45,61000,1\n27,38000,0\n")
    (project.directory / "notebooks").mkdir()
    monkeypatch.chdir(project.directory / "notebooks")
    return project


@pytest.fixture
def rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel runs a reproducibility rerun."""
    monkeypatch.setenv("LIFECYCLE_LAB_RERUN", "1")


def seq(service: Lifecycle, project: Project) -> int:
    return service.store.last_seq(project.id)


def dump(db_url: str) -> list[str]:
    """Every row of every table of the SQLite store, as SQL text."""
    with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
        return list(conn.iterdump())


def plain(widget) -> str:
    return widget._repr_mimebundle_()["text/plain"]


def scores(n: int = 2_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    p = rng.random(n)
    return (rng.random(n) < p).astype(int), p, rng.choice(["web", "app", "branch"], n)


# --- datasets -------------------------------------------------------------------------------------------------


def test_a_new_dataset_is_recorded_linked_and_shown_on_a_card(
    here: Project, service: Lifecycle, capsys: pytest.CaptureFixture[str],
) -> None:
    card = ll.dataset("../data/train.csv", name="train")
    version = service.store.dataset_versions(here.id, "train")[0]
    assert (version.version, version.path, version.rows, version.columns, version.recorded_by) == (
        1, "data/train.csv", 3, 3, "alice")
    assert capsys.readouterr().out == (
        f"dataset 'train' (../data/train.csv): version 1, sha256 {version.sha256[:12]}, 3 rows × 3 columns, "
        "as recorded\n")
    for fact in (version.sha256[:12], ">3</td>", "age: int64", "alice", version.recorded_at):
        assert fact in card.card.value
    link = service.store.item(here.id, "data/dataset-versions")
    assert link.evidence == {"versions": [{"dataset": "train", "version": 1, "fingerprint": version.sha256}]}
    before = seq(service, here)
    ll.dataset("../data/train.csv", name="train")
    assert seq(service, here) == before  # the same data records nothing


def test_changed_data_is_reported_and_recorded_only_when_asked(
    here: Project, service: Lifecycle, capsys: pytest.CaptureFixture[str],
) -> None:
    ll.dataset("../data/train.csv", name="train")
    old = service.store.dataset_versions(here.id, "train")[0].sha256
    (here.directory / "data" / "train.csv").write_text("age,income,label\n31,52000,0\n")
    capsys.readouterr()
    before = seq(service, here)
    card = ll.dataset("../data/train.csv", name="train")
    assert capsys.readouterr().out.startswith(
        f"dataset 'train' (../data/train.csv): CHANGED since version 1 was recorded (sha256 {old[:12]}, now ")
    assert seq(service, here) == before
    assert "changed since version 1" in card.message.value
    assert card.record_button.description == "Record as version 2"
    assert "version 1" in card.card.value and ">now<" in card.card.value
    card.record_button.click()
    assert [v.version for v in service.store.dataset_versions(here.id, "train")] == [2, 1]
    assert "Recorded version 2" in card.message.value


def test_recording_a_dataset_reads_the_data_once(
    here: Project, service: Lifecycle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Path] = []
    reads: list[Path] = []

    def counting(wrapped):
        def wrapper(path, *args, **kwargs):
            (calls if wrapped is real_fingerprint else reads).append(Path(path))
            return wrapped(path, *args, **kwargs)
        return wrapper

    real_fingerprint, real_stats = lifecycle_lab.service.datasets.fingerprint, lifecycle_lab.fingerprint._table_stats
    monkeypatch.setattr(lifecycle_lab.service.datasets, "fingerprint", counting(real_fingerprint))
    monkeypatch.setattr(lifecycle_lab.fingerprint, "_table_stats", counting(real_stats))
    ll.dataset("../data/train.csv", name="train")
    train = here.directory / "data" / "train.csv"
    assert (calls, reads) == ([train], [train])
    version = service.store.dataset_versions(here.id, "train")[0]
    assert (version.version, version.rows, version.columns) == (1, 3, 3)
    (here.directory / "data" / "train.csv").write_text("age,income,label\n31,52000,0\n")
    calls.clear()
    reads.clear()
    card = ll.dataset("../data/train.csv", name="train")
    card.record_button.click()  # fingerprints the data again (it may have changed since the card opened), once
    assert (calls, reads) == ([train, train], [train, train])
    assert [(v.version, v.rows) for v in service.store.dataset_versions(here.id, "train")] == [(2, 1), (1, 3)]


def test_a_fingerprint_of_other_data_is_not_recorded_for_a_path(here: Project, service: Lifecycle) -> None:
    data = here.directory / "data"
    (data / "other.csv").write_text("a\n1\n2\n")
    other = service.fingerprint(here, data / "other.csv")
    version, _ = service.add_dataset(here, data / "train.csv", name="train", actor="alice", known=other)
    assert (version.sha256, version.rows) == (service.fingerprint(here, data / "train.csv").sha256, 3)


def test_recording_waits_when_someone_recorded_another_version_meanwhile(
    here: Project, service: Lifecycle,
) -> None:
    ll.dataset("../data/train.csv", name="train")
    path = here.directory / "data" / "train.csv"
    path.write_text("age,income,label\n1,2,0\n")
    card = ll.dataset("../data/train.csv", name="train")
    path.write_text("age,income,label\n3,4,1\n")
    service.add_dataset(here, path, name="train", actor="bob")
    path.write_text("age,income,label\n1,2,0\n")
    card.record_button.click()
    assert "bob recorded version 2 meanwhile" in card.message.value
    assert len(service.store.dataset_versions(here.id, "train")) == 2


def test_a_missing_file_is_an_error_line_and_records_nothing(
    here: Project, service: Lifecycle, capsys: pytest.CaptureFixture[str],
) -> None:
    before = seq(service, here)
    card = ll.dataset("nowhere.csv")
    assert capsys.readouterr().out == "dataset 'nowhere.csv' (nowhere.csv): ERROR nowhere.csv does not exist\n"
    assert isinstance(card, Notice) and seq(service, here) == before


# --- hyperparameters -------------------------------------------------------------------------------------------


def test_hyperparameters_are_recorded_once_then_verified(
    here: Project, service: Lifecycle, capsys: pytest.CaptureFixture[str],
) -> None:
    params = {"learning_rate": np.float64(0.05), "depth": np.int64(6), "layers": (64, 32),
              "optimizer": {"name": "adam", "betas": [0.9, 0.999]}}
    ll.hyperparameters(params, source="train.ipynb")
    state = service.store.item(here.id, "experimentation/hyperparameter-records")
    assert state.evidence == {"params": {"learning_rate": 0.05, "depth": 6, "layers": [64, 32],
                                         "optimizer": {"name": "adam", "betas": [0.9, 0.999]}},
                              "source": "train.ipynb"}
    assert (state.status, state.updated_by) == ("in_progress", "alice")
    first = capsys.readouterr().out
    assert first.startswith("hyperparameters (experimentation/hyperparameter-records): 4 parameters, sha256 ")
    assert first.endswith(", as recorded\n")
    before = seq(service, here)
    ll.hyperparameters(params, source="train.ipynb")
    assert capsys.readouterr().out == first
    assert seq(service, here) == before


def test_different_hyperparameters_are_named_and_replace_the_record_only_on_click(
    here: Project, service: Lifecycle, capsys: pytest.CaptureFixture[str],
) -> None:
    ll.hyperparameters({"lr": 0.1, "depth": 3, "seed": 1})
    capsys.readouterr()
    before = seq(service, here)
    form = ll.hyperparameters({"lr": 0.2, "depth": 3, "dropout": 0.5})
    assert capsys.readouterr().out == ("hyperparameters (experimentation/hyperparameter-records): DIFFER from the "
                                       "record: added dropout; lr 0.1 → 0.2; removed seed\n")
    assert seq(service, here) == before
    form.record_button.click()
    assert service.store.item(here.id, "experimentation/hyperparameter-records").evidence == {
        "params": {"lr": 0.2, "depth": 3, "dropout": 0.5}}


_NOT_JSON = "is not JSON-serialisable (use numbers, strings, booleans, None, lists or dicts)"


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"optimizer": {"betas": [0.9, object()]}}, f"optimizer.betas[1]: a value of type object {_NOT_JSON}"),
        ({"scaler": np.zeros(3)}, f"scaler: a value of type ndarray {_NOT_JSON}"),
        ({"lr": float("nan")}, "lr: nan is not a JSON number (use a finite value or a string)"),
        ({"grid": {1: "a"}}, "grid: key 1 is not a string"),
        ([("lr", 0.1)], "expected a dict of parameter name → value, got list"),
    ],
)
def test_hyperparameters_that_are_not_json_name_the_key_and_record_nothing(
    here: Project, service: Lifecycle, capsys: pytest.CaptureFixture[str], params, problem: str,
) -> None:
    before = seq(service, here)
    form = ll.hyperparameters(params)
    assert capsys.readouterr().out == f"hyperparameters: ERROR {problem}\n"
    assert isinstance(form, Notice) and problem.split(":")[0] in form.message.value
    assert seq(service, here) == before


# --- evaluation ---------------------------------------------------------------------------------------------------


def test_evaluation_records_metrics_by_segment_and_calibration(here: Project, service: Lifecycle) -> None:
    y, p, seg = scores()
    view = ll.evaluate(y, p, segments=seg, metric="f1", n_boot=300, seed=2)
    expected = compute(y, p, seg, metric="f1", n_boot=300, seed=2)
    assert view.result == expected
    assert plain(view) == expected.to_text()
    segments = service.store.item(here.id, "validation/segment-performance")
    calibration = service.store.item(here.id, "validation/calibration")
    assert segments.evidence == expected.metric_evidence() and segments.updated_by == "alice"
    assert calibration.evidence == expected.calibration_evidence()
    assert [r["segment"] for r in segments.evidence["results"]] == ["overall", "app", "branch", "web"]
    assert "Recorded on validation/segment-performance, validation/calibration" in view.message.value
    assert list(view.to_dataframe().index) == ["overall", "app", "branch", "web"]
    before = seq(service, here)
    ll.evaluate(y, p, segments=seg, metric="f1", n_boot=300, seed=2)
    assert seq(service, here) == before


def test_different_results_replace_the_record_only_on_click(here: Project, service: Lifecycle) -> None:
    y, p, seg = scores()
    ll.evaluate(y, p, segments=seg, n_boot=100)
    before = seq(service, here)
    view = ll.evaluate(y, 1 - p, segments=seg, n_boot=100)
    assert "differ from those recorded on validation/segment-performance, validation/calibration" in (
        view.message.value)
    assert seq(service, here) == before
    view.record_button.click()
    assert service.store.item(here.id, "validation/segment-performance").evidence == view.result.metric_evidence()
    assert seq(service, here) == before + 2


def test_opening_an_evaluation_reads_each_target_item_once(
    here: Project, service: Lifecycle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    y, p, seg = scores()
    ll.evaluate(y, p, segments=seg, n_boot=50)
    reads: list[str] = []
    store_class = type(service.store)
    real_item = store_class.item

    def counting_item(self, project_id: str, key: str):
        reads.append(key)
        return real_item(self, project_id, key)

    monkeypatch.setattr(store_class, "item", counting_item)
    before = seq(service, here)
    view = ll.evaluate(y, p, segments=seg, n_boot=50)  # already recorded: nothing to write
    assert sorted(reads) == ["validation/calibration", "validation/segment-performance"]
    assert "Recorded on validation/segment-performance, validation/calibration" in view.message.value
    assert seq(service, here) == before


def test_label_predictions_record_no_calibration(here: Project, service: Lifecycle) -> None:
    y, p, seg = scores()
    ll.evaluate(y, (p > 0.5).astype(int), segments=seg, n_boot=50)
    assert service.store.item(here.id, "validation/segment-performance").evidence["metric"] == "accuracy"
    assert service.store.item(here.id, "validation/calibration").evidence is None


def test_bad_evaluation_input_is_shown_and_records_nothing(here: Project, service: Lifecycle) -> None:
    before = seq(service, here)
    view = ll.evaluate([0, 1, 1], [0, 1], n_boot=10)
    assert isinstance(view, Notice)
    assert "Not evaluated: y_pred: 2 predictions for 3 labels" in view.message.value
    assert plain(view) == "lifecycle_lab evaluation: ERROR y_pred: 2 predictions for 3 labels"
    assert seq(service, here) == before


def test_a_template_without_the_items_says_where_it_cannot_record(
    kernel_env: str, minimal_project: Project, service: Lifecycle, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(minimal_project.directory)
    assert isinstance(ll.hyperparameters({"lr": 1}), Notice)
    assert capsys.readouterr().out == "hyperparameters: ERROR template 'minimal' has no hyperparameters item\n"
    y, p, seg = scores(200)
    ll.evaluate(y, p, segments=seg, n_boot=20)  # the minimal template's one metrics item takes the results
    assert service.store.item(minimal_project.id, "evaluation/evaluation-metrics").evidence["metric"] == "accuracy"
    form = ll.problem_statement()
    form.statement.value = "Prototype a churn model"
    form.save_button.click()
    assert service.store.item(minimal_project.id, "scope/problem-statement").evidence == {
        "statement": "Prototype a churn model"}


# --- rerun mode ----------------------------------------------------------------------------------------------------


def record_everything(project: Project) -> None:
    """What a first, interactive run of a notebook records."""
    form = ll.problem_statement()
    form.statement.value = "Approve small loans automatically"
    form.target.value = "0.9"
    form.save_button.click()
    ll.failure_modes(pd.DataFrame({"mode": ["drift"], "severity": ["high"]}))
    ll.dataset("../data/train.csv", name="train")
    ll.hyperparameters({"lr": 0.1})
    y, p, seg = scores()
    ll.evaluate(y, p, segments=seg, n_boot=100)


def every_widget() -> list:
    """One of each widget, as a notebook would show them."""
    y, p, seg = scores()
    return [ll.problem_statement(), ll.failure_modes(), ll.dataset("../data/train.csv", name="train"),
            ll.hyperparameters({"lr": 0.1}), ll.evaluate(y, p, segments=seg, n_boot=100),
            ll.item("framing/risk-tier"), ll.checklist()]


def test_a_rerun_writes_nothing_and_buttons_do_not_save(
    kernel_env: str, here: Project, service: Lifecycle, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record_everything(here)
    first_lines = capsys.readouterr().out
    first_plain = [plain(w) for w in every_widget()]
    capsys.readouterr()
    monkeypatch.setenv("LIFECYCLE_LAB_RERUN", "1")
    before = dump(kernel_env)
    widgets = every_widget()
    assert [plain(w) for w in widgets] == first_plain
    assert capsys.readouterr().out == first_lines
    statement, table, card, params, evaluation, item, _ = widgets
    assert statement.statement.value == "Approve small loans automatically" and statement.statement.disabled
    statement.statement.value = "something else"
    statement.save_button.click()
    table.add_row({"mode": "new"})
    table.save_button.click()
    item.status_input.value = "done"
    item.save_button.click()
    for form in (statement, table, item):
        assert "reproducibility rerun" in form.message.value
    assert dump(kernel_env) == before
    assert card.record_button.layout.display == "none" and params.record_button.layout.display == "none"
    assert evaluation.record_button.layout.display == "none"


def test_a_rerun_verifies_and_reports_changed_data_and_parameters(
    kernel_env: str, here: Project, service: Lifecycle, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record_everything(here)
    capsys.readouterr()
    (here.directory / "data" / "train.csv").write_text("age,income,label\n99,1,1\n")
    monkeypatch.setenv("LIFECYCLE_LAB_RERUN", "1")
    before = dump(kernel_env)
    ll.dataset("../data/train.csv", name="train")
    ll.hyperparameters({"lr": 0.3})
    ll.evaluate(*scores()[:2], n_boot=10)
    ll.checklist()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dataset 'train' (../data/train.csv): CHANGED since version 1 was recorded")
    assert lines[1] == "hyperparameters (experimentation/hyperparameter-records): DIFFER from the record: lr 0.1 → 0.3"
    assert dump(kernel_env) == before  # not even the fingerprint cache learns the changed file


def test_a_rerun_of_an_unregistered_project_registers_nothing(
    kernel_env: str, tmp_path: Path, service: Lifecycle, monkeypatch: pytest.MonkeyPatch, rerun: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lifecycle_lab.project import create_manifest

    create_manifest(tmp_path, name="Fresh")
    (tmp_path / "d.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    widgets = [ll.problem_statement(), ll.checklist(), ll.dataset("d.csv"), ll.hyperparameters({"a": 1})]
    assert "NOT RECORDED" in capsys.readouterr().out
    assert "not registered" in widgets[1].message.value
    assert service.store.list_projects() == []


def test_text_fallbacks_carry_no_state_or_run_varying_text(here: Project, service: Lifecycle) -> None:
    fresh = [plain(w) for w in every_widget()]
    service.set_item(here, "framing/risk-tier", {"status": "done", "evidence": {"text": "tier 1"}}, actor="bob")
    again = [plain(w) for w in every_widget()]
    assert fresh == again
    assert fresh[0] == ("lifecycle_lab problem statement form "
                        "(framing/problem-statement, framing/objective-metric)")
    assert fresh[-1] == "lifecycle_lab checklist progress view"
    for text in fresh:
        assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d|[0-9a-f]{32}", text)  # no dates, times or model ids
