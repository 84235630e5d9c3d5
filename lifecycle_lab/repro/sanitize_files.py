"""nbval's sanitize files (``pytest --nbval --nbval-sanitize-with FILE``) read as the manifest's extra sanitizers.

A sanitize file is INI text, one section per pair::

    [timestamps]
    regex: \\d{2}:\\d{2}:\\d{2}
    replace: HH:MM:SS

Listed in ``lifecycle.yaml`` under ``rerun.sanitize_files`` (relative to the project
folder), its pairs run after the manifest's own ``sanitizers`` and before the built-in ones.
"""

from __future__ import annotations

import configparser
from collections.abc import Sequence
from pathlib import Path

from ..errors import ValidationError
from .sanitize import manifest_sanitizers


def parse_sanitize_file(text: str, display: str) -> list[dict[str, str]]:
    """The ``{regex, replace}`` pairs of a sanitize file's text; ValidationError naming the file and section."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=(":", "="), comment_prefixes=("#", ";"),
                                       inline_comment_prefixes=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=display)
    except configparser.Error as exc:
        raise ValidationError(f"{display}: not an nbval sanitize file ({str(exc).splitlines()[0]})") from None
    pairs = []
    for section in parser.sections():
        values = parser[section]
        if "regex" not in values:
            raise ValidationError(f"{display}: section [{section}] has no 'regex:' line")
        pairs.append({"regex": values["regex"], "replace": values.get("replace", "")})
    manifest_sanitizers(pairs)  # every regex compiles, or the error names it
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
