"""The Annex IV layout as Markdown and HTML, escaped exactly like the other exports.

Every string from the project or a template goes through the same escaping as
the default dossier (``md``/``md_line`` and ``h``); evidence blocks are rendered
by the dossier's own block writers, so the formats never disagree.
"""

from __future__ import annotations

from typing import Any

from .html import render_page
from .writers import badge, fields, h, html_block, md, md_block, md_line, md_quote

MISSING = "MISSING"


def _md_item(item: dict[str, Any]) -> list[str]:
    state = "met" if item["satisfied"] else f"**{MISSING}**: {md(item['missing'])}"
    lines = [f"- **{md(item['title'])}** ({md(item['key'])}, {item['status'].replace('_', ' ')}): {state}", ""]
    if item["justification"]:
        lines += ["  Not applicable because:", "", *md_quote(item["justification"], "  "), ""]
    if item["notes"]:
        lines += ["  Notes:", "", *md_quote(item["notes"], "  "), ""]
    lines += [f"  Stale: {md(reason)}" for reason in item["stale"]]
    for block in item["evidence"]:
        lines += md_block(block, "  ")
    return lines


def render_annex_iv_markdown(annex: dict[str, Any]) -> str:
    """The Annex IV layout as GitHub-flavoured Markdown."""
    project, framework, audit = annex["project"], annex["framework"], annex["audit"]
    status = "complete" if annex["complete"] else (
        f"**{MISSING}** in point(s) {', '.join(str(n) for n in annex['missing_points'])}")
    lines = [
        f"# Technical documentation (EU AI Act, Annex IV): {md(project['name'])}",
        "",
        f"- **Project:** {md(project['name'])} ({md(project['id'])})",
        f"- **Template:** {md(annex['template']['title'])} ({md(annex['template']['id'])} "
        f"{md(annex['template']['version'])})",
        f"- **Layout:** {md(framework['document'])}, clause table {md(framework['id'])} {md(framework['version'])} "
        f"(checked {md(framework['checked'])})",
        f"- **Generated:** {md(annex['generated_at'])} by {md(annex['generated_by'])} with {md(annex['generator'])}",
        f"- **Status:** {status}",
        f"- **Audit chain:** {'verifies' if audit['verified'] else 'BROKEN'}, {audit['total']} events, "
        f"head {md(audit['head'])}",
        "",
        "Points marked MISSING need a person to supply or approve evidence; nothing is filled in automatically.",
        "",
    ]
    for point in annex["points"]:
        lines += [f"## {point['number']}. {md(point['title'])}", "", md_line(point["asks"]), ""]
        if point["missing"]:
            lines += [f"**{MISSING}:**", "", *(f"- {md(reason)}" for reason in point["missing"]), ""]
        for item in point["items"]:
            lines += _md_item(item)
        for block in point["records"]:
            lines += md_block(block, "")
    return "\n".join(lines).rstrip("\n") + "\n"


def _html_item(item: dict[str, Any]) -> str:
    state = (badge("met", "passes") if item["satisfied"]
             else f'{badge(MISSING, "blocked")} <span class="bad">{h(item["missing"])}</span>')
    parts = [f'<div class="item"><h4><span>{h(item["title"])}</span>{state}</h4>',
             f'<div class="key">{h(item["key"])} · {h(item["status"].replace("_", " "))} · evidence: '
             f'{h(item["evidence_kind"])}</div>']
    if item["justification"]:
        parts.append(f"<blockquote><strong>Not applicable because:</strong> {h(item['justification'])}</blockquote>")
    if item["notes"]:
        parts.append(f"<blockquote><strong>Notes:</strong> {h(item['notes'])}</blockquote>")
    parts += [f'<p class="stale">Stale: {h(reason)}</p>' for reason in item["stale"]]
    parts += [html_block(block) for block in item["evidence"]]
    return "".join(parts) + "</div>"


def render_annex_iv_body(annex: dict[str, Any]) -> str:
    """The HTML body of the Annex IV layout (the page around it comes from ``html.render_page``)."""
    project, framework, audit = annex["project"], annex["framework"], annex["audit"]
    status = "complete" if annex["complete"] else (
        f"{MISSING} in point(s) {', '.join(str(n) for n in annex['missing_points'])}")
    facts = [
        ["Project", f"{project['name']} ({project['id']})"],
        ["Template", f"{annex['template']['title']} ({annex['template']['id']} {annex['template']['version']})"],
        ["Layout", f"{framework['document']}, clause table {framework['id']} {framework['version']} "
                   f"(checked {framework['checked']})"],
        ["Status", status],
        ["Audit chain", f"{'verifies' if audit['verified'] else 'BROKEN'}, {audit['total']} events"],
        ["Chain head", audit["head"]],
        ["Generated", f"{annex['generated_at']} by {annex['generated_by']} with {annex['generator']}"],
    ]
    parts = [f'<header><p class="muted">Technical documentation (EU AI Act, Annex IV)</p>'
             f'<h1>{h(project["name"])}</h1>{fields(facts)}'
             "<p>Points marked MISSING need a person to supply or approve evidence; nothing is filled in "
             "automatically.</p></header>"]
    for point in annex["points"]:
        mark = badge("complete", "passes") if point["status"] == "complete" else badge(MISSING, "blocked")
        parts.append(f'<section id="point-{point["number"]}"><h2>{point["number"]}. {h(point["title"])} {mark}</h2>'
                     f'<p class="muted">{h(point["asks"])}</p>')
        if point["missing"]:
            parts.append('<ul class="bad">' + "".join(f"<li>{h(r)}</li>" for r in point["missing"]) + "</ul>")
        parts += [_html_item(item) for item in point["items"]]
        parts += [html_block(block) for block in point["records"]]
        parts.append("</section>")
    return "\n".join(parts)


def render_annex_iv_html(annex: dict[str, Any]) -> str:
    """The Annex IV layout as one self-contained HTML page."""
    return render_page(f"Technical documentation (Annex IV): {annex['project']['name']}",
                       render_annex_iv_body(annex), annex)
