"""lifecycle_lab: a living model-lifecycle checklist for JupyterLab.

Inside a notebook, ``import lifecycle_lab as ll`` gives the inline forms
(``ll.problem_statement()``, ``ll.dataset(...)``, ...). The package is also a
jupyter-server extension and a prebuilt JupyterLab extension.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # running from a source checkout that was never built
    __version__ = "0.0.0+unknown"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt front end."""
    return [{"src": "labextension", "dest": "lifecycle-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    """The jupyter-server extension this package provides."""
    from .server.extension import LifecycleLabApp

    return [{"module": "lifecycle_lab", "app": LifecycleLabApp}]
