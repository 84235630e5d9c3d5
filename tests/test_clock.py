"""The store's timestamps: written by ``utcnow``, read back by ``parse_utc``."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle_lab.clock import parse_utc, utcnow

UTC = dt.timezone.utc


def test_a_store_timestamp_parses_back_to_the_same_aware_utc_moment() -> None:
    stamp = utcnow()
    moment = parse_utc(stamp)
    assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)
    assert moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == stamp


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-26T04:55:37.123456Z", dt.datetime(2026, 11, 26, 4, 55, 37, 123456, tzinfo=UTC)),
    (" 2026-01-31T12:00:00Z\n", dt.datetime(2026, 1, 31, 12, tzinfo=UTC)),
    ("2026-01-31T12:00:00", dt.datetime(2026, 1, 31, 12, tzinfo=UTC)),  # naive is UTC
    ("2026-01-31T14:00:00+02:00", dt.datetime(2026, 1, 31, 12, tzinfo=UTC)),  # an offset is converted
    ("2026-01-31", dt.datetime(2026, 1, 31, tzinfo=UTC)),
])
def test_iso_times_parse_as_aware_utc(value: str, expected: dt.datetime) -> None:
    moment = parse_utc(value)
    assert moment == expected and moment.tzinfo == UTC


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-01T00:00:00Z"])
def test_anything_else_is_a_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        parse_utc(value)
