"""Projects: create one in a folder, open the one holding a path, read one by id, as JSON."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import domain as cl
from ..errors import Conflict, NotFound
from ..project import Manifest, create_manifest, find_project_dir, read_manifest
from ..store import ProjectRecord
from .base import ServiceBase
from .records import Project


class Projects(ServiceBase):
    """Operations on projects (mixed into :class:`~lifecycle_lab.service.Lifecycle`)."""

    def init_project(
        self,
        directory: str | Path,
        *,
        actor: str,
        template: str = "default",
        name: str | None = None,
        notebooks: list[str] | None = None,
    ) -> Project:
        """Make ``directory`` a lifecycle project: write its manifest and register it in the store.

        A folder whose manifest this store has never seen (a clone, another store) is registered as it is;
        Conflict when the store already has it.
        """
        tpl = self.templates.get(template)  # an unknown template fails before anything is written
        try:
            manifest = create_manifest(directory, name=name, template=tpl.id, notebooks=notebooks)
        except Conflict:
            manifest = read_manifest(directory)
            if self.store.find_project(manifest.id) is not None:
                raise
            return self._register(manifest, self.templates.get(manifest.template), actor)
        return self._register(manifest, tpl, actor)

    def _register(self, manifest: Manifest, template: cl.Template, actor: str) -> Project:
        record = ProjectRecord(
            id=manifest.id,
            name=manifest.name,
            template=template.id,
            template_version=template.version,
            path=str(manifest.directory),
            created_at=self.clock(),
            created_by=actor,
        )
        return Project(self.store.create_project(record), manifest, template)

    def open_project(self, path: str | Path, *, actor: str, root: str | Path | None = None) -> Project:
        """The project containing ``path`` (walking up, not above ``root``), registered on first sight."""
        manifest = read_manifest(find_project_dir(path, root))
        template = self.templates.get(manifest.template)
        record = self.store.find_project(manifest.id)
        if record is None:
            return self._register(manifest, template, actor)
        changes = {
            k: v
            for k, v in {
                "path": str(manifest.directory),
                "name": manifest.name,
                "template": template.id,
                "template_version": template.version,
            }.items()
            if getattr(record, k) != v
        }
        if changes:
            record = self.store.update_project(record.id, actor=actor, at=self.clock(), **changes)
        return Project(record, manifest, template)

    def existing_project(self, path: str | Path, *, root: str | Path | None = None) -> Project:
        """The project containing ``path`` as the store knows it, for a read: nothing is registered or updated.

        NotFound naming the store when the store has never seen the project (a read must not invent an empty one).
        A folder moved or renamed since is shown as it is now, and recorded by the next write.
        """
        manifest = read_manifest(find_project_dir(path, root))
        template = self.templates.get(manifest.template)
        record = self.store.find_project(manifest.id)
        if record is None:
            raise NotFound(
                f"the store {self.store.display_url} has no project {manifest.name!r} ({manifest.id}): "
                "restore its state with `jupyter lifecycle import FILE`, start it empty with `jupyter lifecycle init`, "
                "or check --db / $LIFECYCLE_LAB_DB_URL"
            )
        seen = replace(record, path=str(manifest.directory), name=manifest.name)
        return Project(seen, manifest, template)

    def project(self, project_id: str) -> Project:
        """A project by id, read from its folder as the store last saw it."""
        record = self.store.get_project(project_id)
        try:
            manifest = read_manifest(record.path)
        except NotFound:
            raise NotFound(
                f"project {project_id} was last seen at {record.path}, which no longer holds {record.path}/"
                "lifecycle.yaml; open it from its new folder"
            ) from None
        return Project(record, manifest, self.templates.get(record.template))

    def project_json(self, project: Project) -> dict[str, Any]:
        """The project's record with its manifest's notebooks and description, as JSON."""
        return {
            **project.record.to_json(),
            "notebooks": list(project.manifest.notebooks),
            "description": project.manifest.description,
        }

    def project_record(self, project_id: str) -> ProjectRecord:
        """The project's store record, without reading its folder; NotFound for an unknown id."""
        return self.store.get_project(project_id)

    def find_project_record(self, project_id: str) -> ProjectRecord | None:
        """The project's store record, None for an id the store has never seen."""
        return self.store.find_project(project_id)

    def list_projects(self) -> list[ProjectRecord]:
        """Every project the store knows."""
        return self.store.list_projects()
