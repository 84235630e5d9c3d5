"""Where a notebook reads and writes files and reaches the network, found in its calls.

The ``absolute-path``, ``unregistered-data`` and ``network-access`` rules and dataset discovery all start
from this list of :class:`Access` values.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .cells import Cell, Notebook
from .names import Imports, argument, notebook_names, static_string, string_prefix

# reader -> (position, keyword) of its path argument
_READERS: dict[str, tuple[int, str]] = {
    **{f"pandas.{name}": (0, arg) for name, arg in [
        ("read_csv", "filepath_or_buffer"), ("read_table", "filepath_or_buffer"), ("read_fwf", "filepath_or_buffer"),
        ("read_parquet", "path"), ("read_json", "path_or_buf"), ("read_excel", "io"), ("read_feather", "path"),
        ("read_pickle", "filepath_or_buffer"), ("read_orc", "path"), ("read_stata", "filepath_or_buffer"),
        ("read_sas", "filepath_or_buffer"), ("read_spss", "path"), ("read_hdf", "path_or_buf"),
        ("read_xml", "path_or_buffer"), ("read_html", "io")]},
    **{f"polars.{name}": (0, "source") for name in ("read_csv", "read_parquet", "read_json", "read_excel",
                                                     "read_ipc", "scan_csv", "scan_parquet")},
    "open": (0, "file"), "io.open": (0, "file"), "codecs.open": (0, "filename"),
    "numpy.load": (0, "file"), "numpy.loadtxt": (0, "fname"), "numpy.genfromtxt": (0, "fname"),
    "numpy.fromfile": (0, "file"), "joblib.load": (0, "filename"), "torch.load": (0, "f"),
    "PIL.Image.open": (0, "fp"), "h5py.File": (0, "name"), "xarray.open_dataset": (0, "filename_or_obj"),
}
_PATH_READ_METHODS = frozenset({"read_text", "read_bytes", "open"})
_WRITE_METHODS: dict[str, tuple[int, str]] = {
    "to_csv": (0, "path_or_buf"), "to_parquet": (0, "path"), "to_json": (0, "path_or_buf"),
    "to_excel": (0, "excel_writer"), "to_pickle": (0, "path"), "to_feather": (0, "path"),
    "savefig": (0, "fname"), "write_text": (-1, ""), "write_bytes": (-1, ""),
}
_WRITERS: dict[str, tuple[int, str]] = {
    "numpy.save": (0, "file"), "numpy.savetxt": (0, "fname"), "numpy.savez": (0, "file"),
    "numpy.savez_compressed": (0, "file"), "joblib.dump": (1, "filename"), "torch.save": (1, "f"),
}
_NETWORK_CALLS = frozenset({
    *(f"requests.{m}" for m in ("get", "post", "put", "patch", "delete", "head", "options", "request")),
    *(f"httpx.{m}" for m in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")),
    "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.urlopen", "urllib.urlretrieve",
    "urllib3.request", "wget.download", "seaborn.load_dataset", "datasets.load_dataset",
    "huggingface_hub.hf_hub_download", "huggingface_hub.snapshot_download",
    "tensorflow.keras.utils.get_file", "keras.utils.get_file",
})
_NETWORK_PREFIXES = ("sklearn.datasets.fetch_",)
URL_SCHEMES = ("http://", "https://", "ftp://", "s3://", "gs://", "gcs://", "az://", "abfs://", "hf://")
_SHELL_NETWORK = ("curl ", "wget ", "http://", "https://", "git clone", "ftp://")


@dataclass(frozen=True)
class Access:
    """One read or write of a file, or one network access, at a cell's line.

    ``path`` is the path as the code spells it when the notebook's text alone tells (else None);
    ``prefix`` is the start of it that is known (an f-string's literal head, a ``Path(...)`` root).
    """

    kind: str  # read | write | network
    call: str  # what the code calls, as written (``pd.read_csv``)
    reader: str  # the resolved name (``pandas.read_csv``), or the method for ``x.to_csv``
    cell: Cell
    line: int
    path: str | None = None
    prefix: str | None = None


def is_absolute(path: str) -> bool:
    """An absolute or home-relative path: ``/…``, ``~/…``, ``C:\\…``, ``\\\\server\\…``."""
    if path.startswith(("/", "~", "\\\\")):
        return not path.startswith("/dev/")
    return len(path) > 2 and path[0].isalpha() and path[1] == ":" and path[2] in "\\/"


def is_url(path: str) -> bool:
    """A remote address a reader would fetch."""
    return path.lower().startswith(URL_SCHEMES)


def _mode_writes(call: ast.Call, position: int = 1) -> bool:
    """Whether the call's ``mode`` argument (at ``position``) opens for writing."""
    mode = argument(call, position, "mode")
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")


def _shell_text(call: ast.Call) -> str | None:
    """The command of ``get_ipython().system(...)`` / ``getoutput`` (what ``!cmd`` becomes)."""
    func = call.func
    if (isinstance(func, ast.Attribute) and func.attr in ("system", "getoutput")
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "get_ipython" and call.args and isinstance(call.args[0], ast.Constant)):
        return str(call.args[0].value)
    return None


def accesses(notebook: Notebook) -> list[Access]:
    """Every file read, file write and network access the notebook's code makes, in notebook order."""
    imports, constants = notebook_names(notebook)
    found: list[Access] = []
    for cell in notebook.code_cells():
        for call in cell.nodes:
            if not isinstance(call, ast.Call):
                continue
            access = _classify(call, cell, imports, constants)
            if access is not None:
                found.append(access)
    return found


def _classify(call: ast.Call, cell: Cell, imports: Imports, constants: dict[str, str]) -> Access | None:
    name = imports.call_name(call) or ""
    line = cell.line(call)
    shadowed_open = name == "open" and "open" in imports.aliases
    if name in _READERS and not shadowed_open and (imports.is_imported(call.func) or name == "open"):
        position, key = _READERS[name]
        node = argument(call, position, key)
        kind = "write" if name in ("open", "io.open", "codecs.open") and _mode_writes(call) else "read"
        return Access(kind, ast.unparse(call.func), name, cell, line, static_string(node, imports, constants),
                      string_prefix(node, imports, constants))
    if name in _WRITERS and imports.is_imported(call.func):
        position, key = _WRITERS[name]
        node = argument(call, position, key)
        return Access("write", ast.unparse(call.func), name, cell, line, static_string(node, imports, constants),
                      string_prefix(node, imports, constants))
    if imports.is_imported(call.func) and (name in _NETWORK_CALLS or name.startswith(_NETWORK_PREFIXES)):
        return Access("network", ast.unparse(call.func), name, cell, line)
    shell = _shell_text(call)
    if shell is not None:
        return Access("network", f"!{shell}", "shell", cell, line) if any(s in shell for s in _SHELL_NETWORK) else None
    if isinstance(call.func, ast.Attribute) and not imports.is_imported(call.func):
        return _method(call, cell, imports, constants, line)
    return None


def _method(call: ast.Call, cell: Cell, imports: Imports, constants: dict[str, str], line: int) -> Access | None:
    assert isinstance(call.func, ast.Attribute)
    method = call.func.attr
    if method not in _PATH_READ_METHODS and method not in _WRITE_METHODS:
        return None
    shown = ast.unparse(call.func)
    receiver = call.func.value
    if method in _PATH_READ_METHODS or method in ("write_text", "write_bytes"):
        path = static_string(receiver, imports, constants)
        if path is None:
            return None
        writes = method.startswith("write") or (method == "open" and _mode_writes(call, 0))
        return Access("write" if writes else "read", shown, f"Path.{method}", cell, line, path, path)
    if method in _WRITE_METHODS:
        position, key = _WRITE_METHODS[method]
        node = argument(call, position, key)
        return Access("write", shown, method, cell, line, static_string(node, imports, constants),
                      string_prefix(node, imports, constants))
    return None


def declared_datasets(notebook: Notebook) -> list[str]:
    """Paths the notebook records as datasets itself, with ``lifecycle_lab.dataset(path, …)``."""
    imports, constants = notebook_names(notebook)
    paths = []
    for cell in notebook.code_cells():
        for node in cell.nodes:
            if isinstance(node, ast.Call) and imports.call_name(node) == "lifecycle_lab.dataset":
                path = static_string(argument(node, 0, "path"), imports, constants)
                if path is not None:
                    paths.append(path)
    return paths

