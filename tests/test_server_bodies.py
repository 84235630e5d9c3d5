"""No 500 for any body and no path trick: every malformed body is a 400 that writes nothing, control characters
in a path are a 400, and errors name paths relative to the server root."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import concrete_path

from lifecycle_lab.server.bodies import MAX_DEPTH
from lifecycle_lab.server.spec import load_spec
from lifecycle_lab.service import Lifecycle, Project

BODY_OPERATIONS = [
    (method.upper(), path)
    for path, item in load_spec()["paths"].items()
    for method, operation in item.items()
    if isinstance(operation, dict) and "requestBody" in operation
]

MALFORMED = {
    "nested 1000 objects deep": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "nested 100000 arrays deep": b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nested past the limit, parsable": b'{"a":' + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5) + b"}",
    "not UTF-8": b'{"name": "caf\xe9"}',
    "UTF-16": '{"name": "x"}'.encode("utf-16"),
    "byte order mark": b'\xef\xbb\xbf{"name": "x"}',
    "duplicate key": b'{"name": "a", "name": "b"}',
    "NaN": b'{"name": NaN}',
    "truncated": b'{"name": ',
    "an array": b"[]",
    "a string": b'"x"',
    "null": b"null",
    "a lone surrogate": b'{"name": "\\udcdb"}',
}


def test_the_spec_has_body_endpoints_to_test() -> None:
    assert len(BODY_OPERATIONS) >= 4


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
async def test_every_malformed_body_is_400_and_writes_nothing(
    method: str, path: str, api, served_project: Project, service: Lifecycle,
) -> None:
    before = service.store.last_seq(served_project.id)
    for case, body in MALFORMED.items():
        reply = await api(method, concrete_path(path, served_project), body=body, headers={"If-Match": "*"})
        assert reply.status == 400, (case, reply.body)
        assert reply.body["message"].startswith("body: ") and reply.body["field"] == "body", case
    assert service.store.last_seq(served_project.id) == before
    assert service.store.list_runs(served_project.id) == []
    assert [p.id for p in service.store.list_projects()] == [served_project.id]


@pytest.mark.parametrize("path", ["credit\x00", "credit%00", "cre\ndit", "credit\x7f", "credit/\x1b[31m"])
async def test_a_control_character_in_a_path_is_400(path: str, api, served_project: Project) -> None:
    reply = await api("GET", "projects", params={"path": path.replace("%00", "\x00")})
    assert reply.status == 400
    assert "control character" in reply.body["message"] and reply.body["field"] == "path"


async def test_a_nul_in_a_notebook_path_of_a_new_project_is_400(api, jp_root_dir: Path) -> None:
    (jp_root_dir / "fresh").mkdir()
    reply = await api("POST", "projects", json={"path": "fresh", "notebooks": ["a\x00.ipynb"]})
    assert reply.status == 400 and "U+0000" in reply.body["message"]
    assert not (jp_root_dir / "fresh" / "lifecycle.yaml").exists()


async def test_a_broken_manifest_is_named_relative_to_the_server_root(
    api, served_project: Project, jp_root_dir: Path,
) -> None:
    (served_project.directory / "lifecycle.yaml").write_text("id: [unclosed\n")
    reply = await api("GET", "projects", params={"path": "credit"})
    assert reply.status == 400
    message = reply.body["message"]
    assert "credit/lifecycle.yaml" in message
    assert str(jp_root_dir.resolve()) not in message and str(jp_root_dir) not in message
