"""Framework clause tables and the regulation packs: every pack validates, every reference names a real clause."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_templates import problems_of, write

from lifecycle_lab.domain import Template
from lifecycle_lab.errors import NotFound, TemplateError
from lifecycle_lab.frameworks import FrameworkRegistry, load_framework, parse_ref
from lifecycle_lab.templates import TemplateRegistry, builtin_template_dir, load_template

PACKS = ["eu-ai-act-high-risk", "eu-ai-act-deployer", "iso-42001", "nist-ai-rmf", "nist-ai-rmf-genai"]
FRAMEWORKS = FrameworkRegistry([builtin_template_dir()])


def refs_into(template: Template, framework: str) -> dict[str, list[str]]:
    """Clause id → keys of the items that name it, read straight from the items' refs."""
    out: dict[str, list[str]] = {}
    for item in template.items():
        for ref in item.refs:
            if ref.startswith(framework + ":"):
                out.setdefault(ref.split(":", 1)[1], []).append(item.key)
    return out


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_validates(pack: str) -> None:
    template = TemplateRegistry().get(pack)
    assert template.id == pack
    for item in template.items():
        assert item.guidance, f"{item.key} has no guidance"
        assert item.owner_role, f"{item.key} has no owner role"
        assert any(parse_ref(ref) for ref in item.refs), f"{item.key} names no framework clause"


@pytest.mark.parametrize("template_id", [e.id for e in TemplateRegistry().entries()])
def test_every_framework_reference_names_a_clause_of_its_table(template_id: str) -> None:
    known = {framework.id: framework.clause_ids() for framework in FRAMEWORKS.all()}
    for item in TemplateRegistry().get(template_id).items():
        for ref in item.refs:
            parsed = parse_ref(ref)
            if parsed is not None:
                assert parsed[0] in known, f"{item.key}: {ref}"
                assert parsed[1] in known[parsed[0]], f"{item.key}: {ref}"


def test_clause_tables_hold_the_published_structure() -> None:
    iso = FRAMEWORKS.get("iso-42001").clause_ids()
    assert len(iso) == 38
    assert {"A.2.2", "A.3.3", "A.4.6", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.8", "A.7.6", "A.8.5", "A.9.4",
            "A.10.4"} <= iso
    assert not {"A.1.1", "A.6.2.1", "A.6.2.9", "A.7.1", "A.10.5"} & iso
    nist = FRAMEWORKS.get("nist-ai-rmf").clause_ids()
    assert {fn: sum(c.startswith(fn + "-") for c in nist) for fn in ("GOVERN", "MAP", "MEASURE", "MANAGE")} == {
        "GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert {"GOVERN-1.7", "MAP-5.2", "MEASURE-2.13", "MANAGE-4.3"} <= nist
    assert {f"annex-iv-{n}" for n in range(1, 10)} <= FRAMEWORKS.get("eu-ai-act-high-risk").clause_ids()
    assert {"art-9", "art-10", "art-11", "art-12", "art-13", "art-14", "art-15", "art-17", "art-72",
            "art-73"} <= FRAMEWORKS.get("eu-ai-act-high-risk").clause_ids()
    assert {"art-4", "art-27", "art-50-4"} <= FRAMEWORKS.get("eu-ai-act-deployer").clause_ids()
    assert len(FRAMEWORKS.get("nist-ai-600-1").clauses) == 12
    for framework in FRAMEWORKS.all():
        assert framework.url.startswith(("http://", "https://")) and framework.checked == "2026-12-06"
        assert framework.checked_against, f"{framework.id} does not say what it was checked against"


@pytest.mark.parametrize(("pack", "framework"), [
    ("eu-ai-act-high-risk", "eu-ai-act-high-risk"),
    ("eu-ai-act-deployer", "eu-ai-act-deployer"),
    ("iso-42001", "iso-42001"),
    ("nist-ai-rmf", "nist-ai-rmf"),
    ("nist-ai-rmf-genai", "nist-ai-rmf"),
    ("nist-ai-rmf-genai", "nist-ai-600-1"),
])
def test_each_pack_serves_every_clause_of_its_framework(pack: str, framework: str) -> None:
    served = refs_into(TemplateRegistry().get(pack), framework)
    assert set(served) == FRAMEWORKS.get(framework).clause_ids()


def test_the_iso_pack_is_a_statement_of_applicability_one_required_item_per_control() -> None:
    template = TemplateRegistry().get("iso-42001")
    own = [[ref for ref in item.refs if ref.startswith("iso-42001:")] for item in template.items()]
    assert all(item.required for item in template.items())
    # each control has exactly one item whose own title starts with its id, so an exclusion is one not_applicable
    titled = {item.title.split(" ", 1)[0]: item.key for item in template.items()}
    assert set(titled) == FRAMEWORKS.get("iso-42001").clause_ids()
    assert all(f"iso-42001:{control}" in refs for control, refs in zip(titled, own, strict=True))


def test_pack_items_reuse_default_items_and_keep_their_crosswalk() -> None:
    default = TemplateRegistry().get("default").item("framing/failure-modes")
    pack = TemplateRegistry().get("eu-ai-act-high-risk").item("risk/failure-modes")
    assert (pack.title, pack.guidance, pack.evidence) == (default.title, default.guidance, default.evidence)
    assert set(default.refs) <= set(pack.refs)
    overridden = TemplateRegistry().get("eu-ai-act-high-risk").item("risk/test-thresholds")
    assert overridden.title == "Metrics and probabilistic thresholds fixed before testing"
    assert overridden.evidence == "text"  # from default's objective-metric


def test_the_high_risk_pack_states_the_application_dates_of_its_version() -> None:
    source = TemplateRegistry().get("eu-ai-act-high-risk").source
    for fact in ("2 December 2027", "2 August 2028", "2 August 2026", "2026/1744", "2026-12-06"):
        assert fact in source


TEAM = """\
id: team
version: "1"
title: Team checklist
roles:
  - id: owner
    title: Owner
stages:
  - id: scope
    title: Scope
    items:
      - id: purpose
        title: Purpose
        evidence: text
        refs:
          - ACME policy, section 4
          - https://example.org/policy#4
          - {ref}
"""


def test_a_reference_to_a_clause_that_does_not_exist_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, TEAM.format(ref="iso-42001:A.6.2.9"))
    assert problems_of(path) == [f"{path}:17: stages[0].items[0].refs[2]: framework 'iso-42001' has no clause "
                                 f"'A.6.2.9' (see {builtin_template_dir() / 'frameworks' / 'iso-42001.yaml'})"]


def test_a_reference_to_an_unknown_framework_is_refused(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, TEAM.format(ref="iso-42010:A.2.2")))
    assert len(problems) == 1 and ":17: stages[0].items[0].refs[2]: unknown framework 'iso-42010'" in problems[0]


def test_prose_and_url_references_are_free(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, TEAM.format(ref="nist-ai-rmf:MAP-1.1")))
    assert template.item("scope/purpose").refs[:2] == ("ACME policy, section 4", "https://example.org/policy#4")


def test_an_item_can_extend_an_item_of_another_template(tmp_path: Path) -> None:
    path = write(tmp_path, TEAM.replace("""        title: Purpose
        evidence: text
""", """        extends: default/framing/problem-statement
        owner_role: owner
""").format(ref="nist-ai-rmf:MAP-1.3"))
    item = load_template(path).item("scope/purpose")
    base = TemplateRegistry().get("default").item("framing/problem-statement")
    assert (item.title, item.evidence, item.guidance, item.required) == (base.title, base.evidence, base.guidance,
                                                                         True)
    assert item.refs[:3] == ("ACME policy, section 4", "https://example.org/policy#4", "nist-ai-rmf:MAP-1.3")
    assert set(base.refs) <= set(item.refs)


def test_extending_an_item_that_does_not_exist_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, TEAM.replace("""        title: Purpose
        evidence: text
""", """        extends: default/framing/no-such-item
""").format(ref="nist-ai-rmf:MAP-1.3"))
    assert problems_of(path) == [f"{path}:12: stages[0].items[0].extends: template 'default' has no item "
                                 "'framing/no-such-item'"]


def test_an_organisation_can_add_its_own_clause_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "frameworks").mkdir()
    write(tmp_path / "frameworks", """\
id: acme-policy
title: ACME model risk policy
version: "3"
document: ACME model risk policy v3
url: https://intranet.example/policy
checked: "2026-12-01"
clauses:
  - {id: s4, title: Independent review, section: Section 4}
""", "acme.yaml")
    write(tmp_path, TEAM.format(ref="acme-policy:s4"))
    monkeypatch.setenv("LIFECYCLE_LAB_TEMPLATE_PATH", str(tmp_path))
    assert TemplateRegistry().get("team").item("scope/purpose").refs[-1] == "acme-policy:s4"


def test_a_clause_table_with_a_duplicate_id_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, """\
id: dup
title: Duplicate
version: "1"
document: d
url: https://example.org
checked: "2026-12-01"
clauses:
  - {id: a, title: A, section: "1"}
  - {id: a, title: B, section: "2"}
""", "dup.yaml")
    with pytest.raises(TemplateError) as info:
        load_framework(path)
    assert info.value.problems == [f"{path}:9: clauses[1].id: duplicate clause id 'a' (also at index 0)"]


def test_an_unknown_framework_id_lists_the_known_ones() -> None:
    with pytest.raises(NotFound, match="known: eu-ai-act-deployer, eu-ai-act-high-risk, iso-42001, nist-ai-600-1, "
                                       "nist-ai-rmf"):
        FRAMEWORKS.get("nist-csf")
