"""What every notebook widget shares: a titled box with a message line, conflict handling, a fixed text form.

A widget's saved output is its view (a model id that changes every run) and a
``text/plain`` fallback. The fallback here is fixed text naming the widget and
its item, never the recorded state, so a notebook full of widgets reproduces
under a rerun however the checklist moved meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as widgets

from ..clock import parse_utc
from ..domain import ItemState
from ..errors import Conflict, LifecycleError
from .context import Context, NoProject, open_context

_COLOURS = {"error": "var(--jp-error-color1, #c62828)", "ok": "var(--jp-success-color1, #2e7d32)",
            "warn": "var(--jp-warn-color1, #ef6c00)", "info": "var(--jp-ui-font-color2, #616161)"}
LEFT = "style='text-align:left'"  # the attribute of a table cell whose text is aligned left
RERUN_NOTE = "Reproducibility rerun: this shows what is recorded and saves nothing."
EXPECTED_ERRORS = (LifecycleError, OSError)  # a database error is a LifecycleError too (StoreUnavailable)


def error_text(exc: BaseException) -> str:
    """A one-line message for an error a user can act on."""
    return str(exc)


def short_error(exc: BaseException) -> str:
    """The error for a printed verdict line: like :func:`error_text`, without the kernel's folder."""
    return NoProject.SHORT if isinstance(exc, NoProject) else error_text(exc)


def recorded_line(state: ItemState) -> str:
    """Who saved an item last and when, or that nothing is recorded."""
    if not state.version:
        return "nothing recorded yet"
    return f"version {state.version}, saved by {state.updated_by or 'unknown'} at {_when(state.updated_at)}"


def _when(stamp: str | None) -> str:
    if not stamp:
        return "an unknown time"
    try:
        return parse_utc(stamp).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp


def html_text(text: str, level: str = "info") -> str:
    """Escaped text in the colour of ``level`` (error, ok, warn, info)."""
    return f'<span style="color:{_COLOURS[level]}">{escape(text)}</span>'


def rendered(markup: str) -> str:
    """Markup styled like JupyterLab's rendered HTML output (tables with padding, aligned numbers), left-aligned."""
    markup = markup.replace("<table", '<table style="margin-left:0"')
    return f'<div class="jp-RenderedHTMLCommon" style="padding:0">{markup}</div>'


def field_row(label: str, widget: widgets.Widget) -> widgets.HBox:
    """A label and an input side by side."""
    return widgets.HBox([widgets.Label(label, layout=widgets.Layout(width="11em")), widget])


class Form(widgets.VBox):
    """A lifecycle widget: title, body, message line and conflict buttons; ``text/plain`` is fixed text."""

    def __init__(self, title: str, plain: str) -> None:
        self.plain = plain
        self.header = widgets.HTML(f"<b>{escape(title)}</b>")
        self.body = widgets.VBox([])
        self.message = widgets.HTML("")
        self.conflict = widgets.HBox([])
        self.versions: dict[str, int] = {}  # the version of each item this form's values are based on
        super().__init__([self.header, self.body, self.message, self.conflict])

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = self.plain
        return bundle

    def __repr__(self) -> str:
        return self.plain

    def say(self, text: str, level: str = "info") -> None:
        """Show a message under the form (replacing the last one)."""
        self.message.value = html_text(text, level) if text else ""

    def load(self) -> None:
        """Show what is recorded now (forms with inputs override this)."""

    def attempt(self, action: Callable[[], None]) -> bool:
        """Run a save; show a validation, database or conflict problem instead of raising it."""
        self.conflict.children = ()
        try:
            action()
        except Conflict as exc:
            self._show_conflict(exc, action)
            return False
        except EXPECTED_ERRORS as exc:
            self.say(f"Not saved: {error_text(exc)}", "error")
            return False
        return True

    def _show_conflict(self, exc: Conflict, action: Callable[[], None]) -> None:
        current = exc.current if isinstance(exc.current, ItemState) else None
        if current is None:
            self.say(f"Not saved: {exc}", "error")
            return
        self.say(f"Not saved: {current.key} was changed by {current.updated_by or 'someone'} since this form "
                 f"loaded (now version {current.version}). Load theirs, or save yours over it.", "warn")
        reload = widgets.Button(description="Load recorded", icon="refresh")
        overwrite = widgets.Button(description="Save mine over it", button_style="warning")

        def on_reload(_: widgets.Button) -> None:
            self.conflict.children = ()
            self.say("")
            self.attempt(self.load)

        def on_overwrite(_: widgets.Button) -> None:
            self.versions[current.key] = current.version
            self.attempt(action)

        reload.on_click(on_reload)
        overwrite.on_click(on_overwrite)
        self.conflict.children = (reload, overwrite)

    def lock(self, inputs: list[widgets.Widget]) -> None:
        """During a rerun: inputs read-only and a note, under any message shown, saying nothing is saved."""
        for widget in inputs:
            widget.disabled = True
        shown = self.message.value
        self.message.value = (f"{shown}<br>" if shown else "") + html_text(RERUN_NOTE, "info")


class Notice(Form):
    """A widget that could not open its project: it only explains why."""

    def __init__(self, title: str, plain: str, problem: str) -> None:
        super().__init__(title, plain)
        self.say(problem, "error")


def open_form(title: str, plain: str, make: Callable[[Context], Form]) -> Form:
    """``make(context)`` for the project around the kernel, or a Notice saying why there is none."""
    try:
        return make(open_context())
    except EXPECTED_ERRORS as exc:
        return Notice(title, plain, error_text(exc))
