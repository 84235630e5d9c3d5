"""A cell's outputs as comparable parts: streams coalesced, counts and metadata dropped, each MIME type reduced.

Pure. Text is sanitized (``sanitize.py``); images keep their base64 payload
and a content hash; SVG/HTML/XML become canonical markup
(``compare_markup.py``); JSON outputs are compared as data (parsed, keys
sorted; a widget view without its random model id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .compare_images import IMAGE_TYPES, image_digest, payload_text
from .compare_markup import MARKUP_TYPES, canonical_markup
from .sanitize import Sanitizer, sanitize

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_SHOWN = 2_000  # characters of each output kept in a diff record


@dataclass(frozen=True)
class Part:
    """One comparable piece of a cell's output: a stream, one MIME type of a result, or an error.

    ``output`` is the position of the output it came from (several MIME types share one); ``payload`` is an
    image's base64 or an error's traceback; ``note`` says when a representation fell back to plain text.
    """

    kind: str  # stdout | stderr | error | a MIME type
    text: str  # sanitized text; canonical markup; ``sha256:…`` for images
    output: int = 0
    payload: str = ""
    note: str | None = None

    def to_json(self) -> dict[str, str]:
        """As JSON, with long text cut to MAX_SHOWN characters."""
        text = self.text
        if len(text) > MAX_SHOWN:
            text = text[:MAX_SHOWN] + f"… ({len(self.text) - MAX_SHOWN} more characters)"
        return {"kind": self.kind, "text": text}


def text_of(value: Any) -> str:
    """A notebook string field (a string or a list of lines) as one string."""
    return "".join(value) if isinstance(value, list) else str(value)


def _jsontext_of(mime: str, value: Any) -> str:
    """JSON outputs as data: parsed when stored as a string, keys sorted; a widget view without its random id."""
    if isinstance(value, (str, list)) and not isinstance(value, dict):
        raw = text_of(value) if isinstance(value, str) or all(isinstance(v, str) for v in value) else None
        if raw is not None:
            try:
                value = json.loads(raw)
            except ValueError:
                return raw
    if mime == WIDGET_VIEW and isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "model_id"}  # random per run; its state is not an output
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False, default=str)


def is_json(mime: str) -> bool:
    """Whether a MIME type holds JSON."""
    return mime == "application/json" or mime.endswith("+json")


def _mime_part(mime: str, value: Any, output: int, sanitizers: Sequence[Sanitizer]) -> Part:
    if mime in IMAGE_TYPES:
        payload = payload_text(value)
        return Part(mime, image_digest(payload), output, payload=payload)
    if is_json(mime):
        return Part(mime, sanitize(_jsontext_of(mime, value), sanitizers), output)
    if mime in MARKUP_TYPES:
        canonical, note = canonical_markup(mime, text_of(value))
        return Part(mime, sanitize(canonical, sanitizers), output, note=note)
    if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return Part(mime, sanitize(json.dumps(value, sort_keys=True, indent=1, default=str), sanitizers), output)
    return Part(mime, sanitize(text_of(value), sanitizers), output)


def normalize_outputs(outputs: Sequence[Mapping[str, Any]], sanitizers: Sequence[Sanitizer]) -> tuple[Part, ...]:
    """A cell's outputs as comparable parts: metadata and counts dropped, each stream's text joined.

    As nbval does, all of a cell's stdout is one part and all its stderr another, each where that stream first
    appeared: how the two interleave depends on when buffers were flushed, not on what the cell computed.
    """
    items: list[Any] = []  # a Part, or a stream name whose joined text is filled in at the end
    streams: dict[str, list[str]] = {}
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = str(output.get("name", "stdout"))
            if name not in streams:
                streams[name] = []
                items.append(name)
            streams[name].append(text_of(output.get("text", "")))
        elif kind in ("execute_result", "display_data", "update_display_data"):
            data = output.get("data") or {}
            items.append([_mime_part(mime, data[mime], 0, sanitizers) for mime in sorted(data)])
        elif kind == "error":
            message = f"{output.get('ename', '')}: {output.get('evalue', '')}"
            trace = "\n".join(text_of(line) for line in output.get("traceback") or [])
            items.append([Part("error", sanitize(message, sanitizers), 0, payload=trace)])
    parts: list[Part] = []
    for position, item in enumerate(items):
        if isinstance(item, str):
            parts.append(Part(item, sanitize("".join(streams[item]), sanitizers), position))
        else:
            parts.extend(replace(part, output=position) for part in item)
    return tuple(parts)


def raw_outputs(outputs: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Outputs without execution counts and metadata, unsanitized: equal raw outputs need no closer look."""
    raw: list[tuple[Any, ...]] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            raw.append((kind, output.get("name"), text_of(output.get("text", ""))))
        elif kind == "error":
            raw.append((kind, output.get("ename"), output.get("evalue")))
        else:
            raw.append(("data", output.get("data")))
    return raw
