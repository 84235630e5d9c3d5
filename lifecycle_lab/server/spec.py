"""The OpenAPI contract: ``openapi.yaml`` next to this module, served as JSON at ``/openapi.json``."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from .base import API_ROOT, LifecycleHandler

SPEC_FILE = Path(__file__).with_name("openapi.yaml")


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    """The OpenAPI document as written in ``openapi.yaml``."""
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


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
        """The OpenAPI 3 document."""
        self.write_json(served_spec(self.base_url))


HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [(r"/openapi.json", OpenAPIHandler)]
