"""lifecycle_lab: a living model-lifecycle checklist for JupyterLab.

Inside a notebook, ``import lifecycle_lab as ll`` gives the inline forms
(``ll.problem_statement()``, ``ll.dataset(...)``, ...). The package is also a
jupyter-server extension and a prebuilt JupyterLab extension.

The forms are imported on first use (module ``__getattr__``), so importing the
package, the CLI or the server extension never imports ipywidgets, numpy or pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source checkout that was never built
    __version__ = "0.0.0+unknown"

WIDGETS: tuple[str, ...] = (
    "problem_statement", "failure_modes", "dataset", "hyperparameters", "evaluate", "item", "checklist",
    "from_mlflow",
)
__all__ = ["__version__", *WIDGETS]


def __getattr__(name: str) -> Any:
    """The notebook forms, imported on first use."""
    if name in WIDGETS:
        value = getattr(importlib.import_module(f".widgets.{name}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *WIDGETS})


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt front end."""
    return [{"src": "labextension", "dest": "lifecycle-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    """The jupyter-server extension this package provides."""
    from .server.extension import LifecycleLabApp

    return [{"module": "lifecycle_lab", "app": LifecycleLabApp}]
