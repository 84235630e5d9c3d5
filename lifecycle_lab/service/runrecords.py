"""Run records: what the run service, the rerun worker and the reports read and write of reruns in the store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain import ItemChange
from .base import ServiceBase


class RunRecords(ServiceBase):
    """Stored reruns (mixed into :class:`~lifecycle_lab.service.Lifecycle`); the run service builds on them."""

    def create_run(self, project_id: str, run_id: str, notebooks: list[str], *, options: dict[str, Any],
                   twice: bool, actor: str) -> dict[str, Any]:
        """A queued run with one row per notebook, audited as ``run.create``."""
        return self.store.create_run(project_id, run_id, notebooks, options=options, twice=twice, actor=actor,
                                     at=self.clock())

    def run_record(self, run_id: str) -> dict[str, Any]:
        """A run as stored, with its notebooks (no reconciling with its worker: see ``RunService.get``)."""
        return self.store.get_run(run_id)

    def list_runs(self, project_id: str, limit: int = 50, *, notebooks: bool = False) -> list[dict[str, Any]]:
        """The project's runs, newest first (with their notebooks when ``notebooks``)."""
        return self.store.list_runs(project_id, limit, notebooks=notebooks)

    def active_runs(self, host: str | None = None, *, project_id: str | None = None) -> list[dict[str, Any]]:
        """Queued and running runs (of ``host``, of ``project_id``)."""
        return self.store.active_runs(host, project_id=project_id)

    def latest_notebook_runs(self, project_id: str) -> dict[str, str]:
        """The id of the latest finished run of each notebook of the project, by notebook path."""
        return self.store.latest_notebook_runs(project_id)

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Progress-type changes of a run (status, pid, environment...): not audited."""
        self.store.update_run(run_id, **fields)

    def update_run_notebook(self, run_id: str, position: int, **fields: Any) -> bool:
        """Changes of one notebook of a run; False when the run is closed (the worker then stops)."""
        return self.store.update_run_notebook(run_id, position, **fields)

    def claim_run(self, run_id: str, *, limit: int, host: str) -> str:
        """Move a queued run to ``running`` when ``host`` has a free slot; the run's status after the attempt."""
        return self.store.claim_run(run_id, limit=limit, host=host, at=self.clock())

    def previous_environment(self, run: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The environment recorded by the project's previous run (its id and the environment), if any."""
        return self.store.previous_environment(run)

    def finish_run(self, run_id: str, *, actor: str, at: str, notebooks: dict[str, Any] | None = None,
                   item_changes: Mapping[str, ItemChange] | None = None, **fields: Any) -> dict[str, Any]:
        """Close a run with a ``run.finish`` audit event, applying ``item_changes`` in the same transaction."""
        return self.store.finish_run(run_id, actor=actor, at=at, notebooks=notebooks, item_changes=item_changes,
                                     **fields)
