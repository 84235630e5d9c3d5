"""The Markdown dossier's tables stay readable with the longest realistic values: a long token (a 64-hex hash,
an anonymous identity, a project id) is shortened with a middle ellipsis and its full value is a footnote."""

from __future__ import annotations

import re
import uuid

import mistune
import pytest

from lifecycle_lab.report import export_project
from lifecycle_lab.report.footnotes import ELLIPSIS, FULL, LONGEST, shortened
from lifecycle_lab.service import Lifecycle, Project

KEY = "framing/risk-tier"
REF = re.compile(r"\[\^(\d+)\]")


def anonymous(name: str) -> str:
    """A recorded actor as identity.py writes an anonymous browser's: ``Name <anonymous:32 hex>``."""
    return f"{name} <anonymous:{uuid.uuid4().hex}>"


@pytest.fixture
def markdown(service: Lifecycle, project: Project) -> str:
    dana = anonymous("Dana Scully")
    for stage in project.template.stages[:3]:
        for role in stage.gate.signoffs:
            service.signoff(project, stage.id, role, "approve", actor=dana, comment=f"checked {'ab' * 32}")
    service.set_item(project, KEY, {"status": "in_progress", "owner": anonymous("Fox Mulder")},
                     actor="a-very-long-user-name-from-the-company-directory@example.com")
    return export_project(service, project, "md", generated_by=dana,
                          generated_at="2026-12-06T01:00:00Z").content.decode()


def footnotes(text: str) -> dict[str, str]:
    """Footnote number -> its text, as the document defines them."""
    return dict(re.findall(rf"^\[\^(\d+)\]: {FULL} (.*)$", text, flags=re.MULTILINE))


def unescape(text: str) -> str:
    """Markdown text as it reads: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", text)


def test_no_table_cell_holds_a_token_longer_than_the_limit(markdown: str) -> None:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(rows) > 20
    for row in rows:
        for token in REF.sub("", row).replace("\\", "").split():
            assert len(token) <= LONGEST, f"{token!r} in {row!r}"


def test_every_shortened_token_has_its_full_value_in_one_footnote(markdown: str, service: Lifecycle,
                                                                   project: Project) -> None:
    notes = {n: unescape(value) for n, value in footnotes(markdown).items()}
    shown = [(unescape(token), n) for line in markdown.splitlines() if line.startswith("| ")
             for token, n in re.findall(r"(\S+?)\[\^(\d+)\]", line)]
    assert shown and {n for _token, n in shown} == set(notes)
    for token, n in shown:
        assert ELLIPSIS in token and token == shortened(notes[n]), (token, notes[n])
    assert len(notes) == len(set(notes.values())), "one footnote per distinct value"
    # what an auditor must be able to copy is there in full: hashes, people, the project id
    values = set(notes.values())
    assert "ab" * 32 in values  # a 64-hex hash in a sign-off comment
    assert service.store.verify_chain(project.id).head in markdown  # outside tables, whole where it stands
    assert project.id in values
    assert "a-very-long-user-name-from-the-company-directory@example.com" in values
    dana = service.store.signoffs(project.id)[0].user
    assert dana.split(" ")[-1] in values  # <anonymous:32 hex>


def test_timestamps_and_ordinary_words_are_left_whole(markdown: str) -> None:
    assert "2026-12-06T01:00:00Z" in markdown
    assert f"2026{ELLIPSIS}" not in markdown


def test_a_footnote_never_turns_into_a_link_where_footnotes_are_not_understood(service: Lifecycle,
                                                                              project: Project) -> None:
    hostile = "javascript:alert(document.cookie)//" + "x" * 20
    service.signoff(project, "governance", "security", "approve", actor="carol", comment=hostile)
    source = export_project(service, project, "md", generated_by="carol").content.decode()
    assert re.search(rf"^\[\^\d+\]: {FULL} javascript:alert\(document.cookie\)//x+$", source, flags=re.MULTILINE)
    html = mistune.create_markdown(escape=False, plugins=["table"])(source)  # CommonMark tables, no footnotes
    assert "href" not in html and "javascript:alert(document.cookie)//" in html
