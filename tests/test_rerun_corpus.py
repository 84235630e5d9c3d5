"""The public corpus (tests/corpus/): notebooks that nbval, papermill and pytest-notebook ship for their own tests,
rerun with real kernels; each must get the verdict its own tool gives it (tests/corpus/README.md says how that was
established)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from corpus_support import expectations, run_corpus, wrong_verdicts

from lifecycle_lab.service.runs import PASSING

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return run_corpus(tmp_path_factory.mktemp("corpus"))


def test_every_notebook_its_tool_passes_reproduces_and_every_one_it_fails_does_not(
    corpus_results: dict[str, dict[str, Any]],
) -> None:
    false_differs, false_passes = wrong_verdicts(corpus_results)
    assert false_differs == [] and false_passes == []
    assert {e["expect"] for e in expectations()} == {"pass", "fail"}
    assert len(corpus_results) == len(expectations())


def test_nbval_markers_in_comments_and_tags_are_honoured(corpus_results: dict[str, dict[str, Any]]) -> None:
    counts = corpus_results["nbval/sample_notebook.ipynb"]["diffs"]["counts"]
    assert counts["skipped"] == 3  # '# NBVAL_SKIP' twice and the nbval-skip tag: those cells would raise
    assert counts["ignored"] == 4  # datetime.now() under ignore markers, comments winning over tags
    assert counts["differs"] == 0


def test_nbval_ignore_output_hides_a_failure_its_tool_also_hides(corpus_results: dict[str, dict[str, Any]]) -> None:
    nb = corpus_results["nbval/test-latex-pass-failsbutignoreoutput.ipynb"]
    assert nb["verdict"] == "reproduced" and nb["diffs"]["counts"]["ignored"] == 1


def test_cells_never_executed_in_the_saved_notebook_are_unverified_not_differences(
    corpus_results: dict[str, dict[str, Any]],
) -> None:
    nb = corpus_results["nbval/test-stream-pass-missing-unexecuted-output.ipynb"]
    assert nb["verdict"] == "reproduced"
    assert nb["diffs"]["counts"]["unverified"] == 2 and nb["diffs"]["counts"]["differs"] == 0
    assert any("--twice" in note for note in nb["diffs"]["notes"])


def test_a_clean_sys_exit_stops_the_notebook_as_papermill_does_and_exit_1_fails(
    corpus_results: dict[str, dict[str, Any]],
) -> None:
    for name in ("sysexit.ipynb", "sysexit0.ipynb", "systemexit.ipynb"):
        assert corpus_results[f"papermill/{name}"]["verdict"] in PASSING
    failed = corpus_results["papermill/sysexit1.ipynb"]
    assert failed["verdict"] == "failed" and failed["error"]["ename"] == "SystemExit"


def test_differing_corpus_cells_carry_their_reason(corpus_results: dict[str, dict[str, Any]]) -> None:
    def reasons(path: str) -> dict[str, int]:
        return corpus_results[path]["diffs"]["reasons"]

    assert reasons("nbval/test-exceptions-fail-storedmismatch.ipynb") == {"error": 1}
    assert reasons("nbval/test-stream-fail-missingoutput.ipynb") == {"extra-output": 1}
    assert reasons("nbval/test-latex-fail-randomoutput.ipynb") == {"randomness": 1}
    assert reasons("pytest-notebook/fail.ipynb") == {"text": 1}


def test_an_image_rendered_at_another_size_by_another_environment_is_within_tolerance_with_a_note(
    corpus_results: dict[str, dict[str, Any]],
) -> None:
    nb = corpus_results["nbval/sample_notebook.ipynb"]
    assert nb["verdict"] == "within_tolerance"
    cell = next(c for c in nb["diffs"]["cells"] if c["status"] == "within_tolerance")
    assert "rendered at another size" in cell["first_difference"]["message"]
    assert "python 3.8.6 →" in cell["first_difference"]["message"]  # the notebook was saved by Python 3.8.6
    assert cell["images"][0]["expected"].startswith("data:image/png;base64,")


def test_the_corpus_keeps_the_licences_of_the_tools_it_comes_from() -> None:
    corpus = Path(__file__).parent / "corpus"
    for tool in ("nbval", "papermill", "pytest-notebook"):
        assert (corpus / tool / "LICENSE").is_file()
