"""REST: a project exported as a PDF dossier, Markdown, HTML or JSON file download."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_server_contract import conforms

from lifecycle_lab.service import Lifecycle, Project

ITEM = "framing/risk-tier"


@pytest.fixture
def download(jp_fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """GET ``projects/{id}/export`` with the server's token; the raw response (bytes), whatever its status."""

    async def get(project_id: str, fmt: str | None, headers: dict[str, str] | None = None) -> Any:
        params = {} if fmt is None else {"format": fmt}
        return await jp_fetch("lifecycle-lab", "api", "projects", project_id, "export", params=params,
                              headers=headers or {}, raise_error=False)

    return get


@pytest.fixture
def filled(served_project: Project, service: Lifecycle) -> Project:
    """The served project with one item answered."""
    service.set_item(served_project, ITEM, {"status": "done", "owner": "dana",
                                            "evidence": {"text": "Tier 2: reversible decisions"}}, actor="dana")
    return served_project


def disposition(response: Any) -> str:
    return response.headers["Content-Disposition"]


@pytest.mark.parametrize(("fmt", "media_type"), [
    ("pdf", "application/pdf"), ("md", "text/markdown; charset=utf-8"), ("html", "text/html; charset=utf-8"),
    ("json", "application/json"),
])
async def test_each_format_downloads_as_an_attachment_with_its_media_type(
    download, filled: Project, fmt: str, media_type: str
) -> None:
    response = await download(filled.id, fmt)
    assert response.code == 200
    assert response.headers["Content-Type"] == media_type
    assert disposition(response).startswith('attachment; filename="credit-model-lifecycle-')
    assert disposition(response).endswith(f'.{fmt}"')
    assert "filename*" not in disposition(response)  # the name is ASCII already


async def test_the_pdf_dossier_holds_the_project_and_its_answers(download, filled: Project) -> None:
    response = await download(filled.id, "pdf")
    assert response.body.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body)).pages)
    for words in ("Credit model", "Risk tier", "dana", "Tier 2: reversible decisions"):
        assert words in text, words


async def test_the_markdown_has_the_checklist_as_task_lists(download, filled: Project) -> None:
    text = (await download(filled.id, "md")).body.decode("utf-8")
    assert "Credit model" in text and "- [x]" in text and "- [ ]" in text


async def test_the_html_is_one_self_contained_page(download, filled: Project) -> None:
    text = (await download(filled.id, "html")).body.decode("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html>") and "Tier 2: reversible decisions" in text
    assert "<script src" not in text and "<link " not in text


async def test_the_export_is_generated_by_the_authenticated_user(api, filled: Project) -> None:
    # (``api`` keeps the login cookie, so both requests come from the same user)
    user = (await api("GET", f"projects/{filled.id}")).body["user"]["actor"]
    document = (await api("GET", f"projects/{filled.id}/export", params={"format": "json"})).body
    assert document["generated_by"] == user
    assert document["state"]["project"]["id"] == filled.id
    assert conforms(document, "ExportDocument") == []


async def test_a_non_ascii_project_name_gets_an_rfc6266_filename(
    download, service: Lifecycle, jp_root_dir: Path
) -> None:
    (jp_root_dir / "kredit").mkdir()
    project = service.init_project(jp_root_dir / "kredit", actor="alice", name="Kredit-Prüfung")
    header = disposition(await download(project.id, "md"))
    assert header.startswith('attachment; filename="kredit-prufung-lifecycle-')
    assert "; filename*=UTF-8''kredit-pr%C3%BCfung-lifecycle-" in header and header.endswith(".md")


async def test_a_project_name_cannot_inject_into_the_header(download, service: Lifecycle, jp_root_dir: Path) -> None:
    (jp_root_dir / "odd").mkdir()
    project = service.init_project(jp_root_dir / "odd", actor="alice", name='a"; filename="../../evil.sh')
    header = disposition(await download(project.id, "json"))
    assert header.startswith('attachment; filename="a-filename-evil-sh-lifecycle-') and header.count('"') == 2


async def test_an_unknown_format_is_400_naming_the_field(api, filled: Project) -> None:
    reply = await api("GET", f"projects/{filled.id}/export", params={"format": "docx"})
    assert reply.status == 400 and reply.body["field"] == "format"
    assert reply.body["message"] == "format: 'docx' is not one of pdf, md, html, json, model-card"


async def test_a_missing_format_is_400_naming_the_field(api, filled: Project) -> None:
    reply = await api("GET", f"projects/{filled.id}/export")
    assert reply.status == 400 and reply.body["field"] == "format"


async def test_exporting_without_a_token_is_403(download, filled: Project) -> None:
    response = await download(filled.id, "pdf", headers={"Authorization": ""})
    assert response.code == 403 and not response.body.startswith(b"%PDF")


async def test_exporting_an_unknown_project_is_404(api) -> None:
    reply = await api("GET", "projects/nope/export", params={"format": "md"})
    assert reply.status == 404
