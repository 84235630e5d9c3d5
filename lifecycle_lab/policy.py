"""Sign-off policy: who may approve a stage, separation of duties, evidence first, and when an approval expires.

Pure rules: no files, no database, no clock. A policy is stated per stage, in the
template (a stage's ``policy:``) or in the project's manifest (``policy:`` mapping
stage ids to the same keys, which override the template's key by key). Users and
JupyterHub groups are mapped to roles in the server settings (``role_members``).
The service asks :func:`approval_refusal` before it records a sign-off, so the
CLI, the REST API and the notebook widgets obey the same rules; see docs/policy.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .errors import LifecycleError
from .evidence import evidence_failure, has_evidence
from .identity import parse_actor

if TYPE_CHECKING:
    from .domain import ItemState, Signoff, Summary, Template

_SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
_KEY = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$"}
REQUIRED_ITEMS = "required"

STAGE_POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "roles": {"type": "array", "items": _SLUG, "minItems": 1,
                  "description": "Roles that may approve the stage (default: the gate's sign-off roles)."},
        "separation_of_duties": {"type": "boolean",
                                 "description": "Whoever changed an item of the stage since the role's last "
                                                "approval may not approve it."},
        "require_evidence": {
            "description": "Items whose evidence must be present, passing and current before approval: "
                           "'required' (the gate's required items) or a list of stage/item keys.",
            "oneOf": [{"const": REQUIRED_ITEMS}, {"type": "array", "items": _KEY}],
        },
        "expires_after_days": {"type": "integer", "minimum": 1,
                               "description": "An approval older than this many days is outdated."},
    },
}
POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Sign-off policy by stage id (docs/policy.md); overrides the template's stage policies.",
    "propertyNames": _SLUG,
    "additionalProperties": STAGE_POLICY_SCHEMA,
}

GROUP_PREFIX = "group:"
# The rules a refusal names, and the HTTP status each answers with: who may sign (403), the stage's state (409).
RULE_STATUS: dict[str, int] = {"role": 403, "separation_of_duties": 403, "evidence": 409}


class PolicyRefused(LifecycleError):
    """A sign-off the stage's policy does not allow; ``rule`` names the rule that refused it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule

    @property
    def status(self) -> int:
        """The HTTP status: 403 when the user may not sign so, 409 when the stage is not ready to be approved."""
        return RULE_STATUS[self.rule]


@dataclass(frozen=True)
class StagePolicy:
    """The sign-off rules of one stage."""

    roles: tuple[str, ...] | None = None
    separation_of_duties: bool = False
    require_evidence: tuple[str, ...] | str = ()
    expires_after_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON (the shape of the YAML)."""
        evidence = self.require_evidence
        return {"roles": list(self.roles) if self.roles is not None else None,
                "separation_of_duties": self.separation_of_duties,
                "require_evidence": evidence if isinstance(evidence, str) else list(evidence),
                "expires_after_days": self.expires_after_days}


def stage_policy(data: Mapping[str, Any]) -> StagePolicy:
    """A stage's policy from its (validated) YAML mapping."""
    evidence = data.get("require_evidence", ())
    return StagePolicy(
        roles=tuple(data["roles"]) if data.get("roles") else None,
        separation_of_duties=bool(data.get("separation_of_duties", False)),
        require_evidence=evidence if isinstance(evidence, str) else tuple(evidence),
        expires_after_days=data.get("expires_after_days"),
    )


def effective_policies(template: Template, manifest_policy: Mapping[str, Any]) -> dict[str, StagePolicy]:
    """Every stage's policy: the template stage's, with the manifest's keys for that stage on top."""
    policies: dict[str, StagePolicy] = {}
    for stage in template.stages:
        data = {**(stage.policy or {}), **(manifest_policy.get(stage.id) or {})}
        if data:
            policies[stage.id] = stage_policy(data)
    return policies


def policy_problems(policy: Mapping[str, Any], template: Template) -> list[tuple[list[Any], str]]:
    """What a (schema-valid) manifest policy names that the template lacks: (path in the policy, message) pairs."""
    problems: list[tuple[list[Any], str]] = []
    stages = {stage.id for stage in template.stages}
    roles = template.role_ids()
    keys = {item.key for item in template.items()}
    for stage_id, rules in policy.items():
        if stage_id not in stages:
            problems.append(([stage_id], f"template {template.id!r} has no stage {stage_id!r}"))
            continue
        for index, role in enumerate(rules.get("roles") or []):
            if role not in roles:
                problems.append(([stage_id, "roles", index], f"unknown role {role!r}"))
        evidence = rules.get("require_evidence")
        for index, key in enumerate(evidence if isinstance(evidence, list) else []):
            if key not in keys:
                problems.append(([stage_id, "require_evidence", index], f"unknown item {key!r}"))
    return problems


def roles_of(user: str, groups: Iterable[str], role_members: Mapping[str, Iterable[str]]) -> set[str]:
    """The roles the settings give ``user`` (a recorded actor, ``Name <username>``, or a bare username): listed by
    username, or through one of ``groups`` (``group:NAME``)."""
    names = {user, parse_actor(user).username, *(f"{GROUP_PREFIX}{group}" for group in groups)}
    return {role for role, members in role_members.items() if names & set(members)}


def approvers(template: Template, stage_id: str, policy: StagePolicy | None) -> tuple[str, ...]:
    """The roles that may sign a stage: the policy's, else the gate's, else every declared role."""
    if policy is not None and policy.roles is not None:
        return policy.roles
    stage = template.stage(stage_id)
    return stage.gate.signoffs or tuple(role.id for role in template.roles)


def evidence_keys(template: Template, stage_id: str, policy: StagePolicy) -> list[str]:
    """The items whose evidence must be present and passing before the stage may be approved."""
    if policy.require_evidence != REQUIRED_ITEMS:
        return list(policy.require_evidence)
    stage = template.stage(stage_id)
    keys = [item.key for item in stage.items if item.required]
    return keys + [key for key in stage.gate.requires if key not in keys]


def role_refusal(template: Template, stage_id: str, role: str, policy: StagePolicy | None,
                 user: str, user_roles: set[str] | None) -> PolicyRefused | None:
    """Why ``user`` may not sign ``stage_id`` as ``role`` (approve or reject), or None.

    ``user_roles`` are the roles the settings map the user to; with a policy on the stage the user must hold
    the role they sign as. Without a policy anyone may sign as any of the stage's roles (as before policies).
    """
    if policy is None:
        return None
    allowed = approvers(template, stage_id, policy)
    if role not in allowed:
        return PolicyRefused("role", f"role: the policy of stage {stage_id!r} lets only "
                                     f"{', '.join(allowed)} approve it, not {role!r}")
    if role not in (user_roles or set()):
        return PolicyRefused("role", f"role: {user} is not mapped to role {role!r} in the server settings "
                                     "(LifecycleLabApp.role_members), which the policy of stage "
                                     f"{stage_id!r} requires")
    return None


def approval_refusal(
    template: Template,
    stage_id: str,
    role: str,
    policy: StagePolicy | None,
    *,
    user: str,
    user_roles: set[str] | None,
    states: Mapping[str, ItemState],
    stale: Mapping[str, list[str]],
    editors: set[str],
) -> PolicyRefused | None:
    """The first rule that refuses ``user``'s approval of ``stage_id`` as ``role``, or None when all allow it.

    ``editors`` are the users who changed an item of the stage since ``role``'s last approval of it.
    Rules in order: role, separation of duties, evidence.
    """
    refused = role_refusal(template, stage_id, role, policy, user, user_roles)
    if refused is not None or policy is None:
        return refused
    if policy.separation_of_duties and user in editors:
        return PolicyRefused("separation_of_duties",
                             f"separation_of_duties: {user} changed an item of stage {stage_id!r} since its last "
                             f"approval as {role}, so someone else must approve it")
    for key in evidence_keys(template, stage_id, policy):
        spec, state = template.item(key), states.get(key)
        value = state.evidence if state is not None else None
        if state is not None and state.status == "not_applicable":
            continue
        if not has_evidence(spec.evidence, value):
            why = f"{key} has no {spec.evidence} evidence"
        elif failure := evidence_failure(spec.evidence, value):
            why = f"{key}: {failure}"
        elif stale.get(key):
            why = f"{key}: {stale[key][0]}"
        else:
            continue
        return PolicyRefused("evidence", f"evidence: the policy of stage {stage_id!r} needs evidence present and "
                                         f"passing before approval: {why}")
    return None


def expired(signoff: Signoff, policy: StagePolicy | None, now: dt.datetime) -> bool:
    """Whether an approval is older than its stage's ``expires_after_days``."""
    if policy is None or policy.expires_after_days is None or signoff.decision != "approve":
        return False
    at = dt.datetime.fromisoformat(signoff.at.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return now - at > dt.timedelta(days=policy.expires_after_days)


def apply_expiry(summary: Summary, template: Template, policies: Mapping[str, StagePolicy],
                 now: dt.datetime) -> Summary:
    """The summary with approvals older than their stage's expiry outdated: marked so, and blocking the gate."""
    from .domain import Blocker, latest_signoffs

    old = {s.id for s in summary.signoffs if s.id is not None and expired(s, policies.get(s.stage), now)}
    if not old:
        return summary
    gates = dict(summary.gates)
    for (stage_id, role), signoff in latest_signoffs(summary.signoffs).items():
        gate = gates.get(stage_id)
        if gate is None or signoff.id not in old or role not in template.stage(stage_id).gate.signoffs:
            continue
        if any(b.target == role and b.kind.startswith("signoff_") for b in gate.blockers):
            continue  # already blocked for that role (outdated by a change, or rejected)
        days = policies[stage_id].expires_after_days
        blocker = Blocker("signoff_expired", role, f"{role}'s approval of {signoff.at[:10]} is older than "
                                                   f"{days} days (the stage's policy)")
        gates[stage_id] = replace(gate, passed=False, blockers=(*gate.blockers, blocker))
    return replace(summary, gates=gates, outdated_signoffs=summary.outdated_signoffs | old)

