"""``Lifecycle``: the one service behind every front door (REST handlers, the CLI, notebook widgets, rerun workers).

It joins the project manifest, the template, the store and the file system; the rules themselves live in
``domain/`` and SQL lives in ``store/``. Each concern is a part of its own; this class puts them together.
Build it with :func:`lifecycle_lab.config.make_service`.
"""

from __future__ import annotations

from .datasets import Datasets
from .history import History
from .items import Items
from .linting import Linting
from .projects import Projects
from .runrecords import RunRecords
from .views import Views


class Lifecycle(Projects, Items, Views, Datasets, Linting, History, RunRecords):
    """Operations on lifecycle projects, shared by every front door."""
