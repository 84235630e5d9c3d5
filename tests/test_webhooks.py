"""Webhooks against a real HTTP receiver on loopback: each event once, signed, retried, never failing the action."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rerun_support import configure, save_outputs, write_notebook

from lifecycle_lab.errors import ValidationError
from lifecycle_lab.notify.webhooks import Notifier, Webhook, parse_webhooks
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.service.runs import RunService

SECRET = "s3cret"


@dataclass
class Receiver:
    """A webhook receiver: records every POST; answers with ``statuses`` in turn, then 200."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def delivered(self, path: str = "/hook") -> list[dict[str, Any]]:
        """The requests to ``path`` that were answered 200 (delivered), their bodies parsed."""
        return [r for r in self.requests if r["path"] == path and r["status"] == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 in a thread of this process."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.statuses.pop(0) if state.statuses else 200
            state.requests.append({"path": self.path, "status": status, "raw": raw, "body": json.loads(raw),
                                   "signature": self.headers.get("X-Lifecycle-Signature")})
            self.send_response(status)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def valid(request: dict[str, Any], secret: str = SECRET) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["raw"], hashlib.sha256).hexdigest()
    return request["signature"] is not None and hmac.compare_digest(request["signature"], expected)


def types(requests: list[dict[str, Any]]) -> list[str]:
    return [r["body"]["event"]["type"] for r in requests]


def test_each_event_is_delivered_once_with_a_valid_signature(
    store: Any, project_dir: Path, receiver: Receiver,
) -> None:
    hooks = [Webhook(f"{receiver.url}/hook", secret=SECRET),
             Webhook(f"{receiver.url}/gates", events=("gate_changed",))]
    service = Lifecycle(store, webhooks=hooks)
    project = service.init_project(project_dir, actor="alice", template="minimal", name="Fraud <model> & co")

    service.set_item(project, "data/dataset-versions", {"status": "not_applicable", "justification": "synthetic"},
                     actor="alice")
    service.set_item(project, "data/data-usage-rights", {"status": "not_applicable", "justification": "ours"},
                     actor="alice")  # the data gate opens
    service.set_item(project, "data/data-usage-rights", {"status": "todo"}, actor="bob")  # ...and closes
    service.signoff(project, "review", "model-owner", "approve", actor="carol")
    service.set_item(project, "review/production-gaps", {"notes": "monitoring"}, actor="alice")  # outdates it
    late = Lifecycle(store, webhooks=hooks, today=lambda: dt.date.today() + dt.timedelta(days=8))
    late.notifications = service.notifications  # one notifier: one queue to flush
    (project_dir / "lifecycle.yaml").write_text((project_dir / "lifecycle.yaml").read_text()
                                                + "revalidate:\n  every: 1w\n")
    project = late.open_project(project_dir, actor="alice")
    assert service.notifications.overdue(project, late.revalidation(project), actor="cron")
    assert not service.notifications.overdue(project, late.revalidation(project), actor="cron")  # once per due date
    assert service.notifications.flush(10)

    delivered = receiver.delivered()
    assert types(delivered) == ["gate_changed", "gate_changed", "signoff_outdated", "revalidation_overdue"]
    assert all(valid(r) for r in delivered)
    opened, closed, outdated, overdue = (r["body"] for r in delivered)
    assert opened["event"]["details"] == {"stage": "data", "passed": True} and opened["event"]["actor"] == "alice"
    assert opened["text"] == "Fraud &lt;model&gt; &amp; co: gate Data opened"  # Slack-escaped user text
    assert closed["event"]["details"]["passed"] is False and closed["event"]["actor"] == "bob"
    assert outdated["event"]["details"]["role"] == "model-owner" and "carol" in outdated["text"]
    assert overdue["event"]["project"] == {"id": project.id, "name": "Fraud <model> & co"}
    gates = [r for r in receiver.requests if r["path"] == "/gates"]
    assert types(gates) == ["gate_changed", "gate_changed"] and gates[0]["signature"] is None  # no secret: unsigned
    assert len(receiver.requests) == 6  # nothing sent twice


def test_a_delivery_that_keeps_failing_is_retried_then_audited(
    service: Lifecycle, minimal_project: Project, receiver: Receiver,
) -> None:
    receiver.statuses = [500] * 10
    service.notifications.notifier = Notifier(on_failure=service.notifications._failed, backoff=0.01)
    hook = Webhook(f"{receiver.url}/hook?token=abc", secret=SECRET)
    service.notifications._deployment = [hook]

    service.set_item(minimal_project, "data/dataset-versions", {"status": "not_applicable", "justification": "x"},
                     actor="alice")
    service.set_item(minimal_project, "data/data-usage-rights", {"status": "not_applicable", "justification": "y"},
                     actor="alice")
    assert service.notifications.flush(10)

    assert len(receiver.requests) == 4 and all(valid(r) for r in receiver.requests)  # one event, four attempts
    failed = [e for e in service.store.events(minimal_project.id) if e.action == "webhook.failed"]
    assert len(failed) == 1
    assert failed[0].after == {"event": "gate_changed", "webhook": receiver.url,
                               "reason": "HTTP 500 (after 4 attempts)"}
    assert "token" not in failed[0].target  # the URL's secret part stays out of the audit log


@pytest.mark.kernel
def test_a_receiver_that_answers_500_is_retried_and_does_not_fail_the_rerun(
    service: Lifecycle, project_dir: Path, receiver: Receiver,
) -> None:
    (project_dir / "value.txt").write_text("1")
    save_outputs(write_notebook(project_dir / "model.ipynb", ["print(open('value.txt').read())"]))
    service.init_project(project_dir, actor="alice", template="minimal", notebooks=["model.ipynb"])
    configure(project_dir)
    hooked = Lifecycle(service.store, webhooks=[Webhook(f"{receiver.url}/hook", secret=SECRET,
                                                        events=("verdict_changed",))])
    project = hooked.open_project(project_dir, actor="alice")
    runs = RunService(hooked)
    first = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)
    assert first["verdict"] == "reproduced" and receiver.requests == []  # a first verdict is no change

    (project_dir / "value.txt").write_text("2")
    receiver.statuses = [500, 500]
    second = runs.wait(runs.start(project, actor="alice")["id"], timeout=120)

    assert second["status"] == "finished" and second["verdict"] == "differs"  # the rerun itself is unaffected
    assert [r["status"] for r in receiver.requests] == [500, 500, 200]  # retried with backoff until delivered
    body = receiver.delivered()[0]["body"]
    assert valid(receiver.delivered()[0])
    assert body["event"]["details"] == {"before": "reproduced", "after": "differs", "run_id": second["id"]}
    assert "verdict changed from reproduced to differs" in body["text"]


def test_malformed_webhook_settings_are_refused_naming_the_entry() -> None:
    with pytest.raises(ValidationError, match=r"LifecycleLabApp.webhooks\[0\].events\[0\]"):
        parse_webhooks([{"url": "https://x", "events": ["whenever"]}], "LifecycleLabApp.webhooks")
    with pytest.raises(ValidationError, match=r"\[0\].url"):
        parse_webhooks([{"url": "ftp://x"}], "LifecycleLabApp.webhooks")
