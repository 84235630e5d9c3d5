"""``LifecycleLabApp``: the jupyter-server extension, its configuration and its route table."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import observe

from ..config import CONFIG_SECTION, KEY_ENV, KEY_FILE_ENV, Settings, make_run_service, make_service
from . import coverage, export, handlers, lint, policy, runs, spec
from .base import API_ROOT, LifecycleHandler
from .paths import ServerRoot
from .viewcache import ViewCache

# Every REST module contributes its (pattern relative to API_ROOT, handler) pairs here.
ROUTES: list[tuple[str, type[LifecycleHandler]]] = [*handlers.HANDLERS, *runs.HANDLERS, *export.HANDLERS,
                                                    *spec.HANDLERS, *coverage.HANDLERS, *lint.HANDLERS,
                                                    *policy.HANDLERS]


class LifecycleLabApp(ExtensionApp, Settings):
    """Serves the lifecycle checklist API to JupyterLab and other clients.

    Its settings are :class:`~lifecycle_lab.config.Settings`' traits (``c.LifecycleLabApp.<name>``), resolved in
    the one order: the environment wins over this configuration.
    """

    name = "lifecycle_lab"

    @observe("role_members")
    def _role_members_changed(self, change: dict[str, Any]) -> None:
        if hasattr(self, "service"):
            self.service.role_members = change["new"]

    def lifecycle_settings(self) -> Settings:
        """This server's settings: its configuration, overridden by the environment (the one order)."""
        return Settings.resolve(config={CONFIG_SECTION: self.values()})

    def store_url(self) -> str:
        """The store this server uses: $LIFECYCLE_LAB_DB_URL, then ``db_url``, then the default."""
        return self.lifecycle_settings().resolved_db_url

    def initialize_settings(self) -> None:
        """Open the store (migrating it), the service, the run service, the worker pools and the view cache."""
        self.root = ServerRoot(self.serverapp.contents_manager.root_dir)
        settings = self.lifecycle_settings()
        if settings.audit_key_file and not (os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV)):
            os.environ[KEY_FILE_ENV] = settings.audit_key_file  # every process this server starts keys alike
        self.service = make_service(settings)
        self.runs = make_run_service(self.service)
        self.executors = {
            kind: ThreadPoolExecutor(self.worker_threads, thread_name_prefix=f"lifecycle-lab-{kind}")
            for kind in ("read", "write")
        }
        self.views = ViewCache(self.service, self.root)
        self.log.info("lifecycle_lab: store %s, API at /%s", self.service.display_url, API_ROOT)

    def initialize_handlers(self) -> None:
        """Mount every route under ``/lifecycle-lab/api``."""
        self.handlers.extend((url_path_join(API_ROOT, pattern), handler) for pattern, handler in ROUTES)

    async def stop_extension(self) -> None:
        """Start no more runs, drop queued store calls and dispose of the store's pooled connections."""
        self.runs.close()
        for executor in self.executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
        self.service.close()
