"""Items and sign-offs: edit an item (optimistic concurrency), record evidence, sign a stage off under its policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import domain as cl
from ..errors import Conflict, ValidationError
from ..policy import StagePolicy, approval_refusal, approvers, role_refusal, roles_of
from ..project import stage_policies
from ..store.store import ItemWrite
from .base import ServiceBase
from .records import Project


class Items(ServiceBase):
    """Writes and reads of item states and sign-offs (mixed into :class:`~lifecycle_lab.service.Lifecycle`)."""

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
        return self.edit_item(project, key, changes, actor=actor, expected_version=expected_version).state

    def edit_item(
        self, project: Project, key: str, changes: Mapping[str, Any], *, actor: str,
        expected_version: int | None = None,
    ) -> ItemWrite:
        """:meth:`set_item`, also answering the change feed's position after the edit (its audit ``seq``), so a
        client polling the feed from there does not take its own edit for someone else's."""
        spec = project.template.item(key)
        if not changes:
            raise ValidationError("no changes given", field=None)
        at = self.clock()
        before = self.notifications.watch(project)
        written = self.store.write_item(
            project.id, key, lambda current: cl.apply_changes(spec, current, changes, actor=actor, at=at),
            expected_version=expected_version, actor=actor, at=at,
        )
        self.notifications.changed(project, before, actor=actor)
        return written

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


    def item(self, project_id: str, key: str) -> cl.ItemState:
        """The recorded state of an item (a fresh ``todo`` state when nothing is recorded)."""
        return self.store.item(project_id, key)

    def items(self, project_id: str) -> dict[str, cl.ItemState]:
        """Every recorded item state of a project, by key."""
        return self.store.items(project_id)

    def signoffs(self, project_id: str) -> list[cl.Signoff]:
        """Every sign-off of a project, oldest first."""
        return self.store.signoffs(project_id)
