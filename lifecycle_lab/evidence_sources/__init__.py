"""Evidence read from where teams already keep it (MLflow runs), and whether that source has changed since.

``import_mlflow_run`` records a run's evidence on checklist items through the
service; ``observe_sources`` gives, for the staleness rules, the digest of each
imported source now. Evidence names its source in ``origin`` (``evidence.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain import ItemState
from ..errors import LifecycleError, MissingExtra, ValidationError
from ..evidence import origin_key

if TYPE_CHECKING:
    from ..service import Lifecycle, Project

IMPORTED_KINDS = ("hyperparameters", "metrics", "datasets")


@dataclass(frozen=True)
class Target:
    """An item to record evidence on, and for a metrics item the metric to record there."""

    key: str
    metric: str | None = None


def parse_targets(values: Sequence[str]) -> list[Target]:
    """``STAGE/ITEM`` or ``STAGE/ITEM=METRIC`` strings as targets; ValidationError naming a malformed one."""
    targets = []
    for value in values:
        key, _, metric = value.partition("=")
        if key.count("/") != 1 or not all(key.split("/")):
            raise ValidationError(f"item: {value!r} is not STAGE/ITEM or STAGE/ITEM=METRIC", field="item")
        targets.append(Target(key.strip(), metric.strip() or None))
    return targets


def _default_targets(project: Project, run: Any, recorded: Mapping[str, ItemState]) -> list[Target]:
    """Without ``--item``: the template's first item of each kind the run has evidence for.

    A metrics item gets the metric it already records when the run logged it, else the run's only metric.
    """
    targets = []
    for kind, present in (("hyperparameters", run.hyperparameters), ("datasets", run.datasets),
                          ("metrics", run.metrics)):
        spec = next((item for item in project.template.items() if item.evidence == kind), None)
        if spec is None or not present:
            continue
        metric = None
        if kind == "metrics":
            current = (recorded.get(spec.key) or ItemState(spec.key)).evidence or {}
            metric = current.get("metric") if current.get("metric") in run.metrics else None
            metric = metric or (next(iter(run.metrics)) if len(run.metrics) == 1 else None)
        targets.append(Target(spec.key, metric))
    return targets


def import_mlflow_run(
    service: Lifecycle, project: Project, run_id: str, *, actor: str, tracking_uri: str | None = None,
    items: Sequence[str] = (),
) -> list[tuple[Target, ItemState]]:
    """Record MLflow run ``run_id`` as evidence on ``items`` (default: one item per kind the run has).

    Each item must take hyperparameters, metrics or datasets evidence; a ``todo`` item moves to ``in_progress``.
    Returns each target with the item's new state.
    """
    from .mlflow import read_run

    run = read_run(run_id, tracking_uri)
    recorded = service.items(project.id)
    targets = parse_targets(items) if items else _default_targets(project, run, recorded)
    if not targets:
        raise ValidationError(f"run {run_id} has no parameters, metrics or dataset inputs that an item of template "
                              f"{project.template.id!r} can take", field="item")
    planned = []
    for target in targets:  # everything is checked before anything is written
        spec = project.template.item(target.key)
        if spec.evidence not in IMPORTED_KINDS:
            raise ValidationError(f"item: {target.key} takes {spec.evidence} evidence, not one of "
                                  f"{', '.join(IMPORTED_KINDS)}", field="item")
        planned.append((target, run.for_kind(spec.evidence, target.metric)))
    done = []
    for target, evidence in planned:
        changes: dict[str, Any] = {"evidence": evidence}
        if (recorded.get(target.key) or ItemState(target.key)).status == "todo":
            changes["status"] = "in_progress"
        done.append((target, service.set_item(project, target.key, changes, actor=actor)))
    return done


def origins(states: Iterable[ItemState]) -> dict[str, dict[str, Any]]:
    """The distinct sources imported evidence came from, by ``origin_key``."""
    found: dict[str, dict[str, Any]] = {}
    for state in states:
        origin = state.evidence.get("origin") if isinstance(state.evidence, dict) else None
        key = origin_key(origin)
        if key is not None:
            found.setdefault(key, origin)
    return found


def observe_sources(states: Iterable[ItemState]) -> dict[str, str | None]:
    """The digest of each imported source now (None: gone); a source that cannot be read here is left out."""
    seen: dict[str, str | None] = {}
    for key, origin in origins(states).items():
        if origin.get("type") != "mlflow":
            continue
        try:
            from .mlflow import current_digest

            seen[key] = current_digest(origin.get("tracking_uri", ""), origin["run_id"])
        except (MissingExtra, LifecycleError):
            continue  # without MLflow here the run cannot be checked, which never makes evidence stale
        except Exception:  # an unreachable tracking server must not break the status view
            continue
    return seen
