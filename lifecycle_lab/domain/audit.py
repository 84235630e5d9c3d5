"""The audit chain's canonical JSON (the one spelling every hash of events, snapshots and anchors is taken over)
and the name of a chain's mode."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for hashing: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_mode(keyed_from: int | None) -> str:
    """A non-empty chain's mode from the seq of its first keyed event: unkeyed, keyed (from event 1) or mixed."""
    return "unkeyed" if keyed_from is None else "keyed" if keyed_from == 1 else "mixed"
