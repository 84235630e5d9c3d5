"""Rerun benchmarks, printed as ``name: value`` lines.

- ``rerun_overhead_ratio``: wall time of ``jupyter lifecycle rerun NB`` over wall time of
  ``papermill --no-progress-bar NB OUT``,
  both whole processes started the same way (``python -m …``), interleaved, median of REPEAT, for a notebook
  whose cells take about 5 s (target ≤ 1.15); ``rerun_overhead_ratio_one_cell`` for a one-cell notebook.
- ``compare_ms``: comparing a 200-cell notebook with text, number and image outputs (target < 100 ms).

Run from the repository root: ``python benchmarks/rerun_bench.py``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import nbformat.v4 as v4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lifecycle_lab.repro.compare import Tolerance, compare_notebooks  # noqa: E402
from lifecycle_lab.repro.sanitize import sanitizer_chain  # noqa: E402

REPEAT = int(os.environ.get("RERUN_BENCH_REPEAT", "3"))
SLOW_CELLS = ["import time"] + [f"time.sleep(1)\nprint('step', {i})" for i in range(1, 6)]


def _notebook(path: Path, cells: list[str]) -> Path:
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, str(path))
    return path


def _wall(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def overhead(project: Path, notebook: str, env: dict[str, str]) -> tuple[float, float]:
    """Median wall times (papermill, rerun) over REPEAT interleaved pairs."""
    # No progress bar: the rerun draws none when its output is not a terminal, and papermill's costs an import
    papermill = [sys.executable, "-m", "papermill", "--no-progress-bar", notebook, str(project / "papermill-out.ipynb")]
    rerun = [sys.executable, "-m", "lifecycle_lab.cli", "rerun", notebook]
    pairs = [(_wall(papermill, project, env), _wall(rerun, project, env)) for _ in range(REPEAT)]
    return statistics.median(p for p, _ in pairs), statistics.median(r for _, r in pairs)


def _big_notebook(noise: float, seed: int) -> dict:
    """200 cells: streams and tables full of numbers (moved by ``noise``), images, addresses and timestamps."""
    nb = v4.new_notebook()
    for i in range(200):
        kind = i % 4
        if kind == 0:
            text = f"epoch {i} loss {0.5 / (i + 1) + noise:.12f}\n" * 5
            outputs = [v4.new_output("stream", name="stdout", text=text)]
        elif kind == 1:
            table = "\n".join(f"{r:>4} {r * 0.1 + noise:.10f} {r * 3.3:.4f} category_{r % 7}" for r in range(40))
            outputs = [v4.new_output("execute_result", data={"text/plain": table}, execution_count=i)]
        elif kind == 2:
            image = base64.b64encode(hashlib.sha256(f"figure {i}".encode()).digest() * 2000).decode()
            caption = f"<Figure size 640x480 with {i + noise:.12f} points>"
            outputs = [v4.new_output("display_data", data={"image/png": image, "text/plain": caption})]
        else:
            outputs = [v4.new_output("stream", name="stdout",
                                     text=f"<Model object at 0x7f{i + seed:010x}> trained at "
                                          f"2026-01-0{(i + seed) % 9 + 1} 10:00:00 in {i + seed}.2 s\n")]
        nb.cells.append(v4.new_code_cell(f"cell_{i}()", outputs=outputs))
    return nb


def compare_ms() -> float:
    """Median milliseconds to compare two 200-cell notebooks that differ in every cell (noise, addresses, times)."""
    expected, actual = _big_notebook(0.0, 0), _big_notebook(1e-10, 7)
    chain = sanitizer_chain([{"regex": r"category_\d", "replace": "category"}])

    def once() -> float:
        started = time.perf_counter()
        compare_notebooks(expected, actual, tolerance=Tolerance(), sanitizers=chain)
        return (time.perf_counter() - started) * 1000

    return statistics.median(once() for _ in range(7))


def main() -> None:
    """Print every benchmark."""
    print(f"compare_ms: {compare_ms():.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bench"
        project.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_LAB_")}
        env.update(LIFECYCLE_LAB_DB_URL=f"sqlite:///{tmp}/store.sqlite",
                   PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p))
        for name, cells in (("five_seconds.ipynb", SLOW_CELLS), ("one_cell.ipynb", ["print(6 * 7)"])):
            _notebook(project / name, cells)
            _wall([sys.executable, "-m", "papermill", name, name], project, env)  # the saved outputs
        _wall([sys.executable, "-m", "lifecycle_lab.cli", "init", "--template", "minimal"], project, env)
        results: list[tuple[str, Callable[[], tuple[float, float]]]] = [
            ("rerun_overhead_ratio", lambda: overhead(project, "five_seconds.ipynb", env)),
            ("rerun_overhead_ratio_one_cell", lambda: overhead(project, "one_cell.ipynb", env)),
        ]
        for name, measure in results:
            papermill_s, rerun_s = measure()
            print(f"{name}: {rerun_s / papermill_s:.3f}", flush=True)
            print(f"{name}_papermill_s: {papermill_s:.2f}", flush=True)
            print(f"{name}_rerun_s: {rerun_s:.2f}", flush=True)


if __name__ == "__main__":
    main()
