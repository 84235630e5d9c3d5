"""The OpenAPI contract covers exactly the routes served, and every operation documents its errors."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from lifecycle_lab.server.extension import ROUTES
from lifecycle_lab.server.spec import load_spec
from lifecycle_lab.service import Lifecycle, Project

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


MINIMAL_EVIDENCE = {
    "check": None, "text": {"text": "t"}, "problem_statement": {"statement": "s"},
    "failure_modes": {"rows": [{"mode": "m", "severity": "high"}]}, "hyperparameters": {"params": {"lr": 0.1}},
    "metrics": {"metric": "auc", "results": [{"segment": "all", "value": 0.9}]}, "link": {"url": "https://x.org"},
    "date": {"date": "2031-01-01"}, "decision_log": {"entries": [{"decision": "d"}]},
    "lint": {"linted_at": "2031-01-01T00:00:00Z", "counts": {"error": 0, "warning": 1, "info": 0}},
}


def conforms(document: object, schema_name: str) -> list[str]:
    """Problems of ``document`` against a component schema of the served contract (empty when it conforms)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(document)]


async def test_a_fully_used_project_is_described_exactly_by_the_contract(
    api, served_project: Project, service: Lifecycle
) -> None:
    # Given a project with every kind of state: a dataset whose file changed, verified notebooks, every
    # item filled, an outdated and a current sign-off, an overdue item
    folder = served_project.directory
    (folder / "train.csv").write_text("a,b\n1,2\n")
    version, _ = service.add_dataset(served_project, "train.csv", name="train", actor="alice")
    (folder / "train.csv").write_text("a,b\n1,2\n3,4\n")
    (folder / "train.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    dataset = {"dataset": "train", "version": version.version, "fingerprint": version.sha256}
    evidence = {**MINIMAL_EVIDENCE, "datasets": {"versions": [dataset]},
                "rerun": {"run_id": "r", "verdict": "reproduced", "notebooks": [{"path": "train.ipynb"}],
                          "datasets": [dataset]}}
    for item in served_project.template.items():
        service.set_item(served_project, item.key, {"status": "done", "owner": "dana", "due": "2000-01-01",
                                                    "evidence": evidence[item.evidence]}, actor="alice")
    service.set_item(served_project, "framing/risk-tier", {"status": "in_progress"}, actor="alice")
    stage = next(s for s in served_project.template.stages if len(s.gate.signoffs) > 1)
    service.signoff(served_project, stage.id, stage.gate.signoffs[0], "approve", actor="sam")
    service.set_item(served_project, stage.items[0].key, {"notes": "later"}, actor="alice")
    service.signoff(served_project, stage.id, stage.gate.signoffs[1], "reject", actor="lee", comment="no")
    # Then every answer matches its schema in the contract
    base = f"projects/{served_project.id}"
    view = (await api("GET", base)).body
    assert view["overdue"] == ["framing/risk-tier"] and view["stale"] and view["datasets"][0]["status"] == "changed"
    assert [s["outdated"] for s in view["signoffs"]] == [True, False]
    assert conforms(view, "ProjectView") == []
    assert conforms((await api("GET", f"{base}/gates")).body, "GateList") == []
    assert conforms((await api("GET", f"{base}/audit", params={"verify": "1"})).body, "AuditLog") == []
    assert conforms((await api("GET", f"{base}/changes", params={"since": 3})).body, "ChangeFeed") == []
    assert conforms((await api("GET", f"{base}/items/framing/risk-tier")).body, "Item") == []
    assert conforms((await api("GET", "templates/default")).body, "Template") == []
