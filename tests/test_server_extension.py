"""The extension as jupyter-server loads it: enabled on install, configured through traitlets."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli_env
from traitlets import TraitError

from lifecycle_lab.server.extension import LifecycleLabApp


def test_the_shipped_config_enables_the_extension_and_it_validates(tmp_path: Path, db_url: str) -> None:
    # Given the config file the wheel installs into etc/jupyter/jupyter_server_config.d (here: the user dir)
    config_dir = tmp_path / "etc"
    shutil.copytree(ROOT / "jupyter-config" / "server-config", config_dir / "jupyter_server_config.d")
    # When jupyter-server lists its extensions
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter_server", "extension", "list"],
        env=cli_env(db_url, JUPYTER_CONFIG_DIR=str(config_dir)), capture_output=True, text=True, timeout=120,
    )
    # Then lifecycle_lab is enabled and its extension point loads
    output = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)  # drop the colours
    assert re.search(r"lifecycle_lab enabled\s+- Validating lifecycle_lab\.\.\.\s+lifecycle_lab \S+ OK", output), output


@pytest.mark.parametrize("value", ["/tmp/x.sqlite", "lifecycle.sqlite"])
def test_db_url_must_be_a_url(value: str) -> None:
    with pytest.raises(TraitError, match="SQLAlchemy URL"):
        LifecycleLabApp(db_url=value)


@pytest.mark.parametrize("trait", ["max_body_bytes", "max_concurrent_runs", "worker_threads"])
def test_sizes_must_be_positive(trait: str) -> None:
    with pytest.raises(TraitError, match="at least 1"):
        LifecycleLabApp(**{trait: 0})


def test_the_environment_url_wins_over_the_configured_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIFECYCLE_LAB_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    app = LifecycleLabApp(db_url=f"sqlite:///{tmp_path / 'config.sqlite'}")
    assert app.store_url().endswith("env.sqlite")


def test_the_configured_url_is_used_without_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LIFECYCLE_LAB_DB_URL", raising=False)
    app = LifecycleLabApp(db_url=f"sqlite:///{tmp_path / 'config.sqlite'}")
    assert app.store_url().endswith("config.sqlite")


async def test_the_server_uses_the_configured_store(jp_serverapp, db_url: str) -> None:
    app = jp_serverapp.extension_manager.extension_apps["lifecycle_lab"]
    [extension] = list(app)
    assert str(extension.service.store.engine.url) == db_url
