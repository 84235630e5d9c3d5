"""REST handler for framework coverage: how far a project's checklist serves each framework's clauses."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import NotFound, ValidationError
from ..report.coverage import frameworks_for, project_coverage
from .base import PROJECT_ID, LifecycleHandler


class CoverageHandler(LifecycleHandler):
    """``GET /projects/{id}/coverage[?framework=ID…]``: clauses served by satisfied items, open items, or none."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """Default frameworks: the manifest's ``frameworks``, else every known one; an unknown id is a 400."""
        ids = self.get_query_arguments("framework")

        def measure() -> dict[str, Any]:
            try:
                frameworks_for(self.service, ids)
            except NotFound as exc:
                raise ValidationError(f"framework: {exc}", field="framework") from None
            results = project_coverage(self.service, self.project(project_id), ids)
            return {"frameworks": [result.to_json() for result in results]}

        self.write_json(await self.call(measure))


HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [(rf"/projects/{PROJECT_ID}/coverage", CoverageHandler)]
