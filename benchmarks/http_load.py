"""Shared by the HTTP benchmarks: a keep-alive API client, latency statistics, and a concurrent
read-modify-write load whose result is checked for lost updates.

The load: each client repeatedly GETs one of a few shared items, appends its write's id to the
item's notes and PATCHes it with ``If-Match`` = the version it read. A 409 means someone wrote
first; the client then moves on, or with ``retry`` reads again and re-applies the same write
until it is accepted (a conflict is a retry, never a loss). Afterwards every item's notes must
list exactly the accepted writes in version order (0 lost updates), the audit log must hold
exactly one event per accepted write, and the project's audit chain must verify.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lifecycle_lab.pytest_plugin import JupyterServerProcess
from lifecycle_lab.service import Project
from lifecycle_lab.store import Store

API = "/lifecycle-lab/api"
MAX_ATTEMPTS = 1000  # a write still refused after this many conflicts is given up (and reported)


class Client:
    """One keep-alive HTTP connection with the server's token (like one browser tab)."""

    def __init__(self, server: JupyterServerProcess) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        self.headers = dict(server.headers)

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
             ) -> tuple[int, float, Any, http.client.HTTPResponse]:
        """(status, seconds, JSON body, response)."""
        data = None if body is None else json.dumps(body).encode()
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers={**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:  # stay one user, as a browser would
            self.headers["Cookie"] = cookie.split(";", 1)[0]
        return response.status, elapsed, json.loads(raw) if raw else None, response


def median_ms(samples: list[float]) -> float:
    """Median of seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of seconds, in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


@dataclass
class _Tally:
    """What the clients saw (statuses of every request, latencies of the PATCHes), under one lock."""

    accepted: list[tuple[str, int, str]] = field(default_factory=list)  # (key, version, write id)
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    given_up: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, seconds: float | None = None) -> None:
        """Count a response's status; a PATCH's latency too."""
        with self.lock:
            if seconds is not None:
                self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1


def _lost_updates(store: Store, project: Project, keys: list[str], accepted: list[tuple[str, int, str]]) -> int:
    """Accepted writes missing from (or out of order in) the items' final notes and versions."""
    lost = 0
    for key in keys:
        mine = sorted((version, write_id) for k, version, write_id in accepted if k == key)
        final = store.item(project.id, key)
        expected_versions = list(range(final.version - len(mine) + 1, final.version + 1))
        lost += abs(len(final.notes.split()) - len(mine))
        lost += sum(v != e for (v, _), e in zip(mine, expected_versions, strict=True))
        lost += final.notes.split() != [write_id for _, write_id in mine]
    return lost


def read_modify_write(servers: list[JupyterServerProcess], store: Store, project: Project, keys: list[str], *,
                      clients: int, writes: int, retry: bool = False) -> dict[str, float]:
    """``clients`` threads (spread over ``servers``) each make ``writes`` read-modify-write PATCHes; checked figures."""
    for key in keys:  # start every shared item from empty notes
        assert Client(servers[0]).call("PATCH", f"{API}/projects/{project.id}/items/{key}", {"notes": ""},
                                       {"If-Match": "*"})[0] == 200
    seq_before = store.last_seq(project.id)
    tally = _Tally()
    start = threading.Barrier(clients)

    def worker(number: int) -> None:
        client = Client(servers[number % len(servers)])
        start.wait()
        for i in range(writes):
            key, write_id = keys[(number + i) % len(keys)], f"c{number}w{i}"
            url = f"{API}/projects/{project.id}/items/{key}"
            for _ in range(MAX_ATTEMPTS if retry else 1):
                status, _, read, _ = client.call("GET", url)  # read ...
                if status != 200:
                    tally.record(status)
                    break
                notes = f"{read['notes']} {write_id}".strip()  # ... modify ...
                status, seconds, body, _ = client.call("PATCH", url, {"notes": notes},  # ... write, if still current
                                                       {"If-Match": f'"{read["version"]}"'})
                tally.record(status, seconds)
                if status == 200:
                    with tally.lock:
                        tally.accepted.append((key, body["version"], write_id))
                    break
                if status != 409:
                    break
            else:
                if retry:
                    with tally.lock:
                        tally.given_up += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    events = [e for e in store.events(project.id, since=seq_before) if e.action == "item.update"]
    event_writes = sorted((e.target, e.after["version"], e.after["notes"].split()[-1]) for e in events)
    statuses = tally.statuses
    return {
        "clients": clients,
        "servers": len(servers),
        "attempts": len(tally.latencies),
        "accepted": len(tally.accepted),
        "conflicts": statuses.get(409, 0),
        "given_up": tally.given_up,
        "5xx": sum(count for status, count in statuses.items() if status >= 500),
        "other_status": sum(c for s, c in statuses.items() if s not in (200, 409) and s < 500),
        "lost_updates": _lost_updates(store, project, keys, tally.accepted),
        "audit_mismatches": len(set(event_writes) ^ set(tally.accepted)) + abs(len(events) - len(tally.accepted)),
        "chain_ok": int(store.verify_chain(project.id).ok),
        "p50_ms": median_ms(tally.latencies),
        "p99_ms": percentile_ms(tally.latencies, 0.99),
        "writes_per_s": len(tally.accepted) / elapsed,
    }
