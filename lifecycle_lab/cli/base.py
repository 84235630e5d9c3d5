"""What every command shares: the exit codes, the parsed arguments, the settings, the service and the user.

Exit status: 0 ok, 1 a check failed (gate blocked, chain broken, data changed,
version conflict), 2 a usage or input error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings, make_run_service, make_service
from ..errors import LifecycleError
from ..identity import current_user
from ..project import find_project_dir
from ..service import Lifecycle, Project

if TYPE_CHECKING:
    from ..service.runs import RunService  # papermill-free, but still only loaded by the commands that rerun

OK, FAILED, USAGE = 0, 1, 2


class UsageError(LifecycleError):
    """A command line that cannot be acted on."""


class CommandParser(argparse.ArgumentParser):
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


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


def bar(ratio: float, width: int = 20) -> str:
    filled = round(ratio * width)
    return "█" * filled + "·" * (width - filled)


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (before or after its name)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS,
                        help="the project folder (default: walk up from the current folder)")
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $LIFECYCLE_LAB_DB_URL, LifecycleLabApp.db_url, then SQLite)")
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS,
                        help="who is acting (default: $LIFECYCLE_LAB_USER, $JUPYTERHUB_USER, the OS user)")
    return common


def iso_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
