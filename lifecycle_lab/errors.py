"""The exceptions every front door (CLI, REST, widgets) translates for its user.

Each maps to one answer: ValidationError → exit 2 / HTTP 400, NotFound → 2 / 404,
Conflict → 1 / 409, TooLarge → 413, StoreUnavailable → 2 / 503. Anything else is a bug.
"""

from __future__ import annotations

from typing import Any


class LifecycleError(Exception):
    """Base class of errors caused by the user's input or the state of the checklist."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(LifecycleError):
    """Input that breaks a rule; ``field`` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LifecycleError):
    """A project, item, template, run or file that does not exist (or is out of reach)."""


class Conflict(LifecycleError):
    """A write based on a stale version; ``current`` is the state that won."""

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class StoreUnavailable(LifecycleError):
    """The database failed a statement or could not be reached (locked, gone, refused); the message is one line.

    The store raises it for every database error it does not answer itself, so no front door needs to know
    which database library sits underneath.
    """


class TemplateError(LifecycleError):
    """A template or manifest that failed validation; ``problems`` lists every ``file:line: field: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class MissingExtra(LifecycleError):
    """An optional dependency a feature needs is not installed; the message names the extra that installs it."""
