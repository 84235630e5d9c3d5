"""Scheduled revalidation: the manifest's cadence, the due date, the gate blocker, and ``revalidate --due``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rerun_support import save_outputs, write_notebook

from lifecycle_lab.errors import TemplateError, ValidationError
from lifecycle_lab.project import read_manifest
from lifecycle_lab.revalidation import OVERDUE, parse_every, revalidation_status
from lifecycle_lab.service import Lifecycle

Cli = Callable[..., subprocess.CompletedProcess[str]]
TODAY = dt.datetime.now(dt.timezone.utc).date()


def schedule(folder: Path, **section: object) -> None:
    """Give the project's manifest a ``revalidate:`` section."""
    manifest = folder / "lifecycle.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["revalidate"] = section
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_cadence_is_days_or_weeks() -> None:
    assert parse_every("30d") == dt.timedelta(days=30) and parse_every("4w") == dt.timedelta(days=28)
    with pytest.raises(ValidationError, match="not a cadence"):
        parse_every("monthly")


def test_next_due_counts_from_the_last_revalidation_or_from_when_the_schedule_started() -> None:
    never = revalidation_status({"every": "30d"}, last=None, since=dt.date(2026, 1, 1), today=dt.date(2026, 1, 31))
    assert never.next_due == dt.date(2026, 1, 31) and never.due and not never.overdue
    late = revalidation_status({"every": "1w"}, last=dt.date(2026, 3, 1), since=dt.date(2026, 1, 1),
                               today=dt.date(2026, 3, 9))
    assert late.next_due == dt.date(2026, 3, 8) and late.overdue and late.to_json()["last"] == "2026-03-01"


def test_a_malformed_revalidate_section_names_file_and_line(service: Lifecycle, project_dir: Path) -> None:
    service.init_project(project_dir, actor="alice", template="minimal", notebooks=[])
    schedule(project_dir, every="monthly", datasets="loans")
    with pytest.raises(TemplateError) as caught:
        read_manifest(project_dir)
    problems = "\n".join(caught.value.problems)
    assert "lifecycle.yaml:" in problems and "revalidate.every" in problems and "revalidate.datasets" in problems


def test_an_overdue_revalidation_blocks_the_post_deployment_gate(service: Lifecycle, project_dir: Path) -> None:
    project = service.init_project(project_dir, actor="alice", template="default", notebooks=["train.ipynb"])
    schedule(project_dir, every="30d")
    project = service.open_project(project_dir, actor="alice")

    on_time = Lifecycle(service.store, today=lambda: TODAY + dt.timedelta(days=30))
    late = Lifecycle(service.store, today=lambda: TODAY + dt.timedelta(days=31))

    assert OVERDUE not in {b.kind for b in on_time.gates(project, "post-deployment")[0].blockers}
    blockers = late.gates(project, "post-deployment")[0].blockers
    overdue = [b for b in blockers if b.kind == OVERDUE]
    assert len(overdue) == 1 and overdue[0].target == "post-deployment/revalidation-schedule"
    assert f"was due on {(TODAY + dt.timedelta(days=30)).isoformat()} (never run)" in overdue[0].message
    view = late.view(project)
    assert view["revalidation"] == {
        "every": "30d", "last": None, "next_due": (TODAY + dt.timedelta(days=30)).isoformat(), "overdue": True,
        "due": True, "notebooks": ["train.ipynb"], "datasets": [], "last_run": None,
        "item": "post-deployment/revalidation-schedule",
    }
    assert not view["ready"] and OVERDUE in {b["kind"] for b in view["gates"]["post-deployment"]["blockers"]}


@pytest.mark.kernel
def test_revalidate_due_reruns_exactly_the_due_projects_of_the_store(
    service: Lifecycle, tmp_path: Path, cli: Cli,
) -> None:
    cadences = {"weekly": "7d", "monthly": "30d", "quarterly": "90d"}
    for name, every in cadences.items():
        folder = tmp_path / name
        folder.mkdir()
        code = "import random\nprint(random.random())" if name == "monthly" else "print(6 * 7)"
        save_outputs(write_notebook(folder / "model.ipynb", [code]))
        service.init_project(folder, actor="alice", template="minimal", name=name, notebooks=["model.ipynb"])
        schedule(folder, every=every)
    as_of = (TODAY + dt.timedelta(days=35)).isoformat()  # past 7d and 30d since registration, not 90d

    done = cli(["revalidate", "--due", "--all-projects", "--as-of", as_of, "--format", "json"], cwd=tmp_path)

    assert done.returncode == 1, done.stderr  # the monthly project's notebook does not reproduce
    outcomes = {o["project"]: o for o in json.loads(done.stdout)}
    assert set(outcomes) == {"weekly", "monthly"}
    assert outcomes["weekly"]["verdict"] == "reproduced" and outcomes["weekly"]["passed"]
    assert outcomes["monthly"]["verdict"] == "differs" and not outcomes["monthly"]["passed"]
    assert all(o["duration"] > 0 and o["run_id"] for o in outcomes.values())
    weekly = service.open_project(tmp_path / "weekly", actor="alice")
    evidence = service.store.item(weekly.id, "evaluation/reproducibility-rerun").evidence
    assert evidence["run_id"] == outcomes["weekly"]["run_id"]  # recorded as the rerun item's evidence
    ran = service.store.get_run(outcomes["weekly"]["run_id"])
    assert ran["notebooks"][0]["executor"] == "local"  # the default executor, in the run's own worker process
    assert ran["notebooks"][0]["worker"].endswith(f"(pid {ran['worker_pid']})")
    status = service.revalidation(weekly, today=TODAY)
    assert status.last == TODAY and status.next_due == TODAY + dt.timedelta(days=7)

    soon = (TODAY + dt.timedelta(days=5)).isoformat()  # the two just ran; the third is due in 90 days
    table = cli(["revalidate", "--due", "--all-projects", "--as-of", soon], cwd=tmp_path)
    assert table.returncode == 0 and f"nothing to revalidate (none due as of {soon})" in table.stdout
