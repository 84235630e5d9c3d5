"""Webhooks: POST each event, signed, retried with backoff, from a background thread that never blocks the caller.

The body is JSON with a Slack-compatible ``text`` (so a Slack or Mattermost
incoming webhook shows it as is) and the structured ``event``. With a secret,
``X-Lifecycle-Signature: sha256=<hex>`` is the HMAC-SHA256 of the body, as
GitHub signs its webhooks. Delivery uses the standard library's
``urllib.request``: a blocking client is what a worker thread wants (tornado's
or httpx's async clients would need an event loop in every process that
notifies: the CLI, rerun workers, the server), and it adds no dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from .events import EVENT_TYPES

SIGNATURE_HEADER = "X-Lifecycle-Signature"
WEBHOOKS_ENV = "LIFECYCLE_LAB_WEBHOOKS"  # a JSON list of webhooks, for every process of a deployment
ATTEMPTS = 4
BACKOFF_S = 0.5  # waits 0.5, 1, 2 s between the attempts
TIMEOUT_S = 10
log = logging.getLogger("lifecycle_lab.notify")

WEBHOOK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["url"],
    "properties": {
        "url": {"type": "string", "pattern": "^https?://"},
        "events": {"type": "array", "items": {"enum": list(EVENT_TYPES)}, "uniqueItems": True},
        "secret": {"type": "string", "minLength": 1},
        "secret_env": {"type": "string", "minLength": 1, "description": "the environment variable holding the secret"},
    },
}


@dataclass(frozen=True)
class Webhook:
    """Where to POST which events (all when ``events`` is empty), and the secret to sign them with."""

    url: str
    events: tuple[str, ...] = ()
    secret: str | None = None

    def wants(self, event_type: str) -> bool:
        """Whether this webhook subscribed to ``event_type``."""
        return not self.events or event_type in self.events

    @property
    def where(self) -> str:
        """The URL without path and query, which may carry a token (Slack's do): safe to log and audit."""
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"

    def to_json(self) -> dict[str, Any]:
        """As a settings entry (the secret included: for a child process's environment, never for display)."""
        return {"url": self.url, "events": list(self.events), **({"secret": self.secret} if self.secret else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Webhook:
        """From a manifest's or the settings' entry (already schema-checked); ``secret_env`` read from ``environ``."""
        env = os.environ if environ is None else environ
        secret = data.get("secret") or (env.get(data["secret_env"]) if data.get("secret_env") else None)
        return cls(url=data["url"], events=tuple(data.get("events") or ()), secret=secret or None)


def webhooks_from_env(environ: Mapping[str, str] | None = None) -> list[Webhook]:
    """The deployment's webhooks from ``$LIFECYCLE_LAB_WEBHOOKS`` (a JSON list); ValidationError when malformed."""
    env = os.environ if environ is None else environ
    text = env.get(WEBHOOKS_ENV, "").strip()
    if not text:
        return []
    try:
        entries = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"{WEBHOOKS_ENV}: not JSON: {exc}") from None
    return parse_webhooks(entries, WEBHOOKS_ENV, env)


def parse_webhooks(entries: Any, where: str, environ: Mapping[str, str] | None = None) -> list[Webhook]:
    """Webhooks from a JSON list (server settings, the environment); ValidationError naming ``where``."""
    from .._jsonschema import Draft202012Validator

    validator = Draft202012Validator({"type": "array", "items": WEBHOOK_SCHEMA})
    for error in validator.iter_errors(entries):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise ValidationError(f"{where}{path}: {error.message}", field=where)
    return [Webhook.from_json(entry, environ) for entry in entries]


def signature(secret: str, body: bytes) -> str:
    """The ``X-Lifecycle-Signature`` value of ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


Failure = Callable[[Webhook, dict[str, Any], str], None]  # (webhook, body, reason) once every attempt failed


class Notifier:
    """Delivers webhook POSTs from one background thread, in order; ``send`` only queues."""

    def __init__(self, *, on_failure: Failure | None = None, attempts: int = ATTEMPTS, backoff: float = BACKOFF_S,
                 timeout: float = TIMEOUT_S) -> None:
        self.on_failure = on_failure
        self.attempts, self.backoff, self.timeout = attempts, backoff, timeout
        self._queue: queue.Queue[tuple[Webhook, dict[str, Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, hooks: Sequence[Webhook], body: dict[str, Any]) -> None:
        """Queue ``body`` for each of ``hooks`` that wants its event type; returns at once."""
        wanted = [hook for hook in hooks if hook.wants(body["event"]["type"])]
        for hook in wanted:
            self._queue.put((hook, body))
        if wanted:
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._work, daemon=True, name="lifecycle-webhooks")
                    self._thread.start()

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every queued delivery to end (a short-lived process's last step)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _work(self) -> None:
        while True:
            hook, body = self._queue.get()
            try:
                self._deliver(hook, body)
            except Exception:  # a bug here must not kill the thread that delivers the rest
                log.exception("webhook delivery to %s failed unexpectedly", hook.where)
            finally:
                self._queue.task_done()

    def _deliver(self, hook: Webhook, body: dict[str, Any]) -> None:
        data = json.dumps(body, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "lifecycle_lab"}
        if hook.secret:
            headers[SIGNATURE_HEADER] = signature(hook.secret, data)
        reason, made = "", 0
        for attempt in range(self.attempts):
            made = attempt + 1
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(hook.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
                if 400 <= exc.code < 500 and exc.code not in (408, 429):
                    break  # the receiver refuses this request: sending it again will not help
            except (urllib.error.URLError, OSError) as exc:
                reason = str(getattr(exc, "reason", exc))
        log.warning("webhook %s to %s failed after %d attempts: %s", body["event"]["type"], hook.where, made, reason)
        if self.on_failure is not None:
            self.on_failure(hook, body, f"{reason} (after {made} attempt{'s' if made > 1 else ''})")
