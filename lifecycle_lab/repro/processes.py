"""The processes of a rerun: its worker (leader of its own session) and the kernels the worker started.

Every one of them carries ``LIFECYCLE_LAB_RUN_ID`` in its environment, so on
Linux a run's processes are found by reading ``/proc`` — which also tells a
worker apart from an unrelated process that reused its pid. Kernels start in
sessions of their own, so stopping a run takes both the worker's process group
and that sweep.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from contextlib import suppress
from pathlib import Path

RUN_ID_ENV = "LIFECYCLE_LAB_RUN_ID"
_PROC = Path("/proc")


def _state(pid: int) -> str | None:
    """The process state letter from /proc (``Z`` for a zombie); None without /proc or when it is gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split(" ", 1)[0]


def _tagged(pid: int, run_id: str) -> bool:
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return False
    return f"{RUN_ID_ENV}={run_id}".encode() in environ.split(b"\0")


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) != "Z"


def run_processes(run_id: str) -> list[int]:
    """Running processes tagged with ``run_id`` (the worker, its kernels and their children); [] without /proc."""
    if not _PROC.is_dir():
        return []
    found = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and _tagged(int(entry.name), run_id) and _state(int(entry.name)) not in (None, "Z"):
            found.append(int(entry.name))
    return sorted(found)


def is_run_worker(pid: int, run_id: str) -> bool:
    """Whether ``pid`` is still this run's worker (where /proc can tell, it checks the tag, not just the pid)."""
    if not alive(pid):
        return False
    return _tagged(pid, run_id) if _PROC.is_dir() else True


def this_host() -> str:
    """The name a run's ``worker_host`` records: only processes on that host can tell whether its worker died."""
    return socket.gethostname()


def _signal_group(pid: int, signum: int) -> None:
    """Signal ``pid``'s process group (never our own), or just ``pid`` when that is not possible."""
    with suppress(ProcessLookupError, PermissionError):
        group = os.getpgid(pid)
        if group != os.getpgid(0):
            os.killpg(group, signum)
        else:
            os.kill(pid, signum)


def _wait_gone(pids: list[int], deadline: float) -> list[int]:
    while True:
        pids = [p for p in pids if alive(p)]
        if not pids or time.monotonic() >= deadline:
            return pids
        time.sleep(0.05)


def stop_run(worker_pid: int | None, run_id: str, grace: float = 5.0) -> None:
    """Stop a run's worker (SIGTERM, then SIGKILL after ``grace`` seconds) and every process left with its tag."""
    if worker_pid and is_run_worker(worker_pid, run_id):
        _signal_group(worker_pid, signal.SIGTERM)  # the worker kills its kernel and exits
        if _wait_gone([worker_pid], time.monotonic() + grace):
            _signal_group(worker_pid, signal.SIGKILL)
            _wait_gone([worker_pid], time.monotonic() + grace)
    leftovers = run_processes(run_id)
    for pid in leftovers:
        _signal_group(pid, signal.SIGKILL)
    _wait_gone(leftovers, time.monotonic() + grace)
