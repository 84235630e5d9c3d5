"""Benchmark the reproducibility lint: ``lint_ms`` and ``lint_precision``.

``lint_ms``: a 200-cell notebook (budget 50 ms) and the whole example project (budget 200 ms), the median of
repeated runs after the first (``first`` is the very first, with imports and caches cold). ``cold`` clears the
per-process parse cache before every run (each cell parsed afresh, as after an edit of every cell); the plain
figure keeps it (cells unchanged since the last lint are not parsed again, as in the sidebar). The baseline,
measured in the same process, is reading the same notebooks and ``ast.parse``-ing their cells, the floor any
static lint pays; ``*_ratio`` is lint time over it.

``lint_precision``: every fixture notebook of ``tests/lint_cases.py`` (a trigger and a close variant per rule)
linted, its findings matched against the expected (rule, cell, line): precision = expected findings found /
findings, recall = expected findings found / expected findings.

Run from the repository root: ``python benchmarks/lint_bench.py``.
"""

from __future__ import annotations

import ast
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from lint_cases import CASES, REGISTERED, build_project, write_notebook  # noqa: E402

from lifecycle_lab.lint import lint_project  # noqa: E402
from lifecycle_lab.lint.cells import parse_cell  # noqa: E402
from lifecycle_lab.lint.order import _events  # noqa: E402
from lifecycle_lab.project import read_manifest  # noqa: E402

REPEATS = 20
CELL_KINDS = [
    "import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
    "rng = np.random.default_rng({i})\nvalues_{i} = rng.normal(size=100)",
    "frame_{i} = pd.DataFrame({{'a': values_{i}, 'b': values_{i} * 2}})\nframe_{i}.describe()",
    "def summarise_{i}(frame, column='a'):\n    total = frame[column].sum()\n    return total / len(frame)\n"
    "summary_{i} = summarise_{i}(frame_{i})",
    "%time squares_{i} = [v * v for v in values_{i} if v > 0]\nprint(len(squares_{i}))",
    "model_{i} = LogisticRegression(C=1.0, max_iter=200)\nlabels_{i} = (values_{i} > 0).astype(int)",
    "for k in range(3):\n    frame_{i}[f'c{{k}}'] = frame_{i}['a'] * k\nframe_{i}.head()",
    "!echo cell {i}\nresult_{i} = {{'mean': float(values_{i}.mean()), 'n': len(values_{i})}}\nresult_{i}",
]


def timed_ms(run: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """(first, median of the next ``repeats``) wall time of ``run()`` in milliseconds."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:])


def parse_only(directory: Path, notebooks: list[str]) -> None:
    """The baseline: read each notebook and ``ast.parse`` its plain-Python code cells."""
    for name in notebooks:
        for cell in json.loads((directory / name).read_bytes())["cells"]:
            if cell["cell_type"] == "code":
                with contextlib.suppress(SyntaxError):
                    ast.parse("".join(cell["source"]))


def big_notebook(folder: Path, cells: int = 200) -> Path:
    """A project holding one ``cells``-cell notebook of ordinary data-science code (pinned, no findings due)."""
    folder.mkdir()
    sources = [CELL_KINDS[0]] + [CELL_KINDS[1 + i % (len(CELL_KINDS) - 1)].format(i=i // (len(CELL_KINDS) - 1))
                                 for i in range(cells - 1)]
    write_notebook(folder / "big.ipynb", [(s, n + 1, []) for n, s in enumerate(sources)])
    (folder / "requirements.txt").write_text("numpy==2.1.0\npandas==2.2.3\nscikit-learn==1.5.2\n", encoding="utf-8")
    (folder / "lifecycle.yaml").write_text("id: 00000000-0000-4000-8000-000000000200\nname: big\ntemplate: minimal\n"
                                           "notebooks: [big.ipynb]\n", encoding="utf-8")
    return folder


def uncached(run: Callable[[], object]) -> Callable[[], object]:
    """``run`` with the lint's parse caches emptied first."""
    def cold() -> object:
        parse_cell.cache_clear()
        _events.cache_clear()
        return run()
    return cold


def lint_ms(work: Path) -> None:
    big = big_notebook(work / "big")
    manifest = read_manifest(big)
    first, median = timed_ms(lambda: lint_project(manifest))
    _, cold = timed_ms(uncached(lambda: lint_project(manifest)))
    _, base = timed_ms(lambda: parse_only(big, ["big.ipynb"]))
    findings = len(lint_project(manifest).findings)
    print(f"lint_ms_200_cells: {median:.1f} (first {first:.1f}; budget 50; {findings} findings)")
    print(f"lint_ms_200_cells_cold: {cold:.1f}")
    print(f"lint_ms_200_cells_parse_baseline: {base:.1f}")
    print(f"lint_ms_200_cells_ratio: {median / base:.2f}")

    example = work / "example"
    shutil.copytree(ROOT / "example_notebooks", example, ignore=shutil.ignore_patterns(".lifecycle", "models"))
    manifest = read_manifest(example)
    first, median = timed_ms(lambda: lint_project(manifest, registered=["data/loans.csv"]))
    _, cold = timed_ms(uncached(lambda: lint_project(manifest, registered=["data/loans.csv"])))
    _, base = timed_ms(lambda: parse_only(example, list(manifest.notebooks)))
    print(f"lint_ms_example_project: {median:.1f} (first {first:.1f}; budget 200; "
          f"{len(manifest.notebooks)} notebooks)")
    print(f"lint_ms_example_project_cold: {cold:.1f}")
    print(f"lint_ms_example_project_parse_baseline: {base:.1f}")
    print(f"lint_ms_example_project_ratio: {median / base:.2f}")


def lint_precision(work: Path) -> None:
    project = build_project(work / "fixtures")
    manifest = read_manifest(project)
    true_positive = found = expected = 0
    for case in CASES:
        got = [(f.rule, f.cell, f.line) for f in lint_project(manifest, registered=[REGISTERED],
                                                              notebooks=[case.file]).findings]
        want = list(case.expected)
        found += len(got)
        expected += len(want)
        true_positive += sum(1 for g in got if g in want)
        for miss in sorted(set(want) - set(got)):
            print(f"  missed in {case.name}: {miss}")
        for extra in sorted(set(got) - set(want)):
            print(f"  unexpected in {case.name}: {extra}")
    print(f"lint_precision: {true_positive / found if found else 1.0:.3f} ({true_positive}/{found} findings expected)")
    print(f"lint_recall: {true_positive / expected if expected else 1.0:.3f} "
          f"({true_positive}/{expected} expected findings found; {len(CASES)} fixture notebooks)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lint_ms(Path(tmp))
        lint_precision(Path(tmp))


if __name__ == "__main__":
    main()
