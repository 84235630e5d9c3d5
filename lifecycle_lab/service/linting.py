"""The reproducibility lint of a project's notebooks, and recording its result as evidence."""

from __future__ import annotations

from collections.abc import Sequence

from ..lint import LintReport, lint_project
from ..store import DatasetVersion
from .base import ServiceBase
from .records import DatasetCheck, Project


class Linting(ServiceBase):
    """Lint a project (mixed into :class:`~lifecycle_lab.service.Lifecycle`)."""

    def lint(self, project: Project, notebooks: Sequence[str] | None = None, *,
             datasets: list[DatasetCheck] | None = None) -> LintReport:
        """Lint the project's notebooks (or ``notebooks``, relative to the project or absolute) against its
        registered datasets; ValidationError names a notebook that is missing or not one."""
        checks = self.check_datasets(project) if datasets is None else datasets
        return lint_project(project.manifest, registered=[c.recorded.path for c in checks], notebooks=notebooks)

    def record_lint(self, project: Project, *, actor: str) -> tuple[LintReport, list[str]]:
        """Lint every notebook and record the result on each item whose evidence kind is ``lint``.

        Returns the report and the keys of the items it was recorded on.
        """
        report = self.lint(project)
        at = self.clock()
        evidence = report.evidence(at)
        keys = [item.key for item in project.template.items() if item.evidence == "lint"]
        for key in keys:
            change = self.evidence_change(project, key, evidence, actor=actor, at=at)
            self.store.update_item(project.id, key, change, expected_version=None, actor=actor, at=at)
        return report, keys

    def register_discovered(self, project: Project, *, actor: str) -> list[tuple[DatasetVersion, bool]]:
        """Record every data file the notebooks read that is no registered dataset (named after its file)."""
        return [self.add_dataset(project, found.path, actor=actor) for found in self.lint(project).unregistered]
