"""Reading a notebook a rerun is asked to execute: anything that is not a valid notebook is refused in one line.

Light on purpose (nbformat only, no papermill), so a front door can check a
request before it queues a run; the worker checks again before it executes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat

from ..errors import ValidationError


def first_line(exc: BaseException) -> str:
    """An exception's message, first line only and at most 300 characters (its type when it has none)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def read_notebook(path: Path, *, display: str) -> Any:
    """The notebook at ``path`` as nbformat v4; ValidationError naming ``display`` and what is wrong otherwise."""
    if not path.is_file():
        raise ValidationError(f"{display} does not exist" if not path.exists() else f"{display} is not a file")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise ValidationError(f"{display} is not a notebook (not UTF-8 text)") from None
    except ValueError as exc:
        raise ValidationError(f"{display} is not a notebook (not JSON: {first_line(exc)})") from None
    if not isinstance(data, dict) or not ({"cells", "worksheets"} & set(data)):
        raise ValidationError(f"{display} is not a notebook (JSON without cells)")
    try:
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)  # reads() only logs what is invalid
        return nbformat.convert(nb, 4)
    except Exception as exc:  # nbformat raises its ValidationError, or KeyError/TypeError on odd shapes
        raise ValidationError(f"{display} is not a valid notebook (nbformat): {first_line(exc)}") from None
