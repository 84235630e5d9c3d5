"""Which database to open: explicit argument → ``LIFECYCLE_LAB_DB_URL`` → ``LifecycleLabApp.db_url`` → default.

The server, the CLI, widgets in a kernel and rerun workers all resolve the URL
this one way, so they share one store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_config_path, jupyter_data_dir
from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

DB_URL_ENV = "LIFECYCLE_LAB_DB_URL"
# The server's own config and the extension's (``jupyter_<ExtensionApp.name>_config``), which jupyter-server
# loads for LifecycleLabApp too: a db_url in either must reach the CLI, kernels and rerun workers as well.
_CONFIG_BASENAMES = ("jupyter_lifecycle_lab_config", "jupyter_server_config", "jupyter_lifecycle_config")


def default_db_url() -> str:
    """SQLite in the Jupyter data dir."""
    return f"sqlite:///{Path(jupyter_data_dir()) / 'lifecycle_lab.sqlite'}"


def configured_db_url() -> str | None:
    """``LifecycleLabApp.db_url`` from the Jupyter config files, if any sets it (later paths win)."""
    value = configured_setting("db_url")
    return value if isinstance(value, str) and value else None


def configured_setting(name: str) -> Any:
    """``LifecycleLabApp.<name>`` from the Jupyter config files, if any sets it (later paths win), else None."""
    found: Any = None
    for directory in reversed(jupyter_config_path()):  # lowest priority first
        for base in _CONFIG_BASENAMES:
            for loader_cls, ext in ((JSONFileConfigLoader, ".json"), (PyFileConfigLoader, ".py")):
                if not (Path(directory) / f"{base}{ext}").is_file():
                    continue
                try:
                    config = loader_cls(f"{base}{ext}", path=directory).load_config()
                except (ConfigFileNotFound, ValueError, SyntaxError):
                    continue
                section = config.get("LifecycleLabApp", {})
                if name in section:
                    found = section[name]
    return found


def resolve_db_url(explicit: str | None = None) -> str:
    """The database URL by the resolution order above."""
    return explicit or os.environ.get(DB_URL_ENV) or configured_db_url() or default_db_url()
