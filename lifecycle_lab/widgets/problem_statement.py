"""``ll.problem_statement()``: the problem statement and its objective metric, as a form in a notebook cell."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets

from ..errors import ValidationError
from .context import Context, same_evidence
from .form import Form, field_row, open_form, recorded_line

STATEMENT_KEY = "framing/problem-statement"
OBJECTIVE_KEY = "framing/objective-metric"
TITLE = "Problem statement"
PLAIN = f"lifecycle_lab problem statement form ({STATEMENT_KEY}, {OBJECTIVE_KEY})"


def parse_number(text: str, field: str, *, required: bool = False) -> int | float | None:
    """A finite number from a text box (None when blank and not required); ValidationError naming the field."""
    text = text.strip()
    if not text:
        if required:
            raise ValidationError(f"{field}: required", field=field)
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"{field}: {text!r} is not a number", field=field) from None
    if not math.isfinite(value):
        raise ValidationError(f"{field}: must be a finite number", field=field)
    return value


def objective_text(metric: str, target: float | None, baseline: float | None) -> str:
    """The objective-metric item's text: the metric, its target and the baseline to beat."""
    parts = [metric]
    if target is not None:
        parts.append(f"target {target}")
    if baseline is not None:
        parts.append(f"baseline {baseline}")
    return parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")


def _given(evidence: Any) -> Any:
    """Evidence without its empty fields (a recorded ``"baseline": null`` is the same as no baseline)."""
    if not isinstance(evidence, dict):
        return evidence
    return {k: v for k, v in evidence.items() if v is not None and v != ""}


class ProblemStatementForm(Form):
    """Statement, objective metric, target, baseline and constraints; saved to two checklist items."""

    def __init__(self, ctx: Context) -> None:
        statement_spec = ctx.required_spec(STATEMENT_KEY, "problem_statement")
        objective_spec = ctx.spec(OBJECTIVE_KEY, "text")
        keys = [statement_spec.key] + ([objective_spec.key] if objective_spec else [])
        super().__init__(TITLE, PLAIN)
        self.ctx = ctx
        self.statement_key = statement_spec.key
        self.objective_key = objective_spec.key if objective_spec else None
        wide = widgets.Layout(width="36em")
        self.statement = widgets.Textarea(placeholder="What decision or task does the model serve, for whom?",
                                          layout=widgets.Layout(width="36em", height="6em"))
        self.metric = widgets.Text(placeholder="e.g. recall at 1% false positive rate", layout=wide)
        self.target = widgets.Text(placeholder="a number, e.g. 0.9")
        self.baseline = widgets.Text(placeholder="a number (optional)")
        self.constraints = widgets.Textarea(placeholder="latency, cost, fairness, regulatory limits",
                                            layout=widgets.Layout(width="36em", height="4em"))
        self.save_button = widgets.Button(description="Save", button_style="primary", icon="check")
        self.save_button.on_click(lambda _: self.attempt(self.save))
        self.status = widgets.HTML("")
        self.body.children = (
            widgets.HTML(f"saves to {', '.join(keys)}"),
            field_row("Statement", self.statement),
            field_row("Objective metric", self.metric),
            field_row("Target", self.target),
            field_row("Baseline", self.baseline),
            field_row("Constraints", self.constraints),
            widgets.HBox([self.save_button, self.status]),
        )
        self.load()
        if ctx.rerun:
            self.lock([self.statement, self.metric, self.target, self.baseline, self.constraints, self.save_button])

    def load(self) -> None:
        """Fill the fields with what is recorded."""
        state = self.ctx.item(self.statement_key)
        evidence = state.evidence if isinstance(state.evidence, dict) else {}
        self.statement.value = evidence.get("statement", "")
        self.metric.value = evidence.get("objective_metric", "")
        self.target.value = "" if evidence.get("target") is None else str(evidence["target"])
        self.baseline.value = "" if evidence.get("baseline") is None else str(evidence["baseline"])
        self.constraints.value = evidence.get("constraints", "")
        self.versions = {self.statement_key: state.version}
        if self.objective_key:
            self.versions[self.objective_key] = self.ctx.item(self.objective_key).version
        self.status.value = recorded_line(state)

    def evidence(self) -> dict[str, Any]:
        """The problem_statement evidence the fields describe; ValidationError on bad input."""
        statement = self.statement.value.strip()
        if not statement:
            raise ValidationError("statement: required", field="statement")
        evidence: dict[str, Any] = {"statement": statement}
        if self.metric.value.strip():
            evidence["objective_metric"] = self.metric.value.strip()
        target = parse_number(self.target.value, "target")
        if target is not None:
            evidence["target"] = target
        baseline = parse_number(self.baseline.value, "baseline")
        if baseline is not None:
            evidence["baseline"] = baseline
        if self.constraints.value.strip():
            evidence["constraints"] = self.constraints.value.strip()
        return evidence

    def save(self) -> None:
        """Validate, check nobody changed either item meanwhile, then save what changed."""
        evidence = self.evidence()
        writes: list[tuple[str, Any]] = [(self.statement_key, evidence)]
        if self.objective_key and "objective_metric" in evidence:
            text = objective_text(evidence["objective_metric"], evidence.get("target"), evidence.get("baseline"))
            writes.append((self.objective_key, {"text": text}))
        current = {key: self.ctx.item(key) for key, _ in writes}
        changed = [(key, value) for key, value in writes if not same_evidence(_given(current[key].evidence), value)]
        if not changed:
            self.say("Nothing to save: this is what is recorded.", "info")
            return
        self.ctx.ensure_versions({key: self.versions[key] for key, _ in changed})  # a conflict writes nothing
        for key, value in changed:
            self.versions[key] = self.ctx.set_evidence(key, value, expected_version=self.versions[key]).version
        self.status.value = recorded_line(self.ctx.item(self.statement_key))
        self.say(f"Saved {', '.join(key for key, _ in changed)} as {self.ctx.user}.", "ok")


def problem_statement() -> Form:
    """A form for the problem statement, objective metric, target, baseline and constraints of the project."""
    return open_form(TITLE, PLAIN, ProblemStatementForm)
