"""The reproducibility commands: rerun notebooks now, revalidate projects on their schedule."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .base import FAILED, OK, USAGE, Context, bar, print_json

if TYPE_CHECKING:
    from ..service import Run


def cmd_rerun(ctx: Context) -> int:
    """Rerun notebooks in a worker process and compare outputs: 0 reproduced, 1 not, 2 bad input."""
    from ..repro.notebooks import read_notebook
    from ..repro.summary import has_bad_input, passed, progress_text, run_lines

    a = ctx.args
    project = ctx.project()
    runs = ctx.runs()
    notebooks = [str(Path(nb).expanduser().resolve()) for nb in a.notebooks]  # named relative to the current folder
    # A typo is a usage error, not a failed run: check every notebook before one is recorded.
    listed = project.manifest.notebooks
    named = list(zip(a.notebooks, notebooks, strict=True)) if a.notebooks else [
        (f"lifecycle.yaml notebooks[{i}] {nb!r}", project.directory / nb) for i, nb in enumerate(listed)]
    for display, path in named:
        runs.project_path(project, path, display=display if not a.notebooks else None)  # outside: a usage error
        read_notebook(Path(path), display=display)
    run = runs.start(project, notebooks, twice=a.twice, actor=ctx.user, sandbox=a.sandbox)
    tty = not a.json and sys.stderr.isatty()

    def draw(current: Run) -> None:
        ratio, label = progress_text(current.to_json())
        sys.stderr.write(f"\r\x1b[2K{bar(ratio)} {int(ratio * 100):3d}%  {label}")
        sys.stderr.flush()

    interrupted = False
    try:
        run = runs.wait(run.id, on_progress=draw if tty else None)
    except KeyboardInterrupt:
        interrupted = True
        run = runs.cancel(run.id, actor=ctx.user)
    finally:
        if tty:
            sys.stderr.write("\r\x1b[2K")
    document = run.to_json()  # the text is written from the run's JSON, as a client of the REST API sees it
    if a.json:
        print_json(document)
    else:
        print("\n".join(run_lines(document)))
    if interrupted:
        return 130
    if has_bad_input(document):
        return USAGE
    return OK if passed(document) else FAILED

def cmd_revalidate(ctx: Context) -> int:
    """Rerun every due project (or all): a table of project, verdict, duration; 1 when any does not reproduce."""
    from ..repro import revalidate as rv

    a = ctx.args
    today = dt.date.fromisoformat(a.as_of) if a.as_of else ctx.service.today()
    if a.all_projects:
        candidates = rv.known_projects(ctx.service, today)
    else:
        candidates = [rv.candidate(ctx.service, ctx.project(), today)]
    chosen = rv.select(candidates, due_only=a.due, scheduled_only=a.all_projects)
    for c in candidates:  # announce each schedule that has just become overdue, once
        if c.project is not None:
            ctx.service.notifications.overdue(c.project, c.status, actor=ctx.user)
    runs = ctx.runs()
    outcomes = rv.revalidate(ctx.service, runs, chosen, actor=ctx.user)
    if a.format == "json":
        print_json([o.to_json() for o in outcomes])
    elif not outcomes:
        print(f"nothing to revalidate ({'none due' if a.due else 'no project with a revalidate: section'} "
              f"as of {today.isoformat()})")
    else:
        width = max(len(o.candidate.name) for o in outcomes)
        print(f"{'project':<{width}}  {'verdict':<16}  duration  run")
        for o in outcomes:
            duration = f"{o.duration:7.1f}s" if o.duration is not None else "       -"
            shown = o.run.id if o.run else o.error
            print(f"{o.candidate.name:<{width}}  {o.verdict:<16}  {duration}  {shown}")
    return OK if all(o.passed for o in outcomes) else FAILED
