"""``ll.dataset(path, name=…)``: fingerprint a data file or folder, record it as a dataset version, show its card.

The first sight of a dataset records version 1. When the data no longer matches
the latest recorded version the card says so and a button records the next
version; nothing is replaced without that click. During a rerun the data is
only verified. Either way one line is printed whose text depends only on the
data and the record, so it reproduces when they still match.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as widgets

from ..fingerprint import Fingerprint
from ..service import DatasetVersion
from .context import Context, open_context
from .form import EXPECTED_ERRORS, LEFT, Form, Notice, error_text, rendered, short_error

TITLE = "Dataset"
_PREFIX = 12


def _plain(name: str, path: str) -> str:
    return f"lifecycle_lab dataset card ({name}: {path})"


def _title(name: str, path: str) -> str:
    return f"{TITLE} {name!r} ({path})"


def human_size(size: int) -> str:
    """Bytes in binary units, e.g. ``12.3 KiB``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _shape(rows: int | None, columns: int | None) -> str:
    return f", {rows} rows × {columns} columns" if rows is not None else ""


def status_line(name: str, path: str, recorded: DatasetVersion | None, current: Fingerprint, relative: str) -> str:
    """The printed verdict: as recorded, CHANGED since version N, or NOT RECORDED (no clock, no user)."""
    head = f"dataset {name!r} ({path}):"
    if recorded is None:
        return f"{head} NOT RECORDED (sha256 {current.sha256[:_PREFIX]}{_shape(current.rows, current.columns)})"
    if recorded.sha256 != current.sha256:
        return (f"{head} CHANGED since version {recorded.version} was recorded "
                f"(sha256 {recorded.sha256[:_PREFIX]}, now {current.sha256[:_PREFIX]})")
    if recorded.path != relative:
        return f"{head} CHANGED since version {recorded.version} was recorded (it was recorded from {recorded.path})"
    return (f"{head} version {recorded.version}, sha256 {recorded.sha256[:_PREFIX]}"
            f"{_shape(recorded.rows, recorded.columns)}, as recorded")


def _facts(fp: Fingerprint | DatasetVersion) -> dict[str, str]:
    facts = {"sha256": f"{fp.sha256[:_PREFIX]}…", "size": human_size(fp.size)}
    if fp.kind == "folder":
        facts["files"] = str(fp.files)
    if fp.rows is not None:
        facts["rows"] = str(fp.rows)
    if fp.columns is not None:
        facts["columns"] = str(fp.columns)
    if fp.schema:
        facts["schema"] = ", ".join(f"{col}: {dtype}" for col, dtype in fp.schema[:40])
        if len(fp.schema) > 40:
            facts["schema"] += f", … ({len(fp.schema) - 40} more)"
    return facts


def card_html(recorded: DatasetVersion | None, current: Fingerprint | None) -> str:
    """The version card: the recorded version's facts, and the data now when it differs."""
    columns: list[tuple[str, dict[str, str]]] = []
    if recorded is not None:
        facts = {"path": recorded.path, **_facts(recorded), "recorded by": recorded.recorded_by,
                 "recorded at": recorded.recorded_at}
        columns.append((f"version {recorded.version}", facts))
    if current is not None and (recorded is None or current.sha256 != recorded.sha256):
        columns.append(("now" if recorded is not None else "not recorded", _facts(current)))
    keys = list(dict.fromkeys(k for _, facts in columns for k in facts))
    head = "".join(f"<th {LEFT}>{escape(title)}</th>" for title, _ in columns)
    body = "".join(
        f"<tr><td {LEFT}><b>{escape(k)}</b></td>"
        + "".join(f"<td {LEFT}>{escape(facts.get(k, ''))}</td>" for _, facts in columns)
        + "</tr>"
        for k in keys
    )
    return rendered(f"<table><tr><th></th>{head}</tr>{body}</table>")


class DatasetCard(Form):
    """A dataset's latest recorded version against the data at ``path`` now, with a button to record it."""

    def __init__(self, ctx: Context, path: str, absolute: Path, name: str) -> None:
        super().__init__(_title(name, path), _plain(name, path))
        self.ctx = ctx
        self.path = path
        self.absolute = absolute
        self.name = name
        try:
            self.relative = absolute.relative_to(ctx.project.directory).as_posix()
        except ValueError:
            self.relative = str(absolute)
        self.card = widgets.HTML("")
        self.record_button = widgets.Button(description="Record new version", button_style="warning",
                                            icon="database", layout=widgets.Layout(display="none"))
        self.record_button.on_click(lambda _: self.attempt(self.record))
        self.body.children = (self.card, self.record_button)
        self.current = ctx.fingerprint(absolute)
        self.recorded = self._latest()
        if not ctx.rerun and (self.recorded is None or self._matches()):
            # the first version; or the same data again, which links it to the checklist if it is not yet
            self.recorded = ctx.add_dataset(absolute, name, self.current)
        self.line = status_line(name, path, self.recorded, self.current, self.relative)
        self._render()
        if ctx.rerun:
            self.lock([self.record_button])

    def _latest(self) -> DatasetVersion | None:
        versions = self.ctx.dataset_versions(self.name)
        return versions[0] if versions else None

    def _matches(self) -> bool:
        return self.recorded is not None and (self.recorded.sha256, self.recorded.path) == (
            self.current.sha256, self.relative)

    def _render(self) -> None:
        self.card.value = card_html(self.recorded, self.current)
        if self.recorded is not None and self._matches():
            self.record_button.layout.display = "none"
            self.say(f"Version {self.recorded.version} is recorded and matches the data.", "ok")
        elif self.recorded is not None:
            self.record_button.description = f"Record as version {self.recorded.version + 1}"
            self.record_button.layout.display = "" if not self.ctx.rerun else "none"
            self.say(f"The data at {self.path} changed since version {self.recorded.version} was recorded.", "warn")
        else:
            self.say(f"Dataset {self.name!r} is not recorded.", "warn")

    def record(self) -> None:
        """Record the data now as the next version, unless someone recorded another version meanwhile."""
        latest = self._latest()
        if latest is not None and self.recorded is not None and latest.version != self.recorded.version:
            self.recorded = latest
            self._render()
            self.say(f"{latest.recorded_by} recorded version {latest.version} meanwhile; "
                     "check it, then record again if the data still differs.", "warn")
            return
        self.current = self.ctx.fingerprint(self.absolute)
        self.recorded = self.ctx.add_dataset(self.absolute, self.name, self.current)
        self._render()
        self.say(f"Recorded version {self.recorded.version} of {self.name!r} as {self.ctx.user}.", "ok")


def dataset(path: str | Path, name: str | None = None) -> Form:
    """Record or verify the data at ``path`` (relative to the notebook's folder); print the verdict, show its card."""
    text = str(path)
    absolute = (Path.cwd() / Path(path).expanduser()).resolve()
    name = (name or absolute.name).strip() or absolute.name
    plain = _plain(name, text)
    head = f"dataset {name!r} ({text}):"
    if not absolute.exists():
        print(f"{head} ERROR {text} does not exist")
        return Notice(_title(name, text), plain, f"{text} does not exist (looked for {absolute})")
    try:
        card = DatasetCard(open_context(), text, absolute, name)
    except EXPECTED_ERRORS as exc:
        print(f"{head} ERROR {short_error(exc)}")
        return Notice(_title(name, text), plain, error_text(exc))
    print(card.line)
    return card
