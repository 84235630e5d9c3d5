"""The ``dask`` executor: each notebook executes as a task on a Dask cluster (``distributed``, the [dask] extra).

The coordinator (the rerun worker process) stays on this host and keeps the
store to itself; a task only reads the notebook from the shared filesystem,
checks it is the one the coordinator read, executes it with papermill and
returns the executed notebook. While it runs the task reports through Dask
events (``Worker.log_event`` on a topic per notebook the coordinator subscribes
to): where it started, then each cell done. A cancelled run sets a Dask
``Event`` that a watcher in the task waits on; it kills the task's kernel, and
the coordinator cancels the future. A worker that dies mid-task is noticed
by the coordinator (the worker leaves the scheduler's list); Dask reschedules
the task once, and a second death fails the notebook naming the worker.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import LifecycleError, ValidationError
from ..notebooks import first_line
from ..runner import Prepared, RunAbandoned, kernel_context, kernel_summary, kill_live_kernels
from . import Executor, NotebookJob, NotebookOutcome, Observation, Progress, Started
from .jobs import execute_passes, observe_here, read_job

CONNECT_TIMEOUT_S = 20
WORKER_CHECK_S = 2.0  # how often the coordinator asks the scheduler whether the task's worker is still there
ABORT_WAIT_S = 5.0
CANCEL_POLL_S = 3.0
MAX_WORKER_DEATHS = 2  # the first death is retried (Dask reschedules the task), the second fails the notebook


class ExecutorUnavailable(LifecycleError):
    """The Dask cluster cannot be reached (or distributed is not installed)."""


def _topic(job: NotebookJob) -> str:
    return f"lifecycle-lab:{job.run_id}:{job.position}"


def cancel_event_name(run_id: str) -> str:
    """The Dask Event a cancelled run sets: the task executing its notebook watches it."""
    return f"lifecycle-lab:cancel:{run_id}"


# --- on the worker -----------------------------------------------------------------------------------


def _watch_cancel(name: str, owner: str, done: threading.Event) -> None:
    """Until ``done``: when the run's cancel Event is set, kill this task's kernel (papermill then stops)."""
    from distributed import Event

    cancelled = Event(name)
    while not done.is_set():
        try:  # a long poll: it returns the moment the Event is set, and asks the scheduler again every few seconds
            if cancelled.wait(timeout=CANCEL_POLL_S):
                kill_live_kernels(owner)
                return
        except Exception:  # the scheduler briefly unreachable: keep watching
            time.sleep(0.5)


def execute_on_worker(job: NotebookJob) -> dict[str, Any]:
    """The Dask task: execute ``job`` on this worker and return its executions (or why it could not start)."""
    from distributed import get_worker

    worker = get_worker()
    where = worker.address
    topic = _topic(job)
    worker.log_event(topic, {"kind": "start", "worker": where, "pid": os.getpid()})
    try:
        prepared = read_job(job, where)
    except ValidationError as exc:
        return {"worker": where, "error": str(exc)}
    owner = f"{job.run_id}:{job.position}:{uuid.uuid4().hex}"
    done = threading.Event()
    threading.Thread(target=_watch_cancel, args=(cancel_event_name(job.run_id), owner, done), daemon=True,
                     name=f"lifecycle-cancel-{job.run_id}").start()

    def on_cell(cells: int) -> None:
        worker.log_event(topic, {"kind": "cell", "done": cells})

    try:
        with kernel_context(owner, job.kernel_env):
            executions = execute_passes(job, prepared, on_cell)
    finally:
        done.set()
    return {"worker": where, "executions": executions}


def observe_on_worker(project_dir: str, kernels: Mapping[str, Mapping[str, Any]],
                      datasets: Mapping[str, str]) -> Observation:
    """The Dask task observing a worker's environment (its own kernel specs) and the datasets as it reads them."""
    from distributed import get_worker
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager, here = KernelSpecManager(), {}
    for name, spec in kernels.items():
        try:
            here[name] = kernel_summary(name, manager.get_kernel_spec(name))
        except NoSuchKernel:
            here[name] = {**spec, "missing_on_worker": True}
    return observe_here(project_dir, here, datasets, where=get_worker().address)


def _write(notebook: Any, target: str | None) -> None:
    import nbformat

    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)


# --- on the coordinator -----------------------------------------------------------------------------


class DaskExecutor(Executor):
    """Executes notebooks on the Dask cluster whose scheduler listens at ``scheduler``."""

    name = "dask"

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorUnavailable("the dask executor needs the [dask] extra: pip install 'lifecycle_lab[dask]'"
                                      ) from None
        try:
            self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.scheduler = scheduler
        self._current: Any = None
        self._run_id: str | None = None

    def observe(self, project_dir: Path, kernels: Mapping[str, Mapping[str, Any]],
                datasets: Mapping[str, str]) -> Observation:
        """The environment and datasets as one worker of the cluster sees them."""
        future = self.client.submit(observe_on_worker, str(project_dir), dict(kernels), dict(datasets), pure=False)
        return future.result()

    def execute(self, job: NotebookJob, prepared: Prepared, *, on_cell: Progress, on_start: Started) -> NotebookOutcome:
        """Submit the notebook as a task and relay its events until it returns, is cancelled or loses its worker."""
        events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        topic = _topic(job)
        self.client.subscribe_topic(topic, lambda event: events.put(event[1]))
        self._run_id = job.run_id
        deaths: list[str] = []
        try:
            while True:
                outcome = self._attempt(job, events, deaths, on_cell, on_start)
                if outcome is not None:
                    return outcome
        finally:
            self._current = None
            self.client.unsubscribe_topic(topic)

    def _attempt(self, job: NotebookJob, events: queue.SimpleQueue[dict[str, Any]], deaths: list[str],
                 on_cell: Progress, on_start: Started) -> NotebookOutcome | None:
        """One submission of the task; None when Dask gave up on it after a worker death and it must go again."""
        from distributed.scheduler import KilledWorker

        future = self._current = self.client.submit(execute_on_worker, job, pure=False,
                                                    key=f"lifecycle-lab-{job.run_id}-{job.position}-{uuid.uuid4().hex[:8]}")
        future.add_done_callback(lambda _: events.put({"kind": "done"}))  # wakes the loop the moment it ends
        running_on: str | None = None
        checked = time.monotonic()
        while True:
            try:
                pending = [events.get(timeout=WORKER_CHECK_S)]
            except queue.Empty:
                pending = []
            while not events.empty():
                pending.append(events.get())
            for event in pending:
                if event.get("kind") == "start":
                    if running_on is not None:  # Dask runs a started task again only when its worker was lost
                        deaths.append(running_on)
                    running_on = event["worker"]
                    on_start(running_on, len(deaths) + 1)
                elif event.get("kind") == "cell":
                    try:
                        on_cell(int(event["done"]))
                    except RunAbandoned:
                        self._stop(future, job.run_id)
                        raise
            if future.done():
                break
            if running_on and time.monotonic() - checked >= WORKER_CHECK_S:
                checked = time.monotonic()
                if running_on not in self.client.scheduler_info()["workers"]:
                    deaths.append(running_on)
                    running_on = None
            if len(deaths) >= MAX_WORKER_DEATHS:
                self._stop(future, job.run_id)
                return self._lost(deaths)
        try:
            result = future.result()
        except KilledWorker as exc:  # the scheduler's own limit (distributed.scheduler.allowed-failures) was hit
            last = getattr(exc, "last_worker", None)
            deaths.append(getattr(last, "address", None) or running_on or "an unknown worker")
            return self._lost(deaths) if len(deaths) >= MAX_WORKER_DEATHS else None
        except Exception as exc:  # the scheduler went away, the task itself broke: this notebook fails, clearly
            return NotebookOutcome(executions=[], worker=running_on or self.scheduler, attempts=len(deaths) + 1,
                                   error={"kind": "executor", "message": f"the Dask task failed: "
                                                                         f"{type(exc).__name__}: {first_line(exc)}"})
        if "error" in result:
            return NotebookOutcome(executions=[], worker=result["worker"], attempts=len(deaths) + 1,
                                   error={"kind": "executor", "message": result["error"]})
        for execution, target in zip(result["executions"], (job.output_path, job.second_output_path), strict=False):
            _write(execution.notebook, target)  # the worker wrote it too, where it sees the path
        return NotebookOutcome(executions=result["executions"], worker=result["worker"], attempts=len(deaths) + 1)

    def _lost(self, deaths: list[str]) -> NotebookOutcome:
        first = f" (it was retried after {deaths[0]} died first)" if len(deaths) > 1 else ""
        message = f"the Dask worker {deaths[-1]} died while executing the notebook{first}"
        return NotebookOutcome(executions=[], worker=deaths[-1], attempts=len(deaths),
                               error={"kind": "worker", "message": message})

    def _stop(self, future: Any, run_id: str) -> None:
        """Tell the task to kill its kernel, and cancel its future."""
        from distributed import Event

        Event(cancel_event_name(run_id), client=self.client).set()
        self.client.cancel([future], force=True)

    def abort(self) -> None:
        """Stop the notebook executing now (from the SIGTERM handler), waiting at most a few seconds."""
        future, run_id = self._current, self._run_id
        if future is None or run_id is None:
            return
        stopper = threading.Thread(target=self._stop, args=(future, run_id), daemon=True)
        stopper.start()
        stopper.join(ABORT_WAIT_S)

    def close(self) -> None:
        """Disconnect from the scheduler."""
        self.client.close()
