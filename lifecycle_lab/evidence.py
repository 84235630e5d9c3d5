"""Evidence kinds: the JSON schema of each kind and validation with field-naming messages.

Pure: no I/O. An item's evidence is a JSON value whose shape depends on the
item's ``evidence`` kind in the template.
"""

from __future__ import annotations

from typing import Any

from ._jsonschema import Draft202012Validator
from .errors import ValidationError
from .yamlmarks import dotted

_TEXT = {"type": "string", "maxLength": 100_000}
_SHORT = {"type": "string", "maxLength": 2_000}
_NUMBER = {"type": "number"}
LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")
"""The levels a failure mode's likelihood and severity may take, lowest first."""
_LEVEL = {"type": "string", "enum": list(LEVELS)}
_ISO_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
# Where imported evidence came from (evidence_sources/): enough to find the source again and see if it changed.
_ORIGIN = {
    "type": "object",
    "required": ["type", "run_id", "digest"],
    "properties": {
        "type": {"type": "string", "enum": ["mlflow"]},
        "tracking_uri": _SHORT,
        "run_id": {**_SHORT, "minLength": 1},
        "digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
}


def _checked_notebooks(extra: dict[str, Any]) -> dict[str, Any]:
    """The ``notebooks`` a rerun or a lint checked: path, content hash (for staleness) and ``extra`` fields."""
    properties = {"path": _SHORT, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, **extra}
    return {"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["path"],
                                       "properties": properties}}


SCHEMAS: dict[str, dict[str, Any]] = {
    "check": {"type": "null"},
    "text": {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {"text": _TEXT},
    },
    "problem_statement": {
        "type": "object",
        "additionalProperties": False,
        "required": ["statement"],
        "properties": {
            "statement": {**_TEXT, "minLength": 1},
            "objective_metric": _SHORT,
            "target": _NUMBER,
            "baseline": {"type": ["number", "null"]},
            "constraints": _TEXT,
        },
    },
    "failure_modes": {
        "type": "object",
        "additionalProperties": False,
        "required": ["rows"],
        "properties": {
            "rows": {
                "type": "array",
                "maxItems": 1_000,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["mode"],
                    "properties": {
                        "mode": {**_SHORT, "minLength": 1},
                        "impact": _TEXT,
                        "likelihood": _LEVEL,
                        "severity": _LEVEL,
                        "mitigation": _TEXT,
                        "owner": _SHORT,
                    },
                },
            }
        },
    },
    "datasets": {
        "type": "object",
        "additionalProperties": False,
        "required": ["versions"],
        "properties": {
            "versions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["dataset"],
                    "anyOf": [{"required": ["version"]}, {"required": ["digest"]}],
                    "properties": {
                        "dataset": {**_SHORT, "minLength": 1},
                        "version": {"type": "integer", "minimum": 1},
                        "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "digest": _SHORT,  # a dataset logged elsewhere (an MLflow input): its digest and source
                        "source": _SHORT,
                    },
                },
            },
            "origin": _ORIGIN,
        },
    },
    "hyperparameters": {
        "type": "object",
        "additionalProperties": False,
        "required": ["params"],
        "properties": {
            "params": {"type": "object"},
            "source": _SHORT,
            "origin": _ORIGIN,
        },
    },
    "metrics": {
        "type": "object",
        "additionalProperties": False,
        "required": ["metric", "results"],
        "properties": {
            "metric": {**_SHORT, "minLength": 1},
            "confidence": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "method": _SHORT,
            "origin": _ORIGIN,
            "n_boot": {"type": "integer", "minimum": 0},
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["segment", "value"],
                    "properties": {
                        "segment": _SHORT,
                        "value": {"type": ["number", "null"]},
                        "ci_low": {"type": ["number", "null"]},
                        "ci_high": {"type": ["number", "null"]},
                        "n": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "calibration": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "ece": _NUMBER,
                    "bins": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "low": _NUMBER,
                                "high": _NUMBER,
                                "count": {"type": "integer", "minimum": 0},
                                "mean_predicted": {"type": ["number", "null"]},
                                "observed_rate": {"type": ["number", "null"]},
                            },
                        },
                    },
                },
            },
        },
    },
    "rerun": {
        "type": "object",
        "additionalProperties": False,
        "required": ["run_id", "verdict"],
        "properties": {
            "run_id": {**_SHORT, "minLength": 1},
            "verdict": _SHORT,
            "finished_at": _SHORT,
            "notebooks": _checked_notebooks({"verdict": _SHORT}),
            "datasets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["dataset", "fingerprint"],
                    "properties": {
                        "dataset": _SHORT,
                        "version": {"type": "integer"},
                        "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
            },
        },
    },
    "lint": {
        "type": "object",
        "additionalProperties": False,
        "required": ["linted_at", "counts"],
        "properties": {
            "linted_at": _SHORT,
            "counts": {
                "type": "object",
                "additionalProperties": False,
                "properties": {level: {"type": "integer", "minimum": 0} for level in ("info", "warning", "error")},
            },
            "notebooks": _checked_notebooks({"findings": {"type": "integer", "minimum": 0}}),
            "findings": {
                "type": "array",
                "maxItems": 1_000,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["rule", "severity", "path", "message"],
                    "properties": {
                        "id": _SHORT,
                        "rule": _SHORT,
                        "severity": {"type": "string", "enum": ["info", "warning", "error"]},
                        "path": _SHORT,
                        "cell": {"type": ["integer", "null"], "minimum": 0},
                        "line": {"type": ["integer", "null"], "minimum": 1},
                        "message": _TEXT,
                    },
                },
            },
        },
    },
    "test": {
        "type": "object",
        "additionalProperties": False,
        "required": ["mode"],
        "properties": {
            "mode": {"type": "string", "enum": ["manual", "automated"]},
            "how": _TEXT,
            "link": _SHORT,
            "last_run": _ISO_DATE,
        },
    },
    "link": {
        "type": "object",
        "additionalProperties": False,
        "required": ["url"],
        "properties": {"url": {**_SHORT, "minLength": 1}, "title": _SHORT},
    },
    "date": {
        "type": "object",
        "additionalProperties": False,
        "required": ["date"],
        "properties": {"date": _ISO_DATE, "note": _SHORT},
    },
    "decision_log": {
        "type": "object",
        "additionalProperties": False,
        "required": ["entries"],
        "properties": {
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["decision"],
                    "properties": {
                        "decision": {**_TEXT, "minLength": 1},
                        "rationale": _TEXT,
                        "alternatives": _TEXT,
                        "by": _SHORT,
                        "at": _SHORT,
                    },
                },
            }
        },
    },
}

KINDS: tuple[str, ...] = tuple(SCHEMAS)

_VALIDATORS = {kind: Draft202012Validator(schema) for kind, schema in SCHEMAS.items()}


def validate_evidence(kind: str, value: Any) -> None:
    """Raise ValidationError naming the offending field when ``value`` is not valid ``kind`` evidence."""
    if kind not in _VALIDATORS:
        raise ValidationError(f"unknown evidence kind {kind!r}", field="evidence")
    if value is None:
        return  # evidence is always optional: absence is judged by the gate, not here
    errors = sorted(_VALIDATORS[kind].iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = dotted(err.absolute_path)
        field = f"evidence.{where}" if where else "evidence"
        raise ValidationError(f"{field}: {err.message} (evidence kind {kind!r})", field=field)


def has_evidence(kind: str, value: Any) -> bool:
    """Whether ``value`` counts as evidence having been given for an item of ``kind``."""
    if kind == "check":
        return True
    if value is None:
        return False
    for key in ("rows", "versions", "entries", "results"):
        if key in value:
            return bool(value[key])
    if kind == "hyperparameters":
        return bool(value.get("params"))
    if kind == "text":
        return bool(value.get("text", "").strip())
    return True


def origin_key(origin: Any) -> str | None:
    """The key an imported evidence's source is observed under (``mlflow:URI#RUN``), or None when not imported."""
    if not isinstance(origin, dict) or not origin.get("run_id"):
        return None
    return f"{origin.get('type')}:{origin.get('tracking_uri', '')}#{origin['run_id']}"


PASSING_RERUN_VERDICTS = frozenset({"reproduced", "within_tolerance"})


def evidence_failure(kind: str, value: Any) -> str | None:
    """Why evidence that is present nonetheless shows a failure (a rerun that did not reproduce, a lint that found
    errors), or None."""
    if kind == "rerun" and isinstance(value, dict) and value.get("verdict") not in PASSING_RERUN_VERDICTS:
        return f"the last rerun's verdict is {value.get('verdict')}"
    errors = (value.get("counts") or {}).get("error", 0) if kind == "lint" and isinstance(value, dict) else 0
    if errors:
        return f"the last lint found {errors} error{'s' if errors != 1 else ''}"
    return None


NOTEBOOK_EVIDENCE: frozenset[str] = frozenset({"rerun", "lint"})
"""Evidence kinds that record the notebooks they checked (``notebooks[].path/sha256``); such evidence goes stale
when one of those notebooks changes."""
