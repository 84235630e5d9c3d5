"""What a rerun did to the files of the folder it ran in: which it created, changed or deleted.

A notebook under rerun runs with the user's rights and may overwrite what it writes (a trained model, a
cached dataset). The worker lists the folder's files (size and sha256) before the first notebook executes
and after the last, and records the difference with the run, so a rerun never changes files without saying
so. The project's own bookkeeping (``.lifecycle/``: run outputs, anchors), version control and editor
caches are left out. Hashes come from the fingerprint cache (path + size + mtime), so an unchanged large
file is hashed once, not on every rerun.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fingerprint import FingerprintCache, file_hash

SKIPPED_FOLDERS = frozenset({".lifecycle", ".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__"})
MAX_FILES = 20_000  # a folder with more is not listed (the run says so) rather than hashed for minutes
MAX_LISTED = 200  # changes recorded with a run; the rest are counted


@dataclass(frozen=True)
class FileFacts:
    """A file as the listing saw it."""

    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Listing:
    """The files of a folder by path relative to it (POSIX), or why they were not listed."""

    files: Mapping[str, FileFacts]
    skipped: str | None = None  # e.g. more than MAX_FILES files


def list_files(folder: Path, cache: FingerprintCache | None = None) -> Listing:
    """Every regular file under ``folder`` (symlinks not followed) with its size and sha256."""
    found: dict[str, FileFacts] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS and not os.path.islink(os.path.join(root, d)))
        for name in names:
            path = Path(root, name)
            if path.is_symlink() or not path.is_file():
                continue
            if len(found) >= MAX_FILES:
                return Listing({}, f"more than {MAX_FILES} files: the project's files were not listed")
            try:
                found[path.relative_to(folder).as_posix()] = FileFacts(path.stat().st_size, file_hash(path, cache))
            except OSError:
                continue  # gone or unreadable while listing: not a file the run can be said to have touched
    return Listing(found)


def file_changes(before: Listing, after: Listing, *, where: str) -> dict[str, Any]:
    """The run record's ``files``: each file created, changed or deleted between the listings, by path.

    ``where``: ``project`` (the user's folder) or ``sandbox`` (a copy; the user's files were not touched).
    """
    skipped = before.skipped or after.skipped
    changes = []
    if skipped is None:
        for path in sorted(set(before.files) | set(after.files)):
            old, new = before.files.get(path), after.files.get(path)
            if old == new:
                continue
            change = "created" if old is None else "deleted" if new is None else "changed"
            changes.append({"path": path, "change": change, "before": old.to_json() if old else None,
                            "after": new.to_json() if new else None})
    return {"where": where, "changes": changes[:MAX_LISTED], "omitted": max(0, len(changes) - MAX_LISTED),
            "skipped": skipped}


def describe_changes(files: Mapping[str, Any] | None) -> list[str]:
    """The run's file changes as lines for the CLI (none recorded: no lines)."""
    if not files:
        return []
    place = "in the sandbox copy (your files were not touched)" if files["where"] == "sandbox" else "in the project"
    if files.get("skipped"):
        return [f"files: not listed ({files['skipped']})"]
    if not files["changes"]:
        return [f"files: the rerun created or changed no file {place}"]
    lines = [f"files the rerun created or changed {place}:"]
    for change in files["changes"]:
        old, new = change["before"], change["after"]
        sizes = (f"{new['size']} bytes, sha256 {new['sha256'][:12]}" if old is None else
                 f"was {old['size']} bytes, sha256 {old['sha256'][:12]}" if new is None else
                 f"{old['size']} → {new['size']} bytes, sha256 {old['sha256'][:12]} → {new['sha256'][:12]}")
        lines.append(f"  {change['change']:<7} {change['path']} ({sizes})")
    if files["omitted"]:
        lines.append(f"  … and {files['omitted']} more (see the run record)")
    return lines
