"""The processes of a rerun, and making sure none of them outlives it.

A run's worker (leader of its own session) carries ``LIFECYCLE_LAB_RUN_ID`` in
its environment, and so does everything it starts: the kernel, whatever the
notebook starts, and their children, *including* those that leave the process
group or start a session of their own (``start_new_session=True``, daemons),
which signalling a process group misses. Two nets catch them, both through
psutil:

- the marker: every live process whose environment (``psutil.Process.environ()``)
  carries the run's id. This works from any process on the host, so the server
  (its reaper, or ``reconcile`` after a restart) cleans up after a worker that
  was SIGKILLed;
- :class:`Containment`, in the worker: the worker's descendants sampled while
  the run executes, which also catches a child that scrubbed its environment,
  as long as it lived for one sampling interval.

Everything found is killed when each notebook ends (finished, failed, timed
out), when the worker is cancelled, and when its run is closed. A notebook under
rerun still runs with the user's rights, as in any kernel (see docs/rerun.md).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterable
from contextlib import suppress

import psutil

RUN_ID_ENV = "LIFECYCLE_LAB_RUN_ID"
SAMPLE_EVERY_S = 0.2


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _tagged(proc: psutil.Process, run_id: str) -> bool:
    try:
        return proc.environ().get(RUN_ID_ENV) == run_id
    except (psutil.Error, OSError):  # gone, another user's, or a kernel thread
        return False


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        return _running(psutil.Process(pid))
    except psutil.Error:
        return False


def tagged_processes(run_id: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``run_id`` (the worker, its kernels, and everything they started)."""
    return [p for p in psutil.process_iter() if _tagged(p, run_id) and _running(p)]


def run_processes(run_id: str) -> list[int]:
    """The pids of :func:`tagged_processes`, sorted."""
    return sorted(p.pid for p in tagged_processes(run_id))


def is_run_worker(pid: int, run_id: str) -> bool:
    """Whether ``pid`` is still this run's worker (it checks the tag, so a reused pid is not mistaken for it)."""
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return False
    return _running(proc) and _tagged(proc, run_id)


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


def kill_all(processes: Iterable[psutil.Process], grace: float = 5.0) -> list[int]:
    """SIGKILL each still-running process (never this one) and wait up to ``grace`` s for them; the pids killed."""
    killed = []
    for proc in processes:
        if proc.pid == os.getpid() or not _running(proc):
            continue
        with suppress(psutil.Error):
            proc.kill()  # psutil checks the process is the same one (pid and start time) before signalling
            killed.append(proc.pid)
    _wait_gone(killed, time.monotonic() + grace)
    return killed


def stop_run(worker_pid: int | None, run_id: str, grace: float = 5.0) -> None:
    """Stop a run's worker (SIGTERM, then SIGKILL after ``grace`` seconds) and every process left with its tag."""
    if worker_pid and is_run_worker(worker_pid, run_id):
        _signal_group(worker_pid, signal.SIGTERM)  # the worker kills its kernel and what it started, and exits
        if _wait_gone([worker_pid], time.monotonic() + grace):
            _signal_group(worker_pid, signal.SIGKILL)
            _wait_gone([worker_pid], time.monotonic() + grace)
    leftovers = tagged_processes(run_id)
    for proc in leftovers:  # with their groups: a child that scrubbed its environment but kept the group goes too
        _signal_group(proc.pid, signal.SIGKILL)
    kill_all(leftovers, grace)


class Containment:
    """In a run's worker: samples its descendants while the run executes, and kills what is left of them.

    ``sweep`` kills every sampled descendant still running and every process with the run's tag, except the
    worker itself: call it when a notebook ends and when the worker stops.
    """

    def __init__(self, run_id: str, interval: float = SAMPLE_EVERY_S) -> None:
        self.run_id = run_id
        self.interval = interval
        self._me = psutil.Process()
        self._seen: dict[tuple[int, float], psutil.Process] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Containment:
        """Start sampling in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"lifecycle-contain-{self.run_id}")
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        """Remember every current descendant of the worker (pid and start time, so a reused pid is not one)."""
        try:
            children = self._me.children(recursive=True)
        except psutil.Error:
            return
        with self._lock:
            for child in children:
                with suppress(psutil.Error):
                    self._seen.setdefault((child.pid, child.create_time()), child)

    def sweep(self) -> list[int]:
        """Kill every sampled descendant still running and every tagged process but the worker; the pids killed."""
        self.sample()
        with self._lock:
            sampled = list(self._seen.values())
            self._seen.clear()
        return kill_all([*sampled, *tagged_processes(self.run_id)])

    def stop(self) -> list[int]:
        """Stop sampling and sweep one last time."""
        self._stop.set()
        return self.sweep()
