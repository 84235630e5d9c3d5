"""``jupyter lifecycle``: the checklist from a terminal or CI.

Exit status: 0 ok, 1 a check failed (gate blocked, chain broken, data changed,
version conflict), 2 a usage or input error (one line on stderr, no traceback).
The commands live by concern in this package's modules; this one builds the parser and runs one command.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import Conflict, LifecycleError, NotFound, TemplateError, ValidationError
from ..policy import PolicyRefused
from ..report import FORMATS, LAYOUTS
from .base import FAILED, OK, USAGE, Command, CommandParser, Context, UsageError, common_options, iso_date
from .checklist import cmd_coverage, cmd_gate, cmd_init, cmd_set, cmd_signoff, cmd_status, cmd_templates
from .data import add_lint_command, cmd_dataset
from .records import cmd_audit, cmd_evidence, cmd_export, cmd_import
from .rerun import cmd_rerun, cmd_revalidate

__all__ = ["FAILED", "OK", "USAGE", "Context", "UsageError", "build_parser", "main"]


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", choices=["local", "dask"],
                   help="where notebooks execute (default: $LIFECYCLE_LAB_EXECUTOR, else local)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: $LIFECYCLE_LAB_DASK_SCHEDULER)")


def build_parser() -> argparse.ArgumentParser:
    """The ``jupyter lifecycle`` argument parser."""
    common = common_options()
    parser = CommandParser(prog="jupyter lifecycle", parents=[common],
                     description="A living model-lifecycle checklist for notebook projects.")
    parser.add_argument("--version", action="version", version=f"lifecycle_lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)

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
    p.add_argument("--sandbox", action="store_true",
                   help="execute in a temporary copy of the project: files the notebooks write leave yours untouched")
    p.add_argument("--json", action="store_true", help="print the whole run record as JSON")
    _executor_options(p)

    p = add("revalidate", cmd_revalidate, "rerun projects on their revalidation schedule (for cron or CI)")
    p.add_argument("--due", action="store_true", help="only projects whose revalidation is due or overdue")
    p.add_argument("--all-projects", action="store_true",
                   help="every project the store knows (default: this project)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=iso_date,
                   help="judge what is due on this date (default: today)")
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
                ctx._service.close()  # and return the store's connections (main may run again in one process)
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
    except BrokenPipeError:  # `jupyter lifecycle status | head`: the reader has all it wanted
        _silence_stdout()
        return OK
    except OSError as exc:
        print(f"jupyter lifecycle: error: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130


