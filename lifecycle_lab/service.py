"""The one service layer behind the three front doors (REST handlers, the CLI, notebook widgets).

It joins the project manifest, the template, the store and the file system;
the rules themselves live in ``domain.py`` and SQL lives in ``store/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import domain as cl
from .clock import parse_utc, utcnow
from .clock import today as utc_today
from .coverage import framework_coverage
from .errors import Conflict, NotFound, ValidationError
from .evidence import NOTEBOOK_EVIDENCE
from .evidence_sources import observe_sources
from .fingerprint import Fingerprint, content_hash, fingerprint, notebook_hash
from .lint import LintReport, lint_project
from .notify.watch import Notifications
from .notify.webhooks import Webhook
from .policy import StagePolicy, apply_expiry, approval_refusal, approvers, role_refusal, roles_of
from .project import Manifest, create_manifest, find_project_dir, read_manifest, stage_policies
from .revalidation import RevalidationStatus, revalidation_status, with_revalidation
from .roles import signoff_roles_json
from .scores import template_score
from .store import DatasetVersion, ProjectRecord, Store
from .templates import TemplateRegistry, framework_registry

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


class Lifecycle:
    """Operations on lifecycle projects, shared by every front door."""

    def __init__(
        self,
        store: Store,
        templates: TemplateRegistry | None = None,
        *,
        clock: Callable[[], str] = utcnow,
        today: Callable[[], dt.date] = utc_today,
        webhooks: Sequence[Webhook] | None = None,
    ) -> None:
        self.store = store
        self.templates = templates or TemplateRegistry()
        self.clock = clock
        self.today = today
        self.role_members: Mapping[str, list[str]] = {}  # role → users and ``group:NAME``s (server settings)
        self.notifications = Notifications(self, webhooks)  # webhooks None: $LIFECYCLE_LAB_WEBHOOKS

    # --- projects ------------------------------------------------------------------------

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

    # --- status ------------------------------------------------------------------------------

    def _current_hash(self, project: Project, path: str) -> str | None:
        try:
            return content_hash(project.directory / path, self.store)
        except (NotFound, OSError):
            return None

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
        last = next((run for run in self.store.list_runs(project.id, REVALIDATION_LOOKBACK, notebooks=True)
                     if run["status"] == "finished" and wanted <= {nb["path"] for nb in run["notebooks"]}), None)
        return revalidation_status(
            section, last=parse_utc(last["finished_at"]).date() if last else None,
            since=parse_utc(project.record.created_at).date(), today=today or self.today(),
            last_run=last["id"] if last else None,
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

    # --- edits ---------------------------------------------------------------------------------

    def set_item(
        self,
        project: Project,
        key: str,
        changes: Mapping[str, Any],
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> cl.ItemState:
        """Apply field changes to an item; Conflict when ``expected_version`` is stale."""
        spec = project.template.item(key)
        if not changes:
            raise ValidationError("no changes given", field=None)
        at = self.clock()
        before = self.notifications.watch(project)
        state = self.store.update_item(
            project.id,
            key,
            lambda current: cl.apply_changes(spec, current, changes, actor=actor, at=at),
            expected_version=expected_version,
            actor=actor,
            at=at,
        )
        self.notifications.changed(project, before, actor=actor)
        return state

    def evidence_change(
        self, project: Project, key: str, evidence: Any, *, actor: str, at: str
    ) -> cl.ItemChange:
        """The change recording ``evidence`` on an item, for the store to apply to the state it reads under its lock.

        Validated and versioned like any edit; a ``todo`` item moves to ``in_progress``.
        """
        spec = project.template.item(key)
        return lambda current: cl.record_evidence(spec, current, evidence, actor=actor, at=at)

    def signoff(
        self, project: Project, stage: str, role: str, decision: str, *, actor: str, comment: str = "",
        groups: Sequence[str] = (),
    ) -> cl.Signoff:
        """Record a reviewer's approve/reject of a stage as it is now, if the stage's policy allows it.

        ``groups`` are the user's JupyterHub groups (for ``role_members`` entries ``group:NAME``).
        PolicyRefused names the rule that refused; Conflict when the stage changed while the rules were checked.
        """
        cl.check_signoff(project.template, stage, role, decision, comment)
        policy = stage_policies(project.manifest, project.template).get(stage)
        checked: str | None = None
        if policy is not None:
            checked = self._check_policy(project, stage, role, decision, policy, actor, groups)
        at = self.clock()

        def make(states: dict[str, cl.ItemState]) -> cl.Signoff:
            snapshot = cl.stage_snapshot(project.template, stage, cl.states_for(project.template, states))
            if checked is not None and snapshot != checked:
                raise Conflict(f"stage {stage!r} changed while its policy was checked; reload it and sign again")
            return cl.Signoff(stage=stage, role=role, decision=decision, comment=comment, user=actor, at=at,
                              snapshot=snapshot)

        before = self.notifications.watch(project)
        signoff = self.store.add_signoff(project.id, make, actor=actor, at=at)
        self.notifications.changed(project, before, actor=actor)
        return signoff

    def _check_policy(self, project: Project, stage: str, role: str, decision: str, policy: StagePolicy,
                      actor: str, groups: Sequence[str]) -> str:
        """Raise PolicyRefused unless the policy lets ``actor`` sign; the stage snapshot the rules judged."""
        user_roles = roles_of(actor, groups, self.role_members)
        summary = self.summary(project)
        if decision == "approve":
            keys = [item.key for item in project.template.stage(stage).items]
            editors = self.store.stage_editors(project.id, stage, role, keys) if policy.separation_of_duties else set()
            refused = approval_refusal(project.template, stage, role, policy, user=actor, user_roles=user_roles,
                                       states=summary.states, stale=summary.stale, editors=editors)
        else:
            refused = role_refusal(project.template, stage, role, policy, actor, user_roles)
        if refused is not None:
            raise refused
        return summary.snapshots[stage]

    def signable(self, project: Project, *, actor: str, groups: Sequence[str] = ()) -> dict[str, Any]:
        """What ``actor`` may sign now, per stage and role: ``approve``/``reject`` allowed, else the refusing rule."""
        policies = stage_policies(project.manifest, project.template)
        user_roles = roles_of(actor, groups, self.role_members)
        summary = self.summary(project)
        stages: dict[str, Any] = {}
        for stage in project.template.stages:
            policy = policies.get(stage.id)
            keys = [item.key for item in stage.items]
            roles = []
            for role in approvers(project.template, stage.id, policy):
                reject = role_refusal(project.template, stage.id, role, policy, actor, user_roles)
                editors = (self.store.stage_editors(project.id, stage.id, role, keys)
                           if policy is not None and policy.separation_of_duties and reject is None else set())
                approve = reject or approval_refusal(
                    project.template, stage.id, role, policy, user=actor, user_roles=user_roles,
                    states=summary.states, stale=summary.stale, editors=editors)
                roles.append({"role": role, "required": role in stage.gate.signoffs,
                              "approve": approve is None, "reject": reject is None,
                              **({"rule": approve.rule, "message": approve.message} if approve else {})})
            stages[stage.id] = {"policy": policy.to_json() if policy else None, "roles": roles}
        return {"user": actor, "roles": sorted(user_roles), "stages": stages}

    def gates(self, project: Project, stage: str | None = None) -> list[cl.GateResult]:
        """Every gate (or one stage's), with its blockers."""
        if stage is not None:
            project.template.stage(stage)  # NotFound for an unknown stage
        summary = self.summary(project)
        return [g for g in summary.gates.values() if stage is None or g.stage == stage]

    # --- datasets -------------------------------------------------------------------------------

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

    # --- the reproducibility lint ---------------------------------------------------------------

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
