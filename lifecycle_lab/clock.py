"""Timestamps as the store records them: UTC ISO 8601 with microseconds, e.g. ``2026-11-26T04:55:37.123456Z``."""

from __future__ import annotations

import datetime as dt


def utcnow() -> str:
    """Now, as the store's timestamp string."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def today() -> dt.date:
    """Today's date in UTC (what 'overdue' is judged against)."""
    return dt.datetime.now(dt.timezone.utc).date()
