"""What a run ran on (Python, platform, kernels, package versions, the project's git state), and what changed.

Package versions are those of the interpreter that runs the kernel: the
worker's own when the kernel spec points at it, otherwise read by running that
interpreter once.
"""

from __future__ import annotations

import inspect
import json
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_PROBE_TIMEOUT_S = 60


def _interpreter() -> dict[str, Any]:
    """Version, implementation and installed packages of the running interpreter (self-contained: run elsewhere)."""
    import importlib.metadata
    import platform
    import re
    import sys

    packages = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[re.sub(r"[-_.]+", "-", name).lower()] = dist.version
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "packages": dict(sorted(packages.items())),
    }


def _same_interpreter(executable: str | None) -> bool:
    if not executable:
        return True
    try:
        return os.path.samefile(executable, sys.executable)
    except OSError:
        return False


def interpreter_facts(executable: str | None = None) -> dict[str, Any]:
    """:func:`_interpreter` for ``executable`` (default: this one); ``{"error": …}`` when it cannot be asked."""
    if _same_interpreter(executable):
        return _interpreter()
    script = ("from __future__ import annotations\n" + inspect.getsource(_interpreter)
              + "\nimport json\nprint(json.dumps(_interpreter()))\n")
    try:
        done = subprocess.run([str(executable), "-c", script], capture_output=True, text=True,
                              timeout=_PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
        if done.returncode == 0:
            return json.loads(done.stdout)
        problem = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        problem = str(exc)
    return {"executable": str(executable), "error": f"could not read its packages: {problem}"}


def git_state(directory: Path) -> dict[str, Any] | None:
    """The commit, branch and dirty flag of the project folder's git checkout (None outside git)."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--", "."], cwd=directory, capture_output=True,
            text=True, timeout=30, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    state: dict[str, Any] = {"commit": None, "branch": None, "dirty": False}
    for line in done.stdout.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.split()[2]
            state["commit"] = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            head = line.split()[2]
            state["branch"] = None if head == "(detached)" else head
        elif line and not line.startswith("#"):
            state["dirty"] = True
    return state


def capture_environment(project_dir: Path, kernels: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The environment of a run whose notebooks use ``kernels`` (name → spec summary with ``executable``)."""
    executables = {spec.get("executable") for spec in kernels.values() if spec.get("language") == "python"}
    primary = min((e for e in executables if e), default=None)
    python = interpreter_facts(primary)
    packages = python.pop("packages", {})
    return {
        "python": python,
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
        },
        "kernels": {name: dict(spec) for name, spec in sorted(kernels.items())},
        "packages": packages,
        "git": git_state(project_dir),
    }


def _changed(before: Any, after: Any) -> dict[str, Any] | None:
    return None if before == after else {"before": before, "after": after}


def diff_environments(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from ``before`` to ``after``: only the fields that differ (empty when nothing did)."""
    changes: dict[str, Any] = {}
    for key in ("python", "platform", "git"):
        change = _changed(before.get(key), after.get(key))
        if change:
            changes[key] = change
    kernels_before, kernels_after = before.get("kernels") or {}, after.get("kernels") or {}
    kernels = {
        name: change for name in sorted(set(kernels_before) & set(kernels_after))
        if (change := _changed(kernels_before[name], kernels_after[name]))
    }
    if kernels:
        changes["kernels"] = kernels
    old, new = before.get("packages") or {}, after.get("packages") or {}
    packages = {
        "added": {n: new[n] for n in sorted(set(new) - set(old))},
        "removed": {n: old[n] for n in sorted(set(old) - set(new))},
        "changed": {n: [old[n], new[n]] for n in sorted(set(old) & set(new)) if old[n] != new[n]},
    }
    if any(packages.values()):
        changes["packages"] = packages
    return changes


def changed_versions(diff: Mapping[str, Any] | None) -> dict[str, tuple[str | None, str | None]]:
    """Package → (version before, version after) from an environment diff (``environment_diff``), for reasons."""
    changes = ((diff or {}).get("changes") or {}).get("packages") or {}
    found: dict[str, tuple[str | None, str | None]] = {}
    found.update({name: (None, version) for name, version in (changes.get("added") or {}).items()})
    found.update({name: (version, None) for name, version in (changes.get("removed") or {}).items()})
    found.update({name: (pair[0], pair[1]) for name, pair in (changes.get("changed") or {}).items()})
    return found


def language_change(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    """The kernel language's version, when the two notebooks' ``language_info`` disagree (e.g. ``python``)."""
    before = (expected.get("metadata") or {}).get("language_info") or {}
    after = (actual.get("metadata") or {}).get("language_info") or {}
    name = str(after.get("name") or before.get("name") or "")
    if name and before.get("version") and after.get("version") and before["version"] != after["version"]:
        return {name: (str(before["version"]), str(after["version"]))}
    return {}
