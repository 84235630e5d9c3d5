"""Persistence: SQLAlchemy tables, Alembic migrations, the hash-chained audit log (private to the service)."""

from .audit import AuditEvent, ChainCheck
from .datasets import DatasetVersion
from .store import ProjectRecord, Store

__all__ = ["AuditEvent", "ChainCheck", "DatasetVersion", "ProjectRecord", "Store"]
