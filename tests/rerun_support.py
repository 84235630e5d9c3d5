"""Helpers for the rerun tests: notebooks built with nbformat, saved outputs made by papermill, the process table."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as v4
import yaml

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

Cell = str | tuple[str, list[str]]


def write_notebook(path: Path, cells: list[Cell], *, kernel: dict[str, str] | None = None) -> Path:
    """A notebook whose code cells are ``cells`` (a source, or a source with tags), without outputs."""
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = kernel or KERNELSPEC
    nb.cells.append(v4.new_markdown_cell(f"# {path.stem}"))
    for cell in cells:
        source, tags = (cell, []) if isinstance(cell, str) else cell
        code = v4.new_code_cell(source)
        if tags:
            code.metadata["tags"] = list(tags)
        nb.cells.append(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def save_outputs(path: Path, parameters: dict[str, Any] | None = None) -> Path:
    """Execute the notebook in place with papermill, as a researcher saving a finished notebook would."""
    import papermill

    papermill.execute_notebook(str(path), str(path), parameters=parameters or {}, progress_bar=False,
                               cwd=str(path.parent))
    return path


def configure(project_dir: Path, *, notebooks: list[str] | None = None, **rerun: Any) -> None:
    """Change the project's manifest: its notebooks and rerun options."""
    manifest = project_dir / "lifecycle.yaml"
    data = yaml.safe_load(manifest.read_text())
    if notebooks is not None:
        data["notebooks"] = notebooks
    data.setdefault("rerun", {}).update(rerun)
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))


def processes_of_run(run_id: str) -> list[str]:
    """``ps`` lines of live processes whose environment carries the run's id (its worker and kernels)."""
    listing = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        pid, stat, _args = line.split(None, 2) if len(line.split(None, 2)) == 3 else (*line.split(None, 1), "")
        if stat.startswith("Z"):
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if f"LIFECYCLE_LAB_RUN_ID={run_id}".encode() in environ.split(b"\0"):
            found.append(line.strip())
    return found


def kernels_of_run(run_id: str) -> list[str]:
    """The run's live kernel processes."""
    return [line for line in processes_of_run(run_id) if "ipykernel" in line]
