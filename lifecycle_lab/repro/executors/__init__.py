"""Where a rerun's notebooks execute: the executor interface and the two executors, ``local`` and ``dask``.

The run's coordinator (the rerun worker process, :mod:`lifecycle_lab.repro.worker`)
prepares each notebook, hands it to an executor as a :class:`NotebookJob`, and
compares and records what comes back; the executor's one job is "execute this
notebook and say where". ``local`` executes in the coordinator's own process (a
worker process of this host, today's behaviour and the default); ``dask``
executes each notebook as a task on a Dask cluster (:mod:`.dask`), which needs
the ``[dask]`` extra and a filesystem shared with the coordinator.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ValidationError

if TYPE_CHECKING:  # the runner imports papermill: front doors that only start runs never load it
    from ...fingerprint import FingerprintCache
    from ..runner import Execution, Prepared

EXECUTOR_ENV = "LIFECYCLE_LAB_EXECUTOR"
SCHEDULER_ENV = "LIFECYCLE_LAB_DASK_SCHEDULER"
EXECUTORS = ("local", "dask")
DEFAULT_EXECUTOR = "local"


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute, described by plain data so it can travel to another host."""

    run_id: str
    position: int
    path: str  # absolute: the same path on every host (the shared-filesystem assumption)
    display: str  # project-relative, for messages
    sha256: str  # notebook_content_hash of the notebook the coordinator read: the worker must see the same
    output_path: str  # where the executed notebook goes
    second_output_path: str | None  # the second execution's, with --twice
    parameters: dict[str, Any] = field(default_factory=dict)
    kernel: str | None = None
    timeout: float = 1800.0
    cell_timeout: float = 600.0
    kernel_env: dict[str, str] = field(default_factory=dict)  # added to the kernel's environment where it runs

    @staticmethod
    def environment(run_id: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """What a rerun kernel needs wherever it runs: this process's ``LIFECYCLE_LAB_*`` settings (the store's
        URL, so widgets verify against the same store), the run's id and the rerun flag."""
        env = os.environ if environ is None else environ
        found = {k: v for k, v in env.items() if k.startswith("LIFECYCLE_LAB_") and k not in (EXECUTOR_ENV,
                                                                                              SCHEDULER_ENV)}
        return {**found, "LIFECYCLE_LAB_RUN_ID": run_id, "LIFECYCLE_LAB_RERUN": "1"}

    @property
    def passes(self) -> int:
        """How many times the notebook executes (2 with --twice)."""
        return 2 if self.second_output_path else 1


@dataclass(frozen=True)
class NotebookOutcome:
    """What executing a job produced: each pass's execution, or the input error that stopped it first."""

    executions: list[Execution]
    worker: str  # who executed it: "host (pid N)" locally, the Dask worker's address on a cluster
    attempts: int = 1  # 2 when its first worker died and it was retried
    error: dict[str, Any] | None = None  # why it did not execute: the worker saw another file or none, it died


@dataclass(frozen=True)
class Observation:
    """The environment a run's notebooks execute in and the current hash of each registered dataset there."""

    environment: dict[str, Any]
    datasets: dict[str, str | None]  # dataset name → sha256 where the notebooks read it (None: missing)
    where: str


Progress = Callable[[int], None]  # cells done in this notebook's current pass; may raise RunAbandoned
Started = Callable[[str, int], None]  # (worker, attempt) when a notebook starts executing somewhere


class Executor(ABC):
    """Executes a run's notebooks one by one for the coordinator; one instance per run."""

    name: str

    @abstractmethod
    def observe(self, project_dir: Path, kernels: Mapping[str, Mapping[str, Any]],
                datasets: Mapping[str, str]) -> Observation:
        """The environment (for ``kernels``) and the datasets' hashes (name → absolute path) where notebooks run."""

    @abstractmethod
    def execute(self, job: NotebookJob, prepared: Prepared, *, on_cell: Progress, on_start: Started) -> NotebookOutcome:
        """Execute ``job`` (``prepared`` is the coordinator's reading of it); blocks until it is done.

        ``on_cell`` raising :class:`~lifecycle_lab.repro.runner.RunAbandoned` stops the notebook (its kernel
        ends) and the exception propagates.
        """

    @abstractmethod
    def abort(self) -> None:
        """Stop what executes now and end its kernel, from a SIGTERM handler (the run was cancelled)."""

    def close(self) -> None:  # noqa: B027 (most executors hold nothing)
        """Release what the executor holds (connections)."""


@dataclass(frozen=True)
class ExecutorChoice:
    """Which executor runs the notebooks, and the Dask scheduler's address for ``dask``."""

    name: str = DEFAULT_EXECUTOR
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.name not in EXECUTORS:
            raise ValidationError(f"executor: {self.name!r} is not one of {', '.join(EXECUTORS)}", field="executor")
        if self.name == "dask" and not self.scheduler:
            raise ValidationError(f"executor dask needs a scheduler address (--scheduler tcp://HOST:PORT or "
                                  f"${SCHEDULER_ENV})", field="scheduler")

    @classmethod
    def resolve(cls, name: str | None = None, scheduler: str | None = None,
                environ: Mapping[str, str] | None = None) -> ExecutorChoice:
        """Explicit values first, then ``$LIFECYCLE_LAB_EXECUTOR`` / ``$LIFECYCLE_LAB_DASK_SCHEDULER``, then local."""
        env = os.environ if environ is None else environ
        return cls(name or env.get(EXECUTOR_ENV) or DEFAULT_EXECUTOR, scheduler or env.get(SCHEDULER_ENV) or None)

    def argv(self) -> list[str]:
        """The rerun worker's command-line options naming this choice."""
        return ["--executor", self.name] + (["--scheduler", self.scheduler] if self.scheduler else [])


def make_executor(choice: ExecutorChoice, *, cache: FingerprintCache | None = None) -> Executor:
    """The executor ``choice`` names (``cache``: the store, remembering file hashes for the local one)."""
    if choice.name == "dask":
        from .dask import DaskExecutor  # distributed is an optional extra: imported only when chosen

        return DaskExecutor(choice.scheduler or "")
    from .local import LocalExecutor

    return LocalExecutor(cache=cache)


__all__ = [
    "EXECUTORS", "EXECUTOR_ENV", "SCHEDULER_ENV", "Executor", "ExecutorChoice", "NotebookJob", "NotebookOutcome",
    "Observation", "make_executor",
]
