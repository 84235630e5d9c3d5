"""The public notebook corpus (tests/corpus/): rerun every notebook as a user would and read the verdicts.

Used by the corpus test and by ``benchmarks/compare_bench.py`` (false_differs).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rerun_support import configure

from lifecycle_lab.service import Lifecycle
from lifecycle_lab.service.runs import PASSING, RunService
from lifecycle_lab.store import Store

CORPUS = Path(__file__).resolve().parent / "corpus"


def expectations() -> list[dict[str, Any]]:
    """Each corpus notebook with the outcome its own tool expects (``pass`` or ``fail``) and how that was found."""
    return json.loads((CORPUS / "expectations.json").read_text(encoding="utf-8"))


def run_corpus(root: Path, timeout: float = 900) -> dict[str, dict[str, Any]]:
    """Rerun the whole corpus (one project per set of sanitize files); each notebook's record by corpus path."""
    store = Store(f"sqlite:///{root / 'corpus.sqlite'}")
    service = Lifecycle(store)
    runs = RunService(service, max_concurrent=1)
    groups: dict[tuple[str, ...], list[str]] = {}
    for entry in expectations():
        groups.setdefault(tuple(entry.get("sanitize_files") or ()), []).append(entry["path"])
    results: dict[str, dict[str, Any]] = {}
    try:
        for number, (sanitize_files, paths) in enumerate(groups.items()):
            project_dir = root / f"project{number}"
            for relative in {*paths, *sanitize_files}:
                (project_dir / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(CORPUS / relative, project_dir / relative)
            service.init_project(project_dir, actor="corpus", template="minimal", notebooks=paths)
            if sanitize_files:
                configure(project_dir, sanitize_files=list(sanitize_files))
            project = service.open_project(project_dir, actor="corpus")
            run = runs.wait(runs.start(project, actor="corpus")["id"], timeout=timeout)
            results.update({nb["path"]: nb for nb in run["notebooks"]})
    finally:
        store.close()
    return results


def wrong_verdicts(results: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(notebooks their tool passes that we call differs/failed, notebooks their tool fails that we pass)."""
    false_differs, false_passes = [], []
    for entry in expectations():
        verdict = results[entry["path"]]["verdict"]
        if entry["expect"] == "pass" and verdict not in PASSING:
            false_differs.append(f"{entry['path']}: {verdict}")
        if entry["expect"] == "fail" and verdict in PASSING:
            false_passes.append(f"{entry['path']}: {verdict}")
    return false_differs, false_passes
