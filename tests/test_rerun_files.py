"""What a rerun did to the project's files is listed; ``--sandbox`` runs in a copy and leaves them untouched.

The listing and the sandbox copy are plain file operations, checked here on real folders; the reruns that use
them are in ``test_rerun_sandbox.py``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lifecycle_lab.repro.files import describe_changes, file_changes, list_files
from lifecycle_lab.repro.sandbox import make_sandbox, remove_sandbox


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_created_changed_and_deleted_files_are_listed_with_sizes_and_hashes(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "model.pkl").write_bytes(b"old model")
    (tmp_path / "scratch.txt").write_bytes(b"gone soon")
    (tmp_path / "same.txt").write_bytes(b"unchanged")
    before = list_files(tmp_path)
    (tmp_path / "model.pkl").write_bytes(b"a new, larger model")
    (tmp_path / "scratch.txt").unlink()
    (tmp_path / "data" / "features.parquet").write_bytes(b"PAR1")
    files = file_changes(before, list_files(tmp_path), where="project")

    assert files == {"where": "project", "omitted": 0, "skipped": None, "changes": [
        {"path": "data/features.parquet", "change": "created", "before": None,
         "after": {"size": 4, "sha256": sha(b"PAR1")}},
        {"path": "model.pkl", "change": "changed", "before": {"size": 9, "sha256": sha(b"old model")},
         "after": {"size": 19, "sha256": sha(b"a new, larger model")}},
        {"path": "scratch.txt", "change": "deleted", "before": {"size": 9, "sha256": sha(b"gone soon")},
         "after": None},
    ]}
    lines = describe_changes(files)
    assert lines[0] == "files the rerun created or changed in the project:"
    assert f"  changed model.pkl (9 → 19 bytes, sha256 {sha(b'old model')[:12]} → " in lines[2]


def test_a_file_rewritten_with_the_same_bytes_is_not_a_change(tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(b"same")
    before = list_files(tmp_path)
    (tmp_path / "model.pkl").write_bytes(b"same")
    os.utime(tmp_path / "model.pkl", ns=(1, 1))  # another mtime: hashed again, same content
    assert file_changes(before, list_files(tmp_path), where="project")["changes"] == []


def test_run_outputs_version_control_and_links_are_left_out(tmp_path: Path) -> None:
    for folder in (".lifecycle/runs/r1", ".git", "nb/.ipynb_checkpoints"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x").write_text("x")
    (tmp_path / "nb" / "a.ipynb").write_text("{}")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "nb" / "a.ipynb")
    assert sorted(list_files(tmp_path).files) == ["nb/a.ipynb"]


def test_the_sandbox_is_a_copy_in_the_run_folder_without_run_outputs(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    (project / "lifecycle.yaml").write_text("id: p\n")
    (project / "data" / "train.csv").write_text("a\n1\n")
    (project / "outside.csv").symlink_to(tmp_path / "elsewhere.csv")
    run_dir = project / ".lifecycle" / "runs" / "r1"
    (run_dir / "old").mkdir(parents=True)

    copy = make_sandbox(project, run_dir)
    assert copy == run_dir / "sandbox"
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "data", "data/train.csv", "lifecycle.yaml", "outside.csv"]
    assert (copy / "outside.csv").is_symlink()  # a link is copied as a link: it still leads outside
    (copy / "data" / "train.csv").write_text("changed in the copy\n")
    assert (project / "data" / "train.csv").read_text() == "a\n1\n"
    remove_sandbox(run_dir)
    assert not copy.exists() and (run_dir / "old").is_dir()
