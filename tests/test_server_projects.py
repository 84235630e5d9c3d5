"""REST: finding, creating and viewing projects; templates; the served contract."""

from __future__ import annotations

from pathlib import Path

from lifecycle_lab.evidence import KINDS, SCHEMAS
from lifecycle_lab.service import Lifecycle, Project


async def test_finding_a_project_from_a_notebook_inside_it(api, served_project: Project) -> None:
    # When a client asks which project holds a notebook in a subfolder
    (served_project.directory / "notebooks").mkdir()
    (served_project.directory / "notebooks" / "train.ipynb").write_text("{}")
    reply = await api("GET", "projects", params={"path": "credit/notebooks/train.ipynb"})
    # Then it gets the project, with its path relative to the server root
    assert reply.status == 200
    assert reply.body["id"] == served_project.id and reply.body["path"] == "credit"


async def test_finding_a_project_outside_any_project_is_404(api, jp_root_dir: Path) -> None:
    (jp_root_dir / "loose").mkdir()
    reply = await api("GET", "projects", params={"path": "loose"})
    assert reply.status == 404 and "lifecycle init" in reply.body["message"]


async def test_finding_needs_a_path(api) -> None:
    reply = await api("GET", "projects")
    assert reply.status == 400 and reply.body["field"] == "path"


async def test_creating_a_project_writes_its_manifest(api, jp_root_dir: Path) -> None:
    (jp_root_dir / "fraud").mkdir()
    (jp_root_dir / "fraud" / "eda.ipynb").write_text("{}")
    # When a client creates a project in a folder
    reply = await api("POST", "projects", json={"path": "fraud", "template": "minimal", "name": "Fraud"})
    # Then the folder holds its manifest and the answer points at the new project
    assert reply.status == 201
    assert reply.body["name"] == "Fraud" and reply.body["notebooks"] == ["eda.ipynb"]
    assert reply.headers["Location"].endswith(f"/lifecycle-lab/api/projects/{reply.body['id']}")
    assert (jp_root_dir / "fraud" / "lifecycle.yaml").is_file()
    view = await api("GET", f"projects/{reply.body['id']}")
    assert reply.body["created_by"] == view.body["user"]["actor"]


async def test_creating_a_project_twice_is_a_conflict(api, served_project: Project) -> None:
    reply = await api("POST", "projects", json={"path": "credit"})
    assert reply.status == 409 and "already" in reply.body["message"]


async def test_creating_with_an_unknown_template_names_the_field_and_writes_nothing(api, jp_root_dir: Path) -> None:
    (jp_root_dir / "x").mkdir()
    reply = await api("POST", "projects", json={"path": "x", "template": "nope"})
    assert reply.status == 400 and reply.body["field"] == "template"
    assert not (jp_root_dir / "x" / "lifecycle.yaml").exists()


async def test_creating_with_a_name_too_long_writes_nothing(api, jp_root_dir: Path) -> None:
    (jp_root_dir / "x").mkdir()
    reply = await api("POST", "projects", json={"path": "x", "name": "n" * 201})
    assert reply.status == 400 and reply.body["field"] == "name"
    assert not (jp_root_dir / "x" / "lifecycle.yaml").exists()


async def test_creating_with_a_notebook_outside_the_project_folder_is_refused(api, jp_root_dir: Path) -> None:
    (jp_root_dir / "x").mkdir()
    reply = await api("POST", "projects", json={"path": "x", "notebooks": ["../../etc/passwd.ipynb"]})
    assert reply.status == 400 and reply.body["field"] == "notebooks[0]"
    assert not (jp_root_dir / "x" / "lifecycle.yaml").exists()


async def test_view_has_the_checklist_the_user_and_an_etag(api, served_project: Project) -> None:
    reply = await api("GET", f"projects/{served_project.id}")
    assert reply.status == 200
    view = reply.body
    assert view["project"]["path"] == "credit" and view["project"]["name"] == "Credit model"
    assert view["user"]["username"] and "display_name" in view["user"]
    assert len(view["items"]) == len(list(served_project.template.items()))
    assert view["items"]["framing/risk-tier"]["version"] == 0
    assert set(view["gates"]) == {s.id for s in served_project.template.stages}
    assert reply.headers["ETag"].startswith('W/"')


async def test_view_answers_304_while_nothing_changed(api, served_project: Project) -> None:
    first = await api("GET", f"projects/{served_project.id}")
    again = await api("GET", f"projects/{served_project.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and again.body is None


async def test_view_etag_changes_after_a_change_made_outside_the_server(
    api, served_project: Project, service: Lifecycle
) -> None:
    first = await api("GET", f"projects/{served_project.id}")
    # When the CLI (here: the service on its own store connection) changes an item
    service.set_item(served_project, "framing/risk-tier", {"status": "in_progress"}, actor="bob")
    # Then the next view shows it under a new ETag
    again = await api("GET", f"projects/{served_project.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert again.body["items"]["framing/risk-tier"]["status"] == "in_progress"


async def test_view_of_an_unknown_project_is_404(api) -> None:
    reply = await api("GET", "projects/00000000-0000-0000-0000-000000000000")
    assert reply.status == 404 and reply.body["message"]


async def test_templates_are_listed(api) -> None:
    reply = await api("GET", "templates")
    assert reply.status == 200
    assert {"default", "minimal"} <= {t["id"] for t in reply.body["templates"]}


async def test_a_template_is_served_in_full(api) -> None:
    reply = await api("GET", "templates/minimal")
    assert reply.status == 200 and reply.body["id"] == "minimal" and reply.body["stages"][0]["items"]


async def test_unknown_template_is_404(api) -> None:
    assert (await api("GET", "templates/nope")).status == 404


async def test_the_openapi_contract_is_served_as_json(api, jp_base_url: str) -> None:
    reply = await api("GET", "openapi.json")
    assert reply.status == 200 and reply.body["openapi"].startswith("3.")
    assert reply.body["servers"][0]["url"] == jp_base_url + "lifecycle-lab/api"
    assert "/projects/{project_id}/changes" in reply.body["paths"]


async def test_the_served_contract_has_the_evidence_schemas_the_server_validates_against(api) -> None:
    schemas = (await api("GET", "openapi.json")).body["components"]["schemas"]
    assert schemas["EvidenceKind"]["enum"] == list(KINDS)
    assert schemas["FailureModesEvidence"] == SCHEMAS["failure_modes"]
    assert {"$ref": "#/components/schemas/MetricsEvidence"} in schemas["Evidence"]["anyOf"]
