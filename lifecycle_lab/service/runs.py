"""The run service: start a rerun (it returns at once), get and list runs, cancel one, and tidy up after crashes.

Every front door uses it the same way: ``start`` records a queued run and
spawns its worker (``python -m lifecycle_lab.repro.worker``) as the leader of a
session of its own, so no notebook ever executes in the caller's process. The
worker waits for one of ``max_concurrent`` slots on this host, then runs. A run
whose worker died is closed as ``failed`` the next time anyone looks at it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..clock import parse_utc
from ..config import DB_URL_ENV, Settings
from ..errors import Conflict, NotFound, ValidationError
from ..evidence import PASSING_RERUN_VERDICTS
from ..notify.webhooks import WEBHOOKS_ENV
from ..repro.executors import ExecutorChoice
from ..repro.processes import RUN_ID_ENV, is_run_worker, stop_run, this_host
from ..repro.sanitize import manifest_sanitizers
from ..repro.sanitize_files import read_sanitize_files
from .lifecycle import Lifecycle
from .records import Project
from .runrecords import Run, is_input_error

RERUN_ENV = "LIFECYCLE_LAB_RERUN"  # "1" in a rerun kernel: widgets verify instead of record
WORKER_MODULE = "lifecycle_lab.repro.worker"
DEFAULT_MAX_CONCURRENT = 2
VERDICTS = ("reproduced", "within_tolerance", "differs", "timed_out", "failed", "cancelled")  # best to worst
PASSING = PASSING_RERUN_VERDICTS  # one rule: what passes here is what the checklist accepts as evidence
UNCLAIMED_GRACE_S = 60  # a queued run whose spawner never recorded a worker is given up after this
WORKER_EXIT_GRACE_S = 30  # how long wait() gives a worker that closed its run to record evidence and exit
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding lifecycle_lab: the worker imports this copy


def overall_verdict(verdicts: Sequence[str | None]) -> str | None:
    """The worst of the notebooks' verdicts (None when there are none yet)."""
    known = [v for v in verdicts if v in VERDICTS]
    return max(known, key=VERDICTS.index) if known else None


def is_bad_input(notebook: Mapping[str, Any]) -> bool:
    """Whether a run's notebook, as JSON, could not even be started (missing, not a notebook, unknown kernel...)."""
    return is_input_error(notebook.get("error"))


def new_run_id() -> str:
    """A run id that sorts by time, e.g. ``20260126T051859-3fa2c1``: also the folder name of its outputs."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def executed_notebook_path(project: Project, run_id: str, notebook: str, execution: int = 1) -> Path:
    """Where a run writes its execution of ``notebook`` (relative to the project folder): the same path under
    ``.lifecycle/runs/<run-id>/``; with ``--twice`` the second execution is ``<name>.run2.ipynb`` beside it."""
    first = project.manifest.runs_dir / run_id / notebook
    return first if execution == 1 else first.with_name(f"{first.stem}.run{execution}.ipynb")


def executed_notebook(project: Project, run: Run, position: int, execution: int = 1) -> Path:
    """The executed notebook at ``position`` of ``run`` (a run of ``project``), inside the run's folder.

    NotFound when the run has no notebook there, did not execute it (``execution`` 2: a second time) or has
    not written it yet, or when the file leads out of the run's folder (through a symlink).
    """
    notebook = run.notebook_at(position)
    if notebook is None:
        raise NotFound(f"run {run.id} has no notebook at position {position}")
    name = notebook.path
    if execution == 2 and not run.twice:
        raise NotFound(f"run {run.id} executed {name!r} once (it was not started with twice)")
    path = executed_notebook_path(project, run.id, name, execution)
    folder = (project.manifest.runs_dir / run.id).resolve()
    if not path.is_file() or not path.resolve().is_relative_to(folder):
        which = "second execution" if execution == 2 else "executed notebook"
        raise NotFound(f"run {run.id} has no {which} of {name!r} (the run is {run.status})")
    return path


def rerun_options(project: Project, settings: Settings | None) -> dict[str, Any]:
    """The options a run of ``project`` records: its manifest's ``rerun`` section, where that sets no timeout the
    deployment's (``settings.rerun_timeout`` / ``rerun_cell_timeout``), else the built-in defaults."""
    options = dict(project.manifest.rerun)
    for key, seconds in (settings.rerun_defaults() if settings is not None else {}).items():
        if key not in project.manifest.rerun_given:
            options[key] = int(seconds) if seconds.is_integer() else seconds  # 600, as a manifest would say
    return options


def close_run(
    lifecycle: Lifecycle, run_id: str, status: str, verdict: str, error: str | None, *, actor: str
) -> Run:
    """Close a run and every notebook of it still queued or running with the same status and verdict."""
    at = lifecycle.clock()
    return lifecycle.finish_run(
        run_id, actor=actor, at=at, status=status, verdict=verdict, error=error,
        notebooks={"status": status, "verdict": verdict, "finished_at": at},
    )


class RunService:
    """Reproducibility runs of projects: non-blocking start, get, list, cancel."""

    def __init__(
        self, lifecycle: Lifecycle, *, max_concurrent: int = DEFAULT_MAX_CONCURRENT, python: str = sys.executable,
        executor: ExecutorChoice | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.executor = executor or ExecutorChoice()
        self.lifecycle = lifecycle
        self.max_concurrent = max_concurrent
        self.python = python
        self.host = this_host()
        self._exited: dict[str, threading.Event] = {}
        self._starting = threading.Lock()  # an exclusive start checks and queues as one step (per service)
        self._closed = False

    def close(self) -> None:
        """Start no more runs; those started go on (each worker is a session of its own, reconciled if it dies)."""
        self._closed = True

    # --- start -------------------------------------------------------------------------------

    def notebook_paths(self, project: Project, notebooks: Sequence[str | Path] | None) -> list[str]:
        """Project-relative paths of the notebooks to rerun (default: the manifest's); refuses paths outside it."""
        chosen = list(notebooks) if notebooks else list(project.manifest.notebooks)
        if not chosen:
            raise ValidationError(
                "no notebooks to rerun: list them under `notebooks:` in lifecycle.yaml or name them", field="notebooks"
            )
        paths: list[str] = []
        for given in chosen:
            relative = self.project_path(project, given)
            if relative not in paths:
                paths.append(relative)
        return paths

    def project_path(self, project: Project, given: str | Path, *, display: str | None = None) -> str:
        """``given`` (absolute, or relative to the project folder) relative to the project folder, links resolved.

        ValidationError when it leads outside the folder, naming it ``display`` (by default ``given``, and the folder).
        """
        absolute = (project.directory / Path(given).expanduser()).resolve()
        try:
            return absolute.relative_to(project.directory).as_posix()
        except ValueError:
            folder = "" if display else f" {project.directory}"
            raise ValidationError(f"{display or given} is outside the project folder{folder}",
                                  field="notebooks") from None

    def busy_run(self, project: Project, paths: Sequence[str]) -> Run | None:
        """The project's queued or running run that already reruns one of ``paths`` (project-relative), if any."""
        for run in self.lifecycle.active_runs(project_id=project.id):
            current = self.get(run.id)  # closes it first when its worker died
            if current.active and current.paths & set(paths):
                return current
        return None

    def start(
        self, project: Project, notebooks: Sequence[str | Path] | None = None, *, twice: bool = False, actor: str,
        exclusive: bool = False, sandbox: bool = False,
    ) -> Run:
        """Queue a run of ``notebooks`` (default: the manifest's) and spawn its worker; returns the queued run.

        ``exclusive``: Conflict (carrying that run) when an active run already reruns one of the notebooks.
        ``sandbox``: execute in a temporary copy of the project, leaving the user's files untouched.
        """
        if self._closed:
            raise Conflict("the server is stopping: start the rerun again once it is back")
        paths = self.notebook_paths(project, notebooks)
        options = rerun_options(project, self.lifecycle.settings)
        manifest_sanitizers(options.get("sanitizers") or [])  # a bad regex is the caller's error, not the run's
        if options.get("sanitize_files"):  # nbval's files, read now: the run records the pairs it applied
            options["sanitizers"] = [*(options.get("sanitizers") or []),
                                     *read_sanitize_files(project.directory, options["sanitize_files"])]
        if sandbox:
            options["sandbox"] = True
        run_id = new_run_id()
        with self._starting:
            busy = self.busy_run(project, paths) if exclusive else None
            if busy is not None:
                again = sorted(busy.paths & set(paths))
                raise Conflict(f"{', '.join(again)} {'is' if len(again) == 1 else 'are'} already being rerun by run "
                               f"{busy.id} ({busy.status}): wait for it or cancel it", current=busy)
            self.lifecycle.create_run(project.id, run_id, paths, options=options, twice=twice, actor=actor)
        run_dir = project.manifest.runs_dir / run_id
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            with open(run_dir / "worker.log", "ab") as log:
                process = subprocess.Popen(
                    [self.python, "-m", WORKER_MODULE, run_id, "--slots", str(self.max_concurrent),
                     *self.executor.argv()],
                    cwd=project.directory, env=self._worker_env(run_id), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )
        except OSError as exc:
            return close_run(self.lifecycle, run_id, "failed", "failed", f"could not start the rerun worker: {exc}",
                             actor=actor)
        self.lifecycle.update_run(run_id, worker_pid=process.pid, worker_host=self.host)
        exited = self._exited[run_id] = threading.Event()
        threading.Thread(target=self._reap, args=(run_id, process, exited, actor), daemon=True,
                         name=f"lifecycle-run-{run_id}").start()
        return self.get(run_id)

    def _worker_env(self, run_id: str) -> dict[str, str]:
        env = dict(os.environ)
        if self.lifecycle.settings is not None:  # the worker, its kernels and tasks resolve the same settings
            env.update(self.lifecycle.settings.environment())
        env[DB_URL_ENV] = self.lifecycle.store_url
        env[RUN_ID_ENV] = run_id
        env[RERUN_ENV] = "1"
        hooks = self.lifecycle.notifications.deployment_hooks()
        if hooks:  # the server's own webhooks (traitlets) reach the worker that closes the run
            env[WEBHOOKS_ENV] = json.dumps([hook.to_json() for hook in hooks])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
        return env

    def _reap(self, run_id: str, process: subprocess.Popen[bytes], exited: threading.Event, actor: str) -> None:
        """Wait for our worker; if it left its run open, it crashed: close the run as failed."""
        code = process.wait()
        try:
            run = self.lifecycle.run_record(run_id)
            if run.active:
                self._close_crashed(run, f"the rerun worker exited with status {code} before finishing", actor)
            else:
                stop_run(None, run_id, run_dir=self._run_dir(run))  # nothing the run started outlives it
        finally:
            exited.set()

    def _close_crashed(self, run: Run, reason: str, actor: str) -> None:
        stop_run(None, run.id, run_dir=self._run_dir(run))  # what a killed worker started, by marker or record
        last = _last_log_line(self._run_dir(run))
        close_run(self.lifecycle, run.id, "failed", "failed", f"{reason}{f': {last}' if last else ''}", actor=actor)

    def _run_dir(self, run: Run) -> Path | None:
        try:
            return self.lifecycle.project(run.project_id).manifest.runs_dir / run.id
        except NotFound:
            return None

    # --- read ----------------------------------------------------------------------------------

    def reconcile(self, runs: Sequence[Run] | None = None) -> list[str]:
        """Close as failed every open run on this host whose worker is gone; returns their ids."""
        closed = []
        for run in self.lifecycle.active_runs(self.host) if runs is None else runs:
            if not run.active or run.worker_host not in (None, self.host):
                continue
            pid = run.worker_pid
            if pid is None:
                created = parse_utc(run.created_at)
                if (dt.datetime.now(dt.timezone.utc) - created).total_seconds() < UNCLAIMED_GRACE_S:
                    continue
                reason = "the rerun worker was never started"
            elif is_run_worker(pid, run.id):
                continue
            else:
                reason = f"the rerun worker (pid {pid}) is gone"
            self._close_crashed(run, reason, run.requested_by)
            closed.append(run.id)
        return closed

    def get(self, run_id: str) -> Run:
        """A run with its notebooks, progress, verdicts and diffs; NotFound otherwise."""
        run = self.lifecycle.run_record(run_id)
        if run.active and self.reconcile([run]):
            run = self.lifecycle.run_record(run_id)
        return run

    def list(self, project: Project, limit: int = 50) -> list[Run]:
        """The project's runs, newest first, with their notebooks' progress and verdicts (no diffs)."""
        runs = self.lifecycle.list_runs(project.id, limit, notebooks=True)
        if self.reconcile([r for r in runs if r.active]):
            runs = self.lifecycle.list_runs(project.id, limit, notebooks=True)
        return runs

    def wait(
        self, run_id: str, *, timeout: float | None = None, interval: float = 0.2,
        on_progress: Callable[[Run], None] | None = None,
    ) -> Run:
        """Block until the run is closed (or ``timeout`` passes), calling ``on_progress`` as it goes.

        For a run whose worker this service started, also until that worker exits: it records the finished
        run as the evidence of the ``rerun`` items just after closing it, and a caller that waited (a CLI
        ``rerun`` followed by ``gate``) must see that evidence.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        exited = self._exited.get(run_id)
        while True:
            run = self.get(run_id)
            if not run.active:
                if exited is not None:
                    exited.wait(WORKER_EXIT_GRACE_S)
                return run
            if deadline is not None and time.monotonic() >= deadline:
                return run
            if on_progress is not None:
                on_progress(run)
            if exited is not None:
                exited.wait(interval)  # wakes the moment our own worker exits
            else:
                time.sleep(interval)

    # --- cancel ----------------------------------------------------------------------------------

    def cancel(self, run_id: str, *, actor: str, current: Run | None = None) -> Run:
        """Cancel a queued or running run: close it as cancelled, then stop its worker and kernels.

        ``current``: the run as the caller has just read it (``get``), which is then not read again.
        """
        run = self.lifecycle.run_record(run_id) if current is None else current
        if not run.active:
            return run
        # Closing first means the worker's own last writes are refused and nobody mistakes the kill for a crash.
        closed = close_run(self.lifecycle, run_id, "cancelled", "cancelled", f"cancelled by {actor}", actor=actor)
        if run.worker_host in (None, self.host):
            stop_run(run.worker_pid, run_id, run_dir=self._run_dir(run))
        return closed  # closed: stopping the worker changes nothing of the record


def _last_log_line(run_dir: Path | None) -> str | None:
    """The worker log's last line, which is usually the reason it died."""
    if run_dir is None:
        return None
    try:
        lines = (run_dir / "worker.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return None
    return lines[-1][:500] if lines else None
