"""The rerun worker process: ``python -m lifecycle_lab.repro.worker RUN_ID [--slots N] [--executor E]``.

Spawned by :class:`~lifecycle_lab.service.runs.RunService` as the leader of its
own session, with the store's URL and the run id in its environment, it
coordinates one run: it waits for a free slot on this host (local executor),
reads and checks each notebook, has its executor observe the environment and
re-fingerprint the registered datasets where the notebooks run, hands each
notebook to the executor (executed here with ``local``, as a task on a Dask
cluster with ``dask``; outputs into ``.lifecycle/runs/<run-id>/``, twice with
``--twice``), compares, and closes the run, making it the evidence of the
template's ``rerun`` items in the same transaction. SIGTERM (cancel) stops the
notebook's kernel wherever it runs and exits at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import DB_URL_ENV, make_service
from ..domain import ItemChange
from ..errors import ValidationError
from ..fingerprint import notebook_content_hash
from ..project import DEFAULT_RERUN
from ..service import DatasetCheck, Lifecycle, Project, Run, RunNotebook
from ..service.runrecords import INPUT_ERROR
from ..service.runs import PASSING, close_run, executed_notebook_path, overall_verdict
from .compare import Tolerance, compare_notebooks
from .environment import changed_versions, diff_environments, language_change
from .executors import EXECUTORS, Executor, ExecutorChoice, NotebookJob, make_executor
from .executors.local import LocalExecutor
from .files import file_changes, list_files
from .processes import Containment, this_host
from .runner import Prepared, RunAbandoned, kill_live_kernels, prepare
from .sandbox import make_sandbox, remove_sandbox
from .sanitize import Sanitizer, sanitizer_chain

SLOT_POLL_S = 0.5
QUEUED_NOTE = "queued: waiting for a free rerun slot"  # worker.log's line when a run must wait for a slot
PROGRESS_EVERY_S = 0.25  # progress writes are throttled so fast cells do not queue on the store's write lock
EXIT_CANCELLED = 143


CLUSTER_SLOTS = 1_000_000  # runs on a cluster are not limited per host: the cluster's workers queue them


class _Progress:
    """Writes a notebook's cells done to the store as they finish, at most every PROGRESS_EVERY_S.

    A write that finds the run closed stops the notebook (papermill shuts its kernel down): that is how a
    run cancelled from another host, where no signal reaches this worker, ends at the next cell.
    """

    def __init__(self, lifecycle: Lifecycle, run_id: str, position: int, total: int) -> None:
        self.lifecycle, self.run_id, self.position, self.total = lifecycle, run_id, position, total
        self._last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S or done >= self.total:
            self._last = now
            if not self.lifecycle.update_run_notebook(self.run_id, self.position, cells_done=done):
                raise RunAbandoned(f"run {self.run_id} was closed while it ran")


@dataclass(frozen=True)
class Settings:
    """A run's options (the manifest's ``rerun`` section as it was when the run started), ready to use."""

    parameters: dict[str, Any]
    kernel: str | None
    timeout: float
    cell_timeout: float
    tolerance: Tolerance
    sanitizers: tuple[Sanitizer, ...]

    @classmethod
    def from_options(cls, options: dict[str, Any] | None) -> Settings:
        """From the options stored with the run; a missing timeout is the manifest's default (project.DEFAULT_RERUN)."""
        options = options or {}
        return cls(
            parameters=dict(options.get("parameters") or {}),
            kernel=options.get("kernel"),
            timeout=float(options.get("timeout") or DEFAULT_RERUN["timeout"]),
            cell_timeout=float(options.get("cell_timeout") or DEFAULT_RERUN["cell_timeout"]),
            tolerance=Tolerance.from_json(options.get("tolerance")),
            sanitizers=sanitizer_chain(options.get("sanitizers") or []),
        )


class Worker:
    """Coordinates one run from start to finish; its executor executes the notebooks."""

    def __init__(self, lifecycle: Lifecycle, run_id: str, slots: int, containment: Containment,
                 executor: Executor | None = None) -> None:
        self.lifecycle = lifecycle
        self.run_id = run_id
        self.slots = slots
        self.containment = containment  # swept after each notebook: nothing it started outlives it
        self.changed_packages: dict[str, tuple[str | None, str | None]] = {}
        self.executor = executor or LocalExecutor(cache=lifecycle.hash_cache)

    def claim_slot(self) -> bool:
        """Wait until the run may start; False when it was closed (cancelled) while queued.

        Local runs take one of ``slots`` on this host; a cluster's runs are limited by its workers, not here.
        """
        limit = self.slots if self.executor.name == "local" else CLUSTER_SLOTS
        said = False
        while True:
            status = self.lifecycle.claim_run(self.run_id, limit=limit, host=this_host())
            if status == "running":
                return True
            if status != "queued":
                return False
            if not said:  # worker.log says why the run has not started yet
                print(f"{QUEUED_NOTE} (all {limit} of {this_host()} are taken)", flush=True)
                said = True
            time.sleep(SLOT_POLL_S)

    def run(self) -> Run | None:
        """Claim a slot and execute the run; the closed run (None when it was closed before it could start)."""
        if not self.claim_slot():
            return None
        run = self.lifecycle.run_record(self.run_id)
        project = self.lifecycle.project(run.project_id)
        settings = Settings.from_options(run.options)
        prepared = {nb.position: self._prepare(project, nb, settings) for nb in run.notebooks or ()}
        checks = self._observe(project, run, [p for p in prepared.values() if p is not None])
        sandboxed, run_dir = bool((run.options or {}).get("sandbox")), project.manifest.runs_dir / self.run_id
        self.containment.record_to(run_dir)  # what it samples survives a SIGKILL of this worker (the reaper reads it)
        folder = make_sandbox(project.directory, run_dir) if sandboxed else project.directory
        before = list_files(folder, self.lifecycle.hash_cache)
        try:
            for nb in run.notebooks or ():
                if (ready := prepared[nb.position]) is not None:
                    self._execute(project, nb, ready, settings, twice=run.twice, folder=folder)
        except RunAbandoned:
            return None
        finally:  # what the notebooks wrote, even when the run was closed under them
            after = list_files(folder, self.lifecycle.hash_cache)
            self.lifecycle.update_run(self.run_id, files=file_changes(
                before, after, where="sandbox" if sandboxed else "project"))
            if sandboxed:
                remove_sandbox(run_dir)
        return self._finish(project, run, checks)

    def _prepare(self, project: Project, nb: RunNotebook, settings: Settings) -> Prepared | None:
        """Check a notebook before anything runs; a bad one is closed as failed with the reason."""
        try:
            prepared = prepare(project.directory / nb.path, parameters=settings.parameters, kernel=settings.kernel,
                               display=nb.path)
        except ValidationError as exc:
            self.lifecycle.update_run_notebook(
                self.run_id, nb.position, status="failed", verdict="failed", finished_at=self.lifecycle.clock(),
                error={"kind": INPUT_ERROR, "message": str(exc)},
            )
            return None
        self.lifecycle.update_run_notebook(self.run_id, nb.position, kernel=prepared.kernel,
                                           cells_total=prepared.cells, sha256=notebook_content_hash(prepared.saved),
                                           executor=self.executor.name)
        return prepared

    def _observe(self, project: Project, run: Run, prepared: Sequence[Prepared]) -> list[DatasetCheck]:
        """Record the environment and data checks, taken where the notebooks execute; the checks."""
        versions = self.lifecycle.latest_datasets(project.id)
        seen = self.executor.observe(project.directory, {p.kernel: p.kernel_spec for p in prepared},
                                     {v.name: str(project.directory / v.path) for v in versions})
        checks = [DatasetCheck(v, seen.datasets.get(v.name)) for v in versions]
        previous = self.lifecycle.previous_environment(run)
        diff = ({"against": previous[0], "changes": diff_environments(previous[1], seen.environment)}
                if previous else None)
        self.lifecycle.update_run(self.run_id, environment=seen.environment, environment_diff=diff,
                              data_checks=[c.to_json() for c in checks])
        self.changed_packages = changed_versions(diff)
        return checks

    def _execute(self, project: Project, nb: RunNotebook, prepared: Prepared, settings: Settings, *,
                 twice: bool, folder: Path) -> None:
        """Have the executor execute one notebook (twice with --twice) in ``folder`` (the project or its sandbox
        copy), compare, record its verdict."""
        position, relative = nb.position, nb.path
        output = executed_notebook_path(project, self.run_id, relative)
        second_output = executed_notebook_path(project, self.run_id, relative, 2)
        job = NotebookJob(
            run_id=self.run_id, position=position, path=str(folder / relative), display=relative,
            sha256=notebook_content_hash(prepared.saved), output_path=str(output),
            second_output_path=str(second_output) if twice else None, parameters=settings.parameters,
            kernel=settings.kernel, timeout=settings.timeout, cell_timeout=settings.cell_timeout,
            kernel_env=NotebookJob.environment(self.run_id) | {DB_URL_ENV: self.lifecycle.store_url},
        )
        total = prepared.cells * job.passes
        progress = _Progress(self.lifecycle, self.run_id, position, total)
        self.lifecycle.update_run_notebook(self.run_id, position, status="running", started_at=self.lifecycle.clock(),
                                       cells_total=total, output_path=_relative(output, project))

        def started(worker: str, attempt: int) -> None:
            if not self.lifecycle.update_run_notebook(self.run_id, position, worker=worker, attempts=attempt):
                raise RunAbandoned(f"run {self.run_id} was closed while it ran")

        try:
            outcome = self.executor.execute(job, prepared, on_cell=progress, on_start=started)
        finally:
            self.containment.sweep()
        runs = outcome.executions
        fields: dict[str, Any] = {"status": "finished", "finished_at": self.lifecycle.clock(),
                                  "duration": sum(r.duration for r in runs), "worker": outcome.worker,
                                  "attempts": outcome.attempts}
        if outcome.error is not None:
            fields.update(verdict="failed", error=outcome.error)
        elif runs[-1].error is not None:
            error = dict(runs[-1].error)
            if len(runs) == 2:
                error["message"] = f"second run: {error['message']}"
            fields.update(verdict="timed_out" if runs[-1].timed_out else "failed", error=error)
        else:
            expected, against = (runs[0].notebook, "first_run") if twice else (prepared.saved, "saved")
            changed = {**self.changed_packages, **language_change(expected, runs[-1].notebook)}
            comparison = compare_notebooks(expected, runs[-1].notebook, tolerance=settings.tolerance,
                                           sanitizers=settings.sanitizers, changed=changed)
            diffs = comparison.to_json(against)
            if twice:
                diffs["other_path"] = _relative(second_output, project)
            fields.update(verdict=comparison.verdict, diffs=diffs, cells_done=total)
        self.lifecycle.update_run_notebook(self.run_id, position, **fields)

    def _finish(self, project: Project, run: Run, checks: list[DatasetCheck]) -> Run:
        """Close the run and, when it finished, make it the evidence of the ``rerun`` items: one transaction."""
        notebooks = self.lifecycle.run_record(self.run_id).notebooks or ()
        verdict = overall_verdict([nb.verdict for nb in notebooks]) or "failed"
        bad_input = [nb.error["message"] for nb in notebooks if nb.error and nb.bad_input]
        problems = [f"{nb.path}: {nb.error['message']}" for nb in notebooks if nb.error and not nb.bad_input]
        changed = [f"dataset {c.recorded.name} {c.status}" for c in checks if c.status != "ok"]
        error = "; ".join(bad_input + problems + changed) or None
        actor, at = run.requested_by, self.lifecycle.clock()
        evidence = {} if bad_input else self._evidence_changes(project, notebooks, checks, verdict=verdict,
                                                                actor=actor, at=at)
        before = self.lifecycle.notifications.watch(project)
        closed = self.lifecycle.finish_run(self.run_id, actor=actor, at=at,
                                           status="failed" if bad_input else "finished",
                                           verdict=verdict, error=error, item_changes=evidence)
        self.lifecycle.notifications.changed(project, before, actor=actor)
        return closed

    def _evidence_changes(
        self, project: Project, notebooks: Sequence[RunNotebook], checks: list[DatasetCheck], *, verdict: str,
        actor: str, at: str,
    ) -> dict[str, ItemChange]:
        """The run, as it closes at ``at``, as the evidence of every ``rerun`` item of the template (by item key)."""
        evidence = {
            "run_id": self.run_id,
            "verdict": verdict,
            "finished_at": at,
            "notebooks": [
                {"path": nb.path, "verdict": nb.verdict or "failed", **({"sha256": nb.sha256} if nb.sha256 else {})}
                for nb in notebooks
            ],
            "datasets": [
                {"dataset": c.recorded.name, "fingerprint": c.current,
                 **({"version": c.recorded.version} if c.status == "ok" else {})}
                for c in checks if c.current is not None
            ],
        }
        return {item.key: self.lifecycle.evidence_change(project, item.key, evidence, actor=actor, at=at)
                for item in project.template.items() if item.evidence == "rerun"}


def _relative(path: Path, project: Project) -> str:
    try:
        return path.relative_to(project.directory).as_posix()
    except ValueError:
        return str(path)


_CONTAINMENT: Containment | None = None
_EXECUTOR: Executor | None = None  # the executor of the run this process coordinates, for the SIGTERM handler


def _on_terminate(_signum: int, _frame: Any) -> None:
    """Cancelled: stop our notebook's kernel (here or on the cluster), kill everything the run started, and
    leave now; whoever cancelled has already closed the run."""
    if _CONTAINMENT is not None:  # first: once the kernel is gone, its children are no longer our descendants
        _CONTAINMENT.sample()
    if _EXECUTOR is not None:
        _EXECUTOR.abort()
    kill_live_kernels()
    if _CONTAINMENT is not None:
        _CONTAINMENT.sweep()
    os._exit(EXIT_CANCELLED)


def main(argv: Sequence[str] | None = None) -> int:
    """Execute the run named on the command line; exit 0 when it closed normally."""
    parser = argparse.ArgumentParser(prog="python -m lifecycle_lab.repro.worker")
    parser.add_argument("run_id")
    parser.add_argument("--slots", type=int, default=2, help="runs executing at once on this host (local executor)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local", help="where the notebooks execute")
    parser.add_argument("--scheduler", help="the Dask scheduler's address (dask executor)")
    args = parser.parse_args(argv)
    global _CONTAINMENT, _EXECUTOR
    containment = _CONTAINMENT = Containment(args.run_id).start()
    signal.signal(signal.SIGTERM, _on_terminate)
    lifecycle = make_service()  # the settings the spawning service put in this process's environment
    try:
        _EXECUTOR = make_executor(ExecutorChoice(args.executor, args.scheduler), cache=lifecycle.hash_cache)
        closed = Worker(lifecycle, args.run_id, max(1, args.slots), containment, _EXECUTOR).run()
    except Exception as exc:  # a bug or a vanished project must still close the run, never leave it 'running'
        traceback.print_exc()
        containment.sample()
        if _EXECUTOR is not None:
            _EXECUTOR.abort()
        kill_live_kernels()
        run = lifecycle.run_record(args.run_id)
        close_run(lifecycle, args.run_id, "failed", "failed", f"the rerun worker failed: {exc}",
                  actor=run.requested_by)
        return 1
    finally:
        if _EXECUTOR is not None:
            _EXECUTOR.close()
        containment.stop()
        lifecycle.notifications.flush()
    if closed is not None:
        print(f"run {args.run_id} {closed.status}: {closed.verdict}", flush=True)
        return 0 if closed.verdict in PASSING else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
