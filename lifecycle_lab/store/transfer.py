"""Moving a project's complete state between stores: every row that belongs to it, verbatim.

The state covers the project record, item states, sign-offs, datasets with
every version, runs with their notebooks, and the audit events exactly as
stored (the before/after text that was hashed), so the chain verifies in the
target store and its head is the same. The fingerprint cache is machine-local
and not part of a project.

Sign-off ids are surrogate keys: an import keeps them when the target store
has them free (always so in a new store or with ``replace``) and otherwise lets
the target number them, in the same order.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import Conflict, ValidationError
from . import tables as t
from .audit import AuditKey, verify_rows
from .columns import column_problem
from .opening import IntegrityFailure
from .store import ProjectRecord, Store

# Each part of the state: its table, the columns the state leaves out, and the nested part it carries.
_PARTS: dict[str, tuple[sa.Table, tuple[str, ...], str | None]] = {
    "project": (t.projects, (), None),
    "items": (t.items, ("project_id",), None),
    "signoffs": (t.signoffs, ("project_id",), None),
    "datasets": (t.datasets, ("project_id",), "versions"),
    "versions": (t.dataset_versions, ("project_id", "name"), None),
    "runs": (t.runs, ("project_id",), "notebooks"),
    "notebooks": (t.run_notebooks, ("run_id",), None),
    "audit": (t.audit_events, ("project_id",), None),
}
MAX_PROBLEMS = 10


def _row_problems(part: str, where: str, row: Any) -> list[str]:
    table, left_out, nested = _PARTS[part]
    if not isinstance(row, dict):
        return [f"{where}: must be an object"]
    columns = {c.name: c for c in table.columns if c.name not in left_out}
    problems = [f"{where}.{key}: not a column of {table.name}" for key in row
                if key not in columns and key != nested]
    for name, column in columns.items():
        optional = column.nullable or column.server_default is not None or column.autoincrement is True
        if name not in row:
            if not optional:
                problems.append(f"{where}.{name}: missing")
        elif (problem := column_problem(column, row[name])) is not None:
            problems.append(f"{where}.{problem}")
    if nested is not None:
        children = row.get(nested)
        if not isinstance(children, list):
            problems.append(f"{where}.{nested}: must be a list")
        else:
            for i, child in enumerate(children):
                problems += _row_problems(nested, f"{where}.{nested}[{i}]", child)
    return problems


def state_problems(state: Any, key: AuditKey | None = None) -> list[str]:
    """What keeps ``state`` from being imported as it is: shape, column types and the audit chain (checked with
    ``key`` when it is keyed)."""
    if not isinstance(state, dict):
        return ["state: must be an object"]
    problems = _row_problems("project", "project", state.get("project"))
    for part in ("items", "signoffs", "datasets", "runs", "audit"):
        rows = state.get(part)
        if not isinstance(rows, list):
            problems.append(f"{part}: must be a list")
            continue
        for i, row in enumerate(rows):
            problems += _row_problems(part, f"{part}[{i}]", row)
    if problems:
        return problems
    project_id = state["project"]["id"]
    chain = verify_rows([
        (e["seq"], e["at"], e["actor"], e["action"], e["target"], e["before"], e["after"], e["prev_hash"], e["hash"],
         e.get("mode"))
        for e in state["audit"]
    ], project_id, key)
    if not chain.ok:
        problems.append(f"audit: the chain does not verify: {chain.message}")
    return problems


def state_project(state: dict[str, Any]) -> ProjectRecord:
    """The project record an exported state carries; ValidationError when its ``project`` part does not fit."""
    problems = _row_problems("project", "project", state.get("project"))
    if problems:
        raise ValidationError("; ".join(problems[:MAX_PROBLEMS]), field="project")
    return ProjectRecord(**state["project"])


def _rows(conn: Connection, query: sa.Select[Any], order: tuple[str, ...], drop: tuple[str, ...] = ()
          ) -> list[dict[str, Any]]:
    """The rows as dicts without ``drop``, sorted by ``order`` in Python: text in code point order on every backend."""
    rows = [row._asdict() for row in conn.execute(query)]
    rows.sort(key=lambda row: tuple(row[name] for name in order))
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]


def export_state(store: Store, project_id: str) -> dict[str, Any]:
    """Every stored row of the project, from one consistent snapshot; NotFound for an unknown project."""
    with store._snapshot() as conn:
        project = store._project_row(conn, project_id)._asdict()
        mine = ("project_id",)
        items = _rows(conn, sa.select(t.items).where(t.items.c.project_id == project_id), ("key",), mine)
        signoffs = _rows(conn, sa.select(t.signoffs).where(t.signoffs.c.project_id == project_id), ("id",), mine)
        datasets = _rows(conn, sa.select(t.datasets).where(t.datasets.c.project_id == project_id), ("name",), mine)
        versions = _rows(conn, sa.select(t.dataset_versions).where(t.dataset_versions.c.project_id == project_id),
                         ("name", "version"), mine)
        runs = _rows(conn, sa.select(t.runs).where(t.runs.c.project_id == project_id), ("created_at", "id"), mine)
        run_ids = [run["id"] for run in runs]
        notebooks = _rows(conn, sa.select(t.run_notebooks).where(t.run_notebooks.c.run_id.in_(run_ids)),
                          ("run_id", "position")) if run_ids else []
        audit = _rows(conn, sa.select(t.audit_events).where(t.audit_events.c.project_id == project_id), ("seq",),
                      mine)
    for dataset in datasets:
        dataset["versions"] = [{k: v for k, v in row.items() if k != "name"}
                               for row in versions if row["name"] == dataset["name"]]
    for run in runs:
        run["notebooks"] = [{k: v for k, v in nb.items() if k != "run_id"} for nb in notebooks
                            if nb["run_id"] == run["id"]]
    return {"project": project, "items": items, "signoffs": signoffs, "datasets": datasets, "runs": runs,
            "audit": audit}


def _delete_project(conn: Connection, project_id: str) -> None:
    """Remove every row of the project (children first, so no foreign-key cascade is relied on)."""
    run_ids = sa.select(t.runs.c.id).where(t.runs.c.project_id == project_id).scalar_subquery()
    conn.execute(t.run_notebooks.delete().where(t.run_notebooks.c.run_id.in_(run_ids)))
    for table in (t.runs, t.dataset_versions, t.datasets, t.signoffs, t.items, t.audit_events, t.audit_checkpoints):
        conn.execute(table.delete().where(table.c.project_id == project_id))
    conn.execute(t.projects.delete().where(t.projects.c.id == project_id))


def _insert_signoffs(conn: Connection, store: Store, project_id: str, signoffs: list[dict[str, Any]]) -> None:
    ids = [s["id"] for s in signoffs if s.get("id") is not None]
    taken = conn.execute(sa.select(t.signoffs.c.id).where(t.signoffs.c.id.in_(ids))).first() if ids else None
    keep = len(ids) == len(signoffs) and taken is None
    if keep and ids and store.dialect == "postgresql":
        # Explicit ids do not advance the serial's sequence: move it past them first, so no concurrent sign-off
        # elsewhere draws one of them, and never back, so no id already handed out (even uncommitted) comes again.
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('signoffs', 'id'), "
                             "GREATEST(:top, nextval(pg_get_serial_sequence('signoffs', 'id'))))"), {"top": max(ids)})
    for signoff in signoffs:
        values = {k: v for k, v in signoff.items() if k != "id" or keep}
        conn.execute(t.signoffs.insert().values(project_id=project_id, **values))


def import_state(store: Store, state: dict[str, Any], *, replace: bool = False) -> ProjectRecord:
    """Write an exported state into ``store``; Conflict when the project exists (unless ``replace``).

    With ``replace`` the target's rows of that project, its audit history included, are
    replaced by the imported ones. ValidationError, before anything is written, when
    ``state`` is malformed or its audit chain does not verify.
    """
    problems = state_problems(state, store.audit_key)
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise ValidationError("; ".join(problems[:MAX_PROBLEMS]) + more, field=problems[0].split(":")[0])
    project = ProjectRecord(**state["project"])
    pid = project.id
    try:
        with store._write(pid) as conn:
            exists = conn.execute(sa.select(t.projects.c.id).where(t.projects.c.id == pid)).first()
            if exists and not replace:
                raise Conflict(f"project {pid} ({project.name}) is already in this store; "
                               "import with --replace to overwrite its state there")
            if exists:
                _delete_project(conn, pid)
            run_ids = [run["id"] for run in state["runs"]]
            if run_ids and conn.execute(sa.select(t.runs.c.id).where(t.runs.c.id.in_(run_ids))).first():
                raise Conflict("a run in the file already exists in this store under another project")
            conn.execute(t.projects.insert().values(**project.to_json()))
            if state["items"]:
                conn.execute(t.items.insert(), [{**item, "project_id": pid} for item in state["items"]])
            _insert_signoffs(conn, store, pid, state["signoffs"])
            for dataset in state["datasets"]:
                versions = dataset["versions"]
                conn.execute(t.datasets.insert().values(
                    project_id=pid, **{k: v for k, v in dataset.items() if k != "versions"}))
                if versions:
                    conn.execute(t.dataset_versions.insert(),
                                 [{**v, "project_id": pid, "name": dataset["name"]} for v in versions])
            for run in state["runs"]:
                notebooks = run["notebooks"]
                conn.execute(t.runs.insert().values(project_id=pid,
                                                    **{k: v for k, v in run.items() if k != "notebooks"}))
                if notebooks:
                    conn.execute(t.run_notebooks.insert(), [{**nb, "run_id": run["id"]} for nb in notebooks])
            if state["audit"]:
                conn.execute(t.audit_events.insert(), [{**event, "project_id": pid} for event in state["audit"]])
    except IntegrityFailure as exc:
        raise Conflict(f"the file's rows clash with this store: {exc.driver_message}") from None
    return project
