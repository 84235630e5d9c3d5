"""User text full of typst, Markdown and HTML metacharacters comes out literally in every format."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import mistune
import pypdf
import pytest
from export_samples import EVALUATE, Sample, filled_sample, pdf_text

from lifecycle_lab.report import export_project
from lifecycle_lab.service import Lifecycle, Project

PAYLOAD = "#let x = 1 *bold* $x^2$ [link](http://e.com) <script>alert('x')</script> `code` _under_ @me \\back &amp; ]"
BLOCK_STARTS = "# not a heading\n- not a list\n1. not numbered\n    not code\n> not a quote\n===\n<div>raw</div>"
AT = "2026-03-01T12:00:00Z"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    """A filled project whose name and every free-text field carry the payload, as do its reruns' outputs.

    A differing cell prints the payload and a failing cell raises it, so both outputs of a differing cell and a
    notebook's error message carry it into the reruns section. Shared by the module's tests, which only read it.
    """
    sample = filled_sample(tmp_path_factory.mktemp("hostile"), name=PAYLOAD, text=PAYLOAD)
    service, project = sample.service, sample.project
    service.set_item(project, "framing/objective-metric", {"notes": BLOCK_STARTS}, actor=PAYLOAD)
    service.set_item(project, "validation/model-card",
                     {"evidence": {"url": "javascript:alert(1)", "title": PAYLOAD}}, actor="alice")
    yield sample
    service.store.close()


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


def expected_places() -> list[str]:
    """Texts that must appear verbatim: one per kind of field the payload went into."""
    return [
        f"owner-000 {PAYLOAD}",  # owner
        f"Notes on framing/risk-tier: {PAYLOAD}",  # notes
        f"approved by security {PAYLOAD}",  # sign-off comment
        f"answered: {PAYLOAD}",  # text evidence
        f"Data drift 1 {PAYLOAD}", f"monthly revalidation 2 {PAYLOAD}", f"fm-owner-0 {PAYLOAD}",  # failure modes
        f"Use gradient boosting {PAYLOAD}",  # decision log
        f"does not apply here {PAYLOAD}",  # justification
        f"bad input {PAYLOAD}",  # a rerun's error message
        f"AUC {PAYLOAD}",  # the saved and rerun outputs of a differing cell
    ]


def squash(text: str) -> str:
    """Text without whitespace: a line the layout broke inside a narrow cell reads the same."""
    return re.sub(r"\s+", "", text)


def test_pdf_shows_the_payload_literally_everywhere(hostile: Sample) -> None:
    service = hostile.service
    content = export(service, hostile.project, "pdf")
    text = squash(pdf_text(content))
    assert squash(f"Model lifecycle dossier {PAYLOAD}") in text  # the project name on the cover
    for place in expected_places():
        assert squash(place) in text, place
    assert squash(f"Generated {AT} by {PAYLOAD}") in squash(pdf_text(content, running=True))  # the footer
    assert pypdf.PdfReader(io.BytesIO(content)).metadata.title == f"Lifecycle dossier: {PAYLOAD}"


def test_pdf_links_only_to_web_addresses(hostile: Sample) -> None:
    service = hostile.service
    content = export(service, hostile.project, "pdf")
    reader = pypdf.PdfReader(io.BytesIO(content))
    uris = {
        annot.get_object()["/A"].get("/URI")
        for page in reader.pages for annot in page.get("/Annots") or []
        if "/A" in annot.get_object()
    }
    assert "https://wiki.example.org/model-card" in uris
    assert not [uri for uri in uris if uri and not str(uri).startswith("https://")]
    assert f"{PAYLOAD} (javascript:alert(1))" in pdf_text(content)


def test_markdown_renders_the_payload_as_text(hostile: Sample) -> None:
    service = hostile.service
    source = export(service, hostile.project, "md").decode()
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
    for place in [f"Lifecycle dossier: {PAYLOAD}", *expected_places()]:
        assert place in text, place
    headings = [t for t, _ in page.tags if t in ("h1", "h2")]
    assert headings == ["h1"] + ["h2"] * 6  # the notes' "# not a heading" stayed text
    for line in BLOCK_STARTS.split("\n"):
        assert line.strip() in text, line
    assert "\\#let" in source and "\\*bold\\*" in source and "\\$x^2\\$" in source and "\\<script\\>" in source


def test_html_shows_the_payload_as_text(hostile: Sample) -> None:
    service = hostile.service
    html = export(service, hostile.project, "html").decode()
    page = parse(html)
    assert "script" not in page.names()
    assert page.title == f"Lifecycle dossier: {PAYLOAD}"
    text = "".join(page.texts)
    for place in expected_places():
        assert place in text, place
    assert BLOCK_STARTS in text
    assert page.hrefs() == ["https://wiki.example.org/model-card"] * 20  # not javascript:
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_json_keeps_the_payload_exactly(hostile: Sample) -> None:
    service = hostile.service
    document = json.loads(export(service, hostile.project, "json"))
    state = document["state"]
    assert state["project"]["name"] == PAYLOAD and document["generated_by"] == PAYLOAD
    owners = {item["owner"] for item in state["items"]}
    assert f"owner-000 {PAYLOAD}" in owners
    rows = next(i for i in state["items"] if i["key"] == "framing/failure-modes")["evidence"]["rows"]
    assert rows[0]["mode"] == f"Data drift 0 {PAYLOAD}"
    assert all(s["comment"].endswith(PAYLOAD) for s in state["signoffs"])


def test_a_differing_cell_printing_the_payload_shows_it_literally_in_every_format(hostile: Sample) -> None:
    service, project = hostile.service, hostile.project
    run = service.store.get_run(service.store.list_runs(project.id)[0]["id"])
    evaluate = next(nb for nb in run["notebooks"] if nb["path"] == EVALUATE)
    cell = evaluate["diffs"]["cells"][0]
    outputs = [cell[side][0]["text"].rstrip("\n") for side in ("expected", "actual")]
    assert outputs[0] != outputs[1] and all(o.startswith(f"AUC {PAYLOAD} 0.") for o in outputs)
    pdf = squash(pdf_text(export(service, project, "pdf")))
    render = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "task_lists", "math", "url"])
    markdown = "".join(parse(render(export(service, project, "md").decode())).texts)
    html = "".join(parse(export(service, project, "html").decode()).texts)
    for output in outputs:  # the random number makes each output unique to the differing cell
        assert squash(output) in pdf and output in markdown and output in html, output
    error = f"ValueError in cell 3: bad input {PAYLOAD}"
    assert squash(error) in pdf and error in markdown and error in html
    state = json.loads(export(service, project, "json"))["state"]
    exported = next(r for r in state["runs"] if r["id"] == run["id"])["notebooks"]
    assert next(nb for nb in exported if nb["path"] == EVALUATE)["diffs"]["cells"] == evaluate["diffs"]["cells"]
