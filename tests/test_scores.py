"""The ML Test Score rubric: 0.5 manual, 1.0 automated, a section sums its tests, the final is the minimum."""

from __future__ import annotations

import pytest

from lifecycle_lab import domain as cl
from lifecycle_lab.scores import band_of, ml_test_score, template_score


def rubric_template(per_section: int = 3) -> cl.Template:
    stages = tuple(
        cl.Stage(id=name, title=name.title(), section=name,
                 items=tuple(cl.ItemSpec(name, f"t{i}", f"Test {i}", "test", required=True)
                             for i in range(per_section)))
        for name in ("data", "model", "infrastructure", "monitoring")
    )
    return cl.Template(id="r", version="1", title="R", stages=stages, scoring="ml_test_score")


def done(key: str, mode: str | None, status: str = "done") -> cl.ItemState:
    evidence = {"mode": mode} if mode else None
    return cl.ItemState(key=key, status=status, evidence=evidence, version=1)


def test_untouched_project_scores_zero() -> None:
    score = ml_test_score(rubric_template(), {})
    assert score.final == 0 and [s.points for s in score.sections] == [0, 0, 0, 0]
    assert score.band == band_of(0) and "research project" in score.band


def test_manual_half_automated_one_and_final_is_the_minimum() -> None:
    states = {s.key: s for s in [
        done("data/t0", "automated"), done("data/t1", "automated"), done("data/t2", "manual"),
        done("model/t0", "manual"), done("model/t1", "manual"),
        done("infrastructure/t0", "automated"), done("infrastructure/t1", "automated"),
        done("infrastructure/t2", "automated"),
        done("monitoring/t0", "automated"), done("monitoring/t1", "manual"),
    ]}
    score = ml_test_score(rubric_template(), states)
    assert {s.section: s.points for s in score.sections} == {
        "data": 2.5, "model": 1.0, "infrastructure": 3.0, "monitoring": 1.5}
    assert score.final == 1.0
    model = next(s for s in score.sections if s.section == "model")
    assert (model.tests, model.manual, model.automated) == (3, 2, 0)


@pytest.mark.parametrize("status", ["todo", "in_progress", "blocked", "not_applicable"])
def test_only_done_tests_score(status: str) -> None:
    states = {"data/t0": done("data/t0", "automated", status=status)}
    assert ml_test_score(rubric_template(), states).sections[0].points == 0


def test_done_without_a_mode_scores_nothing() -> None:
    assert ml_test_score(rubric_template(), {"data/t0": done("data/t0", None)}).sections[0].points == 0


@pytest.mark.parametrize(("final", "words"), [
    (0, "research project"), (0.5, "serious reliability gaps"), (1.0, "serious reliability gaps"),
    (1.5, "first pass"), (3.0, "reasonably tested"), (4.5, "strong automated"), (7, "exceptional"),
])
def test_bands(final: float, words: str) -> None:
    assert words in band_of(final)


def test_templates_without_scoring_have_no_score() -> None:
    plain = cl.Template(id="p", version="1", title="P", stages=())
    assert template_score(plain, {}) is None


def test_shipped_ml_test_score_template_scores_28_tests_in_four_sections(service, project_dir) -> None:
    project = service.init_project(project_dir, actor="alice", template="ml-test-score")
    sections = [s.section for s in project.template.stages]
    assert sections == ["data", "model", "infrastructure", "monitoring"]
    assert all(len(s.items) == 7 and all(i.evidence == "test" for i in s.items) for s in project.template.stages)
    for stage, mode in zip(project.template.stages, ["automated", "manual", "automated", "automated"], strict=True):
        for item in stage.items[:4]:
            service.set_item(project, item.key, {"status": "done", "evidence": {"mode": mode}}, actor="alice")
    score = service.view(project)["score"]
    assert [s["points"] for s in score["sections"]] == [4.0, 2.0, 4.0, 4.0]
    assert score["final"] == 2.0 and "first pass" in score["band"]
