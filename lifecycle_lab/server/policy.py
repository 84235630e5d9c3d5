"""REST handler for sign-off policy: what the current user may sign, so the sidebar offers only that."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import PROJECT_ID, LifecycleHandler


class AllowedSignoffsHandler(LifecycleHandler):
    """``GET /projects/{id}/signoffs/allowed``: per stage, each role with whether this user may approve or reject."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The stages' policies and, for each role that may sign, ``approve``/``reject`` and the refusing rule."""
        actor, groups = self.actor, self.groups

        def allowed() -> dict[str, Any]:
            return self.service.signable(self.project(project_id), actor=actor, groups=groups)

        self.write_json(await self.call(allowed))


HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [
    (rf"/projects/{PROJECT_ID}/signoffs/allowed", AllowedSignoffsHandler),
]
