"""Shared fixtures: a real SQLite store in a temporary folder, a service over it, a project."""

from __future__ import annotations

import contextlib
import io
import json as _json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pgcluster import PostgresCluster, postgres_bin
from tornado.httputil import HTTPHeaders
from traitlets.config import Config

from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store

pytest_plugins = ["pytest_jupyter.jupyter_server", "lifecycle_lab.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent


BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Store-using tests of the server (``test_server_*.py``) or marked ``both_backends`` run on each backend.

    A test uses the store when it needs ``db_url`` or, like a second store of its own, ``backend``.
    """
    server = metafunc.module.__name__.startswith("test_server_")
    if (server or metafunc.definition.get_closest_marker("both_backends")) and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``-n auto --dist loadgroup``) each test file is one unit of work for one worker.

    A file's module-scoped servers and kernels are then started once, and its tests run in order, as they do
    serially. Every browser test shares one group, so two Chromiums never compete for the same cores.
    """
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core, at most four (each worker starts its own PostgreSQL cluster)."""
    return max(1, min(os.cpu_count() or 1, 4))


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store's backend: SQLite unless the test is parametrised over ``BACKENDS``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database: a SQLite file, or an empty database in the session's PostgreSQL cluster."""
    if backend == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def tamper(db_url: str, sql: str, **params: object) -> None:
    """Edit the database behind the store's back, as someone with database access would (any backend)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL server for the session (skipped outside CI when not installed)."""
    require(postgres_bin() is not None, "PostgreSQL (Debian package postgresql)")
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards with any connection the test left open."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture
def lifecycle_db_url(db_url: str) -> str:
    """The plugin's fixtures (``lifecycle_store``, ``lifecycle_service``...) use the backend under test."""
    return db_url


@pytest.fixture
def store(lifecycle_store: Store) -> Store:
    """A real store, migrated to head (the plugin's, over ``db_url``)."""
    return lifecycle_store


@pytest.fixture
def service(lifecycle_service: Lifecycle) -> Lifecycle:
    """The service layer over the store (the plugin's)."""
    return lifecycle_service


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """An empty folder for a project."""
    d = tmp_path / "proj"
    d.mkdir()
    return d


@pytest.fixture
def project(service: Lifecycle, project_dir: Path) -> Project:
    """A project on the default template."""
    return service.init_project(project_dir, actor="alice", template="default", name="Credit model")


@pytest.fixture
def make_project(service: Lifecycle, project_dir: Path) -> Callable[..., Project]:
    """A minimal-template project over the notebooks already written to ``project_dir``, with rerun options."""
    from rerun_support import configure

    def make(notebooks: list[str], **rerun: Any) -> Project:
        service.init_project(project_dir, actor="alice", template="minimal", notebooks=notebooks)
        configure(project_dir, **rerun)
        return service.open_project(project_dir, actor="alice")

    return make


@pytest.fixture
def minimal_project(service: Lifecycle, project_dir: Path) -> Project:
    """A project on the minimal template."""
    return service.init_project(project_dir, actor="alice", template="minimal", name="Prototype")


def cli_env(db_url: str, **extra: str) -> dict[str, str]:
    """Environment for a subprocess that uses this checkout and the store at ``db_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_LAB_")}
    env.update(LIFECYCLE_LAB_DB_URL=db_url, PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def run_cli(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``jupyter lifecycle ARGS`` in this process, as a fresh process would: ``env`` and ``cwd`` replace ours.

    The command's real ``main`` runs with its own standard output and error (text over bytes, as on a pipe) and
    the exit status it returns. A process costs 1–2 s of imports per command; tests about the process itself
    (pipes, signals, the entry point, settings read at start) use :func:`run_cli_process`.
    """
    from lifecycle_lab.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                contextlib.closing(io.StringIO()) as stdin:
            saved_stdin, sys.stdin = sys.stdin, stdin
            try:
                code = main(args)
            except SystemExit as exc:  # argparse's --help and --version
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdin = saved_stdin
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["jupyter", "lifecycle", *args], code,
                                       out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


def run_cli_process(args: list[str], *, cwd: Path, env: dict[str, str],
                    timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``jupyter lifecycle ARGS`` as a real process (``python -m lifecycle_lab.cli``)."""
    return subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli(db_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``jupyter lifecycle ARGS`` against the test store (in this process: see :func:`run_cli`)."""

    def run(args: list[str], *, cwd: Path, user: str = "alice") -> subprocess.CompletedProcess[str]:
        return run_cli(args, cwd=cwd, env=cli_env(db_url, LIFECYCLE_LAB_USER=user))

    return run


def require(available: bool, what: str) -> None:
    """Skip a test whose external requirement is missing, except under CI, where that is a failure."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed here")


@pytest.fixture
def requires() -> Callable[[bool, str], None]:
    """``requires(condition, what)``: skip outside CI, fail in CI, when ``what`` is missing."""
    return require


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    """This process acts like a notebook kernel: widgets open the test store as user alice, not in a rerun."""
    monkeypatch.setenv("LIFECYCLE_LAB_DB_URL", db_url)
    monkeypatch.setenv("LIFECYCLE_LAB_USER", "alice")
    monkeypatch.delenv("LIFECYCLE_LAB_RERUN", raising=False)
    return db_url


# --- the jupyter-server extension (pytest-jupyter) ------------------------------------------------

API = "lifecycle-lab/api"


@pytest.fixture
def jp_server_config(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The extension enabled on a server that refuses unauthenticated access, over the test store.

    Terminals (which pytest-jupyter adds otherwise) stay off: their websocket handler trips the auth check.
    """
    monkeypatch.delenv("LIFECYCLE_LAB_DB_URL", raising=False)
    return Config({
        "ServerApp": {
            "jpserver_extensions": {"lifecycle_lab": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "LifecycleLabApp": {"db_url": db_url},
    })


@dataclass
class Reply:
    """An HTTP answer: status, headers and the JSON body (None when there is none)."""

    status: int
    headers: HTTPHeaders
    body: Any


@pytest.fixture
def api(jp_fetch: Callable[..., Any]) -> Callable[..., Awaitable[Reply]]:
    """Call ``/lifecycle-lab/api/...`` with the server's token; JSON in (``json=``) and out, any status.

    Like a browser it sends back the login cookie, so one test acts as one (anonymous) user throughout.
    """
    jar = SimpleCookie()

    async def call(method: str, path: str, *, json: Any = None, body: bytes | None = None,
                   headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Reply:
        if json is not None:
            body = _json.dumps(json).encode()
        if body is None and method in ("POST", "PATCH", "PUT"):
            body = b""
        headers = dict(headers or {})
        if jar:
            headers.setdefault("Cookie", "; ".join(f"{k}={m.value}" for k, m in jar.items()))
        response = await jp_fetch(API, path.lstrip("/"), method=method, body=body, headers=headers,
                                  params=params, raise_error=False)
        for cookie in response.headers.get_list("Set-Cookie"):
            jar.load(cookie)
        text = response.body.decode() if response.body else ""
        return Reply(response.code, response.headers, _json.loads(text) if text else None)

    return call


def concrete_path(path: str, project: Project) -> str:
    """An OpenAPI path template filled in for ``project`` (an existing stage and item, any run)."""
    return (path.replace("{project_id}", project.id).replace("{stage}", "framing")
            .replace("{item}", "risk-tier").replace("{template_id}", "default").replace("{run_id}", "any-run")
            .replace("{position}", "0"))


@pytest.fixture
def served_project(service: Lifecycle, jp_root_dir: Path) -> Project:
    """A default-template project in the folder ``credit`` under the server root."""
    folder = jp_root_dir / "credit"
    folder.mkdir()
    return service.init_project(folder, actor="alice", template="default", name="Credit model")
