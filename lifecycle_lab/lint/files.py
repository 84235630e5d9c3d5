"""The ``absolute-path``, ``unregistered-data`` and ``network-access`` rules: what a rerun reads from
outside the project, from outside the record, or from outside the machine."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from .access import Access, is_absolute, is_url
from .cells import Notebook
from .finding import Finding

ABSOLUTE_PATH = "absolute-path"
UNREGISTERED_DATA = "unregistered-data"
NETWORK_ACCESS = "network-access"
_SOURCE_SUFFIXES = frozenset({".py", ".ipynb"})


@dataclass(frozen=True)
class DataFile:
    """A project file a notebook reads: project-relative path, size in bytes, the reader that reads it."""

    path: str
    size: int
    reader: str

    def to_json(self) -> dict[str, object]:
        """As JSON."""
        return {"path": self.path, "size": self.size, "reader": self.reader}


def _finding(rule: str, notebook: Notebook, access: Access, message: str, fix: str, **data: object) -> Finding:
    return Finding(rule=rule, severity="warning", path=notebook.path, cell=access.cell.index,
                   cell_id=access.cell.id, line=access.line, message=message, fix=fix, data=dict(data) or None)


def check_absolute_paths(notebook: Notebook, found: list[Access]) -> list[Finding]:
    """Readers given an absolute or home-relative path, which exists only on the author's machine."""
    return [
        _finding(ABSOLUTE_PATH, notebook, a, f"`{a.call}()` reads `{a.prefix}`, an absolute path: it exists only on "
                 "this machine", "put the file in the project and read it by a path relative to the notebook",
                 path=a.prefix)
        for a in found if a.kind == "read" and a.prefix is not None and is_absolute(a.prefix)
    ]


def check_network(notebook: Notebook, found: list[Access]) -> list[Finding]:
    """Network reads at run time: URLs given to readers, HTTP clients, dataset downloads, ``!curl``."""
    findings = []
    for a in found:
        if a.kind == "network":
            what = f"`{a.call}`" if a.reader == "shell" else f"`{a.call}()`"
            findings.append(_finding(NETWORK_ACCESS, notebook, a, f"{what} fetches from the network at run time: a "
                                     "rerun depends on the outside world",
                                     "download the data once, keep it in the project and register it "
                                     "(`jupyter lifecycle dataset add PATH`)", call=a.call))
        elif a.kind == "read" and a.prefix is not None and is_url(a.prefix):
            findings.append(_finding(NETWORK_ACCESS, notebook, a, f"`{a.call}()` reads `{a.prefix}` from the network "
                                     "at run time: a rerun depends on the outside world",
                                     "download the file once, keep it in the project and register it "
                                     "(`jupyter lifecycle dataset add PATH`)", url=a.prefix))
    return findings


def resolve(notebook: Notebook, path: str, project: Path) -> str | None:
    """``path`` as read by the notebook, relative to the project folder (None outside it or when unknown)."""
    if notebook.directory is None or is_url(path) or is_absolute(path):
        return None
    target = (notebook.directory / path).resolve()
    try:
        return target.relative_to(project).as_posix()
    except ValueError:
        return None


def _covered(path: str, registered: Collection[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in registered)


def unregistered_files(notebook: Notebook, found: list[Access], project: Path, registered: Collection[str],
                       written: Collection[str]) -> list[tuple[Access, DataFile]]:
    """Existing project files the notebook reads that are no registered dataset (or under one) and no file the
    project's notebooks write themselves."""
    result = []
    for a in found:
        if a.kind != "read" or a.path is None:
            continue
        relative = resolve(notebook, a.path, project)
        if relative is None or Path(relative).suffix in _SOURCE_SUFFIXES:
            continue
        if _covered(relative, registered) or relative in written:
            continue
        target = project / relative
        if target.is_file():
            result.append((a, DataFile(relative, target.stat().st_size, a.reader)))
    return result


def check_unregistered(notebook: Notebook, reads: list[tuple[Access, DataFile]]) -> list[Finding]:
    """Findings for data files read that are not registered datasets (from :func:`unregistered_files`)."""
    return [
        _finding(UNREGISTERED_DATA, notebook, a, f"`{a.call}()` reads {f.path}, which is not a registered dataset: "
                 "a change to it goes unnoticed", f"register it: `jupyter lifecycle dataset add {f.path}` (or "
                 "`jupyter lifecycle dataset discover --add`)", file=f.path, size=f.size, reader=f.reader)
        for a, f in reads
    ]
