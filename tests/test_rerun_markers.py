"""Cell markers of nbval, nbclient and papermill, semantic outputs and the reason of each difference, with real
kernels: notebooks saved by executing them (papermill or nbclient, as their users would), then rerun."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image
from rerun_support import configure, save_outputs, write_notebook

from lifecycle_lab.repro.summary import run_lines
from lifecycle_lab.service import Lifecycle
from lifecycle_lab.service.runs import RunService
from lifecycle_lab.store import Store

pytestmark = pytest.mark.kernel

RERUN = "import os\nRERUN = bool(os.environ.get('LIFECYCLE_LAB_RERUN'))"
PLOT = ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nfrom IPython.display import Image\n"
        "import io\nfig, ax = plt.subplots(figsize=(4, 3), dpi=72)\nax.plot([0, 1, 2, 3], [1, 3, 2, 4])\n")
SHOW = "buffer = io.BytesIO()\nfig.savefig(buffer, format='png')\nImage(buffer.getvalue())"

# saved by executing them with nbclient, errors allowed (as a notebook saved from JupyterLab)
MARKED: dict[str, list[Any]] = {
    "nbval_comments.ipynb": [
        "# NBVAL_IGNORE_OUTPUT\nimport random\nprint(random.random())",
        "# NBVAL_SKIP\nraise SystemExit('a skipped cell must not run')",
        "# NBVAL_RAISES_EXCEPTION\nraise ValueError('expected')",
        "# NBVAL_CHECK_OUTPUT\nprint('checked', 6 * 7)",
    ],
    "nbval_tags.ipynb": [
        ("import random\nprint(random.random())", ["nbval-ignore-output"]),
        ("raise SystemExit('a skipped cell must not run')", ["nbval-skip"]),
        ("raise ValueError('expected')", ["nbval-raises-exception"]),
        ("print('checked', 6 * 7)", ["nbval-check-output"]),
    ],
    "nbclient_tags.ipynb": [
        ("raise SystemExit('a skipped cell must not run')", ["skip-execution"]),
        ("raise ValueError('expected')", ["raises-exception"]),
        "print('after')",
    ],
}
# saved with papermill (no LIFECYCLE_LAB_RERUN), rerun by the worker (LIFECYCLE_LAB_RERUN=1); one reason per cell,
# the unseeded draw last (it makes every later cell suspect)
REASONS: list[tuple[str, Any]] = [
    ("setup", RERUN),
    ("number", "print('accuracy', 0.81 if RERUN else 0.8)"),
    ("ordering", "names = ['ridge', 'lasso', 'tree']\nprint(names[::-1] if RERUN else names)"),
    ("time", "import datetime\nday = datetime.date(2026, 1, 5 + RERUN)\nprint('data as of', day.strftime('%d %B'))"),
    ("path", "print('model saved in', 'models/v2/model.pkl' if RERUN else 'models/v1/model.pkl')"),
    ("missing-output", "if not RERUN:\n    print('only in the saved run')"),
    ("extra-output", "if RERUN:\n    print('only in the rerun')"),
    ("text", "print('mode', 'fast' if RERUN else 'slow')"),
    ("environment", "import platform\nprint('python', platform.python_version())"),
    ("error", ("raise ValueError('second' if RERUN else 'first')", ["raises-exception"])),
    ("sanitized", "print('job', 'J-2' if RERUN else 'J-1', 'done')"),
    ("never-executed", "print('never run before saving')"),
    ("randomness", "import random\nprint('accuracy', round(random.random(), 4))"),
]
PICTURES: list[tuple[str, Any]] = [
    ("setup", RERUN),
    ("image", PLOT + "if RERUN:\n    ax.add_patch(plt.Rectangle((0.5, 1.5), 1, 1, color='red'))\n" + SHOW),
    ("reencoded", PLOT + SHOW),
    ("styler", "import pandas as pd\npd.DataFrame({'auc': [0.91, 0.87]}).style.highlight_max()"),
    ("svg", "from IPython.display import SVG\nattrs = ['x=\"1\"', 'y=\"2\"', 'fill=\"red\"']\n"
            "attrs = attrs[::-1] if RERUN else attrs\n"
            "SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"><rect ' + "
            "' '.join(attrs) + ' width=\"3\" height=\"3\"/></svg>')"),
]


def position(cells: list[tuple[str, Any]], name: str) -> int:
    """The cell index (the heading is cell 0) of the named cell."""
    return 1 + [n for n, _ in cells].index(name)


def _save_allowing_errors(path: Path) -> None:
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   skip_cells_with_tag="nothing-skipped").execute()
    nbformat.write(nb, str(path))


def _edit(path: Path, edit: Any) -> None:
    nb = nbformat.read(str(path), as_version=4)
    edit(nb)
    nbformat.write(nb, str(path))


def _reencode_images(nb: Any) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                image = Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", compress_level=1)  # the same pixels, other bytes
                output["data"]["image/png"] = base64.b64encode(buffer.getvalue()).decode()


def _as_saved_elsewhere(nb: Any) -> None:
    """As if saved by Python 3.8, and with one cell never executed."""
    nb.metadata["language_info"]["version"] = "3.8.0"
    nb.cells[position(REASONS, "environment")].outputs[0]["text"] = "python 3.8.0\n"
    never = nb.cells[position(REASONS, "never-executed")]
    never.outputs, never.execution_count = [], None


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("markers")
    store = Store(f"sqlite:///{root / 'store.sqlite'}")
    service = Lifecycle(store)
    project_dir = root / "proj"
    for name, cells in MARKED.items():
        _save_allowing_errors(write_notebook(project_dir / name, cells))
    _save_allowing_errors(write_notebook(project_dir / "reasons.ipynb", [cell for _, cell in REASONS]))
    save_outputs(write_notebook(project_dir / "pictures.ipynb", [cell for _, cell in PICTURES]))
    _edit(project_dir / "pictures.ipynb", _reencode_images)
    _edit(project_dir / "reasons.ipynb", _as_saved_elsewhere)
    (project_dir / "nbval.cfg").write_text("[jobs]\nregex: J-\\d+\nreplace: J-N\n", encoding="utf-8")
    notebooks = [*MARKED, "reasons.ipynb", "pictures.ipynb"]
    service.init_project(project_dir, actor="alice", template="minimal", notebooks=notebooks)
    configure(project_dir, sanitize_files=["nbval.cfg"])
    project = service.open_project(project_dir, actor="alice")
    runs = RunService(service)
    yield runs.wait(runs.start(project, actor="alice")["id"], timeout=240)
    store.close()


def nb(run: dict[str, Any], name: str) -> dict[str, Any]:
    return next(n for n in run["notebooks"] if n["path"] == name)


def cell(run: dict[str, Any], name: str, index: int) -> dict[str, Any] | None:
    """The recorded cell (only cells not identical are recorded)."""
    return next((c for c in nb(run, name)["diffs"]["cells"] if c["index"] == index), None)


@pytest.mark.parametrize("name", ["nbval_comments.ipynb", "nbval_tags.ipynb"])
def test_nbval_markers_skip_ignore_and_expect_an_exception(run: dict[str, Any], name: str) -> None:
    result = nb(run, name)
    assert result["verdict"] == "reproduced", result
    counts = result["diffs"]["counts"]
    assert (counts["skipped"], counts["ignored"], counts["identical"], counts["differs"]) == (1, 1, 2, 0)


def test_nbclient_skip_execution_and_raises_exception_tags(run: dict[str, Any]) -> None:
    result = nb(run, "nbclient_tags.ipynb")
    assert result["verdict"] == "reproduced", result
    assert result["diffs"]["counts"]["skipped"] == 1 and result["diffs"]["counts"]["identical"] == 2


def test_an_nbval_sanitize_file_in_the_manifest_is_applied(run: dict[str, Any]) -> None:
    assert cell(run, "reasons.ipynb", position(REASONS, "sanitized")) is None  # identical once sanitized
    assert {"regex": "J-\\d+", "replace": "J-N"} in run["options"]["sanitizers"]


def test_a_cell_never_executed_in_the_saved_notebook_is_unverified_not_a_difference(run: dict[str, Any]) -> None:
    result = nb(run, "reasons.ipynb")
    assert result["diffs"]["counts"]["unverified"] == 1
    assert cell(run, "reasons.ipynb", position(REASONS, "never-executed")) is None


REASON_NAMES = [name for name, _ in REASONS if name not in ("setup", "sanitized", "never-executed")]


@pytest.mark.parametrize("reason", REASON_NAMES)
def test_each_difference_carries_its_reason(run: dict[str, Any], reason: str) -> None:
    found = cell(run, "reasons.ipynb", position(REASONS, reason))
    assert found is not None and found["status"] == "differs"
    assert found["reason"] == reason, found
    assert found["reason_detail"]


def test_the_notebook_counts_its_differing_cells_per_reason(run: dict[str, Any]) -> None:
    result = nb(run, "reasons.ipynb")
    assert result["verdict"] == "differs"
    assert result["diffs"]["reasons"] == dict.fromkeys(
        ["missing-output", "extra-output", "environment", "error", "randomness", "ordering", "time", "path",
         "number", "text"], 1)


def test_a_number_reason_gives_the_relative_difference(run: dict[str, Any]) -> None:
    found = cell(run, "reasons.ipynb", position(REASONS, "number"))
    assert found is not None and "relative difference 1.2%" in found["reason_detail"]


def test_the_environment_reason_names_what_changed(run: dict[str, Any]) -> None:
    found = cell(run, "reasons.ipynb", position(REASONS, "environment"))
    assert found is not None and found["reason_detail"].startswith("python 3.8.0 → ")


def test_a_plot_with_a_rectangle_drawn_over_it_differs_showing_both_images_and_their_difference(
    run: dict[str, Any],
) -> None:
    found = cell(run, "pictures.ipynb", position(PICTURES, "image"))
    assert found is not None and found["status"] == "differs" and found["reason"] == "image"
    image = found["images"][0]
    assert image["distance"] > image["tolerance"]
    assert all(image[side].startswith("data:image/png;base64,") for side in ("expected", "actual", "difference"))


@pytest.mark.parametrize("name", ["reencoded", "styler", "svg"])
def test_the_same_picture_table_or_drawing_in_other_bytes_reproduces(run: dict[str, Any], name: str) -> None:
    assert cell(run, "pictures.ipynb", position(PICTURES, name)) is None, nb(run, "pictures.ipynb")["diffs"]


def test_the_run_summary_counts_cells_per_reason_and_shows_each_reason(run: dict[str, Any]) -> None:
    text = "\n".join(run_lines(run))
    assert "differing cells by reason: 1 missing-output, 1 extra-output, 1 environment, 1 error, 1 randomness, " \
           "1 ordering, 1 time, 1 path, 1 image, 1 number, 1 text" in text, text
    assert "cell 3  [number]" in text and "why: 0.8 vs 0.81, relative difference 1.2%" in text
    assert "1 unverified" in text
