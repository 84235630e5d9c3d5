"""State replay: rebuild a project's item states, sign-offs and record from its audit events and compare.

Every ``item.*`` event carries the item's whole state before and after, a
``signoff`` event the sign-off, ``project.*`` events the project record. So the
last event of an item must equal its row in the items table, each event's
*before* must equal the previous event's *after* (otherwise the item changed
between them without an event), and every sign-off row must be one an event
recorded. A direct edit of the tables shows up as a difference naming the item
and the field. Pure: the caller reads the rows.

Events are compared as the canonical text (or its UTF-8 bytes) they are stored
as; only the last state of each item is parsed, which keeps a replay of
100,000 events fast, and only those last states are kept while replaying.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .domain import canonical_json
from .store.audit import BytesRow, ChainRow, decode

_MAX_SHOWN = 80  # characters of a value quoted in a message
_NULL = frozenset(("null", b"null"))  # an item's state before its first event


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


def _hidden_change(target: str, since_seq: int, seq: int, then_text: str | bytes, now_text: str | bytes
                   ) -> Difference | None:
    """The item changed between two of its events without an event of its own (None when only spelt apart)."""
    then, now = decode(then_text), decode(now_text)
    if canonical_json(then) == canonical_json(now):
        return None
    then, now = then or {}, now or {}
    fields = sorted(k for k in set(then) | set(now) if then.get(k) != now.get(k)) if isinstance(
        then, dict) and isinstance(now, dict) else []
    since = f"event {since_seq}" if since_seq else "its first event"
    return Difference("item", target, fields[0] if fields else None, (
        f"item {target}: changed outside the audit log between {since} and event {seq} "
        f"({', '.join(fields) or 'its whole state'})"))


def _final_items(last: Mapping[str, tuple[int, str | bytes]], items: Mapping[str, Mapping[str, Any]]
                 ) -> list[Difference]:
    found: list[Difference] = []
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


def _replay_signoffs(recorded: Sequence[tuple[int, Any]], signoffs: Sequence[Mapping[str, Any]]
                     ) -> list[Difference]:
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


class Replay:
    """Replays a project's events one at a time, oldest first (so a verification can stream them).

    :meth:`feed` every row, then :meth:`differences` against the stored tables. It keeps only the latest state
    of each item, the sign-off events and the project record, whatever the number of events.
    """

    def __init__(self, resumed: bool = False) -> None:
        """``resumed``: the events fed do not start at the first: each item's first *before* is kept for
        :meth:`join` instead of being compared with no state."""
        self._last: dict[str, tuple[int, str | bytes]] = {}  # item key -> (seq, after text) of its latest event
        self._first: dict[str, tuple[int, str | bytes]] | None = {} if resumed else None  # (seq, before text)
        self._hidden: list[tuple[int, Difference]] = []
        self._signoffs: list[tuple[int, str | bytes]] = []
        self._project: dict[str, Any] = {}
        self._project_seq = 0

    def feed(self, row: ChainRow | BytesRow) -> None:
        """Take the next event into account."""
        action = row[3]
        if action.startswith("item."):
            target, before = row[4], row[5]
            previous = self._last.get(target)
            if previous is None and self._first is not None:
                self._first[target] = (row[0], before)
            elif previous is None or before != previous[1]:
                self._compare(target, previous, row[0], before)
            self._last[target] = (row[0], row[6])
        elif action == "signoff":
            self._signoffs.append((row[0], row[6]))
        elif action in ("project.create", "project.update"):
            after = decode(row[6])
            if isinstance(after, dict):
                self._project.update(after)
                self._project_seq = row[0]

    def _compare(self, target: str, previous: tuple[int, str | bytes] | None, seq: int, before: str | bytes) -> None:
        """Note when an item's state before event ``seq`` is not what its ``previous`` event left."""
        found = None
        if previous is None:
            if before not in _NULL:
                found = _hidden_change(target, 0, seq, "null", before)
        elif before != previous[1]:
            found = _hidden_change(target, previous[0], seq, previous[1], before)
        if found is not None:
            self._hidden.append((seq, found))

    def join(self, later: Replay) -> None:
        """Take in ``later``, a ``resumed`` replay of the events right after those fed here: as if they had been
        fed here too."""
        for target, (seq, before) in (later._first or {}).items():
            self._compare(target, self._last.get(target), seq, before)
        self._hidden = sorted(self._hidden + later._hidden, key=lambda found: found[0])
        self._last.update(later._last)
        self._signoffs += later._signoffs
        self._project.update(later._project)
        self._project_seq = later._project_seq or self._project_seq

    def differences(self, *, items: Mapping[str, Mapping[str, Any]], signoffs: Sequence[Mapping[str, Any]],
                    project: Mapping[str, Any]) -> list[Difference]:
        """How the stored ``items`` (key → state JSON), ``signoffs`` and ``project`` differ from the events fed."""
        found = [] if not self._project else _field_differences(
            "project", str(project.get("id")), self._project, project, f"after event {self._project_seq}")
        found += [difference for _seq, difference in self._hidden] + _final_items(self._last, items)
        return found + _replay_signoffs([(seq, decode(after)) for seq, after in self._signoffs], signoffs)


def replay_differences(
    rows: Iterable[ChainRow | BytesRow], *, items: Mapping[str, Mapping[str, Any]],
    signoffs: Sequence[Mapping[str, Any]], project: Mapping[str, Any],
) -> list[Difference]:
    """How the stored ``items`` (key → state JSON), ``signoffs`` and ``project`` differ from what ``rows`` say."""
    replay = Replay()
    for row in rows:
        replay.feed(row)
    return replay.differences(items=items, signoffs=signoffs, project=project)
