"""Comparison benchmarks, printed as ``name: value`` lines.

- ``compare_ms``: comparing a 200-cell notebook (50 cells each of text, numbers within tolerance, pandas HTML
  tables with fresh Styler ids, and matplotlib PNG figures re-encoded to other bytes), decoding included (the
  decode cache is cleared first), median of REPEAT; target < 100 ms. ``compare_exact_ms`` is the same notebooks
  through the byte comparison the rerun used before (sanitized text equality, images by content hash), the
  baseline; ``exact_false_differs_cells`` is how many of those 200 cells it called different.
- ``false_differs``: notebooks of the public corpus (tests/corpus/) that their own tool treats as reproducible
  but that a real rerun calls ``differs`` or ``failed`` (target 0); ``false_passes`` the converse.

Run from the repository root: ``python benchmarks/compare_bench.py`` (``--no-corpus`` skips the reruns).
"""

from __future__ import annotations

import base64
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib
import nbformat.v4 as v4
import pandas as pd
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lifecycle_lab.repro import compare_images  # noqa: E402
from lifecycle_lab.repro.compare import Tolerance, compare_notebooks  # noqa: E402
from lifecycle_lab.repro.outputs import normalize_outputs  # noqa: E402
from lifecycle_lab.repro.sanitize import sanitizer_chain  # noqa: E402

REPEAT = 5


def _figure(i: int) -> bytes:
    fig, ax = plt.subplots(figsize=(4, 3), dpi=72)
    ax.plot(range(10), [(x * (i + 1)) % 7 for x in range(10)])
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def _reencoded(png: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _notebooks() -> tuple[dict, dict]:
    saved, rerun = v4.new_notebook(), v4.new_notebook()
    frame = pd.DataFrame({"model": ["ridge", "lasso", "tree"], "auc": [0.91, 0.87, 0.83]})
    for i in range(50):
        png = _figure(i)
        pairs = [
            ([v4.new_output("stream", name="stdout", text=f"epoch {i}: training finished\n" * 3)],) * 2,
            ([v4.new_output("stream", name="stdout", text=f"loss {0.5 + i / 1000:.12f} acc {0.8}\n")],
             [v4.new_output("stream", name="stdout", text=f"loss {0.5 + i / 1000 + 1e-9:.12f} acc {0.8}\n")]),
            *[([v4.new_output("display_data", data={"text/html": frame.style.format(precision=i % 4).to_html(),
                                                      "text/plain": repr(frame)})],
               [v4.new_output("display_data", data={"text/html": frame.style.format(precision=i % 4).to_html(),
                                                      "text/plain": repr(frame)})])],
            ([v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode(),
                                                  "text/plain": "<Figure size 288x216 with 1 Axes>"})],
             [v4.new_output("display_data", data={"image/png": base64.b64encode(_reencoded(png)).decode(),
                                                  "text/plain": "<Figure size 288x216 with 1 Axes>"})]),
        ]
        for expected, actual in pairs:
            saved.cells.append(v4.new_code_cell("cell", outputs=expected, execution_count=1))
            rerun.cells.append(v4.new_code_cell("cell", outputs=actual, execution_count=1))
    return saved, rerun


def _exact_differs(saved: dict, rerun: dict, sanitizers: tuple) -> int:
    """The old comparison: sanitized text equal, images equal by content hash."""
    differing = 0
    for a, b in zip(saved["cells"], rerun["cells"], strict=True):
        left = [(p.kind, p.text) for p in normalize_outputs(a["outputs"], sanitizers)]
        right = [(p.kind, p.text) for p in normalize_outputs(b["outputs"], sanitizers)]
        differing += left != right
    return differing


def _median_ms(function: object, *args: object) -> float:
    times = []
    for _ in range(REPEAT):
        compare_images._decode.cache_clear()
        started = time.perf_counter()
        function(*args)  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    saved, rerun = _notebooks()
    sanitizers = sanitizer_chain([])
    tolerance = Tolerance()
    comparison = compare_notebooks(saved, rerun, tolerance=tolerance, sanitizers=sanitizers)
    assert comparison.verdict != "differs", comparison.counts()
    semantic = _median_ms(lambda: compare_notebooks(saved, rerun, tolerance=tolerance, sanitizers=sanitizers))
    exact = _median_ms(_exact_differs, saved, rerun, sanitizers)
    print(f"compare_ms: {semantic:.1f}")
    print(f"compare_exact_ms: {exact:.1f}")
    print(f"compare_semantic_over_exact: {semantic / exact:.2f}")
    print(f"semantic_verdict: {comparison.verdict} {comparison.counts()}")
    print(f"exact_false_differs_cells: {_exact_differs(saved, rerun, sanitizers)} of {len(saved['cells'])}")
    if "--no-corpus" in sys.argv:
        return
    from corpus_support import run_corpus, wrong_verdicts

    with tempfile.TemporaryDirectory() as root:
        false_differs, false_passes = wrong_verdicts(run_corpus(Path(root)))
    print(f"false_differs: {len(false_differs)}" + (f" ({'; '.join(false_differs)})" if false_differs else ""))
    print(f"false_passes: {len(false_passes)}" + (f" ({'; '.join(false_passes)})" if false_passes else ""))


if __name__ == "__main__":
    main()
