"""The audit log's hash chain: each event's hash covers the previous hash and the event's canonical JSON.

Two modes, recorded per event in its ``mode`` column:

- unkeyed (``mode`` NULL): ``hash = sha256(prev_hash + canonical JSON)``. It catches an edit or a deleted
  event in the middle, but anyone who can write the database can recompute every hash after an edit.
- keyed (``mode = "hmac-sha256:<key id>"``): ``hash = HMAC-SHA256(key, prev_hash + canonical JSON)``. Without
  the key nobody can compute a hash that verifies; an event rewritten as unkeyed after a keyed one is a
  downgrade and breaks the chain.

A chain may start unkeyed and become keyed when a key is configured; it never goes back. What each mode
detects, and what anchors add (truncation), is in ``docs/audit.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, TypeVar

from ..domain.audit import canonical_json, chain_mode

GENESIS = "0" * 64
KEYED_PREFIX = "hmac-sha256:"
KEY_ENV_HINT = "set LIFECYCLE_LAB_AUDIT_KEY or LIFECYCLE_LAB_AUDIT_KEY_FILE"
MIN_KEY_BYTES = 16
_BLOCK = 64  # sha256's block size, for HMAC's pads


@dataclass(frozen=True, repr=False)
class AuditKey:
    """The secret of a keyed chain. ``key_id`` names it in events and messages without revealing it."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise ValueError(f"the audit key must be at least {MIN_KEY_BYTES} bytes (use 32 random bytes)")

    def __repr__(self) -> str:
        return f"AuditKey(key_id={self.key_id!r})"

    @property
    def key_id(self) -> str:
        """A short public name of the key: the first 12 hex digits of a domain-separated sha256 of it."""
        return hashlib.sha256(b"lifecycle-lab audit key id\0" + self.secret).hexdigest()[:12]

    @property
    def mode(self) -> str:
        """The ``mode`` recorded on the events this key hashes."""
        return KEYED_PREFIX + self.key_id

    @cached_property
    def _pads(self) -> tuple[Any, Any]:
        """sha256 states that have absorbed the key XOR ipad / opad (RFC 2104), copied for every event."""
        secret = hashlib.sha256(self.secret).digest() if len(self.secret) > _BLOCK else self.secret
        block = secret.ljust(_BLOCK, b"\0")
        return (hashlib.sha256(bytes(b ^ 0x36 for b in block)), hashlib.sha256(bytes(b ^ 0x5C for b in block)))

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` under this key, in hex (equal to ``hmac.new(secret, data, sha256)``).

        Spelled out over two pre-keyed sha256 states because copying those costs half of what copying a keyed
        ``hmac.HMAC`` costs under OpenSSL 3, which is most of a keyed verification of 100,000 events.
        """
        inner_pad, outer_pad = self._pads
        inner = inner_pad.copy()
        inner.update(data)
        outer = outer_pad.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def derive(self, purpose: str) -> bytes:
        """32 bytes derived from the secret for ``purpose`` (e.g. the Ed25519 seed of signed anchors)."""
        return hmac.new(self.secret, f"lifecycle-lab {purpose}".encode(), hashlib.sha256).digest()


def describe_mode(mode: str | None) -> str:
    """A chain mode in words."""
    if mode is None:
        return "unkeyed (sha256)"
    if mode.startswith(KEYED_PREFIX):
        return f"keyed (HMAC-SHA256, key id {mode[len(KEYED_PREFIX):]})"
    return f"unknown mode {mode!r}"


@dataclass(frozen=True)
class AuditEvent:
    """One recorded mutation."""

    seq: int
    at: str
    actor: str
    project: str
    action: str
    target: str
    before: Any
    after: Any
    prev_hash: str
    hash: str
    mode: str | None = None

    def payload(self) -> dict[str, Any]:
        """The hashed fields."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "project": self.project,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }

    def to_json(self) -> dict[str, Any]:
        """As JSON, hashes included (and the mode, when the event is keyed)."""
        keyed = {"mode": self.mode} if self.mode else {}
        return {**self.payload(), "prev_hash": self.prev_hash, "hash": self.hash, **keyed}

    def row(self) -> ChainRow:
        """The event as the stored text a chain is verified from."""
        return (self.seq, self.at, self.actor, self.action, self.target, canonical_json(self.before),
                canonical_json(self.after), self.prev_hash, self.hash, self.mode)


# (seq, at, actor, action, target, before text, after text, prev_hash, hash, mode): an event as stored.
ChainRow = tuple[int, str, str, str, str, str, str, str, str, str | None]
# The same with before/after as the UTF-8 bytes of their stored text: what a verification streams.
BytesRow = tuple[int, str, str, str, str, bytes, bytes, str, str, str | None]


def payload_text(row: ChainRow, project: str) -> str:
    """The canonical JSON of an event's payload, spliced from its before/after text, which must each be one
    canonical JSON value (as the store writes them; :func:`_canonical` makes them so, :func:`_unambiguous` tells
    when stored text may be spliced as it is).

    Equal to ``canonical_json(event.payload())`` for every event the store wrote, without parsing anything.
    """
    seq, at, actor, action, target, before, after = row[:7]
    q = encode_basestring  # what json.dumps(text, ensure_ascii=False) returns, without building an encoder
    return (f'{{"action":{q(action)},"actor":{q(actor)},"after":{after},"at":{q(at)},"before":{before},'
            f'"project":{q(project)},"seq":{seq},"target":{q(target)}}}')


def event_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the payload): an unkeyed event's hash."""
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode()).hexdigest()


def chain_hash(prev_hash: str, text: str, key: AuditKey | None) -> str:
    """The hash of an event whose canonical payload is ``text``: HMAC-SHA256 with ``key``, else sha256."""
    data = (prev_hash + text).encode()
    return hashlib.sha256(data).hexdigest() if key is None else key.mac(data)


def decode(text: str | bytes) -> Any:
    """A stored before/after column (its text or UTF-8 bytes) back to JSON, tolerating hand-edited, unparsable
    text (returned as text, so a message can quote it)."""
    try:
        return json.loads(text)
    except ValueError:
        return {"unparsable": _text(text)}


@dataclass(frozen=True)
class ChainCheck:
    """The result of recomputing a project's chain.

    ``head``/``head_seq``/``head_at``: the last event that verified. ``mode``: ``unkeyed``, ``keyed``, ``mixed``
    (unkeyed up to ``keyed_from`` - 1) or ``empty``. ``refused``: a keyed chain checked without its key.
    """

    ok: bool
    events: int
    head: str
    broken_seq: int | None = None
    message: str = ""
    head_seq: int = 0
    head_at: str | None = None
    mode: str = "empty"
    key_id: str | None = None
    keyed_from: int | None = None
    refused: bool = False

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "head_seq": self.head_seq,
            "head_at": self.head_at,
            "broken_seq": self.broken_seq,
            "message": self.message,
            "mode": self.mode,
            "key_id": self.key_id,
            "keyed_from": self.keyed_from,
            "refused": self.refused,
        }

    def describe(self) -> str:
        """The chain's mode in words."""
        if self.mode == "mixed":
            return f"keyed from event {self.keyed_from} (HMAC-SHA256, key id {self.key_id}), unkeyed before"
        if self.mode == "keyed":
            return f"keyed (HMAC-SHA256, key id {self.key_id})"
        return "unkeyed (sha256)" if self.mode == "unkeyed" else "empty"


def _refusal(mode: str, seq: int, key: AuditKey | None) -> str | None:
    """Why an event keyed with ``mode`` cannot be checked with ``key``; None when it can."""
    key_id = mode[len(KEYED_PREFIX):]
    if key is None:
        return (f"the audit chain is keyed (HMAC-SHA256, key id {key_id}) from event {seq}: it can only be verified "
                f"with its key ({KEY_ENV_HINT})")
    if key.key_id != key_id:
        return (f"the audit chain is keyed with key id {key_id} from event {seq}, but the configured key has id "
                f"{key.key_id}: verify it with the key it was written with")
    return None


def _canonical(row: ChainRow) -> ChainRow:
    """``row`` with before/after respelled canonically (rows written by hand or by other tools may differ)."""
    return (*row[:5], canonical_json(decode(row[5])), canonical_json(decode(row[6])), *row[7:])  # type: ignore[return-value]


# An event's hashed text, its previous hash in front, with before/after spliced in as stored: payload_text's bytes.
_PAYLOAD = b'%s{"action":%s,"actor":%s,"after":%s,"at":%s,"before":%s,"project":%s,"seq":%d,"target":%s}'
_AFTER_ENDS, _BEFORE_ENDS = b',"at":', b',"project":'  # what ends the spliced after / before text
R = TypeVar("R", ChainRow, BytesRow)


def _unambiguous(before: bytes, after: bytes) -> bool:
    """Whether stored before/after text can be hashed as it is: no bytes can have moved between columns.

    Spliced text is safe only when each column is one JSON value: else someone with database access could move bytes
    across the after/at/before/target boundaries of an event whose content has keys named like the payload's
    (``{"x":0,"at":"…","before":…}``) and keep its hash. Parsing every column costs more than the rest of a
    verification, so this checks what any such move needs. The other fields are fixed (prev_hash, project, seq) or
    a JSON string literal, which ends at its first unescaped quote; so another split of the same bytes makes
    ``after`` longer (holding the ``,"at":`` that ends the real one) or shorter (``before`` then holds it), or
    ``before`` longer (holding ``,"project":``); a shorter ``before`` needs an unescaped quote in the target's
    literal. Such text (rare) is checked the exact way, re-canonicalised. (``find`` costs half of ``in``.)"""
    return after.find(_AFTER_ENDS) < 0 and before.find(_AFTER_ENDS) < 0 and before.find(_BEFORE_ENDS) < 0


class _Quoted(dict[str, bytes]):
    """JSON string literals as UTF-8 bytes, made once per distinct text (actors, actions, targets repeat)."""

    def __missing__(self, text: str) -> bytes:
        quoted = self[text] = encode_basestring(text).encode()
        return quoted


class ChainVerifier:
    """Recomputes a project's chain one event at a time, oldest first, so a caller can stream the rows.

    Pass the rows through :meth:`checked`, then read :meth:`result`. Rows whose before/after are ``bytes`` (the UTF-8
    text as stored) take a fast path: the payload is formatted as bytes with its short fields quoted once per
    distinct value, and hashed. Any row the fast path does not accept (a gap, a broken link, a change of mode,
    before/after text that could hide bytes moved between columns, a hash that does not match) is checked again
    the exact way, which re-canonicalises before/after and names what is wrong; so the fast path only saves time
    and never accepts a row the exact check would refuse.
    """

    def __init__(self, project: str, key: AuditKey | None = None) -> None:
        self.project, self.key, self.events = project, key, 0
        self._project_json = encode_basestring(project).encode()
        self._prev, self._prev_seq, self._prev_at = GENESIS, 0, None
        self._keyed_from: int | None = None
        self._key_id: str | None = None
        self._mode: str | None = None  # the mode the fast path accepts: the chain's current one
        self._quoted = _Quoted()
        self._broken: ChainCheck | None = None
        self.refused = False  # a keyed chain checked without its key: nothing further can be verified

    @classmethod
    def resuming(cls, project: str, key: AuditKey | None, row: ChainRow | BytesRow) -> ChainVerifier | None:
        """A verifier of the events after ``row`` that takes ``row`` as verified (None when its mode cannot be
        checked with ``key``); :func:`joined` then requires the check of the events up to ``row`` to end there."""
        mode = row[9]
        if mode is not None and (key is None or mode != key.mode):
            return None
        verifier = cls(project, key)
        verifier._prev, verifier._prev_seq, verifier._prev_at, verifier._mode = row[8], row[0], row[1], mode
        if key is not None and mode is not None:
            verifier._keyed_from, verifier._key_id = row[0], key.key_id
        return verifier

    def checked(self, rows: Iterable[R]) -> Iterator[R]:
        """Check each row in turn and hand it on, so one pass can also replay it (after a break, rows are only
        counted). Stopping early is fine: :meth:`result` then covers the rows handed on."""
        quoted, project_json, key, sha256, quote = self._quoted, self._project_json, self.key, hashlib.sha256, \
            encode_basestring
        unambiguous = _unambiguous
        events, prev, prev_seq, prev_at, fast_mode = self.events, self._prev, self._prev_seq, self._prev_at, self._mode
        broken = self._broken is not None
        try:
            for row in rows:
                events += 1
                if not broken:
                    seq, at, after, row_hash, mode = row[0], row[1], row[6], row[8], row[9]
                    if type(after) is bytes and seq == prev_seq + 1 and row[7] == prev and mode == fast_mode and \
                            unambiguous(row[5], after):
                        data = _PAYLOAD % (row[7].encode(), quoted[row[3]], quoted[row[2]], after, quote(at).encode(),
                                           row[5], project_json, seq, quoted[row[4]])
                        if (sha256(data).hexdigest() if mode is None else key.mac(data)) == row_hash:  # type: ignore[union-attr]
                            prev, prev_seq, prev_at = row_hash, seq, at
                            yield row
                            continue
                    self.events, self._prev, self._prev_seq, self._prev_at = events, prev, prev_seq, prev_at
                    self._exact(row)
                    prev, prev_seq, prev_at, fast_mode = self._prev, self._prev_seq, self._prev_at, self._mode
                    broken = self._broken is not None
                yield row
        finally:
            self.events, self._prev, self._prev_seq, self._prev_at = events, prev, prev_seq, prev_at

    def _exact(self, row: ChainRow | BytesRow) -> None:
        """Check one row the slow, exact way; remember the break when it does not hold."""
        if type(row[5]) is bytes or type(row[6]) is bytes:
            row = (*row[:5], _text(row[5]), _text(row[6]), *row[7:])  # type: ignore[assignment]
        seq, at, _actor, action, target = row[:5]
        row_prev, row_hash, mode = row[7], row[8], row[9]
        expected_seq = self._prev_seq + 1
        if seq != expected_seq:
            return self._break(seq, f"event {seq}: expected sequence number {expected_seq} (an event is missing)")
        if row_prev != self._prev:
            return self._break(seq, f"event {seq}: prev_hash does not match the hash of event {seq - 1}")
        hashed_with = None
        if mode is None:
            if self._keyed_from is not None:
                return self._break(seq, f"event {seq} ({action} {target}) is unkeyed after keyed events: it was "
                                        "rewritten without the key")
        elif mode.startswith(KEYED_PREFIX):
            refusal = _refusal(mode, seq, self.key)
            if refusal is not None:
                return self._break(seq, refusal, refused=True)
            if self._keyed_from is None:
                self._keyed_from, self._key_id, self._mode = seq, mode[len(KEYED_PREFIX):], mode
            hashed_with = self.key
        else:
            return self._break(seq, f"event {seq}: unknown chain mode {mode!r}")
        if chain_hash(self._prev, payload_text(_canonical(row), self.project), hashed_with) != row_hash:
            return self._break(seq, f"event {seq} ({action} {target}): content does not match its hash")
        self._prev, self._prev_seq, self._prev_at = row_hash, seq, at

    def _break(self, seq: int, message: str, refused: bool = False) -> None:
        self._broken, self.refused = self._check(seq, message, refused), refused

    def _check(self, broken: int | None = None, message: str = "", refused: bool = False) -> ChainCheck:
        keyed_from = self._keyed_from
        mode = "empty" if self._prev_seq == 0 and broken is None else chain_mode(keyed_from)
        return ChainCheck(broken is None, self.events, self._prev, broken, message, self._prev_seq, self._prev_at,
                          mode, self._key_id, keyed_from, refused)

    def result(self) -> ChainCheck:
        """What the rows fed so far show: the first break, or a chain that holds."""
        if self._broken is not None:
            return replace(self._broken, events=self.events)
        return self._check()


def joined(earlier: ChainCheck, later: ChainCheck, seed: ChainRow | BytesRow) -> ChainCheck | None:
    """The check of a whole chain from those of its two parts: ``earlier`` of the events up to ``seed``, ``later``
    of those after it, by a verifier :meth:`~ChainVerifier.resuming` after ``seed``. None unless both parts hold
    and meet exactly at ``seed`` (its seq, hash and mode), i.e. unless the chain holds as one."""
    if not (earlier.ok and later.ok) or (earlier.head_seq, earlier.head) != (seed[0], seed[8]) or \
            (earlier.keyed_from is not None) != (seed[9] is not None):
        return None
    keyed_from = later.keyed_from if earlier.keyed_from is None else earlier.keyed_from
    return replace(later, events=earlier.events + later.events, mode=chain_mode(keyed_from), keyed_from=keyed_from,
                   key_id=earlier.key_id or later.key_id)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def verify_rows(rows: Iterable[ChainRow | BytesRow], project: str, key: AuditKey | None = None) -> ChainCheck:
    """Recompute the chain in order; name the first event whose sequence, link, mode or hash does not hold."""
    verifier = ChainVerifier(project, key)
    for _row in verifier.checked(rows):
        pass
    return verifier.result()


def verify_events(events: Sequence[AuditEvent], key: AuditKey | None = None) -> ChainCheck:
    """:func:`verify_rows` over events already read (an import's, say)."""
    project = events[0].project if events else ""
    return verify_rows([e.row() for e in events], project, key)
