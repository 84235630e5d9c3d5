"""The service: the one door to the store for every front door (REST, CLI, widgets, reruns, reports).

``Lifecycle`` (projects, items, sign-offs, views, datasets, lint, history, run records) and
``service.runs.RunService`` (reproducibility reruns) are the contract; the record types they return are
re-exported here, so no front door imports ``store``.
"""

from ..store import AuditEvent, ChainCheck, DatasetVersion, ProjectRecord
from ..store.store import ItemWrite
from ..store.transfer import state_project
from .lifecycle import Lifecycle
from .records import DATASET_ITEM, DatasetCheck, Project, Snapshot, dataset_item, template_json
from .runrecords import Run, RunNotebook, RunProgress
from .views import REVALIDATION_LOOKBACK

__all__ = [
    "DATASET_ITEM", "REVALIDATION_LOOKBACK", "AuditEvent", "ChainCheck", "DatasetCheck", "DatasetVersion",
    "ItemWrite", "Lifecycle", "Project", "ProjectRecord", "Run", "RunNotebook", "RunProgress", "Snapshot",
    "dataset_item", "state_project", "template_json",
]
