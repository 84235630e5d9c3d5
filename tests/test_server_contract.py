"""The OpenAPI contract covers exactly the routes served, and every operation documents its errors."""

from __future__ import annotations

import re

import pytest

from lifecycle_lab.server.extension import ROUTES
from lifecycle_lab.server.spec import load_spec

SPEC = load_spec()
OPERATIONS = [(method, path, op) for path, item in SPEC["paths"].items() for method, op in item.items()
              if method in {"get", "post", "put", "patch", "delete"}]


def test_every_route_is_in_the_contract_and_every_contract_path_is_routed() -> None:
    patterns = [re.compile(pattern) for pattern, _ in ROUTES]
    concrete = [re.sub(r"\{[^}]+\}", "x", path) for path in SPEC["paths"]]
    assert [c for c in concrete if not any(rx.fullmatch(c) for rx in patterns)] == []
    assert [rx.pattern for rx in patterns if not any(rx.fullmatch(c) for c in concrete)] == []


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_operation_documents_403_and_has_an_id(method: str, path: str, operation: dict) -> None:
    assert "403" in operation["responses"] and operation["operationId"]


@pytest.mark.parametrize(("method", "path", "operation"), [o for o in OPERATIONS if "requestBody" in o[2]],
                         ids=[f"{m} {p}" for m, p, o in OPERATIONS if "requestBody" in o])
def test_every_operation_with_a_body_documents_400_and_413(method: str, path: str, operation: dict) -> None:
    assert {"400", "413"} <= set(operation["responses"])
