"""REST handlers over reproducibility reruns: start (202), list, get, cancel, and read an executed notebook.

Starting only queues the run and spawns its worker process (``RunService``):
no notebook ever executes in the server. The run records are the service's,
plus the paths a JupyterLab client opens, relative to the server root. Runs are
authorized on the ``kernels`` resource; an executed notebook on ``contents``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import Conflict, NotFound, ValidationError
from ..repro.notebooks import read_notebook
from ..service import Project, Run
from ..service.runs import RunService, executed_notebook
from .base import PROJECT_ID, LifecycleHandler
from .paths import ServerRoot

DEFAULT_RUNS = 50
MAX_RUNS = 200


def in_root(project_path: str, relative: str | None) -> str | None:
    """A project-relative path as a path relative to the server root (None for none or an absolute one)."""
    if relative is None or posixpath.isabs(relative):
        return None
    return posixpath.join(project_path, relative) if project_path else relative


class _RunHandler(LifecycleHandler):
    """Shared by the run handlers: the run service and run records with server-root paths."""

    auth_resource = "kernels"

    @property
    def runs(self) -> RunService:
        """The app's one run service (its ``max_concurrent`` is ``LifecycleLabApp.max_concurrent_runs``)."""
        return self.lifecycle_app.runs

    def run_document(self, project: Project, run: Run, *, summary: bool = False) -> dict[str, Any]:
        """The run as served (``summary``: as listed, without its ``environment``): its JSON plus ``project_path``,
        ``output_dir`` and, per notebook, ``root_path`` and ``output_root_path``, all relative to the server root
        (the record's own paths are relative to the project folder)."""
        base = self.root.relative(project.directory) or ""
        runs_dir = project.manifest.runs_dir.relative_to(project.directory).as_posix()
        document = run.to_json()
        if summary:
            del document["environment"]
        notebooks = [{**nb, "root_path": in_root(base, nb["path"]),
                      "output_root_path": in_root(base, nb["output_path"])} for nb in document["notebooks"]]
        return {**document, "project_path": base, "output_dir": in_root(base, f"{runs_dir}/{run.id}"),
                "notebooks": notebooks}

    def project_run(self, project: Project, run_id: str) -> Run:
        """The run ``run_id`` of this project (blocking); NotFound for another project's run."""
        run = self.runs.get(run_id)
        if run.project_id != project.id:
            raise NotFound(f"no run {run_id!r} in project {project.id}")
        return run


class RunsHandler(_RunHandler):
    """``POST /projects/{id}/runs`` queues a rerun (202); ``GET`` lists the project's runs, newest first."""

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Queue a rerun of the named notebooks (default: the manifest's), checked first, and spawn its worker."""
        body = self.json_body("NewRun", optional=True)  # no body: the manifest's notebooks, once
        named, twice, actor = body.get("notebooks") or [], bool(body.get("twice")), self.actor
        run = await self.call(self.start_run, project_id, named, twice, actor, bool(body.get("sandbox")))
        self.set_header("Location", self.api_url("projects", project_id, "runs", run["id"]))
        self.write_json(run, status=202)

    def start_run(self, project_id: str, named: list[str], twice: bool, actor: str, sandbox: bool = False
                  ) -> dict[str, Any]:
        """Check the notebooks, queue the run (in a sandbox copy with ``sandbox``) and spawn its worker (blocking);
        409 carrying a run already busy."""
        project = self.project(project_id)
        notebooks = checked_notebooks(self.runs, self.root, project, named)
        try:
            run = self.runs.start(project, notebooks, twice=twice, actor=actor, exclusive=True, sandbox=sandbox)
        except Conflict as exc:
            raise Conflict(exc.message, current=self.run_document(project, exc.current)) from None
        return self.run_document(project, run)


    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The latest ``limit`` runs, newest first, without each run's ``environment`` and notebooks' ``diffs``."""
        limit = self.query_int("limit", DEFAULT_RUNS, minimum=1, maximum=MAX_RUNS)

        def listing() -> dict[str, Any]:
            project = self.project(project_id)
            return {"runs": [self.run_document(project, run, summary=True) for run in self.runs.list(project, limit)]}

        self.write_json(await self.call(listing))


def checked_notebooks(runs: RunService, root: ServerRoot, project: Project, named: list[str]) -> list[Path]:
    """The notebooks to rerun (absolute), each checked to be a valid notebook inside the project (blocking).

    404 when one does not exist or leads out of the server root; 400 when it leads out of the project
    or is not a valid notebook. Named ones are reported as ``notebooks[i]``, the manifest's as such.
    """
    listed = named or list(project.manifest.notebooks)
    folder = project.directory.resolve()
    checked = []
    for index, notebook in enumerate(listed):
        label = f"notebooks[{index}]" if named else f"lifecycle.yaml notebooks[{index}]"
        field = label if named else None
        try:
            absolute = root.resolve(notebook, base=folder)
        except NotFound:
            raise NotFound(f"{label}: there is no notebook {notebook!r} in the project folder") from None
        try:
            runs.project_path(project, absolute, display=repr(notebook))
            read_notebook(absolute, display=repr(notebook))
        except ValidationError as exc:
            raise ValidationError(f"{label}: {exc.message}", field=field) from None
        checked.append(absolute)
    return checked


class RunHandler(_RunHandler):
    """``GET /projects/{id}/runs/{run_id}`` is the full run record; ``DELETE`` cancels the run."""

    @web.authenticated
    @authorized
    async def get(self, project_id: str, run_id: str) -> None:
        """Status, progress, verdicts, diffs, environment and data checks, as they are now."""

        def read() -> dict[str, Any]:
            project = self.project(project_id)
            return self.run_document(project, self.project_run(project, run_id))

        self.write_json(await self.call(read))

    @web.authenticated
    @authorized
    async def delete(self, project_id: str, run_id: str) -> None:
        """Cancel a queued or running run: closed as cancelled, its worker and kernel stopped (takes seconds)."""
        actor = self.actor

        def cancel() -> dict[str, Any]:
            project = self.project(project_id)
            current = self.project_run(project, run_id)
            run = self.run_document(project, self.runs.cancel(run_id, actor=actor, current=current))
            if run["status"] != "cancelled":
                raise Conflict(f"run {run_id} has already {run['status']} (verdict {run['verdict']}): "
                               "there is nothing to cancel", current=run)
            return run

        self.write_json(await self.call(cancel))


class ExecutedNotebookHandler(_RunHandler):
    """``GET /projects/{id}/runs/{run_id}/notebooks/{position}[?execution=2]``: an executed notebook (nbformat JSON).

    It is how JupyterLab opens a run's output, which lives in the hidden ``.lifecycle/runs/`` folder that
    jupyter-server's contents API does not serve. It serves the content of a file in the project, as
    ``/api/contents`` would, so it takes that API's permission (``contents``, not ``kernels``): a reviewer
    who may read files but not run code can read it, and running code gives no way round reading files.
    """

    auth_resource = "contents"

    @web.authenticated
    @authorized
    async def get(self, project_id: str, run_id: str, position: str) -> None:
        """The notebook as the run executed it (``execution=2``: its second execution with ``twice``)."""
        execution = self.query_int("execution", 1, minimum=1, maximum=2)

        def read() -> tuple[Any, float]:
            project = self.project(project_id)
            return read_served(self.root, project, self.project_run(project, run_id), position, execution)

        notebook, modified = await self.call(read)
        self.set_header("Last-Modified", dt.datetime.fromtimestamp(modified, dt.timezone.utc))
        self.write_json(notebook)


_POSITION = re.compile(r"[0-9]{1,9}")


def read_served(root: ServerRoot, project: Project, run: Run, position: str, execution: int
                ) -> tuple[Any, float]:
    """The executed notebook at ``position`` of ``run`` and its modification time (blocking); 409 while the run
    is still writing it."""
    path = served_notebook(root, project, run, position, execution)
    modified = path.stat().st_mtime
    try:
        return read_notebook(path, display=f"the executed notebook {run.id}/{position}"), modified
    except ValidationError as exc:  # papermill rewrites it after every cell while the run executes it
        raise Conflict(f"{exc.message}; the run is {run.status}: try again once it has finished",
                       current=None) from None


def served_notebook(root: ServerRoot, project: Project, run: Run, position: str, execution: int) -> Path:
    """The executed notebook at ``position`` of ``run`` (a run of ``project``), under ``root``; NotFound otherwise."""
    if not _POSITION.fullmatch(position):
        raise NotFound(f"run {run.id} has no notebook at position {position!r}")
    path = executed_notebook(project, run, int(position), execution)
    if root.relative(path) is None:  # the run's folder is a symlink out of the server root
        raise NotFound(f"run {run.id} has no executed notebook at position {position} under the server root")
    return path
RUN = PROJECT_ID + r"/runs/(?P<run_id>[^/]+)"

HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [
    (rf"/projects/{PROJECT_ID}/runs", RunsHandler),
    (rf"/projects/{RUN}", RunHandler),
    (rf"/projects/{RUN}/notebooks/(?P<position>[^/]+)", ExecutedNotebookHandler),
]
