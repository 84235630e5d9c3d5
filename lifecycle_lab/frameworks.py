"""Framework clause tables: the clauses of a regulation or standard that template items can reference.

A clause table is a YAML file in a ``frameworks/`` folder next to the templates
(built in: ``templates/frameworks/``): the framework's id, the document it
transcribes with its address, when it was checked, and one entry per clause
(id, a short title in our words, where it sits in the document). An item names
the clauses it serves in ``refs`` as ``FRAMEWORK:CLAUSE`` (``iso-42001:A.6.2.4``);
``templates.py`` checks every such reference against these tables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._jsonschema import Draft202012Validator
from .errors import NotFound, TemplateError
from .yamlmarks import dotted, line_of, load_marked_file

FRAMEWORKS_DIR = "frameworks"
_SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
# A framework reference: a slug, a colon, then a clause id without spaces ("eu-ai-act-high-risk:art-9").
# URLs ("https://…") and prose ("ACME policy, section 4") are free references and are not checked.
_REF = re.compile(r"^(?P<framework>[a-z0-9]+(?:-[a-z0-9]+)*):(?P<clause>[^\s/][^\s]*)$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://")

_CLAUSE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "section"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9.\-]*$"},
        "title": {"type": "string", "minLength": 1, "description": "What the clause asks, in our own words."},
        "section": {"type": "string", "minLength": 1, "description": "Where it sits in the source document."},
        "url": {"type": "string", "description": "A direct address of the clause, when it has one."},
    },
}
FRAMEWORK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "version", "document", "url", "checked", "clauses"],
    "properties": {
        "id": {"type": "string", "pattern": _SLUG},
        "title": {"type": "string", "minLength": 1},
        "version": {"type": "string", "minLength": 1, "description": "Version of this table (a date or semver)."},
        "document": {"type": "string", "minLength": 1, "description": "The official document the clauses come from."},
        "url": {"type": "string", "minLength": 1, "description": "Where the official document is published."},
        "checked": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "When the ids were checked."},
        "checked_against": {"type": "array", "items": {"type": "string"},
                            "description": "The texts the clause ids and sections were compared with."},
        "notes": {"type": "string"},
        "clauses": {"type": "array", "minItems": 1, "items": _CLAUSE},
    },
}
_VALIDATOR = Draft202012Validator(FRAMEWORK_SCHEMA)


@dataclass(frozen=True)
class Clause:
    """One clause of a framework: an article, an annex point, a control or a subcategory."""

    id: str
    title: str
    section: str
    url: str = ""

    def to_json(self) -> dict[str, str]:
        """As JSON."""
        return {"id": self.id, "title": self.title, "section": self.section, "url": self.url}


@dataclass(frozen=True)
class Framework:
    """A framework's clause table, validated."""

    id: str
    title: str
    version: str
    document: str
    url: str
    checked: str
    clauses: tuple[Clause, ...]
    notes: str = ""
    checked_against: tuple[str, ...] = ()
    path: str | None = None

    def clause_ids(self) -> set[str]:
        """The ids of every clause."""
        return {clause.id for clause in self.clauses}

    def to_json(self) -> dict[str, Any]:
        """The table's description (without its clauses), as JSON."""
        return {"id": self.id, "title": self.title, "version": self.version, "document": self.document,
                "url": self.url, "checked": self.checked, "clauses": len(self.clauses)}


def parse_ref(ref: str) -> tuple[str, str] | None:
    """``(framework, clause)`` of a framework reference, None for a free reference (prose or a URL)."""
    if _URL.match(ref):
        return None
    match = _REF.match(ref)
    return (match["framework"], match["clause"]) if match else None


def load_framework(path: str | os.PathLike[str]) -> Framework:
    """Read and validate one clause table; TemplateError lists every problem with file and line."""
    path = Path(path)
    data = load_marked_file(path)
    problems = [f"{path}:{line_of(data, e.absolute_path)}: {dotted(e.absolute_path) or '(top level)'}: {e.message}"
                for e in sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))]
    if not problems:
        seen: dict[str, int] = {}
        for index, clause in enumerate(data["clauses"]):
            where = ["clauses", index, "id"]
            if clause["id"] in seen:
                problems.append(f"{path}:{line_of(data, where)}: {dotted(where)}: duplicate clause id "
                                f"{clause['id']!r} (also at index {seen[clause['id']]})")
            seen.setdefault(clause["id"], index)
    if problems:
        raise TemplateError(problems)
    return Framework(
        id=data["id"], title=data["title"], version=str(data["version"]), document=data["document"],
        url=data["url"], checked=data["checked"], notes=str(data.get("notes", "")).strip(),
        checked_against=tuple(data.get("checked_against", [])),
        clauses=tuple(Clause(c["id"], c["title"], c["section"], c.get("url", "")) for c in data["clauses"]),
        path=str(path),
    )


class FrameworkRegistry:
    """The clause tables in the ``frameworks/`` folder of each template folder; the first folder that has an id wins."""

    def __init__(self, template_folders: Iterable[Path]) -> None:
        self.folders = [Path(folder) / FRAMEWORKS_DIR for folder in template_folders]
        self._cache: dict[Path, tuple[int, Framework]] = {}

    def _load(self, path: Path) -> Framework:
        mtime = path.stat().st_mtime_ns
        cached = self._cache.get(path)
        if cached is None or cached[0] != mtime:
            cached = (mtime, load_framework(path))
            self._cache[path] = cached
        return cached[1]

    def all(self) -> list[Framework]:
        """Every framework found, first-found per id, in search-path order."""
        found: dict[str, Framework] = {}
        for folder in self.folders:
            if folder.is_dir():
                for path in sorted(folder.glob("*.yaml")):
                    framework = self._load(path)
                    found.setdefault(framework.id, framework)
        return list(found.values())

    def ids(self) -> list[str]:
        """The ids of every framework found."""
        return [framework.id for framework in self.all()]

    def get(self, framework_id: str) -> Framework:
        """The framework with this id; NotFound naming the known ids otherwise."""
        for framework in self.all():
            if framework.id == framework_id:
                return framework
        raise NotFound(f"unknown framework {framework_id!r} (known: {', '.join(self.ids()) or 'none'})")

    def select(self, ids: Sequence[str]) -> list[Framework]:
        """The frameworks with these ids, in the order given (all of them when ``ids`` is empty)."""
        return [self.get(framework_id) for framework_id in ids] if ids else self.all()
