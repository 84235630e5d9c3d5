"""``jupyter lifecycle``: the checklist from a terminal or CI.

Exit status: 0 ok, 1 a check failed (gate blocked, chain broken, data changed,
version conflict), 2 a usage or input error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from . import __version__
from .anchors import parse_against
from .config import Settings, make_run_service, make_service
from .coverage import coverage_csv
from .errors import Conflict, LifecycleError, NotFound, TemplateError, ValidationError
from .identity import current_user
from .lint_cli import add_lint_command, discover_datasets
from .policy import PolicyRefused
from .project import find_project_dir, read_manifest
from .report import FORMATS, LAYOUTS, annex_iv, export_project
from .report.coverage import coverage_read_only
from .report.state import read_export
from .scores import template_score
from .service import Lifecycle, Project, ProjectRecord, state_project
from .templates import load_template, registry_for
from .verification import verification_lines

if TYPE_CHECKING:
    from .service.runs import RunService  # papermill-free, but still only loaded by the commands that rerun

OK, FAILED, USAGE = 0, 1, 2


class UsageError(LifecycleError):
    """A command line that cannot be acted on."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its one-line style
        self.print_usage(sys.stderr)
        raise UsageError(message)


Command = Callable[["Context"], int]


def read_only(command: Command) -> Command:
    """Mark a command that only reads: it never creates a store or registers a project.

    On a store or project that does not exist it exits 2 naming the store, instead of showing an empty project.
    """
    command.read_only = True  # type: ignore[attr-defined]
    return command


class Context:
    """What every command needs: the parsed arguments, the service and the acting user."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.user = current_user(args.user)
        self.read_only = bool(getattr(getattr(args, "func", None), "read_only", False))
        self._service: Lifecycle | None = None
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The settings: ``--db``, ``--executor``, ``--scheduler`` → environment → Jupyter config → default."""
        if self._settings is None:
            a = self.args
            self._settings = Settings.resolve({"db_url": a.db, "executor": getattr(a, "executor", None),
                                               "dask_scheduler": getattr(a, "scheduler", None)})
        return self._settings

    @property
    def service(self) -> Lifecycle:
        """The service over the resolved store (opened on first use; never created by a read-only command)."""
        if self._service is None:
            self._service = make_service(self.settings, create=not self.read_only)
        return self._service

    def runs(self) -> RunService:
        """The run service over :attr:`service`, with the executor of the settings."""
        return make_run_service(self.service)

    def project(self) -> Project:
        """The project named by ``--project`` or found walking up from the current folder.

        A read-only command gets it only if the store knows it; any other registers it on first sight.
        """
        where = self.args.project or Path.cwd()
        if self.read_only:  # no project folder here is the first thing to say, before which store lacks it
            folder = find_project_dir(where)
            return self.service.existing_project(folder)
        return self.service.open_project(where, actor=self.user)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


def _bar(ratio: float, width: int = 20) -> str:
    filled = round(ratio * width)
    return "█" * filled + "·" * (width - filled)


# --- commands ---------------------------------------------------------------------------------


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
        _print_json(ctx.service.view(project))
        return OK
    summary = ctx.service.summary(project)
    print(f"{project.manifest.name} · {project.template.title} v{project.template.version}")
    overall = summary.overall
    print(f"overall  {_bar(overall.ratio)} {int(overall.ratio * 100):3d}%  {overall.done}/{overall.applicable} done"
          f"  · {'ready' if summary.ready else 'blocked'}")
    print()
    width = max(len(s.title) for s in project.template.stages)
    for stage in project.template.stages:
        prog, gate = summary.stages[stage.id], summary.gates[stage.id]
        gate_text = "gate passes" if gate.passed else f"blocked ({len(gate.blockers)})"
        print(f"{stage.title:<{width}}  {_bar(prog.ratio, 12)} {int(prog.ratio * 100):3d}%  "
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
        _print_json({"layout": annex["layout"], "passed": annex["complete"], "points": [
            {"number": p["number"], "title": p["title"], "status": p["status"], "missing": p["missing"]}
            for p in annex["points"]]})
        return bool(annex["complete"])
    for point in annex["points"]:
        print(f"{'PASS' if point['status'] == 'complete' else 'MISSING':<8} Annex IV point {point['number']}: "
              f"{point['title']}")
        for reason in point["missing"]:
            print(f"    {reason}")
    return bool(annex["complete"])


def cmd_evidence(ctx: Context) -> int:
    """Record evidence from where it is produced: ``from-mlflow RUN_ID`` reads an MLflow run."""
    from .evidence_sources import import_mlflow_run

    a = ctx.args
    project = ctx.project()
    done = import_mlflow_run(ctx.service, project, a.run_id, actor=ctx.user, tracking_uri=a.tracking_uri,
                             items=a.item or ())
    for target, state in done:
        metric = f" (metric {target.metric})" if target.metric else ""
        print(f"{target.key}: recorded MLflow run {a.run_id}{metric}, version {state.version}")
    return OK


@read_only
def cmd_gate(ctx: Context) -> int:
    """Exit 1 while a gate is blocked (or, with ``--require annex-iv``, an Annex IV point is missing)."""
    project = ctx.project()
    if ctx.args.require == "annex-iv":
        return OK if _annex_iv_gate(ctx, project) else FAILED
    results = ctx.service.gates(project, ctx.args.stage)
    if ctx.args.format == "json":
        _print_json([r.to_json() for r in results])
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


def cmd_rerun(ctx: Context) -> int:
    """Rerun notebooks in a worker process and compare outputs: 0 reproduced, 1 not, 2 bad input."""
    from .repro.notebooks import read_notebook
    from .repro.summary import has_bad_input, passed, progress_text, run_lines

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
    run = runs.start(project, notebooks, twice=a.twice, actor=ctx.user)
    tty = not a.json and sys.stderr.isatty()

    def draw(current: dict[str, Any]) -> None:
        ratio, label = progress_text(current)
        sys.stderr.write(f"\r\x1b[2K{_bar(ratio)} {int(ratio * 100):3d}%  {label}")
        sys.stderr.flush()

    interrupted = False
    try:
        run = runs.wait(run["id"], on_progress=draw if tty else None)
    except KeyboardInterrupt:
        interrupted = True
        run = runs.cancel(run["id"], actor=ctx.user)
    finally:
        if tty:
            sys.stderr.write("\r\x1b[2K")
    if a.json:
        _print_json(run)
    else:
        print("\n".join(run_lines(run)))
    if interrupted:
        return 130
    if has_bad_input(run):
        return USAGE
    return OK if passed(run) else FAILED


def cmd_revalidate(ctx: Context) -> int:
    """Rerun every due project (or all): a table of project, verdict, duration; 1 when any does not reproduce."""
    from .repro import revalidate as rv

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
        _print_json([o.to_json() for o in outcomes])
    elif not outcomes:
        print(f"nothing to revalidate ({'none due' if a.due else 'no project with a revalidate: section'} "
              f"as of {today.isoformat()})")
    else:
        width = max(len(o.candidate.name) for o in outcomes)
        print(f"{'project':<{width}}  {'verdict':<16}  duration  run")
        for o in outcomes:
            duration = f"{o.duration:7.1f}s" if o.duration is not None else "       -"
            print(f"{o.candidate.name:<{width}}  {o.verdict:<16}  {duration}  {(o.run or {}).get('id') or o.error}")
    return OK if all(o.passed for o in outcomes) else FAILED


@read_only
def cmd_audit(ctx: Context) -> int:
    """Show the audit log; ``--verify`` checks chain, anchors and replay; ``--anchor`` writes the anchor file."""
    a = ctx.args
    if a.against and not a.verify:
        raise UsageError("--against goes with --verify")
    if a.sign and not a.anchor:
        raise UsageError("--sign goes with --anchor")
    project = ctx.project()
    if a.verify:
        against = [parse_against(text, Path.cwd()) for text in a.against]
        result = ctx.service.verify_audit(project.id, project.directory, against)
        if a.format == "json":
            _print_json(result.to_json())
        if result.refused:
            raise UsageError(result.chain.message)
        if a.format != "json":
            print("\n".join(verification_lines(result)))
        if not result.ok:
            return FAILED
    if a.anchor:
        head, path = ctx.service.anchor_project(project.id, project.directory, actor=ctx.user, sign=a.sign)
        print(f"anchored event {head.seq} ({head.at}, {head.hash}) in {path}{' (signed)' if a.sign else ''}; "
              "commit it with the project")
    if a.verify or a.anchor:
        return OK
    events = ctx.service.events(project.id, since=a.since)
    if a.format == "json":
        _print_json([e.to_json() for e in events])
    else:
        for e in events:
            print(f"{e.seq:>6}  {e.at}  {e.actor:<16} {e.action:<16} {e.target}")
    return OK


def _generation_time(explicit: str | None) -> str | None:
    """``--generated-at``, else ``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention), else None (now)."""
    if explicit:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` only once the whole file is written, so a failure leaves any old file intact."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@read_only
def cmd_export(ctx: Context) -> int:
    """Write the project as a PDF dossier, Markdown, HTML or JSON."""
    a = ctx.args
    fmt = a.format or (Path(a.output).suffix.lstrip(".").lower() if a.output and a.output != "-" else "")
    fmt = {"markdown": "md", "htm": "html"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise UsageError(f"give --format ({', '.join(FORMATS)}) or an output file ending in one of them")
    project = ctx.project()
    result = export_project(ctx.service, project, fmt, generated_by=ctx.user,
                            generated_at=_generation_time(a.generated_at), layout=a.layout)
    if a.output == "-":
        sys.stdout.buffer.write(result.content)
        sys.stdout.buffer.flush()
        return OK
    target = Path(a.output or result.filename)
    if target.is_dir():
        target = target / result.filename
    _write_atomically(target, result.content)
    print(f"wrote {target} ({fmt}, {len(result.content):,} bytes)")
    return OK


def _import_folder(directory: str, incoming: ProjectRecord) -> Path:
    """The folder of the project being imported, as ``--project`` names it; refused unless its manifest has that id."""
    folder = find_project_dir(directory)
    found = read_manifest(folder).id
    if found != incoming.id:
        raise UsageError(f"{folder} holds project {found}, not {incoming.id} ({incoming.name!r}) from the file")
    return folder


def cmd_import(ctx: Context) -> int:
    """Restore a project's complete state from a JSON export into the store."""
    a = ctx.args
    state = read_export(Path(a.file).read_bytes())
    incoming = state_project(state)
    folder = _import_folder(a.project, incoming) if a.project else None
    service = ctx.service
    if a.skip_existing and service.find_project_record(incoming.id) is not None:
        print(f"{incoming.name!r} ({incoming.id}) is already in this store: left as it is")
        return OK
    record = service.import_state(state, replace=a.replace)
    if folder is not None:  # the file says where the project lived where it was exported; record where it is here
        record = ctx.service.open_project(folder, actor=ctx.user).record
    check = service.verify_chain(record.id)
    print(f"imported {record.name!r} ({record.id}): {len(service.items(record.id))} items, "
          f"{len(service.signoffs(record.id))} sign-offs, {check.events} audit events")
    print(f"audit chain {'verifies' if check.ok else 'BROKEN'}, head {check.head}")
    if not Path(record.path, "lifecycle.yaml").is_file():
        print(f"note: {record.path} is not a project folder here; run any command with --project DIR "
              "in the project's folder on this machine to record where it lives", file=sys.stderr)
    if record.template not in {entry.id for entry in ctx.service.templates.entries()}:
        print(f"note: template {record.template!r} is not on this machine's template path; "
              "add it before opening the project", file=sys.stderr)
    return OK if check.ok else FAILED


def cmd_templates(ctx: Context) -> int:
    """List the templates on the search path, or validate template files."""
    if ctx.args.action == "list":
        registry = registry_for(ctx.settings.template_path)
        if ctx.args.format == "json":
            _print_json([{"id": e.id, "title": e.title, "version": e.version, "path": str(e.path)}
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
        _print_json([c.to_json() for c in checks])
    else:
        for check in checks:
            print(f"{check.status.upper():<8} {check.recorded.name} v{check.recorded.version} ({check.recorded.path})")
        if not checks:
            print("no datasets recorded; use `jupyter lifecycle dataset add PATH --name NAME`")
    return OK if all(c.status == "ok" for c in checks) else FAILED


def cmd_coverage(ctx: Context) -> int:
    """Per framework: clauses served by satisfied items, by open items, and not served at all (read-only)."""
    a = ctx.args
    results, known = coverage_read_only(ctx.service, a.project or Path.cwd(), a.framework or [])
    if not known:
        print("note: this store does not know the project yet; every item is counted as to do", file=sys.stderr)
    if a.format == "json":
        _print_json([result.to_json() for result in results])
    elif a.format == "csv":
        sys.stdout.write(coverage_csv(results))
    else:
        for result in results:
            total = len(result.clauses)
            print(f"{result.framework.id}  {result.framework.title}")
            print(f"  {_bar(result.percent / 100)} {result.percent:3d}% satisfied: {result.count('satisfied')}/{total}"
                  f" · open {result.count('open')} · uncovered {result.count('uncovered')}"
                  f" · covered {result.covered_percent}%")
            for clause in result.clauses:
                keys = ", ".join(item.key for item in clause.items) or "-"
                status = "excluded" if clause.excluded else clause.status
                print(f"    {status:<10} {clause.clause.id:<14} {clause.clause.title[:60]:<60}  {keys}")
            print()
    return OK


# --- parser -------------------------------------------------------------------------------------


def _common() -> argparse.ArgumentParser:
    """Options every subcommand accepts (before or after its name)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS,
                        help="the project folder (default: walk up from the current folder)")
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $LIFECYCLE_LAB_DB_URL, LifecycleLabApp.db_url, then SQLite)")
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS,
                        help="who is acting (default: $LIFECYCLE_LAB_USER, $JUPYTERHUB_USER, the OS user)")
    return common


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", choices=["local", "dask"],
                   help="where notebooks execute (default: $LIFECYCLE_LAB_EXECUTOR, else local)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: $LIFECYCLE_LAB_DASK_SCHEDULER)")


def build_parser() -> argparse.ArgumentParser:
    """The ``jupyter lifecycle`` argument parser."""
    common = _common()
    parser = _Parser(prog="jupyter lifecycle", parents=[common],
                     description="A living model-lifecycle checklist for notebook projects.")
    parser.add_argument("--version", action="version", version=f"lifecycle_lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("init", cmd_init, "make a folder a lifecycle project (writes lifecycle.yaml)")
    p.add_argument("directory", nargs="?", help="the folder (default: --project or the current folder)")
    p.add_argument("--template", default="default", help="template id (see `templates list`)")
    p.add_argument("--name", help="project name (default: the folder's name)")
    p.add_argument("--notebook", action="append", metavar="NB",
                   help="a notebook to rerun (repeatable; default: the folder's notebooks)")

    p = add("status", cmd_status, "progress, gates, overdue and stale items")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--items", action="store_true", help="list every item under its stage")

    p = add("set", cmd_set, "change an item (STAGE/ITEM)")
    p.add_argument("item", metavar="STAGE/ITEM")
    p.add_argument("--status", help="todo, in_progress, done, blocked or not_applicable")
    p.add_argument("--owner")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="due date ('' clears it)")
    p.add_argument("--note", help="notes (replaces the item's notes)")
    p.add_argument("--justification", help="why the item does not apply (needed for not_applicable)")
    p.add_argument("--evidence", metavar="JSON|@FILE", help="evidence of the item's kind, as JSON")
    p.add_argument("--expect-version", type=int, metavar="N",
                   help="fail with a conflict unless the item is at version N")

    p = add("signoff", cmd_signoff, "approve or reject a stage as a role")
    p.add_argument("stage")
    p.add_argument("--role", required=True)
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true")
    decision.add_argument("--reject", action="store_true")
    p.add_argument("--comment", default="")

    p = add("evidence", cmd_evidence, "record evidence from an MLflow run (docs/evidence-sources.md)")
    p.add_argument("action", choices=["from-mlflow"])
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--tracking-uri", metavar="URI",
                   help="MLflow tracking store: sqlite:///mlflow.db, a mlruns folder, or a server URL "
                        "(default: $MLFLOW_TRACKING_URI)")
    p.add_argument("--item", action="append", metavar="STAGE/ITEM[=METRIC]",
                   help="an item to record on (repeatable; default: the first hyperparameters, datasets and "
                        "metrics items); a metrics item names the metric after '='")

    p = add("gate", cmd_gate, "exit 1 while required items or sign-offs are missing")
    p.add_argument("stage", nargs="?")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--require", choices=["annex-iv"],
                   help="annex-iv: instead of the stage gates, exit 1 while any of Annex IV's nine points is missing")

    p = add("rerun", cmd_rerun, "rerun notebooks with papermill and compare their outputs with the saved ones")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to rerun (default: the manifest's `notebooks`)")
    p.add_argument("--twice", action="store_true",
                   help="run each notebook twice from scratch and compare the two runs (finds nondeterminism)")
    p.add_argument("--json", action="store_true", help="print the whole run record as JSON")
    _executor_options(p)

    p = add("revalidate", cmd_revalidate, "rerun projects on their revalidation schedule (for cron or CI)")
    p.add_argument("--due", action="store_true", help="only projects whose revalidation is due or overdue")
    p.add_argument("--all-projects", action="store_true",
                   help="every project the store knows (default: this project)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date, help="judge what is due on this date (default: today)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    _executor_options(p)

    p = add("audit", cmd_audit, "the audit log; --verify checks it, --anchor anchors its head in the project")
    p.add_argument("--verify", action="store_true",
                   help="check the hash chain, that it reaches every anchor, and that its events replay to the stored "
                        "item states and sign-offs (exit 1 when not; 2 for a keyed chain without its key)")
    p.add_argument("--against", action="append", default=[], metavar="FILE|SEQ:HASH",
                   help="with --verify: an anchor file or head the chain must reach (instead of the project's "
                        ".lifecycle/audit-anchor.json); repeatable")
    p.add_argument("--anchor", action="store_true",
                   help="write the verified head to .lifecycle/audit-anchor.json (and a store checkpoint)")
    p.add_argument("--sign", action="store_true", help="with --anchor: sign it with Ed25519 (needs the audit key)")
    p.add_argument("--since", type=int, default=0, metavar="SEQ")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = add("export", cmd_export, "write the project as a PDF dossier, Markdown, HTML or JSON")
    p.add_argument("--format", choices=FORMATS, help="default: from the output file's extension")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="file or folder to write ('-' for standard output; default: a name in the current folder)")
    p.add_argument("--generated-at", metavar="ISO-TIME",
                   help="the generation time to print (default: $SOURCE_DATE_EPOCH, else now); "
                        "the same state and time give byte-identical output")
    p.add_argument("--layout", choices=LAYOUTS, default="default",
                   help="default: the lifecycle dossier; annex-iv: the EU AI Act technical documentation in "
                        "Annex IV's nine points, marking what is missing")

    p = add("import", cmd_import, "restore a project from a JSON export into the store")
    p.add_argument("file", metavar="FILE")
    existing = p.add_mutually_exclusive_group()
    existing.add_argument("--replace", action="store_true",
                          help="overwrite the project's state (and audit history) if the store already has it")
    existing.add_argument("--skip-existing", action="store_true",
                          help="leave the store as it is, and exit 0, if it already has the project")
    p.epilog = ("With --project DIR (the project's folder on this machine, whose lifecycle.yaml must have the "
                "file's project id), that folder is recorded as where the project lives.")

    p = add("templates", cmd_templates, "list templates or validate template files")
    p.add_argument("action", choices=["list", "validate"])
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = add("coverage", cmd_coverage, "how far the checklist covers each framework's clauses (read-only)")
    p.add_argument("--framework", action="append", metavar="ID",
                   help="a framework clause table (repeatable; default: the manifest's `frameworks`, else all)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")

    add_lint_command(add)
    p = add("dataset", cmd_dataset, "record a dataset version, verify the recorded ones, or discover unregistered data")
    p.add_argument("action", choices=["add", "verify", "discover"])
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument("--name", help="dataset name (default: the file or folder name)")
    p.add_argument("--add", action="store_true", help="discover: register every data file found (named after it)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    return parser


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's final flush into a closed pipe stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout already closed or replaced
        pass
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        for option in ("project", "db", "user"):  # SUPPRESS lets them appear before or after COMMAND
            if not hasattr(args, option):
                setattr(args, option, None)
        if not getattr(args, "func", None):
            parser.print_help()
            return USAGE
        ctx = Context(args)
        try:
            status = args.func(ctx)
            sys.stdout.flush()  # inside the try: a reader that went away is a BrokenPipeError here, not at exit
            return status
        finally:
            if ctx._service is not None:
                ctx._service.notifications.flush()  # deliver this command's webhooks before the process ends
    except TemplateError as exc:
        for problem in exc.problems:
            print(f"jupyter lifecycle: error: {problem}", file=sys.stderr)
        return USAGE
    except PolicyRefused as exc:
        print(f"jupyter lifecycle: refused ({exc.rule}): {exc}", file=sys.stderr)
        return FAILED
    except Conflict as exc:
        print(f"jupyter lifecycle: conflict: {exc}", file=sys.stderr)
        return FAILED
    except (UsageError, ValidationError, NotFound, LifecycleError) as exc:
        print(f"jupyter lifecycle: error: {exc}", file=sys.stderr)
        return USAGE
    except SQLAlchemyError as exc:
        print(f"jupyter lifecycle: error: database: {str(exc).splitlines()[0]}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:  # `jupyter lifecycle status | head`: the reader has all it wanted
        _silence_stdout()
        return OK
    except OSError as exc:
        print(f"jupyter lifecycle: error: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
