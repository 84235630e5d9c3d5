"""Scheduled revalidation across projects: pick the due ones, refresh their data, rerun them all at once.

What ``jupyter lifecycle revalidate`` does, run by cron, a CI schedule or a
Kubernetes CronJob (no scheduler daemon of ours). Every run goes through the
run service, so it is executed by the chosen executor (fanned out over a Dask
cluster with ``dask``) and recorded as the evidence of the ``rerun`` items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..clock import parse_utc
from ..errors import LifecycleError, NotFound, ValidationError
from ..revalidation import RevalidationStatus
from ..service import Lifecycle, Project, Run
from ..service.runs import RunService
from .summary import passed


@dataclass(frozen=True)
class Candidate:
    """A project considered for revalidation: opened with its schedule, or why it could not be."""

    project_id: str
    name: str
    project: Project | None = None
    status: RevalidationStatus | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One project's revalidation: its run (None when it could not start) and the verdict."""

    candidate: Candidate
    run: Run | None
    error: str | None = None

    @property
    def verdict(self) -> str:
        """The run's verdict, or ``error``."""
        return (self.run.verdict if self.run else None) or "error"

    @property
    def passed(self) -> bool:
        """Every notebook reproduced and every dataset matches."""
        return self.run is not None and passed(self.run.to_json())

    @property
    def duration(self) -> float | None:
        """Seconds from the run's start to its end."""
        run = self.run
        if run is None or not run.finished_at:
            return None
        begun = parse_utc(run.started_at or run.created_at)
        return (parse_utc(run.finished_at) - begun).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """As JSON, for ``revalidate --format json``."""
        status = self.candidate.status
        return {"project_id": self.candidate.project_id, "project": self.candidate.name, "verdict": self.verdict,
                "passed": self.passed, "duration": self.duration, "run_id": self.run.id if self.run else None,
                "error": self.error, "revalidation": status.to_json() if status else None}


def candidate(lifecycle: Lifecycle, project: Project, today: dt.date) -> Candidate:
    """``project`` with its revalidation status as of ``today``."""
    return Candidate(project.id, project.manifest.name, project, lifecycle.revalidation(project, today=today))


def known_projects(lifecycle: Lifecycle, today: dt.date) -> list[Candidate]:
    """Every project the store knows, opened from the folder it was last seen in (or why it cannot be)."""
    found = []
    for record in lifecycle.list_projects():
        try:
            found.append(candidate(lifecycle, lifecycle.project(record.id), today))
        except LifecycleError as exc:  # the folder moved, the manifest is broken, the template is gone
            found.append(Candidate(record.id, record.name, problem=str(exc).splitlines()[0]))
    return found


def select(candidates: Sequence[Candidate], *, due_only: bool, scheduled_only: bool) -> list[Candidate]:
    """The candidates to revalidate: with ``due_only`` those due today or overdue; with ``scheduled_only`` (every
    project of the store) those with a ``revalidate:`` section; problems are kept, to be reported."""
    chosen = []
    for c in candidates:
        if c.problem is not None:
            chosen.append(c)
        elif due_only:
            if c.status is not None and c.status.due:
                chosen.append(c)
        elif c.status is not None or not scheduled_only:
            chosen.append(c)
    return chosen


def refresh_datasets(lifecycle: Lifecycle, project: Project, names: Sequence[str], *, actor: str) -> None:
    """Record the current data of each named dataset as its next version (the revalidation's fresh data)."""
    latest = {version.name: version for version in lifecycle.latest_datasets(project.id)}
    for name in names:
        if name not in latest:
            registered = ", ".join(sorted(latest)) or "none"
            raise ValidationError(f"revalidate.datasets: {name!r} is not a registered dataset of "
                                  f"{project.manifest.name} (registered: {registered})", field="revalidate.datasets")
        lifecycle.add_dataset(project, latest[name].path, name=name, actor=actor)


def revalidate(lifecycle: Lifecycle, runs: RunService, chosen: Sequence[Candidate], *, actor: str,
               timeout: float | None = None) -> list[Outcome]:
    """Start every chosen project's run at once (the executor spreads them), then wait for them all."""
    started: list[tuple[Candidate, Run | None, str | None]] = []
    for c in chosen:
        if c.project is None:
            started.append((c, None, c.problem))
            continue
        try:
            if c.status is not None:
                refresh_datasets(lifecycle, c.project, c.status.datasets, actor=actor)
            notebooks = list(c.status.notebooks) if c.status is not None else None
            started.append((c, runs.start(c.project, notebooks, actor=actor), None))
        except (ValidationError, NotFound, OSError) as exc:
            started.append((c, None, str(exc)))
    return [Outcome(c, runs.wait(run.id, timeout=timeout) if run else None, error)
            for c, run, error in started]
