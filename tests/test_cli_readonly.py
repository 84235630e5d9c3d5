"""Read-only commands never write, and the CLI's small manners: exact words, quiet pipes, typos as usage errors.

Every test runs ``jupyter lifecycle`` as a real process against a real SQLite file.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env

READ_ONLY = [["status"], ["gate"], ["audit"], ["audit", "--verify"], ["export", "--format", "json", "-o", "out.json"]]


def project_folder(tmp_path: Path) -> Path:
    """A project initialised in another store, so the test store has never seen it."""
    folder = tmp_path / "loans"
    folder.mkdir()
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    made = subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", "init", "--template", "minimal"],
                          cwd=folder, env=cli_env(elsewhere), capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    return folder


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a usage error (no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_a_read_of_a_project_the_store_does_not_know_exits_2_and_records_nothing(
    tmp_path: Path, cli, db_url: str, args: list[str]
) -> None:
    folder = project_folder(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    assert cli(["init", "--template", "minimal"], cwd=other).returncode == 0  # the store exists, with another project
    database = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        before = conn.execute("SELECT count(*) FROM projects").fetchone()[0], \
            conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]

    result = cli(args, cwd=folder)

    line = one_error_line(result)
    assert line.startswith("jupyter lifecycle: error: the store sqlite:///") and database in line
    assert "has no project 'loans'" in line
    assert "jupyter lifecycle import FILE" in line and "jupyter lifecycle init" in line
    with sqlite3.connect(database) as conn:
        after = conn.execute("SELECT count(*) FROM projects").fetchone()[0], \
            conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    assert after == before
    assert not (folder / "out.json").exists()


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_a_read_with_a_mistyped_db_creates_no_file_and_no_folder(tmp_path: Path, cli, db_url: str,
                                                                  args: list[str]) -> None:
    folder = project_folder(tmp_path)
    typo = tmp_path / "no-such-dir" / "lifecycle.sqlite"

    result = cli([*args, "--db", f"sqlite:///{typo}"], cwd=folder)

    line = one_error_line(result)
    assert f"no lifecycle store at sqlite:///{typo}" in line
    assert "jupyter lifecycle init" in line and "jupyter lifecycle import FILE" in line
    assert not typo.parent.exists()


def test_an_empty_file_given_as_db_is_not_turned_into_a_store_by_a_read(tmp_path: Path, cli, db_url: str) -> None:
    folder = project_folder(tmp_path)
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    result = cli(["status", "--db", f"sqlite:///{empty}"], cwd=folder)
    assert "no lifecycle store at" in one_error_line(result)
    assert empty.stat().st_size == 0


def test_init_registers_a_cloned_project_the_store_does_not_know_and_then_reads_work(
    tmp_path: Path, cli, db_url: str
) -> None:
    folder = project_folder(tmp_path)
    assert cli(["init"], cwd=folder).returncode == 0
    status = cli(["status"], cwd=folder)
    assert status.returncode == 0 and "0/" in status.stdout
    again = cli(["init"], cwd=folder)
    assert again.returncode == 1 and "already a lifecycle project" in again.stderr  # a conflict, as before


def test_a_write_still_registers_a_project_on_first_sight(tmp_path: Path, cli, db_url: str) -> None:
    folder = project_folder(tmp_path)
    assert cli(["set", "scope/objective-metric", "--note", "AUC"], cwd=folder).returncode == 0
    assert cli(["status"], cwd=folder).returncode == 0


def run_without(module: str, args: list[str], cwd: Path, db_url: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter where ``import module`` fails as if it were not installed."""
    code = f"import sys; sys.modules[{module!r}] = None; from lifecycle_lab.cli import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=cli_env(db_url),
                          capture_output=True, text=True, timeout=120)


def test_a_postgres_url_without_the_driver_names_the_extra_to_install(tmp_path: Path, db_url: str) -> None:
    url = "postgresql+psycopg://lab:s3cret@127.0.0.1:1/lifecycle"
    result = run_without("psycopg", ["status", "--db", url], project_folder(tmp_path), db_url)
    line = one_error_line(result)
    assert "needs the database driver 'psycopg'" in line
    assert "pip install 'lifecycle_lab[postgres]'" in line
    assert "s3cret" not in line and "lab:***@127.0.0.1" in line


def test_a_driver_lifecycle_lab_does_not_ship_is_named_too(tmp_path: Path, cli) -> None:
    result = cli(["status", "--db", "postgresql+nosuchdriver://x@127.0.0.1/db"], cwd=project_folder(tmp_path))
    assert "unknown kind of database" in one_error_line(result)


# --- the smaller manners ------------------------------------------------------------------------


def test_signoff_reject_says_rejected(tmp_path: Path, cli) -> None:
    cli(["init", "--template", "minimal"], cwd=tmp_path)
    result = cli(["signoff", "review", "--role", "model-owner", "--reject", "--comment", "metrics missing"],
                 cwd=tmp_path, user="olga")
    assert result.returncode == 0
    assert result.stdout.strip() == "review: rejected by olga as model-owner"
    approved = cli(["signoff", "review", "--role", "model-owner", "--approve"], cwd=tmp_path, user="olga")
    assert approved.stdout.strip() == "review: approved by olga as model-owner"


@pytest.fixture
def busy_project(service, project_dir: Path) -> Path:
    """A project with 1,500 audit events and a 100 kB note: every read below prints more than a pipe holds."""
    project = service.init_project(project_dir, actor="alice", template="minimal")
    for n in range(1_500):
        service.set_item(project, "scope/objective-metric", {"notes": f"revision {n}"}, actor="alice")
    service.set_item(project, "scope/objective-metric", {"notes": "x" * 100_000}, actor="alice")
    return project_dir


@pytest.mark.parametrize("args", [["audit"], ["status", "--format", "json"], ["export", "--format", "md", "-o", "-"]],
                         ids=["audit", "status-json", "export-md"])
def test_output_piped_into_head_ends_quietly_with_exit_0(busy_project: Path, db_url: str, args: list[str]) -> None:
    command = " ".join([sys.executable, "-m", "lifecycle_lab.cli", *args])
    result = subprocess.run(["bash", "-o", "pipefail", "-c", f"{command} | head -n 1"], cwd=busy_project,
                            env=cli_env(db_url), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1


def test_rerun_of_a_missing_notebook_is_a_usage_error_and_records_no_run(tmp_path: Path, cli, db_url: str) -> None:
    cli(["init", "--template", "minimal"], cwd=tmp_path)
    result = cli(["rerun", "missing.ipynb"], cwd=tmp_path)
    assert one_error_line(result) == "jupyter lifecycle: error: missing.ipynb does not exist"
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert not (tmp_path / ".lifecycle" / "runs").exists() or not any((tmp_path / ".lifecycle" / "runs").iterdir())


def test_rerun_of_a_notebook_listed_in_the_manifest_but_gone_names_the_manifest_entry(tmp_path: Path, cli) -> None:
    cli(["init", "--template", "minimal", "--notebook", "gone.ipynb"], cwd=tmp_path)
    result = cli(["rerun"], cwd=tmp_path)
    assert "lifecycle.yaml notebooks[0] 'gone.ipynb' does not exist" in one_error_line(result)
