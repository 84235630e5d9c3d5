"""A checklist template as the rules see it: roles, stages with their gates, items."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFound


@dataclass(frozen=True)
class Role:
    """A role that owns items or signs stages off (e.g. security, legal, product)."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class ItemSpec:
    """One checklist item as the template defines it."""

    stage: str
    id: str
    title: str
    evidence: str
    required: bool = False
    guidance: str = ""
    why: str = ""
    owner_role: str | None = None
    automatable: bool = False
    refs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The item's address, ``stage-id/item-id``."""
        return f"{self.stage}/{self.id}"


@dataclass(frozen=True)
class Gate:
    """What closes a stage: sign-offs by roles and further required items."""

    signoffs: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    """A lifecycle stage: its items and its gate."""

    id: str
    title: str
    items: tuple[ItemSpec, ...]
    gate: Gate = Gate()
    description: str = ""
    section: str | None = None
    policy: Mapping[str, Any] | None = field(default=None, compare=False)  # sign-off policy YAML (policy.py)


@dataclass(frozen=True)
class Template:
    """A validated checklist template."""

    id: str
    version: str
    title: str
    stages: tuple[Stage, ...]
    roles: tuple[Role, ...] = ()
    description: str = ""
    source: str = ""
    scoring: str | None = None
    path: str | None = None
    _index: dict[str, ItemSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({item.key: item for stage in self.stages for item in stage.items})

    def items(self) -> Iterator[ItemSpec]:
        """Every item, in template order."""
        for stage in self.stages:
            yield from stage.items

    def item(self, key: str) -> ItemSpec:
        """The item at ``stage/item``; NotFound when the template has no such item."""
        try:
            return self._index[key]
        except KeyError:
            raise NotFound(f"template {self.id!r} has no item {key!r}") from None

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id; NotFound otherwise."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise NotFound(f"template {self.id!r} has no stage {stage_id!r}")

    def role_ids(self) -> set[str]:
        """Ids of the declared roles."""
        return {role.id for role in self.roles}
