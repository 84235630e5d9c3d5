"""REST: the audit log and the change feed, including changes made outside the server."""

from __future__ import annotations

import pytest
from conftest import tamper

import lifecycle_lab as ll
from lifecycle_lab.service import Lifecycle, Project

ITEM = "framing/risk-tier"


async def test_changes_since_the_last_seq_is_empty_when_nothing_happened(api, served_project: Project) -> None:
    seq = (await api("GET", f"projects/{served_project.id}")).body["seq"]
    reply = await api("GET", f"projects/{served_project.id}/changes", params={"since": seq})
    assert reply.status == 200 and reply.body == {"seq": seq, "events": []}


async def test_a_change_made_with_the_cli_shows_in_the_feed(api, served_project: Project, cli) -> None:
    seq = (await api("GET", f"projects/{served_project.id}")).body["seq"]
    # When someone changes an item from a terminal (a separate process writing to the store)
    done = cli(["set", ITEM, "--status", "in_progress"], cwd=served_project.directory, user="carol")
    assert done.returncode == 0, done.stderr
    # Then the feed after the client's seq carries exactly that event
    reply = await api("GET", f"projects/{served_project.id}/changes", params={"since": seq})
    assert reply.body["seq"] == seq + 1
    [event] = reply.body["events"]
    assert (event["seq"], event["actor"], event["action"], event["target"]) == (seq + 1, "carol", "item.update", ITEM)
    assert event["after"]["status"] == "in_progress"


async def test_a_widget_write_shows_in_the_feed_as_the_widget_user(
    api, served_project: Project, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seq = (await api("GET", f"projects/{served_project.id}")).body["seq"]
    # When a notebook kernel (this process, the same store) saves an item form as its user
    monkeypatch.setenv("LIFECYCLE_LAB_DB_URL", db_url)
    monkeypatch.setenv("LIFECYCLE_LAB_USER", "wanda")
    monkeypatch.delenv("LIFECYCLE_LAB_RERUN", raising=False)
    monkeypatch.chdir(served_project.directory)
    form = ll.item(ITEM)
    form.owner.value = "wanda"
    form.text.value = "Tier 3: internal use only"
    form.save_button.click()
    assert "Saved" in form.message.value
    # Then the server's feed after the client's seq carries that write, by the widget's user
    reply = await api("GET", f"projects/{served_project.id}/changes", params={"since": seq})
    [event] = reply.body["events"]
    assert (event["actor"], event["action"], event["target"]) == ("wanda", "item.update", ITEM)
    assert event["after"]["owner"] == "wanda" and event["after"]["evidence"] == {"text": "Tier 3: internal use only"}
    view = (await api("GET", f"projects/{served_project.id}")).body
    assert view["seq"] == seq + 1 and view["items"][ITEM]["updated_by"] == "wanda"


async def test_changes_are_capped_by_limit(api, served_project: Project, service: Lifecycle) -> None:
    for n in range(3):
        service.set_item(served_project, ITEM, {"notes": str(n)}, actor="bob")
    reply = await api("GET", f"projects/{served_project.id}/changes", params={"since": 0, "limit": 2})
    assert [e["seq"] for e in reply.body["events"]] == [1, 2] and reply.body["seq"] == 4


async def test_changes_with_a_negative_since_names_the_parameter(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/changes", params={"since": "-1"})
    assert reply.status == 400 and reply.body["field"] == "since"


async def test_changes_with_a_non_integer_since_names_the_parameter(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/changes", params={"since": "yesterday"})
    assert reply.status == 400 and reply.body["field"] == "since"


async def test_changes_of_an_unknown_project_is_404(api) -> None:
    assert (await api("GET", "projects/nope/changes")).status == 404


async def test_audit_lists_every_event_in_order(api, served_project: Project, service: Lifecycle) -> None:
    service.set_item(served_project, ITEM, {"notes": "x"}, actor="bob")
    reply = await api("GET", f"projects/{served_project.id}/audit")
    assert [(e["seq"], e["action"]) for e in reply.body["events"]] == [(1, "project.create"), (2, "item.update")]
    assert "chain" not in reply.body


async def test_audit_verify_reports_an_intact_chain(api, served_project: Project, service: Lifecycle) -> None:
    service.set_item(served_project, ITEM, {"notes": "x"}, actor="bob")
    reply = await api("GET", f"projects/{served_project.id}/audit", params={"verify": "1"})
    assert reply.body["chain"]["ok"] is True and reply.body["chain"]["events"] == 2


async def test_audit_verify_names_a_tampered_event(api, served_project: Project, service: Lifecycle,
                                                   db_url: str) -> None:
    service.set_item(served_project, ITEM, {"notes": "x"}, actor="bob")
    # When someone edits the log behind the store's back
    tamper(db_url, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    reply = await api("GET", f"projects/{served_project.id}/audit", params={"verify": "1"})
    assert reply.body["chain"]["ok"] is False and reply.body["chain"]["broken_seq"] == 2


async def test_audit_with_a_bad_verify_flag_names_it(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}/audit", params={"verify": "maybe"})
    assert reply.status == 400 and reply.body["field"] == "verify"


async def test_a_patch_answers_the_change_feed_position_after_its_own_edit(api, served_project: Project) -> None:
    seq = (await api("GET", f"projects/{served_project.id}")).body["seq"]
    # When the client edits an item
    reply = await api("PATCH", f"projects/{served_project.id}/items/{ITEM}", json={"status": "in_progress"},
                      headers={"If-Match": "*"})
    # Then the answer names the feed position of that edit, and the feed after it holds nothing of its own
    assert reply.status == 200 and reply.body["seq"] == seq + 1 and reply.body["status"] == "in_progress"
    after = await api("GET", f"projects/{served_project.id}/changes", params={"since": reply.body["seq"]})
    assert after.body == {"seq": seq + 1, "events": []}
