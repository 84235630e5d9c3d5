"""Run records: what the run service, the rerun worker and the reports read and write of reruns in the store.

A run leaves the service as one typed :class:`Run` (with its :class:`RunNotebook`\\ s), built once from the
store's row; Python reads it by attribute, and :meth:`Run.to_json` is the REST document (``Run`` and
``RunSummary`` in ``server/openapi.yaml``), key for key what the stored row gave before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..domain import ItemChange
from ..store.runs import ACTIVE_RUN_STATUSES
from .base import ServiceBase

INPUT_ERROR = "input"  # the error kind of a notebook refused before it ran (the run fails, records no evidence)


def is_input_error(error: Mapping[str, Any] | None) -> bool:
    """Whether a run notebook's ``error`` says it could not even be started (missing, not a notebook, unknown
    kernel...): the one rule, for the typed :class:`RunNotebook` and for runs read as JSON."""
    return (error or {}).get("kind") == INPUT_ERROR


@dataclass(frozen=True)
class RunProgress:
    """How far a run has got: cells and notebooks done of those known."""

    cells_done: int
    cells_total: int
    notebooks_done: int
    notebooks_total: int

    def to_json(self) -> dict[str, int]:
        """As JSON (``RunProgress``)."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunNotebook:
    """One notebook of a run (fields in the store's column order, which is also the JSON's)."""

    position: int
    path: str
    status: str
    verdict: str | None
    cells_done: int
    cells_total: int
    sha256: str | None
    output_path: str | None
    started_at: str | None
    finished_at: str | None
    duration: float | None
    error: dict[str, Any] | None
    diffs: dict[str, Any] | None
    kernel: str | None
    executor: str | None
    worker: str | None
    attempts: int | None
    diffs_read: bool = True  # False when listed: the comparison was not read, and the JSON leaves it out

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RunNotebook:
        """From the store's row (``diffs`` absent when it was not read)."""
        return cls(**{"diffs": None, **row}, diffs_read="diffs" in row)

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def bad_input(self) -> bool:
        """Whether the notebook could not even be started (missing, not a notebook, unknown kernel...)."""
        return is_input_error(self.error)

    def to_json(self) -> dict[str, Any]:
        """As JSON (``RunNotebook``, or ``RunNotebookSummary`` without ``diffs``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "diffs_read" and (f.name != "diffs" or self.diffs_read)}


@dataclass(frozen=True, eq=False)
class Run(Mapping[str, Any]):
    """A rerun of a project's notebooks, as stored (fields in the store's column order, which is the JSON's).

    ``notebooks`` is None when they were not read (``active_runs``, ``list_runs`` without them). The Mapping
    interface reads the JSON document (``run["status"]``), for code that handles runs as JSON (tests, reports);
    lifecycle_lab's own code reads attributes.
    """

    id: str
    project_id: str
    status: str
    verdict: str | None
    twice: bool
    options: dict[str, Any] | None
    requested_by: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    worker_pid: int | None
    worker_host: str | None
    environment: dict[str, Any] | None
    environment_diff: dict[str, Any] | None
    data_checks: list[dict[str, Any]] | None
    files: dict[str, Any] | None
    error: str | None
    notebooks: tuple[RunNotebook, ...] | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Run:
        """From the store's row, with its notebooks' rows under ``notebooks`` when they were read."""
        notebooks = row.get("notebooks")
        return cls(**{**row, "notebooks": None if notebooks is None else
                      tuple(RunNotebook.from_row(nb) for nb in notebooks)})

    @property
    def active(self) -> bool:
        """Queued or running: poll until False."""
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def progress(self) -> RunProgress:
        """Cells and notebooks done, over every notebook of the run."""
        notebooks = self.notebooks or ()
        return RunProgress(
            cells_done=sum(nb.cells_done for nb in notebooks), cells_total=sum(nb.cells_total for nb in notebooks),
            notebooks_done=sum(not nb.active for nb in notebooks), notebooks_total=len(notebooks),
        )

    @property
    def paths(self) -> set[str]:
        """The project-relative paths of its notebooks."""
        return {nb.path for nb in self.notebooks or ()}

    def notebook_at(self, position: int) -> RunNotebook | None:
        """Its notebook at ``position``, if any."""
        return next((nb for nb in self.notebooks or () if nb.position == position), None)

    def to_json(self) -> dict[str, Any]:
        """As clients see it: the stored record, its notebooks (when read), ``active`` and ``progress``."""
        document = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "notebooks"}
        if self.notebooks is not None:
            document["notebooks"] = [nb.to_json() for nb in self.notebooks]
        return {**document, "active": self.active, "progress": self.progress.to_json()}

    # The JSON document, read as a Mapping.
    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_json())

    def __len__(self) -> int:
        return len(self.to_json())


class RunRecords(ServiceBase):
    """Stored reruns (mixed into :class:`~lifecycle_lab.service.Lifecycle`); the run service builds on them."""

    def create_run(self, project_id: str, run_id: str, notebooks: list[str], *, options: dict[str, Any],
                   twice: bool, actor: str) -> Run:
        """A queued run with one row per notebook, audited as ``run.create``."""
        return Run.from_row(self.store.create_run(project_id, run_id, notebooks, options=options, twice=twice,
                                                  actor=actor, at=self.clock()))

    def run_record(self, run_id: str) -> Run:
        """A run as stored, with its notebooks (no reconciling with its worker: see ``RunService.get``)."""
        return Run.from_row(self.store.get_run(run_id))

    def list_runs(self, project_id: str, limit: int = 50, *, notebooks: bool = False) -> list[Run]:
        """The project's runs, newest first (with their notebooks, without their comparisons, when ``notebooks``)."""
        return [Run.from_row(row) for row in self.store.list_runs(project_id, limit, notebooks=notebooks)]

    def active_runs(self, host: str | None = None, *, project_id: str | None = None) -> list[Run]:
        """Queued and running runs (of ``host``, of ``project_id``), without their notebooks."""
        return [Run.from_row(row) for row in self.store.active_runs(host, project_id=project_id)]

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

    def previous_environment(self, run: Run) -> tuple[str, dict[str, Any]] | None:
        """The environment recorded by the project's previous run (its id and the environment), if any."""
        return self.store.previous_environment({"id": run.id, "project_id": run.project_id,
                                                "created_at": run.created_at})

    def finish_run(self, run_id: str, *, actor: str, at: str, notebooks: dict[str, Any] | None = None,
                   item_changes: Mapping[str, ItemChange] | None = None, **fields: Any) -> Run:
        """Close a run with a ``run.finish`` audit event, applying ``item_changes`` in the same transaction."""
        return Run.from_row(self.store.finish_run(run_id, actor=actor, at=at, notebooks=notebooks,
                                                  item_changes=item_changes, **fields))
