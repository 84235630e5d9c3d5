"""Template scores derived from item states (pure). Today: the ML Test Score rubric.

ML Test Score (Breck et al., 2017): each test earns 0.5 when it is done by hand with
its results written down and shared, 1.0 when it is automated and runs repeatedly;
a section scores the sum of its tests, and the final score is the lowest section's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .domain import ItemState, Template

POINTS = {"manual": 0.5, "automated": 1.0}

# (upper bound inclusive, meaning) in ascending order; above the last bound is the top band
BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "a research project: nothing production-tested yet"),
    (1.0, "some tests exist, but serious reliability gaps remain"),
    (2.0, "a first pass at production readiness; more tests and automation are needed"),
    (3.0, "reasonably tested; automate what is still done by hand"),
    (5.0, "strong automated testing and monitoring, fit for important systems"),
)
TOP_BAND = "exceptional automated testing and monitoring"


@dataclass(frozen=True)
class SectionScore:
    """One section's points and how its tests are run."""

    section: str
    title: str
    points: float
    tests: int
    manual: int
    automated: int

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Score:
    """A template score: per-section points, the final score and what it means."""

    kind: str
    title: str
    sections: tuple[SectionScore, ...]
    final: float
    band: str

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"kind": self.kind, "title": self.title, "final": self.final, "band": self.band,
                "sections": [s.to_json() for s in self.sections]}


def band_of(score: float) -> str:
    """The rubric's reading of a final score."""
    for bound, meaning in BANDS:
        if score <= bound:
            return meaning
    return TOP_BAND


def points_for(state: ItemState | None) -> float:
    """0.5 for a done manual test, 1.0 for a done automated one, else 0."""
    if state is None or state.status != "done" or not isinstance(state.evidence, dict):
        return 0.0
    return POINTS.get(state.evidence.get("mode", ""), 0.0)


def ml_test_score(template: Template, states: Mapping[str, ItemState]) -> Score:
    """The ML Test Score: sections are stage ``section`` names (or stage ids); final = the minimum."""
    sections: dict[str, list[float]] = {}
    titles: dict[str, str] = {}
    for stage in template.stages:
        section = stage.section or stage.id
        titles.setdefault(section, stage.title)
        for item in stage.items:
            if item.evidence == "test":
                sections.setdefault(section, []).append(points_for(states.get(item.key)))
    scored = tuple(
        SectionScore(section=name, title=titles[name], points=sum(points), tests=len(points),
                     manual=points.count(POINTS["manual"]), automated=points.count(POINTS["automated"]))
        for name, points in sections.items()
    )
    final = min((s.points for s in scored), default=0.0)
    return Score(kind="ml_test_score", title="ML Test Score", sections=scored, final=final, band=band_of(final))


SCORERS = {"ml_test_score": ml_test_score}


def template_score(template: Template, states: Mapping[str, ItemState]) -> Score | None:
    """The template's score, when its ``scoring`` names one."""
    scorer = SCORERS.get(template.scoring or "")
    return scorer(template, states) if scorer else None
