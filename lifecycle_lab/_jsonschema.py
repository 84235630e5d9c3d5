"""Import ``jsonschema`` without its optional IRI-format dependency, which costs ~0.8 s per process.

``jsonschema`` imports ``rfc3987_syntax`` (when installed) at import time, and that
module compiles a Lark grammar. We never check the ``iri`` format, so the CLI,
the rerun worker and notebook kernels import jsonschema with that module hidden.
When jsonschema is already imported (as inside jupyter-server) this does nothing.
"""

from __future__ import annotations

import sys

if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import raise ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]

from jsonschema import Draft202012Validator

__all__ = ["Draft202012Validator"]
