"""Dask executor benchmarks, printed as ``name: value`` lines.

- ``dask_overhead_ratio``: wall time of ``jupyter lifecycle rerun --executor dask`` of the example project
  (five notebooks) through a local cluster of two single-threaded workers (real ``dask scheduler`` and
  ``dask worker`` processes on loopback) over the same rerun with the ``local`` executor (two slots, the
  default); interleaved, median of REPEAT, on a cluster whose workers have imported the task code once (as a
  long-running one has). Target: at most 1.15.
- ``revalidate_projects_per_min``: 20 small projects (one notebook each) revalidated by one
  ``jupyter lifecycle revalidate --all-projects --executor dask`` on that cluster; and
  ``revalidate_speedup_over_one_at_a_time``: the same 20 revalidated one after another
  (``revalidate --project P --executor dask``, 20 commands) over the fanned-out wall time.

Run from the repository root: ``python benchmarks/dask_bench.py`` (several minutes on 2 cores).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from dask_cluster import DaskCluster  # noqa: E402
from examples_bench import _run  # noqa: E402 (the same timed subprocess: benchmarks/ is on sys.path)

EXAMPLES = ROOT / "example_notebooks"
REPEAT = int(os.environ.get("DASK_BENCH_REPEAT", "2"))
PROJECTS = int(os.environ.get("DASK_BENCH_PROJECTS", "20"))
CLI = [sys.executable, "-m", "lifecycle_lab.cli"]


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_LAB_")}
    env.update(LIFECYCLE_LAB_DB_URL=f"sqlite:///{root / 'store.sqlite'}", LIFECYCLE_LAB_USER="bench",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return env


def warm_up(cluster: DaskCluster) -> None:
    """Import the executor's task code on every worker once, as a long-running cluster already has."""
    from distributed import Client

    with Client(cluster.address, timeout=30, set_as_default=False) as client:
        client.run(lambda: __import__("lifecycle_lab.repro.executors.dask") and None)


def overhead(cluster: DaskCluster, root: Path) -> tuple[float, float]:
    """Median wall times of the example project's rerun: (local executor, dask executor)."""
    project = Path(shutil.copytree(EXAMPLES, root / "example_notebooks",
                                   ignore=shutil.ignore_patterns("runs", "models", "__pycache__")))
    env = _env(root)
    _run([*CLI, "import", "--project", str(project), str(project / ".lifecycle" / "state.json")], root, env)
    local, dask = [], []
    for _ in range(REPEAT):  # 1: nondeterministic.ipynb differs, on both executors
        local.append(_run([*CLI, "rerun"], project, env, ok=(1,)))
        dask.append(_run([*CLI, "rerun", "--executor", "dask", "--scheduler", cluster.address], project, env, ok=(1,)))
    return statistics.median(local), statistics.median(dask)


def revalidation(cluster: DaskCluster, root: Path) -> tuple[float, float]:
    """Wall times of revalidating PROJECTS small projects: (one at a time, all at once), both through Dask."""
    import nbformat
    import nbformat.v4 as v4
    import papermill

    env = _env(root)
    folders = []
    for i in range(PROJECTS):
        folder = root / f"project-{i:02d}"
        folder.mkdir(parents=True)
        nb = v4.new_notebook(cells=[v4.new_code_cell(f"print(sum(range({i + 10})))")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(folder / "model.ipynb"))
        papermill.execute_notebook(str(folder / "model.ipynb"), str(folder / "model.ipynb"), progress_bar=False,
                                   cwd=str(folder))
        _run([*CLI, "init", "--template", "minimal", "--name", folder.name], folder, env)
        with open(folder / "lifecycle.yaml", "a", encoding="utf-8") as fh:
            fh.write("revalidate:\n  every: 30d\n")
        folders.append(folder)
    dask = ["--executor", "dask", "--scheduler", cluster.address]
    one_at_a_time = sum(_run([*CLI, "revalidate", "--project", str(f), *dask], root, env) for f in folders)
    fanned_out = _run([*CLI, "revalidate", "--all-projects", *dask], root, env)
    return one_at_a_time, fanned_out


def main() -> None:
    """Start a two-worker cluster, then measure both figures."""
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as scratch:
        root = Path(scratch)
        (root / "cluster").mkdir()
        cluster = DaskCluster(root / "cluster", workers=2).start()
        try:
            print(f"cpus: {os.cpu_count()}", flush=True)
            warm_up(cluster)
            local_s, dask_s = overhead(cluster, root / "overhead")
            print(f"dask_overhead_ratio: {dask_s / local_s:.3f}", flush=True)
            print(f"examples_rerun_local_s: {local_s:.1f}", flush=True)
            print(f"examples_rerun_dask_s: {dask_s:.1f}", flush=True)
            if PROJECTS < 1:  # DASK_BENCH_PROJECTS=0: the overhead ratio only
                return
            one_s, all_s = revalidation(cluster, root / "revalidate")
            print(f"revalidate_projects_per_min: {PROJECTS / all_s * 60:.1f}", flush=True)
            print(f"revalidate_one_at_a_time_projects_per_min: {PROJECTS / one_s * 60:.1f}", flush=True)
            print(f"revalidate_speedup_over_one_at_a_time: {one_s / all_s:.2f}", flush=True)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
