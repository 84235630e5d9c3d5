"""Benchmark the PDF dossier: ``pdf_export_ms`` for the default template fully filled with three real reruns.

Prints ``name: value`` lines. The baseline is typst compiling a one-line
document in the same process, so ``pdf_export_ratio`` compares like with like
on any machine. Every timed export uses a new generation time, so typst's
in-process memoisation cannot hand back a finished document; ``*_first_ms`` is
the very first export of a project in the process. It also exports projects of
100, 500 and 2,000 items and prints the time per item, which stays flat (or
falls) when growth is linear.

Run from the repository root: ``python benchmarks/export_bench.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import typst  # noqa: E402
from export_samples import filled_sample, scaled_template  # noqa: E402

from lifecycle_lab.report import export_project  # noqa: E402
from lifecycle_lab.service import Lifecycle  # noqa: E402
from lifecycle_lab.templates import TemplateRegistry, builtin_template_dir  # noqa: E402

REPEATS = 5
TARGET_MS = 1_000


def timed_ms(run: Callable[[int], object], repeats: int = REPEATS) -> tuple[float, float]:
    """(first, median of the next ``repeats``) wall time of ``run(i)`` in milliseconds."""
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:])


def export_at(service: Lifecycle, project: object, fmt: str) -> Callable[[int], object]:
    """An export whose generation time differs on every call."""
    return lambda i: export_project(service, project, fmt, generated_by="bench",
                                    generated_at=f"2026-03-01T12:{i // 60:02d}:{i % 60:02d}Z")


def filled_service(folder: Path, template: str, registry: TemplateRegistry) -> tuple[Lifecycle, object]:
    """A store with one project on ``template``: every item filled, three real reruns, sign-offs."""
    sample = filled_sample(folder, name="Benchmark", template=template, templates=registry, runs=3)
    return sample.service, sample.project


def main() -> None:
    """Measure and print."""
    _, baseline = timed_ms(lambda i: typst.compile(f"#set document(date: none)\nHello {i}.".encode(),
                                                  ignore_system_fonts=True))
    print(f"baseline_typst_hello_ms: {baseline:.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        templates = folder / "templates"
        templates.mkdir()
        registry = TemplateRegistry([builtin_template_dir(), templates])
        sizes = {n: scaled_template(templates, n) for n in (100, 500, 2000)}

        default_dir = folder / "default"
        default_dir.mkdir()
        service, project = filled_service(default_dir, "default", registry)
        first, pdf_ms = timed_ms(export_at(service, project, "pdf"))
        items = len(list(project.template.items()))
        print(f"pdf_export_first_ms: {first:.1f}")
        print(f"pdf_export_ms: {pdf_ms:.1f}")
        print(f"pdf_export_items: {items}")
        print(f"pdf_export_ratio: {pdf_ms / baseline:.1f}")
        print(f"pdf_export_under_{TARGET_MS}ms: {'yes' if pdf_ms < TARGET_MS else 'NO'}")
        for fmt in ("md", "html", "json"):
            _, ms = timed_ms(export_at(service, project, fmt))
            print(f"{fmt}_export_ms: {ms:.1f}")
        service.store.close()

        per_item = {}
        for n, template in sizes.items():
            size_dir = folder / f"size-{n}"
            size_dir.mkdir()
            service, project = filled_service(size_dir, template, registry)
            first, ms = timed_ms(export_at(service, project, "pdf"), REPEATS if n < 2000 else 3)
            per_item[n] = ms / n
            print(f"pdf_export_first_ms_{n}_items: {first:.1f}")
            print(f"pdf_export_ms_{n}_items: {ms:.1f}")
            print(f"pdf_export_ms_per_item_{n}: {ms / n:.2f}")
            service.store.close()
        print(f"pdf_per_item_ratio_2000_vs_100: {per_item[2000] / per_item[100]:.2f}")


if __name__ == "__main__":
    main()
