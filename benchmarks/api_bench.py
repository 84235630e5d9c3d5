"""REST API benchmarks against a real ``jupyter server`` subprocess. Prints ``name: value`` lines.

api_get_ratio
    median latency of ``GET /lifecycle-lab/api/projects/{id}`` (default template, every item filled,
    a recorded dataset, a verified notebook) ÷ median latency of jupyter-server's own
    ``GET /api/contents/<50 KB notebook>``, both on the same server, requests interleaved.
    Target: at most 1.5. ``api_get_uncached_ratio`` is the same with a write before every view
    request, so each one recomputes the view instead of using the view cache. ``api_changes_idle_ms``
    is the median poll of the change feed when nothing changed.
api_concurrent
    20 clients × 100 read-modify-write cycles on 5 shared items (``http_load.read_modify_write``: GET
    the item, append the write's id to its notes, PATCH with ``If-Match`` = the version read; a 409
    means someone wrote first and the client moves on). Afterwards every item's notes must list
    exactly the accepted writes in version order (0 lost updates) and the audit log must hold exactly
    one event per accepted write. Latencies are the PATCHes'.

Run from the checkout: ``python benchmarks/api_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout

import nbformat
from http_load import API, Client, median_ms, read_modify_write

from lifecycle_lab.fingerprint import notebook_hash
from lifecycle_lab.pytest_plugin import JupyterServerProcess
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store

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
        "lint": {"linted_at": "2030-01-01T00:00:00Z", "counts": {"info": 1, "warning": 0, "error": 0}},
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
    figures = read_modify_write([server], service.store, project, keys, clients=clients, writes=writes)
    return {f"api_concurrent_{name}": value for name, value in figures.items()}


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
