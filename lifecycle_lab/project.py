"""The project manifest ``lifecycle.yaml``: find it by walking up, read and validate it, create it.

A project is a folder holding ``lifecycle.yaml``. Its ``id`` is stable (a
UUID written once by ``init``) so the checklist state follows the project
across machines and stores.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ._jsonschema import Draft202012Validator
from .errors import Conflict, NotFound, TemplateError, ValidationError
from .lint.catalog import RULE_IDS
from .lint.finding import SEVERITIES
from .notify.webhooks import WEBHOOK_SCHEMA
from .policy import POLICY_SCHEMA, StagePolicy, effective_policies, policy_problems
from .yamlmarks import dotted, line_of, load_marked_file

if TYPE_CHECKING:
    from .domain import Template

MANIFEST = "lifecycle.yaml"
_CACHE_SIZE = 256  # parsed manifests kept (by path), each while its file's stat is unchanged
_PARSED: dict[Path, tuple[tuple[int, ...], Manifest, int]] = {}
_RACY_NS = 1_000_000_000  # file times are coarse: trust a stat only for files unchanged this long before parsing
_CACHE_LOCK = threading.Lock()
STATE_DIR = ".lifecycle"

_NUMBER = {"type": "number", "minimum": 0}
_WORDS = {"type": "string", "minLength": 1, "maxLength": 200}
# What a model card needs that no checklist item records (docs/modelcard.md); all optional, never guessed.
MODEL_CARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "license": _WORDS,
        "task_type": _WORDS,
        "library_name": _WORDS,
        "base_model": _WORDS,
        "language": {"type": "array", "items": _WORDS},
        "tags": {"type": "array", "items": _WORDS},
    },
}
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "template"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "template": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "notebooks": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "frameworks": {
            "type": "array",
            "description": "ids of framework clause tables whose coverage the project reports (templates/frameworks/)",
            "items": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "uniqueItems": True,
        },
        "lint": {
            "type": "object",
            "additionalProperties": False,
            "description": "the reproducibility lint: rules turned off, and the severity `lint` fails on",
            "properties": {
                "disable": {"type": "array", "uniqueItems": True, "items": {"enum": list(RULE_IDS)}},
                "fail_on": {"enum": list(SEVERITIES)},
            },
        },
        "rerun": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "parameters": {"type": "object"},
                "kernel": {"type": ["string", "null"]},
                "timeout": {**_NUMBER, "exclusiveMinimum": 0, "description": "seconds per notebook"},
                "cell_timeout": {**_NUMBER, "exclusiveMinimum": 0, "description": "seconds per cell"},
                "tolerance": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"rel": _NUMBER, "abs": _NUMBER,
                                   "image": {**_NUMBER, "description": "RMS pixel distance, 0-255 scale"}},
                },
                "sanitize_files": {"type": "array", "items": {"type": "string", "minLength": 1},
                                   "description": "nbval sanitize files, relative to the project folder"},
                "sanitizers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["regex"],
                        "properties": {"regex": {"type": "string"}, "replace": {"type": "string"}},
                    },
                },
            },
        },
        "model_card": MODEL_CARD_SCHEMA,
        "policy": POLICY_SCHEMA,
        "notify": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"webhooks": {"type": "array", "items": WEBHOOK_SCHEMA}},
        },
        "revalidate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["every"],
            "properties": {
                "every": {"type": "string", "pattern": "^[1-9][0-9]{0,3}[dw]$",
                          "description": "the cadence: days (30d) or weeks (4w)"},
                "notebooks": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                "datasets": {"type": "array", "items": {"type": "string", "minLength": 1},
                             "description": "registered datasets whose current data is recorded before the rerun"},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(MANIFEST_SCHEMA)

DEFAULT_LINT: dict[str, Any] = {"disable": [], "fail_on": "warning"}

DEFAULT_RERUN: dict[str, Any] = {
    "parameters": {},
    "kernel": None,
    "timeout": 1800,
    "cell_timeout": 600,
    "tolerance": {"rel": 1e-6, "abs": 1e-9},
    "sanitizers": [],
}


@dataclass(frozen=True)
class Manifest:
    """A project's ``lifecycle.yaml``, validated, with defaults filled in."""

    id: str
    name: str
    template: str
    directory: Path
    notebooks: tuple[str, ...] = ()
    description: str = ""
    rerun: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_RERUN))
    frameworks: tuple[str, ...] = ()
    lint: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_LINT))
    model_card: dict[str, Any] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)
    revalidate: dict[str, Any] | None = None  # {every, notebooks, datasets}: the scheduled revalidation, if any
    webhooks: tuple[dict[str, Any], ...] = ()  # notify.webhooks: [{url, events, secret | secret_env}]
    rerun_given: frozenset[str] = frozenset()  # the ``rerun`` keys the file sets (the rest are defaults)

    @property
    def path(self) -> Path:
        """The manifest file."""
        return self.directory / MANIFEST

    @property
    def runs_dir(self) -> Path:
        """Where rerun outputs go."""
        return self.directory / STATE_DIR / "runs"


def find_project_dir(start: str | Path, root: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``lifecycle.yaml``, not going above ``root``."""
    start = Path(start).expanduser().resolve()
    here = start if start.is_dir() else start.parent
    stop = Path(root).resolve() if root is not None else None
    while True:
        if (here / MANIFEST).is_file():
            return here
        if here == stop or here.parent == here:
            break
        here = here.parent
    raise NotFound(
        f"no {MANIFEST} in {start} or any folder above it; "
        "run `jupyter lifecycle init` there to make it a lifecycle project"
    )


def read_manifest(directory: str | Path) -> Manifest:
    """Read and validate ``lifecycle.yaml`` in ``directory``; TemplateError names file and line.

    The parsed manifest is kept while the file's stat (times, size, inode) stays the same: every request that
    opens a project reads it, and parsing YAML costs far more than a ``stat``. Each caller gets its own copy.
    """
    directory = Path(directory).resolve()
    path = directory / MANIFEST
    try:
        stat = path.stat()
    except OSError:
        raise NotFound(f"{path} does not exist") from None
    if not path.is_file():
        raise NotFound(f"{path} does not exist")
    key = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
    with _CACHE_LOCK:
        cached = _PARSED.get(path)
    # As git does with racily clean files: a stat taken within a timestamp granule of the parse may hide a
    # second write of the same size, so a manifest changed just before it was parsed is parsed again.
    if cached is not None and cached[0] == key and max(key[:2]) < cached[2] - _RACY_NS:
        return copy.deepcopy(cached[1])
    parsed_at = time.time_ns()
    manifest = _parse_manifest(path, directory)
    with _CACHE_LOCK:
        _PARSED[path] = (key, manifest, parsed_at)
        while len(_PARSED) > _CACHE_SIZE:
            _PARSED.pop(next(iter(_PARSED)))
    return copy.deepcopy(manifest)


def _parse_manifest(path: Path, directory: Path) -> Manifest:
    data = load_marked_file(path)
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise TemplateError(
            [f"{path}:{line_of(data, e.absolute_path)}: {dotted(e.absolute_path) or '(top level)'}: {e.message}"
             for e in errors]
        )
    rerun = {**DEFAULT_RERUN, **data.get("rerun", {})}
    rerun["tolerance"] = {**DEFAULT_RERUN["tolerance"], **rerun.get("tolerance", {})}
    return Manifest(
        id=data["id"],
        name=data["name"],
        template=data["template"],
        directory=directory,
        notebooks=tuple(data.get("notebooks", [])),
        description=data.get("description", ""),
        rerun=_plain(rerun),
        frameworks=tuple(data.get("frameworks", [])),
        lint=_plain({**DEFAULT_LINT, **data.get("lint", {})}),
        model_card=_plain(data.get("model_card", {})),
        policy=_plain(data.get("policy", {})),
        revalidate=_revalidate(data.get("revalidate"), data.get("notebooks", [])),
        webhooks=tuple(_plain(data.get("notify", {}).get("webhooks", []))),
        rerun_given=frozenset(data.get("rerun", {})),
    )


def _revalidate(section: Any, notebooks: list[str]) -> dict[str, Any] | None:
    """The ``revalidate`` section with its defaults: the manifest's notebooks, no dataset to refresh."""
    if section is None:
        return None
    return {"every": str(section["every"]), "notebooks": list(section.get("notebooks") or notebooks),
            "datasets": list(section.get("datasets") or [])}


def _plain(value: Any) -> Any:
    """Marked YAML containers as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def create_manifest(
    directory: str | Path,
    *,
    name: str | None = None,
    template: str = "default",
    notebooks: list[str] | None = None,
    project_id: str | None = None,
) -> Manifest:
    """Write ``lifecycle.yaml`` (new UUID) and ``.lifecycle/.gitignore``; Conflict if one exists."""
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise NotFound(f"{directory} is not a folder")
    path = directory / MANIFEST
    if path.exists():
        raise Conflict(f"{path} already exists; this folder is already a lifecycle project")
    name = (name or directory.name).strip()
    if not name:
        raise ValidationError("name: must not be empty", field="name")
    if notebooks is None:
        notebooks = sorted(p.name for p in directory.glob("*.ipynb"))
    data = {
        "id": project_id or str(uuid.uuid4()),
        "name": name,
        "template": template,
        "notebooks": notebooks,
        "rerun": {k: DEFAULT_RERUN[k] for k in ("parameters", "timeout", "cell_timeout", "tolerance")},
    }
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:  # refuse before writing: a manifest that fails its own schema would lock the folder
        field = dotted(errors[0].absolute_path) or "manifest"
        raise ValidationError(f"{field}: {errors[0].message}", field=field)
    text = "# lifecycle_lab project manifest: keep `id` stable; edit the rest freely.\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    with open(path, "x", encoding="utf-8") as fh:  # "x": never clobber a manifest written meanwhile
        fh.write(text)
    state = directory / STATE_DIR
    state.mkdir(exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# rerun outputs are evidence in the store, not source\nruns/\n", encoding="utf-8")
    return read_manifest(directory)


def stage_policies(manifest: Manifest, template: Template) -> dict[str, StagePolicy]:
    """Each stage's sign-off policy (the template's, overridden by the manifest's ``policy:``).

    TemplateError naming ``lifecycle.yaml`` and the line when the manifest's policy names a stage, role or item
    the template lacks.
    """
    problems = policy_problems(manifest.policy, template)
    if problems:
        data = load_marked_file(manifest.path)
        raise TemplateError([f"{manifest.path}:{line_of(data, ['policy', *path])}: {dotted(['policy', *path])}: "
                             f"{message}" for path, message in problems])
    return effective_policies(template, manifest.policy)
