"""REST handlers over the checklist: projects, items, sign-offs, gates, the audit log, the change feed, templates.

Each method only translates HTTP to one call on the service (the same one the
CLI uses) and the result back to JSON; the shapes are in ``openapi.yaml``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import Conflict, NotFound, ValidationError
from ..project import MANIFEST
from ..service import Lifecycle, Project, template_json
from .base import PROJECT_ID, LifecycleHandler
from .paths import ServerRoot

MAX_EVENTS = 1000


class _ProjectHandler(LifecycleHandler):
    """Shared by handlers that answer with a project document."""

    def project_json(self, project: Project) -> dict[str, Any]:
        """The project document with ``path`` relative to the server root."""
        return {**self.service.project_json(project), "path": self.root.relative(project.directory)}


class ProjectsHandler(_ProjectHandler):
    """``GET /projects?path=P`` finds the project containing P; ``POST /projects`` creates one."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The project whose folder holds ``path`` or one of its parents (not above the server root)."""
        path = self.query_text("path")
        if path is None:
            raise ValidationError("path: required (a file or folder, relative to the server root)", field="path")
        actor = self.actor

        def find() -> dict[str, Any]:
            project = self.service.open_project(self.root.resolve(path), actor=actor, root=self.root.path)
            return self.project_json(project)

        self.write_json(await self.call(find))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Make a folder a lifecycle project: writes its ``lifecycle.yaml`` and registers it."""
        body, actor = self.json_body("NewProject"), self.actor

        def create() -> dict[str, Any]:
            return self.project_json(create_project(self.service, self.root, body, actor=actor))

        created = await self.call(create)
        self.set_header("Location", self.api_url("projects", created["id"]))
        self.write_json(created, status=201)


def create_project(service: Lifecycle, root: ServerRoot, body: dict[str, Any], *, actor: str) -> Project:
    """The project a ``NewProject`` body asks for, in its folder under ``root`` (blocking).

    NotFound when the folder is not one, Conflict when it is a project already; ValidationError naming a
    notebook outside the folder or an unknown template. Nothing is written until all of it is checked.
    """
    path, notebooks = body["path"], body.get("notebooks")
    template = "default" if body.get("template") is None else body["template"]
    directory = root.resolve(path)
    if not directory.is_dir():
        raise NotFound(f"{path!r} is not a folder under the server root")
    if (directory / MANIFEST).exists():
        raise Conflict(f"{path!r} already holds {MANIFEST}: it is a lifecycle project already")
    for index, notebook in enumerate(notebooks or []):
        try:
            root.resolve(notebook, base=directory, must_exist=False)
        except NotFound:
            raise ValidationError(f"notebooks[{index}]: {notebook!r} is not a path inside the project",
                                  field=f"notebooks[{index}]") from None
    try:
        service.templates.get(template)
    except NotFound as exc:
        raise ValidationError(f"template: {exc}", field="template") from None
    return service.init_project(directory, actor=actor, template=template, name=body.get("name"),
                                notebooks=notebooks)


class ProjectHandler(LifecycleHandler):
    """``GET /projects/{id}``: the full view, with an ETag; ``If-None-Match`` answers 304 when unchanged."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """Template, item states with versions, progress, overdue, stale, gates, sign-offs, datasets, user."""
        rendered = await self.call(self.lifecycle_app.views.render, project_id)
        # Weak: the validator covers the checklist and who the caller is recorded as (a browser that sets
        # its name must not get a 304), not the rest of the ``user`` block.
        etag = f'W/"{rendered.digest[:40]}-{hashlib.sha256(self.person.actor.encode()).hexdigest()[:8]}"'
        seen = {tag.strip().removeprefix("W/") for tag in self.request.headers.get("If-None-Match", "").split(",")}
        if etag.removeprefix("W/") in seen:
            self.set_status(304)
            self.set_header("ETag", etag)
            self.finish()
            return
        # The cached rendering is a JSON object; the user goes in front of its first key.
        self.write_json(b'{"user":' + self.user_json() + b"," + rendered.body[1:], etag=etag)

    def user_json(self) -> bytes:
        """The ``user`` block: who the caller is, and the name their edits are recorded under."""
        user, person = self.current_user, self.person
        return json.dumps(
            {"username": user.username, "name": user.name, "display_name": user.display_name,
             "initials": user.initials, "color": user.color, "anonymous": person.anonymous, "actor": person.actor,
             "shown": person.shown},
            ensure_ascii=False, separators=(",", ":"),
        ).encode()


class ItemHandler(LifecycleHandler):
    """``GET`` and ``PATCH /projects/{id}/items/{stage}/{item}``: one item, versioned by its ETag."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str, stage: str, item: str) -> None:
        """The item's state; its ETag is its version."""

        def read() -> dict[str, Any]:
            project = self.project(project_id)
            key = project.template.item(f"{stage}/{item}").key
            return self.service.item(project.id, key).to_json()

        state = await self.call(read)
        self.write_json(state, etag=f'"{state["version"]}"')

    @web.authenticated
    @authorized
    async def patch(self, project_id: str, stage: str, item: str) -> None:
        """Change status, owner, due, notes, justification or evidence of the version named by ``If-Match``."""
        expected, changes, actor = self.if_match_version(), self.json_body("ItemChanges"), self.actor

        def write() -> dict[str, Any]:
            written = self.service.edit_item(self.project(project_id), f"{stage}/{item}", changes, actor=actor,
                                             expected_version=expected)
            return {**written.state.to_json(), "seq": written.seq}  # the change feed's position after the edit

        state = await self.call(write)
        self.write_json(state, etag=f'"{state["version"]}"')


class SignoffsHandler(LifecycleHandler):
    """``POST /projects/{id}/signoffs``: a reviewer approves or rejects a stage as it is now."""

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Record the sign-off; it covers the stage's current item states (their snapshot hash)."""
        body = self.json_body("NewSignoff")
        actor, groups = self.actor, self.groups

        def sign() -> dict[str, Any]:
            project = self.project(project_id)
            signoff = self.service.signoff(project, body["stage"], body["role"], body["decision"], actor=actor,
                                           comment=body.get("comment") or "", groups=groups)
            return {**signoff.to_json(), "outdated": False}

        self.write_json(await self.call(sign), status=201)


class GatesHandler(LifecycleHandler):
    """``GET /projects/{id}/gates[?stage=S]``: every gate (or one stage's) with its blockers."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """``ready`` is true when every returned gate passes."""
        stage = self.query_text("stage")

        def evaluate() -> dict[str, Any]:
            project = self.project(project_id)
            gates = self.service.gates(project, stage)
            anchor = self.service.anchor_status(project_id, project.directory)  # shown, not a blocker
            return {"ready": all(g.passed for g in gates), "gates": [g.to_json() for g in gates],
                    "anchor": anchor.to_json()}

        self.write_json(await self.call(evaluate))


class ChangesHandler(LifecycleHandler):
    """``GET /projects/{id}/changes?since=SEQ``: the change feed a client polls for live updates."""

    def events_after(self, project_id: str, since: int, limit: int) -> dict[str, Any]:
        """``{"seq": head, "events": [...]}`` (blocking); reads the store only, no project files."""
        self.project_record(project_id)
        events, seq = self.service.changes(project_id, since, limit)
        return {"seq": seq, "events": [e.to_json() for e in events]}

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """Events after ``since`` (at most ``limit``) and the current ``seq``; a few index probes when idle."""
        since = self.query_int("since", 0)
        limit = self.query_int("limit", MAX_EVENTS, minimum=1, maximum=MAX_EVENTS)
        self.write_json(await self.call(self.events_after, project_id, since, limit))


class AuditHandler(ChangesHandler):
    """``GET /projects/{id}/audit[?since=SEQ&limit=N&verify=1]``: the hash-chained audit log and its anchor."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """Events after ``since``, oldest first; ``verify=1`` adds the recomputed chain check."""
        since, verify = self.query_int("since", 0), self.query_flag("verify")
        limit = self.query_int("limit", MAX_EVENTS, minimum=1, maximum=MAX_EVENTS)
        self.write_json(await self.call(self.audit_log, project_id, since, limit, verify))

    def audit_log(self, project_id: str, since: int, limit: int, verify: bool) -> dict[str, Any]:
        """The events, the anchor and (``verify``) the verification of the project's audit log (blocking)."""
        log = self.events_after(project_id, since, limit)
        directory = Path(self.project_record(project_id).path)
        if verify:
            verification = self.service.verify_audit(project_id, directory)
            log["chain"] = verification.chain.to_json()
            log["verification"] = verification.to_json()
        log["anchor"] = self.service.anchor_status(project_id, directory).to_json()
        return log


class TemplatesHandler(LifecycleHandler):
    """``GET /templates``: the checklist templates on the search path."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Id, title and version of each template."""

        def entries() -> dict[str, Any]:
            return {"templates": [{"id": e.id, "title": e.title, "version": e.version}
                                  for e in self.service.templates.entries()]}

        self.write_json(await self.call(entries))


class TemplateHandler(LifecycleHandler):
    """``GET /templates/{id}``: one template in full (stages, items, guidance, gates, roles)."""

    @web.authenticated
    @authorized
    async def get(self, template_id: str) -> None:
        """The validated template."""
        self.write_json(await self.call(lambda: template_json(self.service.templates.get(template_id))))


ITEM = PROJECT_ID + r"/items/(?P<stage>[^/]+)/(?P<item>[^/]+)"

HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [
    (r"/projects", ProjectsHandler),
    (rf"/projects/{PROJECT_ID}", ProjectHandler),
    (rf"/projects/{ITEM}", ItemHandler),
    (rf"/projects/{PROJECT_ID}/signoffs", SignoffsHandler),
    (rf"/projects/{PROJECT_ID}/gates", GatesHandler),
    (rf"/projects/{PROJECT_ID}/audit", AuditHandler),
    (rf"/projects/{PROJECT_ID}/changes", ChangesHandler),
    (r"/templates", TemplatesHandler),
    (r"/templates/(?P<template_id>[^/]+)", TemplateHandler),
]
