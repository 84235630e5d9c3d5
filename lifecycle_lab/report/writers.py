"""The element writers the Markdown and HTML exports share (the dossier, Annex IV, the model card): escaping,
quotes, tables, field lists, badges and evidence blocks, so every format escapes user text the one same way.

Markdown: every string from the project renders literally: the characters Markdown, GitHub's extensions and
raw HTML give meaning to are backslash-escaped, and line starts that would open a block are neutralised.
HTML: every string goes through ``html.escape`` (quotes too); links only for what ``blocks`` made an href.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import quote

from .blocks import MISSING
from .footnotes import table_cell

# --- Markdown -------------------------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~$&@])")  # ( and ) are inert once [ and ] are escaped


_URL_SAFE = ":/?#@!$&()*+,;=%~-._"  # everything else (spaces, <, >, backslash) is percent-encoded


_BLOCK_START = re.compile(r"^(\d+)([.)])|^([-+=])")  # ordered and bullet lists, setext underlines


def md(value: Any) -> str:
    """Literal inline text (a newline becomes ``<br>``, which is ours, not the user's)."""
    return "<br>".join(_SPECIAL.sub(r"\\\1", line) for line in str(value).split("\n"))


def _escape_start(match: re.Match[str]) -> str:
    return f"{match[1]}\\{match[2]}" if match[1] else f"\\{match[3]}"


def md_line(value: str) -> str:
    """Literal text that starts a line: also neutralise what would open a block there."""
    stripped = value.lstrip(" \t")
    indent = "&#32;" * (len(value) - len(stripped))  # leading spaces would start an indented code block
    return indent + _BLOCK_START.sub(_escape_start, md(stripped))


def md_or_dash(value: Any) -> str:
    """Escaped text, or a dash when empty."""
    return md(value) if value not in (None, "") else MISSING


def md_quote(text: str, indent: str) -> list[str]:
    """Text as a Markdown block quote, each line literal."""
    return [f"{indent}> {md_line(line)}" if line.strip() else f"{indent}>" for line in text.split("\n")]


def md_table(columns: list[str], rows: list[list[Any]], indent: str = "") -> list[str]:
    """A table of display strings as escaped Markdown lines."""
    lines = [indent + "| " + " | ".join(md(c) for c in columns) + " |", indent + "|" + "---|" * len(columns)]
    lines += [indent + "| " + " | ".join(table_cell(str(cell), md) if cell not in (None, "") else MISSING
                                         for cell in row) + " |" for row in rows]
    return [*lines, ""]


def md_block(block: dict[str, Any], indent: str = "") -> list[str]:
    """One display block (fields, table, text, link) as escaped Markdown lines."""
    if block["type"] == "fields":
        return [*(f"{indent}- **{md(label)}:** {md(value)}" for label, value in block["rows"]), ""]
    if block["type"] == "table":
        return md_table(block["columns"], block["rows"], indent)
    if block["type"] == "text":
        return [*md_quote(block["text"], indent), ""]
    title = md(block["title"])
    shown = f"[{title}](<{quote(block['href'], safe=_URL_SAFE)}>)" if block["href"] else title
    if block["title"] != block["url"]:
        shown += f" ({md(block['url'])})"
    return [f"{indent}Link: {shown}", ""]


# --- HTML -----------------------------------------------------------------------------------------


def h(value: Any) -> str:
    """Escaped text (quotes included, so it is safe in attributes too)."""
    return escape(str(value), quote=True)


def html_dash(value: Any) -> str:
    """Escaped text, or a dash when empty."""
    return h(value) if value not in (None, "") else MISSING


def badge(text: str, css: str) -> str:
    """A coloured label."""
    return f'<span class="badge {h(css)}">{h(text)}</span>'


def markup_table(columns: list[str], rows: list[list[str]]) -> str:
    """A table whose cells are already markup."""
    head = "".join(f"<th>{h(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_table(columns: list[str], rows: list[list[Any]]) -> str:
    """A table of display strings, escaped."""
    return markup_table(columns, [[html_dash(cell) for cell in row] for row in rows])


def fields(rows: list[list[str]]) -> str:
    """Label/value pairs as a definition list, escaped."""
    return '<dl class="fields">' + "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in rows) + "</dl>"


def html_block(block: dict[str, Any]) -> str:
    """One display block (fields, table, text, link) as escaped HTML."""
    if block["type"] == "fields":
        return fields(block["rows"])
    if block["type"] == "table":
        return html_table(block["columns"], block["rows"])
    if block["type"] == "text":
        return f"<blockquote>{h(block['text'])}</blockquote>"
    title = h(block["title"])
    shown = f'<a href="{h(block["href"])}" rel="noopener noreferrer">{title}</a>' if block["href"] else title
    if block["title"] != block["url"]:
        shown += f' <span class="muted">({h(block["url"])})</span>'
    return f"<p>Link: {shown}</p>"
