"""``ll.failure_modes()``: an editable table of failure modes (add, edit, remove rows), or one from a DataFrame."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..errors import ValidationError
from ..evidence import LEVELS  # the levels the evidence schema allows, so the form never offers another
from .context import Context, same_evidence
from .form import Form, open_form, recorded_line

KEY = "framing/failure-modes"
TITLE = "Failure modes"
PLAIN = f"lifecycle_lab failure modes table ({KEY})"
COLUMNS: tuple[str, ...] = ("mode", "impact", "likelihood", "severity", "mitigation", "owner")
_LEVEL_FIELDS = ("likelihood", "severity")
_WIDTHS = {"mode": "14em", "impact": "14em", "likelihood": "7em", "severity": "7em", "mitigation": "16em",
           "owner": "8em"}


def clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows as evidence: text trimmed, blank rows dropped, empty fields left out, levels checked.

    ValidationError names the row (1-based) and field.
    """
    cleaned = []
    for number, row in enumerate(rows, start=1):
        values = {field: "" if _blank(row.get(field)) else str(row[field]).strip() for field in COLUMNS}
        if not any(values.values()):
            continue
        if not values["mode"]:
            raise ValidationError(f"row {number}: mode is required", field=f"rows.{number}.mode")
        for field in _LEVEL_FIELDS:
            values[field] = values[field].lower()
            if values[field] and values[field] not in LEVELS:
                raise ValidationError(
                    f"row {number}: {field} {values[field]!r} is not one of {', '.join(LEVELS)}",
                    field=f"rows.{number}.{field}",
                )
        cleaned.append({field: value for field, value in values.items() if value})
    return cleaned


def _blank(value: Any) -> bool:
    if value is None or (pd.api.types.is_scalar(value) and not isinstance(value, str) and pd.isna(value)):
        return True
    return str(value).strip() == ""


def rows_from_frame(frame: Any) -> list[dict[str, str]]:
    """Evidence rows from a DataFrame with a ``mode`` column and any of the other columns."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"expected a pandas DataFrame, got {type(frame).__name__}", field="rows")
    unknown = [str(c) for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise ValidationError(f"column {unknown[0]!r} is not one of {', '.join(COLUMNS)}", field=unknown[0])
    if "mode" not in frame.columns:
        raise ValidationError("the DataFrame needs a 'mode' column", field="mode")
    return clean_rows(frame.to_dict("records"))


class _Row:
    """The input widgets of one table row."""

    def __init__(self, values: dict[str, str], on_remove: Any) -> None:
        self.inputs: dict[str, widgets.Widget] = {}
        for field in COLUMNS:
            layout = widgets.Layout(width=_WIDTHS[field])
            if field in _LEVEL_FIELDS:
                self.inputs[field] = widgets.Dropdown(options=[("", ""), *[(v, v) for v in LEVELS]],
                                                      value=values.get(field, ""), layout=layout)
            else:
                self.inputs[field] = widgets.Text(value=values.get(field, ""), placeholder=field, layout=layout)
        self.remove = widgets.Button(icon="trash", tooltip="remove this row", layout=widgets.Layout(width="3em"))
        self.remove.on_click(lambda _: on_remove(self))
        self.box = widgets.HBox([*self.inputs.values(), self.remove])

    def values(self) -> dict[str, str]:
        return {field: widget.value for field, widget in self.inputs.items()}


class FailureModesForm(Form):
    """The failure-modes table: rows of mode, impact, likelihood, severity, mitigation and owner."""

    def __init__(self, ctx: Context, frame: Any = None) -> None:
        spec = ctx.required_spec(KEY, "failure_modes")
        super().__init__(TITLE, PLAIN)
        self.ctx = ctx
        self.key = spec.key
        self.rows: list[_Row] = []
        self.table = widgets.VBox([])
        self.add_button = widgets.Button(description="Add row", icon="plus")
        self.add_button.on_click(lambda _: self.add_row())
        self.save_button = widgets.Button(description="Save", button_style="primary", icon="check")
        self.save_button.on_click(lambda _: self.attempt(self.save))
        self.status = widgets.HTML("")
        header = widgets.HBox([widgets.HTML(f"<b>{field}</b>", layout=widgets.Layout(width=_WIDTHS[field]))
                               for field in COLUMNS])
        self.body.children = (widgets.HTML(f"saves to {self.key}"), header, self.table,
                              widgets.HBox([self.add_button, self.save_button, self.status]))
        self.load()
        if ctx.rerun:
            self.lock([self.add_button, self.save_button, *self._inputs()])
        elif frame is not None:
            self._record_frame(frame)

    def _inputs(self) -> list[widgets.Widget]:
        return [w for row in self.rows for w in (*row.inputs.values(), row.remove)]

    def _show(self, rows: list[dict[str, str]]) -> None:
        self.rows = [_Row(values, self.remove_row) for values in rows]
        self.table.children = [row.box for row in self.rows]

    def load(self) -> None:
        """Show the recorded rows."""
        state = self.ctx.item(self.key)
        evidence = state.evidence if isinstance(state.evidence, dict) else {}
        self._show(evidence.get("rows", []))
        self.versions = {self.key: state.version}
        self.status.value = recorded_line(state)

    def add_row(self, values: dict[str, str] | None = None) -> None:
        """Append a row (blank unless ``values`` are given)."""
        row = _Row(values or {}, self.remove_row)
        self.rows.append(row)
        self.table.children = [*self.table.children, row.box]

    def remove_row(self, row: _Row) -> None:
        """Take a row out of the table (saved on the next Save)."""
        self.rows.remove(row)
        self.table.children = [r.box for r in self.rows]

    def to_dataframe(self) -> pd.DataFrame:
        """The table as it stands in the form (unsaved edits included), one column per field."""
        return pd.DataFrame([row.values() for row in self.rows], columns=list(COLUMNS))

    def save(self) -> None:
        """Validate the table and save it over the version it was loaded from."""
        rows = clean_rows([row.values() for row in self.rows])
        if not rows:
            raise ValidationError("add at least one failure mode before saving", field="rows")
        if same_evidence(self.ctx.item(self.key).evidence, {"rows": rows}):
            self.say("Nothing to save: this is what is recorded.", "info")
            return
        state = self.ctx.set_evidence(self.key, {"rows": rows}, expected_version=self.versions[self.key])
        self.versions[self.key] = state.version
        self.status.value = recorded_line(state)
        self.say(f"Saved the table ({len(rows)} {'row' if len(rows) == 1 else 'rows'}) to {self.key} "
                 f"as {self.ctx.user}.", "ok")

    def _record_frame(self, frame: Any) -> None:
        """Record the DataFrame's rows when nothing is recorded; otherwise show them and ask before replacing."""
        try:
            rows = rows_from_frame(frame)
        except ValidationError as exc:
            self.say(f"Not recorded: {exc}", "error")
            return
        state = self.ctx.item(self.key)
        if same_evidence(state.evidence, {"rows": rows}):
            self.say("The DataFrame matches the recorded table.", "ok")
            return
        self._show(rows)
        if state.evidence is None:
            self.attempt(self.save)
        else:
            self.say(f"The DataFrame's {len(rows)} rows differ from the recorded table ({recorded_line(state)}): "
                     "Save replaces it.", "warn")


def failure_modes(frame: pd.DataFrame | None = None) -> Form:
    """The failure-modes table of the project; given a DataFrame, records its rows (asking before replacing)."""
    return open_form(TITLE, PLAIN, lambda ctx: FailureModesForm(ctx, frame))
