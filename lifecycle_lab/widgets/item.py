"""``ll.item("stage/item")``: a generic form for any checklist item (status, owner, due date, notes, text evidence)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import ipywidgets as widgets

from ..domain import STATUSES, ItemState, parse_due
from .context import Context
from .form import Form, field_row, open_form, recorded_line

TITLE = "Checklist item"
# What the sidebar calls each status: the form shows these, and records the status values.
STATUS_LABELS = {"todo": "To do", "in_progress": "In progress", "done": "Done", "blocked": "Blocked",
                 "not_applicable": "Not applicable"}
# Where to record evidence this form does not edit.
_RECORDERS = {
    "problem_statement": "ll.problem_statement()",
    "failure_modes": "ll.failure_modes()",
    "datasets": "ll.dataset(path, name=…)",
    "hyperparameters": "ll.hyperparameters({...})",
    "metrics": "ll.evaluate(y_true, y_pred, segments=…)",
}


def _plain(key: str) -> str:
    return f"lifecycle_lab checklist item form ({key})"


class ItemForm(Form):
    """Status, owner, due date, notes, justification and (for ``text`` items) the evidence text."""

    def __init__(self, ctx: Context, key: str) -> None:
        spec = ctx.project.template.item(key)  # NotFound names the template and the key
        super().__init__(f"{TITLE}: {spec.title}", _plain(key))
        self.ctx = ctx
        self.spec = spec
        self.status_input = widgets.Dropdown(options=[(STATUS_LABELS.get(s, s), s) for s in STATUSES])
        self.owner = widgets.Text(placeholder="who is responsible")
        self.due = widgets.DatePicker()
        self.notes = widgets.Textarea(layout=widgets.Layout(width="36em", height="4em"))
        self.justification = widgets.Textarea(placeholder="why this item does not apply (for Not applicable)",
                                              layout=widgets.Layout(width="36em", height="3em"))
        self.text = widgets.Textarea(layout=widgets.Layout(width="36em", height="6em"))
        self.evidence_view = widgets.HTML("")
        self.save_button = widgets.Button(description="Save", button_style="primary", icon="check")
        self.save_button.on_click(lambda _: self.attempt(self.save))
        self.state_line = widgets.HTML("")
        required = " (required)" if spec.required else ""
        about = [f"<b>{escape(spec.key)}</b>{required} · evidence: {escape(spec.evidence)}"]
        if spec.guidance:
            about.append(f"<i>{escape(spec.guidance)}</i>")
        rows = [widgets.HTML("<br>".join(about)), field_row("Status", self.status_input),
                field_row("Owner", self.owner), field_row("Due", self.due), field_row("Notes", self.notes),
                field_row("Justification", self.justification)]
        if spec.evidence == "text":
            rows.append(field_row("Evidence", self.text))
        elif spec.evidence != "check":
            rows.append(self.evidence_view)
        rows.append(widgets.HBox([self.save_button, self.state_line]))
        self.body.children = tuple(rows)
        self.load()
        if ctx.rerun:
            self.lock([self.status_input, self.owner, self.due, self.notes, self.justification, self.text,
                       self.save_button])

    def load(self) -> None:
        """Fill the fields with the recorded state."""
        state = self.ctx.item(self.spec.key)
        self.loaded = state
        self.versions = {self.spec.key: state.version}
        self.status_input.value = state.status
        self.owner.value = state.owner or ""
        self.due.value = state.due
        self.notes.value = state.notes
        self.justification.value = state.justification
        self.text.value = state.evidence.get("text", "") if isinstance(state.evidence, dict) else ""
        recorder = _RECORDERS.get(self.spec.evidence, "the sidebar or `jupyter lifecycle set`")
        shown = json.dumps(state.evidence, indent=1, ensure_ascii=False) if state.evidence is not None else "none"
        self.evidence_view.value = (f"evidence ({escape(self.spec.evidence)}, recorded with {escape(recorder)}):"
                                    f"<pre>{escape(shown[:4000])}</pre>")
        self.state_line.value = escape(recorded_line(state))

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the loaded state."""
        before = self.loaded
        fields: dict[str, Any] = {
            "status": self.status_input.value,
            "owner": self.owner.value.strip() or None,
            "due": parse_due(self.due.value),
            "notes": self.notes.value,
            "justification": self.justification.value,
        }
        changes = {k: v for k, v in fields.items() if v != getattr(before, k)}
        if "due" in changes:
            changes["due"] = changes["due"].isoformat() if changes["due"] else None
        if self.spec.evidence == "text":
            text = self.text.value.strip()
            evidence = {"text": text} if text else None
            if evidence != before.evidence:
                changes["evidence"] = evidence
        return changes

    def save(self) -> None:
        """Save the changed fields over the version loaded; the service validates them."""
        changes = self.changes()
        if not changes:
            self.say("Nothing to save: the form matches what is recorded.", "info")
            return
        state: ItemState = self.ctx.set_item(self.spec.key, changes, expected_version=self.versions[self.spec.key])
        self.load()
        self.say(f"Saved {', '.join(sorted(changes))} of {state.key} as {self.ctx.user}.", "ok")


def item(key: str) -> Form:
    """A form for any checklist item ``stage/item`` of the project."""
    return open_form(TITLE, _plain(key), lambda ctx: ItemForm(ctx, key))
