"""Execute one notebook with papermill, reporting cells done as they finish; used by the worker only.

A papermill engine of our own wraps papermill's execution manager so each
finished cell is reported, and gives nbclient a per-cell timeout capped by the
time left for the whole notebook. Kernels are started through a kernel manager
that remembers them, so a cancelled worker can kill its kernel before it exits.
"""

from __future__ import annotations

import contextvars
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.engines import NBClientEngine, NotebookExecutionManager
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from papermill.utils import chdir

from ..errors import ValidationError
from .markers import INJECTED_TAG, NBCLIENT_RAISES, TAG_SKIP, cell_markers, tags
from .notebooks import first_line, read_notebook
from .sanitize import apply_control_characters

_ADDED_TAGS = "lifecycle_added_tags"  # cell metadata: the tags prepare() added for nbclient, removed after execution
KERNEL_START_TIMEOUT_S = 60

ProgressCallback = Callable[[int], None]  # called with the number of cells done


class RunAbandoned(Exception):
    """Raised by a progress callback to stop executing at once (the kernel is still shut down)."""


# Which execution a kernel belongs to, and the variables its environment gets: one process (a Dask worker
# with several threads) may run several notebooks at once, and each must stop only its own kernel.
_OWNER: contextvars.ContextVar[str | None] = contextvars.ContextVar("lifecycle_lab_kernel_owner", default=None)
_KERNEL_ENV: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar("lifecycle_lab_kernel_env",
                                                                                      default=None)


@contextmanager
def kernel_context(owner: str, env: Mapping[str, str] | None = None) -> Iterator[None]:
    """Kernels started inside are ``owner``'s (see :func:`kill_live_kernels`) and get ``env`` added."""
    tokens = _OWNER.set(owner), _KERNEL_ENV.set(dict(env or {}))
    try:
        yield
    finally:
        _OWNER.reset(tokens[0])
        _KERNEL_ENV.reset(tokens[1])


class TrackedKernelManager(AsyncKernelManager):
    """A kernel manager whose live kernels the worker can find (and kill) when it is told to stop."""

    live: ClassVar[set[TrackedKernelManager]] = set()
    _lock: ClassVar[threading.RLock] = threading.RLock()  # re-entrant: a SIGTERM handler may take it
    owner: str | None = None

    async def start_kernel(self, **kw: Any) -> None:
        """Remember the kernel, then start it (remembered first: a stop during start-up still finds it)."""
        self.owner = _OWNER.get()
        extra = _KERNEL_ENV.get()
        if extra:
            kw["env"] = {**(kw.get("env") or os.environ), **extra}
        with TrackedKernelManager._lock:
            TrackedKernelManager.live.add(self)
        await super().start_kernel(**kw)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """Shut the kernel down and forget it."""
        try:
            await super().shutdown_kernel(now=now, restart=restart)
        finally:
            TrackedKernelManager.live.discard(self)

    def kill_now(self) -> None:
        """SIGKILL the kernel's process group, without waiting for anything (safe in a signal handler)."""
        provisioner = self.provisioner
        pid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if pid:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def kill_live_kernels(owner: str | None = None) -> int:
    """Kill every kernel this process started and has not shut down (only ``owner``'s when given); how many."""
    with TrackedKernelManager._lock:
        chosen = [m for m in TrackedKernelManager.live if owner is None or m.owner == owner]
        TrackedKernelManager.live.difference_update(chosen)
    for manager in chosen:
        manager.kill_now()
    return len(chosen)


class _ReportingManager(NotebookExecutionManager):
    """papermill's execution manager, also reporting each finished cell and where execution stopped."""

    def __init__(self, nb: Any, *, on_cell: ProgressCallback | None, **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self.on_cell = on_cell
        self.current: int | None = None
        self.failure: Any = None

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        """Note which cell runs, then papermill's bookkeeping."""
        self.current = cell_index
        super().cell_start(cell, cell_index, **kwargs)

    def cell_exception(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        """Keep the exception that stopped the notebook."""
        self.failure = kwargs.get("exception")
        super().cell_exception(cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        """papermill's bookkeeping, then report progress."""
        super().cell_complete(cell, cell_index, **kwargs)
        if self.on_cell is not None and cell_index is not None:
            self.on_cell(cell_index + 1)


class ReportingEngine(NBClientEngine):
    """papermill's nbclient engine with a manager that reports progress and remembers the failing cell."""

    @classmethod
    def execute_notebook(  # type: ignore[override]
        cls, nb: Any, kernel_name: str, *, manager: _ReportingManager, **kwargs: Any
    ) -> Any:
        """Run ``nb`` under ``manager`` (papermill's Engine.execute_notebook, with our manager passed in)."""
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, **kwargs)
        finally:
            manager.notebook_complete()
        return manager.nb


@dataclass(frozen=True)
class Prepared:
    """A notebook read, validated, parameterised and ready to execute."""

    notebook: Any  # nbformat.NotebookNode, parameterised, to be executed
    saved: Any  # the notebook as saved (nbformat v4), whose outputs a rerun is compared with
    kernel: str
    kernel_spec: dict[str, Any]

    @property
    def cells(self) -> int:
        """How many cells execute (papermill's injected parameters cell included)."""
        return len(self.notebook.cells)


@dataclass(frozen=True)
class Execution:
    """What executing a notebook produced: the executed notebook and, when it stopped early, why."""

    notebook: Any  # the executed (perhaps partly executed) nbformat.NotebookNode
    duration: float
    error: dict[str, Any] | None = None

    @property
    def timed_out(self) -> bool:
        """Whether a timeout stopped it."""
        return bool(self.error) and self.error.get("kind") == "timeout"


def kernel_summary(name: str, spec: Any) -> dict[str, Any]:
    """The facts about a kernel spec a run records (the interpreter resolved as jupyter_client does)."""
    argv = list(spec.argv)
    executable = argv[0] if argv else None
    if executable in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        executable = sys.executable  # jupyter_client starts these names as its own interpreter
    return {"name": name, "display_name": spec.display_name, "language": spec.language, "executable": executable}


def prepare(path: Path, *, parameters: Mapping[str, Any], kernel: str | None, display: str) -> Prepared:
    """Read and check a notebook, resolve its kernel, inject ``parameters``; ValidationError saying what is wrong."""
    saved = read_notebook(path, display=display)
    nb = load_notebook_node(saved)  # papermill's copy of it, with its metadata added (the file is read once)
    name = kernel or (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(name)
    except NoSuchKernel:
        available = ", ".join(sorted(manager.find_kernel_specs())) or "none installed"
        raise ValidationError(f"{display}: unknown kernel {name!r} (available: {available})") from None
    if parameters:
        nb = parameterize_notebook(nb, dict(parameters), kernel_name=name, language=spec.language)
    for cell in nb.cells:
        _tag_for_nbclient(cell)
    return Prepared(notebook=nb, saved=saved, kernel=name, kernel_spec=kernel_summary(name, spec))


def source_index(nb: Any, index: int) -> int:
    """The position in the notebook as saved of executed cell ``index`` (papermill's injected cell removed)."""
    injected = sum(1 for cell in nb.cells[:index] if INJECTED_TAG in tags(cell))
    return index - injected


def _tag_for_nbclient(cell: Any) -> None:
    """Give nbclient the one skip tag and the one raises tag it knows, whichever marker (markers.py) said so."""
    if cell.get("cell_type") != "code":
        return
    markers = cell_markers(cell)
    wanted = [tag for tag, on in ((TAG_SKIP, markers.skip), (NBCLIENT_RAISES, markers.raises))
              if on and tag not in tags(cell)]
    if wanted:
        cell.metadata["tags"] = [*tags(cell), *wanted]
        cell.metadata[_ADDED_TAGS] = wanted


def _restore_tags(nb: Any) -> None:
    for cell in nb.cells:
        for tag in cell.metadata.pop(_ADDED_TAGS, []):
            cell.metadata["tags"].remove(tag)
        if "tags" in cell.metadata and not cell.metadata["tags"]:
            del cell.metadata["tags"]


def execute(
    prepared: Prepared,
    *,
    cwd: Path,
    output_path: Path,
    cell_timeout: float,
    timeout: float,
    on_cell: ProgressCallback | None = None,
) -> Execution:
    """Execute in a fresh kernel; the executed notebook is written to ``output_path`` even when it stops early."""
    nb = prepared.notebook
    started = time.monotonic()
    deadline = started + timeout

    def cell_limit(_cell: Any) -> float:
        return max(0.01, min(cell_timeout, deadline - time.monotonic()))

    manager = _ReportingManager(nb, on_cell=on_cell, output_path=str(output_path), progress_bar=False)
    error: dict[str, Any] | None = None
    try:
        with chdir(str(cwd)):
            ReportingEngine.execute_notebook(
                nb, prepared.kernel, manager=manager, start_timeout=KERNEL_START_TIMEOUT_S,
                timeout_func=cell_limit, skip_cells_with_tag=TAG_SKIP, shutdown_kernel="immediate",
                kernel_manager_class=TrackedKernelManager,
            )
    except CellTimeoutError:
        index = source_index(nb, manager.current or 0)
        if time.monotonic() >= deadline - 0.05:
            message = f"the notebook did not finish within its timeout of {timeout:g} s (stopped in cell {index + 1})"
        else:
            message = f"cell {index + 1} did not finish within the per-cell timeout of {cell_timeout:g} s"
        error = {"kind": "timeout", "cell_index": index, "message": message}
    except RunAbandoned:
        raise
    except DeadKernelError:
        index = source_index(nb, manager.current or 0)
        error = {"kind": "kernel", "cell_index": index, "message": f"the kernel died while running cell {index + 1}"}
    except Exception as exc:  # a kernel that cannot start, a broken spec...: this notebook fails, the run goes on
        index = None if manager.current is None else source_index(nb, manager.current)
        where = "before the first cell" if index is None else f"in cell {index + 1}"
        error = {"kind": "execution", "cell_index": index,
                 "message": f"execution stopped {where}: {type(exc).__name__}: {first_line(exc)}"}
    finally:
        kill_live_kernels(_OWNER.get())
    if error is None and manager.failure is not None and not _clean_exit(manager.failure):
        error = _exception_error(nb, manager.current or 0, manager.failure)
    if error is not None and manager.current is not None:
        error["cell_id"] = nb.cells[manager.current].get("id")
    _restore_tags(nb)
    nbformat.write(nb, str(output_path))
    return Execution(notebook=nb, duration=time.monotonic() - started, error=error)


def _clean_exit(failure: Any) -> bool:
    """``sys.exit()``, ``sys.exit(0)`` or ``raise SystemExit``: the notebook stopped there on purpose, as papermill
    treats it (the cells after it are not executed, and not an error)."""
    return getattr(failure, "ename", None) == "SystemExit" and getattr(failure, "evalue", None) in ("", "0", "None")


def _exception_error(nb: Any, executed_index: int, failure: Any) -> dict[str, Any]:
    index = source_index(nb, executed_index)
    ename, evalue = getattr(failure, "ename", type(failure).__name__), getattr(failure, "evalue", str(failure))
    trace = apply_control_characters(getattr(failure, "traceback", "") or "").strip().splitlines()
    return {
        "kind": "exception",
        "cell_index": index,
        "ename": ename,
        "evalue": evalue,
        "message": f"{ename} in cell {index + 1}: {evalue}",
        "traceback": trace[-20:],
    }
