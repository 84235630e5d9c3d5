"""The reproducibility lint over fixture notebooks: each rule fires on its trigger and stays quiet on the close
variant; magics and broken cells give findings, not crashes; suppression; the example project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from lint_cases import CASES, REGISTERED, Case, build_project, write_notebook

from lifecycle_lab.errors import TemplateError, ValidationError
from lifecycle_lab.lint import lint_project, unseeded_random
from lifecycle_lab.lint.cells import notebook_from_sources
from lifecycle_lab.lint.order import check_use_before_define
from lifecycle_lab.project import read_manifest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project: every case's notebook, data files, a pinned requirements.txt."""
    return build_project(tmp_path_factory.mktemp("lint") / "fixtures")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_fixture_gives_exactly_its_expected_findings(fixtures: Path, case: Case) -> None:
    report = lint_project(read_manifest(fixtures), registered=[REGISTERED], notebooks=[case.file])
    assert sorted((f.rule, f.cell, f.line) for f in report.findings) == sorted(case.expected)
    for finding in report.findings:
        assert finding.message and finding.fix and finding.severity in ("info", "warning", "error")


def test_unseeded_generator_is_named_in_every_cell_that_draws_from_it() -> None:
    findings = unseeded_random(["import numpy as np\nrng = np.random.default_rng()", "x = 1",
                                "rng.integers(10)", "frame.sample(3, random_state=rng)"])
    assert [(f.cell, f.line) for f in findings] == [(0, 2), (2, 1), (3, 1)]
    assert "`np.random.default_rng()`" in findings[0].message
    assert "draws from `rng`" in findings[1].message and "cell 1, line 2" in findings[1].message
    assert findings[1].data == {"call": "rng.integers()", "generator": "rng", "origin": {"cell": 0, "line": 2}}


def test_unseeded_random_is_a_pure_function_of_sources() -> None:
    assert unseeded_random(["import random\nrandom.seed(3)\nrandom.random()"]) == []
    assert [f.line for f in unseeded_random(["import random\nrandom.random()\nrandom.seed(3)"])] == [2]
    assert unseeded_random(["from numpy.random import default_rng\nrng = default_rng(None)"])[0].line == 2
    reseeded = unseeded_random(["import numpy as np\nrng = np.random.default_rng()\nrng = np.random.default_rng(1)",
                                "rng.random()"])
    assert [f.cell for f in reseeded] == [0]  # the draw in cell 2 comes from the seeded generator


@pytest.mark.parametrize("source", [
    "import torch\nlayer = torch.nn.Linear(3, 2)",
    "import tensorflow as tf\nnoise = tf.random.normal([3])",
    "from sklearn.model_selection import KFold\nfolds = KFold(5, shuffle=True)",
    "from sklearn.model_selection import train_test_split\ntrain, test = train_test_split(frame)",
])
def test_libraries_without_their_seed_are_unseeded(source: str) -> None:
    assert [f.line for f in unseeded_random([source])] == [2]


@pytest.mark.parametrize("source", [
    "import torch\ntorch.manual_seed(0)\nlayer = torch.nn.Linear(3, 2)",
    "import tensorflow as tf\ntf.keras.utils.set_random_seed(1)\nnoise = tf.random.normal([3])",
    "from sklearn.model_selection import KFold\nfolds = KFold(5)",
    "from sklearn.model_selection import train_test_split\ntrain, test = train_test_split(frame, random_state=0)",
    "from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression()",
    "import numpy as np\nnp.random.seed(0)\nframe.sample(3)",
])
def test_seeded_or_deterministic_calls_are_not_flagged(source: str) -> None:
    assert unseeded_random([source]) == []


def test_use_before_define_follows_python_scoping() -> None:
    notebook = notebook_from_sources([
        "squares = [n * n for n in range(3)]",  # comprehension variables are local
        "def show(value=squares):\n    return later_global",  # a function body runs when called, not here
        "for i in range(2):\n    pass\nprint(i)",
        "class Box:\n    size = 1\n    double = size * 2",
        "try:\n    import ujson as json\nexcept ImportError as error:\n    print(error)",
        "count += 1",
        "print(seed)",
    ])
    findings = check_use_before_define(notebook, injected=["seed"])
    assert [(f.cell, f.line, f.data["name"]) for f in findings] == [(5, 1, "count")]


def test_names_a_wildcard_import_may_bring_are_not_judged() -> None:
    notebook = notebook_from_sources(["from math import *", "print(tau)", "x = y_defined_later", "y_defined_later = 1"])
    assert [(f.cell, f.data["name"]) for f in check_use_before_define(notebook)] == [(2, "y_defined_later")]


def test_unregistered_files_are_offered_with_size_and_reader_even_when_the_rule_is_off(fixtures: Path) -> None:
    notebooks = ["data-unregistered.ipynb", "data-registered.ipynb", "data-written-here.ipynb"]
    report = lint_project(read_manifest(fixtures), registered=[REGISTERED], notebooks=notebooks)
    size = (fixtures / "data/unregistered.csv").stat().st_size
    assert [f.to_json() for f in report.unregistered] == [
        {"path": "data/unregistered.csv", "size": size, "reader": "pandas.read_csv"}]
    assert report.to_json()["unregistered"] == [f.to_json() for f in report.unregistered]


def test_broken_notebook_file_is_a_clear_input_error(fixtures: Path) -> None:
    (fixtures / "broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"broken\.ipynb: cannot read it as a notebook"):
        lint_project(read_manifest(fixtures), notebooks=["broken.ipynb"])
    with pytest.raises(ValidationError, match=r"missing\.ipynb: no such notebook"):
        lint_project(read_manifest(fixtures), notebooks=["missing.ipynb"])


def test_non_python_cells_and_markdown_are_not_parsed(tmp_path: Path) -> None:
    project = build_project(tmp_path / "p", cases=[])
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("print(undefined) `/home/me/x.csv`"),
                nbformat.v4.new_code_cell("%%bash\ncat /home/me/x.csv", execution_count=1)]
    nbformat.write(nb, str(project / "other.ipynb"))
    assert lint_project(read_manifest(project), notebooks=["other.ipynb"]).findings == ()


def test_project_without_pins_gets_one_project_finding(tmp_path: Path) -> None:
    project = build_project(tmp_path / "unpinned", pinned=False, cases=[c for c in CASES if c.name == "import-pinned"])
    report = lint_project(read_manifest(project))
    assert [(f.rule, f.path, f.cell) for f in report.findings] == [("unpinned-environment", "lifecycle.yaml", None)]
    (project / "uv.lock").write_text('version = 1\n[[package]]\nname = "numpy"\nversion = "2.1.0"\n'
                                     '[[package]]\nname = "scikit-learn"\nversion = "1.5.2"\n', encoding="utf-8")
    assert lint_project(read_manifest(project)).findings == ()


def test_environment_yml_with_versions_pins(tmp_path: Path) -> None:
    project = build_project(tmp_path / "conda", pinned=False, cases=[c for c in CASES if c.name == "import-pinned"])
    (project / "environment.yml").write_text(yaml.safe_dump(
        {"dependencies": ["python=3.11", "numpy=2.1.0", {"pip": ["scikit-learn"]}]}), encoding="utf-8")
    findings = lint_project(read_manifest(project)).findings
    assert [(f.rule, f.cell, f.line) for f in findings] == [("unpinned-environment", 0, 2)]
    assert "listed without a pinned version" in findings[0].message


def test_rules_disabled_in_the_manifest_do_not_run(fixtures: Path, tmp_path: Path) -> None:
    project = build_project(tmp_path / "quiet", cases=[c for c in CASES if c.name in ("legacy-unseeded",
                                                                                       "define-later")])
    data = yaml.safe_load((project / "lifecycle.yaml").read_text(encoding="utf-8"))
    data["lint"] = {"disable": ["unseeded-random"]}
    (project / "lifecycle.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    report = lint_project(read_manifest(project))
    assert {f.rule for f in report.findings} == {"use-before-define"}
    assert report.to_json()["disabled"] == ["unseeded-random"]


def test_manifest_refuses_an_unknown_rule_naming_file_and_line(tmp_path: Path) -> None:
    project = build_project(tmp_path / "bad", cases=[])
    text = (project / "lifecycle.yaml").read_text(encoding="utf-8") + "lint:\n  disable:\n  - no-such-rule\n"
    (project / "lifecycle.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"lifecycle.yaml:\d+: lint.disable\[0\]: 'no-such-rule' is not one of"):
        read_manifest(project)


def test_nbformat3_notebook_is_linted_as_its_v4_conversion(tmp_path: Path) -> None:
    project = build_project(tmp_path / "v3", cases=[])
    v4 = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import random\nx = random.random()")])
    v3 = nbformat.convert(v4, 3)
    (project / "old.ipynb").write_text(json.dumps(v3), encoding="utf-8")
    findings = lint_project(read_manifest(project), notebooks=["old.ipynb"]).findings
    assert [(f.rule, f.line) for f in findings] == [("unseeded-random", 2)]


def test_example_project_lints_clean_except_the_unseeded_draws_the_rerun_shows(tmp_path: Path) -> None:
    project = tmp_path / "example"
    shutil.copytree(ROOT / "example_notebooks", project, ignore=shutil.ignore_patterns(".lifecycle", "models"))
    report = lint_project(read_manifest(project), registered=["data/loans.csv"])
    assert {f.path for f in report.findings} == {"nondeterministic.ipynb"}
    assert {f.rule for f in report.findings} == {"unseeded-random"}
    state = json.loads((ROOT / "example_notebooks/.lifecycle/state.json").read_text(encoding="utf-8"))
    differing = {cell["index"] for run in state["state"]["runs"] for nb in run["notebooks"]
                 if nb["path"] == "nondeterministic.ipynb" for cell in nb["diffs"]["cells"]
                 if cell["status"] == "differs"}
    assert differing, "the shipped rerun shows nondeterministic.ipynb differing"
    explained = {f.cell for f in report.findings}
    assert differing <= explained
    assert all("rng" in f.message for f in report.findings if f.cell in differing)


def test_example_without_its_pins_is_told_to_pin(tmp_path: Path) -> None:
    project = tmp_path / "example"
    shutil.copytree(ROOT / "example_notebooks", project, ignore=shutil.ignore_patterns(".lifecycle", "models"))
    (project / "requirements.txt").unlink()
    report = lint_project(read_manifest(project), registered=["data/loans.csv"])
    assert ("unpinned-environment", "lifecycle.yaml") in {(f.rule, f.path) for f in report.findings}


def test_cells_are_written_like_saved_notebooks(tmp_path: Path) -> None:
    write_notebook(tmp_path / "n.ipynb", [("x = 1", 3, ["t"])])
    cell = nbformat.read(str(tmp_path / "n.ipynb"), as_version=4).cells[0]
    assert (cell.execution_count, cell.metadata["tags"]) == (3, ["t"])


def test_lint_evidence_is_valid_and_fails_the_item_when_the_lint_found_errors(fixtures: Path) -> None:
    from lifecycle_lab.evidence import evidence_failure, validate_evidence

    manifest = read_manifest(fixtures)
    at = "2026-12-06T02:00:00Z"
    clean = lint_project(manifest, registered=[REGISTERED], notebooks=["define-ok.ipynb"]).evidence(at)
    broken = lint_project(manifest, notebooks=["define-later.ipynb"]).evidence(at)
    for evidence in (clean, broken):
        validate_evidence("lint", evidence)
    assert clean["notebooks"][0]["path"] == "define-ok.ipynb" and len(clean["notebooks"][0]["sha256"]) == 64
    assert evidence_failure("lint", clean) is None
    assert evidence_failure("lint", broken) == "the last lint found 1 error"
