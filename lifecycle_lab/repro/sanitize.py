"""Text normalisation before outputs are compared: terminal control characters, then sanitizers.

A sanitizer replaces what legitimately changes from run to run (memory
addresses, timestamps, temporary paths, durations, progress bars, random ids)
by a placeholder, so that only real differences remain. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME_UNIT = r"(?:ns|µs|μs|us|ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?)"


@dataclass(frozen=True)
class Sanitizer:
    """A regular expression and its replacement, with a name for messages.

    ``hint`` is a substring every match contains: text without it is skipped
    without running the expression, which keeps comparing big notebooks fast.
    """

    name: str
    pattern: re.Pattern[str]
    replace: str
    hint: str = ""

    def apply(self, text: str) -> str:
        """``text`` with every match replaced."""
        if self.hint not in text:
            return text
        return self.pattern.sub(self.replace, text)


def _builtin(name: str, regex: str, replace: str, hint: str = "") -> Sanitizer:
    return Sanitizer(name, re.compile(regex), replace, hint)


# Order matters: a progress bar or a timeit line contains durations, a temp path may contain a date.
BUILTIN_SANITIZERS: tuple[Sanitizer, ...] = (
    _builtin("progress bar", r"\d{1,3}%\|[^|\n]*\|\s*[\d.]+[kMG]?/[\d.?]+[kMG]?\s*\[[^\]\n]*\]", "<progress>", "%|"),
    _builtin("progress bar", r"\b\d+/\d+\s+(?:\[[=>.]+\]|[━─]+)", "<progress>", "/"),
    _builtin("timeit", rf"[\d.]+ ?{_TIME_UNIT} ± [\d.]+ ?{_TIME_UNIT} per loop \(mean ± std\. dev\. of \d+ runs?, "
                       r"[\d,]+ loops? each\)", "<timeit>", " per loop "),
    _builtin("temporary path", r"(?:/private)?/(?:tmp|var/tmp|var/folders|dev/shm)/[^\s'\"<>)\]:,;]*", "<tmp>", "/"),
    _builtin("temporary path", r"[A-Za-z]:\\(?:[^\s'\"<>\\]+\\)*?Temp\\[^\s'\"<>]*", "<tmp>", "\\"),
    _builtin("timestamp", r"datetime\.datetime\([^()]*(?:\([^()]*\)[^()]*)?\)", "datetime.datetime(<timestamp>)",
             "datetime.datetime("),
    _builtin("timestamp", r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
             "<timestamp>", ":"),
    _builtin("timestamp", rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MONTH} [ \d]\d \d{{1,2}}:\d{{2}}:\d{{2}} \d{{4}}\b",
             "<timestamp>", ":"),
    _builtin("timestamp", r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", "<time>", ":"),
    _builtin("duration", rf"(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)? ?{_TIME_UNIT}\b", "<duration>"),
    _builtin("memory address", r"\b0x[0-9a-fA-F]{6,16}\b", "0x<address>", "0x"),
    _builtin("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<uuid>",
             "-"),
)


def manifest_sanitizers(pairs: Iterable[Mapping[str, Any]]) -> tuple[Sanitizer, ...]:
    """The manifest's ``rerun.sanitizers`` compiled; ValidationError naming the entry when one is invalid."""
    compiled: list[Sanitizer] = []
    for position, pair in enumerate(pairs):
        field = f"rerun.sanitizers[{position}]"
        regex, replace = pair.get("regex"), pair.get("replace", "")
        if not isinstance(regex, str) or not isinstance(replace, str):
            raise ValidationError(f"{field}: regex and replace must be strings", field=field)
        try:
            pattern = re.compile(regex)
            pattern.sub(replace, "")  # checks group references in ``replace`` too
        except re.error as exc:
            raise ValidationError(f"{field}: {regex!r} is not a usable regular expression ({exc})",
                                  field=f"{field}.regex") from None
        compiled.append(Sanitizer(f"manifest {field}", pattern, replace))
    return tuple(compiled)


def sanitizer_chain(pairs: Iterable[Mapping[str, Any]] = ()) -> tuple[Sanitizer, ...]:
    """The manifest's sanitizers (applied first, to the text as printed), then the built-in ones."""
    return (*manifest_sanitizers(pairs), *BUILTIN_SANITIZERS)


def apply_control_characters(text: str) -> str:
    """The text a terminal would show: ``\\r`` returns to the line start and later text overwrites, ``\\b`` erases."""
    text = _ANSI.sub("", text)
    if "\r" not in text and "\b" not in text:
        return text
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\b" in line:
            line = _erase_backspaces(line)
        if "\r" in line:
            shown = ""
            for segment in line.split("\r"):
                shown = segment + shown[len(segment):]
            line = shown
        lines.append(line)
    return "\n".join(lines)


def _erase_backspaces(line: str) -> str:
    kept: list[str] = []
    for char in line:
        if char == "\b":
            if kept and kept[-1] != "\r":
                kept.pop()
        else:
            kept.append(char)
    return "".join(kept)


def sanitize(text: str, sanitizers: Sequence[Sanitizer]) -> str:
    """``text`` after control characters and every sanitizer, in order."""
    text = apply_control_characters(text)
    for sanitizer in sanitizers:
        text = sanitizer.apply(text)
    return text
