"""Checklist templates: load YAML, validate against ``templates/schema.json``, find them on the search path.

Every problem is reported as ``file:line: field: message``; all problems of a
file are reported at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ._jsonschema import Draft202012Validator
from .domain import Gate, ItemSpec, Role, Stage, Template
from .errors import NotFound, TemplateError
from .evidence import KINDS
from .frameworks import FrameworkRegistry, parse_ref
from .yamlmarks import MarkedDict, MarkedList, dotted, line_of, load_marked_file

TEMPLATE_PATH_ENV = "LIFECYCLE_LAB_TEMPLATE_PATH"
_PACKAGE = Path(__file__).resolve().parent


def builtin_template_dir() -> Path:
    """The shipped templates: inside the installed package, or top-level ``templates/`` in a checkout."""
    installed = _PACKAGE / "builtin_templates"
    return installed if (installed / "schema.json").is_file() else _PACKAGE.parent / "templates"


@lru_cache(maxsize=1)
def _schema_validator() -> Draft202012Validator:
    schema = json.loads((builtin_template_dir() / "schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def template_search_path(extra: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """Built-in templates first, then ``LIFECYCLE_LAB_TEMPLATE_PATH`` folders, then ``extra`` (from config)."""
    env = [p for p in os.environ.get(TEMPLATE_PATH_ENV, "").split(os.pathsep) if p]
    return [builtin_template_dir(), *(Path(p).expanduser() for p in [*env, *extra])]


def _schema_problems(data: Any, filename: str) -> list[str]:
    problems = []
    for err in sorted(_schema_validator().iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = list(err.absolute_path)
        field = dotted(path) or "(top level)"
        message = err.message
        if path and path[-1] == "evidence" and err.validator == "enum":
            message = f"unknown evidence kind {err.instance!r} (expected one of {', '.join(KINDS)})"
        problems.append(f"{filename}:{line_of(data, path)}: {field}: {message}")
    return problems


def _semantic_problems(data: MarkedDict, filename: str) -> list[str]:
    """Rules JSON Schema cannot state: unique ids, declared roles, gates naming real items."""
    problems: list[str] = []
    roles = {r["id"] for r in data.get("roles", [])}
    seen_items: dict[str, str] = {}
    seen_stages: set[str] = set()
    keys = {f"{s['id']}/{i['id']}" for s in data.get("stages", []) for i in s.get("items", [])}
    for s_index, stage in enumerate(data.get("stages", [])):
        where = ["stages", s_index]
        if stage["id"] in seen_stages:
            problems.append(f"{filename}:{line_of(data, [*where, 'id'])}: {dotted([*where, 'id'])}: "
                            f"duplicate stage id {stage['id']!r}")
        seen_stages.add(stage["id"])
        for i_index, item in enumerate(stage.get("items", [])):
            at = [*where, "items", i_index]
            if item["id"] in seen_items:
                problems.append(f"{filename}:{line_of(data, [*at, 'id'])}: {dotted([*at, 'id'])}: "
                                f"duplicate item id {item['id']!r} (also in stage {seen_items[item['id']]!r})")
            seen_items.setdefault(item["id"], stage["id"])
            role = item.get("owner_role")
            if role is not None and role not in roles:
                problems.append(f"{filename}:{line_of(data, [*at, 'owner_role'])}: {dotted([*at, 'owner_role'])}: "
                                f"unknown role {role!r}")
        gate = stage.get("gate") or {}
        for r_index, role in enumerate(gate.get("signoffs", [])):
            at = [*where, "gate", "signoffs", r_index]
            if role not in roles:
                problems.append(f"{filename}:{line_of(data, at)}: {dotted(at)}: gate names unknown role {role!r}")
        for k_index, key in enumerate(gate.get("requires", [])):
            at = [*where, "gate", "requires", k_index]
            if key not in keys:
                problems.append(f"{filename}:{line_of(data, at)}: {dotted(at)}: gate names unknown item {key!r}")
        policy = stage.get("policy") or {}
        named = [(["roles", n], role, roles, "role") for n, role in enumerate(policy.get("roles") or [])]
        evidence = policy.get("require_evidence")
        named += [(["require_evidence", n], key, keys, "item")
                  for n, key in enumerate(evidence if isinstance(evidence, list) else [])]
        for path, name, known, what in named:
            at = [*where, "policy", *path]
            if name not in known:
                problems.append(f"{filename}:{line_of(data, at)}: {dotted(at)}: policy names unknown {what} {name!r}")
    return problems


@lru_cache(maxsize=8)
def framework_registry(folders: tuple[Path, ...]) -> FrameworkRegistry:
    """The clause tables of a template search path (one registry per path, reloading changed files)."""
    return FrameworkRegistry(folders)


def _ref_problems(data: MarkedDict, filename: str, frameworks: FrameworkRegistry) -> list[str]:
    """Every ``FRAMEWORK:CLAUSE`` reference must name a clause in that framework's table."""
    problems: list[str] = []
    tables = {framework.id: framework for framework in frameworks.all()}
    for s_index, stage in enumerate(data.get("stages", [])):
        for i_index, item in enumerate(stage.get("items", [])):
            for r_index, ref in enumerate(item.get("refs", [])):
                parsed = parse_ref(ref)
                if parsed is None:
                    continue
                at = ["stages", s_index, "items", i_index, "refs", r_index]
                where = f"{filename}:{line_of(data, at)}: {dotted(at)}"
                table = tables.get(parsed[0])
                if table is None:
                    problems.append(f"{where}: unknown framework {parsed[0]!r} in {ref!r} "
                                    f"(known: {', '.join(tables) or 'none'})")
                elif parsed[1] not in table.clause_ids():
                    problems.append(f"{where}: framework {parsed[0]!r} has no clause {parsed[1]!r} "
                                    f"(see {table.path})")
    return problems


def _marked(items: dict[str, Any], *sources: Any) -> MarkedDict:
    """A MarkedDict of ``items`` whose key lines come from the first source that has the key."""
    out = MarkedDict(items)
    out.line = next((getattr(src, "line", 0) for src in sources if getattr(src, "line", 0)), 1)
    out.key_lines = {}
    for src in reversed(sources):
        out.key_lines.update(getattr(src, "key_lines", {}))
    return out


def _marked_list(values: list[Any]) -> MarkedList:
    out = MarkedList(values)
    out.item_lines = [getattr(v, "line", 1) for v in values]
    out.line = out.item_lines[0] if out.item_lines else 1
    return out


def _merge_extension(base: MarkedDict, ext: MarkedDict) -> MarkedDict:
    """A template that ``extends`` another: roles and stages merged by id, items appended or replaced.

    The result keeps each value's line in the file it came from.
    """
    merged = _marked({**base, **{k: v for k, v in ext.items() if k != "extends"}}, ext, base)
    roles = {r["id"]: r for r in base.get("roles", [])}
    roles.update({r["id"]: r for r in ext.get("roles", [])})
    merged["roles"] = _marked_list(list(roles.values()))
    stages = {s["id"]: s for s in base.get("stages", [])}
    for stage in ext.get("stages", []):
        target = stages.get(stage["id"])
        if target is None:
            stages[stage["id"]] = stage
            continue
        items = {i["id"]: i for i in target.get("items", [])}
        items.update({i["id"]: i for i in stage.get("items", [])})
        combined = _marked({**target, **stage}, stage, target)
        combined["items"] = _marked_list(list(items.values()))
        stages[stage["id"]] = combined
    merged["stages"] = _marked_list(list(stages.values()))
    return merged


def _plain_policy(policy: Any) -> dict[str, Any] | None:
    """A stage's policy mapping as plain data (lists, not marked YAML sequences)."""
    if not policy:
        return None
    return {key: list(value) if isinstance(value, list) else value for key, value in policy.items()}


def _build(data: dict[str, Any], path: Path) -> Template:
    roles = tuple(Role(r["id"], r["title"], r.get("description", "")) for r in data.get("roles", []))
    stages = []
    for s in data.get("stages", []):
        items = tuple(
            ItemSpec(
                stage=s["id"],
                id=i["id"],
                title=i["title"],
                evidence=i["evidence"],
                required=bool(i.get("required", False)),
                guidance=i.get("guidance", "").strip(),
                why=i.get("why", "").strip(),
                owner_role=i.get("owner_role"),
                automatable=bool(i.get("automatable", False)),
                refs=tuple(i.get("refs", [])),
            )
            for i in s.get("items", [])
        )
        gate = s.get("gate") or {}
        stages.append(
            Stage(
                id=s["id"],
                title=s["title"],
                items=items,
                gate=Gate(tuple(gate.get("signoffs", [])), tuple(gate.get("requires", []))),
                description=s.get("description", "").strip(),
                section=s.get("section"),
                policy=_plain_policy(s.get("policy")),
            )
        )
    return Template(
        id=data["id"],
        version=str(data["version"]),
        title=data["title"],
        stages=tuple(stages),
        roles=roles,
        description=data.get("description", "").strip(),
        source=data.get("source", "").strip(),
        scoring=data.get("scoring"),
        path=str(path),
    )


def _validated(data: Any, filename: str, search: Sequence[Path]) -> None:
    problems = _schema_problems(data, filename)
    if not problems and isinstance(data, MarkedDict):
        problems = _semantic_problems(data, filename)
        problems += _ref_problems(data, filename, framework_registry(tuple(search)))
    if problems:
        raise TemplateError(problems)


_ITEM_FIELDS = ("title", "evidence", "guidance", "why", "required", "owner_role", "automatable")


def _item_from_base(item: MarkedDict, base: ItemSpec) -> MarkedDict:
    """An item that ``extends`` another template's item: the base's fields, then its own; refs are merged."""
    inherited = {name: getattr(base, name) for name in _ITEM_FIELDS
                 if getattr(base, name) not in (None, "", False) or name == "required"}
    out = MarkedDict({**inherited, **item})
    out.line = item.line
    at = item.key_lines.get("extends", item.line)
    out.key_lines = {**{name: at for name in inherited}, **item.key_lines}
    own = list(item.get("refs", []))
    refs = MarkedList([*own, *(ref for ref in base.refs if ref not in own)])
    own_lines = getattr(item.get("refs"), "item_lines", [])
    refs.item_lines = [*own_lines, *[at] * (len(refs) - len(own_lines))]
    refs.line = item.key_lines.get("refs", at)
    if refs:
        out["refs"] = refs
        out.key_lines.setdefault("refs", at)
    return out


def _expand_item_extends(data: Any, path: Path, search: Sequence[Path], chain: tuple[str, ...]) -> None:
    """Replace, in place, each item with ``extends: TEMPLATE/STAGE/ITEM`` by that item completed with its own fields."""
    if not isinstance(data, MarkedDict) or not isinstance(data.get("stages"), list):
        return
    problems: list[str] = []
    bases: dict[str, Template] = {}
    registry = TemplateRegistry(search)
    for s_index, stage in enumerate(data["stages"]):
        items = stage.get("items") if isinstance(stage, dict) else None
        for i_index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, MarkedDict) or "extends" not in item:
                continue
            at = ["stages", s_index, "items", i_index, "extends"]
            where = f"{path}:{line_of(data, at)}: {dotted(at)}"
            parts = item["extends"].split("/") if isinstance(item["extends"], str) else []
            if len(parts) != 3:
                problems.append(f"{where}: expected TEMPLATE/STAGE/ITEM, got {item['extends']!r}")
                continue
            base_id, key = parts[0], "/".join(parts[1:])
            if base_id == data.get("id") or base_id in chain:
                problems.append(f"{where}: {base_id!r} extends itself through "
                                f"{' -> '.join((*chain, str(data.get('id'))))}")
                continue
            try:
                if base_id not in bases:
                    base_path = registry.path_of(base_id)
                    bases[base_id] = _build(_resolved(base_path, search, (*chain, str(data.get("id")))), base_path)
                items[i_index] = _item_from_base(item, bases[base_id].item(key))
            except NotFound as exc:
                problems.append(f"{where}: {exc}")
    if problems:
        raise TemplateError(problems)


def _resolved(path: Path, search: Sequence[Path], chain: tuple[str, ...] = ()) -> MarkedDict:
    """The template's data with any ``extends`` chain (of the template or of items) merged in, validated."""
    data = load_marked_file(path)
    _expand_item_extends(data, path, search, chain)
    if not (isinstance(data, dict) and data.get("extends")):
        _validated(data, str(path), search)
        return data
    problems = _schema_problems(data, str(path))
    if problems:
        raise TemplateError(problems)
    base_id, where = data["extends"], f"{path}:{line_of(data, ['extends'])}: extends"
    if base_id == data["id"] or base_id in chain:
        raise TemplateError([f"{where}: {base_id!r} extends itself through {' -> '.join((*chain, data['id']))}"])
    try:
        base_path = TemplateRegistry(search).path_of(base_id)
    except NotFound:
        raise TemplateError([f"{where}: unknown template {base_id!r}"]) from None
    merged = _merge_extension(_resolved(base_path, search, (*chain, data["id"])), data)
    _validated(merged, f"{path} (extending {base_id})", search)
    return merged


def load_template(path: str | os.PathLike[str], search: Sequence[Path] | None = None) -> Template:
    """Load and validate one template file; TemplateError lists every problem with file and line."""
    path = Path(path)
    return _build(_resolved(path, search if search is not None else template_search_path()), path)


@dataclass(frozen=True)
class TemplateEntry:
    """A template file found on the search path."""

    id: str
    path: Path
    title: str
    version: str


@lru_cache(maxsize=256)
def _peek(path: Path, mtime_ns: int) -> TemplateEntry | None:
    """Id, title and version of a template file without validating it (None when unreadable).

    Cached per file version for the whole process: every registry (one per template resolution) lists the folders.
    """
    try:
        data = load_marked_file(path)
    except TemplateError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    return TemplateEntry(data["id"], path, str(data.get("title", "")), str(data.get("version", "")))


class TemplateRegistry:
    """The templates on a search path; the first folder that has an id wins."""

    def __init__(self, search: Iterable[Path] | None = None) -> None:
        self.search = list(search) if search is not None else template_search_path()
        self._cache: dict[Path, tuple[int, Template]] = {}

    def _entry(self, path: Path) -> TemplateEntry | None:
        return _peek(path, path.stat().st_mtime_ns)

    def entries(self) -> list[TemplateEntry]:
        """Every template found, first-found per id, in search-path order."""
        found: dict[str, TemplateEntry] = {}
        for folder in self.search:
            if not folder.is_dir():
                continue
            for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
                entry = self._entry(path)
                if entry is not None and entry.id not in found:
                    found[entry.id] = entry
        return list(found.values())

    def path_of(self, template_id: str) -> Path:
        """The file that defines ``template_id``; NotFound naming the known ids otherwise."""
        for entry in self.entries():
            if entry.id == template_id:
                return entry.path
        known = ", ".join(e.id for e in self.entries()) or "none"
        raise NotFound(f"unknown template {template_id!r} (known: {known})")

    def get(self, template_id: str) -> Template:
        """The validated template, reloaded only when its file changes."""
        path = self.path_of(template_id)
        mtime = path.stat().st_mtime_ns
        cached = self._cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        template = load_template(path, self.search)
        self._cache[path] = (mtime, template)
        return template


_REGISTRIES: dict[tuple[Path, ...], TemplateRegistry] = {}  # per search path; each reloads a template it sees change


def registry_for(extra: Sequence[str | os.PathLike[str]] = ()) -> TemplateRegistry:
    """The process-wide registry of the search path with ``extra`` folders (the ``template_path`` setting)."""
    search = tuple(template_search_path(extra))
    return _REGISTRIES.setdefault(search, TemplateRegistry(search))
