"""The audit chain's canonical JSON: the one spelling every hash (events, snapshots, anchors) is taken over."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for hashing: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
