"""What is worth telling a team, as pure rules: the changes between two moments of a project.

A :class:`Watched` is the part of a project's state notifications care about;
:func:`transitions` turns two of them into events: a rerun verdict that changed,
a gate that opened or closed, a sign-off that went outdated, a revalidation that
became overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..domain import Summary
from ..revalidation import RevalidationStatus

if TYPE_CHECKING:  # the service imports notifications: only its record type is needed here
    from ..service import Run

EVENT_TYPES = ("verdict_changed", "gate_changed", "signoff_outdated", "revalidation_overdue")


@dataclass(frozen=True)
class Watched:
    """A project's gates, outdated sign-offs, latest rerun verdict and revalidation state at one moment."""

    gates: dict[str, bool]
    outdated: dict[int, dict[str, Any]]  # sign-off id → {stage, role, user}
    verdict: str | None = None
    run_id: str | None = None
    overdue: bool = False
    next_due: str | None = None


@dataclass(frozen=True)
class Event:
    """One notification: its type, a one-line human text and the structured details."""

    type: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)


def watched(summary: Summary, latest_run: Run | None,
            revalidation: RevalidationStatus | None) -> Watched:
    """What notifications watch, from a project's summary, its latest finished run and its schedule."""
    outdated = {s.id: {"stage": s.stage, "role": s.role, "user": s.user} for s in summary.signoffs
                if s.id is not None and s.id in summary.outdated_signoffs}
    return Watched(
        gates={stage: gate.passed for stage, gate in summary.gates.items()},
        outdated=outdated,
        verdict=latest_run.verdict if latest_run else None,
        run_id=latest_run.id if latest_run else None,
        overdue=bool(revalidation and revalidation.overdue),
        next_due=revalidation.next_due.isoformat() if revalidation else None,
    )


def transitions(before: Watched, after: Watched, stage_titles: dict[str, str]) -> list[Event]:
    """The events between two moments (none when nothing notifications care about changed)."""
    events: list[Event] = []
    if before.verdict and after.verdict and before.verdict != after.verdict and before.run_id != after.run_id:
        events.append(Event("verdict_changed", f"rerun verdict changed from {_words(before.verdict)} to "
                                               f"{_words(after.verdict)} (run {after.run_id})",
                            {"before": before.verdict, "after": after.verdict, "run_id": after.run_id}))
    for stage, passed in after.gates.items():
        if stage in before.gates and before.gates[stage] != passed:
            title = stage_titles.get(stage, stage)
            events.append(Event("gate_changed", f"gate {title} {'opened' if passed else 'closed'}",
                                {"stage": stage, "passed": passed}))
    for signoff_id, signoff in after.outdated.items():
        if signoff_id not in before.outdated:
            title = stage_titles.get(signoff["stage"], signoff["stage"])
            events.append(Event("signoff_outdated",
                                f"the sign-off of {title} by {signoff['user']} as {signoff['role']} is outdated",
                                {"signoff_id": signoff_id, **signoff}))
    if after.overdue and not before.overdue:
        events.append(Event("revalidation_overdue", f"revalidation overdue since {after.next_due}",
                            {"next_due": after.next_due}))
    return events


def _words(verdict: str) -> str:
    return verdict.replace("_", " ")
