"""What a call in a notebook refers to: import aliases, dotted call names, keyword arguments, static strings.

The rules ask "is this ``numpy.random.rand``?" whatever the notebook imported it as
(``import numpy as np``, ``from numpy import random as npr``, ``from numpy.random import rand``).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .cells import Cell, Notebook


@dataclass
class Imports:
    """The names a notebook imported, each mapped to the dotted name it stands for."""

    aliases: dict[str, str] = field(default_factory=dict)
    wildcard: bool = False  # ``from x import *`` somewhere: any name may be defined
    _calls: dict[int, str | None] = field(default_factory=dict, repr=False)  # call_name, by id of the call

    @classmethod
    def of(cls, cells: Iterable[Cell]) -> Imports:
        """The imports of every cell (in notebook order: a later import of a name wins)."""
        imports = cls()
        for cell in cells:
            for node in cell.nodes:
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.asname:
                            imports.aliases[alias.asname] = alias.name
                        else:
                            root = alias.name.split(".")[0]
                            imports.aliases[root] = root
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        if alias.name == "*":
                            imports.wildcard = True
                        else:
                            imports.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return imports

    def dotted(self, node: ast.AST) -> str | None:
        """``a.b.c`` for a Name/Attribute chain, its first part replaced by what it was imported as."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def is_imported(self, node: ast.AST) -> bool:
        """Whether the chain starts at an imported name (``np.random`` yes, ``loans.sample`` no)."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self.aliases

    def call_name(self, call: ast.Call) -> str | None:
        """The dotted name a call calls, resolved through the imports (None for ``f()()`` and the like)."""
        key = id(call)
        if key not in self._calls:
            self._calls[key] = self.dotted(call.func)
        return self._calls[key]


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value passed as keyword ``name`` (None when absent)."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def has_kwargs_splat(call: ast.Call) -> bool:
    """Whether the call passes ``**mapping`` (any keyword may be in it)."""
    return any(kw.arg is None for kw in call.keywords)


def is_none(node: ast.AST | None) -> bool:
    """A literal ``None``."""
    return isinstance(node, ast.Constant) and node.value is None


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    """The argument at ``position`` or passed as keyword ``name``."""
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return keyword(call, name)


PATH_CONSTRUCTORS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"})


def static_string(node: ast.AST | None, imports: Imports, constants: dict[str, str]) -> str | None:
    """The string an expression always evaluates to, when the notebook's text alone tells (else None).

    Understands literals, names bound once to such a value, ``Path(...)``, ``a / b`` on paths and
    ``os.path.join``; an f-string gives its constant prefix only when that prefix is all of it.
    """
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = static_string(node.left, imports, constants)
        right = static_string(node.right, imports, constants)
        return None if left is None or right is None else os.path.join(left, right).replace("\\", "/")
    if isinstance(node, ast.Call) and not node.keywords:
        name = imports.call_name(node)
        parts = [static_string(arg, imports, constants) for arg in node.args]
        joins = name in PATH_CONSTRUCTORS or name in ("os.path.join", "posixpath.join")
        if joins and parts and all(p is not None for p in parts):
            return os.path.join(*[p for p in parts if p is not None]).replace("\\", "/")
    return None


def string_prefix(node: ast.AST | None, imports: Imports, constants: dict[str, str]) -> str | None:
    """The constant text an expression's string value starts with (an f-string's leading literal too)."""
    whole = static_string(node, imports, constants)
    if whole is not None:
        return whole
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.Call) and imports.call_name(node) in PATH_CONSTRUCTORS and node.args:
        return string_prefix(node.args[0], imports, constants)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return string_prefix(node.left, imports, constants)
    return None


def string_constants(cells: Iterable[Cell], imports: Imports) -> dict[str, str]:
    """Top-level names bound exactly once, to a value :func:`static_string` can read (``DATA = "data/x.csv"``)."""
    values: dict[str, str | None] = {}
    for cell in cells:
        for node in cell.tree.body if cell.tree is not None else ():
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else [])
            for target in targets:
                if isinstance(target, ast.Name):
                    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
                    known = {k: v for k, v in values.items() if v is not None}
                    values[target.id] = None if target.id in values else static_string(value, imports, known)
    return {k: v for k, v in values.items() if v is not None}


@lru_cache(maxsize=64)
def notebook_names(notebook: Notebook) -> tuple[Imports, dict[str, str]]:
    """A notebook's imports and string constants, worked out once for all the rules (do not modify them)."""
    imports = Imports.of(notebook.code_cells())
    return imports, string_constants(notebook.code_cells(), imports)
