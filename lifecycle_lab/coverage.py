"""Coverage of frameworks by a checklist: which clauses the project's items serve, and how far.

Pure: a function of the template, the item states, the stale evidence and the
clause tables. An item serves a clause when its ``refs`` name it
(``iso-42001:A.6.2.4``). A clause is

- **satisfied** when at least one item serves it and every item serving it is
  satisfied (the gate's rule: done with evidence that is present, passing and not
  stale, or not_applicable with a justification);
- **open** when items serve it but one of them is not satisfied yet;
- **uncovered** when no item of the template serves it.

A clause all of whose items are not_applicable is *excluded* (an exclusion in a
Statement of Applicability); it counts as satisfied.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .domain import ItemSpec, ItemState, Template, item_blockers
from .frameworks import Clause, Framework, parse_ref

STATUSES: tuple[str, ...] = ("satisfied", "open", "uncovered")
CSV_COLUMNS: tuple[str, ...] = ("framework", "clause", "section", "title", "status", "excluded", "items")


def unmet_reason(spec: ItemSpec, state: ItemState, stale: Mapping[str, list[str]]) -> str:
    """Why the item is not met yet ("" when it is), by the same rule a gate applies to a required item."""
    # One rule for "met": the gate's; coverage must never call an item met that would block a gate.
    blockers = item_blockers(spec, state, stale)
    return blockers[0].message if blockers else ""


@dataclass(frozen=True)
class ItemStanding:
    """One item serving a clause: its key, status, and why it is not satisfied ("" when it is)."""

    key: str
    title: str
    status: str
    unmet: str = ""

    @property
    def satisfied(self) -> bool:
        """Met by the gate's rule."""
        return not self.unmet

    def to_json(self) -> dict[str, object]:
        """As JSON."""
        return {"key": self.key, "title": self.title, "status": self.status, "satisfied": self.satisfied,
                "unmet": self.unmet}


@dataclass(frozen=True)
class ClauseCoverage:
    """How one clause is served: satisfied, open or uncovered, and by which items."""

    clause: Clause
    status: str
    items: tuple[ItemStanding, ...] = ()

    @property
    def excluded(self) -> bool:
        """Every item serving the clause is not_applicable (the clause is excluded, with justification)."""
        return bool(self.items) and all(item.status == "not_applicable" for item in self.items)

    def to_json(self) -> dict[str, object]:
        """As JSON."""
        return {**self.clause.to_json(), "status": self.status, "excluded": self.excluded,
                "items": [item.to_json() for item in self.items]}


@dataclass(frozen=True)
class FrameworkCoverage:
    """The coverage of one framework: every clause with its standing, and the totals."""

    framework: Framework
    clauses: tuple[ClauseCoverage, ...]

    def count(self, status: str) -> int:
        """How many clauses have this status."""
        return sum(clause.status == status for clause in self.clauses)

    @property
    def percent(self) -> int:
        """Satisfied clauses as a share of all clauses, rounded down (100 for an empty table)."""
        return self.count("satisfied") * 100 // len(self.clauses) if self.clauses else 100

    @property
    def covered_percent(self) -> int:
        """Clauses served by at least one item as a share of all clauses, rounded down."""
        covered = len(self.clauses) - self.count("uncovered")
        return covered * 100 // len(self.clauses) if self.clauses else 100

    def summary(self) -> dict[str, object]:
        """The totals only, as JSON (what a sidebar or a cover page shows)."""
        return {
            "id": self.framework.id,
            "title": self.framework.title,
            "version": self.framework.version,
            "clauses": len(self.clauses),
            **{status: self.count(status) for status in STATUSES},
            "excluded": sum(clause.excluded for clause in self.clauses),
            "percent": self.percent,
            "covered_percent": self.covered_percent,
        }

    def to_json(self) -> dict[str, object]:
        """Totals and every clause, as JSON."""
        return {**self.summary(), "document": self.framework.document, "url": self.framework.url,
                "checked": self.framework.checked, "clause_status": [c.to_json() for c in self.clauses]}


def items_by_clause(template: Template) -> dict[tuple[str, str], list[ItemSpec]]:
    """(framework, clause) → the template's items whose refs name it, in template order."""
    serving: dict[tuple[str, str], list[ItemSpec]] = {}
    for item in template.items():
        for ref in item.refs:
            parsed = parse_ref(ref)
            if parsed is not None and item not in serving.setdefault(parsed, []):
                serving[parsed].append(item)
    return serving


def framework_coverage(
    template: Template,
    states: Mapping[str, ItemState],
    stale: Mapping[str, list[str]],
    frameworks: Iterable[Framework],
) -> list[FrameworkCoverage]:
    """The coverage of each framework by the template's items in the given states."""
    serving = items_by_clause(template)
    standings: dict[str, ItemStanding] = {}  # each item judged once, however many clauses it serves

    def standing_of(spec: ItemSpec) -> ItemStanding:
        if spec.key not in standings:
            state = states.get(spec.key) or ItemState(spec.key)
            standings[spec.key] = ItemStanding(spec.key, spec.title, state.status, unmet_reason(spec, state, stale))
        return standings[spec.key]

    results = []
    for framework in frameworks:
        clauses = []
        for clause in framework.clauses:
            standing = tuple(standing_of(spec) for spec in serving.get((framework.id, clause.id), []))
            status = "uncovered" if not standing else "satisfied" if all(s.satisfied for s in standing) else "open"
            clauses.append(ClauseCoverage(clause, status, standing))
        results.append(FrameworkCoverage(framework, tuple(clauses)))
    return results


def coverage_rows(results: Iterable[FrameworkCoverage]) -> list[dict[str, str]]:
    """One flat row per clause (the CSV's rows): strings only, items as space-separated keys."""
    return [
        {"framework": result.framework.id, "clause": c.clause.id, "section": c.clause.section,
         "title": c.clause.title, "status": c.status, "excluded": "yes" if c.excluded else "no",
         "items": " ".join(item.key for item in c.items)}
        for result in results for c in result.clauses
    ]


def coverage_csv(results: Iterable[FrameworkCoverage]) -> str:
    """The coverage as CSV (RFC 4180, with a header row), for compliance tools and spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(coverage_rows(results))
    return out.getvalue()
