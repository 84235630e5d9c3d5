"""Derived views: progress, overdue and stale items, the gates and their blockers, a project's summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..evidence import NOTEBOOK_EVIDENCE, evidence_failure, has_evidence, origin_key
from .items import CLOSED, ItemState, Signoff, stage_snapshot, states_for
from .template import ItemSpec, Template


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
