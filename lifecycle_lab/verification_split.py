"""Verifying a long audit chain in two processes at once, for ``audit --verify`` on two cores.

Every event stores the hash of the one before it, so the events after the middle can be checked while the events
up to it are: a helper process takes the middle event's stored hash as verified
(:meth:`~lifecycle_lab.store.audit.ChainVerifier.resuming`), rehashes and replays the second half, and the two
halves count only when the first half's check ends at exactly that event, with that hash and mode
(:func:`~lifecycle_lab.store.audit.joined`), and each item's first state in the second half is the one the first
half left (:meth:`~lifecycle_lab.replay.Replay.join`). Every event is still rehashed; nothing is taken on trust.

Both halves read the same state: on PostgreSQL the helper imports the snapshot this process exported; on SQLite its
read starts after this one's, and the events up to this snapshot's head are append-only for the store (only an
edit behind its back, at that very moment, could differ; it is then reported by the next verification).

Whenever anything does not hold (a broken chain, a difference in the replay, a helper that failed), the caller
verifies again in one pass, which names the problem exactly as before: so the split only ever saves time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from .replay import Replay
from .store import Store
from .store.audit import AuditKey, BytesRow, ChainCheck, ChainVerifier

SPLIT_FROM = 20_000  # events: a shorter chain is verified in one pass (a second process would cost more than it saves)
HALF_TIMEOUT_S = 300.0
_POOL: ProcessPoolExecutor | None = None
_STORES: dict[tuple[str, bytes | None], Store] = {}  # in the helper: the stores it opened, kept for the next call


@dataclass(frozen=True)
class Half:
    """What the helper found in the events after ``seed``."""

    seed: BytesRow
    chain: ChainCheck
    replay: Replay
    seqs: list[int]
    named: dict[int, tuple[str, str | None]]  # seq -> (hash, mode) of the events an anchor names


def split_point(last_seq: int) -> int:
    """The last event this process verifies itself: the middle of a long chain, else the last one."""
    return last_seq // 2 if last_seq >= SPLIT_FROM and _two_cores() else last_seq


def _two_cores() -> bool:
    return len(os.sched_getaffinity(0)) >= 2 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) >= 2


def check_half(url: str, secret: bytes | None, project_id: str, first: int, last: int, shared: str | None,
               wanted: Collection[int]) -> Half | None:
    """In the helper: verify and replay events ``first`` + 1 .. ``last`` after event ``first`` (None when event
    ``first`` is missing or its mode cannot be checked with the key)."""
    key = AuditKey(secret) if secret is not None else None
    store = _STORES.get((url, secret))
    if store is None:
        store = _STORES[(url, secret)] = Store(url, key, create=False)
    with store.chain_range(project_id, first, last, shared) as rows:
        seed = next(rows, None)
        chain = None if seed is None or seed[0] != first else ChainVerifier.resuming(project_id, key, seed)
        if seed is None or chain is None:
            return None
        replay, seqs, named = Replay(resumed=True), [], {}
        for row in chain.checked(rows):
            replay.feed(row)
            seqs.append(row[0])
            if row[0] in wanted:
                named[row[0]] = (row[8], row[9])
    return Half(seed, chain.result(), replay, seqs, named)


def start_half(store: Store, project_id: str, first: int, last: int, shared: str | None, wanted: Collection[int]
               ) -> Future[Half | None] | None:
    """Hand events ``first``..``last`` to the helper process (started on first use, then kept)."""
    global _POOL
    try:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        secret = store.audit_key.secret if store.audit_key is not None else None
        return _POOL.submit(check_half, store.url, secret, project_id, first, last, shared, frozenset(wanted))
    except (RuntimeError, OSError):  # a broken or shut-down pool: verify in one pass, start afresh next time
        _POOL = None
        return None


def finish_half(future: Future[Half | None]) -> Half | None:
    """The helper's answer (None when it failed: the caller then verifies in one pass)."""
    global _POOL
    try:
        return future.result(timeout=HALF_TIMEOUT_S)
    except (BrokenProcessPool, TimeoutError):  # a helper that died or hangs: start afresh next time
        _POOL = None
        return None
    except Exception:  # anything the helper raised (say, a database gone away) only costs the one-pass verification
        return None

