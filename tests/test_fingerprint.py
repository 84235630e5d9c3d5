"""Dataset fingerprints: streaming hashes, the size+mtime cache, table stats, notebook source hashes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from lifecycle_lab import fingerprint as fpmod
from lifecycle_lab.errors import NotFound
from lifecycle_lab.fingerprint import content_hash, fingerprint, notebook_content_hash, notebook_hash, sha256_file
from lifecycle_lab.repro.notebooks import read_notebook
from lifecycle_lab.store import Store


def test_file_hash_matches_hashlib(tmp_path: Path) -> None:
    data = os.urandom(3 * fpmod.CHUNK + 17)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert fingerprint(path).to_json()["size"] == len(data)


def test_cache_serves_unchanged_files_and_misses_changed_ones(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "d.bin"
    path.write_bytes(b"one")
    first = content_hash(path, store)
    st = path.stat()
    assert store.get_hash(str(path), st.st_size, st.st_mtime_ns) == first
    fpmod._MEMO.clear()
    # a cache entry for this exact size+mtime is trusted: prove it by poisoning it
    store.put_hash(str(path), st.st_size, st.st_mtime_ns, "f" * 64)
    assert content_hash(path, store) == "f" * 64
    path.write_bytes(b"two")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert content_hash(path, store) == hashlib.sha256(b"two").hexdigest()


def test_folder_hash_covers_names_and_contents(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "1.png").write_bytes(b"x")
    (folder / "2.png").write_bytes(b"y")
    (folder / ".DS_Store").write_bytes(b"ignored")
    before = fingerprint(folder)
    assert (before.files, before.size, before.kind) == (2, 2, "folder")
    (folder / "2.png").rename(folder / "3.png")
    assert content_hash(folder) != before.sha256


def test_csv_and_parquet_stats(tmp_path: Path) -> None:
    frame = pd.DataFrame({"age": [31, 45, 22], "income": [1.5, 2.5, 3.0], "label": ["a", "b", "a"]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    csv = fingerprint(tmp_path / "t.csv")
    assert (csv.kind, csv.rows, csv.columns) == ("csv", 3, 3)
    assert csv.schema == [["age", "int64"], ["income", "float64"], ["label", "str"]] or csv.schema[2][1] == "object"
    pytest.importorskip("pyarrow")
    frame.to_parquet(tmp_path / "t.parquet")
    parquet = fingerprint(tmp_path / "t.parquet")
    assert (parquet.kind, parquet.rows, parquet.columns) == ("parquet", 3, 3)
    assert parquet.schema_hash and len(parquet.schema_hash) == 64


def test_unparsable_csv_is_just_a_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert fingerprint(path).kind == "file"


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        content_hash(tmp_path / "nope")


def test_notebook_hash_ignores_outputs_but_not_sources(tmp_path: Path) -> None:
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "x"], "outputs": [], "metadata": {},
                     "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb))
    first = notebook_hash(path)
    nb["cells"][0]["outputs"] = [{"output_type": "execute_result", "data": {"text/plain": "1"}}]
    nb["cells"][0]["execution_count"] = 1
    path.write_text(json.dumps(nb, indent=2))
    assert notebook_hash(path) == first
    nb["cells"][0]["source"] = "x = 2\nx"
    path.write_text(json.dumps(nb))
    assert notebook_hash(path) != first
    assert notebook_hash(tmp_path / "missing.ipynb") is None


def test_notebook_hash_of_a_file_is_that_of_the_notebook_read_from_it(tmp_path: Path) -> None:
    # a rerun records the hash of the notebook it read; staleness compares it with the file's hash later
    v4 = tmp_path / "v4.ipynb"
    v4.write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["x = 1\n", "x"], "outputs": [],
                                         "metadata": {}, "execution_count": None}],
                              "metadata": {}, "nbformat": 4, "nbformat_minor": 4}))
    v3 = tmp_path / "v3.ipynb"
    v3.write_text(json.dumps({"worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1\nx", "outputs": [],
                                                          "language": "python", "metadata": {}}],
                                              "metadata": {}}],
                              "metadata": {}, "nbformat": 3, "nbformat_minor": 0}))
    for path in (v4, v3):
        assert notebook_hash(path) == notebook_content_hash(read_notebook(path, display=path.name))
    assert notebook_hash(v3) == notebook_hash(v4)
