"""REST handler for exports: the PDF dossier, Markdown, HTML or JSON of a project, as a file download."""

from __future__ import annotations

from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..report import FORMATS, LAYOUTS, Export, export_filename, export_project
from ..service import Lifecycle, Project
from .base import PROJECT_ID, LifecycleHandler


def content_disposition(ascii_name: str, unicode_name: str) -> str:
    """``attachment`` with the ASCII file name, plus RFC 6266 ``filename*`` when the real name is not ASCII.

    Both names come from ``export_filename``: letters, digits, ``-`` and ``.`` only, so nothing needs quoting.
    """
    header = f'attachment; filename="{ascii_name}"'
    if unicode_name != ascii_name:
        header += f"; filename*=UTF-8''{quote(unicode_name, safe='')}"
    return header


class ExportHandler(LifecycleHandler):
    """``GET /projects/{id}/export?format=pdf|md|html|json[&layout=annex-iv]``: the project as a file to download."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """Render (off the event loop) as the authenticated user, now; send it as an attachment."""
        fmt, layout = self.query_choice("format", FORMATS), self.query_choice("layout", LAYOUTS, "default")
        actor = self.actor

        def render() -> tuple[Export, str]:
            return render_export(self.service, self.project(project_id), fmt, layout, actor)

        export, unicode_name = await self.call(render)
        self.set_header("Content-Disposition", content_disposition(export.filename, unicode_name))
        self.set_header("Cache-Control", "no-store")
        self.finish(export.content, set_content_type=export.media_type)


def render_export(service: Lifecycle, project: Project, fmt: str, layout: str, actor: str) -> tuple[Export, str]:
    """The export of ``project`` as ``actor`` now (blocking), and its Unicode file name."""
    at = service.clock()
    export = export_project(service, project, fmt, generated_by=actor, generated_at=at, layout=layout)
    kind = "annex-iv" if layout == "annex-iv" else "lifecycle"
    return export, export_filename(project.record.name, at, fmt, ascii_only=False, kind=kind)


HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [(rf"/projects/{PROJECT_ID}/export", ExportHandler)]
