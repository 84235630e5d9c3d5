"""A team on one project: two real jupyter servers, each its own user, over one PostgreSQL store and one folder.

As on JupyterHub, where each user's server shares the team's database: a change made through one
server shows in the other's change feed and view, edits of the same version conflict across servers
(409, nothing overwritten), sign-offs and audit events carry the user of the server they came through,
and the audit chain stays one valid chain however the two servers interleave.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pgcluster import PostgresCluster

from lifecycle_lab.pytest_plugin import JupyterServerProcess

API = "/lifecycle-lab/api"
ITEM = "framing/risk-tier"

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def servers(postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[JupyterServerProcess, JupyterServerProcess]]:
    """Alice's and Bob's servers: one database, one root folder."""
    root = tmp_path_factory.mktemp("team-root")
    db_url = postgres_cluster.create_database()
    alice = JupyterServerProcess(root, db_url, user="alice").start()
    try:
        bob = JupyterServerProcess(root, db_url, user="bob").start()
    except BaseException:
        alice.stop()
        raise
    yield alice, bob
    bob.stop()
    alice.stop()


def call(server: JupyterServerProcess, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    """One request to the lifecycle API of ``server``."""
    return server.request(method, API + path, body, headers)


@pytest.fixture
def project_id(servers: tuple[JupyterServerProcess, JupyterServerProcess]) -> str:
    """A new default-template project, created by Alice through her server."""
    alice, _ = servers
    folder = f"credit-{uuid.uuid4().hex[:8]}"
    (alice.root / folder).mkdir()
    status, _, body = call(alice, "POST", "/projects", {"path": folder, "name": "Credit model"})
    assert status == 201, body
    return body["id"]


def test_each_server_acts_as_its_own_user(servers, project_id: str) -> None:
    alice, bob = servers
    assert call(alice, "GET", f"/projects/{project_id}")[2]["user"]["username"] == "alice"
    assert call(bob, "GET", f"/projects/{project_id}")[2]["user"]["username"] == "bob"


def test_a_change_through_one_server_shows_in_the_others_feed_and_view(servers, project_id: str) -> None:
    alice, bob = servers
    seen_by_bob = call(bob, "GET", f"/projects/{project_id}")[2]  # Bob's server has the view cached now
    # When Alice changes an item through her server
    status, _, _ = call(alice, "PATCH", f"/projects/{project_id}/items/{ITEM}", {"status": "in_progress"},
                        {"If-Match": '"0"'})
    assert status == 200
    # Then Bob's change feed has exactly her event, and his view shows the new state
    _, _, feed = call(bob, "GET", f"/projects/{project_id}/changes?since={seen_by_bob['seq']}")
    assert [(e["actor"], e["action"], e["target"]) for e in feed["events"]] == [("alice", "item.update", ITEM)]
    view = call(bob, "GET", f"/projects/{project_id}")[2]
    assert view["items"][ITEM]["status"] == "in_progress" and view["items"][ITEM]["updated_by"] == "alice"
    # And the other way round
    call(bob, "PATCH", f"/projects/{project_id}/items/{ITEM}", {"owner": "bob"}, {"If-Match": '"1"'})
    _, _, feed = call(alice, "GET", f"/projects/{project_id}/changes?since={feed['seq']}")
    assert [(e["actor"], e["after"]["owner"]) for e in feed["events"]] == [("bob", "bob")]


def test_the_same_version_edited_on_both_servers_conflicts(servers, project_id: str) -> None:
    alice, bob = servers
    url = f"/projects/{project_id}/items/{ITEM}"
    # Given both users read version 0
    assert call(alice, "GET", url)[1]["Etag"] == call(bob, "GET", url)[1]["Etag"] == '"0"'
    # When Alice writes first, then Bob writes over the version he read
    assert call(alice, "PATCH", url, {"notes": "Tier 2, per the risk policy."}, {"If-Match": '"0"'})[0] == 200
    status, headers, body = call(bob, "PATCH", url, {"notes": "Tier 3."}, {"If-Match": '"0"'})
    # Then Bob gets 409 with Alice's state, and her notes stand
    assert status == 409 and headers["Etag"] == '"1"'
    assert body["current"]["notes"] == "Tier 2, per the risk policy." and body["current"]["updated_by"] == "alice"
    assert call(alice, "GET", url)[2]["notes"] == "Tier 2, per the risk policy."
    # And re-applying his edit on the current version works
    assert call(bob, "PATCH", url, {"notes": "Tier 3."}, {"If-Match": '"1"'})[0] == 200


def test_simultaneous_edits_through_both_servers_accept_exactly_one(servers, project_id: str) -> None:
    alice, bob = servers
    url = f"/projects/{project_id}/items/{ITEM}"
    for version in range(10):
        barrier = threading.Barrier(2)
        statuses: dict[str, int] = {}

        def write(server: JupyterServerProcess, version: int = version, barrier: threading.Barrier = barrier,
                  statuses: dict[str, int] = statuses) -> None:
            barrier.wait(timeout=30)
            statuses[server.user or ""] = call(server, "PATCH", url, {"notes": f"{server.user} {version}"},
                                               {"If-Match": f'"{version}"'})[0]

        threads = [threading.Thread(target=write, args=(server,)) for server in (alice, bob)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses.values()) == [200, 409], statuses
        winner = next(user for user, status in statuses.items() if status == 200)
        assert call(bob, "GET", url)[2]["notes"] == f"{winner} {version}"


def test_signoffs_carry_the_user_of_the_server_they_came_through(servers, project_id: str) -> None:
    alice, bob = servers
    status, _, signed = call(alice, "POST", f"/projects/{project_id}/signoffs",
                             {"stage": "governance", "role": "security", "decision": "approve"})
    assert status == 201 and signed["user"] == "alice"
    status, _, signed = call(bob, "POST", f"/projects/{project_id}/signoffs",
                             {"stage": "governance", "role": "legal", "decision": "reject", "comment": "DPIA missing"})
    assert status == 201 and signed["user"] == "bob"
    for server in servers:
        view = call(server, "GET", f"/projects/{project_id}")[2]
        assert [(s["role"], s["user"], s["decision"]) for s in view["signoffs"]] == [
            ("security", "alice", "approve"), ("legal", "bob", "reject")]
    events = call(alice, "GET", f"/projects/{project_id}/audit")[2]["events"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("project.create", "alice"), ("signoff", "alice"), ("signoff", "bob")]


def test_the_audit_chain_verifies_after_both_servers_wrote_at_once(servers, project_id: str) -> None:
    keys = ["framing/risk-tier", "framing/problem-statement", "data/provenance-lineage"]
    accepted: list[tuple[str, str]] = []
    failures: list[int] = []
    lock = threading.Lock()

    def client(server: JupyterServerProcess, number: int) -> None:
        for i in range(12):
            key = keys[(number + i) % len(keys)]
            status, _, _ = call(server, "PATCH", f"/projects/{project_id}/items/{key}",
                                {"notes": f"{server.user}-{number}-{i}"}, {"If-Match": "*"})
            with lock:
                if status == 200:
                    accepted.append((server.user or "", key))
                else:
                    failures.append(status)

    threads = [threading.Thread(target=client, args=(server, n)) for n in range(4) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(accepted) == 8 * 12
    for server in servers:
        log = call(server, "GET", f"/projects/{project_id}/audit?verify=1")[2]
        assert log["chain"]["ok"], log["chain"]
        assert log["chain"]["events"] == 1 + len(accepted)
    events = call(servers[1], "GET", f"/projects/{project_id}/audit")[2]["events"][1:]
    assert sorted((e["actor"], e["target"]) for e in events) == sorted(accepted)


def test_the_servers_share_one_project_folder(servers, project_id: str) -> None:
    alice, bob = servers
    path = call(alice, "GET", f"/projects/{project_id}")[2]["project"]["path"]
    assert (Path(alice.root) / path / "lifecycle.yaml").is_file()
    assert call(bob, "GET", f"/projects?path={path}")[2]["id"] == project_id
