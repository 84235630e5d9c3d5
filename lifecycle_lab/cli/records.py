"""The record commands: evidence from MLflow, the audit log (verify, anchor), export, import."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from ..anchors import parse_against
from ..project import find_project_dir, read_manifest
from ..report import FORMATS, export_project
from ..report.state import read_export
from ..service import ProjectRecord, state_project
from ..verification import verification_lines
from .base import FAILED, OK, Context, UsageError, print_json, read_only


def cmd_evidence(ctx: Context) -> int:
    """Record evidence from where it is produced: ``from-mlflow RUN_ID`` reads an MLflow run."""
    from ..evidence_sources import import_mlflow_run

    a = ctx.args
    project = ctx.project()
    done = import_mlflow_run(ctx.service, project, a.run_id, actor=ctx.user, tracking_uri=a.tracking_uri,
                             items=a.item or ())
    for target, state in done:
        metric = f" (metric {target.metric})" if target.metric else ""
        print(f"{target.key}: recorded MLflow run {a.run_id}{metric}, version {state.version}")
    return OK

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
            print_json(result.to_json())
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
        print_json([e.to_json() for e in events])
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
