"""JSON export and import: a project moves to another store exactly, or not at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_samples import Sample, filled_sample

from lifecycle_lab.errors import Conflict, ValidationError
from lifecycle_lab.report import export_project, import_project
from lifecycle_lab.report.document import gather_report
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store.transfer import export_state

AT = "2026-03-01T12:00:00Z"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Lifecycle]:
    """A second, empty store."""
    store = Store(f"sqlite:///{tmp_path / 'target.sqlite'}")
    yield Lifecycle(store)
    store.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    """A filled project with markup in its text and two real reruns, in a store of its own; tests only read it."""
    made = filled_sample(tmp_path_factory.mktemp("source"), text="<b>*x*</b> $y$")
    yield made
    made.service.store.close()


def json_export(service: Lifecycle, project: Project) -> bytes:
    return export_project(service, project, "json", generated_by="auditor", generated_at=AT).content


def test_round_trip_restores_every_row_and_the_chain(sample: Sample, target: Lifecycle) -> None:
    service, filled = sample.service, sample.project
    record = import_project(target, json_export(service, filled))
    assert record == filled.record
    source, copy = service.store, target.store
    assert copy.get_project(filled.id) == source.get_project(filled.id)
    assert copy.items(filled.id) == source.items(filled.id)
    assert copy.signoffs(filled.id) == source.signoffs(filled.id)  # ids included: the target had them free
    assert copy.dataset_versions(filled.id) == source.dataset_versions(filled.id)
    assert copy.list_runs(filled.id) == source.list_runs(filled.id)
    assert [copy.get_run(r["id"]) for r in copy.list_runs(filled.id)] == [
        source.get_run(r["id"]) for r in source.list_runs(filled.id)]
    assert copy.events(filled.id) == source.events(filled.id)
    assert copy.verify_chain(filled.id) == source.verify_chain(filled.id)
    assert copy.verify_chain(filled.id).ok
    assert export_state(copy, filled.id) == export_state(source, filled.id)


def test_the_imported_project_exports_identically(sample: Sample, target: Lifecycle) -> None:
    service, filled = sample.service, sample.project
    import_project(target, json_export(service, filled))
    moved = target.project(filled.id)
    for fmt in ("json", "md", "html"):
        assert export_project(target, moved, fmt, generated_by="auditor", generated_at=AT).content == \
            export_project(service, filled, fmt, generated_by="auditor", generated_at=AT).content, fmt


def test_the_imported_store_keeps_working(sample: Sample, target: Lifecycle) -> None:
    service, filled = sample.service, sample.project
    import_project(target, json_export(service, filled))
    moved = target.project(filled.id)
    before = target.store.item(filled.id, "framing/risk-tier")
    after = target.set_item(moved, "framing/risk-tier", {"notes": "after the move"}, actor="bob",
                            expected_version=before.version)
    assert after.version == before.version + 1
    signoff = target.signoff(moved, "data", "data-steward", "approve", actor="dana")
    assert signoff.id is not None and signoff.id > max(s.id or 0 for s in service.store.signoffs(filled.id))
    assert target.store.verify_chain(filled.id).ok
    assert target.store.events(filled.id)[-1].action == "signoff"


def test_importing_a_project_the_store_has_is_a_conflict(sample: Sample) -> None:
    service, filled = sample.service, sample.project
    raw = json_export(service, filled)
    events = service.store.events(filled.id)
    with pytest.raises(Conflict, match="--replace"):
        import_project(service, raw)
    assert service.store.events(filled.id) == events


def test_replace_overwrites_the_target_state(sample: Sample, target: Lifecycle) -> None:
    service, filled = sample.service, sample.project
    raw = json_export(service, filled)
    import_project(target, raw)
    moved = target.project(filled.id)
    target.set_item(moved, "framing/risk-tier", {"notes": "diverged"}, actor="bob")
    import_project(target, raw, replace=True)
    assert export_state(target.store, filled.id) == export_state(service.store, filled.id)


def test_clashing_signoff_ids_are_renumbered_in_order(sample: Sample, target: Lifecycle, tmp_path: Path) -> None:
    service, filled = sample.service, sample.project
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = target.init_project(other_dir, actor="zoe", template="minimal")
    target.signoff(other, "review", "model-owner", "approve", actor="zoe")
    import_project(target, json_export(service, filled))
    original, moved = service.store.signoffs(filled.id), target.store.signoffs(filled.id)
    assert original[0].id == 1 and 1 not in [s.id for s in moved]
    assert [{**s.to_json(), "id": None} for s in moved] == [{**s.to_json(), "id": None} for s in original]
    outdated = [s for s in gather_report(target, target.project(filled.id), generated_at=AT,
                                         generated_by="x")["signoffs"] if s["outdated"]]
    assert [(s["stage"], s["role"]) for s in outdated] == [("framing", "model-owner")]


def _document(service: Lifecycle, project: Project) -> dict:
    return json.loads(json_export(service, project))


@pytest.mark.parametrize(("tamper", "message"), [
    (lambda d: d["state"]["audit"][3].update(actor="mallory"), "audit: the chain does not verify: event 4"),
    (lambda d: d["state"]["audit"].pop(2), "audit: the chain does not verify: event 4"),
    (lambda d: d["state"]["project"].update(id="11111111-2222-3333-4444-555555555555"),
     "audit: the chain does not verify: event 1"),
    (lambda d: d["state"]["items"][0].update(status=5), "items[0].status: 5 does not fit items.status"),
    (lambda d: d["state"]["items"][1].pop("version"), "items[1].version: missing"),
    (lambda d: d["state"]["runs"][0].update(color="red"), "runs[0].color: not a column of runs"),
    (lambda d: d["state"]["runs"][0]["notebooks"][1].update(cells_done="9"), "runs[0].notebooks[1].cells_done"),
    (lambda d: d["state"]["datasets"][0].update(versions={}), "datasets[0].versions: must be a list"),
    (lambda d: d["state"].update(signoffs=None), "signoffs: must be a list"),
    (lambda d: d.update(format_version=2), "format_version 2 is not supported"),
    (lambda d: d.update(format="something-else"), "not a lifecycle_lab export"),
])
def test_a_bad_file_is_refused_and_writes_nothing(sample: Sample, target: Lifecycle, tamper, message: str) -> None:
    document = _document(sample.service, sample.project)
    tamper(document)
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        import_project(target, json.dumps(document).encode())
    assert target.store.list_projects() == []


def test_a_file_that_is_not_json_is_refused(target: Lifecycle) -> None:
    with pytest.raises(ValidationError, match="not a JSON file"):
        import_project(target, b"%PDF-1.7 not json")


def test_cli_moves_a_project_between_stores(cli, sample: Sample, tmp_path: Path) -> None:
    service, filled = sample.service, sample.project
    exported = cli(["export", "--format", "json", "-o", str(tmp_path / "state.json"), "--project",
                    str(filled.directory), "--db", sample.db_url], cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    imported = cli(["import", str(tmp_path / "state.json"), "--db", other], cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    check = service.store.verify_chain(filled.id)
    assert f"{len(service.store.items(filled.id))} items" in imported.stdout
    assert f"audit chain verifies, head {check.head}" in imported.stdout
    again = cli(["import", str(tmp_path / "state.json"), "--db", other], cwd=tmp_path)
    assert again.returncode == 1 and "already in this store" in again.stderr and "--replace" in again.stderr
    replaced = cli(["import", str(tmp_path / "state.json"), "--db", other, "--replace"], cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    (tmp_path / "broken.json").write_text("{}")
    broken = cli(["import", str(tmp_path / "broken.json"), "--db", other], cwd=tmp_path)
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1 and "Traceback" not in broken.stderr
