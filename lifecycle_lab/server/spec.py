"""The OpenAPI contract: ``openapi.yaml`` next to this module, served as JSON at ``/openapi.json``.

The document itself, with the evidence schemas the server validates against, is read in ``contract.py``,
which also validates each request body against it.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from .base import API_ROOT, LifecycleHandler
from .contract import SPEC_FILE, evidence_schema_name, load_spec

__all__ = ["HANDLERS", "SPEC_FILE", "OpenAPIHandler", "evidence_schema_name", "load_spec", "served_spec"]

@lru_cache(maxsize=4)
def served_spec(base_url: str) -> bytes:
    """The document as JSON, its server URL under this server's ``base_url``."""
    spec = copy.deepcopy(load_spec())
    spec["servers"] = [{"url": url_path_join(base_url, API_ROOT), "description": "this Jupyter server"}]
    return json.dumps(spec, ensure_ascii=False).encode()


class OpenAPIHandler(LifecycleHandler):
    """``GET /openapi.json``: the contract every other endpoint follows."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The OpenAPI 3 document (read and built on a worker thread the first time)."""
        self.write_json(await self.call(served_spec, self.base_url))


HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [(r"/openapi.json", OpenAPIHandler)]
