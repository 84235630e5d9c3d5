"""Who may sign off a stage, in the one place the clients read it from (the project view's ``signoff_roles``).

``required``: the roles the stage's gate waits for (shown as missing until they approve).
``optional``: roles that may sign a stage whose gate requires none (shown only once they have signed).
A sign-off policy (which people hold which role) plugs in here.
"""

from __future__ import annotations

from typing import Any

from .domain import Template


def signoff_roles(template: Template, stage_id: str) -> dict[str, list[str]]:
    """The roles that sign off ``stage_id``: those its gate requires, else every role of the template, optionally."""
    stage = template.stage(stage_id)
    required = list(stage.gate.signoffs)
    optional = [] if required else [role.id for role in template.roles]
    return {"required": required, "optional": optional}


def signoff_roles_json(template: Template) -> dict[str, Any]:
    """Every stage's sign-off roles, by stage id."""
    return {stage.id: signoff_roles(template, stage.id) for stage in template.stages}
