"""The example project's notebooks, end to end, printed as ``name: value`` lines.

- ``examples_rerun_s``: wall time of ``jupyter lifecycle rerun`` of ``example_notebooks/`` (all five
  notebooks, each in its own kernel, outputs compared) after the quick start's import; median of REPEAT.
  Target: under 60 s on 2 cores.
- ``examples_papermill_s``: the baseline, the same five notebooks executed one after another by
  ``papermill`` processes in the same folder (``LIFECYCLE_LAB_RERUN=1``, as the rerun's kernels have it).
- ``examples_rerun_over_papermill``: the ratio (what comparing, recording and the worker add).

Run from the repository root: ``python benchmarks/examples_bench.py`` (about two minutes).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "example_notebooks"
NOTEBOOKS = ["01-framing.ipynb", "02-data.ipynb", "03-train.ipynb", "04-evaluate.ipynb", "nondeterministic.ipynb"]
REPEAT = int(os.environ.get("EXAMPLES_BENCH_REPEAT", "2"))


def _run(command: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                         f"{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    """Import the example state into a temporary store, then time reruns and papermill runs, interleaved."""
    with tempfile.TemporaryDirectory(prefix="examples-bench-") as scratch:
        root = Path(scratch)
        project = Path(shutil.copytree(EXAMPLES, root / "example_notebooks",
                                       ignore=shutil.ignore_patterns("runs", "models", "__pycache__")))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_LAB_")}
        env.update(LIFECYCLE_LAB_DB_URL=f"sqlite:///{root / 'store.sqlite'}", LIFECYCLE_LAB_USER="bench",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
        cli = [sys.executable, "-m", "lifecycle_lab.cli"]
        _run([*cli, "import", "--project", str(project), str(project / ".lifecycle" / "state.json")], root, env)
        baseline_env = {**env, "LIFECYCLE_LAB_RERUN": "1"}
        reruns, papermills = [], []
        for _ in range(REPEAT):
            papermills.append(sum(
                _run([sys.executable, "-m", "papermill", "--no-progress-bar", "-p", "seed", "42", name,
                      str(root / f"out-{name}")], project, baseline_env)
                for name in NOTEBOOKS))
            reruns.append(_run([*cli, "rerun"], project, env, ok=(1,)))  # 1: nondeterministic.ipynb differs
        rerun, papermill = statistics.median(reruns), statistics.median(papermills)
        print(f"cpus: {os.cpu_count()}")
        print(f"examples_rerun_s: {rerun:.1f}")
        print(f"examples_papermill_s: {papermill:.1f}")
        print(f"examples_rerun_over_papermill: {rerun / papermill:.2f}")


if __name__ == "__main__":
    main()
