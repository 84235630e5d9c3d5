"""The ``local`` executor: notebooks execute in the rerun worker process itself, on this host (the default)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...fingerprint import FingerprintCache
from ..processes import this_host
from ..runner import Prepared, kill_live_kernels
from . import Executor, NotebookJob, NotebookOutcome, Observation, Progress, Started
from .jobs import execute_passes, observe_here


class LocalExecutor(Executor):
    """Executes each notebook with papermill from the rerun worker process (at most ``--slots`` runs per host)."""

    name = "local"

    def __init__(self, *, cache: FingerprintCache | None = None) -> None:
        self.cache = cache
        self.where = f"{this_host()} (pid {os.getpid()})"

    def observe(self, project_dir: Path, kernels: Mapping[str, Mapping[str, Any]],
                datasets: Mapping[str, str]) -> Observation:
        """This process's environment and the datasets' hashes (served from the store's hash cache)."""
        return observe_here(project_dir, kernels, datasets, where=self.where, cache=self.cache)

    def execute(self, job: NotebookJob, prepared: Prepared, *, on_cell: Progress, on_start: Started) -> NotebookOutcome:
        """Execute the coordinator's own reading of the notebook here."""
        on_start(self.where, 1)
        return NotebookOutcome(executions=execute_passes(job, prepared, on_cell), worker=self.where)

    def abort(self) -> None:
        """Kill the kernel this process started."""
        kill_live_kernels()
