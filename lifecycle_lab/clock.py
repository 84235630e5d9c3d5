"""Timestamps as the store records them: UTC ISO 8601 with microseconds, e.g. ``2026-11-26T04:55:37.123456Z``."""

from __future__ import annotations

import datetime as dt


def utcnow() -> str:
    """Now, as the store's timestamp string."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(value: str) -> dt.datetime:
    """An ISO 8601 time (a store timestamp, or any with ``Z``, an offset or none) as an aware UTC datetime.

    Surrounding whitespace is ignored and a naive time is taken as UTC. ValueError if ``value`` is not ISO 8601.
    """
    moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def today() -> dt.date:
    """Today's date in UTC (what 'overdue' is judged against)."""
    return dt.datetime.now(dt.timezone.utc).date()
