"""nbval's sanitize files (``pytest --nbval --nbval-sanitize-with FILE``) read as the manifest's extra sanitizers.

The format is nbval's: a ``regex:`` line immediately followed by its ``replace:``
line, any number of pairs, section headers and other lines ignored::

    [Dates and times]
    regex: \\d{2}:\\d{2}:\\d{2}
    replace: TIMESTAMP

Listed in ``lifecycle.yaml`` under ``rerun.sanitize_files`` (relative to the project
folder), their pairs run after the manifest's own ``sanitizers`` and before the built-in ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import ValidationError
from .sanitize import manifest_sanitizers

_PAIR = re.compile(r"^regex: (.*)$\n^replace: (.*)$", re.MULTILINE)


def parse_sanitize_file(text: str, display: str) -> list[dict[str, str]]:
    """The ``{regex, replace}`` pairs of a sanitize file's text; ValidationError naming the file and bad pair."""
    pairs = [{"regex": regex, "replace": replace} for regex, replace in _PAIR.findall(text.replace("\r\n", "\n"))]
    try:
        manifest_sanitizers(pairs)  # every regex compiles, or the error names it
    except ValidationError as exc:
        raise ValidationError(f"{display}: {str(exc).replace('rerun.sanitizers', 'pair')}") from None
    return pairs


def read_sanitize_files(directory: Path, files: Sequence[str]) -> list[dict[str, str]]:
    """The pairs of every listed sanitize file, in order; ValidationError for a missing file or one outside."""
    pairs: list[dict[str, str]] = []
    root = directory.resolve()
    for position, name in enumerate(files):
        field = f"rerun.sanitize_files[{position}]"
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise ValidationError(f"{field}: {name} is outside the project folder", field=field)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"{field}: cannot read {name} ({exc.__class__.__name__})", field=field) from None
        try:
            pairs += parse_sanitize_file(text, name)
        except ValidationError as exc:
            raise ValidationError(f"{field}: {exc}", field=field) from None
    return pairs
