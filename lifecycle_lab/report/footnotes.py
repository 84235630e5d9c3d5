"""Long tokens in Markdown tables: shown with a middle ellipsis, the full value in a footnote.

A 64-hex hash, an anonymous identity (``Dana <anonymous:cb8a…>``) or a project id makes a table column as
wide as the token, and Markdown viewers cannot wrap inside a word. In a table cell such a token is shown as
its first and last few characters around ``…`` with a footnote reference (GitHub's ``[^n]``); the footnote,
listed once per distinct value at the end of the document, holds the value in full (so does the JSON export).
Footnotes are collected while :func:`collecting` is active, which the Markdown export turns on for its whole
document; outside it cells are left whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

LONGEST = 32  # longer tokens are shortened (a timestamp, 27 characters, is not; a uuid, 36, is)
KEEP = 12  # characters kept at each end of a shortened token (25 shown in all)
ELLIPSIS = "…"
FULL = "In full:"  # how a footnote starts
_PARTS = re.compile(r"(\s+)")


class Footnotes:
    """The footnotes of one document: a label per distinct full value, numbered in order of first use."""

    def __init__(self) -> None:
        self._labels: dict[str, int] = {}

    def label(self, value: str) -> int:
        """The footnote number of ``value`` (a new one the first time it is seen)."""
        return self._labels.setdefault(value, len(self._labels) + 1)

    def definitions(self, escape: Callable[[str], str]) -> list[str]:
        """The footnote definitions, each value escaped with ``escape`` (none: an empty list).

        Each starts with words (``In full:``): to a renderer without footnotes, ``[^1]: VALUE`` would be a link
        reference definition making every ``[^1]`` a link to the user's VALUE (``javascript:…`` included).
        """
        return [f"[^{n}]: {FULL} {escape(value)}" for value, n in self._labels.items()]


_ACTIVE: ContextVar[Footnotes | None] = ContextVar("lifecycle_lab_footnotes", default=None)


@contextmanager
def collecting() -> Iterator[Footnotes]:
    """Shorten long tokens of the table cells rendered inside, collecting their footnotes."""
    notes = Footnotes()
    token = _ACTIVE.set(notes)
    try:
        yield notes
    finally:
        _ACTIVE.reset(token)


def shortened(token: str) -> str:
    """``token`` with its middle replaced by an ellipsis (unchanged when it is not longer than LONGEST)."""
    return token if len(token) <= LONGEST else f"{token[:KEEP]}{ELLIPSIS}{token[-KEEP:]}"


def table_cell(text: str, escape: Callable[[str], str]) -> str:
    """A table cell's text escaped with ``escape``, its long tokens shortened with a footnote reference each
    while footnotes are being collected."""
    notes = _ACTIVE.get()
    if notes is None:
        return escape(text)
    shown = []
    for part in _PARTS.split(text):
        if len(part) > LONGEST and not part.isspace():
            shown.append(f"{escape(shortened(part))}[^{notes.label(part)}]")
        else:
            shown.append(escape(part))
    return "".join(shown)
