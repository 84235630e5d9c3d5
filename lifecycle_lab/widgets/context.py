"""Where a notebook widget works: the project found from the kernel's folder, the store, the user, rerun mode.

No server is involved: the service is built with :func:`~lifecycle_lab.config.make_service`
from the settings resolved as the CLI and the server resolve them (explicit → environment →
``LifecycleLabApp`` in the Jupyter config → default), so a kernel opens the same store with the
same templates. Every write a widget makes goes
through :class:`Context`, which refuses all writes during a reproducibility
rerun (``LIFECYCLE_LAB_RERUN=1``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import make_service
from ..domain import ItemSpec, ItemState, Summary, canonical_json
from ..errors import Conflict, LifecycleError, NotFound
from ..fingerprint import Fingerprint, content_hash, fingerprint
from ..identity import current_user
from ..project import find_project_dir, read_manifest
from ..service import DatasetCheck, DatasetVersion, Lifecycle, Project, ProjectRecord

RERUN_ENV = "LIFECYCLE_LAB_RERUN"


class NoProject(NotFound):
    """The kernel's folder is not inside a lifecycle project."""

    SHORT = "not inside a lifecycle project (run `jupyter lifecycle init`)"


class ReadOnly(LifecycleError):
    """A write attempted while the notebook is being rerun for reproducibility."""


def in_rerun() -> bool:
    """Whether this kernel runs a reproducibility rerun (``LIFECYCLE_LAB_RERUN=1``)."""
    return os.environ.get(RERUN_ENV, "").strip().lower() in ("1", "true", "yes")


def same_evidence(a: Any, b: Any) -> bool:
    """Whether two evidence values are the same JSON."""
    return canonical_json(a) == canonical_json(b)


@dataclass(frozen=True)
class Context:
    """An open project with the service, the acting user and whether writes are allowed."""

    service: Lifecycle
    project: Project
    user: str
    rerun: bool
    registered: bool = True  # False during a rerun of a project the store has never seen

    def spec(self, key: str, kind: str | None = None, *, any_of_kind: bool = False) -> ItemSpec | None:
        """The template's item for ``key``: itself, else the item with the same id in another stage
        (of ``kind`` when given), else (``any_of_kind``) the first item of that evidence kind."""
        template = self.project.template
        items = list(template.items())
        for spec in items:
            if spec.key == key and (kind is None or spec.evidence == kind):
                return spec
        item_id = key.rsplit("/", 1)[-1]
        for spec in items:
            if spec.id == item_id and (kind is None or spec.evidence == kind):
                return spec
        if any_of_kind and kind is not None:
            return next((spec for spec in items if spec.evidence == kind), None)
        return None

    def required_spec(self, key: str, kind: str) -> ItemSpec:
        """The item for ``key`` as :meth:`spec` finds it with any item of ``kind`` as the fallback; NotFound if none."""
        spec = self.spec(key, kind, any_of_kind=True)
        if spec is None:
            raise NotFound(f"template {self.project.template.id!r} has no {kind} item")
        return spec

    def item(self, key: str) -> ItemState:
        """The recorded state of an item (a fresh ``todo`` when nothing is recorded)."""
        if not self.registered:
            return ItemState(key=key)
        return self.service.item(self.project.id, key)

    def ensure_versions(self, expected: Mapping[str, int]) -> None:
        """Conflict (carrying the current state) when an item moved past the version a form was based on."""
        for key, version in expected.items():
            current = self.item(key)
            if current.version != version:
                raise Conflict(f"{key} is at version {current.version} (changed by {current.updated_by or 'nobody'}), "
                               f"not {version}", current=current)

    def _writable(self) -> None:
        if self.rerun:
            raise ReadOnly("this is a reproducibility rerun (LIFECYCLE_LAB_RERUN=1), which never writes")

    def set_item(self, key: str, changes: Mapping[str, Any], *, expected_version: int | None) -> ItemState:
        """Change an item as the current user; Conflict when it moved past ``expected_version``."""
        self._writable()
        return self.service.set_item(self.project, key, changes, actor=self.user, expected_version=expected_version)

    def set_evidence(self, key: str, evidence: Any, *, expected_version: int | None) -> ItemState:
        """Record evidence on an item, moving it from ``todo`` to ``in_progress``."""
        changes: dict[str, Any] = {"evidence": evidence}
        if self.item(key).status == "todo":
            changes["status"] = "in_progress"
        return self.set_item(key, changes, expected_version=expected_version)

    def add_dataset(self, path: Path, name: str, known: Fingerprint | None = None) -> DatasetVersion:
        """Record the data at ``path`` as the next version of dataset ``name``.

        ``known`` is the fingerprint of ``path`` already taken with :meth:`fingerprint`, so the data is not read
        again (the service checks it is still that of the data at ``path``).
        """
        self._writable()
        version, _created = self.service.add_dataset(self.project, path, name=name, actor=self.user, known=known)
        return version

    def fingerprint(self, path: Path) -> Fingerprint:
        """The data's fingerprint now; the store's hash cache is used (and fed) only outside a rerun."""
        return fingerprint(path) if self.rerun else self.service.fingerprint(self.project, path)

    def summary(self) -> Summary:
        """Progress, gates, overdue and stale items now; during a rerun data is hashed without the store's cache."""
        checks = None
        if self.rerun:
            checks = [DatasetCheck(version, self._hash_now(version.path))
                      for version in self.service.latest_datasets(self.project.id)]
        return self.service.summary(self.project, datasets=checks)

    def _hash_now(self, path: str) -> str | None:
        try:
            return content_hash(self.project.directory / path)
        except (NotFound, OSError):
            return None

    def dataset_versions(self, name: str) -> list[DatasetVersion]:
        """Every recorded version of dataset ``name``, newest first."""
        if not self.registered:
            return []
        return self.service.dataset_versions(self.project.id, name)


def _read_only_project(service: Lifecycle, directory: Path) -> tuple[Project, bool]:
    """The project in ``directory`` as the store knows it, registering nothing; and whether the store knows it."""
    manifest = read_manifest(directory)
    template = service.templates.get(manifest.template)
    found = service.find_project_record(manifest.id)
    record = found or ProjectRecord(id=manifest.id, name=manifest.name, template=template.id,
                                    template_version=template.version, path=str(manifest.directory), created_at="",
                                    created_by="")
    return Project(record, manifest, template), found is not None


def open_context(start: str | Path | None = None) -> Context:
    """The context for a widget in a kernel whose working folder is ``start`` (default: the current one).

    NotFound (telling how to run ``jupyter lifecycle init``) outside a project. During a rerun the project
    is read as the store has it and nothing is registered or updated.
    """
    here = Path(start) if start is not None else Path.cwd()
    try:
        directory = find_project_dir(here)
    except NotFound:
        raise NoProject(
            f"not inside a lifecycle project: no lifecycle.yaml in {here.resolve()} or any folder above it. "
            "Run `jupyter lifecycle init` in the project's folder (or `!jupyter lifecycle init` in a cell), "
            "then run this cell again."
        ) from None
    user = current_user()
    service = make_service()
    if in_rerun():
        project, registered = _read_only_project(service, directory)
        return Context(service=service, project=project, user=user, rerun=True, registered=registered)
    return Context(service=service, project=service.open_project(directory, actor=user), user=user, rerun=False)
