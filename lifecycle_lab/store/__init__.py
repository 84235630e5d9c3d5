"""Persistence: SQLAlchemy tables, Alembic migrations, the hash-chained audit log."""

from .audit import AuditEvent, ChainCheck
from .datasets import DatasetVersion
from .store import ProjectRecord, Store, open_store
from .url import resolve_db_url

__all__ = ["AuditEvent", "ChainCheck", "DatasetVersion", "ProjectRecord", "Store", "open_store", "resolve_db_url"]
