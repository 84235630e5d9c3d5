"""``ll.checklist()``: a compact, read-only view of the project's progress, gates and open issues."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from .context import Context
from .form import EXPECTED_ERRORS, LEFT, Form, error_text, open_form, rendered

TITLE = "Checklist"
PLAIN = "lifecycle_lab checklist progress view"
_SHOWN_BLOCKERS = 3


def _bar(percent: int) -> str:
    return (f"<div style='display:inline-block;width:8em;height:0.7em;background:var(--jp-layout-color3,#ddd)'>"
            f"<div style='width:{percent}%;height:100%;background:var(--jp-brand-color1,#1976d2)'></div></div>")


class ChecklistView(Form):
    """Overall and per-stage progress, each gate with its first blockers, overdue and stale items."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(f"{TITLE}: {ctx.project.manifest.name}", PLAIN)
        self.ctx = ctx
        self.overall = widgets.IntProgress(min=0, max=100, description="overall")
        self.overall_text = widgets.HTML("")
        self.stages = widgets.HTML("")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.body.children = (widgets.HBox([self.overall, self.overall_text]), self.stages, self.refresh_button)
        self.refresh()

    def refresh(self) -> None:
        """Read the project's state again (reads only, so it is safe during a rerun)."""
        try:
            self._render()
        except EXPECTED_ERRORS as exc:
            self.say(error_text(exc), "error")

    def _render(self) -> None:
        if not self.ctx.registered:
            self.say("This project is not registered in the store yet: nothing is recorded.", "warn")
            return
        summary = self.ctx.summary()
        self.overall.value = int(summary.overall.ratio * 100)
        self.overall_text.value = escape(f"{summary.overall.done}/{summary.overall.applicable} done · "
                                         f"{'ready' if summary.ready else 'blocked'}")
        rows = []
        for stage in self.ctx.project.template.stages:
            progress, gate = summary.stages[stage.id], summary.gates[stage.id]
            blockers = [b.message for b in gate.blockers]
            more = f"; … {len(blockers) - _SHOWN_BLOCKERS} more" if len(blockers) > _SHOWN_BLOCKERS else ""
            verdict = "gate passed" if gate.passed else f"blocked: {'; '.join(blockers[:_SHOWN_BLOCKERS])}{more}"
            rows.append(f"<tr><td {LEFT}>{escape(stage.title)}</td><td>{_bar(int(progress.ratio * 100))}</td>"
                        f"<td>{progress.done}/{progress.applicable}</td><td {LEFT}>{escape(verdict)}</td></tr>")
        notes = [f"overdue: {', '.join(summary.overdue)}"] if summary.overdue else []
        notes += [f"stale: {key}: {'; '.join(reasons)}" for key, reasons in summary.stale.items()]
        self.stages.value = rendered("<table>" + "".join(rows) + "</table>") + "".join(
            f"<div>{escape(n)}</div>" for n in notes)
        self.say("")


def checklist() -> Form:
    """A read-only view of the project's progress, gates, overdue and stale items."""
    return open_form(TITLE, PLAIN, ChecklistView)
