"""``ll.evaluate(y_true, y_pred, segments=…)``: a metric by segment with bootstrap CIs and calibration, recorded.

The numbers come from :mod:`lifecycle_lab.widgets.metrics`. The first evaluation is
recorded as ``metrics`` evidence on the segment-performance item (and, for
binary probabilities, the calibration item); different results already
recorded are replaced only after a click. During a rerun nothing is recorded.
The text form of the output is the results table, so a rerun compares numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..domain import ItemState
from .context import Context, open_context, same_evidence
from .form import EXPECTED_ERRORS, Form, Notice, error_text, recorded_line, rendered
from .metrics import Evaluation
from .metrics import evaluate as compute

SEGMENT_KEY = "validation/segment-performance"
CALIBRATION_KEY = "validation/calibration"
TITLE = "Evaluation"


def tables_html(result: Evaluation) -> str:
    """The results table and, for probabilities, the calibration table (segment names escaped)."""
    results, bins = result.shown_tables()
    parts = [f"<div>{escape(result.caption())}</div>", results.to_html(index=False, border=0)]
    if bins is not None and result.ece is not None:
        ece = result.ece[0].value
        parts += [f"<div>calibration: expected calibration error {ece:.4f}</div>" if ece is not None else "",
                  bins.to_html(index=False, border=0)]
    return rendered("".join(parts))


class EvaluationView(Form):
    """The results table and calibration, and whether they are recorded."""

    def __init__(self, result: Evaluation, ctx: Context | None, problem: str = "") -> None:
        super().__init__(f"{TITLE}: {result.metric}", result.to_text())
        self.result = result
        self.ctx = ctx
        self.status = widgets.HTML("")
        self.record_button = widgets.Button(description="Replace recorded results", button_style="warning",
                                            icon="check", layout=widgets.Layout(display="none"))
        self.record_button.on_click(lambda _: self.attempt(self.record))
        self.body.children = (widgets.HTML(tables_html(result)), widgets.HBox([self.record_button, self.status]))
        self.targets: list[tuple[str, dict[str, Any]]] = []
        self.states: dict[str, ItemState] = {}  # each target item as :meth:`load` last read it
        if ctx is None:
            self.say(f"Not recorded: {problem}", "error")
            return
        self.targets = self._targets(ctx)
        self.load()
        differing = self._differing(self.states)
        if ctx.rerun:
            self.lock([self.record_button])
        elif differing and all(self.states[key].evidence is None for key, _ in differing):
            self.attempt(self.record)  # first results: nothing to replace (when none differ there is nothing to do)

    def _targets(self, ctx: Context) -> list[tuple[str, dict[str, Any]]]:
        segment = ctx.required_spec(SEGMENT_KEY, "metrics")
        targets = [(segment.key, self.result.metric_evidence())]
        calibration = ctx.spec(CALIBRATION_KEY, "metrics")
        evidence = self.result.calibration_evidence()
        if calibration is not None and calibration.key != segment.key and evidence is not None:
            targets.append((calibration.key, evidence))
        return targets

    def _differing(self, states: Mapping[str, ItemState] | None = None) -> list[tuple[str, dict[str, Any]]]:
        """The targets whose evidence differs from ``states`` (default: each item read now)."""
        assert self.ctx is not None
        ctx = self.ctx
        current = states if states is not None else {key: ctx.item(key) for key, _ in self.targets}
        return [(key, ev) for key, ev in self.targets if not same_evidence(current[key].evidence, ev)]

    def load(self) -> None:
        """Compare the results with what is recorded on each target item."""
        assert self.ctx is not None
        self.states = states = {key: self.ctx.item(key) for key, _ in self.targets}
        self.versions = {key: state.version for key, state in states.items()}
        self.status.value = escape("; ".join(f"{key}: {recorded_line(state)}" for key, state in states.items()))
        differing = self._differing(states)
        replacing = [key for key, _ in differing if states[key].evidence is not None]
        self.record_button.layout.display = "" if replacing and not self.ctx.rerun else "none"
        if replacing:
            self.say(f"These results differ from those recorded on {', '.join(replacing)}: "
                     "replace them to record these.", "warn")
        elif not differing:
            self.say(f"Recorded on {', '.join(key for key, _ in self.targets)}.", "ok")

    def record(self) -> None:
        """Save the results to every target item whose recorded evidence differs, over the versions shown."""
        assert self.ctx is not None
        differing = self._differing()
        self.ctx.ensure_versions({key: self.versions[key] for key, _ in differing})  # a conflict writes nothing
        for key, evidence in differing:
            self.ctx.set_evidence(key, evidence, expected_version=self.versions[key])
        self.load()

    def to_dataframe(self) -> pd.DataFrame:
        """The results table: one row per segment (overall first), with ECE columns for probabilities."""
        return self.result.table()


def evaluate(
    y_true: Any,
    y_pred: Any,
    segments: Any = None,
    metric: str = "accuracy",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    n_bins: int = 10,
) -> Form:
    """``metric`` overall and per segment with bootstrap CIs (and calibration for binary probabilities), recorded."""
    try:
        result = compute(y_true, y_pred, segments, metric=metric, n_boot=n_boot, ci=ci, seed=seed, n_bins=n_bins)
    except EXPECTED_ERRORS as exc:
        return Notice(TITLE, f"lifecycle_lab evaluation: ERROR {error_text(exc)}", f"Not evaluated: {error_text(exc)}")
    try:
        return EvaluationView(result, open_context())
    except EXPECTED_ERRORS as exc:
        return EvaluationView(result, None, error_text(exc))
