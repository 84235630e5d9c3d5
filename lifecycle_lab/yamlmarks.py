"""YAML loading that remembers where each value came from, so errors can say ``file:line``.

Used by the template loader and the project manifest reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .errors import TemplateError


class MarkedDict(dict):
    """A mapping that knows the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class MarkedList(list):
    """A sequence that knows the line of itself and of each element (1-based)."""

    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader building MarkedDict/MarkedList and refusing duplicate keys."""

    problems: list[str]


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    out = MarkedDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            loader.problems.append(f"{line}: duplicate key {key!r} (first at line {out.key_lines[key]})")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> MarkedList:
    out = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_marked(text: str, filename: str) -> Any:
    """Parse YAML text; TemplateError with ``file:line`` on bad YAML or duplicate keys."""
    loader = _Loader(text)
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        raise TemplateError([f"{filename}:{line}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise TemplateError([f"{filename}:1: invalid YAML: {exc}"]) from None
    finally:
        loader.dispose()
    if loader.problems:
        raise TemplateError([f"{filename}:{p}" for p in loader.problems])
    return data


def load_marked_file(path: Path) -> Any:
    """Read and parse a YAML file, naming it in every error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError([f"{path}:1: cannot read: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise TemplateError([f"{path}:1: not UTF-8 text ({exc.reason})"]) from None
    return load_marked(text, str(path))


def line_of(data: Any, path: Iterable[Any]) -> int:
    """The line of the deepest node along ``path`` (keys and indexes) that exists."""
    line = getattr(data, "line", 1) or 1
    node = data
    for part in path:
        if isinstance(node, MarkedDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, MarkedList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def dotted(path: Iterable[Any]) -> str:
    """``stages[2].items[0].evidence`` from a list of keys and indexes ("" for the top level)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
