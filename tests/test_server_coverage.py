"""REST: framework coverage of a served project, and the Annex IV layout as a download."""

from __future__ import annotations

import json

from test_server_contract import conforms

from lifecycle_lab.service import Lifecycle, Project


async def test_coverage_is_served_as_the_contract_describes(api, served_project: Project, service: Lifecycle) -> None:
    # Given the failure modes recorded: they serve Articles 9 and Annex IV points 3 and 5
    service.set_item(served_project, "framing/failure-modes", {"status": "done", "evidence": {"rows": [
        {"mode": "<b>drift</b>", "severity": "high"}]}}, actor="alice")
    # When the coverage of two frameworks is asked for
    reply = await api("GET", f"projects/{served_project.id}/coverage",
                      params=[("framework", "eu-ai-act-high-risk"), ("framework", "nist-ai-600-1")])
    # Then both come back in that order, conforming to the contract
    assert reply.status == 200, reply.body
    assert conforms(reply.body, "CoverageList") == []
    high_risk, genai = reply.body["frameworks"]
    assert (high_risk["id"], genai["id"]) == ("eu-ai-act-high-risk", "nist-ai-600-1")
    annex_5 = next(c for c in high_risk["clause_status"] if c["id"] == "annex-iv-5")
    assert [(i["key"], i["satisfied"]) for i in annex_5["items"]] == [
        ("framing/failure-modes", True), ("governance/risk-assessment", False)]
    assert (genai["uncovered"], genai["percent"]) == (12, 0)


async def test_an_unknown_framework_is_a_400_and_an_unknown_project_a_404(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/coverage", params={"framework": "nist-csf"})
    assert reply.status == 400 and reply.body["message"].startswith("framework: unknown framework 'nist-csf'")
    reply = await api("GET", "projects/00000000-0000-0000-0000-000000000000/coverage")
    assert reply.status == 404


async def test_the_annex_iv_layout_downloads_with_its_own_file_name(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/export", params={"format": "json", "layout": "annex-iv"})
    assert reply.status == 200
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="credit-model-annex-iv-')
    assert conforms(reply.body, "AnnexIVDocument") == []
    assert reply.body["missing_points"] == list(range(1, 10))
    bad = await api("GET", f"projects/{served_project.id}/export", params={"format": "md", "layout": "annex-v"})
    assert bad.status == 400 and json.dumps(bad.body).count("layout") >= 1


async def test_the_project_view_carries_the_coverage_of_the_manifest_frameworks(
    api, served_project: Project, service: Lifecycle
) -> None:
    reply = await api("GET", f"projects/{served_project.id}")
    assert reply.status == 200 and reply.body["coverage"] == []  # the manifest lists none
    manifest = served_project.directory / "lifecycle.yaml"
    manifest.write_text(manifest.read_text() + "frameworks: [iso-42001]\n")
    reply = await api("GET", f"projects/{served_project.id}")
    assert reply.status == 200
    assert conforms(reply.body, "ProjectView") == []
    assert [(c["id"], c["clauses"], c["satisfied"], c["uncovered"]) for c in reply.body["coverage"]] == [
        ("iso-42001", 38, 0, 13)]
    manifest.write_text(manifest.read_text().replace("iso-42001", "iso-42010"))
    reply = await api("GET", f"projects/{served_project.id}")
    assert reply.status == 400 and "unknown framework 'iso-42010'" in reply.body["message"]
