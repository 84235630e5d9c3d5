"""The checklist's rules: templates, item states, progress, gates, staleness and sign-off snapshots.

Pure domain: no files, no database, no clock. Callers pass in everything a rule
depends on (today's date, current fingerprints) so every rule is a function of
its arguments. One module per concern; everything is re-exported here.
"""

from .audit import canonical_json
from .gates import (
    Blocker,
    GateResult,
    Observations,
    Progress,
    Summary,
    evaluate_gate,
    is_overdue,
    item_blockers,
    latest_signoffs,
    progress,
    stale_reasons,
    summarize,
)
from .items import (
    CLOSED,
    DECISIONS,
    EDITABLE_FIELDS,
    MAX_NAME,
    MAX_TEXT,
    STATUSES,
    ItemChange,
    ItemState,
    Signoff,
    apply_changes,
    check_signoff,
    parse_due,
    record_evidence,
    stage_snapshot,
    states_for,
)
from .template import Gate, ItemSpec, Role, Stage, Template

__all__ = [
    "CLOSED",
    "DECISIONS",
    "EDITABLE_FIELDS",
    "MAX_NAME",
    "MAX_TEXT",
    "STATUSES",
    "Blocker",
    "Gate",
    "GateResult",
    "ItemChange",
    "ItemSpec",
    "ItemState",
    "Observations",
    "Progress",
    "Role",
    "Signoff",
    "Stage",
    "Summary",
    "Template",
    "apply_changes",
    "canonical_json",
    "check_signoff",
    "evaluate_gate",
    "is_overdue",
    "item_blockers",
    "latest_signoffs",
    "parse_due",
    "progress",
    "record_evidence",
    "stage_snapshot",
    "stale_reasons",
    "states_for",
    "summarize",
]
