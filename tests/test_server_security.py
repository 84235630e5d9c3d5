"""REST security: authentication on every endpoint, the server root as a boundary, no leaked faults."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import concrete_path, tamper
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import JupyterServerAuthWarning

from lifecycle_lab.server.spec import load_spec
from lifecycle_lab.service import Lifecycle, Project

OPERATIONS = [
    (method.upper(), path)
    for path, item in load_spec()["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
]


def test_a_server_refusing_unauthenticated_access_warns_about_no_lifecycle_handler(
    jp_configurable_serverapp, jp_server_config
) -> None:
    # When a server that refuses unauthenticated access starts with the extension
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = jp_configurable_serverapp(config=jp_server_config)
    # Then jupyter-server finds no handler method without an authentication rule
    assert app.web_app.settings["allow_unauthenticated_access"] is False
    assert "lifecycle_lab" in app.extension_manager.extension_apps
    assert [str(w.message) for w in caught if issubclass(w.category, JupyterServerAuthWarning)] == []


def test_the_auth_check_catches_an_undecorated_handler(jp_serverapp) -> None:
    # The check above is real: the same server warns about a handler without @web.authenticated
    class Open(APIHandler):
        def get(self) -> None:
            self.finish("{}")

    with pytest.warns(JupyterServerAuthWarning, match="GET of Open"):
        jp_serverapp.web_app.add_handlers(".*$", [("/lifecycle-lab/api/open", Open)])


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
async def test_every_endpoint_without_a_token_is_403(
    method: str, path: str, api, served_project: Project, service: Lifecycle
) -> None:
    body = b"{}" if method in {"POST", "PATCH", "PUT"} else None
    headers = {"Authorization": "", "If-Match": "*"}
    reply = await api(method, concrete_path(path, served_project), body=body, headers=headers)
    assert reply.status == 403 and reply.body["message"]
    assert service.store.last_seq(served_project.id) == 1  # nothing written


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
async def test_every_endpoint_with_a_wrong_token_is_403(method: str, path: str, api, served_project: Project) -> None:
    body = b"{}" if method in {"POST", "PATCH", "PUT"} else None
    reply = await api(method, concrete_path(path, served_project), body=body,
                      headers={"Authorization": "token not-the-token", "If-Match": "*"})
    assert reply.status == 403


@pytest.mark.parametrize("path", ["../outside", "/etc", "credit/../../outside", "credit/\\..\\..", ""])
async def test_finding_a_project_by_a_path_leaving_the_root_is_404(
    path: str, api, served_project: Project, tmp_path: Path, service: Lifecycle
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    service.init_project(outside, actor="eve")
    reply = await api("GET", "projects", params={"path": path})
    assert reply.status == 404


async def test_finding_through_a_symlink_leading_out_of_the_root_is_404(
    api, jp_root_dir: Path, tmp_path: Path, service: Lifecycle
) -> None:
    # Given a project outside the root and a symlink to it inside the root
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    service.init_project(outside, actor="eve")
    (jp_root_dir / "link").symlink_to(outside)
    # Then the link does not reach it
    assert (await api("GET", "projects", params={"path": "link"})).status == 404


async def test_creating_through_a_symlink_leading_out_of_the_root_is_404_and_writes_nothing(
    api, jp_root_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (jp_root_dir / "link").symlink_to(tmp_path / "empty")
    assert (await api("POST", "projects", json={"path": "link"})).status == 404
    assert not (tmp_path / "empty" / "lifecycle.yaml").exists()


async def test_creating_a_project_outside_the_root_is_404_and_writes_nothing(api, tmp_path: Path) -> None:
    reply = await api("POST", "projects", json={"path": "../"})
    assert reply.status == 404 and not (tmp_path / "lifecycle.yaml").exists()


async def test_a_project_registered_outside_the_root_is_out_of_reach(
    api, tmp_path: Path, service: Lifecycle
) -> None:
    # Given the shared store knows a project whose folder is outside this server's root
    outside = tmp_path / "private"
    outside.mkdir()
    project = service.init_project(outside, actor="eve")
    # Then every endpoint answers as if it did not exist
    for method, path, body in [("GET", f"projects/{project.id}", None),
                               ("PATCH", f"projects/{project.id}/items/framing/risk-tier", {"notes": "x"}),
                               ("GET", f"projects/{project.id}/changes", None),
                               ("GET", f"projects/{project.id}/audit", None),
                               ("GET", f"projects/{project.id}/gates", None)]:
        reply = await api(method, path, json=body, headers={"If-Match": "*"})
        assert reply.status == 404, (method, path)
    assert service.store.last_seq(project.id) == 1


async def test_an_unexpected_fault_is_500_without_details(
    api, served_project: Project, service: Lifecycle, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    service.set_item(served_project, "framing/risk-tier", {"notes": "x"}, actor="bob")
    # Given a store row no client could have written (a due date that is not a date)
    tamper(db_url, "UPDATE items SET due = 'someday' WHERE key = 'framing/risk-tier'")
    reply = await api("GET", f"projects/{served_project.id}/items/framing/risk-tier")
    # Then the client gets a generic 500 and the traceback goes to the log only
    assert reply.status == 500
    assert reply.body == {"message": "internal server error; the server log has the details"}
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


async def test_an_unsupported_method_is_405_with_allow(api, served_project: Project) -> None:
    reply = await api("DELETE", f"projects/{served_project.id}/items/framing/risk-tier")
    assert reply.status == 405 and reply.headers["Allow"] == "GET, PATCH, OPTIONS"
