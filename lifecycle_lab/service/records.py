"""The records the service hands out: an opened project, a dataset check, a status snapshot, the template as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import domain as cl
from ..project import Manifest
from ..store import DatasetVersion, ProjectRecord

DATASET_ITEM = "data/dataset-versions"

REVALIDATION_LOOKBACK = 200  # runs searched for the last revalidation


def dataset_item(template: cl.Template) -> str | None:
    """The item recorded dataset versions are linked to: ``data/dataset-versions``, else the first ``datasets`` item."""
    keys = [item.key for item in template.items() if item.evidence == "datasets"]
    return DATASET_ITEM if DATASET_ITEM in keys else (keys[0] if keys else None)


@dataclass(frozen=True)
class Project:
    """A project opened for work: its store record, manifest and template."""

    record: ProjectRecord
    manifest: Manifest
    template: cl.Template

    @property
    def id(self) -> str:
        """The project's stable id."""
        return self.record.id

    @property
    def directory(self) -> Path:
        """The project folder."""
        return self.manifest.directory


@dataclass(frozen=True)
class DatasetCheck:
    """A registered dataset's latest recorded version against the data on disk now."""

    recorded: DatasetVersion
    current: str | None  # sha256 now, None when the data is missing

    @property
    def status(self) -> str:
        """``ok``, ``changed`` or ``missing``."""
        if self.current is None:
            return "missing"
        return "ok" if self.current == self.recorded.sha256 else "changed"

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {**self.recorded.to_json(), "current_sha256": self.current, "status": self.status}


@dataclass(frozen=True)
class Snapshot:
    """What a project's status is computed from, read at one moment: item states and the files on disk.

    ``seq`` is the audit head read before them: the states are at least as new as it, so a client polling the
    change feed from it misses no change that the snapshot does not show.
    """

    seq: int
    recorded: dict[str, cl.ItemState]
    datasets: list[DatasetCheck]
    seen: cl.Observations


def template_json(template: cl.Template) -> dict[str, Any]:
    """The template as the clients see it."""
    return {
        "id": template.id,
        "version": template.version,
        "title": template.title,
        "description": template.description,
        "source": template.source,
        "scoring": template.scoring,
        "roles": [{"id": r.id, "title": r.title, "description": r.description} for r in template.roles],
        "stages": [
            {
                "id": s.id,
                "title": s.title,
                "description": s.description,
                "section": s.section,
                "gate": {"signoffs": list(s.gate.signoffs), "requires": list(s.gate.requires)},
                "items": [
                    {
                        "id": i.id,
                        "key": i.key,
                        "title": i.title,
                        "guidance": i.guidance,
                        "why": i.why,
                        "required": i.required,
                        "evidence": i.evidence,
                        "owner_role": i.owner_role,
                        "automatable": i.automatable,
                        "refs": list(i.refs),
                    }
                    for i in s.items
                ],
            }
            for s in template.stages
        ],
    }

