"""The service: projects found by walking up, the project view, datasets recorded and checked on disk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import BACKENDS, tamper

from lifecycle_lab.errors import Conflict, LifecycleError, NotFound, StoreUnavailable, TemplateError
from lifecycle_lab.project import read_manifest
from lifecycle_lab.service import Lifecycle, Project


def test_init_writes_manifest_and_gitignore(service: Lifecycle, project_dir: Path) -> None:
    (project_dir / "train.ipynb").write_text("{}")
    project = service.init_project(project_dir, actor="alice", template="minimal")
    manifest = read_manifest(project_dir)
    assert manifest.id == project.id and manifest.template == "minimal"
    assert manifest.notebooks == ("train.ipynb",)
    assert "runs/" in (project_dir / ".lifecycle" / ".gitignore").read_text()
    with pytest.raises(Conflict):
        service.init_project(project_dir, actor="alice")


def test_init_with_unknown_template_writes_nothing(service: Lifecycle, project_dir: Path) -> None:
    with pytest.raises(NotFound, match="unknown template 'nope'"):
        service.init_project(project_dir, actor="alice", template="nope")
    assert not (project_dir / "lifecycle.yaml").exists()


def test_project_is_found_by_walking_up(service: Lifecycle, project: Project) -> None:
    deep = project.directory / "notebooks" / "eda"
    deep.mkdir(parents=True)
    assert service.open_project(deep / "x.ipynb", actor="bob").id == project.id


def test_walking_up_stops_at_the_root(service: Lifecycle, project: Project) -> None:
    inner = project.directory / "inner"
    inner.mkdir()
    with pytest.raises(NotFound, match="jupyter lifecycle init"):
        service.open_project(inner, actor="bob", root=inner)


def test_a_cloned_project_registers_itself(service: Lifecycle, project: Project, tmp_path: Path) -> None:
    other = Lifecycle(service.store.__class__(f"sqlite:///{tmp_path / 'other.sqlite'}"))
    opened = other.open_project(project.directory, actor="bob")
    assert opened.id == project.id and opened.record.created_by == "bob"


def test_malformed_manifest_names_file_and_line(service: Lifecycle, project: Project) -> None:
    path = project.directory / "lifecycle.yaml"
    text = path.read_text()
    path.write_text(text.replace("timeout: 1800", "timeout: soon"))
    line = text.splitlines().index("  timeout: 1800") + 1
    with pytest.raises(TemplateError) as info:
        service.open_project(project.directory, actor="bob")
    assert info.value.problems[0].startswith(f"{path}:{line}: ")
    assert "rerun.timeout: 'soon' is not of type 'number'" in info.value.problems[0]


def test_view_has_everything_the_sidebar_needs(service: Lifecycle, project: Project) -> None:
    service.set_item(project, "framing/risk-tier", {"status": "in_progress", "due": "2020-01-01"}, actor="alice")
    view = service.view(project)
    json.dumps(view)  # JSON-serialisable as is
    assert view["items"]["framing/risk-tier"]["version"] == 1
    assert view["overdue"] == ["framing/risk-tier"]
    assert view["status"] == "blocked" and not view["ready"]
    assert view["progress"]["overall"]["total"] == len(view["items"])
    assert set(view["gates"]) == {s["id"] for s in view["template"]["stages"]}
    assert view["seq"] == 2


def test_recorded_dataset_links_evidence_and_goes_stale_when_edited(service: Lifecycle, project: Project) -> None:
    data = project.directory / "train.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    version, created = service.add_dataset(project, "train.csv", name="train", actor="alice")
    assert created and version.version == 1 and version.rows == 2 and version.path == "train.csv"
    assert service.add_dataset(project, "train.csv", name="train", actor="alice")[1] is False
    item = service.store.item(project.id, "data/dataset-versions")
    assert item.status == "in_progress"
    assert item.evidence == {"versions": [{"dataset": "train", "version": 1, "fingerprint": version.sha256}]}
    assert [c.status for c in service.check_datasets(project)] == ["ok"]

    data.write_text("a,b\n1,2\n3,5\n")
    assert [c.status for c in service.check_datasets(project)] == ["changed"]
    assert "data/dataset-versions" in service.summary(project).stale

    second, created = service.add_dataset(project, "train.csv", name="train", actor="alice")
    assert created and second.version == 2
    assert service.summary(project).stale == {}
    data.unlink()
    assert [c.status for c in service.check_datasets(project)] == ["missing"]


def test_dataset_path_must_exist(service: Lifecycle, project: Project) -> None:
    with pytest.raises(NotFound):
        service.add_dataset(project, "nope.csv", actor="alice")


def test_signoff_is_outdated_in_the_view_after_a_change(service: Lifecycle, project: Project) -> None:
    service.signoff(project, "product", "product", "approve", actor="pat")
    assert service.view(project)["signoffs"][0]["outdated"] is False
    service.set_item(project, "product/use-cases", {"notes": "changed"}, actor="alice")
    view = service.view(project)
    assert view["signoffs"][0]["outdated"] is True
    assert {"kind": "signoff_outdated", "target": "product",
            "message": "product approved an earlier state of the stage"} in view["gates"]["product"]["blockers"]


def test_today_is_injectable(store, project: Project) -> None:
    svc = Lifecycle(store, today=lambda: dt.date(2000, 1, 1))
    svc.set_item(project, "framing/risk-tier", {"due": "2020-01-01"}, actor="alice")
    assert svc.view(project)["overdue"] == []


def test_datasets_link_to_the_templates_datasets_item(service: Lifecycle, project_dir: Path) -> None:
    project = service.init_project(project_dir, actor="alice", template="datasheet")
    (project_dir / "d.csv").write_text("a\n1\n")
    service.add_dataset(project, "d.csv", actor="alice")
    assert service.store.item(project.id, "composition/dataset-versions").evidence["versions"][0]["dataset"] == "d.csv"


def write_after_items_are_read(monkeypatch: pytest.MonkeyPatch, service: Lifecycle, project: Project) -> None:
    """Make the next read of the project's item states be followed at once by another user's write."""
    store, read_items = service.store, service.store.items

    def items_then_a_write(project_id: str) -> dict:
        states = read_items(project_id)
        monkeypatch.setattr(store, "items", read_items)
        service.set_item(project, "framing/risk-tier", {"status": "blocked"}, actor="bob")
        return states

    monkeypatch.setattr(store, "items", items_then_a_write)


def test_a_write_landing_while_the_view_is_read_is_after_its_seq(
    service: Lifecycle, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view's ``seq`` (a client's change-feed cursor) is read before the states, so no change slips past it."""
    write_after_items_are_read(monkeypatch, service, project)
    view = service.view(project)
    assert view["items"]["framing/risk-tier"]["status"] == "todo"
    events, _ = service.store.changes(project.id, view["seq"], 10)
    assert [e.target for e in events] == ["framing/risk-tier"]


def test_a_manifest_is_parsed_again_when_its_file_changes_and_each_reader_gets_its_own_copy(
    project: Project,
) -> None:
    first = read_manifest(project.directory)
    first.rerun["timeout"] = 1  # a caller changing its copy changes nobody else's
    assert read_manifest(project.directory).rerun["timeout"] != 1
    path = project.directory / "lifecycle.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"name: {first.name}", "name: Renamed"),
                    encoding="utf-8")
    assert read_manifest(project.directory).name == "Renamed"


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_a_database_failure_leaves_the_service_as_one_line_store_unavailable(
    service: Lifecycle, project: Project, db_url: str
) -> None:
    tamper(db_url, "DROP TABLE run_notebooks")
    tamper(db_url, "DROP TABLE runs")
    with pytest.raises(StoreUnavailable) as info:
        service.list_runs(project.id)
    assert isinstance(info.value, LifecycleError)  # every front door already answers the service's errors
    message = str(info.value)
    assert message.startswith("database: ") and "runs" in message and "\n" not in message
    assert "SELECT" not in message  # the statement stays in the log, not in the user's message
