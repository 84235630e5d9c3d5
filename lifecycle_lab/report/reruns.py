"""The report's reruns: the latest rerun of each notebook, what differed, and the runs those results come from.

Reads the run record the rerun worker writes (``docs/rerun.md``): per notebook
its verdict, status, cells, duration, error and ``diffs`` (counts and the
differing cells with both outputs); per run its environment, the environment
diff against the previous run and the data checks. Outputs are cut for reading
and the environment shows key packages only: the JSON export keeps the record whole.
A record of an unexpected shape (a hand-edited store) is shown as generic blocks, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .blocks import MISSING, Block, clip, data_blocks, fields, show, table

if TYPE_CHECKING:
    from ..service import Lifecycle

MAX_OUTPUT = 1_000  # characters of each side of a differing cell shown in a report
MAX_SOURCE = 120  # characters of a differing cell's source shown beside it
_PNG_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")  # pictures a report may embed as they are
MAX_PACKAGE_CHANGES = 40  # package rows of an environment diff; the rest are counted
SHORT_HASH = 12
# Packages that decide whether notebooks reproduce: the execution stack and the usual numeric/ML libraries.
KEY_PACKAGES = (
    "lifecycle-lab", "papermill", "nbclient", "ipykernel", "jupyter-client", "numpy", "pandas", "scipy",
    "scikit-learn", "pyarrow", "polars", "statsmodels", "xgboost", "lightgbm", "catboost", "torch", "tensorflow",
    "jax", "matplotlib",
)


def _label(value: Any) -> str:
    """A verdict or status as words (``within_tolerance`` → ``within tolerance``)."""
    return str(value).replace("_", " ") if value else ""


def _moment(value: Any) -> str:
    """A stored time to the second: ``2026-01-26T05:45:18Z``."""
    if not isinstance(value, str) or "T" not in value:
        return show(value) if value else ""
    return value.split(".")[0].removesuffix("Z") + "Z"


def _short(digest: Any) -> str:
    return digest[:SHORT_HASH] if isinstance(digest, str) else MISSING


def _shaped(render: Callable[[Any], Any], value: Any, fallback: Any) -> Any:
    """``render(value)``, or ``fallback`` when the value does not have the record's shape."""
    try:
        return render(value)
    except (AttributeError, TypeError, KeyError, ValueError):
        return fallback


# --- one notebook's latest result -----------------------------------------------------------------


def _outputs(parts: Any) -> str:
    """A cell's sanitized outputs as one text: a lone stream or plain result bare, others labelled by kind."""
    parts = list(parts or [])
    if not parts:
        return "(no output)"
    if len(parts) == 1 and parts[0]["kind"] in ("stdout", "text/plain"):
        return clip(parts[0]["text"].rstrip("\n"), MAX_OUTPUT)
    return clip("\n".join(f"[{p['kind']}]\n{p['text'].rstrip()}" for p in parts), MAX_OUTPUT)


def _source_line(source: str) -> str:
    line = next((line for line in source.splitlines() if line.strip()), "")
    cut = line if len(line) <= MAX_SOURCE else line[:MAX_SOURCE] + "…"
    return cut + (" …" if source.strip() != line.strip() else "")


def _cell(cell: Mapping[str, Any]) -> dict[str, str]:
    difference = cell.get("first_difference") or {}
    return {
        "cell": str(cell["index"] + 1),
        "cell_id": cell.get("cell_id") or "",
        "status": _label(cell.get("status")),
        "source": _source_line(cell.get("source") or ""),
        "difference": difference.get("message") or "",
        "reason": f"{cell['reason']}: {cell.get('reason_detail') or ''}".rstrip(": ") if cell.get("reason") else "",
        "expected": _outputs(cell.get("expected")),
        "actual": _outputs(cell.get("actual")),
        "images": [_image(image) for image in cell.get("images") or [] if isinstance(image, Mapping)],
    }


def _image(image: Mapping[str, Any]) -> dict[str, str]:
    """An image comparison: its message and, when they are PNG ``data:`` URIs, the pictures (else empty)."""
    pictures = {side: str(image.get(side) or "") for side in ("expected", "actual", "difference")}
    return {"message": str(image.get("message") or ""),
            **{side: uri if _PNG_URI.fullmatch(uri) else "" for side, uri in pictures.items()}}


def _counts(counts: Mapping[str, int]) -> str:
    shown = [f"{n} {_label(status)}" for status, n in counts.items() if n]
    return ", ".join(shown) or "no code cells"


def _comparison(diffs: Any) -> dict[str, Any]:
    """The comparison part of a notebook's result (empty when the notebook was not compared)."""
    if not diffs:
        return {"against": "", "counts": "", "reasons": "", "differing": [], "omitted": 0, "notes": [], "other": []}
    if not isinstance(diffs.get("counts"), Mapping) or not isinstance(diffs.get("cells"), list):
        raise TypeError("not a comparison record")
    against = "the first run (--twice)" if diffs.get("against") == "first_run" else "the saved outputs"
    return {
        "against": against,
        "counts": _counts(diffs.get("counts") or {}),
        "reasons": ", ".join(f"{n} {reason}" for reason, n in (diffs.get("reasons") or {}).items()),
        "differing": [_cell(cell) for cell in diffs.get("cells") or []],
        "omitted": int(diffs.get("omitted_cells") or 0),
        "notes": [str(n) for n in [*(diffs.get("notes") or []), *(diffs.get("warnings") or [])]],
        "other": [],
    }


def _error(error: Any) -> dict[str, str] | None:
    if not error:
        return None
    index = error.get("cell_index")
    return {"kind": str(error.get("kind") or ""), "message": clip(str(error["message"])),
            "cell": str(index + 1) if isinstance(index, int) else ""}


def _notebook(run: Mapping[str, Any], nb: Mapping[str, Any]) -> dict[str, Any]:
    duration = nb.get("duration")
    result = {
        "path": nb["path"],
        "run_id": run["id"],
        "verdict": _label(nb.get("verdict") or nb.get("status")),
        "status": _label(nb.get("status")),
        "cells": f"{nb.get('cells_done') or 0}/{nb.get('cells_total') or 0}",
        "duration": f"{duration:.1f} s" if isinstance(duration, int | float) else "",
        "finished_at": _moment(nb.get("finished_at") or run.get("finished_at")),
    }
    error = nb.get("error")
    unreadable = {**_comparison(None), "other": data_blocks(nb.get("diffs")),
                  "error": {"kind": "", "message": clip(show(error)), "cell": ""} if error else None}
    return {**result, **_shaped(lambda nb: {"error": _error(nb.get("error")), **_comparison(nb.get("diffs"))},
                                nb, unreadable)}


def _never_rerun(path: str) -> dict[str, Any]:
    return {"path": path, "run_id": "", "verdict": "never rerun", "status": "", "cells": "", "duration": "",
            "finished_at": "", "error": None, **_comparison(None)}


# --- the runs ---------------------------------------------------------------------------------------


def _git(git: Any) -> str:
    if not git:
        return "not a git checkout"
    commit = git["commit"][:SHORT_HASH] if git.get("commit") else "no commit yet"
    branch = f" on {git['branch']}" if git.get("branch") else ""
    return f"{commit}{branch}, {'with uncommitted changes' if git.get('dirty') else 'clean'}"


def _environment(env: Mapping[str, Any]) -> list[Block]:
    python, system = env.get("python") or {}, env.get("platform") or {}
    packages = env.get("packages") or {}
    kernels = [f"{name} ({spec.get('display_name') or name}, {spec.get('language') or '?'})"
               for name, spec in (env.get("kernels") or {}).items()]
    blocks = [fields([
        ("Python", " ".join(v for v in (python.get("version"), python.get("implementation")) if v)
         or python.get("error")),
        ("Interpreter", python.get("executable")),
        ("Platform", system.get("platform") or " ".join(str(v) for v in system.values())),
        ("Kernels", "; ".join(kernels)),
        ("Git", _git(env.get("git"))),
        ("Packages", f"{len(packages)} installed (the JSON export lists them all)" if packages else None),
    ])]
    key = [[name, packages[name]] for name in KEY_PACKAGES if name in packages]
    if key:
        blocks.append(table(["Key package", "Version"], key))
    return blocks


def _change_rows(changes: Mapping[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for key in ("python", "platform", "git"):
        if key in changes:
            before, after = changes[key]["before"], changes[key]["after"]
            rows.append([key.capitalize(), *((_git(before), _git(after)) if key == "git" else (before, after))])
    for name, change in (changes.get("kernels") or {}).items():
        rows.append([f"Kernel {name}", change["before"], change["after"]])
    packages = changes.get("packages") or {}
    package_rows = [[f"Package {n}", old, new] for n, (old, new) in (packages.get("changed") or {}).items()]
    package_rows += [[f"Package {n}", None, v] for n, v in (packages.get("added") or {}).items()]
    package_rows += [[f"Package {n}", v, None] for n, v in (packages.get("removed") or {}).items()]
    rows += package_rows[:MAX_PACKAGE_CHANGES]
    if len(package_rows) > MAX_PACKAGE_CHANGES:
        rows.append([f"… {len(package_rows) - MAX_PACKAGE_CHANGES} more package changes", "(see the JSON export)",
                     ""])
    return rows


def _environment_diff(diff: Mapping[str, Any]) -> list[Block]:
    rows = _change_rows(diff.get("changes") or {})
    against = fields([("Compared with run", diff.get("against")), ("Changes", None if rows else "none")])
    return [against, table(["What", "Before", "After"], rows)] if rows else [against]


def _data_checks(checks: list[Mapping[str, Any]]) -> list[Block]:
    return [table(["Dataset", "Version", "Path", "Status", "Recorded sha256", "Now sha256"], [
        [c.get("name"), c.get("version"), c.get("path"), c.get("status"), _short(c.get("sha256")),
         _short(c.get("current_sha256"))]
        for c in checks
    ])]


def _run(run: Mapping[str, Any]) -> dict[str, Any]:
    environment, diff, checks = run.get("environment"), run.get("environment_diff"), run.get("data_checks")
    return {
        "id": run["id"],
        "status": _label(run.get("status")),
        "verdict": _label(run.get("verdict")),
        "twice": bool(run.get("twice")),
        "requested_by": run.get("requested_by") or "",
        "created_at": _moment(run.get("created_at")),
        "finished_at": _moment(run.get("finished_at")),
        "error": clip(show(run["error"])) if run.get("error") else "",
        "environment": _shaped(_environment, environment, data_blocks(environment)) if environment else [],
        "environment_diff": _shaped(_environment_diff, diff, data_blocks(diff)) if diff else [],
        "data_checks": _shaped(_data_checks, checks, data_blocks(checks)) if checks else [],
    }


def gather_reruns(service: Lifecycle, project_id: str, notebooks: list[str]) -> dict[str, Any]:
    """For each notebook (the manifest's ``notebooks`` and any ever rerun) its latest result, and those runs."""
    latest = service.latest_notebook_runs(project_id)
    # the report is written from the runs' JSON documents, as the JSON export carries them
    runs = {run_id: service.run_record(run_id).to_json() for run_id in sorted(set(latest.values()))}
    results = []
    for path in sorted(set(notebooks) | latest.keys()):
        if path not in latest:
            results.append(_never_rerun(path))
            continue
        run = runs[latest[path]]
        nb = next(nb for nb in run["notebooks"] if nb["path"] == path)
        results.append(_notebook(run, nb))
    ordered = sorted(runs.values(), key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return {"notebooks": results, "runs": [_run(run) for run in ordered]}
