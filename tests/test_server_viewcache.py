"""The view cache: a rendered view is reused only while nothing it depends on has changed."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from test_service import write_after_items_are_read

from lifecycle_lab.errors import NotFound
from lifecycle_lab.fingerprint import notebook_hash
from lifecycle_lab.server.paths import ServerRoot
from lifecycle_lab.server.viewcache import ViewCache
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store


@pytest.fixture
def cache(service: Lifecycle, tmp_path: Path) -> ViewCache:
    return ViewCache(service, ServerRoot(tmp_path))


def view_of(cache: ViewCache, project: Project) -> dict:
    return json.loads(cache.render(project.id).body)


def rewrite(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime on, as a later save would."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_an_unchanged_project_is_served_from_the_cache(cache: ViewCache, project: Project) -> None:
    first = cache.render(project.id)
    assert cache.render(project.id) is first and (cache.hits, cache.misses) == (1, 1)


def test_the_view_path_is_relative_to_the_server_root(cache: ViewCache, project: Project) -> None:
    assert view_of(cache, project)["project"]["path"] == "proj"


def test_a_write_by_another_process_refreshes_it(cache: ViewCache, project: Project, db_url: str) -> None:
    view_of(cache, project)
    other = Store(db_url)  # another connection, as the CLI or a kernel would have
    Lifecycle(other).set_item(project, "framing/risk-tier", {"status": "blocked"}, actor="bob")
    other.close()
    assert view_of(cache, project)["items"]["framing/risk-tier"]["status"] == "blocked"


def test_an_edited_dataset_makes_the_view_stale_without_any_write(
    cache: ViewCache, service: Lifecycle, project: Project
) -> None:
    data = project.directory / "train.csv"
    rewrite(data, "a,b\n1,2\n")
    service.add_dataset(project, "train.csv", name="train", actor="alice")
    assert view_of(cache, project)["stale"] == {}
    rewrite(data, "a,b\n1,3\n")
    view = view_of(cache, project)
    assert "data/dataset-versions" in view["stale"] and view["datasets"][0]["status"] == "changed"


def test_an_edited_notebook_makes_its_rerun_evidence_stale(
    cache: ViewCache, service: Lifecycle, project: Project
) -> None:
    notebook = project.directory / "train.ipynb"
    rewrite(notebook, nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])))
    evidence = {"run_id": "r1", "verdict": "reproduced",
                "notebooks": [{"path": "train.ipynb", "sha256": notebook_hash(notebook)}]}
    service.set_item(project, "experimentation/reproducibility-rerun", {"evidence": evidence}, actor="alice")
    assert view_of(cache, project)["stale"] == {}
    rewrite(notebook, nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 2")])))
    assert "experimentation/reproducibility-rerun" in view_of(cache, project)["stale"]


def test_a_new_day_makes_an_item_overdue(store: Store, project: Project, tmp_path: Path) -> None:
    day = [dt.date(2030, 1, 1)]
    service = Lifecycle(store, today=lambda: day[0])
    cache = ViewCache(service, ServerRoot(tmp_path))
    service.set_item(project, "framing/risk-tier", {"due": "2030-01-01"}, actor="alice")
    assert view_of(cache, project)["overdue"] == []
    day[0] = dt.date(2030, 1, 2)
    assert view_of(cache, project)["overdue"] == ["framing/risk-tier"]


def test_an_edited_manifest_shows_in_the_view(cache: ViewCache, project: Project) -> None:
    view_of(cache, project)
    manifest = project.directory / "lifecycle.yaml"
    rewrite(manifest, manifest.read_text().replace("notebooks: []", "notebooks:\n- train.ipynb"))
    assert view_of(cache, project)["project"]["notebooks"] == ["train.ipynb"]


def test_a_project_outside_the_root_is_not_found(service: Lifecycle, project: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "root"
    elsewhere.mkdir()
    with pytest.raises(NotFound):
        ViewCache(service, ServerRoot(elsewhere)).render(project.id)


def test_the_view_seq_is_the_key_it_was_cached_under(
    cache: ViewCache, service: Lifecycle, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write landing while the view is computed is after the view's ``seq`` and makes the next request recompute."""
    before = service.store.last_seq(project.id)
    write_after_items_are_read(monkeypatch, service, project)
    assert view_of(cache, project)["seq"] == before
    view = view_of(cache, project)
    assert view["seq"] == before + 1 and view["items"]["framing/risk-tier"]["status"] == "blocked"
    assert (cache.hits, cache.misses) == (0, 2)


def test_a_warm_view_asks_the_store_nothing_about_the_anchor(
    cache: ViewCache, service: Lifecycle, project: Project
) -> None:
    statements: list[str] = []
    sa.event.listen(service.store.engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_a: statements.append(statement))
    cache.render(project.id)
    assert any("audit_checkpoints" in s for s in statements)  # the cold rendering reads the anchor state
    statements.clear()
    assert cache.render(project.id) is cache.render(project.id) and cache.anchor_reads == 1
    assert statements and not any("audit_checkpoints" in s for s in statements)


def test_anchoring_the_project_is_seen_by_the_next_view(
    cache: ViewCache, service: Lifecycle, project: Project
) -> None:
    assert view_of(cache, project)["anchor"]["state"] == "never"
    service.anchor_project(project.id, project.directory, actor="alice")
    assert view_of(cache, project)["anchor"]["state"] == "current"
    service.set_item(project, "framing/risk-tier", {"notes": "after the anchor"}, actor="alice")
    assert view_of(cache, project)["anchor"]["state"] == "behind"
