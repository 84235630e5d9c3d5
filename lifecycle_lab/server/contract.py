"""The OpenAPI contract (``openapi.yaml`` next to this module) and the request bodies it declares.

The evidence schemas are not repeated in the YAML: they are added from ``evidence.SCHEMAS``, the
definitions the server validates against, so the contract cannot drift from the validation. Each
request body is validated once, against its schema here (:func:`check_body`), with an error that
names the field; the handlers then only read it.
"""

from __future__ import annotations

import copy
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError as SchemaError

from .._jsonschema import Draft202012Validator
from ..errors import ValidationError
from ..evidence import KINDS, SCHEMAS
from ..yamlmarks import dotted

SPEC_FILE = Path(__file__).with_name("openapi.yaml")
_TYPE_WORDS = {"array": "a list", "boolean": "true or false", "string": "a string", "integer": "an integer",
               "number": "a number", "object": "an object"}


def evidence_schema_name(kind: str) -> str:
    """The component name of an evidence kind's schema: ``failure_modes`` → ``FailureModesEvidence``."""
    return "".join(part.title() for part in kind.split("_")) + "Evidence"


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    """The OpenAPI document: ``openapi.yaml`` with the evidence schemas the server validates against."""
    spec = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["EvidenceKind"]["enum"] = list(KINDS)
    for kind in KINDS:
        schemas[evidence_schema_name(kind)] = copy.deepcopy(SCHEMAS[kind])
    schemas["Evidence"]["anyOf"] = [{"type": "null"}] + [
        {"$ref": f"#/components/schemas/{evidence_schema_name(kind)}"} for kind in KINDS if kind != "check"
    ]
    return spec


@cache
def _validator(name: str) -> Draft202012Validator:
    """A validator of the component schema ``name``. Evidence is left to the item's own kind (the service
    validates it against that kind's schema and names the field inside it), so here it may be any JSON."""
    components = copy.deepcopy(load_spec()["components"])
    components["schemas"]["Evidence"] = {}
    return Draft202012Validator({**components["schemas"][name], "components": components})


def check_body(name: str, body: Any) -> dict[str, Any]:
    """``body`` when it is what schema ``name`` of ``openapi.yaml`` declares; ValidationError naming the field."""
    errors = sorted(_validator(name).iter_errors(body), key=lambda e: (len(e.absolute_path), list(map(str, e.path))))
    if errors:
        raise _problem(errors[0], name)
    return body


def _words(schema: dict[str, Any]) -> str:
    """What a schema's type asks for, in words: ``a string (or null)``."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    words = " or ".join(_TYPE_WORDS.get(t, t) for t in types if t != "null") or "valid"
    return words + (" (or null)" if "null" in types else "")


def _problem(error: SchemaError, name: str) -> ValidationError:
    """The first schema error as the API's 400: ``field: what is wrong``, with ``field`` set."""
    path = list(error.absolute_path)
    if path and isinstance(path[-1], int):  # an element of a list of simple values: the list is at fault
        field = dotted(path[:-1])
        items = error.parent.schema.get("items", {}) if error.parent else error.schema
        plural = "non-empty strings" if items.get("minLength") else f"{_words(items).removeprefix('a ')}s"
        return ValidationError(f"{field}: must be a list of {plural}", field=field)
    field = dotted(path)
    kind, value, schema = error.validator, error.instance, error.schema
    if kind == "required":
        missing = next(r for r in error.validator_value if r not in error.instance)
        field = dotted([*path, missing])
        return ValidationError(f"{field}: required", field=field)
    if kind == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})))[0]
        field = dotted([*path, extra])
        known = ", ".join(sorted(schema.get("properties", {})))
        return ValidationError(f"{field}: not a field of {name} (fields: {known})", field=field)
    if kind == "minProperties":
        return ValidationError("body: no changes given", field="body")
    limit = error.validator_value
    messages = {
        "type": lambda: f"must be {_words(schema)}",
        "enum": lambda: f"{value!r} is not one of {', '.join(map(str, limit))}",
        "maxLength": lambda: f"at most {limit} characters",
        "minLength": lambda: "must not be empty",
        "pattern": lambda: f"{value!r} does not have the expected form ({schema.get('description', limit)})",
    }
    message = messages[kind]() if kind in messages else error.message
    return ValidationError(f"{field or 'body'}: {message}", field=field or "body")
