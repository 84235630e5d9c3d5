"""Benchmark the evidence sources: ``model_card_ms`` for the example project, ``mlflow_import_ms`` for a big run.

Prints ``name: value`` lines.

- ``model_card_ms``: the median of five model card exports of the example project (its shipped state imported
  into a fresh SQLite store), after one warm-up; the Markdown export of the same project in the same process is
  the baseline (``markdown_export_ms``, ``model_card_ratio``). Target: under 300 ms.
- ``mlflow_import_ms``: the median of five imports of one run with 100 parameters and 100 metrics (logged with
  intervals and segments by the naming convention) from a local SQLite tracking store, including the status
  read that checks the imported evidence for staleness; MLflow's own import time is printed apart
  (``mlflow_module_import_ms``) and excluded. Target: under 500 ms.

Run from the repository root: ``python benchmarks/evidence_sources_bench.py``.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from lifecycle_lab.evidence_sources import import_mlflow_run  # noqa: E402
from lifecycle_lab.report import export_project, import_project  # noqa: E402
from lifecycle_lab.service import Lifecycle  # noqa: E402
from lifecycle_lab.store import Store  # noqa: E402

REPEATS = 5


def median_ms(run: Callable[[int], object], repeats: int = REPEATS) -> float:
    """Median wall time of ``run(i)`` over ``repeats`` calls after one warm-up, in milliseconds."""
    run(-1)
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def model_card(folder: Path) -> None:
    """The example project's model card against its Markdown export."""
    project_dir = Path(shutil.copytree(ROOT / "example_notebooks", folder / "example",
                                       ignore=shutil.ignore_patterns("runs", "models")))
    store = Store(f"sqlite:///{folder / 'store.sqlite'}")
    service = Lifecycle(store)
    import_project(service, (project_dir / ".lifecycle" / "state.json").read_bytes())
    project = service.open_project(project_dir, actor="bench")

    def export(fmt: str) -> Callable[[int], object]:
        return lambda i: export_project(service, project, fmt, generated_by="bench",
                                        generated_at=f"2026-12-06T10:00:{i % 60:02d}Z")

    card = median_ms(export("model-card"))
    markdown = median_ms(export("md"))
    print(f"model_card_ms: {card:.1f}")
    print(f"markdown_export_ms: {markdown:.1f}")
    print(f"model_card_ratio: {card / markdown:.2f}")
    store.close()


def mlflow_import(folder: Path) -> None:
    """One run with 100 params and 100 metrics, imported onto a project."""
    start = time.perf_counter()
    from mlflow.tracking import MlflowClient

    print(f"mlflow_module_import_ms: {(time.perf_counter() - start) * 1000:.1f}")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(uri)
    run_id = client.create_run("0").info.run_id
    from mlflow.entities import Metric, Param

    params = [Param(f"p{i:03d}", str(i / 7)) for i in range(100)]
    names = [f"m{i:02d}" for i in range(25)]  # 25 metrics x (value, ci_low, ci_high, one segment) = 100 metrics
    metrics = []
    for name in names:
        for key, value in ((name, 0.8), (f"{name}.ci_low", 0.7), (f"{name}.ci_high", 0.9),
                           (f"{name}.segment.young", 0.75)):
            metrics.append(Metric(key, value, 0, 0))
    client.log_batch(run_id, metrics=metrics, params=params)
    client.set_terminated(run_id)
    store = Store(f"sqlite:///{folder / 'store.sqlite'}")
    service = Lifecycle(store)
    (folder / "p").mkdir()
    project = service.init_project(folder / "p", actor="bench")
    targets = ["experimentation/hyperparameter-records", "validation/segment-performance=m00"]

    def once(_: int) -> None:
        import_mlflow_run(service, project, run_id, actor="bench", tracking_uri=uri, items=targets)
        assert not service.summary(project).stale

    print(f"mlflow_import_ms: {median_ms(once):.1f}")
    store.close()


def main() -> None:
    """Measure and print."""
    with tempfile.TemporaryDirectory() as tmp:
        model_card(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        mlflow_import(Path(tmp))


if __name__ == "__main__":
    main()
