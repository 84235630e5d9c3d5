"""What every executor does where a notebook executes: check it is the coordinator's, execute it, observe.

Plain functions over plain data, so the Dask executor can ship them to a worker
on another host and the local executor can call them in its own process.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...errors import NotFound, ValidationError
from ...fingerprint import FingerprintCache, content_hash, notebook_content_hash
from ..environment import capture_environment
from ..runner import Execution, Prepared, execute, prepare
from . import NotebookJob, Observation

SHARED_FS = ("the dask executor needs the project folder at the same path on the coordinator and on every "
             "worker (a shared filesystem, as a Hub's shared home folders)")


def read_job(job: NotebookJob, where: str) -> Prepared:
    """The job's notebook as this host sees it, prepared; ValidationError when it is missing or another file."""
    path = Path(job.path)
    if not path.exists():
        raise ValidationError(f"{job.display}: no such file at {job.path} on {where}: {SHARED_FS}")
    prepared = prepare(path, parameters=job.parameters, kernel=job.kernel, display=job.display)
    seen = notebook_content_hash(prepared.saved)
    if seen != job.sha256:
        raise ValidationError(f"{job.display}: {where} sees another notebook at {job.path} (content hash "
                              f"{seen[:12]}, the coordinator read {job.sha256[:12]}): {SHARED_FS}")
    return prepared


def execute_passes(job: NotebookJob, prepared: Prepared, on_cell: Callable[[int], None]) -> list[Execution]:
    """Execute the notebook (twice with --twice, each from its own copy); ``on_cell`` gets cells done in all."""
    # executing fills the notebook in place: the second pass starts from its own untouched copy
    passes = [(prepared, job.output_path)]
    if job.second_output_path:
        passes.append((replace(prepared, notebook=copy.deepcopy(prepared.notebook)), job.second_output_path))
    runs: list[Execution] = []
    for attempt, (current, target) in enumerate(passes):
        offset = attempt * prepared.cells
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        runs.append(execute(current, cwd=Path(job.path).parent, output_path=Path(target),
                            cell_timeout=job.cell_timeout, timeout=job.timeout,
                            on_cell=lambda done, offset=offset: on_cell(offset + done)))
        if runs[-1].error is not None:
            break
    return runs


def observe_here(project_dir: str | Path, kernels: Mapping[str, Mapping[str, Any]], datasets: Mapping[str, str],
                 *, where: str, cache: FingerprintCache | None = None) -> Observation:
    """The environment of this host for ``kernels`` and each dataset's hash here (``cache``: remembered hashes)."""
    hashes: dict[str, str | None] = {}
    for name, path in datasets.items():
        try:
            hashes[name] = content_hash(path, cache)
        except (NotFound, OSError):
            hashes[name] = None
    return Observation(environment=capture_environment(Path(project_dir), kernels), datasets=hashes, where=where)
