"""Sign-off policy through REST: each rule refuses with its status and name, then allows; what a user may sign."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lifecycle_lab.service import Lifecycle, Project

Api = Callable[..., Awaitable[Any]]
RISK = "governance/risk-assessment"
PRIVACY = "governance/privacy-controls"


def add_policy(project: Project, policy: str) -> None:
    """Append ``policy:`` lines to the project's manifest (the server reads it on every request)."""
    manifest = project.directory / "lifecycle.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "policy:\n" + policy, encoding="utf-8")


@pytest.fixture
def extension(jp_serverapp: Any) -> Any:
    """The running LifecycleLabApp, whose ``role_members`` setting a test changes as a deployment would."""
    [app] = list(jp_serverapp.extension_manager.extension_apps["lifecycle_lab"])
    return app


def approve(api: Api, project: Project, role: str = "security") -> Awaitable[Any]:
    return api("POST", f"projects/{project.id}/signoffs",
               json={"stage": "governance", "role": role, "decision": "approve"})


async def test_each_policy_rule_refuses_with_its_status_and_name_then_allows(
        api: Api, served_project: Project, service: Lifecycle, extension: Any) -> None:
    add_policy(served_project, f"  governance:\n    roles: [security]\n    separation_of_duties: true\n"
                               f"    require_evidence: [{RISK}]\n")
    person = (await api("GET", f"projects/{served_project.id}")).body["user"]
    user, actor = person["username"], person["actor"]

    refused = await approve(api, served_project)
    assert refused.status == 403 and refused.body["rule"] == "role"
    assert f"{actor} is not mapped to role 'security'" in refused.body["message"]
    extension.role_members = {"security": [user]}
    outside = await approve(api, served_project, role="legal")
    assert outside.status == 403 and outside.body["rule"] == "role"

    refused = await approve(api, served_project)
    assert refused.status == 409 and refused.body["rule"] == "evidence"
    assert f"{RISK} has no link evidence" in refused.body["message"]
    service.set_item(served_project, RISK, {"evidence": {"url": "https://example.org/risk"}}, actor="alice")

    edit = await api("PATCH", f"projects/{served_project.id}/items/{PRIVACY}", json={"notes": "mine"},
                     headers={"If-Match": "*"})
    assert edit.status == 200, edit.body
    refused = await approve(api, served_project)
    assert refused.status == 403 and refused.body["rule"] == "separation_of_duties"
    allowed = (await api("GET", f"projects/{served_project.id}/signoffs/allowed")).body
    [security] = allowed["stages"]["governance"]["roles"]
    assert allowed["roles"] == ["security"]
    assert security == {**security, "role": "security", "approve": False, "reject": True,
                        "rule": "separation_of_duties"}

    service.role_members = {"security": ["bob"]}
    service.signoff(served_project, "governance", "security", "approve", actor="bob")
    done = await approve(api, served_project)
    assert done.status == 201 and done.body["user"] == actor
    allowed = (await api("GET", f"projects/{served_project.id}/signoffs/allowed")).body
    assert allowed["stages"]["governance"]["roles"][0]["approve"] is True


async def test_without_a_policy_anyone_signs_as_before_and_allowed_lists_every_gate_role(
        api: Api, served_project: Project) -> None:
    allowed = await api("GET", f"projects/{served_project.id}/signoffs/allowed")
    assert allowed.status == 200
    governance = allowed.body["stages"]["governance"]
    assert governance["policy"] is None
    assert [(r["role"], r["approve"], r["required"]) for r in governance["roles"]] == [
        ("security", True, True), ("legal", True, True), ("product", True, True)]
    assert (await approve(api, served_project, role="legal")).status == 201


async def test_model_card_downloads_as_a_readme_that_huggingface_hub_reads(
        jp_fetch: Callable[..., Awaitable[Any]], served_project: Project, service: Lifecycle, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    service.set_item(served_project, "validation/segment-performance", {"evidence": {
        "metric": "auc", "results": [{"segment": "all", "value": 0.8, "ci_low": 0.7, "ci_high": 0.9}]}},
        actor="alice")
    response = await jp_fetch("lifecycle-lab", "api", "projects", served_project.id, "export",
                              params={"format": "model-card"}, raise_error=False)
    assert response.code == 200 and response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="credit-model-model-card-')
    (tmp_path / "README.md").write_bytes(response.body)
    [result] = huggingface_hub.ModelCard.load(tmp_path / "README.md").data.eval_results
    assert result.metric_value == 0.8 and "CI [0.7, 0.9]" in result.metric_name
