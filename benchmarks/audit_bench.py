"""Audit verification benchmark: ``audit --verify`` (chain, checkpoints and state replay) over 100,000 events.

audit_verify_ms
    median time of :func:`lifecycle_lab.verification.verify_audit` for one project with 100,000 events (item
    updates over every item of the default template, with realistic notes and evidence, and a sign-off every
    500 events), on SQLite (or the store ``--db`` names, e.g. PostgreSQL): reading the rows, recomputing the
    chain, checking every checkpoint and replaying the state against the items and sign-offs tables. Reported
    unkeyed (sha256) and keyed (HMAC-SHA256).
    Target: under 1,000 ms each. A chain this long is verified in two processes (``verification_split.py``):
    printed are the wall time, this process's CPU and the helper process's CPU.
audit_verify_once_ms
    the same in one pass, one process (what a chain shorter than ``SPLIT_FROM`` gets, and every failed check).
baseline_sha256_ms
    the same 100,000 payloads hashed with hashlib alone, already in memory: the least any verification costs.

The events are made as the store makes them (the same canonical JSON and hash functions; the verification
asserts they verify and replay cleanly) and written in one bulk insert, which is faster than 100,000
transactions on a shared machine. Run from the checkout: ``python benchmarks/audit_bench.py
[--events N] [--db URL]``.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout

from lifecycle_lab.domain import ItemState, canonical_json
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store import tables as t
from lifecycle_lab.store.audit import AuditKey, chain_hash, payload_text
from lifecycle_lab.verification import _verify, verify_audit

NOTES = "Reviewed with the team; the analysis is in the linked notebook and the decision log. "


def fill(store: Store, project: Project, events: int) -> None:
    """Append ``events`` audit events (item updates, a sign-off every 500) after the project's first one, with the
    item and sign-off rows they lead to: hashed as ``Store._append`` hashes, written in one bulk transaction."""
    keys = [item.key for item in project.template.items() if item.evidence in ("text", "check")]
    head = store.head(project.id)
    assert head is not None
    prev, key = head.hash, store.audit_key
    mode = key.mode if key else None
    states: dict[str, dict[str, Any]] = {}
    with store._read() as conn:  # sign-off ids are unique across projects (a --db may hold an earlier bench's)
        first_id = (conn.execute(sa.select(sa.func.max(t.signoffs.c.id))).scalar() or 0) + 1
    rows, signoffs = [], []
    for seq in range(head.seq + 1, events + 1):
        at = f"2026-12-06T{seq // 360000 % 24:02d}:{seq // 6000 % 60:02d}:{seq // 100 % 60:02d}.{seq:06d}Z"
        if seq % 500 == 0:
            signoff = {"id": first_id + len(signoffs), "stage": "framing", "role": "security", "decision": "approve",
                       "comment": "", "user": "carol", "at": at, "snapshot": "0" * 64}
            signoffs.append(signoff)
            actor, action, target, before, after = "carol", "signoff", "framing", None, signoff
        else:
            target = keys[seq % len(keys)]
            before = states.get(target)
            after = ItemState.from_json({**(before or {"key": target}), "notes": f"{NOTES}#{seq}",
                                         "status": "in_progress", "version": (before or {}).get("version", 0) + 1,
                                         "updated_by": "alice", "updated_at": at}).to_json()
            states[target] = after
            actor, action = "alice", "item.update"
        row = (seq, at, actor, action, target, canonical_json(before), canonical_json(after), prev, "", mode)
        digest = chain_hash(prev, payload_text(row, project.id), key)
        rows.append({"project_id": project.id, "seq": seq, "at": at, "actor": actor, "action": action,
                     "target": target, "before": row[5], "after": row[6], "prev_hash": prev, "hash": digest,
                     "mode": mode})
        prev = digest
    with store._write(project.id) as conn:
        conn.execute(t.audit_events.insert(), rows)
        conn.execute(t.items.insert(), [{"project_id": project.id, **s} for s in states.values()])
        conn.execute(t.signoffs.insert(), [{"project_id": project.id, "user_name": s["user"],
                                            **{k: v for k, v in s.items() if k != "user"}} for s in signoffs])


def _children_cpu() -> float:
    """CPU seconds used so far by this process's live children (the verification's helper)."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def timed(fn: Any, repeat: int) -> tuple[float, float, float]:
    """Median wall-clock, CPU and children's CPU milliseconds of ``fn()`` over ``repeat`` calls."""
    wall, cpu, helper = [], [], []
    for _ in range(repeat):
        started, started_cpu, started_helper = time.perf_counter(), time.process_time(), _children_cpu()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        helper.append((_children_cpu() - started_helper) * 1000)
    return statistics.median(wall), statistics.median(cpu), statistics.median(helper)


def bench(folder: Path, events: int, key: AuditKey | None, repeat: int, db: str | None = None
          ) -> dict[str, tuple[float, float, float]]:
    """Wall and CPU ms of verifying a project of ``events`` events (keyed with ``key`` or not), and of the baseline.

    ``db``: the store's URL (a fresh project is made in it); default a new SQLite file in ``folder``."""
    store = Store(db or f"sqlite:///{folder / 'store.sqlite'}", key)
    service = Lifecycle(store)
    (folder / "proj").mkdir()
    project = service.init_project(folder / "proj", actor="alice", template="default", name="Bench")
    fill(store, project, events)
    rows = store.chain_rows(project.id)
    texts = [(row[7] + payload_text(row, project.id)).encode() for row in rows]
    result = verify_audit(store, project.id, project.directory)  # also starts the helper process, once
    assert result.ok and result.chain.events == events, result.problems()[:3]
    once = _verify(store, project.id, [], split=False)
    assert once is not None and once.chain == result.chain
    figures = {"baseline": timed(lambda: [hashlib.sha256(t).hexdigest() for t in texts], repeat),
               "verify": timed(lambda: verify_audit(store, project.id, project.directory), repeat),
               "once": timed(lambda: _verify(store, project.id, [], split=False), repeat)}
    store.close()
    return figures


def main() -> None:
    """Print ``name: value`` lines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="a store URL to measure in, e.g. postgresql+psycopg://… (default: SQLite)")
    args = parser.parse_args()
    key = AuditKey(b"benchmark secret of thirty-two b")
    for label, chosen in (("unkeyed", None), ("keyed", key)):
        with tempfile.TemporaryDirectory() as tmp:
            figures = bench(Path(tmp), args.events, chosen, args.repeat, args.db)
        (wall, cpu, helper), (base_wall, base_cpu, _) = figures["verify"], figures["baseline"]
        print(f"audit_verify_ms[{label}]: {wall:.0f} wall, {cpu:.0f} CPU + {helper:.0f} CPU in the helper "
              f"({args.events} events; target < 1000)")
        once_wall, once_cpu, _ = figures["once"]
        print(f"audit_verify_once_ms[{label}]: {once_wall:.0f} wall, {once_cpu:.0f} CPU (one process, one pass)")
        print(f"baseline_sha256_ms[{label}]: {base_wall:.0f} wall, {base_cpu:.0f} CPU (hashing the payloads alone)")
        print(f"audit_verify_ratio[{label}]: {cpu / base_cpu:.1f}x the bare hashing (CPU)")


if __name__ == "__main__":
    main()
