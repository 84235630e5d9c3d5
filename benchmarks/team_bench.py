"""A team's load on the shared store: two jupyter servers over PostgreSQL. Prints ``name: value`` lines.

team_load
    50 concurrent clients spread over two real ``jupyter server`` processes (users alice and bob), both
    over one throwaway PostgreSQL database and one project folder, make 5,000 read-modify-write PATCHes
    in all (100 each) on 10 shared items of one project: GET the item, append the write's id to its
    notes, PATCH with ``If-Match`` = the version read; on 409 read again and re-apply, until accepted
    (``http_load.read_modify_write`` with ``retry``). Required: 0 lost updates (every accepted write is
    in its item's final notes, in version order), exactly one audit event per accepted write, 0 5xx,
    0 writes given up, and the audit chain verifies. Latencies (p50, p99) are the PATCHes', conflicts
    included.
team_load_sqlite
    The same load against ONE server on SQLite (the single-user default), measured in the same run;
    ``team_load_p50_ratio`` and ``team_load_p99_ratio`` are PostgreSQL (two servers) ÷ SQLite (one).

Run from the checkout: ``python benchmarks/team_bench.py [--quick]`` (needs Debian's ``postgresql``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run as a script from a checkout; the test cluster helper

from http_load import API, Client, read_modify_write  # noqa: E402
from pgcluster import PostgresCluster, postgres_bin  # noqa: E402

from lifecycle_lab.pytest_plugin import JupyterServerProcess  # noqa: E402
from lifecycle_lab.service import Lifecycle  # noqa: E402
from lifecycle_lab.store import Store  # noqa: E402

CLIENTS, WRITES_PER_CLIENT, SHARED_ITEMS = 50, 100, 10
USERS = ("alice", "bob")


def run_load(root: Path, db_url: str, users: tuple[str, ...], *, clients: int, writes: int) -> dict[str, float]:
    """A project on the store at ``db_url``, one server per user over it, the load through them; its figures."""
    store = Store(db_url)
    service = Lifecycle(store)
    (root / "credit").mkdir(parents=True)
    project = service.init_project(root / "credit", actor="alice", template="default", name="Credit model")
    keys = [item.key for item in project.template.items()][:SHARED_ITEMS]
    servers = [JupyterServerProcess(root, db_url, user=user) for user in users]
    try:
        for server in servers:
            server.start()
            warm = Client(server)
            for _ in range(5):  # first requests pay for imports and caches
                warm.call("GET", f"{API}/projects/{project.id}")
        return read_modify_write(servers, store, project, keys, clients=clients, writes=writes, retry=True)
    finally:
        for server in servers:
            server.stop()
        store.close()


def passed(figures: dict[str, float]) -> bool:
    """Nothing lost, doubled, refused for good or failed, and the chain verifies."""
    return (figures["lost_updates"] == 0 and figures["audit_mismatches"] == 0 and figures["5xx"] == 0
            and figures["other_status"] == 0 and figures["given_up"] == 0 and figures["chain_ok"] == 1)


def main(argv: list[str] | None = None) -> int:
    """Run the load on PostgreSQL through two servers, then on SQLite through one; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 clients × 10 writes (a smoke run)")
    args = parser.parse_args(argv)
    clients, writes = (10, 10) if args.quick else (CLIENTS, WRITES_PER_CLIENT)
    if postgres_bin() is None:
        print("team_bench: PostgreSQL server binaries not found (apt-get install postgresql)", file=sys.stderr)
        return 2
    cluster = PostgresCluster().start()
    try:
        with tempfile.TemporaryDirectory(prefix="lifecycle-team-bench-") as tmp:
            team = run_load(Path(tmp) / "team", cluster.create_database(), USERS, clients=clients, writes=writes)
            solo = run_load(Path(tmp) / "solo", f"sqlite:///{Path(tmp) / 'solo.sqlite'}", USERS[:1],
                            clients=clients, writes=writes)
    finally:
        cluster.stop()
    results: dict[str, float] = {f"team_load_{name}": value for name, value in team.items()}
    results.update({f"team_load_sqlite_{name}": value for name, value in solo.items()})
    results["team_load_p50_ratio"] = team["p50_ms"] / solo["p50_ms"]
    results["team_load_p99_ratio"] = team["p99_ms"] / solo["p99_ms"]
    results["team_load_writes_per_s_ratio"] = team["writes_per_s"] / solo["writes_per_s"]
    for name, value in results.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    return 0 if passed(team) and passed(solo) else 1


if __name__ == "__main__":
    sys.exit(main())
