"""Run the rules over a project's notebooks: the one entry point the CLI, the service and the benchmarks use.

Pure: notebooks and the manifest are read, nothing is executed. The caller passes in what only the store
knows (the registered datasets' paths).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from . import access, environment, files, order, randomness
from .cells import Notebook, read_notebook
from .finding import SEVERITIES, Finding, severity_rank, sort_key
from .suppress import split_suppressed

if TYPE_CHECKING:
    from ..project import Manifest

MAX_EVIDENCE_FINDINGS = 200


@dataclass(frozen=True)
class LintOptions:
    """What the rules need beyond the notebooks: rules turned off, registered data, injected parameters."""

    disabled: frozenset[str] = frozenset()
    registered: frozenset[str] = frozenset()  # project-relative paths of registered datasets
    parameters: frozenset[str] = frozenset()  # names the rerun injects (papermill parameters)


@dataclass(frozen=True)
class LintReport:
    """The findings of one lint run, with the notebooks it read and the unregistered data files it found."""

    findings: tuple[Finding, ...]
    notebooks: tuple[Notebook, ...]
    unregistered: tuple[files.DataFile, ...] = ()
    suppressed: int = 0
    disabled: tuple[str, ...] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        """Findings per severity (every severity present, zero or not)."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def failed(self, fail_on: str) -> bool:
        """Whether any finding is at or above the ``fail_on`` severity."""
        floor = severity_rank(fail_on)
        return any(severity_rank(f.severity) >= floor for f in self.findings)

    def for_notebook(self, path: str) -> list[Finding]:
        """The findings in one notebook."""
        return [f for f in self.findings if f.path == path]

    def to_json(self) -> dict[str, Any]:
        """As JSON: findings, counts, the notebooks with their hashes and finding counts, unregistered files."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "counts": self.counts(),
            "suppressed": self.suppressed,
            "disabled": list(self.disabled),
            "notebooks": [{"path": nb.path, "sha256": nb.sha256, "cells": len(nb.cells),
                           "findings": len(self.for_notebook(nb.path))} for nb in self.notebooks],
            "unregistered": [f.to_json() for f in self.unregistered],
        }

    def evidence(self, linted_at: str) -> dict[str, Any]:
        """The report as ``lint`` evidence of a checklist item (findings capped, notebook hashes kept)."""
        return {
            "linted_at": linted_at,
            "counts": self.counts(),
            "notebooks": [{"path": nb.path, "sha256": nb.sha256, "findings": len(self.for_notebook(nb.path))}
                          for nb in self.notebooks if nb.sha256],
            "findings": [{k: v for k, v in f.to_json().items() if k in ("id", "rule", "severity", "path", "cell",
                                                                         "line", "message")}
                         for f in self.findings[:MAX_EVIDENCE_FINDINGS]],
        }


def check_syntax(notebook: Notebook) -> list[Finding]:
    """A finding for each code cell that does not parse, even after IPython's transformations."""
    return [
        Finding(rule="syntax-error", severity="error", path=notebook.path, cell=cell.index, cell_id=cell.id,
                line=cell.error.lineno + cell.line_offset if cell.error.lineno else None,
                message=f"the cell does not parse: {cell.error.msg}",
                fix="fix the syntax (the other rules skip this cell)")
        for cell in notebook.cells if cell.error is not None
    ]


def lint_notebooks(notebooks: Sequence[Notebook], *, project: Path | None = None,
                   options: LintOptions | None = None, manifest_path: str = "lifecycle.yaml") -> LintReport:
    """Every enabled rule over ``notebooks`` (a project folder enables the file and environment rules)."""
    options = options or LintOptions()
    found = {nb.path: access.accesses(nb) for nb in notebooks}
    registered = set(options.registered)
    written: set[str] = set()
    if project is not None:
        for nb in notebooks:
            registered |= {r for p in access.declared_datasets(nb) if (r := files.resolve(nb, p, project))}
            written |= {r for a in found[nb.path] if a.kind == "write" and a.path
                        and (r := files.resolve(nb, a.path, project))}
    pins = environment.read_pins(project) if project is not None else None
    findings: list[Finding] = []
    suppressed = 0
    unregistered: dict[str, files.DataFile] = {}
    for nb in notebooks:
        raw = check_syntax(nb) + order.check_execution_order(nb)
        raw += order.check_use_before_define(nb, options.parameters)
        raw += randomness.check_unseeded_random(nb)
        raw += files.check_absolute_paths(nb, found[nb.path]) + files.check_network(nb, found[nb.path])
        if project is not None and pins is not None:
            reads = files.unregistered_files(nb, found[nb.path], project, registered, written)
            raw += files.check_unregistered(nb, reads)
            raw += environment.check_pins(nb, project, pins)
            for _, data_file in reads:  # offered for registration even where the finding is off or suppressed
                unregistered.setdefault(data_file.path, data_file)
        kept, dropped = split_suppressed([f for f in raw if f.rule not in options.disabled], nb)
        findings += kept
        suppressed += dropped
    if pins is not None and environment.RULE not in options.disabled:
        findings += environment.project_unpinned(manifest_path, pins)
    return LintReport(tuple(sorted(findings, key=sort_key)), tuple(notebooks), tuple(unregistered.values()),
                      suppressed, tuple(sorted(options.disabled)))


def project_notebooks(manifest: Manifest) -> list[str]:
    """The notebooks a project lint reads: the manifest's ``notebooks``, else every notebook in the folder."""
    if manifest.notebooks:
        return list(manifest.notebooks)
    return sorted(p.relative_to(manifest.directory).as_posix() for p in manifest.directory.rglob("*.ipynb")
                  if not any(part.startswith(".") for part in p.relative_to(manifest.directory).parts))


def lint_project(manifest: Manifest, *, registered: Collection[str] = (),
                 notebooks: Sequence[str] | None = None) -> LintReport:
    """Lint a project's notebooks (or the given project-relative ``notebooks``) with its manifest's settings.

    ValidationError names a notebook that is missing, outside the project or not a notebook.
    """
    directory = manifest.directory
    read = []
    for name in notebooks if notebooks is not None else project_notebooks(manifest):
        try:
            file = (directory / name).resolve()
            shown = file.relative_to(directory).as_posix()
        except (ValueError, OSError):  # outside the folder, or not a path at all (a NUL byte)
            raise ValidationError(f"{name!r}: not a notebook path inside the project folder",
                                  field="notebook") from None
        read.append(read_notebook(file, shown))
    options = LintOptions(disabled=frozenset(manifest.lint.get("disable", ())), registered=frozenset(registered),
                          parameters=frozenset(manifest.rerun.get("parameters", {}) or {}))
    return lint_notebooks(read, project=directory, options=options, manifest_path=manifest.path.name)


