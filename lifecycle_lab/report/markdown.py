"""The Markdown export (GitHub flavour): items as task lists, evidence as tables and quotes.

Every string from the project is escaped so it renders literally: the characters
Markdown, GitHub's extensions (tables, strikethrough, math) and raw HTML give
meaning to are backslash-escaped, and line starts that would open a block
(lists, headings, quotes, indented code) are neutralised.
"""

from __future__ import annotations

from typing import Any

from .blocks import (
    audit_table,
    blockers_table,
    coverage_table,
    notebooks_table,
    percent,
    score_table,
    show,
    signoff_state,
)
from .footnotes import collecting
from .writers import md, md_block, md_line, md_or_dash, md_quote, md_table


def _cover(doc: dict[str, Any]) -> list[str]:
    project, template, ready, audit, score = (doc["project"], doc["template"], doc["readiness"], doc["audit"],
                                              doc["score"])
    return [
        f"# Lifecycle dossier: {md(project['name'])}",
        "",
        f"- **Project:** {md(project['name'])} ({md(project['id'])})",
        f"- **Template:** {md(template['title'])} ({md(template['id'])} {md(template['version'])})",
        f"- **Generated:** {md(doc['generated_at'])} by {md(doc['generated_by'])} with {md(doc['generator'])}",
        f"- **Readiness:** **{ready['status'].upper()}**, {percent(ready['progress'])} of applicable items done, "
        f"{ready['gates_passed']} of {ready['gates_total']} gates pass, {ready['overdue']} overdue, "
        f"{ready['stale']} with stale evidence",
        *([f"- **{md(score['title'])}:** {show(score['final'])}, {md(score['band'])} (the lowest section score)"]
          if score else []),
        f"- **Audit chain:** {audit['status']}, {audit['total']} events, {md(audit['mode'])}",
        f"- **Chain head:** event {audit['head_seq']} at {md(audit['head_at'])}, {audit['head']}",
        "",
        "## Summary by stage",
        "",
        *md_table(["Stage", "Progress", "Gate", "Blockers", "Overdue"], [
            [s["title"], percent(s["progress"]), "passes" if s["gate"]["passed"] else "blocked",
             len(s["gate"]["blockers"]), len(s["overdue"])]
            for s in doc["stages"]
        ]),
        *(_score_table(score) if score else []),
        *(["**Framework coverage**", "", *md_block(coverage_table(doc["coverage"]), "")] if doc["coverage"] else []),
    ]


def _score_table(score: dict[str, Any]) -> list[str]:
    return [f"**{md(score['title'])} by section**", "", *md_block(score_table(score), "")]


def _item(item: dict[str, Any]) -> list[str]:
    done = "x" if item["status"] in ("done", "not_applicable") else " "
    required = " (required)" if item["required"] else ""
    lines = [f"- [{done}] **{md(item['title'])}**{required}: {item['status'].replace('_', ' ')}"]
    meta = [f"{md(item['key'])}", f"evidence: {item['evidence_kind']}", f"owner: {md_or_dash(item['owner'])}",
            f"due: {md_or_dash(item['due'])}{' (**overdue**)' if item['overdue'] else ''}"]
    if item["updated_at"]:
        meta.append(f"version {item['version']}, updated {md(item['updated_at'])} by {md(item['updated_by'])}")
    lines += ["  " + " · ".join(meta), ""]
    if item["notes"]:
        lines += ["  **Notes:**", "", *md_quote(item["notes"], "  "), ""]
    if item["justification"]:
        lines += ["  **Not applicable because:**", "", *md_quote(item["justification"], "  "), ""]
    lines += [f"  **Stale:** {md(reason)}" for reason in item["stale"]]
    for block in item["evidence"]:
        lines += md_block(block, "  ")
    return lines


def _stages(doc: dict[str, Any]) -> list[str]:
    lines = ["## Stages and items", ""]
    for number, stage in enumerate(doc["stages"], start=1):
        gate = stage["gate"]
        lines += [f"### {number}. {md(stage['title'])}", ""]
        if stage["description"]:
            lines += [md_line(stage["description"].replace("\n", " ")), ""]
        signers = f" · sign-offs by {md(', '.join(gate['signoffs']))}" if gate["signoffs"] else ""
        lines += [f"Progress {percent(stage['progress'])} · gate **{'passes' if gate['passed'] else 'blocked'}**"
                  f"{signers}", ""]
        if gate["blockers"]:
            lines += md_block(blockers_table(gate["blockers"]), "")
        for item in stage["items"]:
            lines += _item(item)
    return lines


def _signoffs(doc: dict[str, Any]) -> list[str]:
    lines = ["## Sign-offs", ""]
    if not doc["signoffs"]:
        return [*lines, "No sign-offs recorded.", ""]
    return [*lines, *md_table(["Stage", "Role", "Decision", "By", "At", "Comment", "State"], [
        [s["stage_title"], s["role"], s["decision"], s["user"], s["at"], s["comment"],
         signoff_state(s)]
        for s in doc["signoffs"]
    ])]


def _notebook_detail(nb: dict[str, Any]) -> list[str]:
    """What the latest rerun of one notebook found: the comparison, the error, each differing cell."""
    lines = [f"**{md(nb['path'])}** (run {md(nb['run_id'])}): {md(nb['verdict'])}"
             + (f"; compared with {nb['against']}: {md(nb['counts'])}" if nb["counts"] else "")
             + (f"; differing cells by reason: {md(nb['reasons'])}" if nb.get("reasons") else ""), ""]
    lines += [*(f"- Note: {md(note)}" for note in nb["notes"]), ""] if nb["notes"] else []
    error = nb["error"]
    if error:
        where = f", cell {error['cell']}" if error["cell"] else ""
        lines += [f"Error ({md_or_dash(error['kind'])}{where}):", "", *md_quote(error["message"], ""), ""]
    for cell in nb["differing"]:
        lines += [f"- Cell {cell['cell']} ({md(cell['status'])}): {md_or_dash(cell['source'])}"]
        if cell["difference"]:
            lines += [f"  First difference: {md(cell['difference'])}"]
        if cell.get("reason"):
            lines += [f"  Reason: {md(cell['reason'])}"]
        if cell.get("lint"):
            lines += [f"  Explained by the lint: {md(cell['lint'])}"]
        lines += ["", "  Saved output:", "", *md_quote(cell["expected"], "  "), "",
                  "  Rerun output:", "", *md_quote(cell["actual"], "  "), ""]
    if nb["omitted"]:
        lines += [f"… and {nb['omitted']} more differing cells (see the JSON export)", ""]
    for block in nb["other"]:
        lines += md_block(block, "")
    return lines


def _reruns(doc: dict[str, Any]) -> list[str]:
    reruns = doc["reruns"]
    lines = ["## Reproducibility reruns", ""]
    if not reruns["notebooks"]:
        return [*lines, "No notebooks are listed for rerun and no rerun was recorded.", ""]
    lines += ["The latest rerun of each notebook.", ""]
    lines += md_block(notebooks_table(reruns["notebooks"]), "")
    for nb in reruns["notebooks"]:
        if nb["run_id"]:
            lines += _notebook_detail(nb)
    for run in reruns["runs"]:
        lines += [f"### Run {md(run['id'])}", ""]
        facts = [("Status", run["status"]), ("Verdict", run["verdict"]), ("Requested by", run["requested_by"]),
                 ("Created", run["created_at"]), ("Finished", run["finished_at"]),
                 ("Ran twice", "yes" if run["twice"] else "no"), ("Error", run["error"])]
        lines += [*(f"- **{label}:** {md_or_dash(value)}" for label, value in facts if value), ""]
        for title, blocks in (("Environment", run["environment"]),
                              ("Environment changes since the previous run", run["environment_diff"]),
                              ("Data checks", run["data_checks"])):
            if blocks:
                lines += [f"**{title}**", ""]
                for block in blocks:
                    lines += md_block(block, "")
    return lines


def _lint(doc: dict[str, Any]) -> list[str]:
    lines = ["## Reproducibility lint", "", "What the static lint finds in the notebooks now (nothing is run).", ""]
    for block in doc["lint"]["blocks"]:
        lines += md_block(block, "")
    return lines


def _audit(doc: dict[str, Any]) -> list[str]:
    audit = doc["audit"]
    if audit["verified"]:
        state = f"The hash chain verifies: {audit['total']} events, head {audit['head']}."
    else:
        state = f"The hash chain is **BROKEN**: {md(audit['message'])} (verified up to {audit['head']})."
    lines = ["## Audit trail", "", state, ""]
    if audit["shown"] < audit["total"]:
        lines += [f"Showing the latest {audit['shown']} of {audit['total']} events.", ""]
    return [*lines, *md_block(audit_table(audit), "")]


def render_markdown(doc: dict[str, Any]) -> str:
    """The report document as GitHub-flavoured Markdown."""
    with collecting() as notes:  # long tokens in tables: a middle ellipsis, the full value in a footnote
        lines = [*_cover(doc), *_stages(doc), *_signoffs(doc), *_reruns(doc), *_lint(doc), *_audit(doc)]
    definitions = notes.definitions(md)
    if definitions:
        lines += ["", *definitions]
    return "\n".join(lines).rstrip("\n") + "\n"




