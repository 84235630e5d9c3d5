"""Item states and sign-offs, and the rules that change them: edits, evidence, the stage snapshot a sign-off signs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ValidationError
from ..evidence import validate_evidence
from .audit import canonical_json
from .template import ItemSpec, Template

STATUSES: tuple[str, ...] = ("todo", "in_progress", "done", "blocked", "not_applicable")
CLOSED: frozenset[str] = frozenset({"done", "not_applicable"})
DECISIONS: tuple[str, ...] = ("approve", "reject")
EDITABLE_FIELDS: frozenset[str] = frozenset({"status", "owner", "due", "notes", "justification", "evidence"})
MAX_TEXT = 100_000
MAX_NAME = 200


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


def states_for(template: Template, recorded: Mapping[str, ItemState]) -> dict[str, ItemState]:
    """A state for every template item: the recorded one, or a fresh ``todo``."""
    return {item.key: recorded.get(item.key) or ItemState(key=item.key) for item in template.items()}


def stage_snapshot(template: Template, stage_id: str, states: Mapping[str, ItemState]) -> str:
    """sha256 of the content of every item of the stage; changes whenever any of them changes."""
    stage = template.stage(stage_id)
    content = [
        [item.key, (states.get(item.key) or ItemState(item.key)).content()] for item in stage.items
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


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
