"""A real Jupyter server in a subprocess, for tests and benchmarks that need one over HTTP.

It listens on a free loopback port with a random token, serves a given root
folder, enables this extension over a given store, and keeps its Jupyter
config, data and runtime folders private so it neither reads nor writes the
user's. With ``user=`` its token stands for that named user, as a JupyterHub
single-user server's requests do, instead of a new anonymous one per browser.
Stop it with :meth:`JupyterServerProcess.stop` (it ends only its own process).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import Unicode

PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the folder holding ``lifecycle_lab``
BUILT_LABEXTENSION = PACKAGE_PARENT / "lifecycle_lab" / "labextension"  # ``jlpm build:prod`` writes it here
# JupyterLab settings that keep a test page quiet and offline: no news, no update check.
QUIET_LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TokenUserIdentityProvider(IdentityProvider):
    """Token authentication where the token identifies one named user (``username``), not an anonymous one."""

    username = Unicode("", config=True, help="The user a request with the server's token acts as.")

    async def get_user_token(self, handler: web.RequestHandler) -> User | None:
        """The named user when the request carries the token (anonymous without ``username``); None otherwise."""
        user = await super().get_user_token(handler)
        return User(username=self.username) if user is not None and self.username else user


class JupyterServerProcess:
    """``jupyter server`` (or ``jupyter lab`` with ``app="jupyterlab"``) on 127.0.0.1 with a token."""

    def __init__(self, root: str | Path, db_url: str, *, app: str = "jupyter_server", user: str | None = None,
                 args: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.root = Path(root)
        self.db_url = db_url
        self.user = user
        self.app = app
        self.args = list(args or [])
        self.extra_env = dict(env or {})
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._home = Path(tempfile.mkdtemp(prefix="lifecycle-jupyter-"))
        self.log_path = self._home / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The token header every request needs."""
        return {"Authorization": f"token {self.token}"}

    def environment(self) -> dict[str, str]:
        """The subprocess's environment: this checkout importable, private Jupyter folders, no store override."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFECYCLE_LAB_", "JUPYTER_"))}
        env.update(
            PYTHONPATH=os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p),
            JUPYTER_CONFIG_DIR=str(self._home / "config"),
            JUPYTER_DATA_DIR=str(self._home / "data"),
            JUPYTER_RUNTIME_DIR=str(self._home / "runtime"),
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 90) -> JupyterServerProcess:
        """Start the server and wait until ``/api/status`` answers; RuntimeError with its log otherwise."""
        config = {
            "ServerApp": {
                "ip": "127.0.0.1", "port": self.port, "port_retries": 0, "open_browser": False,
                "root_dir": str(self.root), "allow_unauthenticated_access": False, "allow_root": True,
                "jpserver_extensions": {"lifecycle_lab": True},
            },
            "IdentityProvider": {"token": self.token},
            "LifecycleLabApp": {"db_url": self.db_url},
        }
        if self.user is not None:
            config["ServerApp"]["identity_provider_class"] = f"{__name__}.{TokenUserIdentityProvider.__name__}"
            config["TokenUserIdentityProvider"] = {"username": self.user}
        (self._home / "config").mkdir(exist_ok=True)
        (self._home / "config" / "jupyter_server_config.json").write_text(json.dumps(config), encoding="utf-8")
        command = [sys.executable, "-m", self.app, *self.args]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
                                            cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.request("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        log = self.log_path.read_text(errors="replace")
        self.stop()
        raise RuntimeError(f"jupyter server did not start; its log:\n{log}")

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                timeout: float = 30) -> tuple[int, dict[str, str], Any]:
        """One HTTP request with the token; (status, headers, JSON body or None). Errors are answers too."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={**self.headers, "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                status, answer_headers, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, dict(error.headers), error.read()
        return status, answer_headers, json.loads(raw) if raw else None

    def stop(self) -> None:
        """Stop this server (SIGTERM, then SIGKILL after 10 s), wait for it and remove its private folders."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> JupyterServerProcess:
        """The running server: started here unless ``start()`` already started it (one process, stopped on exit)."""
        if self.process is not None and self.process.poll() is None:
            return self
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class JupyterLabProcess(JupyterServerProcess):
    """``jupyter lab`` serving the front end built in this checkout (``lifecycle_lab/labextension``).

    A private ``JUPYTER_PATH`` links that build as the ``lifecycle-lab`` lab extension, ahead of any
    installed copy, and a private user-settings folder holds ``settings`` (plugin id → values).
    """

    def __init__(self, root: str | Path, db_url: str, *, settings: dict[str, dict[str, Any]] | None = None,
                 args: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        super().__init__(root, db_url, app="jupyterlab", args=args, env=env)
        share = self._home / "share"
        (share / "labextensions").mkdir(parents=True)
        (share / "labextensions" / "lifecycle-lab").symlink_to(BUILT_LABEXTENSION, target_is_directory=True)
        self.extra_env["JUPYTER_PATH"] = str(share)
        user_settings = self._home / "user-settings"
        for plugin, values in {**QUIET_LAB_SETTINGS, **(settings or {})}.items():
            package, _, name = plugin.partition(":")
            target = user_settings / package / f"{name}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values), encoding="utf-8")
        self.args.append(f"--LabApp.user_settings_dir={user_settings}")
