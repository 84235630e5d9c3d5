"""Scheduled revalidation, as pure rules: the cadence, when the next one is due, and the gate blocker when late.

No I/O and no clock of its own: the caller passes the last revalidation, the
date the schedule started from and ``today`` (an injectable clock), so a test
can move time freely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from .domain import Blocker, GateResult, Summary, Template
from .errors import ValidationError

REVALIDATION_ITEM = "post-deployment/revalidation-schedule"
OVERDUE = "revalidation_overdue"
_UNITS = {"d": 1, "w": 7}


def parse_every(text: str) -> dt.timedelta:
    """``30d`` or ``4w`` as a timedelta; ValidationError for anything else."""
    value = str(text).strip()
    if len(value) < 2 or value[-1] not in _UNITS or not value[:-1].isdigit() or int(value[:-1]) < 1:
        raise ValidationError(f"revalidate.every: {text!r} is not a cadence like 30d or 4w", field="revalidate.every")
    return dt.timedelta(days=int(value[:-1]) * _UNITS[value[-1]])


@dataclass(frozen=True)
class RevalidationStatus:
    """Where a project stands with its revalidation schedule."""

    every: str
    last: dt.date | None  # the day the latest revalidation finished (None: never)
    next_due: dt.date
    overdue: bool  # the due date has passed
    due: bool  # due today or overdue: ``revalidate --due`` reruns it
    notebooks: tuple[str, ...]
    datasets: tuple[str, ...]
    last_run: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON (dates as YYYY-MM-DD), with the item it belongs to."""
        return {"every": self.every, "last": self.last.isoformat() if self.last else None,
                "next_due": self.next_due.isoformat(), "overdue": self.overdue, "due": self.due,
                "notebooks": list(self.notebooks), "datasets": list(self.datasets), "last_run": self.last_run,
                "item": REVALIDATION_ITEM}


def revalidation_status(section: dict[str, Any], *, last: dt.date | None, since: dt.date, today: dt.date,
                        last_run: str | None = None) -> RevalidationStatus:
    """The status of the manifest's ``revalidate`` ``section``: next due ``every`` after ``last`` (or ``since``)."""
    every = parse_every(section["every"])
    next_due = (last or since) + every
    return RevalidationStatus(every=section["every"], last=last, next_due=next_due, overdue=today > next_due,
                              due=today >= next_due, notebooks=tuple(section.get("notebooks") or ()),
                              datasets=tuple(section.get("datasets") or ()), last_run=last_run)


def blocked_stage(template: Template) -> str:
    """The stage whose gate an overdue revalidation blocks: the revalidation item's, else the last stage."""
    for stage in template.stages:
        if any(item.key == REVALIDATION_ITEM for item in stage.items):
            return stage.id
    return template.stages[-1].id


def overdue_blocker(status: RevalidationStatus) -> Blocker:
    """The gate blocker of an overdue revalidation."""
    when = f"last on {status.last.isoformat()}" if status.last else "never run"
    return Blocker(OVERDUE, REVALIDATION_ITEM,
                   f"the revalidation every {status.every} was due on {status.next_due.isoformat()} ({when})")


def with_revalidation(summary: Summary, template: Template, status: RevalidationStatus | None) -> Summary:
    """``summary`` with an overdue revalidation blocking its stage's gate (unchanged when not overdue)."""
    if status is None or not status.overdue:
        return summary
    stage = blocked_stage(template)
    gate = summary.gates[stage]
    blocked = GateResult(stage=stage, passed=False, blockers=(*gate.blockers, overdue_blocker(status)))
    return replace(summary, gates={**summary.gates, stage: blocked})
