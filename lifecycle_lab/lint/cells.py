"""Notebooks as the lint sees them: cells with their source, tags, execution count and parsed Python.

Python cells are parsed with :mod:`ast`. A cell that is not plain Python (IPython magics, ``!shell``
escapes, ``x?``) is first rewritten by IPython's own input transformers, the code IPython would run, so
it parses like any other; a cell magic that holds Python (``%%time``) is parsed from its body. A cell that
still does not parse keeps its :class:`SyntaxError` for the ``syntax-error`` finding: loading never fails
on a cell's content, only on a file that is not a notebook.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..fingerprint import notebook_content_hash

PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
"""Cell magics whose body is Python that runs in the notebook's namespace."""


@dataclass(frozen=True)
class Cell:
    """One cell: where it is, what it says, and (for Python code) its syntax tree.

    ``tree`` is None for markdown/raw cells, cells of other languages, non-Python cell magics and cells that
    do not parse (then ``error`` holds why). ``line_offset`` is how many source lines precede the parsed
    part (1 for a ``%%time`` header), so ``node.lineno + line_offset`` is the line in the cell.
    """

    index: int
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()
    execution_count: int | None = None
    id: str | None = None
    tree: ast.Module | None = None
    error: SyntaxError | None = None
    line_offset: int = 0
    magic: str | None = None
    nodes: tuple[ast.AST, ...] = ()  # calls, assignments, imports and ``global``s in source order (one walk)

    @property
    def is_code(self) -> bool:
        """A code cell with something in it (Jupyter does not execute empty cells)."""
        return self.cell_type == "code" and bool(self.source.strip())

    def line(self, node: ast.AST) -> int:
        """The 1-based line in this cell's source where ``node`` starts."""
        return getattr(node, "lineno", 1) + self.line_offset

    def source_line(self, line: int) -> str:
        """The text of 1-based ``line`` of the source ('' past the end)."""
        lines = self.source.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the rules cache per notebook read
class Notebook:
    """A notebook's cells, in order, with the project-relative ``path`` findings name.

    ``directory`` is the folder the notebook runs in (relative data paths resolve there); None for
    sources given in memory, where no file on disk is consulted.
    """

    path: str
    cells: tuple[Cell, ...]
    directory: Path | None = None
    language: str = "python"
    sha256: str | None = None  # the notebook's content hash (cell types and sources), as reruns record it

    def code_cells(self) -> Iterable[Cell]:
        """The cells that hold parsed Python, in notebook order."""
        return (cell for cell in self.cells if cell.tree is not None)


# ``%time x = f()`` runs ``x = f()``: keep that code visible to the rules, on its own line
_LINE_MAGIC = re.compile(r"^([ \t]*)%(?:time|timeit|prun|capture)(?:[ \t]+-[a-z]+(?:[ \t]+\d+)?)*[ \t]+(\S.*)$",
                         re.MULTILINE)


_ESCAPED_LINE = re.compile(r"^([ \t]*)([!%])(?![%=])(\S.*)$", re.MULTILINE)


def _escaped_call(match: re.Match[str]) -> str:
    """``!cmd`` / ``%name args`` as the call IPython makes of it (``get_ipython().system('cmd')``…)."""
    indent, kind, rest = match.groups()
    if kind == "!":
        return f"{indent}get_ipython().system({rest!r})"
    name, _, args = rest.partition(" ")
    return f"{indent}get_ipython().run_line_magic({name!r}, {args!r})"


@lru_cache(maxsize=1)
def _transformer() -> Any:
    from IPython.core.inputtransformer2 import TransformerManager  # imported only for cells that need it

    return TransformerManager()


def parse_python(source: str) -> tuple[ast.Module | None, SyntaxError | None, int, str | None]:
    """(tree, error, line offset, cell magic) of a code cell's source, as IPython would run it."""
    try:
        return ast.parse(source), None, 0, None
    except SyntaxError as plain_error:
        error = plain_error
    except ValueError as exc:  # null bytes in the source
        return None, SyntaxError(str(exc)), 0, None
    first, _, body = source.lstrip("\n").partition("\n")
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return None, None, 0, magic  # %%bash, %%html, %%writefile...: not Python, nothing to analyse
        offset = len(source) - len(source.lstrip("\n")) + 1
        tree, error_in_body, inner, _ = parse_python(body)
        return tree, error_in_body, offset + inner, magic
    inlined = _LINE_MAGIC.sub(r"\1\2", source)
    try:  # the common case, whole lines of `!cmd` and `%magic args`, without IPython's full tokenizing pass
        return ast.parse(_ESCAPED_LINE.sub(_escaped_call, inlined)), None, 0, None
    except SyntaxError:
        pass
    try:
        return ast.parse(_transformer().transform_cell(inlined)), None, 0, None
    except SyntaxError:
        return None, error, 0, None


_INDEXED = (ast.Call, ast.Assign, ast.Import, ast.ImportFrom, ast.Global)


def _indexed_nodes(tree: ast.AST) -> tuple[ast.AST, ...]:
    """The nodes the rules look at (calls, assignments, imports, ``global``), in source order.

    A plain stack walk: :func:`ast.walk` spends most of a lint's time in its generic field iteration.
    """
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, _INDEXED):
            found.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return tuple(sorted(found, key=lambda n: (n.lineno, n.col_offset)))  # type: ignore[attr-defined]


@lru_cache(maxsize=8192)
def parse_cell(source: str) -> tuple[ast.Module | None, SyntaxError | None, int, str | None, tuple[ast.AST, ...]]:
    """:func:`parse_python` plus the indexed nodes, remembered by source: an unchanged cell is parsed once per
    process (the rules only read the trees)."""
    tree, error, offset, magic = parse_python(source)
    return tree, error, offset, magic, _indexed_nodes(tree) if tree is not None else ()


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def make_cell(index: int, raw: dict[str, Any], *, python: bool = True) -> Cell:
    """A :class:`Cell` from a cell's notebook JSON; code is parsed when the notebook's language is Python."""
    cell_type = str(raw.get("cell_type", ""))
    source = _text(raw.get("source", ""))
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    tags = tuple(str(t) for t in metadata.get("tags", []) or [] if isinstance(t, str))
    count = raw.get("execution_count")
    tree = error = magic = None
    offset = 0
    nodes: tuple[ast.AST, ...] = ()
    if cell_type == "code" and python:
        tree, error, offset, magic, nodes = parse_cell(source)
    return Cell(index=index, cell_type=cell_type, source=source, tags=tags,
                execution_count=count if isinstance(count, int) else None,
                id=raw.get("id") if isinstance(raw.get("id"), str) else None,
                tree=tree, error=error, line_offset=offset, magic=magic, nodes=nodes)


def _language(data: dict[str, Any]) -> str:
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    kernelspec = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    name = kernelspec.get("language") or info.get("name") or "python"
    return str(name).lower()


def notebook_from_json(data: Any, path: str, directory: Path | None = None) -> Notebook:
    """A :class:`Notebook` from parsed notebook JSON; ValidationError when it is not a notebook."""
    if isinstance(data, dict) and "worksheets" in data:  # nbformat 3: lint the v4 notebook a rerun executes
        import nbformat

        data = nbformat.convert(nbformat.from_dict(data), 4)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValidationError(f"{path}: not a Jupyter notebook (no list of cells)", field="notebook")
    language = _language(data)
    python = language in ("python", "python3", "ipython")
    cells = tuple(make_cell(i, raw if isinstance(raw, dict) else {}, python=python)
                  for i, raw in enumerate(data["cells"]))
    return Notebook(path=path, cells=cells, directory=directory, language=language,
                    sha256=notebook_content_hash(data))


def read_notebook(file: Path, path: str | None = None) -> Notebook:
    """Read a notebook file; ValidationError names the file when it is missing or not a notebook."""
    shown = path or str(file)
    try:
        data = json.loads(file.read_bytes())
    except FileNotFoundError:
        raise ValidationError(f"{shown}: no such notebook", field="notebook") from None
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{shown}: cannot read it as a notebook ({exc})", field="notebook") from None
    return notebook_from_json(data, shown, file.parent)


def notebook_from_sources(sources: Sequence[str], path: str = "<cells>") -> Notebook:
    """A notebook made of code cells with these sources, in memory (nothing on disk is read)."""
    cells = tuple(make_cell(i, {"cell_type": "code", "source": s}) for i, s in enumerate(sources))
    return Notebook(path=path, cells=cells)
