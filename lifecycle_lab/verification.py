"""``audit --verify``: the chain, the anchors it must still reach, and the state its events replay to.

Three checks over one consistent read of the store:

1. the hash chain (``store/audit.py``), keyed or not, refused without its key when keyed;
2. anchors (``anchors.py``): by default the project's ``.lifecycle/audit-anchor.json`` when it exists (or the
   ``--against`` ones instead), and always every checkpoint the store recorded: events deleted from the end
   are reported with their range;
3. the replay (``replay.py``): item states, sign-offs and the project record the events lead to, against the
   tables, so a direct edit of the items table is named with its item and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .anchors import (
    ANCHOR_FILE,
    Anchor,
    AnchorCheck,
    StoredEvents,
    anchor_document,
    check_anchor,
    read_anchor,
    write_anchor,
)
from .errors import Conflict, LifecycleError, ValidationError
from .replay import Difference, Replay
from .store import Store
from .store.audit import ChainCheck, ChainVerifier, joined
from .store.checkpoints import ChainHead
from .verification_split import finish_half, split_point, start_half

MAX_LISTED = 20  # differences and anchor failures listed in a message


@dataclass(frozen=True)
class AuditVerification:
    """Everything ``audit --verify`` found."""

    chain: ChainCheck
    anchors: tuple[AnchorCheck, ...]
    differences: tuple[Difference, ...]
    items: int
    signoffs: int
    processes: int = 1  # 2 when a helper process verified the second half of a long chain

    @property
    def ok(self) -> bool:
        """The chain verifies, reaches every anchor, and replays to the stored state."""
        return self.chain.ok and all(a.ok for a in self.anchors) and not self.differences

    @property
    def refused(self) -> bool:
        """A keyed chain checked without its key: nothing could be verified."""
        return self.chain.refused

    def problems(self) -> list[str]:
        """One line per problem found, chain first."""
        lines = [] if self.chain.ok else [f"chain: {self.chain.message}"]
        lines += [f"anchor: {a.message}" for a in self.anchors if not a.ok]
        lines += [f"state: {d.message}" for d in self.differences]
        return lines

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "ok": self.ok,
            "refused": self.refused,
            "chain": self.chain.to_json(),
            "anchors": [a.to_json() for a in self.anchors],
            "differences": [d.to_json() for d in self.differences],
            "replayed": {"items": self.items, "signoffs": self.signoffs},
            "problems": self.problems(),
        }


def checkpoint_anchor(head: ChainHead) -> Anchor:
    """A store checkpoint as an anchor the chain must reach."""
    return Anchor(head.seq, head.hash, f"the store's {head.kind} checkpoint of {head.recorded_at}", at=head.at,
                  mode=head.mode, anchored_at=head.recorded_at)


def project_anchor(directory: Path | None) -> Anchor | None:
    """The project's anchor file, when it has one; ValidationError when it is unreadable."""
    if directory is None or not (directory / ANCHOR_FILE).is_file():
        return None
    return read_anchor(directory / ANCHOR_FILE, ANCHOR_FILE.as_posix())


def verify_audit(store: Store, project_id: str, directory: Path | None, against: Sequence[Anchor] = ()
                 ) -> AuditVerification:
    """Verify a project's audit log: chain, anchors (``against``, else the project's anchor file; and the store's
    checkpoints) and replay. ``directory``: the project folder (None when it is not on this machine).

    One pass over the events, streamed: each is hashed, replayed, and looked at when an anchor names it. A long
    chain's second half is verified by a helper process meanwhile (``verification_split.py``); when anything there
    does not hold, the whole chain is verified again in one pass, which names the problem.
    """
    anchors = list(against) or [a for a in (project_anchor(directory),) if a is not None]
    return (_verify(store, project_id, anchors, split=store.readable_elsewhere) or
            _verify(store, project_id, anchors, split=False))  # type: ignore[return-value]


def _verify(store: Store, project_id: str, anchors: list[Anchor], *, split: bool) -> AuditVerification | None:
    """:func:`verify_audit`; with ``split``, a helper takes the second half of a long chain (None: that half
    or the join did not hold, so verify again without)."""
    with store.audit_snapshot(project_id, upto=split_point if split else None, share=split) as state:
        anchors = anchors + [checkpoint_anchor(cp) for cp in state.checkpoints]
        wanted = {a.seq for a in anchors}
        mid = split_point(state.last_seq) if split else state.last_seq
        half = start_half(store, project_id, mid, state.last_seq, state.shared, wanted) if mid < state.last_seq \
            else None
        if split and mid < state.last_seq and half is None:
            return None
        chain, replay = ChainVerifier(project_id, store.audit_key), Replay()
        stored: dict[int, tuple[str, str | None]] = {}
        seqs: list[int] = []
        for row in chain.checked(state.rows):
            if chain.refused:
                return AuditVerification(chain.result(), (), (), 0, 0)
            replay.feed(row)
            seqs.append(row[0])
            if row[0] in wanted:
                stored[row[0]] = (row[8], row[9])
        checked = chain.result()
        if half is not None:
            other = finish_half(half)  # inside the snapshot: on PostgreSQL the helper reads it
            checked = joined(checked, other.chain, other.seed) if other is not None else None  # type: ignore[assignment]
            if other is None or checked is None:
                return None
            replay.join(other.replay)
            seqs += other.seqs
            stored.update(other.named)
        differences = replay.differences(items=state.items, signoffs=state.signoffs, project=state.project)
        if half is not None and differences:
            return None  # named by the one-pass verification, exactly as it always did
    present = StoredEvents(seqs, stored)
    checks = tuple(check_anchor(a, present, project_id, store.audit_key) for a in anchors)
    return AuditVerification(checked, checks, tuple(differences), len(state.items), len(state.signoffs),
                             2 if half is not None else 1)


def verification_lines(result: AuditVerification) -> list[str]:
    """``audit --verify`` as text: what holds, then every problem."""
    chain = result.chain
    lines = [f"audit chain verifies: {chain.events} events, {chain.describe()}; head event {chain.head_seq} "
             f"({chain.head_at or '-'}) {chain.head}" if chain.ok else
             f"audit chain BROKEN at event {chain.broken_seq}: {chain.events} events, verified up to event "
             f"{chain.head_seq} ({chain.head})"]
    checkpoints = [a for a in result.anchors if a.anchor.source.startswith("the store's")]
    for check in result.anchors:
        if check not in checkpoints and check.ok:
            signed = f" ({check.signature})" if check.signature and check.signature != "unsigned" else ""
            lines.append(f"{check.message}{signed}")
    if checkpoints and all(c.ok for c in checkpoints):
        lines.append(f"the chain reaches every store checkpoint ({len(checkpoints)})")
    if not result.differences:
        lines.append(f"state replay: {result.items} items and {result.signoffs} sign-offs match the events")
    problems = result.problems()
    if problems:
        lines.append(f"audit log does NOT verify: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        lines += [f"  {p}" for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"  … and {len(problems) - MAX_LISTED} more (--format json lists them all)")
    return lines


@dataclass(frozen=True)
class AnchorStatus:
    """How far the newest anchor (file or store checkpoint) is behind the chain's head."""

    head_seq: int
    anchored_seq: int | None
    anchored_at: str | None
    source: str | None

    @property
    def behind(self) -> int:
        """Events after the newest anchor (all of them when never anchored)."""
        return self.head_seq - (self.anchored_seq or 0)

    @property
    def state(self) -> str:
        """``never`` anchored, anchor ``behind`` the last event, or ``current`` (it holds the head)."""
        return "never" if self.anchored_seq is None else "behind" if self.behind > 0 else "current"

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"state": self.state, "head_seq": self.head_seq, "anchored_seq": self.anchored_seq,
                "anchored_at": self.anchored_at, "source": self.source, "behind": self.behind}

    def describe(self) -> str:
        """In words, for the gate and the CLI."""
        if self.anchored_seq is None:
            return f"audit chain never anchored ({self.head_seq} events): run `jupyter lifecycle audit --anchor`"
        if self.behind <= 0:
            return f"audit chain anchored at its head (event {self.anchored_seq}, {self.anchored_at})"
        return (f"audit anchor is older than the last event: anchored at event {self.anchored_seq} "
                f"({self.anchored_at}), {self.behind} event{'s' if self.behind != 1 else ''} since")


def _file_anchor(directory: Path | None) -> tuple[int, str | None] | None:
    """The seq and time of the project's anchor file, parsed again only when the file changed (None: none or
    unreadable, which ``audit --verify`` reports)."""
    if directory is None:
        return None
    try:
        st = (directory / ANCHOR_FILE).stat()
    except OSError:
        return None
    return _parsed_anchor(directory, (st.st_mtime_ns, st.st_size, st.st_ino))


@lru_cache(maxsize=256)
def _parsed_anchor(directory: Path, _stamp: tuple[int, int, int]) -> tuple[int, str | None] | None:
    try:
        anchored = project_anchor(directory)
    except LifecycleError:
        return None
    return None if anchored is None else (anchored.seq, anchored.anchored_at)


def anchor_status(store: Store, project_id: str, directory: Path | None, head: int | None = None) -> AnchorStatus:
    """The newest of the project's anchor file and the store's anchor checkpoints, against the head (``head``:
    the caller's already read audit head). Cheap enough for every view: two indexed queries and a ``stat``."""
    head = store.last_seq(project_id) if head is None else head
    found: list[tuple[int, str | None, str]] = []
    anchored = _file_anchor(directory)
    if anchored is not None:
        found.append((*anchored, ANCHOR_FILE.as_posix()))
    checkpoint = store.last_anchor(project_id)
    if checkpoint is not None:
        found.append((checkpoint.seq, checkpoint.recorded_at, "the store's anchor checkpoint"))
    if not found:
        return AnchorStatus(head, None, None, None)
    seq, at, source = max(found, key=lambda f: f[0])
    return AnchorStatus(head, seq, at, source)


def anchor_project(store: Store, project_id: str, directory: Path, *, actor: str, at: str, sign: bool = False
                   ) -> tuple[ChainHead, Path]:
    """Anchor the project's verified head: a store checkpoint and ``.lifecycle/audit-anchor.json`` (signed with
    ``sign``). Conflict when the chain does not verify: a broken chain is investigated, not anchored."""
    if sign and store.audit_key is None:
        raise ValidationError("--sign needs the audit key (set LIFECYCLE_LAB_AUDIT_KEY or "
                              "LIFECYCLE_LAB_AUDIT_KEY_FILE)", field="sign")
    chain = store.verify_chain(project_id)
    if not chain.ok:
        raise Conflict(f"the audit chain does not verify, so it is not anchored: {chain.message}")
    head = store.add_checkpoint(project_id, at=at, kind="anchor")
    document = anchor_document(project_id, head, anchored_at=at, anchored_by=actor, key=store.audit_key, sign=sign)
    return head, write_anchor(directory, document)
