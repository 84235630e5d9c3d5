"""``ll.from_mlflow(run_id)``: record an MLflow run's parameters, metrics and dataset inputs as evidence.

The tracking store is the one MLflow uses in this kernel (``mlflow.set_tracking_uri``
or ``MLFLOW_TRACKING_URI``) unless ``tracking_uri`` names another. The evidence
keeps a link to the run and goes stale when the run changes afterwards. During a
reproducibility rerun nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets

from ..evidence_sources import import_mlflow_run
from .context import Context
from .form import LEFT, Form, open_form, rendered

TITLE = "Evidence from MLflow"


def from_mlflow(run_id: str, *, tracking_uri: str | None = None, items: Sequence[str] = ()) -> Form:
    """Record MLflow run ``run_id`` on the checklist: on ``items`` (``STAGE/ITEM`` or ``STAGE/ITEM=METRIC``),
    by default the template's first hyperparameters, datasets and metrics items. Shows what was recorded."""
    plain = f"lifecycle_lab from_mlflow ({run_id})"

    def make(context: Context) -> Form:
        form = Form(TITLE, plain)
        if context.rerun:
            form.lock([])
            return form
        done = import_mlflow_run(context.service, context.project, run_id, actor=context.user,
                                 tracking_uri=tracking_uri, items=items)
        rows = "".join(f"<tr><td {LEFT}>{escape(t.key)}</td><td {LEFT}>{escape(t.metric or '')}</td>"
                       f"<td {LEFT}>version {state.version}</td></tr>" for t, state in done)
        form.body.children = (widgets.HTML(rendered(
            f"<table><tr><th {LEFT}>Item</th><th {LEFT}>Metric</th><th {LEFT}>Recorded</th></tr>{rows}</table>")),)
        form.plain = f"{plain}: recorded on {', '.join(t.key for t, _ in done)}"
        form.say(f"Recorded run {run_id}; the evidence goes stale if the run changes.", "ok")
        return form

    return open_form(TITLE, plain, make)
