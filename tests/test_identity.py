"""People, not hashes: changes made through the server are recorded as ``Display Name <username>``.

The server tests run a real jupyter-server (pytest-jupyter): first with its default token login, whose
identities are anonymous, then with a small ``IdentityProvider`` subclass, as a team would configure one.
"""

from __future__ import annotations

from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User
from traitlets.config import Config

from lifecycle_lab.errors import ValidationError
from lifecycle_lab.identity import NAME_HEADER, Person, chosen_name, parse_actor, server_person
from lifecycle_lab.service import Lifecycle, Project

ITEM = "framing/risk-tier"


class ProxyIdentity(IdentityProvider):
    """Names the token-logged-in user as an authenticating proxy says in ``X-Remote-User`` / ``X-Remote-Name``."""

    async def get_user(self, handler: Any) -> User | None:
        user = await super()._get_user(handler)  # still log in with the server's token
        username = handler.request.headers.get("X-Remote-User")
        if user is None or not username:
            return user
        name = handler.request.headers.get("X-Remote-Name", username)
        return User(username=username, name=name, display_name=name)


def test_a_named_user_is_recorded_by_name_with_the_username_kept() -> None:
    person = server_person(User(username="olga", name="Olga Petrova", display_name="Olga Petrova"))
    assert person.actor == "Olga Petrova <olga>" and person.shown == "Olga Petrova"
    assert parse_actor(person.actor) == person
    plain = server_person(User(username="olga", name="olga", display_name="olga"))
    assert plain.actor == "olga" and parse_actor("olga") == plain


def test_an_anonymous_identity_is_flagged_and_takes_the_name_chosen_in_the_browser() -> None:
    anonymous = User(username="cb8a7246f7a14b1c9f0c3a3d7e2b9c11", name="Anonymous Io", display_name="Anonymous Io")
    person = server_person(anonymous, "Dana")
    assert person == Person("Dana", "cb8a7246f7a14b1c9f0c3a3d7e2b9c11", anonymous=True)
    assert person.actor == "Dana <anonymous:cb8a7246f7a14b1c9f0c3a3d7e2b9c11>"
    assert person.shown == "Dana (anonymous)"
    assert parse_actor(person.actor) == person
    assert server_person(anonymous).actor == "Anonymous Io <anonymous:cb8a7246f7a14b1c9f0c3a3d7e2b9c11>"


@pytest.mark.parametrize("bad", ["<script>", "x" * 81, "tab\tand\x00nul"])
def test_a_chosen_name_that_cannot_be_a_name_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match=NAME_HEADER):
        chosen_name(bad)
    assert chosen_name("  Dana   Scully ") == "Dana Scully" and chosen_name("  ") is None


async def test_a_change_by_an_anonymous_browser_records_its_chosen_name_and_anonymous_id(
    api, served_project: Project, service: Lifecycle
) -> None:
    view = (await api("GET", f"projects/{served_project.id}", headers={NAME_HEADER: "Dana"})).body
    user = view["user"]
    assert user["anonymous"] is True and user["shown"] == "Dana (anonymous)"
    assert user["actor"] == f"Dana <anonymous:{user['username']}>"
    reply = await api("PATCH", f"projects/{served_project.id}/items/{ITEM}", json={"status": "in_progress"},
                      headers={NAME_HEADER: "Dana", "If-Match": '"0"'})
    assert reply.status == 200, reply.body
    assert service.store.item(served_project.id, ITEM).updated_by == user["actor"]
    event = service.store.events(served_project.id)[-1]
    assert event.actor == user["actor"] and parse_actor(event.actor).anonymous


async def test_a_bad_chosen_name_is_a_400(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}", headers={NAME_HEADER: "<b>x</b>"})
    assert reply.status == 400 and NAME_HEADER in reply.body["message"]


class TestAConfiguredIdentityProvider:
    """``ServerApp.identity_provider_class`` set to :class:`ProxyIdentity`."""

    @pytest.fixture
    def jp_server_config(self, jp_server_config: Config) -> Config:
        jp_server_config["ServerApp"]["identity_provider_class"] = ProxyIdentity
        return jp_server_config

    async def test_signoffs_are_recorded_by_display_name_and_username(
        self, api, served_project: Project, service: Lifecycle
    ) -> None:
        olga = {"X-Remote-User": "olga", "X-Remote-Name": "Olga Petrova", NAME_HEADER: "ignored for named users"}
        reply = await api("POST", f"projects/{served_project.id}/signoffs", headers=olga,
                          json={"stage": "framing", "role": "model-owner", "decision": "approve"})
        assert reply.status in (200, 201), reply.body
        signoff = service.store.signoffs(served_project.id)[-1]
        assert signoff.user == "Olga Petrova <olga>"
        assert service.store.events(served_project.id)[-1].actor == "Olga Petrova <olga>"
        view = (await api("GET", f"projects/{served_project.id}", headers=olga)).body
        assert view["user"]["anonymous"] is False and view["user"]["shown"] == "Olga Petrova"
