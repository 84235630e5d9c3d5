"""MLflow runs as evidence, on real local tracking stores (a file store and a SQLite store) with runs the tests log."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import mlflow  # the test extra installs mlflow-skinny (extra [mlflow])
import pandas as pd
import pytest
from mlflow.entities import DatasetInput, InputTag
from mlflow.tracking import MlflowClient

from lifecycle_lab.errors import NotFound, ValidationError
from lifecycle_lab.evidence_sources import import_mlflow_run
from lifecycle_lab.evidence_sources.mlflow import metrics_evidence, split_metric
from lifecycle_lab.service import Lifecycle, Project

PARAMS = "experimentation/hyperparameter-records"
METRICS = "validation/segment-performance"
DATA = "data/dataset-versions"


@pytest.fixture(autouse=True, scope="module")
def file_store_allowed() -> None:
    """MLflow 3 keeps the file store behind this switch (the import sets it too, for its own client)."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"


@pytest.fixture(scope="session")
def empty_sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite tracking database MLflow has created and migrated, once (its migrations take seconds)."""
    path = tmp_path_factory.mktemp("mlflow") / "empty.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture(params=["file", "sqlite"])
def tracking_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh local tracking store: an ``mlruns`` folder (file store) or an SQLite database."""
    if request.param == "file":
        return (tmp_path / "mlruns").as_uri()
    path = tmp_path / "mlflow.db"
    shutil.copyfile(request.getfixturevalue("empty_sqlite_store"), path)
    return f"sqlite:///{path}"


LogRun = Callable[..., str]


@pytest.fixture
def log_run(tracking_uri: str) -> LogRun:
    """Log a finished run with parameters, metrics (intervals and segments by the naming convention) and a
    dataset input; return its id."""

    def log(params: dict[str, object] | None = None, metrics: dict[str, float] | None = None) -> str:
        client = MlflowClient(tracking_uri)
        run = client.create_run("0", tags={"mlflow.source.git.commit": "0123456789abcdef0123",
                                           "mlflow.source.name": "train.py", "mlflow.source.type": "LOCAL"},
                                run_name="baseline")
        run_id = run.info.run_id
        for key, value in (params or {"C": 0.01, "solver": "lbfgs", "balanced": True}).items():
            client.log_param(run_id, key, value)
        for key, value in (metrics or {"auc": 0.81, "auc.ci_low": 0.78, "auc.ci_high": 0.84, "auc.n": 1000,
                                       "auc.confidence": 0.95, "auc.segment.age_18-29": 0.74,
                                       "auc.segment.age_18-29.ci_low": 0.66,
                                       "auc.segment.age_18-29.ci_high": 0.8}).items():
            client.log_metric(run_id, key, value)
        frame = pd.DataFrame({"income": [1.0, 2.0], "defaulted": [0, 1]})
        dataset = mlflow.data.from_pandas(frame, source="data/loans.csv", name="loans")
        client.log_inputs(run_id, datasets=[DatasetInput(dataset._to_mlflow_entity(),
                                                         tags=[InputTag("mlflow.data.context", "training")])])
        client.set_terminated(run_id)
        return run_id

    return log


def test_metric_names_follow_the_documented_convention() -> None:
    assert split_metric("auc") == ("auc", "overall", "value")
    assert split_metric("auc.segment.age 60+.ci_high") == ("auc", "age 60+", "ci_high")
    assert split_metric("val.loss.n") == ("val.loss", "overall", "n")
    evidence = metrics_evidence({"auc": 0.8, "auc.ci_low": 0.7, "auc.segment.b": 0.6, "auc.segment.a.n": 30,
                                 "auc.confidence": 0.9, "loss": 0.3})
    assert evidence["auc"] == {"metric": "auc", "confidence": 0.9, "results": [
        {"segment": "overall", "value": 0.8, "ci_low": 0.7},
        {"segment": "a", "value": None, "n": 30},
        {"segment": "b", "value": 0.6}]}
    assert evidence["loss"] == {"metric": "loss", "results": [{"segment": "overall", "value": 0.3}]}


def test_run_imported_as_evidence_then_changed_run_makes_it_stale(
        service: Lifecycle, project: Project, log_run: LogRun, tracking_uri: str) -> None:
    run_id = log_run()
    done = import_mlflow_run(service, project, run_id, actor="alice", tracking_uri=tracking_uri)
    assert [(t.key, t.metric) for t, _ in done] == [(PARAMS, None), (DATA, None), (METRICS, "auc")]
    items = service.store.items(project.id)
    params = items[PARAMS].evidence
    assert params["params"] == {"C": 0.01, "balanced": True, "solver": "lbfgs"}
    assert "git 0123456789ab" in params["source"] and params["origin"]["git_commit"] == "0123456789abcdef0123"
    origin = params["origin"]
    assert origin["run_id"] == run_id and origin["tracking_uri"] == tracking_uri
    assert origin["environment"]["mlflow.source.name"] == "train.py" and len(origin["digest"]) == 64
    metrics = items[METRICS].evidence
    assert metrics["metric"] == "auc" and metrics["confidence"] == 0.95
    assert metrics["results"] == [
        {"segment": "overall", "value": 0.81, "ci_low": 0.78, "ci_high": 0.84, "n": 1000},
        {"segment": "age_18-29", "value": 0.74, "ci_low": 0.66, "ci_high": 0.8}]
    [ref] = items[DATA].evidence["versions"]
    assert ref["dataset"] == "loans" and ref["source"] == "data/loans.csv" and ref["digest"]
    assert {items[k].status for k in (PARAMS, METRICS, DATA)} == {"in_progress"}
    assert service.summary(project).stale == {}

    MlflowClient(tracking_uri).log_metric(run_id, "auc", 0.79)  # the run is changed after the import

    stale = service.summary(project).stale
    assert set(stale) == {PARAMS, METRICS, DATA}
    assert stale[METRICS] == [f"mlflow run {run_id} changed after it was imported"]


def test_named_items_and_metric_are_used_and_bad_targets_refused_before_anything_is_written(
        service: Lifecycle, project: Project, log_run: LogRun, tracking_uri: str) -> None:
    run_id = log_run(metrics={"auc": 0.8, "brier": 0.1})
    with pytest.raises(ValidationError, match=r"name the metric as STAGE/ITEM=METRIC; run \w+ logged auc, brier"):
        import_mlflow_run(service, project, run_id, actor="alice", tracking_uri=tracking_uri, items=[METRICS])
    with pytest.raises(ValidationError, match="framing/risk-tier takes text evidence"):
        import_mlflow_run(service, project, run_id, actor="alice", tracking_uri=tracking_uri,
                          items=[PARAMS, "framing/risk-tier"])
    assert service.store.items(project.id) == {}
    import_mlflow_run(service, project, run_id, actor="alice", tracking_uri=tracking_uri,
                      items=["validation/calibration=brier"])
    assert service.store.items(project.id)["validation/calibration"].evidence["metric"] == "brier"


def test_unknown_run_and_missing_store_are_not_found(service: Lifecycle, project: Project, tmp_path: Path,
                                                     log_run: LogRun, tracking_uri: str) -> None:
    log_run()
    with pytest.raises(NotFound, match="MLflow run 'f00' not found"):
        import_mlflow_run(service, project, "f00", actor="alice", tracking_uri=tracking_uri)
    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"
    with pytest.raises(NotFound, match="no MLflow tracking store at"):
        import_mlflow_run(service, project, "f00", actor="alice", tracking_uri=missing)
    assert not (tmp_path / "nowhere.db").exists()  # reading never creates a store


def test_deleted_run_makes_its_evidence_stale(service: Lifecycle, project: Project, log_run: LogRun,
                                              tracking_uri: str) -> None:
    run_id = log_run()
    import_mlflow_run(service, project, run_id, actor="alice", tracking_uri=tracking_uri, items=[PARAMS])
    MlflowClient(tracking_uri).delete_run(run_id)
    assert service.summary(project).stale[PARAMS] == [f"mlflow run {run_id} is gone from {tracking_uri}"]


def test_notebook_from_mlflow_records_the_run_of_the_kernels_tracking_store(
        kernel_env: str, project: Project, service: Lifecycle, log_run: LogRun, tracking_uri: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lifecycle_lab as ll

    run_id = log_run()
    monkeypatch.chdir(project.directory)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    form = ll.from_mlflow(run_id, items=[f"{METRICS}=auc"])
    assert repr(form) == f"lifecycle_lab from_mlflow ({run_id}): recorded on {METRICS}"
    assert service.store.items(project.id)[METRICS].evidence["origin"]["run_id"] == run_id
    monkeypatch.setenv("LIFECYCLE_LAB_RERUN", "1")
    rerun = ll.from_mlflow(run_id, items=[PARAMS])
    assert PARAMS not in service.store.items(project.id)  # a rerun records nothing
    assert "saves nothing" in rerun.message.value
