"""Hidden state: the ``execution-order`` and ``use-before-define`` rules.

A notebook reproduces only when running its cells top to bottom in a fresh kernel gives what was saved.
``execution-order`` reads the saved execution counts (cells run out of order, skipped counts, cells run
again); ``use-before-define`` follows the names each cell reads and binds at the top level, in notebook
order, and reports a name read before any cell above defines it.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from .cells import Cell, Notebook
from .finding import Finding
from .names import notebook_names

EXECUTION_ORDER = "execution-order"
USE_BEFORE_DEFINE = "use-before-define"

_IPYTHON_NAMES = frozenset({"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___", "_i", "_ii",
                            "_iii", "_oh", "_dh", "_ih"})
_HISTORY = re.compile(r"^_i?\d+$")  # _5, _i5: IPython's output/input history
_NAMESPACE_MAGICS = frozenset({"run", "store", "load", "load_ext", "env"})


def check_execution_order(notebook: Notebook) -> list[Finding]:
    """Cells whose saved execution counts are not 1, 2, 3… in notebook order (one finding per cell)."""
    executed = [cell for cell in notebook.cells if cell.is_code and cell.execution_count is not None]
    messages: dict[int, str] = {}
    for previous, cell in itertools.pairwise(executed):
        if (cell.execution_count or 0) <= (previous.execution_count or 0):
            messages[cell.index] = (f"ran as In [{cell.execution_count}], before cell {previous.index + 1} above it "
                                    f"(In [{previous.execution_count}]): the cells ran out of order")
    by_count = sorted(executed, key=lambda c: c.execution_count or 0)
    before = 0
    for cell in by_count:
        count = cell.execution_count or 0
        if count > before + 1 and cell.index not in messages:
            if count == before + 2:
                what = f"In [{before + 1}] ran before it and is"
            else:
                what = f"In [{before + 1}] to In [{count - 1}] ran before it and are"
            messages[cell.index] = (f"ran as In [{count}]: {what} not in the notebook (a deleted cell, or a cell run "
                                    "more than once)")
        before = count
    if executed:
        for cell in notebook.cells:
            if cell.is_code and cell.execution_count is None:
                messages[cell.index] = "was not run when the notebook was saved, while other cells were"
    cells = {cell.index: cell for cell in notebook.cells}
    return [Finding(rule=EXECUTION_ORDER, severity="warning", path=notebook.path, cell=index, cell_id=cells[index].id,
                    message=message, fix="restart the kernel and run all cells, then save")
            for index, message in sorted(messages.items())]


class _Scope(ast.NodeVisitor):
    """Visits one cell's top-level code in execution order, calling back on every read and bind of a name."""

    def __init__(self, on_read: Callable[[str, ast.AST], None], on_bind: Callable[[str, ast.AST], None]) -> None:
        self.on_read = on_read
        self.on_bind = on_bind
        self.local: list[set[str]] = []  # comprehension and class scopes being visited

    def _bind(self, name: str, node: ast.AST) -> None:
        if self.local:
            self.local[-1].add(name)
        else:
            self.on_bind(name, node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if not any(node.id in scope for scope in self.local):
                self.on_read(node.id, node)
        elif isinstance(node.ctx, ast.Store):
            self._bind(node.id, node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.visit_Name(ast.copy_location(ast.Name(node.target.id, ast.Load()), node.target))
        self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target.id, node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self._bind(alias.asname or alias.name.split(".")[0], node)

    visit_ImportFrom = visit_Import

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expr in [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.visit(expr)
        self._bind(node.name, node)  # the body runs later, when called: its reads are not judged here

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.visit(expr)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.local.append(set())
        for statement in node.body:
            self.visit(statement)
        self.local.pop()
        self._bind(node.name, node)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                       elements: Iterable[ast.expr]) -> None:
        self.visit(node.generators[0].iter)  # the first iterable is evaluated in the enclosing scope
        self.local.append(set())
        for index, generator in enumerate(node.generators):
            if index:
                self.visit(generator.iter)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for element in elements:
            self.visit(element)
        self.local.pop()

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name, node)
        for statement in node.body:
            self.visit(statement)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        self.generic_visit(node)
        if node.name:
            self._bind(node.name, node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name, node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self._bind(node.rest, node)


@lru_cache(maxsize=8192)
def _events(tree: ast.Module) -> tuple[tuple[bool, str, ast.AST], ...]:
    """(is a read, name, node) for every top-level read and bind of a name in a cell, in execution order
    (remembered per tree, which :func:`~.cells.parse_cell` shares between lints of an unchanged cell)."""
    events: list[tuple[bool, str, ast.AST]] = []
    _Scope(lambda name, node: events.append((True, name, node)),
           lambda name, node: events.append((False, name, node))).visit(tree)
    return tuple(events)


def _opaque(cell: Cell) -> bool:
    """Whether the cell can bind names the lint cannot see (``global`` in a function, ``exec``, ``%run``)."""
    for node in cell.nodes:
        if isinstance(node, ast.Global):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("exec", "eval"):
                return True
            if (isinstance(func, ast.Attribute) and func.attr == "run_line_magic" and node.args
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value in _NAMESPACE_MAGICS):
                return True
    return False


def check_use_before_define(notebook: Notebook, injected: Iterable[str] = ()) -> list[Finding]:
    """Names a cell reads before any cell above it (or the cell itself, above the read) defines it.

    ``injected``: names defined before the first cell runs (the rerun's papermill parameters).
    """
    cells = list(notebook.code_cells())
    events = {cell.index: _events(cell.tree) for cell in cells if cell.tree is not None}
    first: dict[str, Cell] = {}
    for cell in cells:
        for is_read, name, _node in events[cell.index]:
            if not is_read:
                first.setdefault(name, cell)
    opaque = notebook_names(notebook)[0].wildcard or any(_opaque(cell) for cell in cells)
    known = set(dir(builtins)) | _IPYTHON_NAMES | set(injected)
    defined: set[str] = set()
    findings: list[Finding] = []
    for cell in cells:
        reported: set[str] = set()
        for is_read, name, node in events[cell.index]:
            if not is_read:
                defined.add(name)
                continue
            if name in defined or name in known or name in reported or _HISTORY.match(name):
                continue
            where = first.get(name)
            if where is None and opaque:
                continue
            reported.add(name)
            findings.append(_undefined(notebook, cell, node, name, where))
    return findings


def _undefined(notebook: Notebook, cell: Cell, node: ast.AST, name: str, where: Cell | None) -> Finding:
    if where is None:
        message = f"`{name}` is read but no cell defines it (a deleted cell, or state from another session)"
        fix = f"define `{name}` in a cell above this one, or remove the read"
    elif where.index == cell.index:
        message = f"`{name}` is read before this cell defines it further down"
        fix = f"define `{name}` before line {cell.line(node)}"
    else:
        message = f"`{name}` is read here but defined only in cell {where.index + 1}, further down"
        fix = f"move the definition of `{name}` above this cell, or move this cell below cell {where.index + 1}"
    return Finding(rule=USE_BEFORE_DEFINE, severity="error", path=notebook.path, cell=cell.index, cell_id=cell.id,
                   line=cell.line(node), message=message, fix=fix, data={"name": name})
