"""The base of every lifecycle REST handler: HTTP in (JSON body, query, If-Match), HTTP out (JSON, errors).

Service errors map to statuses in one place (``STATUS_OF``); anything else is a
server fault: logged with its traceback, answered 500 with a generic message.
See the package docstring for how a module adds endpoints.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import Conflict, LifecycleError, MissingExtra, NotFound, StoreUnavailable, ValidationError
from ..identity import NAME_HEADER, Person, chosen_name, server_person
from ..policy import PolicyRefused
from ..service import Lifecycle, Project, ProjectRecord
from .bodies import parse_json_object
from .contract import check_body
from .paths import ServerRoot, refuse_control_characters

if TYPE_CHECKING:
    from .extension import LifecycleLabApp

API_ROOT = "lifecycle-lab/api"
PROJECT_ID = r"(?P<project_id>[^/]+)"  # URL pattern group for a project id; every handler names it so

T = TypeVar("T")

_INTEGER = re.compile(r"-?[0-9]{1,10}")
_VERSION = re.compile(r'(?:W/)?("?)([0-9]{1,9})\1')  # 3, "3", W/"3" (quotes balanced)
_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}

STATUS_OF: tuple[tuple[type[LifecycleError], int], ...] = (
    (MissingExtra, 501),  # the server lacks an optional package; the message names the extra
    (StoreUnavailable, 503),  # the database failed or could not be reached: not the client's mistake
    (NotFound, 404),
    (Conflict, 409),
    (LifecycleError, 400),  # ValidationError, TemplateError and anything else the input caused
)


def status_of(error: LifecycleError) -> int:
    """The HTTP status a service error answers with (a policy refusal: 403 or 409, by its rule)."""
    if isinstance(error, PolicyRefused):
        return error.status
    return next(status for cls, status in STATUS_OF if isinstance(error, cls))


def error_body(error: BaseException, status: int) -> dict[str, Any]:
    """The JSON error document: ``message``, plus ``field`` (400) or ``current`` (409) when known."""
    if isinstance(error, LifecycleError):
        body: dict[str, Any] = {"message": error.message}
        if isinstance(error, ValidationError) and error.field:
            body["field"] = error.field
        if isinstance(error, PolicyRefused):
            body["rule"] = error.rule
        if isinstance(error, Conflict) and error.current is not None:
            current = error.current
            body["current"] = current.to_json() if hasattr(current, "to_json") else current
        return body
    if isinstance(error, web.HTTPError) and status < 500:
        return {"message": error.log_message or error.reason or f"HTTP {status}"}
    return {"message": "internal server error; the server log has the details"}


class LifecycleHandler(ExtensionHandlerMixin, APIHandler):
    """JSON in and out, errors mapped to 400/404/409/413, service calls on worker threads."""

    auth_resource = "contents"

    # --- what every handler needs --------------------------------------------------------------

    @property
    def lifecycle_app(self) -> LifecycleLabApp:
        """The extension app (holds the service, the worker pools and the view cache)."""
        return self.extensionapp  # type: ignore[return-value]

    @property
    def service(self) -> Lifecycle:
        """The one service layer, shared with the CLI and the widgets."""
        return self.lifecycle_app.service

    @property
    def root(self) -> ServerRoot:
        """The server root every ``path`` is relative to."""
        return self.lifecycle_app.root

    @property
    def person(self) -> Person:
        """The authenticated user by name (an anonymous one by the name chosen in this browser, if sent)."""
        return server_person(self.current_user, chosen_name(self.request.headers.get(NAME_HEADER)))

    @property
    def actor(self) -> str:
        """The authenticated user as recorded on every change: ``Display Name <username>``."""
        return self.person.actor

    @property
    def groups(self) -> list[str]:
        """The user's JupyterHub groups (none outside JupyterHub), for roles granted to ``group:NAME``."""
        hub_user = getattr(self.current_user, "hub_user", None) or {}
        return [str(group) for group in hub_user.get("groups") or []]

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking service call on a bounded worker pool (GETs and writes apart) and await its result."""
        executor = self.lifecycle_app.executors["read" if self.request.method == "GET" else "write"]
        return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    def project(self, project_id: str) -> Project:
        """The project with this id, NotFound unless its folder is inside the server root (blocking)."""
        project = self.service.project(project_id)
        self.root.project_path(project_id, project.directory)
        return project

    def project_record(self, project_id: str) -> ProjectRecord:
        """The project's store record, without reading its files; NotFound as :meth:`project` (blocking)."""
        record = self.service.project_record(project_id)
        self.root.project_path(project_id, record.path)
        return record

    # --- input ---------------------------------------------------------------------------------

    async def prepare(self) -> None:  # type: ignore[override]
        """Authenticate (jupyter-server), then refuse bodies over ``max_body_bytes`` with 413."""
        await super().prepare()
        limit = self.lifecycle_app.max_body_bytes
        if len(self.request.body or b"") > limit:
            raise web.HTTPError(413, f"request body is larger than max_body_bytes ({limit} bytes)")

    def json_body(self, schema: str | None = None, *, optional: bool = False) -> dict[str, Any]:
        """The request body as a JSON object (``bodies.py``), valid against component ``schema`` of ``openapi.yaml``
        (``contract.py``); 400 naming the field otherwise. ``optional``: no body at all is ``{}``."""
        if optional and not self.request.body:
            return {}
        body = parse_json_object(self.request.body or b"")
        return body if schema is None else check_body(schema, body)

    def query_text(self, name: str) -> str | None:
        """A text query parameter exactly as sent (None when absent); 400 when it holds a control character.

        Tornado's own ``get_query_argument`` turns control characters into spaces and strips them, which would
        answer ``?path=ex%00`` for ``ex``.
        """
        values = self.request.query_arguments.get(name)
        if not values:
            return None
        value = self.decode_argument(values[-1], name=name)
        refuse_control_characters(value, name)
        return value

    def query_int(self, name: str, default: int, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
        """An integer query parameter within [minimum, maximum]; 400 naming it otherwise."""
        raw = self.get_query_argument(name, None, strip=False)
        if raw is None:
            return default
        if not _INTEGER.fullmatch(raw):
            raise ValidationError(f"{name}: {raw!r} is not an integer", field=name)
        value = int(raw)
        if not minimum <= value <= maximum:
            raise ValidationError(f"{name}: must be between {minimum} and {maximum}", field=name)
        return value

    def query_flag(self, name: str) -> bool:
        """A boolean query parameter: 1/0, true/false or yes/no (absent is false); 400 otherwise."""
        raw = self.get_query_argument(name, "0", strip=False)
        if raw not in _FLAGS:
            raise ValidationError(f"{name}: {raw!r} is not a boolean (use 1 or 0)", field=name)
        return _FLAGS[raw]

    def query_choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str:
        """A query parameter that must be one of ``choices`` (``default`` when absent; required without one)."""
        raw = self.query_text(name)
        if raw is None and default is None:
            raise ValidationError(f"{name}: required, one of {', '.join(choices)}", field=name)
        value = default if raw is None else raw
        if value not in choices:
            raise ValidationError(f"{name}: {value!r} is not one of {', '.join(choices)}", field=name)
        return value

    def if_match_version(self) -> int | None:
        """The item version required by ``If-Match`` (``"3"``, ``3`` or ``W/"3"``); None for ``*``. A missing header
        is a 400: every write must say which version it read, or ``*`` to overwrite."""
        raw = self.request.headers.get("If-Match")
        if raw is None:
            raise ValidationError(
                "If-Match: required; send the item version you read (from its ETag or the project view), "
                "or * to overwrite whatever is there", field="If-Match")
        if raw == "*":
            return None
        match = _VERSION.fullmatch(raw)
        if match is None:
            raise ValidationError(f'If-Match: {raw!r} is not an item version (e.g. "3") or *', field="If-Match")
        return int(match.group(2))

    # --- output --------------------------------------------------------------------------------

    def write_json(self, body: Any, *, status: int = 200, etag: str | None = None) -> None:
        """Finish with ``body`` as JSON (bytes are sent as they are) and an optional ETag."""
        self.set_status(status)
        if etag is not None:
            self.set_header("ETag", etag)
        self.finish(body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False))

    def api_url(self, *parts: str) -> str:
        """The absolute URL path of an API resource, for ``Location`` headers."""
        return "/".join([self.base_url.rstrip("/"), API_ROOT, *parts])

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error is JSON ``{"message": ...}``; service errors get their own status."""
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else web.HTTPError(status_code)
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if isinstance(error, LifecycleError):
            status_code = status_of(error)
            self.set_status(status_code)
            if isinstance(error, Conflict) and hasattr(error.current, "version"):
                self.set_header("ETag", f'"{error.current.version}"')
        self.set_header("Content-Type", "application/json")
        body = error_body(error, status_code)
        body["message"] = self.root.relative_text(body["message"])  # the API speaks root-relative paths only
        self.finish(json.dumps(body, ensure_ascii=False))

    def allowed_methods(self) -> list[str]:
        """The HTTP methods this handler implements (for the ``Allow`` header of a 405)."""
        return [m for m in self.SUPPORTED_METHODS
                if getattr(type(self), m.lower()) is not web.RequestHandler._unimplemented_method]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Client mistakes (service errors) are not server faults: log them briefly, without a traceback."""
        if isinstance(value, LifecycleError):
            self.log.info("%s %s: %s %s", self.request.method, self.request.path, type(value).__name__, value)
            return
        super().log_exception(typ, value, tb)
