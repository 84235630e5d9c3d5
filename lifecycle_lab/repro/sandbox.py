"""``rerun --sandbox``: execute the notebooks in a temporary copy of the project, so the user's files stay as
they are.

The copy is made in the run's own folder (``.lifecycle/runs/<run-id>/sandbox/``): git already ignores it, it
is on the same filesystem as the project (so the Dask executor's workers see it where they see the project),
and a worker killed before it could remove the copy leaves it where the run's outputs are. Left out of the
copy: ``.lifecycle/`` (earlier runs' outputs) and version-control folders. Symbolic links are copied as
links, so a link pointing outside the project still reaches the real file; so does an absolute path in a
notebook: the sandbox is a copy of the project folder, not a jail (docs/rerun.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .files import SKIPPED_FOLDERS

SANDBOX_FOLDER = "sandbox"


def sandbox_path(run_dir: Path) -> Path:
    """Where a run's sandbox copy lives, inside the run's folder."""
    return run_dir / SANDBOX_FOLDER


def make_sandbox(project_dir: Path, run_dir: Path) -> Path:
    """Copy the project into the run's folder; the copy's path (the run's folder is created if needed)."""
    target = sandbox_path(run_dir)
    if target.exists():  # a retried worker of the same run starts again from the project as it is
        shutil.rmtree(target)
    run_dir.mkdir(parents=True, exist_ok=True)

    def skipped(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIPPED_FOLDERS and Path(folder, n).is_dir()}

    shutil.copytree(project_dir, target, symlinks=True, ignore=skipped)
    return target


def remove_sandbox(run_dir: Path) -> None:
    """Remove the run's sandbox copy (nothing when there is none)."""
    shutil.rmtree(sandbox_path(run_dir), ignore_errors=True)
