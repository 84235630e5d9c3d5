"""User text full of typst, Markdown and HTML metacharacters comes out literally in every format."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import mistune
import pypdf
import pytest
from export_samples import fill_project, pdf_text

from lifecycle_lab.report import export_project
from lifecycle_lab.service import Lifecycle, Project

PAYLOAD = "#let x = 1 *bold* $x^2$ [link](http://e.com) <script>alert('x')</script> `code` _under_ @me \\back &amp; ]"
BLOCK_STARTS = "# not a heading\n- not a list\n1. not numbered\n    not code\n> not a quote\n===\n<div>raw</div>"
AT = "2026-03-01T12:00:00Z"


@pytest.fixture
def hostile(service: Lifecycle, project_dir: Path) -> Project:
    """A filled project whose name and every free-text field carry the payload."""
    project = service.init_project(project_dir, actor="alice", name=PAYLOAD)
    fill_project(service, project, text=PAYLOAD)
    service.set_item(project, "framing/objective-metric", {"notes": BLOCK_STARTS}, actor=PAYLOAD)
    service.set_item(project, "validation/model-card",
                     {"evidence": {"url": "javascript:alert(1)", "title": PAYLOAD}}, actor="alice")
    return project


def export(service: Lifecycle, project: Project, fmt: str) -> bytes:
    return export_project(service, project, fmt, generated_by=PAYLOAD, generated_at=AT).content


class Page(HTMLParser):
    """Elements, attributes and text nodes of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self._open: list[str] = []
        self.title = ""
        self.links: list[tuple[str | None, str]] = []  # (href, text) of every anchor

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)
        if tag == "a":
            self.links.append((dict(attrs).get("href"), ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._open and self._open[-1] == "title":
            self.title += data
        if "a" in self._open:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    def hrefs(self) -> list[str | None]:
        return [attrs.get("href") for tag, attrs in self.tags if tag == "a"]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def expected_places(service: Lifecycle, project: Project) -> list[str]:
    """Texts that must appear verbatim: one per kind of field the payload went into."""
    return [
        f"owner-000 {PAYLOAD}",  # owner
        f"Notes on framing/risk-tier: {PAYLOAD}",  # notes
        f"approved by security {PAYLOAD}",  # sign-off comment
        f"answered: {PAYLOAD}",  # text evidence
        f"Data drift 1 {PAYLOAD}", f"monthly revalidation 2 {PAYLOAD}", f"fm-owner-0 {PAYLOAD}",  # failure modes
        f"Use gradient boosting {PAYLOAD}",  # decision log
        f"does not apply here {PAYLOAD}",  # justification
        f"number 0.8312 became 0.8377 {PAYLOAD}",  # rerun diff
    ]


def squash(text: str) -> str:
    """Text without whitespace: a line the layout broke inside a narrow cell reads the same."""
    return re.sub(r"\s+", "", text)


def test_pdf_shows_the_payload_literally_everywhere(service: Lifecycle, hostile: Project) -> None:
    content = export(service, hostile, "pdf")
    text = squash(pdf_text(content))
    assert squash(f"Model lifecycle dossier {PAYLOAD}") in text  # the project name on the cover
    for place in expected_places(service, hostile):
        assert squash(place) in text, place
    assert squash(f"Generated {AT} by {PAYLOAD}") in text
    assert pypdf.PdfReader(io.BytesIO(content)).metadata.title == f"Lifecycle dossier: {PAYLOAD}"


def test_pdf_links_only_to_web_addresses(service: Lifecycle, hostile: Project) -> None:
    content = export(service, hostile, "pdf")
    reader = pypdf.PdfReader(io.BytesIO(content))
    uris = {
        annot.get_object()["/A"].get("/URI")
        for page in reader.pages for annot in page.get("/Annots") or []
        if "/A" in annot.get_object()
    }
    assert "https://wiki.example.org/model-card" in uris
    assert not [uri for uri in uris if uri and not str(uri).startswith("https://")]
    assert f"{PAYLOAD} (javascript:alert(1))" in pdf_text(content)


def test_markdown_renders_the_payload_as_text(service: Lifecycle, hostile: Project) -> None:
    source = export(service, hostile, "md").decode()
    render = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "task_lists", "math", "url"])
    page = parse(render(source))
    assert {"script", "em", "code", "pre", "del", "img", "div"}.isdisjoint(page.names())
    assert not [t for t, a in page.tags if t == "span" and "math" in (a.get("class") or "")]
    # The only links are ours and bare web addresses GitHub would autolink anyway (their text is the address):
    # the payload's [link](...) did not become a link, javascript: never did.
    assert {(href, text) for href, text in page.links} == {
        ("https://wiki.example.org/model-card", f"Model card {PAYLOAD}"), ("http://e.com", "http://e.com"),
        ("https://wiki.example.org/model-card", "https://wiki.example.org/model-card")}
    text = "".join(page.texts)
    for place in [f"Lifecycle dossier: {PAYLOAD}", *expected_places(service, hostile)]:
        assert place in text, place
    headings = [t for t, _ in page.tags if t in ("h1", "h2")]
    assert headings == ["h1"] + ["h2"] * 5  # the notes' "# not a heading" stayed text
    for line in BLOCK_STARTS.split("\n"):
        assert line.strip() in text, line
    assert "\\#let" in source and "\\*bold\\*" in source and "\\$x^2\\$" in source and "\\<script\\>" in source


def test_html_shows_the_payload_as_text(service: Lifecycle, hostile: Project) -> None:
    html = export(service, hostile, "html").decode()
    page = parse(html)
    assert "script" not in page.names()
    assert page.title == f"Lifecycle dossier: {PAYLOAD}"
    text = "".join(page.texts)
    for place in expected_places(service, hostile):
        assert place in text, place
    assert BLOCK_STARTS in text
    assert page.hrefs() == ["https://wiki.example.org/model-card"] * 20  # not javascript:
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_json_keeps_the_payload_exactly(service: Lifecycle, hostile: Project) -> None:
    document = json.loads(export(service, hostile, "json"))
    state = document["state"]
    assert state["project"]["name"] == PAYLOAD and document["generated_by"] == PAYLOAD
    owners = {item["owner"] for item in state["items"]}
    assert f"owner-000 {PAYLOAD}" in owners
    rows = next(i for i in state["items"] if i["key"] == "framing/failure-modes")["evidence"]["rows"]
    assert rows[0]["mode"] == f"Data drift 0 {PAYLOAD}"
    assert all(s["comment"].endswith(PAYLOAD) for s in state["signoffs"])
