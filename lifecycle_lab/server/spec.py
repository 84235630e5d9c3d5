"""The OpenAPI contract: ``openapi.yaml`` next to this module, served as JSON at ``/openapi.json``.

The evidence schemas are not repeated in the YAML: they are added from ``evidence.SCHEMAS``, the
definitions the server validates against, so the contract cannot drift from the validation.
"""

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

from ..evidence import KINDS, SCHEMAS
from .base import API_ROOT, LifecycleHandler

SPEC_FILE = Path(__file__).with_name("openapi.yaml")


def evidence_schema_name(kind: str) -> str:
    """The component name of an evidence kind's schema: ``failure_modes`` → ``FailureModesEvidence``."""
    return "".join(part.title() for part in kind.split("_")) + "Evidence"


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    """The OpenAPI document: ``openapi.yaml`` with the evidence schemas the server validates against."""
    spec = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["EvidenceKind"]["enum"] = list(KINDS)
    for kind in KINDS:
        schemas[evidence_schema_name(kind)] = copy.deepcopy(SCHEMAS[kind])
    schemas["Evidence"]["anyOf"] = [{"type": "null"}] + [
        {"$ref": f"#/components/schemas/{evidence_schema_name(kind)}"} for kind in KINDS if kind != "check"
    ]
    return spec


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
