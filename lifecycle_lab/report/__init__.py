"""Exports of a project: the PDF dossier (typst), Markdown, HTML and JSON, and importing JSON back.

Every format is rendered from one gathered document (``document.gather_report``),
so they never disagree. ``export_project`` returns bytes with a media type and a
suggested file name, which is all a CLI command or an HTTP handler needs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import ValidationError
from ..service import Lifecycle, Project
from ..store import ProjectRecord
from ..store.transfer import import_state
from .document import gather_report, parse_timestamp
from .html import render_html
from .markdown import render_markdown
from .modelcard import render_model_card
from .pdf import render_pdf
from .state import read_export, render_json, state_document

MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "model-card": "text/markdown; charset=utf-8",
}
FORMATS: tuple[str, ...] = tuple(MEDIA_TYPES)


@dataclass(frozen=True)
class Export:
    """One rendered export: its bytes, media type and a suggested (ASCII, path-free) file name."""

    content: bytes
    media_type: str
    filename: str


def export_filename(project_name: str, generated_at: str, fmt: str, *, ascii_only: bool = True) -> str:
    """``<project-slug>-lifecycle-<YYYYMMDD>.<fmt>``: safe in any folder and in a Content-Disposition header.

    The slug keeps letters and digits only: ASCII ones (accents dropped: ``Prüfung`` → ``prufung``), or with
    ``ascii_only=False`` those of any script (``prüfung``, for an RFC 6266 ``filename*``).
    """
    name = unicodedata.normalize("NFKD" if ascii_only else "NFC", project_name.lower())
    if ascii_only:
        name = "".join(c for c in name if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+" if ascii_only else r"[\W_]+", "-", name).strip("-")[:60].strip("-") or "project"
    if fmt == "model-card":
        return f"{slug}-model-card-{parse_timestamp(generated_at):%Y%m%d}.md"
    return f"{slug}-lifecycle-{parse_timestamp(generated_at):%Y%m%d}.{fmt}"


def export_project(
    service: Lifecycle, project: Project, fmt: str, *, generated_by: str, generated_at: str | None = None
) -> Export:
    """Render the project as ``fmt`` (pdf, md, html, json or model-card) as of ``generated_at`` (default: now)."""
    if fmt not in MEDIA_TYPES:
        raise ValidationError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", field="format")
    doc = gather_report(service, project, generated_at=generated_at or service.clock(), generated_by=generated_by)
    if fmt == "pdf":
        content = render_pdf(doc)
    elif fmt == "md":
        content = render_markdown(doc).encode("utf-8")
    elif fmt == "html":
        content = render_html(doc).encode("utf-8")
    elif fmt == "model-card":
        content = render_model_card(service, project, doc).encode("utf-8")
    else:
        content = render_json(state_document(service.store, doc))
    return Export(content, MEDIA_TYPES[fmt], export_filename(project.record.name, doc["generated_at"], fmt))


def import_project(service: Lifecycle, raw: bytes, *, replace: bool = False) -> ProjectRecord:
    """Restore a JSON export into the service's store; Conflict when the project is there already (see replace)."""
    return import_state(service.store, read_export(raw), replace=replace)


__all__ = ["FORMATS", "MEDIA_TYPES", "Export", "export_filename", "export_project", "import_project"]
