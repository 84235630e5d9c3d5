"""The checklist's rules: templates, item states, progress, gates, staleness and sign-off snapshots.

Pure domain: no files, no database, no clock. Callers pass in everything a rule
depends on (today's date, current fingerprints) so every rule is a function of
its arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import NotFound, ValidationError
from .evidence import NOTEBOOK_EVIDENCE, evidence_failure, has_evidence, origin_key, validate_evidence

STATUSES: tuple[str, ...] = ("todo", "in_progress", "done", "blocked", "not_applicable")
CLOSED: frozenset[str] = frozenset({"done", "not_applicable"})
DECISIONS: tuple[str, ...] = ("approve", "reject")
EDITABLE_FIELDS: frozenset[str] = frozenset({"status", "owner", "due", "notes", "justification", "evidence"})
MAX_TEXT = 100_000
MAX_NAME = 200


@dataclass(frozen=True)
class Role:
    """A role that owns items or signs stages off (e.g. security, legal, product)."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class ItemSpec:
    """One checklist item as the template defines it."""

    stage: str
    id: str
    title: str
    evidence: str
    required: bool = False
    guidance: str = ""
    why: str = ""
    owner_role: str | None = None
    automatable: bool = False
    refs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The item's address, ``stage-id/item-id``."""
        return f"{self.stage}/{self.id}"


@dataclass(frozen=True)
class Gate:
    """What closes a stage: sign-offs by roles and further required items."""

    signoffs: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    """A lifecycle stage: its items and its gate."""

    id: str
    title: str
    items: tuple[ItemSpec, ...]
    gate: Gate = Gate()
    description: str = ""
    section: str | None = None
    policy: Mapping[str, Any] | None = field(default=None, compare=False)  # sign-off policy YAML (policy.py)


@dataclass(frozen=True)
class Template:
    """A validated checklist template."""

    id: str
    version: str
    title: str
    stages: tuple[Stage, ...]
    roles: tuple[Role, ...] = ()
    description: str = ""
    source: str = ""
    scoring: str | None = None
    path: str | None = None
    _index: dict[str, ItemSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({item.key: item for stage in self.stages for item in stage.items})

    def items(self) -> Iterator[ItemSpec]:
        """Every item, in template order."""
        for stage in self.stages:
            yield from stage.items

    def item(self, key: str) -> ItemSpec:
        """The item at ``stage/item``; NotFound when the template has no such item."""
        try:
            return self._index[key]
        except KeyError:
            raise NotFound(f"template {self.id!r} has no item {key!r}") from None

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id; NotFound otherwise."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise NotFound(f"template {self.id!r} has no stage {stage_id!r}")

    def role_ids(self) -> set[str]:
        """Ids of the declared roles."""
        return {role.id for role in self.roles}


@dataclass(frozen=True)
class ItemState:
    """The recorded state of one item in one project."""

    key: str
    status: str = "todo"
    owner: str | None = None
    due: dt.date | None = None
    notes: str = ""
    justification: str = ""
    evidence: Any = None
    version: int = 0
    updated_by: str | None = None
    updated_at: str | None = None

    def content(self) -> dict[str, Any]:
        """The user-meaningful fields (no version or authorship), as JSON."""
        return {
            "status": self.status,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "notes": self.notes,
            "justification": self.justification,
            "evidence": self.evidence,
        }

    def to_json(self) -> dict[str, Any]:
        """Everything, as JSON."""
        return {
            "key": self.key,
            **self.content(),
            "version": self.version,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemState:
        """Inverse of :meth:`to_json`."""
        due = data.get("due")
        return cls(
            key=data["key"],
            status=data.get("status", "todo"),
            owner=data.get("owner"),
            due=dt.date.fromisoformat(due) if due else None,
            notes=data.get("notes") or "",
            justification=data.get("justification") or "",
            evidence=data.get("evidence"),
            version=int(data.get("version", 0)),
            updated_by=data.get("updated_by"),
            updated_at=data.get("updated_at"),
        )


# A change of an item's state, given to the store, which applies it to the state it reads under the project's lock.
ItemChange = Callable[[ItemState], ItemState]


@dataclass(frozen=True)
class Signoff:
    """A reviewer's decision on a stage, with the snapshot hash of the stage when it was made."""

    stage: str
    role: str
    decision: str
    user: str
    at: str
    snapshot: str
    comment: str = ""
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "id": self.id,
            "stage": self.stage,
            "role": self.role,
            "decision": self.decision,
            "comment": self.comment,
            "user": self.user,
            "at": self.at,
            "snapshot": self.snapshot,
        }


@dataclass(frozen=True)
class Blocker:
    """One reason a gate is closed."""

    # open, missing_evidence, failing_evidence, stale_evidence,
    # signoff_missing, signoff_rejected or signoff_outdated
    kind: str
    target: str  # an item key or a role id
    message: str

    def to_json(self) -> dict[str, str]:
        """As JSON."""
        return {"kind": self.kind, "target": self.target, "message": self.message}


@dataclass(frozen=True)
class GateResult:
    """Whether a stage's gate passes, and what blocks it."""

    stage: str
    passed: bool
    blockers: tuple[Blocker, ...]

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"stage": self.stage, "passed": self.passed, "blockers": [b.to_json() for b in self.blockers]}


@dataclass(frozen=True)
class Progress:
    """Closed items over applicable items."""

    done: int
    applicable: int
    total: int

    @property
    def ratio(self) -> float:
        """Share of applicable items that are done (1.0 when nothing applies)."""
        return self.done / self.applicable if self.applicable else 1.0

    def to_json(self) -> dict[str, Any]:
        """As JSON, with the percentage rounded down."""
        return {
            "done": self.done,
            "applicable": self.applicable,
            "total": self.total,
            "percent": int(self.ratio * 100),
        }


@dataclass(frozen=True)
class Observations:
    """What the world looks like now, for staleness: current content hashes by name.

    ``datasets`` maps dataset name → current fingerprint (None when the data is
    missing); ``notebooks`` maps project-relative notebook path → current sha256;
    ``sources`` maps an imported evidence's origin (``evidence.origin_key``) → the
    digest of that source now (None when it is gone).
    A name absent from a mapping was not observed and never makes anything stale.
    """

    datasets: Mapping[str, str | None] = field(default_factory=dict)
    notebooks: Mapping[str, str | None] = field(default_factory=dict)
    sources: Mapping[str, str | None] = field(default_factory=dict)  # origin_key → digest of the source now


# --- item edits ---------------------------------------------------------------------------


def _text(changes: Mapping[str, Any], name: str, limit: int) -> str:
    value = changes[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{name}: must be a string", field=name)
    if len(value) > limit:
        raise ValidationError(f"{name}: longer than {limit} characters", field=name)
    return value


def parse_due(value: Any) -> dt.date | None:
    """A due date from ``YYYY-MM-DD`` (or None to clear it)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(f"due: {value!r} is not a date (use YYYY-MM-DD)", field="due")


def apply_changes(
    spec: ItemSpec, state: ItemState, changes: Mapping[str, Any], *, actor: str, at: str
) -> ItemState:
    """The item's next state after ``changes``; ValidationError naming the field when a rule is broken."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            f"{unknown[0]}: not an editable field (editable: {', '.join(sorted(EDITABLE_FIELDS))})",
            field=unknown[0],
        )
    updates: dict[str, Any] = {}
    if "status" in changes:
        status = changes["status"]
        if status not in STATUSES:
            raise ValidationError(f"status: {status!r} is not one of {', '.join(STATUSES)}", field="status")
        updates["status"] = status
    if "owner" in changes:
        owner = _text(changes, "owner", MAX_NAME).strip()
        updates["owner"] = owner or None
    if "due" in changes:
        updates["due"] = parse_due(changes["due"])
    if "notes" in changes:
        updates["notes"] = _text(changes, "notes", MAX_TEXT)
    if "justification" in changes:
        updates["justification"] = _text(changes, "justification", MAX_TEXT)
    if "evidence" in changes:
        validate_evidence(spec.evidence, changes["evidence"])
        updates["evidence"] = changes["evidence"]
    new = replace(state, **updates)
    if new.status == "not_applicable" and not new.justification.strip():
        raise ValidationError(
            "justification: an item marked not_applicable needs a justification", field="justification"
        )
    return replace(new, version=state.version + 1, updated_by=actor, updated_at=at)


def record_evidence(spec: ItemSpec, state: ItemState, evidence: Any, *, actor: str, at: str) -> ItemState:
    """The item's next state with ``evidence`` recorded: a ``todo`` item also starts (``in_progress``)."""
    changes: dict[str, Any] = {"evidence": evidence}
    if state.status == "todo":
        changes["status"] = "in_progress"
    return apply_changes(spec, state, changes, actor=actor, at=at)


# --- derived views --------------------------------------------------------------------------


def states_for(template: Template, recorded: Mapping[str, ItemState]) -> dict[str, ItemState]:
    """A state for every template item: the recorded one, or a fresh ``todo``."""
    return {item.key: recorded.get(item.key) or ItemState(key=item.key) for item in template.items()}


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for hashing: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def stage_snapshot(template: Template, stage_id: str, states: Mapping[str, ItemState]) -> str:
    """sha256 of the content of every item of the stage; changes whenever any of them changes."""
    stage = template.stage(stage_id)
    content = [
        [item.key, (states.get(item.key) or ItemState(item.key)).content()] for item in stage.items
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def latest_signoffs(signoffs: Iterable[Signoff]) -> dict[tuple[str, str], Signoff]:
    """The latest sign-off per (stage, role): a later decision replaces an earlier one."""
    latest: dict[tuple[str, str], Signoff] = {}
    for signoff in signoffs:  # callers pass them in recording order
        latest[(signoff.stage, signoff.role)] = signoff
    return latest


def progress(items: Iterable[ItemSpec], states: Mapping[str, ItemState]) -> Progress:
    """Done items over applicable (not not_applicable) items."""
    done = applicable = total = 0
    for item in items:
        total += 1
        status = states[item.key].status if item.key in states else "todo"
        if status == "not_applicable":
            continue
        applicable += 1
        done += status == "done"
    return Progress(done=done, applicable=applicable, total=total)


def is_overdue(state: ItemState, today: dt.date) -> bool:
    """An open item whose due date has passed."""
    return state.due is not None and state.due < today and state.status not in CLOSED


def stale_reasons(spec: ItemSpec, state: ItemState, seen: Observations) -> list[str]:
    """Why the item's evidence no longer describes the world (empty when it still does)."""
    evidence = state.evidence
    if not isinstance(evidence, dict):
        return []
    reasons: list[str] = []
    source = origin_key(evidence.get("origin"))
    if source is not None and source in seen.sources:
        origin, current = evidence["origin"], seen.sources[source]
        if current is None:
            reasons.append(f"{origin['type']} run {origin['run_id']} is gone from {origin.get('tracking_uri')}")
        elif current != origin.get("digest"):
            reasons.append(f"{origin['type']} run {origin['run_id']} changed after it was imported")
    refs = evidence.get("versions", []) if spec.evidence == "datasets" else []
    if spec.evidence == "rerun":
        refs = evidence.get("datasets", [])
    if spec.evidence in NOTEBOOK_EVIDENCE:
        checked = "the rerun that verified it" if spec.evidence == "rerun" else "the lint that checked it"
        for nb in evidence.get("notebooks", []):
            path, recorded = nb.get("path"), nb.get("sha256")
            if recorded and path in seen.notebooks and seen.notebooks[path] != recorded:
                reasons.append(f"notebook {path} changed after {checked}")
    for ref in refs:
        name, recorded = ref.get("dataset"), ref.get("fingerprint")
        if recorded and name in seen.datasets:
            current = seen.datasets[name]
            if current is None:
                reasons.append(f"dataset {name} is missing")
            elif current != recorded:
                reasons.append(f"dataset {name} changed since version {ref.get('version')} was recorded")
    return reasons


def item_blockers(spec: ItemSpec, state: ItemState, stale: Mapping[str, list[str]]) -> list[Blocker]:
    """What keeps one item from satisfying its gate (empty when it does): the rule gates and coverage share."""
    if state.status not in CLOSED:
        return [Blocker("open", spec.key, f"{spec.title} is {state.status.replace('_', ' ')}")]
    if state.status == "done" and not has_evidence(spec.evidence, state.evidence):
        return [Blocker("missing_evidence", spec.key, f"{spec.title} is done but has no {spec.evidence} evidence")]
    failure = evidence_failure(spec.evidence, state.evidence) if state.status == "done" else None
    if failure:
        return [Blocker("failing_evidence", spec.key, f"{spec.title}: {failure}")]
    if state.status == "done" and stale.get(spec.key):
        return [Blocker("stale_evidence", spec.key, f"{spec.title}: {stale[spec.key][0]}")]
    return []


def evaluate_gate(
    template: Template,
    stage_id: str,
    states: Mapping[str, ItemState],
    signoffs: Mapping[tuple[str, str], Signoff],
    stale: Mapping[str, list[str]],
    snapshot: str | None = None,
) -> GateResult:
    """The gate of a stage: its required items and ``requires``, then its sign-offs."""
    stage = template.stage(stage_id)
    blockers: list[Blocker] = []
    required = [item for item in stage.items if item.required]
    required += [template.item(key) for key in stage.gate.requires if key not in {i.key for i in required}]
    for spec in required:
        blockers += item_blockers(spec, states.get(spec.key) or ItemState(spec.key), stale)
    if stage.gate.signoffs:
        snapshot = snapshot or stage_snapshot(template, stage_id, states)
        for role in stage.gate.signoffs:
            signoff = signoffs.get((stage_id, role))
            if signoff is None:
                blockers.append(Blocker("signoff_missing", role, f"no sign-off from {role}"))
            elif signoff.decision != "approve":
                blockers.append(Blocker("signoff_rejected", role, f"{role} rejected: {signoff.comment}".rstrip(": ")))
            elif signoff.snapshot != snapshot:
                blockers.append(
                    Blocker("signoff_outdated", role, f"{role} approved an earlier state of the stage")
                )
    return GateResult(stage=stage_id, passed=not blockers, blockers=tuple(blockers))


@dataclass(frozen=True)
class Summary:
    """Everything derived from a project's recorded state: the status view."""

    states: dict[str, ItemState]
    overall: Progress
    stages: dict[str, Progress]
    gates: dict[str, GateResult]
    overdue: list[str]
    stale: dict[str, list[str]]
    snapshots: dict[str, str]
    signoffs: list[Signoff]
    outdated_signoffs: set[int]

    @property
    def ready(self) -> bool:
        """Every gate passes."""
        return all(gate.passed for gate in self.gates.values())


def summarize(
    template: Template,
    recorded: Mapping[str, ItemState],
    signoffs: Iterable[Signoff],
    *,
    today: dt.date,
    seen: Observations | None = None,
) -> Summary:
    """Progress, overdue items, stale evidence and every gate, computed in one pass."""
    seen = seen or Observations()
    states = states_for(template, recorded)
    signoff_list = list(signoffs)
    latest = latest_signoffs(signoff_list)
    stale = {}
    for item in template.items():
        reasons = stale_reasons(item, states[item.key], seen)
        if reasons:
            stale[item.key] = reasons
    snapshots = {stage.id: stage_snapshot(template, stage.id, states) for stage in template.stages}
    gates = {
        stage.id: evaluate_gate(template, stage.id, states, latest, stale, snapshots[stage.id])
        for stage in template.stages
    }
    outdated = {
        s.id for s in signoff_list if s.id is not None and s.stage in snapshots and s.snapshot != snapshots[s.stage]
    }
    return Summary(
        states=states,
        overall=progress(template.items(), states),
        stages={stage.id: progress(stage.items, states) for stage in template.stages},
        gates=gates,
        overdue=[key for key, state in states.items() if is_overdue(state, today)],
        stale=stale,
        snapshots=snapshots,
        signoffs=signoff_list,
        outdated_signoffs=outdated,
    )


def check_signoff(template: Template, stage_id: str, role: str, decision: str, comment: str) -> None:
    """ValidationError/NotFound unless this is a sign-off the template allows."""
    stage = template.stage(stage_id)
    if decision not in DECISIONS:
        raise ValidationError(f"decision: {decision!r} is not one of approve, reject", field="decision")
    allowed = set(stage.gate.signoffs) or template.role_ids()
    if role not in allowed:
        raise ValidationError(
            f"role: {role!r} does not sign off stage {stage_id!r} (expected one of {', '.join(sorted(allowed))})",
            field="role",
        )
    if not isinstance(comment, str) or len(comment) > MAX_TEXT:
        raise ValidationError("comment: must be a string of at most 100000 characters", field="comment")
    if decision == "reject" and not comment.strip():
        raise ValidationError("comment: a rejection needs a comment saying what to fix", field="comment")
