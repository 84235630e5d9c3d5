"""SVG, HTML and XML outputs reduced to a canonical text, so only what a reader would see as different differs.

Pure, with Python's own parsers: ``xml.etree.ElementTree`` for SVG and XML
(expat, which refuses entity-expansion bombs and never fetches external
entities) and ``html.parser`` for HTML (lenient like a browser, so any HTML
reduces). Neither needs a dependency, and both keep what was written, which a
comparison needs (a tree-fixing parser such as BeautifulSoup would repair
markup and hide a real change).

The canonical text has one tag or text node per line: attributes in name
order, whitespace between tags dropped, HTML text whitespace collapsed as a
browser renders it (kept inside ``<pre>``), comments dropped. Generated ids
(pandas Styler ``T_1a2b3``, plotly/altair/vega-embed/bokeh div ids, matplotlib
clip-path and marker ids, uuids) are renamed ``id1``, ``id2``… in order of
first appearance, everywhere they are referenced (CSS selectors, ``url(#…)``,
scripts), so the same table or chart made again is the same text. Markup that
does not parse falls back to its plain text, with a note.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from html import escape
from html.parser import HTMLParser

MARKUP_TYPES = frozenset({"image/svg+xml", "text/html", "text/xml", "application/xml", "application/xhtml+xml"})
_XML_TYPES = frozenset({"image/svg+xml", "text/xml", "application/xml"})
_WHITESPACE = re.compile(r"\s+")
_GENERATED_ID = re.compile(
    r"(?:^|[_-])[0-9a-fA-F]{5,}(?:$|[_-])"  # T_1a2b3 (pandas), altair-viz-<hex>, uuids
    r"|^[pm][0-9a-f]{10}$"  # matplotlib SVG clip paths and markers
)
_KEEP_WHITESPACE = frozenset({"pre", "textarea"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


def _attributes(items: list[tuple[str, str | None]]) -> str:
    return "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in sorted(items))


class _HTMLCanon(HTMLParser):
    """Collects the canonical lines and the ids of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.ids: list[str] = []
        self.raw_text = 0  # inside <pre>/<textarea>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]
        self.lines.append(f"<{tag}{_attributes(attrs)}>")
        if tag in _KEEP_WHITESPACE:
            self.raw_text += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]
        self.lines.append(f"<{tag}{_attributes(attrs)}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _KEEP_WHITESPACE and self.raw_text:
            self.raw_text -= 1
        if tag not in _VOID:
            self.lines.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        text = data if self.raw_text else _WHITESPACE.sub(" ", data).strip()
        if text:
            self.lines.append(text)

    def handle_decl(self, decl: str) -> None:
        self.lines.append(f"<!{decl}>")


def _local(tag: str) -> str:
    """``{http://www.w3.org/2000/svg}path`` as ``path``; another namespace is kept as ``ns:path``."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return name if namespace.endswith("/svg") or not namespace else f"{namespace}:{name}"
    return tag


def _xml_lines(element: ET.Element, lines: list[str], ids: list[str]) -> None:
    attrs = [(_local(name), value) for name, value in element.attrib.items()]
    ids += [value for name, value in attrs if name in ("id", "xml:id") and value]
    lines.append(f"<{_local(element.tag)}{_attributes(attrs)}>")
    if element.text and element.text.strip():
        lines.append(element.text.strip())
    for child in element:
        _xml_lines(child, lines, ids)
        if child.tail and child.tail.strip():
            lines.append(child.tail.strip())
    lines.append(f"</{_local(element.tag)}>")


def _rename_generated_ids(text: str, ids: list[str]) -> str:
    generated = list(dict.fromkeys(value for value in ids if _GENERATED_ID.search(value)))
    if not generated:
        return text
    names = {value: f"id{position + 1}" for position, value in enumerate(generated)}
    pattern = re.compile(r"(?<![0-9A-Za-z])(?:" + "|".join(re.escape(v) for v in sorted(generated, key=len,
                                                                                          reverse=True)) +
                         r")(?![0-9A-Za-z])")
    return pattern.sub(lambda match: names[match.group(0)], text)


@lru_cache(maxsize=256)
def canonical_markup(mime: str, text: str) -> tuple[str, str | None]:
    """The canonical text of an SVG/HTML/XML output, and a note when it did not parse (then: the text as is)."""
    lines: list[str] = []
    ids: list[str] = []
    if mime in _XML_TYPES:
        try:
            root = ET.fromstring(text.strip())
        except ET.ParseError as exc:
            kind = "SVG" if mime == "image/svg+xml" else "XML"
            return text, f"malformed {kind} ({exc}): compared as text"
        _xml_lines(root, lines, ids)
    else:
        parser = _HTMLCanon()
        try:
            parser.feed(text)
            parser.close()
        except (AssertionError, ValueError) as exc:  # html.parser gives up only on pathological declarations
            return text, f"unparsable HTML ({exc}): compared as text"
        lines, ids = parser.lines, parser.ids
    return _rename_generated_ids("\n".join(lines), ids), None
