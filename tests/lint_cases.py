"""Fixture notebooks for the reproducibility lint: for each rule, notebooks that trigger it and close variants
that must not, each with the findings expected of it. Used by the lint tests and ``benchmarks/lint_bench.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

REGISTERED = "data/registered.csv"
PINNED = ["numpy==2.1.0", "pandas==2.2.3", "scikit-learn==1.5.2", "requests==2.32.3", "joblib==1.4.2"]


@dataclass(frozen=True)
class Case:
    """A fixture notebook: code cells (source, execution count, tags) and the (rule, cell, line) expected."""

    name: str
    cells: list[tuple[str, int | None, list[str]]]
    expected: list[tuple[str, int, int | None]] = field(default_factory=list)

    @property
    def file(self) -> str:
        """The notebook's file name in the fixture project."""
        return f"{self.name}.ipynb"


def _cells(*sources: str, counts: list[int | None] | None = None) -> list[tuple[str, int | None, list[str]]]:
    counts = counts or list(range(1, len(sources) + 1))
    return [(source, count, []) for source, count in zip(sources, counts, strict=True)]


CASES: list[Case] = [
    # execution-order
    Case("order-shuffled", _cells("x = 1", "y = x + 1", counts=[2, 1]), [("execution-order", 1, None)]),
    Case("order-gap", _cells("x = 1", "y = x + 1", counts=[1, 3]), [("execution-order", 1, None)]),
    Case("order-ok", _cells("x = 1", "y = x + 1")),
    # use-before-define
    Case("define-later", _cells("print(total)", "total = 1"), [("use-before-define", 0, 1)]),
    Case("define-deleted", _cells("import math", "print(math.pi * radius)"), [("use-before-define", 1, 1)]),
    Case("define-ok", _cells("total = 1", "print(total)")),
    # unseeded-random
    Case("rng-unseeded", _cells("import numpy as np\nrng = np.random.default_rng()", "rng.normal(size=3)"),
         [("unseeded-random", 0, 2), ("unseeded-random", 1, 1)]),
    Case("rng-seeded", _cells("import numpy as np\nrng = np.random.default_rng(0)", "rng.normal(size=3)")),
    Case("legacy-unseeded", _cells("import numpy as np\nx = np.random.rand(3)"), [("unseeded-random", 0, 2)]),
    Case("legacy-seeded", _cells("import numpy as np\nnp.random.seed(7)\nx = np.random.rand(3)")),
    Case("sklearn-unseeded", _cells("from sklearn.ensemble import RandomForestClassifier\n"
                                    "model = RandomForestClassifier(n_estimators=10)"), [("unseeded-random", 0, 2)]),
    Case("sklearn-seeded", _cells("from sklearn.ensemble import RandomForestClassifier\n"
                                  "model = RandomForestClassifier(n_estimators=10, random_state=0)")),
    Case("sample-unseeded", _cells("import pandas as pd\nframe = pd.DataFrame({'a': range(10)})",
                                   "frame.sample(frac=0.5)"), [("unseeded-random", 1, 1)]),
    Case("sample-seeded", _cells("import pandas as pd\nframe = pd.DataFrame({'a': range(10)})",
                                 "frame.sample(frac=0.5, random_state=1)")),
    # absolute-path
    Case("path-absolute", _cells("import pandas as pd\nloans = pd.read_csv('/home/alice/data/loans.csv')",
                                 "notes = open('~/notes.txt').read()"),
         [("absolute-path", 0, 2), ("absolute-path", 1, 1)]),
    Case("path-relative", _cells(f"import pandas as pd\nloans = pd.read_csv('{REGISTERED}')")),
    # unregistered-data
    Case("data-unregistered", _cells("import pandas as pd\nDATA = 'data/unregistered.csv'",
                                     "frame = pd.read_csv(DATA)"),
         [("unregistered-data", 1, 1)]),
    Case("data-registered", _cells("import pandas as pd\nDATA = 'data/registered.csv'", "frame = pd.read_csv(DATA)")),
    Case("data-written-here", _cells("import pandas as pd\npd.DataFrame({'a': [1]}).to_csv('data/derived.csv')",
                                     "frame = pd.read_csv('data/derived.csv')")),
    # unpinned-environment (the fixture project pins numpy, pandas, scikit-learn, requests, joblib)
    Case("import-unpinned", _cells("import numpy as np\nimport scipy.stats"), [("unpinned-environment", 0, 2)]),
    Case("import-pinned", _cells("import numpy as np\nfrom sklearn.linear_model import LinearRegression\nimport json")),
    # network-access
    Case("network-read", _cells("import pandas as pd\nrates = pd.read_csv('https://example.org/rates.csv')",
                                "import requests\npage = requests.get('https://example.org')"),
         [("network-access", 0, 2), ("network-access", 1, 2)]),
    Case("network-none", _cells("URL = 'https://example.org/rates.csv'\nprint(f'see {URL}')")),
    # IPython syntax and broken cells: findings, never crashes
    Case("magics", _cells("%matplotlib inline\nimport numpy as np", "!ls data\n%time total = np.arange(3).sum()",
                          "%%time\nprint(total)", "!curl -O https://example.org/rates.csv"),
         [("network-access", 3, 1)]),
    Case("syntax-error", _cells("def broken(:\n    pass", "x = 1"), [("syntax-error", 0, 1)]),
    # suppression: by comment on the line, by cell tag; a comment for another rule suppresses nothing
    Case("suppressed", [("import numpy as np\nx = np.random.rand(3)  # lifecycle: noqa[unseeded-random]", 1, []),
                        ("y = np.random.rand(3)", 2, ["lifecycle:noqa=unseeded-random"]),
                        ("z = np.random.rand(3)  # lifecycle: noqa[absolute-path]", 3, [])],
         [("unseeded-random", 2, 1)]),
]


def write_notebook(path: Path, cells: list[tuple[str, int | None, list[str]]]) -> None:
    """A real nbformat 4 notebook with these code cells, execution counts and tags."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for source, count, tags in cells:
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, str(path))


def manifest(name: str, template: str = "minimal", **extra: Any) -> dict[str, Any]:
    """A lifecycle.yaml for a fixture project."""
    return {"id": "00000000-0000-4000-8000-000000000017", "name": name, "template": template, **extra}


def build_project(root: Path, *, pinned: bool = True, cases: list[Case] | None = None,
                  template: str = "minimal") -> Path:
    """A project folder holding every case's notebook, its data files and (when ``pinned``) requirements.txt."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "registered.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "data" / "unregistered.csv").write_text("a,b\n3,4\n", encoding="utf-8")
    (root / "data" / "derived.csv").write_text("a\n1\n", encoding="utf-8")
    if pinned:
        (root / "requirements.txt").write_text("\n".join(PINNED) + "\n", encoding="utf-8")
    chosen = CASES if cases is None else cases
    data = manifest(root.name, template, notebooks=[c.file for c in chosen])
    (root / "lifecycle.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    for case in chosen:
        write_notebook(root / case.file, case.cells)
    return root


def expected_json() -> str:
    """Every case's expected findings, as JSON (for a reader who wants them at a glance)."""
    return json.dumps({c.name: c.expected for c in CASES}, indent=1)
