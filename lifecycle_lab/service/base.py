"""What every part of the service shares: the store (private to this package), the templates, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..clock import today as utc_today
from ..clock import utcnow
from ..fingerprint import FingerprintCache
from ..notify.watch import Notifications
from ..notify.webhooks import Webhook
from ..store import Store
from ..templates import TemplateRegistry

if TYPE_CHECKING:
    from ..config import Settings


class ServiceBase:
    """The store, the template registry, the clock and the notifications the service's parts work with.

    ``store`` is the service's own: no front door (server, widgets, report, repro, cli, lint, notify) touches it;
    they call the service's methods instead (``tests/test_architecture.py`` checks it).
    """

    def __init__(
        self,
        store: Store,
        templates: TemplateRegistry | None = None,
        *,
        clock: Callable[[], str] = utcnow,
        today: Callable[[], dt.date] = utc_today,
        webhooks: Sequence[Webhook] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.store = store
        self.settings = settings  # what built it (config.make_service); None when built by hand
        self.templates = templates or TemplateRegistry()
        self.clock = clock
        self.today = today
        self.role_members: Mapping[str, list[str]] = {}  # role → users and ``group:NAME``s (settings)
        self.notifications = Notifications(self, webhooks)  # webhooks None: $LIFECYCLE_LAB_WEBHOOKS

    @property
    def store_url(self) -> str:
        """The URL of the store (with its password: for a child process's environment, never for display)."""
        return self.store.url

    @property
    def display_url(self) -> str:
        """The URL of the store with its password masked, fit to print."""
        return self.store.display_url

    @property
    def hash_cache(self) -> FingerprintCache:
        """The content-hash cache fingerprints use (the store's table of hashes), for executors and workers.

        Typed as the cache's two methods only, so a caller cannot reach the rest of the store through it.
        """
        return self.store

    def close(self) -> None:
        """Dispose of the store's pooled connections (it reconnects if used again)."""
        self.store.close()
