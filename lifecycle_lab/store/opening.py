"""Opening a database URL: the engine (SQLite in WAL mode, PostgreSQL READ COMMITTED), with one-line answers
for what a user gets wrong: no store there, no driver, a bad URL.

Read-only commands must not create a database as a side effect of looking, and a
missing driver is a missing install step (the ``postgres`` extra), not a traceback.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from ..errors import LifecycleError, NotFound, StoreUnavailable

# The database driver module → the extra of lifecycle_lab that installs it.
DRIVER_EXTRAS = {"psycopg": "postgres"}
SUPPORTED = "sqlite:///PATH or postgresql+psycopg://… (pip install 'lifecycle_lab[postgres]')"


def display_url(url: str) -> str:
    """``url`` with its password masked, fit to print."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


class StoreNotFound(NotFound):
    """A read found no lifecycle store at the URL (and, being a read, created none)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"no lifecycle store at {display_url(url)}: check --db / $LIFECYCLE_LAB_DB_URL, or create one with "
            "`jupyter lifecycle init` (a new project) or `jupyter lifecycle import FILE` (a JSON export)"
        )
        self.url = url


def is_sqlite_store(path: Path) -> bool:
    """Whether ``path`` is an SQLite database holding a lifecycle store, looked at read-only (nothing is written)."""
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
            return found.fetchone() is not None
    except sqlite3.Error:  # not a database at all
        return False


class MissingDriver(LifecycleError):
    """The URL names a database driver that is not installed."""


def connect_engine(url: str, **options: Any) -> Engine:
    """``sqlalchemy.create_engine(url, **options)``, with a bad URL or a missing driver as a one-line error."""
    try:
        return sa.create_engine(url, **options)
    except NoSuchModuleError:  # a subclass of ArgumentError
        raise LifecycleError(f"{display_url(url)}: unknown kind of database; use {SUPPORTED}") from None
    except ArgumentError:
        raise LifecycleError(f"{display_url(url)!r} is not a database URL; use {SUPPORTED}") from None
    except ImportError as exc:  # SQLAlchemy imports the driver (DBAPI) module here
        module = (exc.name or str(exc)).split(".")[0]
        extra = DRIVER_EXTRAS.get(module)
        fix = (f"pip install 'lifecycle_lab[{extra}]'" if extra
               else f"install it, or use {SUPPORTED}")
        raise MissingDriver(f"{display_url(url)} needs the database driver {module!r}, which is not installed: "
                            f"{fix}") from None


class IntegrityFailure(StoreUnavailable):
    """A statement broke a constraint (a duplicate key, a missing parent row).

    The store answers the ones it expects itself (a duplicate project is a Conflict, an item of a vanished
    project a NotFound); any other leaves it as the StoreUnavailable it also is.
    """

    def __init__(self, error: IntegrityError) -> None:
        super().__init__(_first_line(error))
        self.driver_message = str(error.orig).splitlines()[0]  # the database's own words, without the class


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database error raised inside into :class:`StoreUnavailable` (one line: its statement left out)."""
    try:
        yield
    except IntegrityError as exc:
        raise IntegrityFailure(exc) from exc
    except SQLAlchemyError as exc:
        raise StoreUnavailable(_first_line(exc)) from exc


def _first_line(error: SQLAlchemyError) -> str:
    return f"database: {str(error).splitlines()[0]}"


BUSY_TIMEOUT_S = 60  # seconds a writer waits for the lock before failing


def lock_key(project_id: str) -> int:
    """A signed 64-bit advisory-lock key for a project."""
    return int.from_bytes(hashlib.sha256(project_id.encode()).digest()[:8], "big", signed=True)


def make_engine(url: str, *, create: bool = True) -> Engine:
    """The engine of a store URL: SQLite in WAL mode with ``BEGIN IMMEDIATE`` writes, PostgreSQL READ COMMITTED.

    ``create=False``: StoreNotFound for an SQLite file that holds no store (nothing is created).
    """
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            if not create and not is_sqlite_store(Path(database).expanduser()):
                raise StoreNotFound(url)
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = connect_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("lifecycle_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    # READ COMMITTED whatever the database's default: a writer must see the commit of the writer whose lock it
    # waited for (each statement a fresh snapshot), or it would append after a stale audit head.
    return connect_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")
