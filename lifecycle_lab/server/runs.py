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
from ..service import Project
from ..service.runs import RunService, executed_notebook
from .base import PROJECT_ID, LifecycleHandler

DEFAULT_RUNS = 50
MAX_RUNS = 200
RUN_FIELDS = {"notebooks", "twice", "sandbox"}


class _RunHandler(LifecycleHandler):
    """Shared by the run handlers: the run service and run records with server-root paths."""

    auth_resource = "kernels"

    @property
    def runs(self) -> RunService:
        """The app's one run service (its ``max_concurrent`` is ``LifecycleLabApp.max_concurrent_runs``)."""
        return self.lifecycle_app.runs

    def run_document(self, project: Project, run: dict[str, Any]) -> dict[str, Any]:
        """The run as served: the service's record plus ``project_path``, ``output_dir`` and, per notebook,
        ``root_path`` and ``output_root_path``, all relative to the server root (the record's own paths are
        relative to the project folder)."""
        project_path = self.root.relative(project.directory) or ""

        def in_root(relative: str | None) -> str | None:
            if relative is None or posixpath.isabs(relative):
                return None
            return posixpath.join(project_path, relative) if project_path else relative

        runs_dir = project.manifest.runs_dir.relative_to(project.directory).as_posix()
        notebooks = [{**nb, "root_path": in_root(nb["path"]), "output_root_path": in_root(nb["output_path"])}
                     for nb in run["notebooks"]]
        return {**run, "project_path": project_path, "output_dir": in_root(f"{runs_dir}/{run['id']}"),
                "notebooks": notebooks}

    def project_run(self, project: Project, run_id: str) -> dict[str, Any]:
        """The run ``run_id`` of this project (blocking); NotFound for another project's run."""
        run = self.runs.get(run_id)
        if run["project_id"] != project.id:
            raise NotFound(f"no run {run_id!r} in project {project.id}")
        return run


class RunsHandler(_RunHandler):
    """``POST /projects/{id}/runs`` queues a rerun (202); ``GET`` lists the project's runs, newest first."""

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Queue a rerun of the named notebooks (default: the manifest's), checked first, and spawn its worker."""
        body = self.json_body() if self.request.body else {}  # no body: the manifest's notebooks, once
        unknown = sorted(set(body) - RUN_FIELDS)
        if unknown:
            raise ValidationError(f"{unknown[0]}: not a field of a run request", field=unknown[0])
        named = body.get("notebooks")
        if named is not None and (not isinstance(named, list) or not all(isinstance(nb, str) and nb for nb in named)):
            raise ValidationError("notebooks: must be a list of notebook paths relative to the project folder",
                                  field="notebooks")
        twice, sandbox = body.get("twice"), body.get("sandbox")
        for name, flag in (("twice", twice), ("sandbox", sandbox)):
            if flag is not None and not isinstance(flag, bool):
                raise ValidationError(f"{name}: must be true or false", field=name)
        actor = self.actor

        def start() -> dict[str, Any]:
            project = self.project(project_id)
            notebooks = self._checked_notebooks(project, named or [])
            try:
                run = self.runs.start(project, notebooks, twice=bool(twice), actor=actor, exclusive=True,
                                      sandbox=bool(sandbox))
            except Conflict as exc:
                raise Conflict(exc.message, current=self.run_document(project, exc.current)) from None
            return self.run_document(project, run)

        run = await self.call(start)
        self.set_header("Location", self.api_url("projects", project_id, "runs", run["id"]))
        self.write_json(run, status=202)

    def _checked_notebooks(self, project: Project, named: list[str]) -> list[Path]:
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
                absolute = self.root.resolve(notebook, base=folder)
            except NotFound:
                raise NotFound(f"{label}: there is no notebook {notebook!r} in the project folder") from None
            try:
                self.runs.project_path(project, absolute, display=repr(notebook))
                read_notebook(absolute, display=repr(notebook))
            except ValidationError as exc:
                raise ValidationError(f"{label}: {exc.message}", field=field) from None
            checked.append(absolute)
        return checked

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The latest ``limit`` runs, newest first, without each run's ``environment`` and notebooks' ``diffs``."""
        limit = self.query_int("limit", DEFAULT_RUNS, minimum=1, maximum=MAX_RUNS)

        def listing() -> dict[str, Any]:
            project = self.project(project_id)
            runs = []
            for run in self.runs.list(project, limit):
                run.pop("environment", None)
                runs.append(self.run_document(project, run))
            return {"runs": runs}

        self.write_json(await self.call(listing))


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
            run = self.project_run(project, run_id)
            if not _POSITION.fullmatch(position):
                raise NotFound(f"run {run_id} has no notebook at position {position!r}")
            path = executed_notebook(project, run, int(position), execution)
            if self.root.relative(path) is None:  # the run's folder is a symlink out of the server root
                raise NotFound(f"run {run_id} has no executed notebook at position {position} under the server root")
            modified = path.stat().st_mtime
            try:
                return read_notebook(path, display=f"the executed notebook {run_id}/{position}"), modified
            except ValidationError as exc:  # papermill rewrites it after every cell while the run executes it
                raise Conflict(f"{exc.message}; the run is {run['status']}: try again once it has finished",
                               current=None) from None

        notebook, modified = await self.call(read)
        self.set_header("Last-Modified", dt.datetime.fromtimestamp(modified, dt.timezone.utc))
        self.write_json(notebook)


_POSITION = re.compile(r"[0-9]{1,9}")
RUN = PROJECT_ID + r"/runs/(?P<run_id>[^/]+)"

HANDLERS: list[tuple[str, type[LifecycleHandler]]] = [
    (rf"/projects/{PROJECT_ID}/runs", RunsHandler),
    (rf"/projects/{RUN}", RunHandler),
    (rf"/projects/{RUN}/notebooks/(?P<position>[^/]+)", ExecutedNotebookHandler),
]
