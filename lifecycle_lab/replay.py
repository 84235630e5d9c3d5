"""State replay: rebuild a project's item states, sign-offs and record from its audit events and compare.

Every ``item.*`` event carries the item's whole state before and after, a
``signoff`` event the sign-off, ``project.*`` events the project record. So the
last event of an item must equal its row in the items table, each event's
*before* must equal the previous event's *after* (otherwise the item changed
between them without an event), and every sign-off row must be one an event
recorded. A direct edit of the tables shows up as a difference naming the item
and the field. Pure: the caller reads the rows.

Events are compared as the canonical text they are stored as; only the last
state of each item is parsed, which keeps a replay of 100,000 events fast.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .domain import canonical_json
from .store.audit import ChainRow, decode

_MAX_SHOWN = 80  # characters of a value quoted in a message


@dataclass(frozen=True)
class Difference:
    """One way the stored state differs from what the audit events say."""

    kind: str  # item | signoff | project
    target: str  # the item key, the sign-off's stage/role, the project id
    field: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return dict(self.__dict__)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 1] + "…"


def _field_differences(kind: str, target: str, replayed: Mapping[str, Any], stored: Mapping[str, Any],
                       where: str, skip: tuple[str, ...] = ()) -> list[Difference]:
    found = []
    for field in sorted(set(replayed) | set(stored)):
        if field in skip or replayed.get(field) == stored.get(field):
            continue
        found.append(Difference(kind, target, field, (
            f"{kind} {target}: {field} is {_show(stored.get(field))} in the {kind}s table but "
            f"{_show(replayed.get(field))} {where}")))
    return found


def _replay_items(rows: Sequence[ChainRow], items: Mapping[str, Mapping[str, Any]]) -> list[Difference]:
    last: dict[str, tuple[int, str]] = {}  # item key -> (seq, after text) of its latest event
    found: list[Difference] = []
    for row in rows:
        seq, action, target, before = row[0], row[3], row[4], row[5]
        if not action.startswith("item."):
            continue
        prev_seq, prev_after = last.get(target, (0, "null"))
        if before != prev_after and canonical_json(decode(before)) != canonical_json(decode(prev_after)):
            then = decode(prev_after) or {}
            now = decode(before) or {}
            fields = sorted(k for k in set(then) | set(now) if then.get(k) != now.get(k)) if isinstance(
                then, dict) and isinstance(now, dict) else []
            since = f"event {prev_seq}" if prev_seq else "its first event"
            found.append(Difference("item", target, fields[0] if fields else None, (
                f"item {target}: changed outside the audit log between {since} and event {seq} "
                f"({', '.join(fields) or 'its whole state'})")))
        last[target] = (seq, row[6])
    for key in sorted(set(last) | set(items)):
        if key not in items:
            found.append(Difference("item", key, None,
                                    f"item {key}: recorded by event {last[key][0]} but missing from the items table"))
        elif key not in last:
            found.append(Difference("item", key, None, (
                f"item {key}: in the items table (status {items[key].get('status')!r}) but no audit event records it")))
        else:
            seq, after = last[key]
            replayed = decode(after)
            if isinstance(replayed, dict) and canonical_json(replayed) != canonical_json(dict(items[key])):
                found += _field_differences("item", key, replayed, items[key], f"after event {seq}")
    return found


def _signoff_name(signoff: Mapping[str, Any]) -> str:
    return f"{signoff.get('stage')}/{signoff.get('role')}"


def _replay_signoffs(rows: Sequence[ChainRow], signoffs: Sequence[Mapping[str, Any]]) -> list[Difference]:
    recorded = [(row[0], decode(row[6])) for row in rows if row[3] == "signoff"]
    stored = {s.get("id"): s for s in signoffs}
    found: list[Difference] = []
    unmatched_events = []
    for seq, after in recorded:
        row = stored.pop(after.get("id"), None) if isinstance(after, dict) else None
        if row is None:
            unmatched_events.append((seq, after))
        elif canonical_json(dict(row)) != canonical_json(after):
            found += _field_differences("signoff", _signoff_name(after), after, row, f"per event {seq}")
    # an import may renumber sign-offs: match what is left by content
    left = {canonical_json({k: v for k, v in s.items() if k != "id"}): s for s in stored.values()}
    for seq, after in unmatched_events:
        content = canonical_json({k: v for k, v in after.items() if k != "id"}) if isinstance(after, dict) else ""
        if left.pop(content, None) is None:
            found.append(Difference("signoff", _signoff_name(after if isinstance(after, dict) else {}), None, (
                f"signoff {_signoff_name(after if isinstance(after, dict) else {})}: recorded by event {seq} but "
                "missing from the signoffs table")))
    for s in left.values():
        found.append(Difference("signoff", _signoff_name(s), None, (
            f"signoff {_signoff_name(s)} by {s.get('user')} at {s.get('at')}: in the signoffs table but no audit "
            "event records it")))
    return found


def _replay_project(rows: Sequence[ChainRow], project: Mapping[str, Any]) -> list[Difference]:
    replayed: dict[str, Any] = {}
    seq = 0
    for row in rows:
        if row[3] in ("project.create", "project.update"):
            after = decode(row[6])
            if isinstance(after, dict):
                replayed.update(after)
                seq = row[0]
    if not replayed:
        return []
    return _field_differences("project", str(project.get("id")), replayed, project, f"after event {seq}")


def replay_differences(
    rows: Sequence[ChainRow], *, items: Mapping[str, Mapping[str, Any]], signoffs: Sequence[Mapping[str, Any]],
    project: Mapping[str, Any],
) -> list[Difference]:
    """How the stored ``items`` (key → state JSON), ``signoffs`` and ``project`` differ from what ``rows`` say."""
    return [*_replay_project(rows, project), *_replay_items(rows, items), *_replay_signoffs(rows, signoffs)]
