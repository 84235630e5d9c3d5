"""REST: changing items under optimistic concurrency, sign-offs and gates."""

from __future__ import annotations

from lifecycle_lab.service import Lifecycle, Project

ITEM = "framing/risk-tier"


def item_url(project: Project, key: str = ITEM) -> str:
    return f"projects/{project.id}/items/{key}"


async def test_patch_with_the_current_version_changes_the_item(api, served_project: Project) -> None:
    # When a client changes an item it read at version 0
    reply = await api("PATCH", item_url(served_project), json={"status": "in_progress", "owner": "dana"},
                      headers={"If-Match": '"0"'})
    # Then the item moves to version 1 and the ETag says so
    assert reply.status == 200
    assert reply.body["status"] == "in_progress" and reply.body["owner"] == "dana" and reply.body["version"] == 1
    assert reply.headers["ETag"] == '"1"'


async def test_the_change_is_recorded_as_the_authenticated_user(
    api, served_project: Project, service: Lifecycle
) -> None:
    user = (await api("GET", f"projects/{served_project.id}")).body["user"]["actor"]
    await api("PATCH", item_url(served_project), json={"notes": "tier 2"}, headers={"If-Match": "0"})
    event = service.store.events(served_project.id)[-1]
    assert event.actor == user and event.action == "item.update" and event.target == ITEM
    assert service.store.item(served_project.id, ITEM).updated_by == user


async def test_patch_with_a_stale_version_is_409_with_the_current_item(
    api, served_project: Project, service: Lifecycle
) -> None:
    # Given someone else changed the item meanwhile (version 1)
    service.set_item(served_project, ITEM, {"notes": "from the CLI"}, actor="bob")
    # When a client writes based on version 0
    reply = await api("PATCH", item_url(served_project), json={"notes": "mine"}, headers={"If-Match": '"0"'})
    # Then it gets 409 with the item as it is, and nothing was overwritten
    assert reply.status == 409
    assert reply.body["current"]["notes"] == "from the CLI" and reply.body["current"]["version"] == 1
    assert reply.headers["ETag"] == '"1"'
    assert service.store.item(served_project.id, ITEM).notes == "from the CLI"


async def test_patch_without_if_match_is_refused_naming_the_header(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), json={"notes": "x"})
    assert reply.status == 400 and reply.body["field"] == "If-Match"


async def test_patch_with_if_match_star_overwrites_any_version(
    api, served_project: Project, service: Lifecycle
) -> None:
    service.set_item(served_project, ITEM, {"notes": "v1"}, actor="bob")
    reply = await api("PATCH", item_url(served_project), json={"notes": "v2"}, headers={"If-Match": "*"})
    assert reply.status == 200 and reply.body["version"] == 2


async def test_patch_with_a_malformed_if_match_is_400(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), json={"notes": "x"}, headers={"If-Match": '"1'})
    assert reply.status == 400 and reply.body["field"] == "If-Match"


async def test_patch_with_an_invalid_status_names_the_field(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), json={"status": "finished"}, headers={"If-Match": "0"})
    assert reply.status == 400 and reply.body["field"] == "status"


async def test_patch_with_bad_evidence_names_the_nested_field(api, served_project: Project) -> None:
    key = next(i.key for i in served_project.template.items() if i.evidence == "failure_modes")
    reply = await api("PATCH", item_url(served_project, key), json={"evidence": {"rows": [{"mode": ""}]}},
                      headers={"If-Match": "0"})
    assert reply.status == 400 and reply.body["field"] == "evidence.rows[0].mode"


async def test_patch_with_an_unknown_field_names_it(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), json={"colour": "red"}, headers={"If-Match": "0"})
    assert reply.status == 400 and reply.body["field"] == "colour"


async def test_patch_with_invalid_json_is_400(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), body=b"{status:", headers={"If-Match": "0"})
    assert reply.status == 400 and reply.body["field"] == "body"


async def test_patch_with_text_that_is_not_unicode_is_400(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), body=b'{"notes": "half \\udcdb a pair"}',
                      headers={"If-Match": "0"})
    assert reply.status == 400 and reply.body["field"] == "body"


async def test_patch_with_an_escaped_emoji_keeps_it(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), body=b'{"notes": "ok \\ud83d\\ude00"}',
                      headers={"If-Match": "0"})
    assert reply.status == 200 and reply.body["notes"] == "ok \N{GRINNING FACE}"


async def test_patch_with_a_json_array_is_400(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project), json=["status"], headers={"If-Match": "0"})
    assert reply.status == 400 and reply.body["field"] == "body"


async def test_patch_of_an_unknown_item_is_404(api, served_project: Project) -> None:
    reply = await api("PATCH", item_url(served_project, "framing/nope"), json={"notes": "x"},
                      headers={"If-Match": "0"})
    assert reply.status == 404


async def test_get_item_gives_its_state_and_version_etag(api, served_project: Project, service: Lifecycle) -> None:
    service.set_item(served_project, ITEM, {"status": "done"}, actor="bob")
    reply = await api("GET", item_url(served_project))
    assert reply.status == 200 and reply.body["status"] == "done" and reply.headers["ETag"] == '"1"'


async def test_a_body_over_max_body_bytes_is_413_and_writes_nothing(
    api, served_project: Project, service: Lifecycle
) -> None:
    reply = await api("PATCH", item_url(served_project), json={"notes": "x" * (1 << 20)},
                      headers={"If-Match": "0"})
    assert reply.status == 413 and "max_body_bytes" in reply.body["message"]
    assert service.store.item(served_project.id, ITEM).version == 0


async def test_signoff_is_recorded_as_the_user(api, served_project: Project) -> None:
    stage = next(s for s in served_project.template.stages if s.gate.signoffs)
    reply = await api("POST", f"projects/{served_project.id}/signoffs",
                      json={"stage": stage.id, "role": stage.gate.signoffs[0], "decision": "approve"})
    view = await api("GET", f"projects/{served_project.id}")
    assert reply.status == 201
    assert reply.body["user"] == view.body["user"]["actor"] and reply.body["outdated"] is False
    assert view.body["signoffs"][0]["id"] == reply.body["id"]


async def test_signoff_goes_outdated_in_the_view_when_its_stage_changes(api, served_project: Project) -> None:
    stage = next(s for s in served_project.template.stages if s.gate.signoffs)
    await api("POST", f"projects/{served_project.id}/signoffs",
              json={"stage": stage.id, "role": stage.gate.signoffs[0], "decision": "approve"})
    await api("PATCH", item_url(served_project, stage.items[0].key), json={"notes": "edited"},
              headers={"If-Match": "0"})
    view = (await api("GET", f"projects/{served_project.id}")).body
    assert view["signoffs"][0]["outdated"] is True


async def test_a_rejection_without_comment_names_the_field(api, served_project: Project) -> None:
    stage = next(s for s in served_project.template.stages if s.gate.signoffs)
    reply = await api("POST", f"projects/{served_project.id}/signoffs",
                      json={"stage": stage.id, "role": stage.gate.signoffs[0], "decision": "reject"})
    assert reply.status == 400 and reply.body["field"] == "comment"


async def test_signoff_with_a_non_string_role_names_the_field(api, served_project: Project) -> None:
    reply = await api("POST", f"projects/{served_project.id}/signoffs",
                      json={"stage": "framing", "role": ["security"], "decision": "approve"})
    assert reply.status == 400 and reply.body["field"] == "role"


async def test_gates_list_blockers_per_stage(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/gates")
    assert reply.status == 200 and reply.body["ready"] is False
    assert [g["stage"] for g in reply.body["gates"]] == [s.id for s in served_project.template.stages]
    assert any(b["kind"] == "open" for g in reply.body["gates"] for b in g["blockers"])


async def test_gates_of_one_stage(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/gates", params={"stage": "framing"})
    assert [g["stage"] for g in reply.body["gates"]] == ["framing"]


async def test_gates_of_an_unknown_stage_is_404(api, served_project: Project) -> None:
    assert (await api("GET", f"projects/{served_project.id}/gates", params={"stage": "nope"})).status == 404
