"""One configuration for every entry point, and the one factory that builds the service from it.

Every setting is declared once, as a trait of :class:`Settings` (type, default, help, validation). From that
declaration follow its environment variable (``LIFECYCLE_LAB_<NAME>``), its Jupyter config key
(``c.LifecycleLabApp.<name>``) and its value in the processes a service starts (:meth:`Settings.environment`).
Adding a setting is adding a trait here. Values resolve in one order everywhere:

    explicit argument → environment → Jupyter config (``LifecycleLabApp`` section) → default

The server (``LifecycleLabApp``, which inherits these traits), the CLI, the widgets in a kernel, the rerun
worker (and through it the Dask tasks), revalidation and lint all call :meth:`Settings.resolve` and
:func:`make_service`, so they open the same store with the same key, templates and policy. The service, run
service and store classes are traitlets ``Type`` settings: a deployment can swap them
(``c.LifecycleLabApp.store_class = "mypkg.AuditedStore"``), as jupyter_server_fileid swaps its manager.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_core.paths import jupyter_config_path, jupyter_data_dir
from traitlets import Dict, Float, Integer, List, TraitError, TraitType, Type, Unicode, validate
from traitlets.config import Application, Config, Configurable

from .errors import ValidationError
from .project import DEFAULT_RERUN
from .templates import TEMPLATE_PATH_ENV, registry_for  # the variable adds folders before ``template_path``

if TYPE_CHECKING:
    from .service import Lifecycle
    from .service.runs import RunService
    from .store import Store
    from .store.audit import AuditKey

ENV_PREFIX = "LIFECYCLE_LAB_"
CONFIG_SECTION = "LifecycleLabApp"
# The server's own config and the extension's (``jupyter_<ExtensionApp.name>_config``), which jupyter-server
# loads for LifecycleLabApp too, and the CLI's (``jupyter lifecycle``): lowest priority first.
CONFIG_FILES = ("jupyter_server_config", "jupyter_lifecycle_lab_config", "jupyter_lifecycle_config")
DB_URL_ENV = ENV_PREFIX + "DB_URL"
KEY_ENV = ENV_PREFIX + "AUDIT_KEY"
KEY_FILE_ENV = ENV_PREFIX + "AUDIT_KEY_FILE"
ROLE_MEMBERS_MESSAGE = ("LifecycleLabApp.role_members: must map role ids to lists of user names or 'group:NAME' "
                        "(Jupyter config)")


def default_db_url() -> str:
    """SQLite in the Jupyter data dir."""
    return f"sqlite:///{Path(jupyter_data_dir()) / 'lifecycle_lab.sqlite'}"


class Settings(Configurable):
    """Every setting of lifecycle_lab, declared once (see the module's docstring for what follows from it).

    Tags: ``env=False`` when a setting has no environment variable of its own, ``env="json"`` when its variable
    holds JSON; ``secret=True`` when it must not be logged.
    """

    db_url = Unicode(
        "", help="SQLAlchemy URL of the checklist store, e.g. postgresql+psycopg://user@host/db. "
        "Empty: $LIFECYCLE_LAB_DB_URL, else SQLite in the Jupyter data dir.",
    ).tag(config=True)
    audit_key = Unicode(
        "", help="The secret that keys the audit chain (HMAC-SHA256; 32+ random bytes). Prefer audit_key_file. "
        "Empty: $LIFECYCLE_LAB_AUDIT_KEY, then audit_key_file.",
    ).tag(config=True, secret=True)
    audit_key_file = Unicode(
        "", help="A file holding the secret that keys the audit chain (HMAC-SHA256; 32+ random bytes; docs/audit.md). "
        "Empty: $LIFECYCLE_LAB_AUDIT_KEY, then $LIFECYCLE_LAB_AUDIT_KEY_FILE, else an unkeyed chain. Kernels and "
        "rerun workers started by this server get its path in $LIFECYCLE_LAB_AUDIT_KEY_FILE.",
    ).tag(config=True)
    template_path = List(
        Unicode(), help="Extra folders searched for checklist templates, after the built-in ones and "
        "$LIFECYCLE_LAB_TEMPLATE_PATH.",
    ).tag(config=True, env=False)  # $LIFECYCLE_LAB_TEMPLATE_PATH adds folders before these (templates.py)
    max_body_bytes = Integer(1 << 20, help="Largest request body accepted, in bytes; larger ones get 413.").tag(
        config=True)
    max_concurrent_runs = Integer(
        2, help="Reproducibility reruns executing at once; further runs wait in a queue.").tag(config=True)
    rerun_timeout = Float(
        float(DEFAULT_RERUN["timeout"]), help="Seconds a rerun gives each notebook, for projects whose lifecycle.yaml "
        "sets no rerun.timeout (a project's own value wins).",
    ).tag(config=True)
    rerun_cell_timeout = Float(
        float(DEFAULT_RERUN["cell_timeout"]), help="Seconds a rerun gives each cell, for projects whose "
        "lifecycle.yaml sets no rerun.cell_timeout (a project's own value wins).",
    ).tag(config=True)
    worker_threads = Integer(
        4, help="Threads in each of the two pools (GET requests; writes) that run the REST API's store and file "
        "work off the server's event loop. Two pools, so reads never queue behind writes waiting for the "
        "database lock.",
    ).tag(config=True)
    role_members = Dict(
        default_value={}, help="Who holds each role for sign-off policies (docs/policy.md): role id → user names and "
        "'group:NAME' for a JupyterHub group, e.g. {'security': ['eve', 'group:security-team']}.",
    ).tag(config=True, env=False)
    executor = Unicode(
        "", help="Where reruns execute: 'local' (worker processes on this host) or 'dask' (a task per notebook on a "
        "Dask cluster). Empty: $LIFECYCLE_LAB_EXECUTOR, else local.",
    ).tag(config=True)
    dask_scheduler = Unicode(
        "", help="The Dask scheduler's address for executor 'dask', e.g. tcp://10.0.0.5:8786. "
        "Empty: $LIFECYCLE_LAB_DASK_SCHEDULER.",
    ).tag(config=True)
    webhooks = List(
        Dict(), help="Webhooks told about every project's events: [{'url': ..., 'events': [verdict_changed, "
        "gate_changed, signoff_outdated, revalidation_overdue], 'secret' or 'secret_env': ...}] (events: all when "
        "omitted). Empty: $LIFECYCLE_LAB_WEBHOOKS (a JSON list).",
    ).tag(config=True, env="json", secret=True)
    service_class = Type(
        "lifecycle_lab.service.Lifecycle", klass=object, help="The service class (a subclass of Lifecycle).",
    ).tag(config=True, env=False)
    run_service_class = Type(
        "lifecycle_lab.service.runs.RunService", klass=object,
        help="The run service class (a subclass of RunService).",
    ).tag(config=True, env=False)
    store_class = Type(
        "lifecycle_lab.store.Store", klass=object, help="The store class (a subclass of Store), built from db_url.",
    ).tag(config=True, env=False)

    @validate("db_url")
    def _valid_db_url(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"].strip()
        if value and "://" not in value:
            raise TraitError(f"db_url must be a SQLAlchemy URL such as sqlite:////abs/path.sqlite, not {value!r}")
        return value

    @validate("max_body_bytes", "max_concurrent_runs", "worker_threads")
    def _positive(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1")
        return proposal["value"]

    @validate("rerun_timeout", "rerun_cell_timeout")
    def _positive_seconds(self, proposal: dict[str, Any]) -> float:
        if not proposal["value"] > 0:  # also refuses nan
            raise TraitError(f"{proposal['trait'].name} must be more than 0 seconds, not {proposal['value']!r}")
        return proposal["value"]

    def rerun_defaults(self) -> dict[str, float]:
        """The rerun options a project's lifecycle.yaml may leave out, as this deployment sets them."""
        return {"timeout": self.rerun_timeout, "cell_timeout": self.rerun_cell_timeout}

    @validate("role_members")
    def _valid_role_members(self, proposal: dict[str, Any]) -> dict[str, list[str]]:
        value = proposal["value"]
        if not all(isinstance(members, list | tuple) and all(isinstance(m, str) for m in members)
                   for members in value.values()):
            raise TraitError(ROLE_MEMBERS_MESSAGE)
        return {str(role): list(members) for role, members in value.items()}

    @validate("webhooks")
    def _valid_webhooks(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        from .notify.webhooks import parse_webhooks

        try:
            parse_webhooks(proposal["value"], "LifecycleLabApp.webhooks")
        except ValidationError as exc:
            raise TraitError(str(exc)) from None
        return proposal["value"]

    # --- resolution ----------------------------------------------------------------------------

    @classmethod
    def setting_traits(cls) -> dict[str, TraitType[Any, Any]]:
        """The declared settings, by name."""
        return {name: trait for name, trait in Settings.class_own_traits().items() if trait.metadata.get("config")}

    @staticmethod
    def env_name(name: str) -> str:
        """The environment variable of setting ``name``: ``LIFECYCLE_LAB_<NAME>``."""
        return ENV_PREFIX + name.upper()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The settings given in the environment (non-empty ``LIFECYCLE_LAB_<NAME>`` variables)."""
        environ = os.environ if environ is None else environ
        found: dict[str, Any] = {}
        for name, trait in cls.setting_traits().items():
            kind = trait.metadata.get("env", True)
            value = environ.get(cls.env_name(name), "").strip()
            if not value or kind is False:
                continue
            try:
                found[name] = json.loads(value) if kind == "json" else trait.from_string(value)
            except (ValueError, TraitError) as exc:
                raise ValidationError(f"${cls.env_name(name)}: {exc}", field=name) from None
        return found

    @classmethod
    def resolve(
        cls, explicit: Mapping[str, Any] | None = None, *, config: Config | Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """The settings by the one order: ``explicit`` (None values ignored) → environment → ``config`` (default:
        the Jupyter config files; its ``LifecycleLabApp`` section) → default.

        ValidationError naming the setting when a value is refused.
        """
        section = (jupyter_config() if config is None else config).get(CONFIG_SECTION, {})
        values: dict[str, Any] = {k: v for k, v in section.items() if k in cls.setting_traits()}
        values.update(cls.from_environment(environ))
        values.update({k: v for k, v in (explicit or {}).items() if v is not None})
        try:
            return cls(**values)
        except TraitError as exc:
            message = str(exc)
            raise ValidationError(message if message.startswith(CONFIG_SECTION) else f"{CONFIG_SECTION}: {message}",
                                  field=None) from None

    def values(self) -> dict[str, Any]:
        """Every setting's value, by name."""
        return {name: getattr(self, name) for name in self.setting_traits()}

    @property
    def resolved_db_url(self) -> str:
        """``db_url``, else the default SQLite file in the Jupyter data dir."""
        return self.db_url or default_db_url()

    def resolved_audit_key(self) -> AuditKey | None:
        """The audit key: ``audit_key``, else the file ``audit_key_file`` names, else None (an unkeyed chain)."""
        from .store.keys import key_from_text, read_key_file

        if self.audit_key:
            return key_from_text(self.audit_key, f"${self.env_name('audit_key')}")
        return read_key_file(self.audit_key_file) if self.audit_key_file else None

    def environment(self) -> dict[str, str]:
        """These settings as the environment of a process this one starts (a rerun worker, its kernels, a Dask
        task), so it resolves the same settings: every setting with an environment variable that is not at its
        default, and the template path (prepended to ``$LIFECYCLE_LAB_TEMPLATE_PATH``)."""
        env: dict[str, str] = {self.env_name("db_url"): self.resolved_db_url}
        for name, trait in self.setting_traits().items():
            kind, value = trait.metadata.get("env", True), getattr(self, name)
            if kind is False or name == "db_url" or value == trait.default():
                continue
            env[self.env_name(name)] = json.dumps(value) if kind == "json" else str(value)
        if self.template_path:
            inherited = [p for p in os.environ.get(TEMPLATE_PATH_ENV, "").split(os.pathsep) if p]
            env[TEMPLATE_PATH_ENV] = os.pathsep.join([*inherited, *(p for p in self.template_path
                                                                      if p not in inherited)])
        return env


def jupyter_config(paths: Sequence[str] | None = None) -> Config:
    """The Jupyter config files' settings merged (``CONFIG_FILES`` on ``jupyter_config_path()``, later wins)."""
    merged = Config()
    for directory in reversed(list(jupyter_config_path() if paths is None else paths)):  # lowest priority first
        for base in CONFIG_FILES:
            for loaded, _filename in Application._load_config_files(base, path=[directory]):
                merged.merge(loaded)
    return merged


def resolve_db_url(explicit: str | None = None) -> str:
    """The store's URL by the one resolution order (explicit → environment → Jupyter config → default)."""
    return Settings.resolve({"db_url": explicit}).resolved_db_url


# --- the factory ---------------------------------------------------------------------------------

_STORES: dict[tuple[type, str, Any], Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(settings: Settings, *, create: bool = True) -> Store:
    """The process-wide store of ``settings`` (its class, URL and audit key), opened and migrated once.

    ``create=False`` (read-only commands): StoreNotFound rather than creating a database that does not exist.
    """
    key = settings.resolved_audit_key()
    ident = (settings.store_class, settings.resolved_db_url, key)
    with _STORES_LOCK:
        store = _STORES.get(ident)
        if store is None:
            store = _STORES[ident] = settings.store_class(settings.resolved_db_url, key, create=create)
        return store


def make_service(settings: Settings | None = None, *, store: Store | None = None, create: bool = True,
                 **options: Any) -> Lifecycle:
    """The service every entry point uses, built from ``settings`` (default: :meth:`Settings.resolve`).

    ``store``: an already open store (tests); else the process-wide one of the settings. ``options`` go to the
    service class (e.g. ``clock``).
    """
    from .notify.webhooks import parse_webhooks

    settings = settings or Settings.resolve()
    hooks = parse_webhooks(settings.webhooks, "LifecycleLabApp.webhooks") if settings.webhooks else None
    service = settings.service_class(store or open_store(settings, create=create), registry_for(settings.template_path),
                                     webhooks=hooks, settings=settings, **options)
    service.role_members = settings.role_members
    return service


def make_run_service(service: Lifecycle, **options: Any) -> RunService:
    """The run service over ``service``, of the class, concurrency and executor its settings name."""
    from .repro.executors import ExecutorChoice

    settings: Settings = service.settings or Settings.resolve()
    options.setdefault("max_concurrent", settings.max_concurrent_runs)
    options.setdefault("executor", ExecutorChoice.resolve(settings.executor or None, settings.dask_scheduler or None))
    return settings.run_service_class(service, **options)
