"""The test support lifecycle_lab ships (``lifecycle_lab.pytest_plugin``) leaves no process behind."""

from __future__ import annotations

from pathlib import Path

from lifecycle_lab.pytest_plugin import JupyterServerProcess


def test_a_started_server_used_as_a_context_is_one_process_and_stops_on_exit(tmp_path: Path) -> None:
    server = JupyterServerProcess(tmp_path, f"sqlite:///{tmp_path / 'store.sqlite'}").start()
    first = server.process
    assert first is not None and first.poll() is None
    with server as entered:  # the plugin's own fixture and test_config enter a server start() already started
        assert entered.process is first
        status, _headers, _body = entered.request("GET", "/lifecycle-lab/api/templates")
        assert status == 200
    assert first.poll() is not None  # the one process is stopped; no second one was started and left running
