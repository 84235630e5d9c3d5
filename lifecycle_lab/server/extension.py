"""``LifecycleLabApp``: the jupyter-server extension and its configuration."""

from __future__ import annotations

from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Integer, List, TraitError, Unicode, validate


class LifecycleLabApp(ExtensionApp):
    """Serves the lifecycle checklist API to JupyterLab and other clients."""

    name = "lifecycle_lab"

    db_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the checklist store, e.g. postgresql+psycopg://user@host/db. "
        "Empty: $LIFECYCLE_LAB_DB_URL, else SQLite in the Jupyter data dir.",
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

    @validate("db_url")
    def _valid_db_url(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"].strip()
        if value and "://" not in value:
            raise TraitError(f"db_url must be a SQLAlchemy URL such as sqlite:////abs/path.sqlite, not {value!r}")
        return value

    @validate("max_body_bytes", "max_concurrent_runs")
    def _positive(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1")
        return proposal["value"]
