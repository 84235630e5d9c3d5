"""Rendered project views, reused while nothing a view depends on has changed.

A view is a function of: the project's audit head (every mutation of items,
sign-offs, datasets and the project record appends an event, whoever made it:
this server, the CLI, a kernel), the manifest file, the template object (the
registry reloads it when its file changes), today's date, and what staleness
observes on disk (current dataset and notebook hashes, themselves cached by
size + mtime), and the audit anchor (a store checkpoint or the anchor file: an
anchor appends no event). A cached rendering is served only when all of these
are unchanged; checking them costs two indexed queries and a few ``stat`` calls.

The anchor state is not queried on a warm request: anchoring writes the project's
anchor file (``.lifecycle/audit-anchor.json``) with the store checkpoint, so it is
read again only when that file's stat or the audit head moved, or after
ANCHOR_RECHECK_S (an anchor made through another checkout of the project writes
its file there, not here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from .. import domain as cl
from ..anchors import ANCHOR_FILE
from ..project import MANIFEST
from ..service import Lifecycle, Project, Snapshot
from ..verification import AnchorStatus
from .paths import ServerRoot

MAX_ENTRIES = 128
ANCHOR_RECHECK_S = 30.0  # how stale an anchor made elsewhere (another checkout's file) may look at most
Stat = tuple[int, int, int]


@dataclass(frozen=True)
class RenderedView:
    """A project's view as JSON bytes (``path`` relative to the server root) and a digest of them."""

    project: Project
    body: bytes
    digest: str


@dataclass(frozen=True)
class _Anchor:
    """The anchor state as read at the audit head ``seq`` with the anchor file at ``stat``, at ``read_at``."""

    seq: int
    stat: Stat | None
    read_at: float
    status: AnchorStatus


@dataclass
class _Entry:
    manifest: Stat | None
    today: dt.date
    snapshot: Snapshot
    anchor: _Anchor  # replaced when read again (same status: the view stays cached)
    view: RenderedView


def _stat(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None  # a missing manifest is never equal to a cached stat: the recomputation reports it
    return st.st_mtime_ns, st.st_size, st.st_ino


class ViewCache:
    """The latest rendered view of each recently viewed project (at most MAX_ENTRIES)."""

    def __init__(self, service: Lifecycle, root: ServerRoot) -> None:
        self.service = service
        self.root = root
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.anchor_reads = 0  # anchor state queries made (a warm request makes none)

    def render(self, project_id: str) -> RenderedView:
        """The project's current view (blocking: call it on a worker thread); NotFound outside the root."""
        seq = self.service.last_seq(project_id)
        today = self.service.today()
        with self._lock:
            entry = self._entries.get(project_id)
        if entry is not None and entry.snapshot.seq == seq and entry.today == today:
            project = entry.view.project
            if (
                _stat(project.directory / MANIFEST) == entry.manifest
                and self.service.templates.get(project.record.template) is project.template
                and self._observe(project, entry.snapshot) == entry.snapshot.seen
                and self._anchor_unchanged(entry, project, seq)
            ):
                self.hits += 1
                return entry.view
        self.misses += 1
        entry = self._compute(project_id, seq, today)
        with self._lock:
            self._entries[project_id] = entry
            self._entries.move_to_end(project_id)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return entry.view

    def _compute(self, project_id: str, seq: int, today: dt.date) -> _Entry:
        # Everything is read after ``seq``, which is also the view's ``seq``: the rendering is at least as new
        # as its key, so a write that lands meanwhile only makes the next request recompute (and shows in the
        # change feed after the view's ``seq``).
        project = self.service.project(project_id)
        relative = self.root.project_path(project_id, project.directory)
        manifest = _stat(project.directory / MANIFEST)
        snapshot = self.service.snapshot(project, seq=seq)
        view = self.service.view(project, today=today, snapshot=snapshot)
        view["project"]["path"] = relative
        anchor = self._anchor(project, seq)
        view["anchor"] = anchor.status.to_json()
        body = json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode()
        rendered = RenderedView(project, body, hashlib.sha256(body).hexdigest())
        return _Entry(manifest, today, snapshot, anchor, rendered)

    def _anchor(self, project: Project, seq: int) -> _Anchor:
        # An anchor appends no event, so the audit head alone does not tell that the anchor state changed.
        stat = _stat(project.directory / ANCHOR_FILE)  # before the query: a later anchor is seen next time
        status = self.service.anchor_status(project.id, project.directory, head=seq)
        self.anchor_reads += 1
        return _Anchor(seq, stat, time.monotonic(), status)

    def _anchor_unchanged(self, entry: _Entry, project: Project, seq: int) -> bool:
        """Whether the cached anchor state still holds, read again only when its file or the head moved."""
        seen = entry.anchor
        if (seen.seq == seq and _stat(project.directory / ANCHOR_FILE) == seen.stat
                and time.monotonic() - seen.read_at < ANCHOR_RECHECK_S):
            return True
        entry.anchor = self._anchor(project, seq)
        return entry.anchor.status == seen.status

    def _observe(self, project: Project, snapshot: Snapshot) -> cl.Observations:
        # The audit head is unchanged, so the recorded states are too: only the files need a new look.
        return self.service.observe(project, snapshot.recorded, self.service.check_datasets(project))
