"""REST handlers of the reproducibility lint and dataset discovery.

``GET /projects/{id}/lint`` lints the project's notebooks now (``?notebook=`` repeatable, ``?format=sarif``);
``POST`` records the result as the evidence of the template's ``lint`` items; ``POST
/projects/{id}/datasets/discover`` registers every data file the notebooks read that is not a dataset yet.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from ..errors import ValidationError
from ..lint.sarif import to_sarif
from .base import PROJECT_ID, LifecycleHandler

LINT_FORMATS = ("json", "sarif")


class LintHandler(LifecycleHandler):
    """The project's lint: read it (GET) or record it as evidence (POST)."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The findings, counts, linted notebooks and unregistered data files (or SARIF 2.1.0)."""
        fmt = self.get_query_argument("format", "json")
        if fmt not in LINT_FORMATS:
            raise ValidationError(f"format: {fmt!r} is not one of {', '.join(LINT_FORMATS)}", field="format")
        notebooks = self.get_query_arguments("notebook") or None

        def lint() -> dict:
            project = self.project(project_id)
            report = self.service.lint(project, notebooks)
            return to_sarif(report, project.directory, __version__) if fmt == "sarif" else report.to_json()

        self.write_json(await self.call(lint))

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Lint every notebook of the project and record the result on its ``lint`` items."""
        actor = self.actor

        def record() -> dict:
            report, keys = self.service.record_lint(self.project(project_id), actor=actor)
            return {"report": report.to_json(), "recorded": keys}

        self.write_json(await self.call(record))


class DiscoverDatasetsHandler(LifecycleHandler):
    """``POST /projects/{id}/datasets/discover``: register the data files the notebooks read unregistered."""

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Fingerprint and record each one as a dataset (named after its file); answer what was recorded."""
        actor = self.actor

        def register() -> dict:
            recorded = self.service.register_discovered(self.project(project_id), actor=actor)
            return {"datasets": [{**version.to_json(), "created": created} for version, created in recorded]}

        self.write_json(await self.call(register))


HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [
    (rf"/projects/{PROJECT_ID}/lint", LintHandler),
    (rf"/projects/{PROJECT_ID}/datasets/discover", DiscoverDatasetsHandler),
]
