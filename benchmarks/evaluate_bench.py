"""Evaluation benchmark: ``ll.evaluate`` on 100,000 probabilistic predictions, 10 segments, 1,000 resamples.

Run: ``python benchmarks/evaluate_bench.py``. Prints ``name: value`` lines:
``evaluate_ms`` (the notebook call: metric and calibration with CIs, compared
with and recorded to a SQLite store; budget 2,000 ms), ``evaluate_compute_ms``
(the numbers alone), and ``evaluate_speedup`` against the textbook baseline
measured in the same run: a stratified index-resampling bootstrap of the
accuracy alone, vectorised in chunks of resamples.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

N, SEGMENTS, N_BOOT = 100_000, 10, 1_000


def _median_ms(runs: int, func: Callable[[], object]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    segments = rng.integers(0, SEGMENTS, N)
    prob = rng.beta(2, 2, N)
    labels = (rng.random(N) < prob).astype(int)
    return labels, prob, segments


def index_bootstrap_accuracy(labels: np.ndarray, prob: np.ndarray, segments: np.ndarray, seed: int = 0) -> None:
    """The baseline: resample each segment's rows with replacement, 1,000 times, and take accuracies."""
    rng = np.random.default_rng(seed)
    correct = ((prob >= 0.5) == labels).astype(np.float64)
    groups = [np.flatnonzero(segments == s) for s in range(SEGMENTS)]
    overall = np.zeros(N_BOOT)
    for rows in groups:
        values = correct[rows]
        for start in range(0, N_BOOT, 100):
            picks = rng.integers(0, len(rows), size=(100, len(rows)))
            overall[start:start + 100] += values[picks].sum(axis=1)
    np.quantile(overall / N, [0.025, 0.975])


def main() -> None:
    """Print the evaluation timings."""
    workdir = Path(tempfile.mkdtemp(prefix="lifecycle-bench-"))
    try:
        os.environ["LIFECYCLE_LAB_DB_URL"] = f"sqlite:///{workdir / 'bench.sqlite'}"
        os.environ["LIFECYCLE_LAB_USER"] = "bench"
        os.environ.pop("LIFECYCLE_LAB_RERUN", None)
        import lifecycle_lab as ll
        from lifecycle_lab.config import make_service
        from lifecycle_lab.widgets.metrics import evaluate

        make_service().init_project(workdir, actor="bench")
        os.chdir(workdir)
        labels, prob, segments = _data()
        start = time.perf_counter()
        view = ll.evaluate(labels, prob, segments=segments, n_boot=N_BOOT)
        first = (time.perf_counter() - start) * 1000
        assert "Recorded on" in view.message.value, view.message.value
        evaluate_ms = _median_ms(5, lambda: ll.evaluate(labels, prob, segments=segments, n_boot=N_BOOT))
        compute_ms = _median_ms(5, lambda: evaluate(labels, prob, segments, n_boot=N_BOOT))
        baseline_ms = _median_ms(1, lambda: index_bootstrap_accuracy(labels, prob, segments))
        print(f"evaluate_predictions: {N}")
        print(f"evaluate_first_ms: {first:.1f}")
        print(f"evaluate_ms: {evaluate_ms:.1f}")
        print(f"evaluate_compute_ms: {compute_ms:.1f}")
        print(f"index_bootstrap_accuracy_ms: {baseline_ms:.1f}")
        print(f"evaluate_speedup: {baseline_ms / compute_ms:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
