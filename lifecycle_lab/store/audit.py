"""The audit log's hash chain: each event's hash covers the previous hash and the event's canonical JSON."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..domain import canonical_json

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """One recorded mutation."""

    seq: int
    at: str
    actor: str
    project: str
    action: str
    target: str
    before: Any
    after: Any
    prev_hash: str
    hash: str

    def payload(self) -> dict[str, Any]:
        """The hashed fields."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "project": self.project,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }

    def to_json(self) -> dict[str, Any]:
        """As JSON, hashes included."""
        return {**self.payload(), "prev_hash": self.prev_hash, "hash": self.hash}


def event_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the payload)."""
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode()).hexdigest()


def decode(text: str) -> Any:
    """A stored before/after column back to JSON (tolerating hand-edited, unparsable text)."""
    try:
        return json.loads(text)
    except ValueError:
        return {"unparsable": text}


@dataclass(frozen=True)
class ChainCheck:
    """The result of recomputing a project's chain."""

    ok: bool
    events: int
    head: str
    broken_seq: int | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "broken_seq": self.broken_seq,
            "message": self.message,
        }


def verify_events(events: list[AuditEvent]) -> ChainCheck:
    """Recompute the chain in order; name the first event whose link or hash does not hold."""
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainCheck(False, len(events), prev, event.seq,
                              f"event {event.seq}: expected sequence number {expected_seq} (an event is missing)")
        if event.prev_hash != prev:
            return ChainCheck(False, len(events), prev, event.seq,
                              f"event {event.seq}: prev_hash does not match the hash of event {event.seq - 1}")
        if event_hash(prev, event.payload()) != event.hash:
            return ChainCheck(False, len(events), prev, event.seq,
                              f"event {event.seq} ({event.action} {event.target}): content does not match its hash")
        prev = event.hash
    return ChainCheck(True, len(events), prev)
