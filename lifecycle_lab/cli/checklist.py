"""The checklist commands: init, status, set, signoff, gate, templates, coverage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..coverage import coverage_csv
from ..errors import TemplateError, ValidationError
from ..report import annex_iv
from ..report.coverage import coverage_read_only
from ..scores import template_score
from ..service import Project
from ..templates import load_template, registry_for
from .base import FAILED, OK, USAGE, Context, UsageError, bar, print_json, read_only


def cmd_init(ctx: Context) -> int:
    """Create ``lifecycle.yaml`` and register the project."""
    a = ctx.args
    project = ctx.service.init_project(
        a.directory or a.project or Path.cwd(), actor=ctx.user, template=a.template, name=a.name,
        notebooks=a.notebook or None,
    )
    print(f"initialised {project.manifest.name!r} ({project.template.id} template, "
          f"{len(list(project.template.items()))} items) in {project.directory}")
    print(f"project id {project.id}")
    return OK

@read_only
def cmd_status(ctx: Context) -> int:
    """Progress per stage, gates, overdue and stale items."""
    project = ctx.project()
    if ctx.args.format == "json":
        print_json(ctx.service.view(project))
        return OK
    summary = ctx.service.summary(project)
    print(f"{project.manifest.name} · {project.template.title} v{project.template.version}")
    overall = summary.overall
    print(f"overall  {bar(overall.ratio)} {int(overall.ratio * 100):3d}%  {overall.done}/{overall.applicable} done"
          f"  · {'ready' if summary.ready else 'blocked'}")
    print()
    width = max(len(s.title) for s in project.template.stages)
    for stage in project.template.stages:
        prog, gate = summary.stages[stage.id], summary.gates[stage.id]
        gate_text = "gate passes" if gate.passed else f"blocked ({len(gate.blockers)})"
        print(f"{stage.title:<{width}}  {bar(prog.ratio, 12)} {int(prog.ratio * 100):3d}%  "
              f"{prog.done:>2}/{prog.applicable:<2}  {gate_text}")
        if ctx.args.items:
            for item in stage.items:
                state = summary.states[item.key]
                flags = [f for f, on in (("overdue", item.key in summary.overdue),
                                         ("stale", item.key in summary.stale)) if on]
                print(f"    {state.status:<15} {item.key:<45} {state.owner or '-':<15} "
                      f"{state.due.isoformat() if state.due else '-':<10} {' '.join(flags)}")
    score = template_score(project.template, summary.states)
    if score is not None:
        sections = ", ".join(f"{s.title} {s.points:g}" for s in score.sections)
        print(f"\n{score.title} {score.final:g} ({sections}): {score.band}")
    if summary.overdue:
        print(f"\noverdue: {', '.join(summary.overdue)}")
    for key, reasons in summary.stale.items():
        print(f"stale: {key}: {'; '.join(reasons)}")
    revalidation = ctx.service.revalidation(project)
    if revalidation is not None:
        last = revalidation.last.isoformat() if revalidation.last else "never"
        print(f"revalidation every {revalidation.every}: last {last}, next due {revalidation.next_due.isoformat()}"
              f"{' · OVERDUE' if revalidation.overdue else ''}")
    return OK

def cmd_set(ctx: Context) -> int:
    """Change an item's status, owner, due date, notes, justification or evidence."""
    a = ctx.args
    changes: dict[str, Any] = {}
    for field, value in (("status", a.status), ("owner", a.owner), ("due", a.due), ("notes", a.note),
                         ("justification", a.justification)):
        if value is not None:
            changes[field] = value
    if a.evidence is not None:
        raw = Path(a.evidence[1:]).read_text(encoding="utf-8") if a.evidence.startswith("@") else a.evidence
        try:
            changes["evidence"] = json.loads(raw)
        except ValueError as exc:
            raise ValidationError(f"--evidence: not valid JSON ({exc})", field="evidence") from None
    if not changes:
        raise UsageError("nothing to set: give --status, --owner, --due, --note, --justification or --evidence")
    project = ctx.project()
    state = ctx.service.set_item(project, a.item, changes, actor=ctx.user, expected_version=a.expect_version)
    print(f"{a.item}: {state.status} (version {state.version})")
    return OK

def cmd_signoff(ctx: Context) -> int:
    """Approve or reject a stage as a role."""
    a = ctx.args
    project = ctx.project()
    decision = "approve" if a.approve else "reject"
    signoff = ctx.service.signoff(project, a.stage, a.role, decision, actor=ctx.user, comment=a.comment or "")
    print(f"{signoff.stage}: {'approved' if a.approve else 'rejected'} by {signoff.user} as {signoff.role}")
    return OK

def _annex_iv_gate(ctx: Context, project: Project) -> bool:
    """Print whether every Annex IV point is complete; True when it is."""
    annex = annex_iv(ctx.service, project, generated_by=ctx.user)
    if ctx.args.format == "json":
        print_json({"layout": annex["layout"], "passed": annex["complete"], "points": [
            {"number": p["number"], "title": p["title"], "status": p["status"], "missing": p["missing"]}
            for p in annex["points"]]})
        return bool(annex["complete"])
    for point in annex["points"]:
        print(f"{'PASS' if point['status'] == 'complete' else 'MISSING':<8} Annex IV point {point['number']}: "
              f"{point['title']}")
        for reason in point["missing"]:
            print(f"    {reason}")
    return bool(annex["complete"])

@read_only
def cmd_gate(ctx: Context) -> int:
    """Exit 1 while a gate is blocked (or, with ``--require annex-iv``, an Annex IV point is missing)."""
    project = ctx.project()
    if ctx.args.require == "annex-iv":
        return OK if _annex_iv_gate(ctx, project) else FAILED
    results = ctx.service.gates(project, ctx.args.stage)
    if ctx.args.format == "json":
        print_json([r.to_json() for r in results])
    else:
        for result in results:
            title = project.template.stage(result.stage).title
            print(f"{'PASS' if result.passed else 'BLOCKED'}  {title}")
            for blocker in result.blockers:
                print(f"    {blocker.kind:<17} {blocker.target:<40} {blocker.message}")
        anchor = ctx.service.anchor_status(project.id, project.directory)
        if anchor.behind > 0:
            print(f"note: {anchor.describe()}")
    return OK if all(r.passed for r in results) else FAILED

def cmd_templates(ctx: Context) -> int:
    """List the templates on the search path, or validate template files."""
    if ctx.args.action == "list":
        registry = registry_for(ctx.settings.template_path)
        if ctx.args.format == "json":
            print_json([{"id": e.id, "title": e.title, "version": e.version, "path": str(e.path)}
                         for e in registry.entries()])
            return OK
        for entry in registry.entries():
            print(f"{entry.id:<20} {entry.version:<8} {entry.title}  ({entry.path})")
        print("search path: " + ", ".join(str(p) for p in registry.search))
        return OK
    if not ctx.args.files:
        raise UsageError("templates validate needs at least one FILE")
    status = OK
    for file in ctx.args.files:
        try:
            template = load_template(file)
        except TemplateError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            status = USAGE
        else:
            print(f"{file}: ok ({template.id} v{template.version}, {len(template.stages)} stages, "
                  f"{len(list(template.items()))} items)")
    return status

def cmd_coverage(ctx: Context) -> int:
    """Per framework: clauses served by satisfied items, by open items, and not served at all (read-only)."""
    a = ctx.args
    results, known = coverage_read_only(ctx.service, a.project or Path.cwd(), a.framework or [])
    if not known:
        print("note: this store does not know the project yet; every item is counted as to do", file=sys.stderr)
    if a.format == "json":
        print_json([result.to_json() for result in results])
    elif a.format == "csv":
        sys.stdout.write(coverage_csv(results))
    else:
        for result in results:
            total = len(result.clauses)
            print(f"{result.framework.id}  {result.framework.title}")
            print(f"  {bar(result.percent / 100)} {result.percent:3d}% satisfied: {result.count('satisfied')}/{total}"
                  f" · open {result.count('open')} · uncovered {result.count('uncovered')}"
                  f" · covered {result.covered_percent}%")
            for clause in result.clauses:
                keys = ", ".join(item.key for item in clause.items) or "-"
                status = "excluded" if clause.excluded else clause.status
                print(f"    {status:<10} {clause.clause.id:<14} {clause.clause.title[:60]:<60}  {keys}")
            print()
    return OK
