"""A real Dask cluster for tests: ``dask scheduler`` and ``dask worker`` processes on loopback, stopped by pid.

Started as ``python -m dask scheduler|worker`` (the ``dask`` command of this interpreter), with this checkout
on PYTHONPATH so the workers import the lifecycle_lab under test. Also used by ``benchmarks/dask_bench.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from lifecycle_lab.pytest_plugin import wait_until

ROOT = Path(__file__).resolve().parent.parent  # the checkout: the workers import its lifecycle_lab
START_TIMEOUT_S = 60


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_available() -> bool:
    """Whether ``distributed`` (the [dask] extra) is installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


class DaskCluster:
    """One scheduler and one ``dask worker`` process running ``workers`` single-threaded workers (with nannies)."""

    def __init__(self, folder: Path, workers: int = 2) -> None:
        self.folder = folder
        self.workers = workers
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH")) if p)}

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process's end)
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "dask", name, *args], cwd=self.folder, env=self.env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))

    def start(self) -> DaskCluster:
        """Start the scheduler and the workers and wait until every worker has joined."""
        self._spawn("scheduler", ["--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"])
        self._spawn("worker", [self.address, "--nworkers", str(self.workers), "--nthreads", "1", "--no-dashboard",
                               "--host", "127.0.0.1", "--local-directory", str(self.folder / "workers")])
        try:
            wait_until(self._workers_joined, START_TIMEOUT_S, 0.5, what="the Dask workers to join the scheduler")
        except AssertionError:
            self.stop()
            raise RuntimeError(f"the Dask cluster did not start: see {self.folder}/*.log") from None
        return self

    def _workers_joined(self) -> bool:
        """Whether the scheduler answers and has all its workers (it refuses connections while it starts)."""
        from distributed import Client

        try:
            with Client(self.address, timeout=5, set_as_default=False) as client:
                client.wait_for_workers(self.workers, timeout=5)
                return True
        except (OSError, TimeoutError):
            return False

    def worker_pids(self) -> dict[str, int]:
        """Each worker's address → the pid of its process."""
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            return client.run(os.getpid)

    def stop(self) -> None:
        """Stop the worker and scheduler processes (their whole sessions: nannies and workers too)."""
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def hold(name: str, timeout: float = 120) -> bool:
    """A task that keeps its worker busy until the Dask Event ``name`` is set (this module is on the workers' path)."""
    from distributed import Event

    return Event(name).wait(timeout)
