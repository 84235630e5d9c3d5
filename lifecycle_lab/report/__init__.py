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
from ..service import Lifecycle, Project, ProjectRecord
from .annex_iv import FRAMEWORK as ANNEX_IV_FRAMEWORK
from .annex_iv import annex_iv_document
from .annex_iv_render import render_annex_iv_html, render_annex_iv_markdown
from .document import gather_report, parse_timestamp
from .html import render_html
from .markdown import render_markdown
from .modelcard import render_model_card
from .pdf import TYPST_DIR, render_pdf
from .state import read_export, render_json, state_document

MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "model-card": "text/markdown; charset=utf-8",
}
FORMATS: tuple[str, ...] = tuple(MEDIA_TYPES)
LAYOUTS: tuple[str, ...] = ("default", "annex-iv")


@dataclass(frozen=True)
class Export:
    """One rendered export: its bytes, media type and a suggested (ASCII, path-free) file name."""

    content: bytes
    media_type: str
    filename: str


def export_filename(
    project_name: str, generated_at: str, fmt: str, *, ascii_only: bool = True, kind: str = "lifecycle"
) -> str:
    """``<project-slug>-<kind>-<YYYYMMDD>.<fmt>``: safe in any folder and in a Content-Disposition header.

    The slug keeps letters and digits only: ASCII ones (accents dropped: ``Prüfung`` → ``prufung``), or with
    ``ascii_only=False`` those of any script (``prüfung``, for an RFC 6266 ``filename*``).
    """
    name = unicodedata.normalize("NFKD" if ascii_only else "NFC", project_name.lower())
    if ascii_only:
        name = "".join(c for c in name if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+" if ascii_only else r"[\W_]+", "-", name).strip("-")[:60].strip("-") or "project"
    if fmt == "model-card":
        return f"{slug}-model-card-{parse_timestamp(generated_at):%Y%m%d}.md"
    return f"{slug}-{kind}-{parse_timestamp(generated_at):%Y%m%d}.{fmt}"


def annex_iv(service: Lifecycle, project: Project, *, generated_by: str, generated_at: str | None = None) -> dict:
    """The project laid out in the nine points of Annex IV (see ``annex_iv.annex_iv_document``)."""
    doc = gather_report(service, project, generated_at=generated_at or service.clock(), generated_by=generated_by,
                        frameworks=[ANNEX_IV_FRAMEWORK])
    return annex_iv_document(doc)


def _export_annex_iv(service: Lifecycle, project: Project, fmt: str, *, generated_by: str,
                     generated_at: str | None) -> Export:
    annex = annex_iv(service, project, generated_by=generated_by, generated_at=generated_at)
    if fmt == "pdf":
        content = render_pdf(annex, TYPST_DIR / "annex_iv.typ")
    elif fmt == "md":
        content = render_annex_iv_markdown(annex).encode("utf-8")
    elif fmt == "html":
        content = render_annex_iv_html(annex).encode("utf-8")
    else:
        content = render_json(annex)
    return Export(content, MEDIA_TYPES[fmt],
                  export_filename(project.record.name, annex["generated_at"], fmt, kind="annex-iv"))


def export_project(
    service: Lifecycle, project: Project, fmt: str, *, generated_by: str, generated_at: str | None = None,
    layout: str = "default",
) -> Export:
    """Render the project as ``fmt`` (pdf, md, html, json or model-card) in ``layout`` as of ``generated_at``
    (default: now)."""
    if fmt not in MEDIA_TYPES:
        raise ValidationError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", field="format")
    if layout not in LAYOUTS:
        raise ValidationError(f"layout: {layout!r} is not one of {', '.join(LAYOUTS)}", field="layout")
    if layout == "annex-iv":
        return _export_annex_iv(service, project, fmt, generated_by=generated_by, generated_at=generated_at)
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
        content = render_json(state_document(service, doc))
    return Export(content, MEDIA_TYPES[fmt], export_filename(project.record.name, doc["generated_at"], fmt))


def import_project(service: Lifecycle, raw: bytes, *, replace: bool = False) -> ProjectRecord:
    """Restore a JSON export into the service's store; Conflict when the project is there already (see replace)."""
    return service.import_state(read_export(raw), replace=replace)


__all__ = ["FORMATS", "LAYOUTS", "MEDIA_TYPES", "Export", "annex_iv", "export_filename", "export_project",
           "import_project"]
