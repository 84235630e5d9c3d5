"""Framework coverage: numbers on small fixtures worked out by hand, the default's crosswalk, the CSV, the CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from lifecycle_lab.coverage import CSV_COLUMNS, coverage_csv, coverage_rows, framework_coverage
from lifecycle_lab.domain import ItemSpec, ItemState, Stage, Template
from lifecycle_lab.frameworks import Clause, Framework, FrameworkRegistry
from lifecycle_lab.service import Lifecycle
from lifecycle_lab.templates import TemplateRegistry, builtin_template_dir

Cli = Callable[..., subprocess.CompletedProcess[str]]
FINGERPRINT = "a" * 64

FW = Framework(
    id="fw", title="Fixture framework", version="1", document="Fixture", url="https://example.org",
    checked="2026-12-06",
    clauses=tuple(Clause(f"c{n}", title, f"Section {n}") for n, title in enumerate(
        ["Purpose", "Review, \"signed\"", "Exclusion", "Data", "Empty evidence", "Nobody serves this"], start=1)),
)
SPECS = (
    ItemSpec("s", "a", "A", "text", refs=("fw:c1", "fw:c2")),
    ItemSpec("s", "b", "B", "check", refs=("fw:c2",)),
    ItemSpec("s", "c", "C", "text", refs=("fw:c3", "other:x", "prose reference")),
    ItemSpec("s", "d", "D", "datasets", refs=("fw:c4",)),
    ItemSpec("s", "e", "E", "text", refs=("fw:c5",)),
)
TEMPLATE = Template(id="t", version="1", title="T", stages=(Stage("s", "S", SPECS),))
STATES = {
    "s/a": ItemState("s/a", status="done", evidence={"text": "written"}),
    "s/b": ItemState("s/b", status="todo"),
    "s/c": ItemState("s/c", status="not_applicable", justification="no such use"),
    "s/d": ItemState("s/d", status="done", evidence={"versions": [
        {"dataset": "loans", "version": 1, "fingerprint": FINGERPRINT}]}),
    "s/e": ItemState("s/e", status="done", evidence={"text": "  "}),
}
STALE = {"s/d": ["dataset loans changed since version 1 was recorded"]}


def test_coverage_counts_match_the_hand_computed_figures() -> None:
    # c1: a done with text → satisfied. c2: a satisfied but b todo → open. c3: c not_applicable → satisfied,
    # excluded. c4: d done but stale → open. c5: e done with blank text → open. c6: no item → uncovered.
    # satisfied 2 of 6 → 2*100//6 = 33 %; covered 5 of 6 → 83 %.
    [result] = framework_coverage(TEMPLATE, STATES, STALE, [FW])
    assert [c.status for c in result.clauses] == ["satisfied", "open", "satisfied", "open", "open", "uncovered"]
    assert [c.excluded for c in result.clauses] == [False, False, True, False, False, False]
    assert result.summary() == {"id": "fw", "title": "Fixture framework", "version": "1", "clauses": 6,
                                "satisfied": 2, "open": 3, "uncovered": 1, "excluded": 1, "percent": 33,
                                "covered_percent": 83}
    c2, c4, c5 = result.clauses[1], result.clauses[3], result.clauses[4]
    assert [(i.key, i.satisfied) for i in c2.items] == [("s/a", True), ("s/b", False)]
    assert c2.items[1].unmet == "B is todo"
    assert c4.items[0].unmet == "D: dataset loans changed since version 1 was recorded"
    assert c5.items[0].unmet == "E is done but has no text evidence"


def test_satisfying_the_last_open_item_of_a_clause_satisfies_the_clause() -> None:
    states = {**STATES, "s/b": ItemState("s/b", status="done")}
    [result] = framework_coverage(TEMPLATE, states, {}, [FW])  # no stale evidence any more either
    # c1, c2, c3, c4 satisfied; c5 open (blank text); c6 uncovered → 4*100//6 = 66 %.
    assert (result.count("satisfied"), result.count("open"), result.count("uncovered"), result.percent) == (4, 1, 1, 66)


def test_a_project_with_no_recorded_state_has_every_served_clause_open() -> None:
    [result] = framework_coverage(TEMPLATE, {}, {}, [FW])
    assert (result.count("satisfied"), result.count("open"), result.count("uncovered"), result.percent,
            result.covered_percent) == (0, 5, 1, 0, 83)


def test_the_default_template_crosswalk_leaves_only_the_expected_gaps() -> None:
    frameworks = FrameworkRegistry([builtin_template_dir()])
    [high_risk, iso] = framework_coverage(TemplateRegistry().get("default"), {}, {},
                                          frameworks.select(["eu-ai-act-high-risk", "iso-42001"]))
    assert [c.clause.id for c in high_risk.clauses if c.status == "uncovered"] == [
        "annex-iv-7", "annex-iv-8", "art-11", "art-14"]  # what only a regulatory pack asks for
    assert high_risk.count("open") == 15 and iso.count("uncovered") == 13


def test_the_coverage_csv_round_trips() -> None:
    results = framework_coverage(TEMPLATE, STATES, STALE, [FW])
    text = coverage_csv(results)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows == coverage_rows(results)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1]["title"] == 'Review, "signed"' and rows[1]["items"] == "s/a s/b"
    assert [r["status"] for r in rows] == [c.status for c in results[0].clauses]


def test_coverage_command_is_read_only_and_prints_json_and_csv(
    cli: Cli, service: Lifecycle, project_dir: Path
) -> None:
    (project_dir / "lifecycle.yaml").write_text(
        "id: 0f6c2a0e-5b1d-4c8e-9a7f-2d4e6b8c0a12\nname: Unknown here\ntemplate: iso-42001\n"
        "frameworks: [iso-42001]\n")
    done = cli(["coverage", "--format", "json"], cwd=project_dir)
    assert done.returncode == 0, done.stderr
    assert "does not know the project" in done.stderr
    [iso] = json.loads(done.stdout)
    assert (iso["id"], iso["clauses"], iso["satisfied"], iso["open"], iso["uncovered"]) == ("iso-42001", 38, 0, 38, 0)
    assert service.store.find_project("0f6c2a0e-5b1d-4c8e-9a7f-2d4e6b8c0a12") is None  # nothing was registered

    service.open_project(project_dir, actor="alice")
    service.set_item(service.open_project(project_dir, actor="alice"), "policies/ai-policy",
                     {"status": "not_applicable", "justification": "covered by the group policy"}, actor="alice")
    done = cli(["coverage", "--format", "csv", "--framework", "iso-42001"], cwd=project_dir)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
    assert rows[0] == {"framework": "iso-42001", "clause": "A.2.2", "section": "A.2 Policies related to AI",
                       "title": "A documented policy for developing or using AI systems", "status": "satisfied",
                       "excluded": "yes", "items": "policies/ai-policy"}
    assert sum(r["status"] == "open" for r in rows) == 37


def test_coverage_of_an_unknown_framework_is_a_usage_error(cli: Cli, project_dir: Path, service: Lifecycle) -> None:
    service.init_project(project_dir, actor="alice", template="default")
    done = cli(["coverage", "--framework", "nist-csf"], cwd=project_dir)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "jupyter lifecycle: error: unknown framework 'nist-csf' (known: eu-ai-act-deployer, eu-ai-act-high-risk, "
        "iso-42001, nist-ai-600-1, nist-ai-rmf)"]
