"""Datasets: fingerprint data, record a dataset version and link it as evidence, check recorded data now."""

from __future__ import annotations

from pathlib import Path

from ..errors import NotFound, ValidationError
from ..fingerprint import Fingerprint, content_hash, fingerprint
from ..store import DatasetVersion
from .base import ServiceBase
from .records import DatasetCheck, Project, dataset_item


class Datasets(ServiceBase):
    """Dataset versions of a project (mixed into :class:`~lifecycle_lab.service.Lifecycle`)."""

    def _current_hash(self, project: Project, path: str) -> str | None:
        try:
            return content_hash(project.directory / path, self.store)
        except (NotFound, OSError):
            return None

    def _relative(self, project: Project, path: str | Path) -> tuple[Path, str]:
        absolute = (project.directory / Path(path).expanduser()).resolve()
        if not absolute.exists():
            raise NotFound(f"{path} does not exist")
        try:
            return absolute, absolute.relative_to(project.directory).as_posix()
        except ValueError:
            return absolute, str(absolute)

    def fingerprint(self, project: Project, path: str | Path) -> Fingerprint:
        """The fingerprint of a file or folder (relative paths are inside the project)."""
        absolute, _ = self._relative(project, path)
        return fingerprint(absolute, self.store)

    def add_dataset(
        self, project: Project, path: str | Path, *, name: str | None = None, actor: str, link: bool = True,
        known: Fingerprint | None = None,
    ) -> tuple[DatasetVersion, bool]:
        """Record the data at ``path`` as the next version of dataset ``name``; link it as evidence.

        ``known`` is a fingerprint the caller already took of ``path`` (e.g. with :meth:`fingerprint`);
        it is used, sparing a second read of the data, only when its hash is that of the data at ``path``
        now, which the hash caches answer without reading. Otherwise the data is fingerprinted afresh.
        Returns the version and whether it is new (False when the data matches the latest version).
        """
        absolute, relative = self._relative(project, path)
        name = (name or absolute.name).strip()
        if not name or len(name) > 200:
            raise ValidationError("name: must be 1 to 200 characters", field="name")
        if known is not None and known.sha256 == content_hash(absolute, self.store):
            fp = known
        else:
            fp = fingerprint(absolute, self.store)
        before = self.notifications.watch(project)
        version, created = self.store.record_dataset_version(
            project.id, name, relative, fp, actor=actor, at=self.clock()
        )
        link_item = dataset_item(project.template) if link else None
        if link_item:
            self._link_dataset(project, link_item, version, actor)
        self.notifications.changed(project, before, actor=actor)
        return version, created

    def _link_dataset(self, project: Project, key: str, version: DatasetVersion, actor: str) -> None:
        current = self.store.item(project.id, key)
        refs = [r for r in (current.evidence or {}).get("versions", []) if r.get("dataset") != version.name]
        refs.append({"dataset": version.name, "version": version.version, "fingerprint": version.sha256})
        if current.evidence and current.evidence.get("versions") == refs:
            return
        at = self.clock()
        change = self.evidence_change(project, key, {"versions": refs}, actor=actor, at=at)
        self.store.update_item(project.id, key, change, expected_version=None, actor=actor, at=at)

    def check_datasets(self, project: Project) -> list[DatasetCheck]:
        """Each dataset's latest recorded version against its data now."""
        return [
            DatasetCheck(version, self._current_hash(project, version.path))
            for version in self.store.latest_datasets(project.id)
        ]


    def dataset_versions(self, project_id: str, name: str | None = None) -> list[DatasetVersion]:
        """Every recorded version of a project's datasets (or of dataset ``name``), newest first."""
        return self.store.dataset_versions(project_id, name)

    def latest_datasets(self, project_id: str) -> list[DatasetVersion]:
        """The latest recorded version of each of a project's datasets."""
        return self.store.latest_datasets(project_id)
