"""Sign-off policy: each rule refuses, names itself, and then allows once its condition is met (service level).

The CLI and REST tests (``test_policy_doors.py``) check the same rules through those doors.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lifecycle_lab.errors import Conflict, TemplateError
from lifecycle_lab.policy import POLICY_SCHEMA, STAGE_POLICY_SCHEMA, PolicyRefused, roles_of
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.templates import TemplateRegistry, builtin_template_dir, load_template

RISK = "governance/risk-assessment"


def with_policy(service: Lifecycle, project: Project, policy: str) -> Project:
    """The project with ``policy`` (YAML lines under ``policy:``) added to its manifest, reopened."""
    manifest = project.directory / "lifecycle.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "policy:\n" + policy, encoding="utf-8")
    return service.open_project(project.directory, actor="alice")


def refused(rule: str, call: object) -> PolicyRefused:
    """The PolicyRefused a call raised, checked to name ``rule``."""
    with pytest.raises(PolicyRefused) as caught:
        call()  # type: ignore[operator]
    assert caught.value.rule == rule and caught.value.message.startswith(f"{rule}:")
    return caught.value


def test_template_schema_and_policy_module_state_the_same_stage_policy() -> None:
    import json

    schema = json.loads((builtin_template_dir() / "schema.json").read_text(encoding="utf-8"))
    in_template = schema["$defs"]["policy"]
    assert set(in_template["properties"]) == set(STAGE_POLICY_SCHEMA["properties"])
    assert POLICY_SCHEMA["additionalProperties"] is STAGE_POLICY_SCHEMA


def test_roles_come_from_user_names_and_hub_groups() -> None:
    members = {"security": ["eve", "group:sec-team"], "legal": ["dana"], "product": ["group:pm"]}
    assert roles_of("eve", [], members) == {"security"}
    assert roles_of("zoe", ["sec-team", "pm"], members) == {"security", "product"}
    assert roles_of("sec-team", [], members) == set()  # a user named like a group is not its member


def test_separation_of_duties_refuses_whoever_changed_the_stage_then_allows_another_reviewer(
        service: Lifecycle, project: Project) -> None:
    service.role_members = {"security": ["alice", "bob"]}
    project = with_policy(service, project, "  governance:\n    separation_of_duties: true\n")
    service.set_item(project, RISK, {"status": "in_progress"}, actor="alice")
    error = refused("separation_of_duties", lambda: service.signoff(project, "governance", "security", "approve",
                                                                    actor="alice"))
    assert error.status == 403 and "alice changed an item of stage 'governance'" in error.message
    service.signoff(project, "governance", "security", "approve", actor="bob")
    # Since bob's approval alice changed nothing, so she may now approve the stage as it is.
    service.signoff(project, "governance", "security", "approve", actor="alice")
    service.set_item(project, "governance/privacy-controls", {"notes": "new"}, actor="bob")
    refused("separation_of_duties", lambda: service.signoff(project, "governance", "security", "approve",
                                                            actor="bob"))


def test_role_mapping_refuses_unmapped_users_and_roles_outside_the_policy_then_allows_group_members(
        service: Lifecycle, project: Project) -> None:
    service.role_members = {"security": ["group:sec-team"], "legal": ["dana"]}
    project = with_policy(service, project, "  governance:\n    roles: [security, legal]\n")
    error = refused("role", lambda: service.signoff(project, "governance", "security", "approve", actor="carol"))
    assert "carol is not mapped to role 'security'" in error.message and error.status == 403
    refused("role", lambda: service.signoff(project, "governance", "product", "approve", actor="dana"))
    refused("role", lambda: service.signoff(project, "governance", "legal", "reject", actor="carol",
                                            comment="no"))
    service.signoff(project, "governance", "security", "approve", actor="carol", groups=["sec-team"])
    service.signoff(project, "governance", "legal", "reject", actor="dana", comment="needs a DPIA")
    assert [(s.role, s.user) for s in service.store.signoffs(project.id)] == [("security", "carol"),
                                                                             ("legal", "dana")]


def test_required_evidence_refuses_approval_until_present_then_allows(service: Lifecycle, project: Project) -> None:
    service.role_members = {"security": ["eve"]}
    project = with_policy(service, project, f"  governance:\n    require_evidence: [{RISK}]\n")
    error = refused("evidence", lambda: service.signoff(project, "governance", "security", "approve", actor="eve"))
    assert error.status == 409 and f"{RISK} has no link evidence" in error.message
    service.signoff(project, "governance", "security", "reject", actor="eve", comment="no risk assessment")
    service.set_item(project, RISK, {"evidence": {"url": "https://example.org/ra"}}, actor="alice")
    service.signoff(project, "governance", "security", "approve", actor="eve")


def test_required_items_evidence_must_pass_a_rerun_that_differs_refuses(service: Lifecycle,
                                                                        project: Project) -> None:
    service.role_members = {"model-owner": ["amara"]}
    project = with_policy(service, project, "  experimentation:\n    roles: [model-owner]\n"
                                            "    require_evidence: required\n")
    key = "experimentation/reproducibility-rerun"
    for item in project.template.stage("experimentation").items:
        if item.required and item.key != key:
            service.set_item(project, item.key, {"status": "not_applicable", "justification": "n/a"}, actor="alice")
    service.set_item(project, key, {"evidence": {"run_id": "r1", "verdict": "differs"}}, actor="alice")
    error = refused("evidence", lambda: service.signoff(project, "experimentation", "model-owner", "approve",
                                                        actor="amara"))
    assert error.message.endswith(f"{key}: the last rerun's verdict is differs")
    service.set_item(project, key, {"evidence": {"run_id": "r2", "verdict": "reproduced"}}, actor="alice")
    service.signoff(project, "experimentation", "model-owner", "approve", actor="amara")


def test_expired_approval_is_outdated_and_closes_the_gate_until_approved_again(tmp_path: Path) -> None:
    now = [dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)]
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    service = Lifecycle(store, clock=lambda: now[0].strftime("%Y-%m-%dT%H:%M:%SZ"), today=lambda: now[0].date())
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "lifecycle.yaml").write_text(
        "id: 0b6f5c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e\nname: P\ntemplate: minimal\n"
        "policy:\n  review:\n    expires_after_days: 30\n", encoding="utf-8")
    project = service.open_project(folder, actor="alice")
    stage = project.template.stage("review")
    for key in [item.key for item in stage.items] + list(stage.gate.requires):
        service.set_item(project, key, {"status": "not_applicable", "justification": "n/a"}, actor="alice")
    service.role_members = {r: ["rita"] for r in stage.gate.signoffs}
    for signer in stage.gate.signoffs:
        service.signoff(project, "review", signer, "approve", actor="rita")
    assert service.summary(project).gates["review"].passed
    now[0] += dt.timedelta(days=31)
    summary = service.summary(project)
    gate = summary.gates["review"]
    assert not gate.passed and {b.kind for b in gate.blockers} == {"signoff_expired"}
    assert "older than 30 days" in gate.blockers[0].message
    assert summary.outdated_signoffs == {s.id for s in summary.signoffs}
    for signer in stage.gate.signoffs:
        service.signoff(project, "review", signer, "approve", actor="rita")
    assert service.summary(project).gates["review"].passed
    store.close()


def test_manifest_policy_naming_what_the_template_lacks_names_file_and_line(service: Lifecycle,
                                                                           project: Project) -> None:
    project = with_policy(service, project, "  governance:\n    roles: [security, janitor]\n"
                                            "  nowhere:\n    separation_of_duties: true\n")
    with pytest.raises(TemplateError) as caught:
        service.summary(project)
    manifest = project.directory / "lifecycle.yaml"
    lines = manifest.read_text().splitlines()
    janitor = next(i for i, line in enumerate(lines, 1) if "janitor" in line)
    nowhere = next(i for i, line in enumerate(lines, 1) if "nowhere" in line)
    assert caught.value.problems == [
        f"{manifest}:{janitor}: policy.governance.roles[1]: unknown role 'janitor'",
        f"{manifest}:{nowhere}: policy.nowhere: template 'default' has no stage 'nowhere'"]


def test_malformed_policy_is_refused_with_file_and_line(service: Lifecycle, project: Project) -> None:
    manifest = project.directory / "lifecycle.yaml"
    manifest.write_text(manifest.read_text() + "policy:\n  governance:\n    expires_after_days: soon\n")
    with pytest.raises(TemplateError, match=r"lifecycle\.yaml:\d+: policy\.governance\.expires_after_days: "
                                            r"'soon' is not of type 'integer'"):
        service.open_project(project.directory, actor="alice")


def test_template_stage_policy_is_validated_and_applies(tmp_path: Path, service: Lifecycle) -> None:
    base = (builtin_template_dir() / "minimal.yaml").read_text(encoding="utf-8")
    bad = base.replace("id: minimal", "id: strict", 1).replace(
        "  - id: scope\n", "  - id: scope\n    policy:\n      roles: [nobody]\n", 1)
    (tmp_path / "strict.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"strict\.yaml:\d+: stages\[0\]\.policy\.roles\[0\]: policy names "
                                            r"unknown role 'nobody'"):
        load_template(tmp_path / "strict.yaml")
    good = bad.replace("roles: [nobody]", "separation_of_duties: true")
    (tmp_path / "strict.yaml").write_text(good, encoding="utf-8")
    service.templates = TemplateRegistry([builtin_template_dir(), tmp_path])
    folder = tmp_path / "p"
    folder.mkdir()
    project = service.init_project(folder, actor="alice", template="strict")
    role = "model-owner"  # the stage's gate names no role, so any template role may sign it
    service.role_members = {role: ["alice"]}
    service.set_item(project, "scope/problem-statement", {"status": "in_progress"}, actor="alice")
    refused("separation_of_duties", lambda: service.signoff(project, "scope", role, "approve", actor="alice"))


def test_stage_changed_between_check_and_record_is_a_conflict(service: Lifecycle, project: Project,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    service.role_members = {"security": ["eve"]}
    project = with_policy(service, project, "  governance:\n    separation_of_duties: true\n")
    check = service._check_policy

    def check_then_someone_edits(*args: object) -> str:
        snapshot = check(*args)  # type: ignore[arg-type]
        service.set_item(project, RISK, {"notes": "edited meanwhile"}, actor="mallory")
        return snapshot

    monkeypatch.setattr(service, "_check_policy", check_then_someone_edits)
    with pytest.raises(Conflict, match="changed while its policy was checked"):
        service.signoff(project, "governance", "security", "approve", actor="eve")
    assert service.store.signoffs(project.id) == []


def test_what_a_user_may_sign_lists_each_role_with_the_refusing_rule(service: Lifecycle, project: Project) -> None:
    service.role_members = {"security": ["eve"], "legal": ["eve"]}
    project = with_policy(service, project, f"  governance:\n    roles: [security, legal]\n"
                                            f"    require_evidence: [{RISK}]\n")
    signable = service.signable(project, actor="eve")
    assert signable["roles"] == ["legal", "security"]
    governance = {r["role"]: r for r in signable["stages"]["governance"]["roles"]}
    assert set(governance) == {"security", "legal"}
    assert governance["security"]["reject"] is True and governance["security"]["approve"] is False
    assert governance["security"]["rule"] == "evidence"
    framing = signable["stages"]["framing"]
    assert framing["policy"] is None and framing["roles"][0]["approve"] is True  # no policy: as before
    other = {r["role"]: r for r in service.signable(project, actor="zoe")["stages"]["governance"]["roles"]}
    assert other["legal"] == {**other["legal"], "approve": False, "reject": False, "rule": "role"}
