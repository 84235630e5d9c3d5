"""A run as a terminal shows it: per-notebook verdicts, a compact diff, data and environment changes.

Pure: takes the run record as JSON (``Run.to_json()``) and returns lines of text.
"""

from __future__ import annotations

from typing import Any

from ..service.runs import PASSING, is_bad_input
from .files import describe_changes
from .reasons import merge_reason_counts

MAX_CELLS_SHOWN = 5


def has_bad_input(run: dict[str, Any]) -> bool:
    """Whether a notebook could not even be started (missing, not a notebook, unknown kernel...)."""
    return any(is_bad_input(nb) for nb in run.get("notebooks") or [])


def changed_datasets(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The data checks that did not match their recorded fingerprint."""
    return [check for check in run.get("data_checks") or [] if check.get("status") != "ok"]


def passed(run: dict[str, Any]) -> bool:
    """Every notebook reproduced (or within tolerance) and every dataset still matches."""
    return run.get("status") == "finished" and run.get("verdict") in PASSING and not changed_datasets(run)


def _first_line(text: str, width: int = 60) -> str:
    line = next((line for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def _cell_lines(cell: dict[str, Any]) -> list[str]:
    reason = f"  [{cell['reason']}]" if cell.get("reason") else ""
    lines = [f"      cell {cell['index'] + 1}{reason}  {_first_line(cell.get('source') or '')}"]
    difference = cell.get("first_difference")
    if difference:
        lines.append(f"        - {difference['expected']}")
        lines.append(f"        + {difference['actual']}")
        if difference.get("relative") is not None:
            lines[-1] += f"   ({difference['message'].split(', ', 1)[-1]})"
    if cell.get("reason_detail"):
        lines.append(f"        why: {cell['reason_detail']}")
    return lines


def _where(nb: dict[str, Any]) -> str:
    """Which executor and worker ran the notebook, e.g. ``  · dask tcp://10.0.0.7:40123 (retried)``."""
    if not nb.get("worker"):
        return ""
    retried = " (retried)" if (nb.get("attempts") or 1) > 1 else ""
    return f"  · {nb.get('executor') or 'local'} {nb['worker']}{retried}"


def _notebook_lines(nb: dict[str, Any]) -> list[str]:
    verdict = (nb.get("verdict") or nb.get("status") or "").upper().replace("_", " ")
    duration = f"  {nb['duration']:.1f} s" if nb.get("duration") else ""
    head = f"  {verdict:<17} {nb['path']}{duration}{_where(nb)}"
    error = nb.get("error")
    if error:
        return [head, f"      {error.get('message', '')}"]
    diffs = nb.get("diffs") or {}
    counts = diffs.get("counts") or {}
    if counts:
        shown = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
        head += f"  ({shown}{'; against the first run' if diffs.get('against') == 'first_run' else ''})"
    lines = [head]
    lines += [f"      note: {note}" for note in diffs.get("notes") or []]
    lines += [f"      warning: {warning}" for warning in diffs.get("warnings") or []]
    cells = [c for c in diffs.get("cells") or [] if c.get("status") == "differs"]
    for cell in cells[:MAX_CELLS_SHOWN]:
        lines += _cell_lines(cell)
    if len(cells) > MAX_CELLS_SHOWN:
        lines.append(f"      … and {len(cells) - MAX_CELLS_SHOWN} more differing cells (see --json)")
    return lines


def _environment_lines(run: dict[str, Any]) -> list[str]:
    diff = run.get("environment_diff") or {}
    changes = diff.get("changes") or {}
    if not changes:
        return []
    parts = []
    packages = changes.get("packages") or {}
    parts += [f"{name} {old} → {new}" for name, (old, new) in (packages.get("changed") or {}).items()]
    parts += [f"+{name} {version}" for name, version in (packages.get("added") or {}).items()]
    parts += [f"-{name}" for name in packages.get("removed") or {}]
    for key in ("python", "platform", "git", "kernels"):
        if key in changes:
            parts.append(f"{key} changed")
    shown = "; ".join(parts[:8]) + (f"; … {len(parts) - 8} more" if len(parts) > 8 else "")
    return [f"environment since run {diff.get('against')}: {shown}"]


def run_lines(run: dict[str, Any]) -> list[str]:
    """The whole run as text lines."""
    verdict = (run.get("verdict") or "").replace("_", " ")
    lines = [f"rerun {run['id']} · {run['status']}{f' · {verdict}' if verdict else ''}"]
    for nb in run.get("notebooks") or []:
        lines += _notebook_lines(nb)
    for check in changed_datasets(run):
        lines.append(f"data: {check['name']} v{check['version']} {check['status']} since it was recorded "
                     f"({check['path']})")
    reasons = merge_reason_counts((nb.get("diffs") or {}).get("reasons") or {} for nb in run.get("notebooks") or [])
    if reasons:
        lines.append("differing cells by reason: " + ", ".join(f"{n} {code}" for code, n in reasons.items()))
    lines += _environment_lines(run)
    lines += describe_changes(run.get("files"))
    if run.get("status") == "failed" and run.get("error") and not has_bad_input(run):
        lines.append(f"error: {run['error']}")
    output = next((nb["output_path"] for nb in run.get("notebooks") or [] if nb.get("output_path")), None)
    if output and run["id"] in output:
        lines.append(f"executed notebooks: {output[: output.index(run['id']) + len(run['id'])]}/")
    return lines


def progress_text(run: dict[str, Any]) -> tuple[float, str]:
    """The run's completed share and a short label (which notebook is running)."""
    progress = run["progress"]
    ratio = progress["cells_done"] / progress["cells_total"] if progress["cells_total"] else 0.0
    running = next((nb["path"] for nb in run.get("notebooks") or [] if nb["status"] == "running"), None)
    label = f"{progress['cells_done']}/{progress['cells_total']} cells"
    label += f" · {running}" if running else f" · {run['status']}"
    return ratio, label
