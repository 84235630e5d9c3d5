"""The PDF dossier: the document model typeset by typst with ``report.typ`` (next to this module).

The data goes in as JSON through ``sys.inputs``; nothing is spliced into the
markup. Only typst's embedded fonts are used and the PDF's dates come from the
generation time, so the same state and time always give the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typst

from .document import parse_timestamp

TYPST_DIR = Path(__file__).resolve().parent  # report.typ, annex_iv.typ and the common.typ they share


def report_template() -> Path:
    """The typst template of the dossier."""
    return TYPST_DIR / "report.typ"


def render_pdf(doc: dict[str, Any], template: Path | None = None) -> bytes:
    """A typst ``template`` (default: the dossier's) typeset with a document's data, as PDF bytes."""
    when = parse_timestamp(doc["generated_at"])
    date = {"year": when.year, "month": when.month, "day": when.day,
            "hour": when.hour, "minute": when.minute, "second": when.second}
    template = template or report_template()
    return typst.compile(
        template,
        root=template.parent,
        ignore_system_fonts=True,  # the same fonts on every machine, hence the same bytes
        sys_inputs={"data": json.dumps(doc, ensure_ascii=False), "date": json.dumps(date)},
        timestamp=when,
    )
