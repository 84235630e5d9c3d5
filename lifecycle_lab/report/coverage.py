"""A project's framework coverage, read through the service: for the CLI, the REST API and the exports.

The rules live in ``lifecycle_lab.coverage`` (pure); this module only gathers
what they need (template, item states, stale evidence, clause tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..coverage import FrameworkCoverage, framework_coverage
from ..domain import Summary
from ..frameworks import Framework
from ..project import find_project_dir, read_manifest
from ..service import Lifecycle, Project
from ..templates import framework_registry


def frameworks_for(service: Lifecycle, ids: Sequence[str]) -> list[Framework]:
    """The clause tables with these ids (all known ones when ``ids`` is empty); NotFound for an unknown id."""
    return framework_registry(tuple(service.templates.search)).select(ids)


def project_coverage(
    service: Lifecycle, project: Project, ids: Sequence[str] = (), *, summary: Summary | None = None
) -> list[FrameworkCoverage]:
    """Coverage of the frameworks ``ids`` (default: the manifest's ``frameworks``, else every known one)."""
    frameworks = frameworks_for(service, list(ids) or list(project.manifest.frameworks))
    summary = summary or service.summary(project)
    return framework_coverage(project.template, summary.states, summary.stale, frameworks)


def coverage_read_only(
    service: Lifecycle, start: str | Path, ids: Sequence[str] = ()
) -> tuple[list[FrameworkCoverage], bool]:
    """Coverage for the project at or above ``start`` without registering or updating it in the store.

    Returns the coverage and whether the store knows the project; a project it does not know is
    reported with every item still to do.
    """
    manifest = read_manifest(find_project_dir(start))
    template = service.templates.get(manifest.template)
    record = service.find_project_record(manifest.id)
    frameworks = frameworks_for(service, list(ids) or list(manifest.frameworks))
    if record is None:
        return framework_coverage(template, {}, {}, frameworks), False
    return project_coverage(service, Project(record, manifest, template), [f.id for f in frameworks]), True
