"""lifecycle_lab's pytest plugin (entry point ``pytest11``): fixtures for testing code built on lifecycle_lab.

Installed with the package, it gives any test suite, ours and a team's own:

- ``lifecycle_db_url``: a fresh SQLite database in the test's temporary folder (override it to use another);
- ``lifecycle_store`` and ``lifecycle_service``: the store over it, migrated, and the service over that;
- ``lifecycle_project``: a project on the ``lifecycle_template`` template (``default``) in a folder of its own;
- ``lifecycle_server``: a real ``jupyter server`` subprocess with the extension over that database, serving
  the test's temporary folder (``.request(method, path, body)`` calls it with its token);
- ``wait_until(condition, timeout)``: wait for something to happen without a bare ``sleep``;
- ``schema_revision(store)``: the Alembic revision a store's database is at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..service import Lifecycle, Project
from ..store import Store
from ..store.migrate import current_revision
from .servers import BUILT_LABEXTENSION, JupyterLabProcess, JupyterServerProcess, free_port
from .wait import wait_until

__all__ = [
    "BUILT_LABEXTENSION", "JupyterLabProcess", "JupyterServerProcess", "free_port", "schema_revision", "wait_until",
]


def schema_revision(store: Store) -> str | None:
    """The Alembic revision the store's database is at (None before the first migration)."""
    with store.engine.connect() as conn:
        return current_revision(conn)


@pytest.fixture
def lifecycle_db_url(tmp_path: Path) -> str:
    """The database the fixtures use: a fresh SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'lifecycle.sqlite'}"


@pytest.fixture
def lifecycle_store(lifecycle_db_url: str) -> Iterator[Store]:
    """A real store over ``lifecycle_db_url``, migrated to the current schema; closed after the test."""
    store = Store(lifecycle_db_url)
    yield store
    store.close()


@pytest.fixture
def lifecycle_service(lifecycle_store: Store) -> Lifecycle:
    """The service over ``lifecycle_store`` with the built-in templates."""
    return Lifecycle(lifecycle_store)


@pytest.fixture
def lifecycle_template() -> str:
    """The template ``lifecycle_project`` uses (override it to test another)."""
    return "default"


@pytest.fixture
def lifecycle_project(lifecycle_service: Lifecycle, lifecycle_template: str, tmp_path: Path) -> Project:
    """A project on ``lifecycle_template`` in the folder ``project`` of the test's temporary folder."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    return lifecycle_service.init_project(folder, actor="alice", template=lifecycle_template, name="Example")


@pytest.fixture
def lifecycle_server(tmp_path: Path, lifecycle_db_url: str) -> Iterator[JupyterServerProcess]:
    """A running ``jupyter server`` with lifecycle_lab over ``lifecycle_db_url``, root the temporary folder."""
    with JupyterServerProcess(tmp_path, lifecycle_db_url).start() as server:
        yield server
