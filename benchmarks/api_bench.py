"""REST API benchmarks against a real ``jupyter server`` subprocess. Prints ``name: value`` lines.

api_get_ratio
    median latency of ``GET /lifecycle-lab/api/projects/{id}`` (default template, every item filled,
    a recorded dataset, a verified notebook) ÷ median latency of jupyter-server's own
    ``GET /api/contents/<50 KB notebook>``, both on the same server, requests interleaved.
    Target: at most 1.5. ``api_get_uncached_ratio`` is the same with a write before every view
    request, so each one recomputes the view instead of using the view cache. ``api_changes_idle_ms``
    is the median poll of the change feed when nothing changed.
api_concurrent
    20 clients × 100 read-modify-write cycles on 5 shared items: GET the item, append the write's id
    to its notes, PATCH with ``If-Match`` = the version read (a 409 means someone wrote first; the
    client moves on). Afterwards every item's notes must list exactly the accepted writes in version
    order (0 lost updates) and the audit log must hold exactly one event per accepted write.
    Latencies are the PATCHes'.

Run from the checkout: ``python benchmarks/api_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout

import nbformat

from lifecycle_lab.fingerprint import notebook_hash
from lifecycle_lab.server.launcher import JupyterServerProcess
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store

API = "/lifecycle-lab/api"
CLIENTS, WRITES_PER_CLIENT, SHARED_ITEMS = 20, 100, 5


def sample_evidence(kind: str, project: Project, dataset: dict[str, Any]) -> Any:
    """Realistic, valid evidence of each kind (a few hundred bytes each)."""
    prose = "Reviewed with the team; see the linked notebook for the analysis and the decision record. " * 3
    return {
        "check": None,
        "text": {"text": prose},
        "link": {"url": "https://example.org/model-card", "title": "Model card"},
        "date": {"date": "2031-06-30", "note": "yearly revalidation"},
        "problem_statement": {"statement": prose, "objective_metric": "ROC AUC", "target": 0.85, "baseline": 0.7,
                              "constraints": "Latency under 50 ms at p99."},
        "failure_modes": {"rows": [{"mode": f"mode {n}", "impact": prose, "likelihood": "low", "severity": "high",
                                    "mitigation": "Fallback to rules.", "owner": "dana"} for n in range(4)]},
        "datasets": {"versions": [dataset]},
        "hyperparameters": {"params": {"learning_rate": 0.05, "max_depth": 6, "n_estimators": 400},
                            "source": "train.ipynb"},
        "metrics": {"metric": "roc_auc", "confidence": 0.95, "method": "bootstrap", "n_boot": 1000,
                    "results": [{"segment": s, "value": 0.86, "ci_low": 0.83, "ci_high": 0.89, "n": 1200}
                                for s in ("all", "age<30", "age>=30", "new customers")]},
        "rerun": {"run_id": "bench-run", "verdict": "reproduced", "finished_at": "2030-01-01T00:00:00Z",
                  "notebooks": [{"path": "train.ipynb", "sha256": notebook_hash(project.directory / "train.ipynb"),
                                 "verdict": "reproduced"}],
                  "datasets": [{"dataset": dataset["dataset"], "version": dataset["version"],
                                "fingerprint": dataset["fingerprint"]}]},
        "decision_log": {"entries": [{"decision": "Ship behind a flag", "rationale": prose, "alternatives": "Wait",
                                      "by": "dana", "at": "2030-01-01"}]},
    }[kind]


def write_notebook(path: Path, size: int) -> None:
    """A notebook of about ``size`` bytes: code cells with sources and stream outputs."""
    nb = nbformat.v4.new_notebook()
    n = 0
    while len(nbformat.writes(nb)) < size:
        n += 1
        source = f"# step {n}\nfor i in range(10):\n    print('row', i, {n} * i)\n"
        output = nbformat.v4.new_output("stream", name="stdout", text="".join(f"row {i} {n * i}\n" for i in range(40)))
        nb.cells.append(nbformat.v4.new_code_cell(source, execution_count=n, outputs=[output]))
    nbformat.write(nb, path)


def filled_project(service: Lifecycle, root: Path) -> Project:
    """A default-template project with a recorded dataset, a notebook and every item filled."""
    folder = root / "credit"
    folder.mkdir()
    write_notebook(folder / "train.ipynb", 8_000)
    (folder / "train.csv").write_text("age,income,label\n" + "".join(f"{20 + i % 50},{1000 + i},{i % 2}\n"
                                                                   for i in range(2000)))
    project = service.init_project(folder, actor="alice", template="default", name="Credit model")
    version, _ = service.add_dataset(project, "train.csv", name="train", actor="alice")
    dataset = {"dataset": version.name, "version": version.version, "fingerprint": version.sha256}
    for item in project.template.items():
        current = service.store.item(project.id, item.key)
        service.set_item(project, item.key, {
            "status": "done", "owner": "dana", "due": "2031-01-31", "notes": f"Done for {item.title}.",
            "evidence": sample_evidence(item.evidence, project, dataset),
        }, actor="alice", expected_version=current.version)
    return project


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


def bench_get_ratio(server: JupyterServerProcess, project: Project, rounds: int) -> dict[str, float]:
    """Interleaved view and contents requests; the uncached variant writes before each view request."""
    client = Client(server)
    view, contents = f"{API}/projects/{project.id}", "/api/contents/bench.ipynb"
    for _ in range(10):  # warm up both paths (imports, caches, connection)
        client.call("GET", view)
        client.call("GET", contents)
    view_s, contents_s, uncached_s = [], [], []
    item = f"{API}/projects/{project.id}/items/framing/risk-tier"
    size = 0
    for n in range(rounds):
        status, seconds, body, _ = client.call("GET", view)
        assert status == 200, status
        size = len(json.dumps(body))
        view_s.append(seconds)
        status, seconds, _, _ = client.call("GET", contents)
        assert status == 200, status
        contents_s.append(seconds)
        if n % 2 == 0:
            client.call("PATCH", item, {"notes": f"round {n}"}, {"If-Match": "*"})
            status, seconds, _, _ = client.call("GET", view)
            assert status == 200, status
            uncached_s.append(seconds)
    seq = client.call("GET", view)[2]["seq"]
    changes_s = [client.call("GET", f"{API}/projects/{project.id}/changes?since={seq}")[1] for _ in range(rounds)]
    return {
        "api_get_ratio": median_ms(view_s) / median_ms(contents_s),
        "api_get_uncached_ratio": median_ms(uncached_s) / median_ms(contents_s),
        "api_get_project_ms": median_ms(view_s),
        "api_get_project_uncached_ms": median_ms(uncached_s),
        "api_get_contents_ms": median_ms(contents_s),
        "api_changes_idle_ms": median_ms(changes_s),
        "api_get_project_bytes": size,
    }


def bench_concurrent(server: JupyterServerProcess, service: Lifecycle, project: Project, clients: int,
                     writes: int) -> dict[str, float]:
    """Concurrent read-modify-write PATCHes; verifies no lost update and one audit event per accepted write."""
    keys = [item.key for item in project.template.stages[1].items[:SHARED_ITEMS]]
    for key in keys:  # start every shared item from empty notes
        client = Client(server)
        assert client.call("PATCH", f"{API}/projects/{project.id}/items/{key}", {"notes": ""},
                           {"If-Match": "*"})[0] == 200
    seq_before = service.store.last_seq(project.id)
    accepted: list[tuple[str, int, str]] = []  # (key, version, write id)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def worker(number: int) -> None:
        client = Client(server)
        start.wait()
        for i in range(writes):
            key = keys[(number + i) % len(keys)]
            url = f"{API}/projects/{project.id}/items/{key}"
            read = client.call("GET", url)[2]  # read ...
            write_id = f"c{number}w{i}"
            notes = f"{read['notes']} {write_id}".strip()  # ... modify ...
            status, seconds, body, _ = client.call("PATCH", url, {"notes": notes},  # ... write, if still current
                                                   {"If-Match": f'"{read["version"]}"'})
            with lock:
                latencies.append(seconds)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    accepted.append((key, body["version"], write_id))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    lost = 0
    for key in keys:
        mine = sorted((version, write_id) for k, version, write_id in accepted if k == key)
        final = service.store.item(project.id, key)
        expected_versions = list(range(final.version - len(mine) + 1, final.version + 1))
        lost += abs(len(final.notes.split()) - len(mine))
        lost += sum(v != e for (v, _), e in zip(mine, expected_versions, strict=True))
        lost += final.notes.split() != [write_id for _, write_id in mine]
    events = [e for e in service.store.events(project.id, since=seq_before) if e.action == "item.update"]
    event_writes = sorted((e.target, e.after["version"], e.after["notes"].split()[-1]) for e in events)
    audit_mismatches = len(set(event_writes) ^ set(accepted)) + abs(len(events) - len(accepted))
    ordered = sorted(latencies)
    return {
        "api_concurrent_clients": clients,
        "api_concurrent_attempts": len(latencies),
        "api_concurrent_accepted": len(accepted),
        "api_concurrent_conflicts": statuses.get(409, 0),
        "api_concurrent_5xx": sum(count for status, count in statuses.items() if status >= 500),
        "api_concurrent_other_status": sum(c for s, c in statuses.items() if s not in (200, 409) and s < 500),
        "api_concurrent_lost_updates": lost,
        "api_concurrent_audit_mismatches": audit_mismatches,
        "api_concurrent_p50_ms": median_ms(latencies),
        "api_concurrent_p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "api_concurrent_writes_per_s": len(accepted) / elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    """Set up a project and a server, run both benchmarks, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and writes (a smoke run)")
    args = parser.parse_args(argv)
    rounds, clients, writes = (30, 4, 10) if args.quick else (300, CLIENTS, WRITES_PER_CLIENT)
    with tempfile.TemporaryDirectory(prefix="lifecycle-bench-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        store = Store(db_url)
        service = Lifecycle(store)
        project = filled_project(service, root)
        write_notebook(root / "bench.ipynb", 50_000)
        results: dict[str, float] = {"api_notebook_bytes": (root / "bench.ipynb").stat().st_size}
        with JupyterServerProcess(root, db_url) as server:
            results.update(bench_get_ratio(server, project, rounds))
            results.update(bench_concurrent(server, service, project, clients, writes))
        store.close()
    for name, value in results.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    ok = (results["api_get_ratio"] <= 1.5 and results["api_concurrent_lost_updates"] == 0
          and results["api_concurrent_audit_mismatches"] == 0 and results["api_concurrent_5xx"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
