"""The service's side of notifications: look at a project before and after an action, send what changed.

Costs nothing for a project without webhooks (no manifest ``notify.webhooks`` and no deployment webhooks):
``watch`` returns None and nothing else is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..revalidation import RevalidationStatus
from .events import Event, Watched, transitions, watched
from .webhooks import Notifier, Webhook, log, webhooks_from_env

if TYPE_CHECKING:
    from ..service import Lifecycle, Project

OVERDUE_NOTICE = "notify.revalidation_overdue"
FAILED_NOTICE = "webhook.failed"
NOTIFIER_ACTOR = "lifecycle_lab"
FLUSH_S = 30  # how long a short-lived process (CLI, rerun worker) waits for its deliveries before it exits


def slack_escape(text: str) -> str:
    """``text`` safe inside a Slack message (its three control characters escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Notifications:
    """Sends a project's events to its webhooks (the manifest's plus the deployment's) in the background."""

    def __init__(self, lifecycle: Lifecycle, webhooks: Sequence[Webhook] | None = None,
                 notifier: Notifier | None = None) -> None:
        self.lifecycle = lifecycle
        self._deployment = list(webhooks) if webhooks is not None else None
        self.notifier = notifier or Notifier(on_failure=self._failed)

    def deployment_hooks(self) -> list[Webhook]:
        """The webhooks of the whole deployment (settings, else ``$LIFECYCLE_LAB_WEBHOOKS``)."""
        if self._deployment is None:
            self._deployment = webhooks_from_env()
        return self._deployment

    def hooks(self, project: Project) -> list[Webhook]:
        """The webhooks that hear about ``project``: its manifest's, then the deployment's."""
        return [Webhook.from_json(entry) for entry in project.manifest.webhooks] + self.deployment_hooks()

    def watch(self, project: Project) -> Watched | None:
        """The watched state of ``project`` now; None when nobody listens (then nothing is read). Never raises."""
        try:
            if not self.hooks(project):
                return None
            revalidation = self.lifecycle.revalidation(project)
            runs = self.lifecycle.list_runs(project.id, 20)
            latest = next((r for r in runs if r.status == "finished"), None)
            return watched(self.lifecycle.summary(project), latest, revalidation)
        except Exception:  # bad webhook settings, a store hiccup: the action goes on without notifications
            log.exception("could not watch project %s for notifications", project.id)
            return None

    def changed(self, project: Project, before: Watched | None, *, actor: str) -> None:
        """Send the events between ``before`` (from :meth:`watch`) and now; never raises."""
        if before is None:
            return
        try:
            after = self.watch(project)
            if after is not None:
                titles = {stage.id: stage.title for stage in project.template.stages}
                self.emit(project, transitions(before, after, titles), actor=actor)
        except Exception:  # a notification must never fail the action that caused it
            log.exception("could not work out the notifications of project %s", project.id)

    def overdue(self, project: Project, status: RevalidationStatus | None, *, actor: str) -> bool:
        """Announce an overdue revalidation once per due date (remembered in the audit log); whether it did."""
        if status is None or not status.overdue or not self.hooks(project):
            return False
        due = status.next_due.isoformat()
        last = self.lifecycle.latest_notice(project.id, OVERDUE_NOTICE)
        if last is not None and last.get("next_due") == due:
            return False
        self.lifecycle.record_notice(project.id, OVERDUE_NOTICE, "revalidation", {"next_due": due}, actor=actor)
        event = Event("revalidation_overdue", f"revalidation overdue since {due} (every {status.every})",
                      {"next_due": due, "every": status.every})
        self.emit(project, [event], actor=actor)
        return True

    def emit(self, project: Project, events: Sequence[Event], *, actor: str) -> None:
        """Queue each event for the project's webhooks."""
        hooks = self.hooks(project)
        for event in events:
            self.notifier.send(hooks, self.body(project, event, actor))

    def body(self, project: Project, event: Event, actor: str) -> dict[str, Any]:
        """The POST body: Slack-compatible ``text`` plus the structured ``event``."""
        return {
            "text": f"{slack_escape(project.manifest.name)}: {slack_escape(event.text)}",
            "event": {"type": event.type, "project": {"id": project.id, "name": project.manifest.name},
                      "at": self.lifecycle.clock(), "actor": actor, "details": event.details},
        }

    def flush(self, timeout: float = FLUSH_S) -> bool:
        """Wait for queued deliveries (before a short-lived process exits)."""
        return self.notifier.flush(timeout)

    def _failed(self, hook: Webhook, body: dict[str, Any], reason: str) -> None:
        """A delivery that failed every attempt becomes an audit entry of the project (seen in the audit view)."""
        event = body["event"]
        try:
            self.lifecycle.record_notice(
                event["project"]["id"], FAILED_NOTICE, f"{event['type']} → {hook.where}",
                {"event": event["type"], "webhook": hook.where, "reason": reason}, actor=NOTIFIER_ACTOR,
            )
        except Exception:  # the store unreachable too: the log line is all that is left
            log.exception("could not record the failed webhook in the audit log")
