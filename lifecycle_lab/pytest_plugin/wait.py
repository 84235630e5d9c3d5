"""``wait_until``: the one way tests wait for something to happen (never a bare ``sleep``)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, interval: float = 0.1, *,
               what: str = "condition") -> Any:
    """Call ``condition`` until it returns something truthy and return that; fail the test after ``timeout`` s
    (naming ``what`` was awaited).

    An ``async def`` condition gives an awaitable instead (``await wait_until(check)``), which awaits it each
    time, so a test on the event loop (pytest-jupyter's server) keeps serving while it waits.
    """
    if inspect.iscoroutinefunction(condition):
        return _wait_until_async(condition, timeout, interval, what)
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not met in {timeout} s (last value: {value!r})"
        time.sleep(interval)


async def _wait_until_async(condition: Callable[[], Awaitable[T]], timeout: float, interval: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not met in {timeout} s (last value: {value!r})"
        await asyncio.sleep(interval)
