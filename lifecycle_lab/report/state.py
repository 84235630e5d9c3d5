"""The JSON export: a project's complete stored state in a versioned envelope, and reading it back.

``state`` is what ``jupyter lifecycle import`` restores (see ``store/transfer.py``);
``summary`` repeats the report's derived view (readiness, gates, chain head) for
readers of the file and is ignored on import.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError

if TYPE_CHECKING:
    from ..service import Lifecycle

FORMAT = "lifecycle-lab-export"
FORMAT_VERSION = 1


def state_document(service: Lifecycle, doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON export of the project a gathered report ``doc`` describes."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": doc["generator"],
        "generated_at": doc["generated_at"],
        "generated_by": doc["generated_by"],
        "template": doc["template"],
        "summary": {
            "readiness": doc["readiness"],
            "score": doc["score"],
            "stages": [{"id": s["id"], "title": s["title"], "progress": s["progress"], "gate": s["gate"],
                        "overdue": s["overdue"]} for s in doc["stages"]],
            "audit": {k: doc["audit"][k] for k in ("total", "head", "head_seq", "head_at", "mode", "verified",
                                                   "message")},
            "lint": {k: v for k, v in doc["lint"].items() if k != "blocks"},
        },
        "state": service.export_state(doc["project"]["id"]),
    }


def render_json(document: dict[str, Any]) -> bytes:
    """The export file's bytes, indented; the same state gives the same file.

    Keys keep their stored order (not sorted): the order inside JSON values such as
    evidence and run environments is part of what an import must restore.
    """
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_export(raw: bytes) -> dict[str, Any]:
    """The ``state`` of an export file; ValidationError when it is not one this version can import."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(f"not a JSON file: {exc}", field="file") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError(f"not a lifecycle_lab export (expected \"format\": \"{FORMAT}\")", field="format")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ValidationError(f"format_version {version!r} is not supported (this version reads {FORMAT_VERSION})",
                              field="format_version")
    if not isinstance(document.get("state"), dict):
        raise ValidationError("state: missing", field="state")
    return document["state"]
