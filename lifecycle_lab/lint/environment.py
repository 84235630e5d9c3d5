"""The ``unpinned-environment`` rule: the versions a rerun installs must be the ones the results came from.

A project is pinned by a lock file (``uv.lock``, ``poetry.lock``, ``pixi.lock``, ``conda-lock.yml``) or a
pinned requirements file (``requirements*.txt`` with ``==``, ``environment.yml`` with versions) in its
folder; each package the notebooks import must be pinned there.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from .cells import Notebook
from .finding import Finding

RULE = "unpinned-environment"
LOCK_FILES = ("uv.lock", "poetry.lock", "pixi.lock", "conda-lock.yml", "conda-lock.yaml")
# import name -> distribution names that provide it, where they differ
_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",), "skimage": ("scikit-image",), "cv2": ("opencv-python", "opencv-python-headless",
    "opencv-contrib-python", "opencv"), "PIL": ("pillow",), "yaml": ("pyyaml",), "bs4": ("beautifulsoup4",),
    "dateutil": ("python-dateutil",), "dotenv": ("python-dotenv",), "jwt": ("pyjwt",), "attr": ("attrs",),
    "Crypto": ("pycryptodome",), "google": ("protobuf", "google-cloud-storage", "google-api-core"),
    "torch": ("torch", "pytorch"), "IPython": ("ipython",), "umap": ("umap-learn",), "Bio": ("biopython",),
    "fitz": ("pymupdf",), "serial": ("pyserial",), "docx": ("python-docx",), "pptx": ("python-pptx",),
    "OpenSSL": ("pyopenssl",), "zmq": ("pyzmq",), "git": ("gitpython",), "tensorflow": ("tensorflow",
    "tensorflow-cpu"), "mpl_toolkits": ("matplotlib",), "lifecycle_lab": ("lifecycle-lab",),
    "sentence_transformers": ("sentence-transformers",), "huggingface_hub": ("huggingface-hub",),
}
# a locked package's name: ``name = "x"`` (uv.lock, poetry.lock) or ``name: x`` (pixi.lock, conda-lock.yml)
_LOCKED = re.compile(r"^\s*(?:-\s*)?name\s*(?:=|:)\s*[\"']?([A-Za-z0-9_.\-]+)", re.MULTILINE)


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Pins:
    """What a project pins: per file, the packages pinned to a version and those listed without one."""

    files: list[str] = field(default_factory=list)
    pinned: set[str] = field(default_factory=set)
    loose: set[str] = field(default_factory=set)


def _requirements(text: str, pins: Pins) -> bool:
    found = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        exact = any(spec.operator in ("==", "===") and "*" not in spec.version for spec in requirement.specifier)
        (pins.pinned if exact else pins.loose).add(normalize(requirement.name))
        found = found or exact
    return found


def _conda_environment(text: str, pins: Pins) -> bool:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    found = False
    for entry in (data or {}).get("dependencies", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict):
            found = _requirements("\n".join(str(e) for e in entry.get("pip", []) or []), pins) or found
        elif isinstance(entry, str):
            match = re.match(r"^([A-Za-z0-9_.\-]+)(?:::)?\s*(=+|[<>~!]=?)?\s*([0-9][^\s]*)?", entry.split("::")[-1])
            if match:
                exact = bool(match.group(2) and "=" in match.group(2) and match.group(3))
                (pins.pinned if exact else pins.loose).add(normalize(match.group(1)))
                found = found or exact
    return found


def _lock(text: str, pins: Pins) -> bool:
    names = {normalize(n) for n in _LOCKED.findall(text)}
    pins.pinned |= names
    return bool(names)


def read_pins(project: Path) -> Pins:
    """The lock and pinned requirement files of a project folder, and what they pin."""
    pins = Pins()
    candidates = sorted(project.glob("requirements*.txt")) + [project / n for n in ("environment.yml",
                                                                                    "environment.yaml", *LOCK_FILES)]
    for path in candidates:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".txt":
            pinned = _requirements(text, pins)
        elif path.name.startswith("environment."):
            pinned = _conda_environment(text, pins)
        else:
            pinned = _lock(text, pins)
        if pinned:
            pins.files.append(path.name)
    return pins


def _local_modules(notebook: Notebook, project: Path) -> set[str]:
    folders = {project} | ({notebook.directory} if notebook.directory else set())
    return {p.stem if p.suffix == ".py" else p.name for folder in folders for p in folder.iterdir()
            if (p.suffix == ".py" and p.is_file()) or (p / "__init__.py").is_file()}


def imported_packages(notebook: Notebook) -> dict[str, tuple[int, int]]:
    """Top-level modules a notebook imports (not the standard library) → (cell index, line) of the first import."""
    first: dict[str, tuple[int, int]] = {}
    for cell in notebook.code_cells():
        for node in cell.nodes:
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                if root not in sys.stdlib_module_names and root != "__future__":
                    first.setdefault(root, (cell.index, cell.line(node)))
    return first


def check_pins(notebook: Notebook, project: Path, pins: Pins) -> list[Finding]:
    """Imports of the notebook that the project's pinned files do not pin."""
    if not pins.files:
        return []
    local = _local_modules(notebook, project)
    cells = {cell.index: cell for cell in notebook.cells}
    findings = []
    for module, (index, line) in imported_packages(notebook).items():
        if module in local:
            continue
        names = [normalize(n) for n in _DISTRIBUTIONS.get(module, (module,))]
        if any(n in pins.pinned for n in names):
            continue
        listed = any(n in pins.loose for n in names)
        what = "is listed without a pinned version" if listed else "is not pinned"
        findings.append(Finding(
            rule=RULE, severity="warning", path=notebook.path, cell=index, cell_id=cells[index].id, line=line,
            message=f"`{module}` is imported but {names[0]} {what} in {', '.join(pins.files)}",
            fix=f"pin it: add `{names[0]}==<version>` (the version `pip show {names[0]}` prints)",
            data={"module": module, "distribution": names[0]}))
    return findings


def project_unpinned(manifest_path: str, pins: Pins) -> list[Finding]:
    """The project-wide finding when no lock or pinned requirements file exists."""
    if pins.files:
        return []
    return [Finding(rule=RULE, severity="warning", path=manifest_path,
                    message="the project has no lock file or pinned requirements: a rerun elsewhere installs other "
                    "versions", fix="pin the environment the results came from: `pip freeze > requirements.txt` "
                    "in the project folder (or commit uv.lock, poetry.lock, pixi.lock or conda-lock.yml)")]
