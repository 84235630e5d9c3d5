"""The audit log over REST: ``verify=1`` runs the whole verification; the log and the gates say how far the newest
anchor is behind the last event."""

from __future__ import annotations

from conftest import tamper

from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.verification import anchor_project

KEY = "framing/risk-tier"


async def test_verify_reports_an_items_row_edited_in_the_database(
    api, served_project: Project, service: Lifecycle,
) -> None:
    service.set_item(served_project, KEY, {"status": "in_progress"}, actor="alice")
    clean = (await api("GET", f"projects/{served_project.id}/audit", params={"verify": "1"})).body
    assert clean["verification"]["ok"] is True and clean["chain"]["mode"] == "unkeyed"
    tamper(service.store.url, "UPDATE items SET status = 'done' WHERE key = :k", k=KEY)
    reply = await api("GET", f"projects/{served_project.id}/audit", params={"verify": "1"})
    assert reply.status == 200
    verification = reply.body["verification"]
    assert verification["ok"] is False and verification["chain"]["ok"] is True
    assert [(d["target"], d["field"]) for d in verification["differences"]] == [(KEY, "status")]


async def test_the_log_and_the_gates_say_when_the_anchor_is_older_than_the_last_event(
    api, served_project: Project, service: Lifecycle,
) -> None:
    never = (await api("GET", f"projects/{served_project.id}/audit")).body["anchor"]
    assert (never["anchored_seq"], never["behind"]) == (None, 1)
    anchor_project(service.store, served_project.id, served_project.directory, actor="alice",
                   at="2026-12-06T01:00:00.000000Z")
    service.set_item(served_project, KEY, {"notes": "after the anchor"}, actor="alice")
    anchor = (await api("GET", f"projects/{served_project.id}/audit")).body["anchor"]
    assert (anchor["anchored_seq"], anchor["head_seq"], anchor["behind"]) == (1, 2, 1)
    assert anchor["source"] in (".lifecycle/audit-anchor.json", "the store's anchor checkpoint")
    gates = (await api("GET", f"projects/{served_project.id}/gates")).body
    assert gates["anchor"] == anchor


async def test_the_project_view_carries_the_anchor_state_and_anchoring_changes_its_etag(
    api, served_project: Project, service: Lifecycle,
) -> None:
    path = f"projects/{served_project.id}"
    first = await api("GET", path)
    assert first.body["anchor"]["state"] == "never" and first.body["anchor"]["head_seq"] == first.body["seq"]
    anchor_project(service.store, served_project.id, served_project.directory, actor="alice",
                   at="2026-12-06T01:00:00.000000Z")
    anchored = await api("GET", path, headers={"If-None-Match": first.headers["ETag"]})
    assert anchored.status == 200, "an anchor appends no event, yet the view must not answer 304"
    assert (anchored.body["anchor"]["state"], anchored.body["anchor"]["behind"]) == ("current", 0)
    service.set_item(served_project, KEY, {"notes": "after the anchor"}, actor="alice")
    behind = (await api("GET", path)).body["anchor"]
    assert (behind["state"], behind["anchored_seq"], behind["behind"]) == ("behind", 1, 1)
    assert (await api("GET", f"{path}/gates")).body["anchor"] == behind
