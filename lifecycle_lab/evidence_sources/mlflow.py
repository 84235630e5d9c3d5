"""MLflow runs as checklist evidence: parameters, metrics with intervals, dataset inputs, commit and source.

Reads one run with ``MlflowClient`` (extra ``[mlflow]``: ``mlflow-skinny``, which
reads the local file store; a SQLite or server store works the same where full
``mlflow`` is installed) and turns it into evidence of three kinds:

- parameters → ``hyperparameters`` (``params``, with the run's git commit as ``source``);
- metrics → ``metrics``, one metric per item. Naming convention (docs/evidence-sources.md):
  ``NAME`` is the value on the whole evaluation set (segment ``overall``),
  ``NAME.segment.SEG`` on segment SEG, and the suffixes ``.ci_low``, ``.ci_high``
  and ``.n`` on either give the interval bounds and the sample size;
  ``NAME.confidence`` is the interval's level (e.g. 0.95);
- dataset inputs → ``datasets`` references with their MLflow digest and source.

Every piece of evidence carries an ``origin`` (tracking URI, run id, and a sha256
digest of the run's parameters, latest metrics, tags, inputs and status), and
goes stale when the run's digest changes (:func:`current_digest`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain import canonical_json
from ..errors import MissingExtra, NotFound, ValidationError

SEGMENT = ".segment."
BOUNDS = {"ci_low": "ci_low", "ci_high": "ci_high", "n": "n"}
OVERALL = "overall"
MAX_PARAM_TEXT = 2_000
ENVIRONMENT_TAGS = ("mlflow.source.", "mlflow.docker", "mlflow.databricks", "mlflow.project", "mlflow.gitRepoURL")


def resolve_uri(tracking_uri: str | None) -> str:
    """The tracking URI to read: the one given, else MLflow's current one (``mlflow.set_tracking_uri`` in this
    process, then ``MLFLOW_TRACKING_URI``); a folder or a relative SQLite path made absolute, so the evidence
    finds the run again from anywhere. ValidationError when neither names a store."""
    uri = (tracking_uri or "").strip()
    if not uri:
        import mlflow

        if not (os.environ.get("MLFLOW_TRACKING_URI") or mlflow.tracking._tracking_service.utils.is_tracking_uri_set()):
            raise ValidationError("tracking-uri: give --tracking-uri (e.g. sqlite:///mlflow.db or a mlruns folder) "
                                  "or set MLFLOW_TRACKING_URI", field="tracking_uri")
        uri = mlflow.get_tracking_uri()
    if "://" not in uri:  # a folder: the file store
        return Path(uri).expanduser().resolve().as_uri()
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(uri.removeprefix("sqlite:///")).resolve())
    return uri


def _local_store(uri: str) -> Path | None:
    """The file or folder of a local tracking store (None for a server): reading a missing one would create it."""
    if uri.startswith("file://"):
        return Path(uri.removeprefix("file://"))
    if uri.startswith("sqlite:////"):
        return Path(uri.removeprefix("sqlite:///"))
    return None


def _client(tracking_uri: str | None) -> tuple[Any, str]:
    """An ``MlflowClient`` for the resolved tracking URI, and that URI; NotFound when a local store is missing."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise MissingExtra("importing MLflow runs needs mlflow-skinny: pip install 'lifecycle_lab[mlflow]'") from None
    uri = resolve_uri(tracking_uri)
    local = _local_store(uri)
    if local is not None and not local.exists():
        raise NotFound(f"no MLflow tracking store at {uri}")
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps the file store behind this switch
    return MlflowClient(tracking_uri=uri), uri


def _get_run(client: Any, run_id: str, uri: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException as exc:
        raise NotFound(f"MLflow run {run_id!r} not found at {uri}: {str(exc).splitlines()[0]}") from None


def run_digest(run: Any) -> str:
    """sha256 of what the evidence is made of: params, latest metrics, tags, dataset inputs and status."""
    inputs = [[d.dataset.name, d.dataset.digest, d.dataset.source] for d in (run.inputs.dataset_inputs or [])]
    content = {"params": run.data.params, "metrics": run.data.metrics, "tags": run.data.tags, "inputs": inputs,
               "status": run.info.status, "lifecycle_stage": run.info.lifecycle_stage}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def current_digest(tracking_uri: str, run_id: str) -> str | None:
    """The run's digest now, or None when the run is gone (deleted, or the store moved)."""
    try:
        client, uri = _client(tracking_uri)
        run = _get_run(client, run_id, uri)
    except NotFound:
        return None
    return None if run.info.lifecycle_stage == "deleted" else run_digest(run)


_PYTHON_WORDS = {"True": True, "False": False, "None": None}  # str() of Python values, as mlflow.log_params logs


def _param(value: str) -> Any:
    """An MLflow parameter (always text) as the number, boolean or null it spells (JSON or Python), else the text."""
    if value in _PYTHON_WORDS:
        return _PYTHON_WORDS[value]
    try:
        parsed = json.loads(value)
    except ValueError:
        return value[:MAX_PARAM_TEXT]
    return parsed if isinstance(parsed, int | float | bool) else value[:MAX_PARAM_TEXT]


def split_metric(key: str) -> tuple[str, str, str]:
    """``auc.segment.young.ci_low`` → (``auc``, ``young``, ``ci_low``); the part is ``value`` for a bare value."""
    part = "value"
    for suffix in (*BOUNDS, "confidence"):
        if key.endswith(f".{suffix}"):
            key, part = key[: -len(suffix) - 1], suffix
            break
    name, _, segment = key.partition(SEGMENT)
    return name, segment or OVERALL, part


def metrics_evidence(metrics: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    """Metric name → ``metrics`` evidence (results by segment, intervals when logged), by the naming convention."""
    by_name: dict[str, dict[str, dict[str, Any]]] = {}
    confidence: dict[str, float] = {}
    for key, value in sorted(metrics.items()):
        name, segment, part = split_metric(key)
        if part == "confidence":
            confidence[name] = value
            continue
        row = by_name.setdefault(name, {}).setdefault(segment, {"segment": segment, "value": None})
        row[part] = int(value) if part == "n" else value
    out = {}
    for name, rows in by_name.items():
        ordered = sorted(rows.values(), key=lambda r: (r["segment"] != OVERALL, r["segment"]))
        evidence: dict[str, Any] = {"metric": name, "results": ordered}
        if 0 < confidence.get(name, 0) < 1:
            evidence["confidence"] = confidence[name]
        out[name] = evidence
    return out


@dataclass(frozen=True)
class RunEvidence:
    """One MLflow run, read and turned into evidence of each kind it has."""

    origin: dict[str, Any]
    hyperparameters: dict[str, Any] | None
    metrics: dict[str, dict[str, Any]]
    datasets: dict[str, Any] | None
    summary: str  # one line for people: run name, experiment, commit

    def for_kind(self, kind: str, metric: str | None = None) -> dict[str, Any]:
        """The evidence for an item of ``kind`` (and ``metric`` for a metrics item); ValidationError if none."""
        if kind == "hyperparameters" and self.hyperparameters is not None:
            return {**self.hyperparameters, "origin": self.origin}
        if kind == "datasets" and self.datasets is not None:
            return {**self.datasets, "origin": self.origin}
        if kind == "metrics" and metric in self.metrics:
            return {**self.metrics[metric], "method": f"logged in {self.summary}", "origin": self.origin}
        if kind == "metrics" and self.metrics:
            raise ValidationError(f"item: name the metric as STAGE/ITEM=METRIC; run {self.origin['run_id']} logged "
                                  f"{', '.join(sorted(self.metrics))}", field="item")
        raise ValidationError(f"item: run {self.origin['run_id']} has no {kind} to import", field="item")


def read_run(run_id: str, tracking_uri: str | None = None) -> RunEvidence:
    """Read MLflow run ``run_id``; NotFound when the tracking store has no such run."""
    client, uri = _client(tracking_uri)
    run = _get_run(client, run_id, uri)
    tags = run.data.tags
    commit = tags.get("mlflow.source.git.commit")
    summary = f"MLflow run {run.info.run_name or run_id} ({run_id}, experiment {run.info.experiment_id}" \
              f"{', git ' + commit[:12] if commit else ''})"
    origin = {
        "type": "mlflow", "tracking_uri": uri, "run_id": run_id, "digest": run_digest(run),
        "experiment_id": run.info.experiment_id, "run_name": run.info.run_name, "status": run.info.status,
        "user": tags.get("mlflow.user") or run.info.user_id, "git_commit": commit,
        "source": tags.get("mlflow.source.name"), "source_type": tags.get("mlflow.source.type"),
        "environment": {k: v for k, v in sorted(tags.items()) if k.startswith(ENVIRONMENT_TAGS)},
        "start_time": run.info.start_time, "end_time": run.info.end_time,
    }
    params = {k: _param(v) for k, v in sorted(run.data.params.items())}
    inputs = run.inputs.dataset_inputs or []
    versions = [{"dataset": d.dataset.name, "digest": d.dataset.digest, "source": _source(d.dataset.source)}
                for d in inputs]
    return RunEvidence(
        origin={k: v for k, v in origin.items() if v not in (None, "", {})},
        hyperparameters={"params": params, "source": summary} if params else None,
        metrics=metrics_evidence(run.data.metrics),
        datasets={"versions": versions} if versions else None,
        summary=summary,
    )


def _source(raw: str) -> str:
    """A dataset source as MLflow stores it (JSON such as ``{"uri": ...}``) shown as its URI or path."""
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)[:MAX_PARAM_TEXT]
    if isinstance(parsed, dict):
        for key in ("uri", "url", "path", "table_name"):
            if parsed.get(key):
                return str(parsed[key])[:MAX_PARAM_TEXT]
    return str(raw)[:MAX_PARAM_TEXT]
