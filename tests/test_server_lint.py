"""REST: ``GET/POST /projects/{id}/lint`` and ``POST /projects/{id}/datasets/discover``."""

from __future__ import annotations

import pytest
from jsonschema import Draft4Validator
from lint_cases import write_notebook
from test_lint_sarif import SCHEMA
from test_server_contract import conforms

from lifecycle_lab.service import Lifecycle, Project

LINT_ITEM = "experimentation/reproducibility-lint"


@pytest.fixture
def linted(served_project: Project, service: Lifecycle) -> Project:
    """The served project with two notebooks: unseeded draws, and a read of an unregistered CSV."""
    folder = served_project.directory
    (folder / "data").mkdir()
    (folder / "data" / "extra.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    write_notebook(folder / "train.ipynb", [("import numpy as np\nrng = np.random.default_rng()", 1, []),
                                            ("rng.normal()", 2, [])])
    write_notebook(folder / "load.ipynb", [("import pandas as pd\nextra = pd.read_csv('data/extra.csv')", 1, [])])
    return served_project


async def test_get_lint_lists_findings_and_unregistered_data_as_the_contract_says(api, linted: Project) -> None:
    reply = await api("GET", f"projects/{linted.id}/lint")
    assert reply.status == 200
    assert conforms(reply.body, "LintReport") == []
    found = {(f["path"], f["rule"], f["cell"]) for f in reply.body["findings"]}
    assert {("train.ipynb", "unseeded-random", 0), ("train.ipynb", "unseeded-random", 1),
            ("load.ipynb", "unregistered-data", 0), ("lifecycle.yaml", "unpinned-environment", None)} <= found
    assert [f["path"] for f in reply.body["unregistered"]] == ["data/extra.csv"]


async def test_get_lint_of_named_notebooks_and_as_sarif(api, linted: Project) -> None:
    reply = await api("GET", f"projects/{linted.id}/lint", params={"notebook": "load.ipynb"})
    assert {f["path"] for f in reply.body["findings"]} == {"load.ipynb", "lifecycle.yaml"}
    sarif = await api("GET", f"projects/{linted.id}/lint", params={"format": "sarif"})
    assert sarif.status == 200 and list(Draft4Validator(SCHEMA).iter_errors(sarif.body)) == []


@pytest.mark.parametrize(("query", "field"), [({"notebook": "missing.ipynb"}, "notebook"),
                                              ({"notebook": "../../etc/passwd"}, "notebook"),
                                              ({"format": "xml"}, "format")])
async def test_bad_lint_requests_are_400_with_a_message(api, linted: Project, query: dict, field: str) -> None:
    reply = await api("GET", f"projects/{linted.id}/lint", params=query)
    assert reply.status == 400 and reply.body["message"] and reply.body["field"] == field


async def test_lint_of_an_unknown_project_is_404(api) -> None:
    reply = await api("GET", "projects/no-such-project/lint")
    assert reply.status == 404 and reply.body["message"]


async def test_post_lint_records_evidence_that_goes_stale_when_a_notebook_changes(
    api, linted: Project, service: Lifecycle
) -> None:
    reply = await api("POST", f"projects/{linted.id}/lint", json={})
    assert reply.status == 200 and reply.body["recorded"] == [LINT_ITEM]
    evidence = service.store.item(linted.id, LINT_ITEM).evidence
    assert evidence["counts"]["warning"] >= 3 and {nb["path"] for nb in evidence["notebooks"]} == {
        "train.ipynb", "load.ipynb"}
    view = (await api("GET", f"projects/{linted.id}")).body
    assert LINT_ITEM not in view["stale"]
    write_notebook(linted.directory / "train.ipynb", [("import numpy as np\nrng = np.random.default_rng(0)", 1, [])])
    view = (await api("GET", f"projects/{linted.id}")).body
    assert view["stale"][LINT_ITEM] == ["notebook train.ipynb changed after the lint that checked it"]


async def test_discover_registers_the_unregistered_data_in_one_call(api, linted: Project, service: Lifecycle) -> None:
    reply = await api("POST", f"projects/{linted.id}/datasets/discover", json={})
    assert reply.status == 200 and conforms(reply.body, "DiscoveredDatasets") == []
    assert [(d["name"], d["path"], d["created"]) for d in reply.body["datasets"]] == [
        ("extra.csv", "data/extra.csv", True)]
    assert [v.path for v in service.store.latest_datasets(linted.id)] == ["data/extra.csv"]
    after = await api("GET", f"projects/{linted.id}/lint")
    assert after.body["unregistered"] == []
    assert "unregistered-data" not in {f["rule"] for f in after.body["findings"]}

