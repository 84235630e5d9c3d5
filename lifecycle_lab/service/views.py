"""Views: what a project's status is computed from (a snapshot), its summary, revalidation, full view, gates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .. import domain as cl
from ..clock import parse_utc
from ..coverage import framework_coverage
from ..errors import NotFound, ValidationError
from ..evidence import NOTEBOOK_EVIDENCE
from ..evidence_sources import observe_sources
from ..fingerprint import notebook_hash
from ..policy import apply_expiry
from ..project import stage_policies
from ..revalidation import RevalidationStatus, revalidation_status, with_revalidation
from ..roles import signoff_roles_json
from ..scores import template_score
from ..templates import framework_registry
from .base import ServiceBase
from .records import DatasetCheck, Project, Snapshot, template_json
from .runrecords import Run

REVALIDATION_LOOKBACK = 200  # runs searched for the last revalidation


class Views(ServiceBase):
    """Reads that derive status (mixed into :class:`~lifecycle_lab.service.Lifecycle`)."""

    def observe(
        self, project: Project, recorded: Mapping[str, cl.ItemState], datasets: list[DatasetCheck]
    ) -> cl.Observations:
        """What staleness is judged against now: datasets' current hashes, verified notebooks' current hashes."""
        notebooks: dict[str, str | None] = {}
        for item in project.template.items():
            state = recorded.get(item.key)
            if item.evidence in NOTEBOOK_EVIDENCE and state and isinstance(state.evidence, dict):
                for nb in state.evidence.get("notebooks", []):
                    if nb.get("path") and nb["path"] not in notebooks:
                        notebooks[nb["path"]] = notebook_hash(project.directory / nb["path"])
        return cl.Observations(datasets={c.recorded.name: c.current for c in datasets}, notebooks=notebooks,
                               sources=observe_sources(recorded.values()))

    def snapshot(
        self, project: Project, *, datasets: list[DatasetCheck] | None = None, seq: int | None = None
    ) -> Snapshot:
        """The audit head, the recorded item states and what is on disk now, read once, for a summary or a view.

        ``seq``: an audit head the caller read earlier (before it read ``project``); by default it is read now.
        """
        head = self.store.last_seq(project.id) if seq is None else seq
        recorded = self.store.items(project.id)
        checks = self.check_datasets(project) if datasets is None else datasets
        return Snapshot(head, recorded, checks, self.observe(project, recorded, checks))

    def summary(
        self,
        project: Project,
        *,
        today: dt.date | None = None,
        datasets: list[DatasetCheck] | None = None,
        snapshot: Snapshot | None = None,
    ) -> cl.Summary:
        """Progress, gates, overdue and stale items, from the store and the files now (or ``snapshot``)."""
        snap = snapshot or self.snapshot(project, datasets=datasets)
        today = today or self.today()
        return self._summarize(project, snap, today, self.revalidation(project, today=today))

    def _summarize(self, project: Project, snap: Snapshot, today: dt.date,
                   revalidation: RevalidationStatus | None) -> cl.Summary:
        summary = cl.summarize(project.template, snap.recorded, self.store.signoffs(project.id), today=today,
                               seen=snap.seen)
        policies = stage_policies(project.manifest, project.template)
        summary = apply_expiry(summary, project.template, policies, parse_utc(self.clock()))
        return with_revalidation(summary, project.template, revalidation)

    def revalidation(self, project: Project, *, today: dt.date | None = None) -> RevalidationStatus | None:
        """The project's revalidation schedule as of ``today`` (None without a ``revalidate:`` section).

        The last revalidation is the latest finished run that reran every notebook the section names.
        """
        section = project.manifest.revalidate
        if section is None:
            return None
        wanted = set(section["notebooks"])
        listed = map(Run.from_row, self.store.list_runs(project.id, REVALIDATION_LOOKBACK, notebooks=True))
        last = next((run for run in listed if run.status == "finished" and run.finished_at and wanted <= run.paths),
                    None)
        return revalidation_status(
            section, last=parse_utc(last.finished_at).date() if last and last.finished_at else None,
            since=parse_utc(project.record.created_at).date(), today=today or self.today(),
            last_run=last.id if last else None,
        )

    def view(
        self, project: Project, *, today: dt.date | None = None, snapshot: Snapshot | None = None
    ) -> dict[str, Any]:
        """The full project view: template, states with versions, progress, gates, sign-offs, datasets.

        ``snapshot`` lets a caller that already read the inputs (the server's view cache) pass them in.
        """
        snap = snapshot or self.snapshot(project)
        today = today or self.today()
        revalidation = self.revalidation(project, today=today)
        summary = self._summarize(project, snap, today, revalidation)
        return {
            "project": self.project_json(project),
            "template": template_json(project.template),
            "items": {key: state.to_json() for key, state in summary.states.items()},
            "progress": {
                "overall": summary.overall.to_json(),
                "stages": {k: v.to_json() for k, v in summary.stages.items()},
            },
            "overdue": summary.overdue,
            "stale": summary.stale,
            "gates": {k: v.to_json() for k, v in summary.gates.items()},
            "signoffs": [
                {**s.to_json(), "outdated": s.id in summary.outdated_signoffs} for s in summary.signoffs
            ],
            "score": score.to_json() if (score := template_score(project.template, summary.states)) else None,
            "ready": summary.ready,
            "status": "ready" if summary.ready else "blocked",
            "datasets": [check.to_json() for check in snap.datasets],
            "revalidation": revalidation.to_json() if revalidation else None,
            "signoff_roles": signoff_roles_json(project.template),
            "seq": snap.seq,
            "coverage": self.coverage_summaries(project, summary),
        }

    def coverage_summaries(self, project: Project, summary: cl.Summary) -> list[dict[str, Any]]:
        """Totals of the coverage of the frameworks the manifest lists (none listed: an empty list)."""
        if not project.manifest.frameworks:
            return []
        try:
            frameworks = framework_registry(tuple(self.templates.search)).select(project.manifest.frameworks)
        except NotFound as exc:
            raise ValidationError(f"frameworks: {exc}, in {project.manifest.path}", field="frameworks") from None
        return [result.summary() for result in
                framework_coverage(project.template, summary.states, summary.stale, frameworks)]

    def gates(self, project: Project, stage: str | None = None) -> list[cl.GateResult]:
        """Every gate (or one stage's), with its blockers."""
        if stage is not None:
            project.template.stage(stage)  # NotFound for an unknown stage
        summary = self.summary(project)
        return [g for g in summary.gates.values() if stage is None or g.stage == stage]

