"""Dataset fingerprints: a streaming sha256 of a file or folder, cached by path + size + mtime_ns.

For CSV and Parquet files the fingerprint also carries rows, columns and a
schema hash (read with pandas / pyarrow) so a dataset card can show them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from .errors import NotFound

CHUNK = 1 << 20  # 1 MiB reads keep hashlib at OpenSSL speed and memory flat


class FingerprintCache(Protocol):
    """Where file hashes are remembered between processes (the store implements it)."""

    def get_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The remembered sha256 of this exact file state, if any."""

    def put_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        """Remember a file's sha256 for this size and mtime."""


_MEMO: dict[tuple[str, int, int], str] = {}  # this process's own cache, in front of the shared one


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one version of a dataset."""

    sha256: str
    size: int
    files: int
    kind: str  # file | folder | csv | parquet
    rows: int | None = None
    columns: int | None = None
    schema: list[list[str]] | None = None
    schema_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return asdict(self)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks into one reused buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def file_hash(path: Path, cache: FingerprintCache | None = None) -> str:
    """sha256 of a file, served from the caches while its size and mtime_ns are unchanged."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key in _MEMO:
        return _MEMO[key]
    sha = cache.get_hash(*key) if cache is not None else None
    if sha is None:
        sha = sha256_file(path)
        if cache is not None:
            cache.put_hash(*key, sha)
    _MEMO[key] = sha
    return sha


def _folder_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def content_hash(path: str | os.PathLike[str], cache: FingerprintCache | None = None) -> str:
    """sha256 of a file, or of a folder's sorted (relative path, file hash) list; NotFound if missing."""
    path = Path(path).resolve()
    if path.is_file():
        return file_hash(path, cache)
    if path.is_dir():
        listing = [[p.relative_to(path).as_posix(), file_hash(p, cache)] for p in _folder_files(path)]
        return hashlib.sha256(json.dumps(listing, separators=(",", ":")).encode()).hexdigest()
    raise NotFound(f"{path} does not exist")


def _schema_hash(schema: list[list[str]]) -> str:
    return hashlib.sha256(json.dumps(schema, separators=(",", ":")).encode()).hexdigest()


def _table_stats(path: Path) -> dict[str, Any]:
    """Rows, columns and schema of a CSV or Parquet file ({} for other files or unreadable tables)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path)
            schema = [[f.name, str(f.type)] for f in meta.schema_arrow]
            return {"kind": "parquet", "rows": meta.metadata.num_rows, "columns": len(schema), "schema": schema}
        if suffix in (".csv", ".tsv"):
            import pandas as pd

            sep = "\t" if suffix == ".tsv" else ","
            head = pd.read_csv(path, sep=sep, nrows=10_000)
            schema = [[str(c), str(t)] for c, t in head.dtypes.items()]
            rows = sum(len(chunk) for chunk in pd.read_csv(path, sep=sep, usecols=[0], chunksize=1_000_000))
            return {"kind": "csv", "rows": rows, "columns": len(schema), "schema": schema}
    except (ImportError, ValueError, OSError):
        return {}
    except Exception as exc:  # pandas/pyarrow parse errors have many types; a table we cannot parse is just a file
        if type(exc).__module__.split(".")[0] in ("pandas", "pyarrow"):
            return {}
        raise
    return {}


def fingerprint(
    path: str | os.PathLike[str], cache: FingerprintCache | None = None, *, inspect: bool = True
) -> Fingerprint:
    """The full fingerprint of a file or folder; ``inspect`` adds table stats for CSV/Parquet."""
    path = Path(path).resolve()
    sha = content_hash(path, cache)
    if path.is_dir():
        files = _folder_files(path)
        return Fingerprint(sha256=sha, size=sum(p.stat().st_size for p in files), files=len(files), kind="folder")
    stats = _table_stats(path) if inspect else {}
    schema = stats.get("schema")
    return Fingerprint(
        sha256=sha,
        size=path.stat().st_size,
        files=1,
        kind=stats.get("kind", "file"),
        rows=stats.get("rows"),
        columns=stats.get("columns"),
        schema=schema,
        schema_hash=_schema_hash(schema) if schema else None,
    )


_NB_MEMO: dict[tuple[str, int, int], str] = {}


def notebook_content_hash(notebook: Mapping[str, Any]) -> str:
    """sha256 of a parsed notebook's cell types and sources (not outputs or metadata).

    ``notebook`` is its JSON (as read from the file) or an nbformat v4 ``NotebookNode``: both hash alike.
    The one hashing rule of notebooks: :func:`notebook_hash` applies it to a file.
    """
    sources = [
        [c.get("cell_type"), "".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source", "")]
        for c in notebook.get("cells", []) if isinstance(c, dict)
    ]
    return hashlib.sha256(json.dumps(sources, separators=(",", ":")).encode()).hexdigest()


def notebook_hash(path: str | os.PathLike[str]) -> str | None:
    """sha256 of a notebook file's cell types and sources (:func:`notebook_content_hash`); None if unreadable.

    Re-executing or re-saving a notebook keeps this hash; editing any cell changes it. An nbformat 3 notebook
    is hashed as its v4 conversion, the notebook a rerun executes and records the hash of.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _NB_MEMO:
        try:
            data = json.loads(path.read_bytes())
            if isinstance(data, dict) and "worksheets" in data:  # nbformat 3: hashed as the v4 notebook that runs
                import nbformat

                data = nbformat.convert(nbformat.from_dict(data), 4)
            _NB_MEMO[key] = notebook_content_hash(data)
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return None
    return _NB_MEMO[key]
