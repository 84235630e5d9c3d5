"""The data and notebook commands: dataset versions (add, verify, discover) and the reproducibility lint."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ValidationError
from ..lint import SEVERITIES, LintReport
from ..lint.sarif import to_sarif
from .base import FAILED, OK, Context, UsageError, print_json


def cmd_dataset(ctx: Context) -> int:
    """Record a dataset version, verify every recorded dataset against its data, or discover unregistered data."""
    project = ctx.project()
    if ctx.args.action == "discover":
        return discover_datasets(ctx, project)
    if ctx.args.action == "add":
        if not ctx.args.path:
            raise UsageError("dataset add needs a PATH")
        version, created = ctx.service.add_dataset(project, ctx.args.path, name=ctx.args.name, actor=ctx.user)
        what = "recorded" if created else "unchanged, still"
        shape = f", {version.rows} rows × {version.columns} columns" if version.rows is not None else ""
        print(f"{version.name}: {what} version {version.version} (sha256 {version.sha256[:12]}…, "
              f"{version.size} bytes{shape})")
        return OK
    checks = ctx.service.check_datasets(project)
    if ctx.args.format == "json":
        print_json([c.to_json() for c in checks])
    else:
        for check in checks:
            print(f"{check.status.upper():<8} {check.recorded.name} v{check.recorded.version} ({check.recorded.path})")
        if not checks:
            print("no datasets recorded; use `jupyter lifecycle dataset add PATH --name NAME`")
    return OK if all(c.status == "ok" for c in checks) else FAILED

def report_lines(report: LintReport) -> list[str]:
    """The findings for a terminal: place, severity, rule, message, then the fix; a summary line last."""
    lines = []
    for finding in report.findings:
        lines.append(f"{finding.where}: {finding.severity} [{finding.rule}] {finding.message}")
        lines.append(f"    fix: {finding.fix}")
    counts = report.counts()
    summary = (f"{len(report.findings)} findings ({counts['error']} errors, {counts['warning']} warnings, "
               f"{counts['info']} notes) in {len(report.notebooks)} notebooks")
    if report.suppressed:
        summary += f"; {report.suppressed} suppressed"
    lines.append(summary)
    if report.unregistered:
        lines.append(f"{len(report.unregistered)} data files read but not registered: "
                     "`jupyter lifecycle dataset discover --add` registers them")
    return lines

def cmd_lint(ctx: Any) -> int:
    """Lint notebooks statically: 0 no finding at or above --fail-on, 1 some, 2 bad input."""
    a = ctx.args
    project = ctx.project()
    fail_on = a.fail_on or project.manifest.lint.get("fail_on", "warning")
    keys: list[str] = []
    if a.record:
        if a.notebooks:
            raise ValidationError("--record lints every notebook of the project: name no NOTEBOOK")
        report, keys = ctx.service.record_lint(project, actor=ctx.user)
    else:  # named relative to the current folder, like `rerun`
        notebooks = [str(Path(nb).expanduser().resolve()) for nb in a.notebooks] or None
        report = ctx.service.lint(project, notebooks)
    if a.format == "json":
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    elif a.format == "sarif":
        print(json.dumps(to_sarif(report, project.directory, __version__), indent=2))
    else:
        print("\n".join(report_lines(report)))
    if a.record:
        where = ", ".join(keys) if keys else "no item (the template has no `lint` item)"
        print(f"recorded on {where}", file=sys.stdout if a.format == "table" else sys.stderr)
    return FAILED if report.failed(fail_on) else OK

def discover_datasets(ctx: Any, project: Any) -> int:
    """List the data files the notebooks read that are no registered datasets; ``--add`` registers them."""
    found = ctx.service.lint(project).unregistered
    if not found:
        print("no unregistered data: every data file the notebooks read is a registered dataset")
        return OK
    if not ctx.args.add:
        if ctx.args.format == "json":
            print(json.dumps([f.to_json() for f in found], indent=2, sort_keys=True))
            return OK
        for f in found:
            print(f"{f.path:<40} {f.size:>12,} bytes  read by {f.reader}")
        print(f"{len(found)} data files not registered; `jupyter lifecycle dataset discover --add` registers them")
        return OK
    for f in found:
        version, created = ctx.service.add_dataset(project, f.path, actor=ctx.user)
        what = "recorded" if created else "unchanged, still"
        print(f"{version.name}: {what} version {version.version} ({version.path}, sha256 {version.sha256[:12]}…)")
    return OK

def add_lint_command(add: Callable[[str, Callable[[Any], int], str], argparse.ArgumentParser]) -> None:
    """Add ``lint`` to the ``jupyter lifecycle`` parser."""
    p = add("lint", cmd_lint, "lint notebooks for what makes a rerun differ (hidden state, unseeded randomness, "
                              "absolute paths, unregistered data, unpinned environment, network reads)")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="notebooks to lint (default: the manifest's)")
    p.add_argument("--format", choices=["table", "json", "sarif"], default="table")
    p.add_argument("--fail-on", choices=list(SEVERITIES), default=None,
                   help="exit 1 when a finding is at or above this severity (default: lint.fail_on in "
                        "lifecycle.yaml, else warning)")
    p.add_argument("--record", action="store_true",
                   help="record the result as the evidence of the template's `lint` items")
