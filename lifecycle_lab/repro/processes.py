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
  as long as it lived for one sampling interval. Each newly seen descendant is
  also appended (pid and start time, flushed to disk) to ``processes.jsonl`` in
  the run's folder, so after a SIGKILLed worker the server's reaper still ends
  a scrubbed child of a new session: :func:`recorded_processes`.

Everything found is killed when each notebook ends (finished, failed, timed
out), when the worker is cancelled, and when its run is closed. A notebook under
rerun still runs with the user's rights, as in any kernel (see docs/rerun.md).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import IO

import psutil

RUN_ID_ENV = "LIFECYCLE_LAB_RUN_ID"
SAMPLE_EVERY_S = 0.2
PROCESSES_FILE = "processes.jsonl"  # in a run's folder: every descendant its worker sampled, one JSON line each
_SAME_START_S = 0.01  # psutil's create_time of one process, read twice, agrees far closer than this


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


def recorded_processes(run_dir: Path | None) -> list[psutil.Process]:
    """The processes a run's worker recorded in ``run_dir`` that still run: same pid *and* same start time, so a
    pid the system has since given to another process is left alone. A torn last line is skipped."""
    found: dict[int, psutil.Process] = {}
    try:
        lines = (run_dir / PROCESSES_FILE).read_text(encoding="utf-8").splitlines() if run_dir else []
    except OSError:
        return []
    for line in lines:
        try:
            entry = json.loads(line)
            pid, started = int(entry["pid"]), float(entry["create_time"])
        except (ValueError, KeyError, TypeError):
            continue
        with suppress(psutil.Error):
            proc = psutil.Process(pid)
            if pid != os.getpid() and abs(proc.create_time() - started) < _SAME_START_S and _running(proc):
                found[pid] = proc
    return list(found.values())


def stop_run(worker_pid: int | None, run_id: str, grace: float = 5.0, run_dir: Path | None = None) -> None:
    """Stop a run's worker (SIGTERM, then SIGKILL after ``grace`` seconds), every process left with its tag, and
    every process the worker recorded in ``run_dir`` (the run's folder) that still runs."""
    if worker_pid and is_run_worker(worker_pid, run_id):
        _signal_group(worker_pid, signal.SIGTERM)  # the worker kills its kernel and what it started, and exits
        if _wait_gone([worker_pid], time.monotonic() + grace):
            _signal_group(worker_pid, signal.SIGKILL)
            _wait_gone([worker_pid], time.monotonic() + grace)
    leftovers = [*tagged_processes(run_id), *recorded_processes(run_dir)]
    for proc in leftovers:  # with their groups: a child that scrubbed its environment but kept the group goes too
        _signal_group(proc.pid, signal.SIGKILL)
    kill_all(leftovers, grace)


class Containment:
    """In a run's worker: samples its descendants while the run executes, and kills what is left of them.

    ``sweep`` kills every sampled descendant still running and every process with the run's tag, except the
    worker itself: call it when a notebook ends and when the worker stops. After :meth:`record_to`, every
    descendant first seen is also appended to that file, for whoever cleans up after a SIGKILLed worker.
    """

    def __init__(self, run_id: str, interval: float = SAMPLE_EVERY_S) -> None:
        self.run_id = run_id
        self.interval = interval
        self._me = psutil.Process()
        self._seen: dict[tuple[int, float], psutil.Process] = {}
        self._recorded: set[tuple[int, float]] = set()
        self._record: IO[str] | None = None
        self._lock = threading.RLock()  # reentrant: the SIGTERM handler samples on the thread it interrupts
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

    def record_to(self, run_dir: Path) -> None:
        """Append every descendant seen from now on (and those seen so far) to ``run_dir``'s ``processes.jsonl``."""
        run_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._record = open(run_dir / PROCESSES_FILE, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop)
            self._write_new()

    def _write_new(self) -> None:
        """Record what was seen but not recorded yet, on disk before returning (the worker may be killed next)."""
        new = [seen for seen in self._seen if seen not in self._recorded]
        if self._record is None or not new:
            return
        with suppress(OSError):  # a full disk must not stop the run; the environment marker still finds most
            self._record.write("".join(json.dumps({"pid": pid, "create_time": started}) + "\n"
                                       for pid, started in new))
            self._record.flush()
            os.fsync(self._record.fileno())
            self._recorded.update(new)

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
            self._write_new()

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
        killed = self.sweep()
        with self._lock:
            if self._record is not None:
                self._record.close()
                self._record = None
        return killed
