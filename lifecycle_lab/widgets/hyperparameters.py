"""``ll.hyperparameters({...})``: record a model's hyperparameters, or verify them against the record.

The first call records them. When different parameters are recorded, the
widget shows both and a button replaces the record; nothing is replaced without
that click. During a rerun they are only verified. Either way one line is
printed whose text depends only on the parameters and the record.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from html import escape
from typing import Any

import ipywidgets as widgets

from ..domain import canonical_json
from ..errors import ValidationError
from .context import Context, open_context, same_evidence
from .form import EXPECTED_ERRORS, LEFT, Form, Notice, error_text, recorded_line, rendered, short_error

KEY = "experimentation/hyperparameter-records"
TITLE = "Hyperparameters"
PLAIN = f"lifecycle_lab hyperparameters ({KEY})"
_SHOWN_DIFFS = 10


def json_params(params: Any) -> dict[str, Any]:
    """``params`` as plain JSON (numpy scalars and tuples converted); ValidationError naming the first bad key."""
    if not isinstance(params, Mapping):
        raise ValidationError(f"expected a dict of parameter name → value, got {type(params).__name__}",
                              field="params")
    return _json_value(params, "")


def _json_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{where}: {value} is not a JSON number (use a finite value or a string)",
                                  field=where)
        return value
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return _json_value(value.item(), where)  # numpy scalars become their Python value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(f"{where or '(top level)'}: key {key!r} is not a string", field=where or None)
            out[key] = _json_value(item, f"{where}.{key}" if where else key)
        return out
    if isinstance(value, (list, tuple)):
        return [_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise ValidationError(
        f"{where}: a value of type {type(value).__name__} is not JSON-serialisable "
        "(use numbers, strings, booleans, None, lists or dicts)",
        field=where,
    )


def digest(params: Mapping[str, Any]) -> str:
    """A short content hash of the parameters."""
    return hashlib.sha256(canonical_json(params).encode()).hexdigest()[:12]


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def differences(recorded: Mapping[str, Any], given: Mapping[str, Any]) -> list[str]:
    """What changed from the recorded parameters to the given ones, by key in sorted order."""
    out = []
    for key in sorted(set(recorded) | set(given)):
        if key not in given:
            out.append(f"removed {key}")
        elif key not in recorded:
            out.append(f"added {key}")
        elif canonical_json(recorded[key]) != canonical_json(given[key]):
            out.append(f"{key} {_show(recorded[key])} → {_show(given[key])}")
    return out


def status_line(key: str, recorded: Mapping[str, Any] | None, given: Mapping[str, Any]) -> str:
    """The printed verdict: as recorded, DIFFER (naming the differences) or NOT RECORDED."""
    head = f"hyperparameters ({key}):"
    if recorded is None:
        return f"{head} NOT RECORDED ({len(given)} parameters, sha256 {digest(given)})"
    diffs = differences(recorded, given)
    if diffs:
        more = f"; … {len(diffs) - _SHOWN_DIFFS} more" if len(diffs) > _SHOWN_DIFFS else ""
        return f"{head} DIFFER from the record: {'; '.join(diffs[:_SHOWN_DIFFS])}{more}"
    return f"{head} {len(given)} parameters, sha256 {digest(given)}, as recorded"


def params_html(given: Mapping[str, Any], recorded: Mapping[str, Any] | None) -> str:
    """A table of each parameter, given and (where it differs) recorded."""
    rows = []
    any_differ = False
    for key in sorted(set(given) | set(recorded or {})):
        now = _show(given[key]) if key in given else "—"
        then = _show(recorded[key]) if recorded is not None and key in recorded else "—"
        differs = recorded is not None and then != now
        any_differ = any_differ or differs
        mark = " style='color:var(--jp-warn-color1, #ef6c00)'" if differs else ""
        rows.append(f"<tr{mark}><td><b>{escape(key)}</b></td><td>{escape(now)}</td>"
                    f"<td>{escape(then) if differs else ''}</td></tr>")
    recorded_head = f"<th {LEFT}>recorded</th>" if any_differ else "<th></th>"
    head = f"<tr><th {LEFT}>parameter</th><th {LEFT}>value</th>{recorded_head}</tr>"
    return rendered(f"<table>{head}{''.join(rows)}</table>")


class HyperparametersForm(Form):
    """The given parameters against the recorded ones, with a button to replace the record."""

    def __init__(self, ctx: Context, params: dict[str, Any], source: str | None) -> None:
        spec = ctx.required_spec(KEY, "hyperparameters")
        super().__init__(TITLE, PLAIN)
        self.ctx = ctx
        self.key = spec.key
        self.params = params
        self.evidence: dict[str, Any] = {"params": params, **({"source": source} if source else {})}
        self.table = widgets.HTML("")
        self.status = widgets.HTML("")
        self.record_button = widgets.Button(description="Record these parameters", button_style="warning",
                                            icon="check", layout=widgets.Layout(display="none"))
        self.record_button.on_click(lambda _: self.attempt(self.record))
        self.body.children = (widgets.HTML(f"saves to {escape(self.key)}"), self.table,
                              widgets.HBox([self.record_button, self.status]))
        self.load()
        if self.recorded is None and not ctx.rerun:
            self.attempt(self.record)
        self.line = status_line(self.key, self.recorded, params)
        if ctx.rerun:
            self.lock([self.record_button])

    def load(self) -> None:
        """Read the record and show it against the given parameters."""
        state = self.ctx.item(self.key)
        evidence = state.evidence if isinstance(state.evidence, dict) else None
        self.recorded: dict[str, Any] | None = evidence.get("params") if evidence else None
        self.versions = {self.key: state.version}
        self.status.value = recorded_line(state)
        self.table.value = params_html(self.params, self.recorded)
        differs = self.recorded is not None and bool(differences(self.recorded, self.params))
        self.record_button.layout.display = "" if differs and not self.ctx.rerun else "none"
        if differs:
            self.say("These parameters differ from the recorded ones: record them to replace the record.", "warn")
        elif self.recorded is not None:
            self.say("These parameters are the recorded ones.", "ok")

    def record(self) -> None:
        """Save the given parameters over the version shown."""
        if same_evidence(self.ctx.item(self.key).evidence, self.evidence):
            self.load()
            return
        self.ctx.set_evidence(self.key, self.evidence, expected_version=self.versions[self.key])
        self.load()
        self.say(f"Recorded {len(self.params)} parameters to {self.key} as {self.ctx.user}.", "ok")


def hyperparameters(params: Mapping[str, Any], source: str | None = None) -> Form:
    """Record ``params`` (JSON-serialisable) as the model's hyperparameters, or verify them; prints the verdict."""
    try:
        clean = json_params(params)
        form = HyperparametersForm(open_context(), clean, source)
    except EXPECTED_ERRORS as exc:
        print(f"hyperparameters: ERROR {short_error(exc)}")
        return Notice(TITLE, PLAIN, error_text(exc))
    print(form.line)
    return form
