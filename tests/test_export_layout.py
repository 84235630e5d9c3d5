"""The PDF dossier's tables never overlap: long unbroken values wrap inside their cell.

The check reads the PDF back with pypdf's text-extraction visitor, which reports each
run of text with its position and font; the run's width comes from the embedded
font's glyph widths. No two runs on a page may cover the same area, and none may
cross the right margin.
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pypdf.generic._font import Font

from lifecycle_lab.report import export_project
from lifecycle_lab.service import Lifecycle, Project

A4_WIDTH_PT = 595.28
RIGHT_MARGIN_PT = 1.7 / 2.54 * 72  # report.typ's page margin
KERNING_SLACK_PT = 1.5  # widths are summed glyph advances; typst's kerning makes real runs a little narrower
LONG_URL = "https://models.example.com/registry/credit-default/versions/2026-12-06T01:21:22Z/artifacts/" + "a" * 40


@dataclass(frozen=True)
class Run:
    """One run of text as the PDF places it: its page and box in points (y grows upwards)."""

    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    text: str


def _width(widths: dict[str, float], default: float, text: str) -> float:
    """Sum of glyph advances (1/1000 em) of ``text``, ligatures (fi, ffl) counted as one glyph."""
    total, i = 0.0, 0
    while i < len(text):
        size = next((n for n in (3, 2) if text[i:i + n] in widths), 1)
        total += widths.get(text[i:i + size], default)
        i += size
    return total


def text_runs(pdf: bytes) -> list[Run]:
    """Every visible run of text of the PDF with its box, read through pypdf's ``visitor_text``."""
    runs: list[Run] = []
    metrics: dict[int, tuple[dict[str, float], float]] = {}
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages, start=1):

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float, number: int = number) -> None:
            shown = text.strip()
            if not shown or font is None:
                return
            if id(font) not in metrics:  # typst embeds CID fonts: widths are keyed by glyph, mapped to text here
                parsed = Font.from_font_resource(font)
                by_text = {u: parsed.character_widths[c] for c, u in parsed.character_map.items()
                           if c in parsed.character_widths}
                metrics[id(font)] = by_text, parsed.character_widths["default"]
            scale = tm[0] * cm[0] + tm[1] * cm[2]
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            em = size * scale
            width = _width(*metrics[id(font)], shown) / 1000 * em
            runs.append(Run(number, x, x + width, y - 0.2 * em, y + 0.7 * em, shown))

        page.extract_text(visitor_text=visit)
    return runs


def overlaps(runs: list[Run]) -> list[tuple[Run, Run]]:
    """Pairs of runs on one page whose boxes intersect (beyond the kerning slack)."""
    pages: dict[int, list[Run]] = defaultdict(list)
    for run in runs:
        pages[run.page].append(run)
    found = []
    for page_runs in pages.values():
        page_runs.sort(key=lambda r: r.x0)
        for i, a in enumerate(page_runs):
            for b in page_runs[i + 1:]:
                if b.x0 >= a.x1 - KERNING_SLACK_PT:
                    break
                if a.y0 < b.y1 - 0.3 and b.y0 < a.y1 - 0.3:
                    found.append((a, b))
    return found


def hexuser() -> str:
    """A user name as jupyter-server's anonymous identity makes them: 32 hex digits."""
    return uuid.uuid4().hex


@pytest.fixture
def longest(service: Lifecycle, project_dir: Path) -> Project:
    """A project whose every table holds the longest values met in practice.

    Anonymous (hex) users edit, own and sign off everything; sign-off comments and notes carry unbroken
    hashes and URLs; the manifest lists long notebook paths; the audit trail and chain head are full hashes.
    """
    notebooks = [f"notebooks/feature_engineering_with_a_long_descriptive_name_v{i}_final_reviewed.ipynb"
                 for i in range(2)]
    project = service.init_project(project_dir, actor=hexuser(), template="default",
                                   name="Credit default model " + "x" * 40, notebooks=notebooks)
    (project_dir / "loans_2026_q4_full_extract_with_all_columns_and_the_holdout.csv").write_text("id,a\n1,2\n")
    service.add_dataset(project, "loans_2026_q4_full_extract_with_all_columns_and_the_holdout.csv",
                        actor=hexuser())
    for spec in project.template.items():
        service.set_item(project, spec.key, {
            "status": "in_progress", "owner": hexuser(), "due": "2026-01-15",
            "notes": f"see {LONG_URL} and sha256 {uuid.uuid4().hex * 2}",
        }, actor=hexuser())
    for stage in project.template.stages:
        for role in stage.gate.signoffs:
            service.signoff(project, stage.id, role, "approve", actor=hexuser(),
                            comment=f"checked {uuid.uuid4().hex * 3}")
    return project


def test_no_two_cells_of_the_pdf_overlap_with_the_longest_realistic_values(service: Lifecycle,
                                                                          longest: Project) -> None:
    pdf = export_project(service, longest, "pdf", generated_by=hexuser(), generated_at="2026-12-06T01:00:00Z").content
    runs = text_runs(pdf)

    assert len(runs) > 1_000  # the visitor saw the whole dossier
    clashes = overlaps(runs)
    assert not clashes, "\n".join(f"page {a.page}: {a.text!r} runs into {b.text!r}" for a, b in clashes[:10])
    beyond = [r for r in runs if r.x1 > A4_WIDTH_PT - RIGHT_MARGIN_PT + KERNING_SLACK_PT]
    assert not beyond, [(r.page, r.text) for r in beyond[:10]]
    # Wrapped, not cut: every sign-off's user still reads back whole once line breaks are joined.
    text = "".join(r.text for r in runs)
    for signoff in service.store.signoffs(longest.id):
        assert signoff.user in text


def test_the_overlap_check_sees_a_token_that_runs_into_the_next_cell() -> None:
    """The check itself: a table typeset without wrapping is caught."""
    import typst

    token = "0123456789abcdef" * 3
    source = (f'#set page(width: 300pt, height: auto, margin: 10pt)\n'
              f'#table(columns: (1fr, 1fr), [{token}], [next])\n')
    pdf = typst.compile(source.encode())
    clashes = overlaps(text_runs(pdf))
    assert [(a.text, b.text) for a, b in clashes] == [(token, "next")]
