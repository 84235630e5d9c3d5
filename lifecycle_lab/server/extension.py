"""``LifecycleLabApp``: the jupyter-server extension, its configuration and its route table."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Dict, Integer, List, TraitError, Unicode, observe, validate

from ..errors import ValidationError
from ..notify.webhooks import parse_webhooks
from ..repro.executors import ExecutorChoice
from ..repro.runs import RunService
from ..service import Lifecycle
from ..store import open_store, resolve_db_url
from ..store.keys import KEY_ENV, KEY_FILE_ENV, resolve_audit_key
from ..store.url import DB_URL_ENV
from ..templates import TemplateRegistry, template_search_path
from . import coverage, export, handlers, lint, policy, runs, spec
from .base import API_ROOT, LifecycleHandler
from .paths import ServerRoot
from .viewcache import ViewCache

# Every REST module contributes its (pattern relative to API_ROOT, handler) pairs here.
ROUTES: list[tuple[str, type[LifecycleHandler]]] = [*handlers.HANDLERS, *runs.HANDLERS, *export.HANDLERS,
                                                    *spec.HANDLERS, *coverage.HANDLERS, *lint.HANDLERS,
                                                    *policy.HANDLERS]


class LifecycleLabApp(ExtensionApp):
    """Serves the lifecycle checklist API to JupyterLab and other clients."""

    name = "lifecycle_lab"

    db_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the checklist store, e.g. postgresql+psycopg://user@host/db. "
        "Empty: $LIFECYCLE_LAB_DB_URL, else SQLite in the Jupyter data dir.",
    )
    audit_key_file = Unicode(
        "",
        config=True,
        help="A file holding the secret that keys the audit chain (HMAC-SHA256; 32+ random bytes; docs/audit.md). "
        "Empty: $LIFECYCLE_LAB_AUDIT_KEY, then $LIFECYCLE_LAB_AUDIT_KEY_FILE, else an unkeyed chain. Kernels and "
        "rerun workers started by this server get its path in $LIFECYCLE_LAB_AUDIT_KEY_FILE.",
    )
    template_path = List(
        Unicode(),
        config=True,
        help="Extra folders searched for checklist templates, after the built-in ones and "
        "$LIFECYCLE_LAB_TEMPLATE_PATH.",
    )
    max_body_bytes = Integer(
        1 << 20, config=True, help="Largest request body accepted, in bytes; larger ones get 413."
    )
    max_concurrent_runs = Integer(
        2, config=True, help="Reproducibility reruns executing at once; further runs wait in a queue."
    )
    worker_threads = Integer(
        4, config=True,
        help="Threads in each of the two pools (GET requests; writes) that run the REST API's store and file "
        "work off the server's event loop. Two pools, so reads never queue behind writes waiting for the "
        "database lock.",
    )

    role_members = Dict(
        key_trait=Unicode(), value_trait=List(Unicode()), default_value={}, config=True,
        help="Who holds each role for sign-off policies (docs/policy.md): role id → user names and "
        "'group:NAME' for a JupyterHub group, e.g. {'security': ['eve', 'group:security-team']}.",
    )

    @observe("role_members")
    def _role_members_changed(self, change: dict[str, Any]) -> None:
        if hasattr(self, "service"):
            self.service.role_members = change["new"]

    # --- issue 20: executors and webhooks -------------------------------------------------------
    executor = Unicode(
        "", config=True,
        help="Where reruns execute: 'local' (worker processes on this host) or 'dask' (a task per notebook on a "
        "Dask cluster). Empty: $LIFECYCLE_LAB_EXECUTOR, else local.",
    )
    dask_scheduler = Unicode(
        "", config=True, help="The Dask scheduler's address for executor 'dask', e.g. tcp://10.0.0.5:8786. "
        "Empty: $LIFECYCLE_LAB_DASK_SCHEDULER.",
    )
    webhooks = List(
        Dict(), config=True,
        help="Webhooks told about every project's events: [{'url': ..., 'events': [verdict_changed, gate_changed, "
        "signoff_outdated, revalidation_overdue], 'secret' or 'secret_env': ...}] (events: all when omitted). "
        "Empty: $LIFECYCLE_LAB_WEBHOOKS (a JSON list).",
    )

    @validate("webhooks")
    def _valid_webhooks(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            parse_webhooks(proposal["value"], "LifecycleLabApp.webhooks")
        except ValidationError as exc:
            raise TraitError(str(exc)) from None
        return proposal["value"]

    @validate("db_url")
    def _valid_db_url(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"].strip()
        if value and "://" not in value:
            raise TraitError(f"db_url must be a SQLAlchemy URL such as sqlite:////abs/path.sqlite, not {value!r}")
        return value

    @validate("max_body_bytes", "max_concurrent_runs", "worker_threads")
    def _positive(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1")
        return proposal["value"]

    def store_url(self) -> str:
        """The store this server uses: $LIFECYCLE_LAB_DB_URL, then ``db_url``, then the default (DESIGN order)."""
        return resolve_db_url(os.environ.get(DB_URL_ENV) or self.db_url or None)

    def initialize_settings(self) -> None:
        """Open the store (migrating it), the service, the run service, the worker pools and the view cache."""
        self.root = ServerRoot(self.serverapp.contents_manager.root_dir)
        templates = TemplateRegistry(template_search_path(self.template_path))
        if self.audit_key_file and not (os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV)):
            os.environ[KEY_FILE_ENV] = self.audit_key_file  # every process this server starts keys alike
        webhooks = parse_webhooks(self.webhooks, "LifecycleLabApp.webhooks") if self.webhooks else None
        self.service = Lifecycle(open_store(self.store_url(), resolve_audit_key()), templates, webhooks=webhooks)
        self.service.role_members = self.role_members
        self.runs = RunService(self.service, max_concurrent=self.max_concurrent_runs,
                               executor=ExecutorChoice.resolve(self.executor or None, self.dask_scheduler or None))
        self.executors = {
            kind: ThreadPoolExecutor(self.worker_threads, thread_name_prefix=f"lifecycle-lab-{kind}")
            for kind in ("read", "write")
        }
        self.views = ViewCache(self.service, self.root)
        self.log.info("lifecycle_lab: store %s, API at /%s", self.service.store.engine.url, API_ROOT)

    def initialize_handlers(self) -> None:
        """Mount every route under ``/lifecycle-lab/api``."""
        self.handlers.extend((url_path_join(API_ROOT, pattern), handler) for pattern, handler in ROUTES)

    async def stop_extension(self) -> None:
        """Drop queued store calls and release the store's pooled connections (it reconnects if used again)."""
        for executor in self.executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
        self.service.store.close()
