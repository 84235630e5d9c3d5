"""Output comparison: pure functions over nbformat-shaped notebooks."""

from __future__ import annotations

import base64

import nbformat
import nbformat.v4 as v4
import pytest

from lifecycle_lab.errors import ValidationError
from lifecycle_lab.repro.compare import Tolerance, compare_notebooks, compare_text, normalize_outputs
from lifecycle_lab.repro.sanitize import BUILTIN_SANITIZERS, apply_control_characters, sanitize, sanitizer_chain

TOL = Tolerance(rel=1e-6, abs=1e-9)


def stream(text: str, name: str = "stdout") -> dict:
    return v4.new_output("stream", name=name, text=text)


def result(data: dict, count: int = 1) -> dict:
    return v4.new_output("execute_result", data=data, execution_count=count)


def notebook(*cells: tuple[str, list[dict]] | tuple[str, list[dict], list[str]]) -> dict:
    nb = v4.new_notebook()
    for spec in cells:
        source, outputs = spec[0], spec[1]
        cell = v4.new_code_cell(source, outputs=outputs)
        if len(spec) > 2:
            cell.metadata["tags"] = spec[2]
        nb.cells.append(cell)
    return nb


def compare(expected: dict, actual: dict, sanitizers=BUILTIN_SANITIZERS, tolerance: Tolerance = TOL):
    return compare_notebooks(expected, actual, tolerance=tolerance, sanitizers=sanitizers)


def test_identical_outputs_reproduce_whatever_their_execution_counts_and_metadata() -> None:
    saved = notebook(("x", [result({"text/plain": "42"}, count=7)]))
    rerun = notebook(("x", [result({"text/plain": "42"}, count=1)]))
    rerun.cells[0].outputs[0].metadata = {"isolated": True}
    assert compare(saved, rerun).verdict == "reproduced"


def test_a_changed_number_differs_and_names_the_first_difference() -> None:
    saved = notebook(("print(acc)", [stream("accuracy 0.8312\nloss 0.5\n")]))
    rerun = notebook(("print(acc)", [stream("accuracy 0.8297\nloss 0.5\n")]))
    comparison = compare(saved, rerun)
    assert comparison.verdict == "differs"
    cell = comparison.to_json("saved")["cells"][0]
    assert cell["first_difference"]["message"] == "0.8312 vs 0.8297, relative difference 0.18%"
    assert cell["expected"] == [{"kind": "stdout", "text": "accuracy 0.8312\nloss 0.5\n"}]
    assert cell["actual"][0]["text"].startswith("accuracy 0.8297")
    assert cell["index"] == 0 and cell["status"] == "differs"


def test_float_noise_below_the_tolerance_is_within_tolerance() -> None:
    saved = notebook(("x", [result({"text/plain": "array([0.1234567890, 2.0])"})]))
    rerun = notebook(("x", [result({"text/plain": "array([0.1234567891, 2.0])"})]))
    comparison = compare(saved, rerun)
    assert comparison.verdict == "within_tolerance"
    assert comparison.counts()["within_tolerance"] == 1
    difference = comparison.cells[0].difference
    assert difference is not None and difference.relative == pytest.approx(8.1e-10, rel=0.01)


def test_a_number_beyond_a_float_differs_without_a_gap_that_json_cannot_hold() -> None:
    status, difference = compare_text(0, "text/plain", "x = 1e999", "x = 5", TOL)
    assert status == "differs" and difference.message == "1e999 vs 5"
    assert (difference.relative, difference.absolute) == (None, None)


def test_numbers_equal_in_value_but_spelled_differently_are_identical() -> None:
    assert compare_text(0, "stdout", "x=0.50", "x=0.5", TOL)[0] == "identical"


def test_tolerance_has_an_absolute_floor_near_zero() -> None:
    status, difference = compare_text(0, "stdout", "0.0", "3e-10", TOL)
    assert status == "within_tolerance" and difference is not None and difference.absolute == pytest.approx(3e-10)
    assert compare_text(0, "stdout", "0.0", "3e-8", TOL)[0] == "differs"


def test_text_differences_are_not_excused_by_tolerance() -> None:
    status, difference = compare_text(0, "stdout", "model: ridge 0.5", "model: lasso 0.5", Tolerance(rel=1.0))
    assert status == "differs" and difference is not None
    assert "ridge" in difference.expected and "lasso" in difference.actual and difference.relative is None


def test_a_cell_tag_widens_the_tolerance_for_that_cell_only() -> None:
    saved = notebook(("a", [stream("0.8312")], ["lifecycle:tolerance=1e-2"]), ("b", [stream("0.8312")]))
    rerun = notebook(("a", [stream("0.8297")], ["lifecycle:tolerance=1e-2"]), ("b", [stream("0.8297")]))
    statuses = [c.status for c in compare(saved, rerun).cells]
    assert statuses == ["within_tolerance", "differs"]


def test_a_tolerance_tag_can_set_relative_and_absolute_parts() -> None:
    saved = notebook(("a", [stream("0.0")], ["lifecycle:tolerance=rel:0;abs:1e-3"]))
    rerun = notebook(("a", [stream("0.0005")], ["lifecycle:tolerance=rel:0;abs:1e-3"]))
    assert compare(saved, rerun).verdict == "within_tolerance"
    nbformat.validate(saved)  # a valid notebook: nbformat forbids commas in tags


def test_an_unreadable_tolerance_tag_is_ignored_with_a_warning() -> None:
    saved = notebook(("a", [stream("1.0")], ["lifecycle:tolerance=lots"]))
    comparison = compare(saved, notebook(("a", [stream("1.0")])))
    assert comparison.verdict == "reproduced"
    assert comparison.warnings and "lifecycle:tolerance=lots" in comparison.warnings[0]


def test_skip_and_ignore_output_tags_leave_a_cell_out() -> None:
    saved = notebook(("a", [stream("1")], ["lifecycle:skip"]), ("b", [stream("2")], ["lifecycle:ignore-output"]))
    rerun = notebook(("a", []), ("b", [stream("3")]))
    comparison = compare(saved, rerun)
    assert comparison.verdict == "reproduced"
    assert comparison.counts()["skipped"] == 1 and comparison.counts()["ignored"] == 1


def test_expected_exceptions_compare_by_name_and_message_not_traceback() -> None:
    def error(trace: str) -> dict:
        return v4.new_output("error", ename="ValueError", evalue="bad input", traceback=[trace])

    saved = notebook(("raise", [error("File /home/a/x.py, line 3")], ["lifecycle:raises"]))
    rerun = notebook(("raise", [error("File /srv/b/x.py, line 9")], ["lifecycle:raises"]))
    assert compare(saved, rerun).verdict == "reproduced"


def test_streams_are_coalesced_with_carriage_returns_and_backspaces_applied() -> None:
    saved = notebook(("x", [stream("step 3/3\ndone\n")]))
    rerun = notebook(("x", [stream("step 1/3\r"), stream("step 2/3\rstep 3/3\n"), stream("donx\be\n")]))
    assert compare(saved, rerun).verdict == "reproduced"


def test_carriage_return_overwrites_like_a_terminal() -> None:
    assert apply_control_characters("abcdef\rXY") == "XYcdef"
    assert apply_control_characters("50%\r100%\n") == "100%\n"
    assert apply_control_characters("\x1b[31mred\x1b[0m") == "red"


def test_stdout_and_stderr_stay_apart() -> None:
    saved = notebook(("x", [stream("a"), stream("b", name="stderr")]))
    rerun = notebook(("x", [stream("ab")]))
    assert compare(saved, rerun).verdict == "differs"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("<__main__.Model object at 0x7f3a2c1b5e50>", "<__main__.Model object at 0x7f9911aa0c10>"),
        ("trained at 2026-01-26 10:15:02.123456", "trained at 2026-03-01T23:59:59Z"),
        ("now datetime.datetime(2026, 1, 26, 10, 15, 2, 12345)", "now datetime.datetime(2026, 2, 1, 8, 0)"),
        ("Mon Jan 26 10:15:02 2026", "Tue Feb  3 08:01:00 2026"),
        ("saved to /tmp/tmpa1b2c3d4/model.pkl", "saved to /tmp/tmpzz99xx11/model.pkl"),
        ("Wall time: 1.23 s", "Wall time: 987 ms"),
        ("fit in 12.5s, predict 3ms", "fit in 13.1s, predict 4ms"),
        ("1.2 ms ± 3.4 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)",
         "1.9 ms ± 9.1 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)"),
        ("epoch: 100%|██████████| 10/10 [00:01<00:00,  9.61it/s]",
         "epoch: 100%|██████████| 10/10 [00:02<00:00,  4.20it/s, loss=1]"),
        ("10/10 [==============================] - 1s 5ms/step - loss: 0.1234",
         "10/10 [==============================] - 2s 9ms/step - loss: 0.1234"),
        ("run 3f2a0c8e-1d2b-4c5d-8e9f-0a1b2c3d4e5f", "run 9b8a7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"),
    ],
)
def test_builtin_sanitizers_hide_what_changes_every_run(first: str, second: str) -> None:
    assert sanitize(first, BUILTIN_SANITIZERS) == sanitize(second, BUILTIN_SANITIZERS)


def test_sanitizers_leave_ordinary_numbers_alone() -> None:
    text = "accuracy 0.8312 on 2026-01-26, 12 samples, seed 0x2a"
    assert sanitize(text, BUILTIN_SANITIZERS) == text


def test_manifest_sanitizers_run_before_the_builtin_ones() -> None:
    chain = sanitizer_chain([{"regex": r"run #\d+", "replace": "run #N"}])
    assert sanitize("run #4 at 10:00:01", chain) == "run #N at <time>"


@pytest.mark.parametrize("pair", [{"regex": "(unclosed"}, {"regex": "a", "replace": r"\2"}])
def test_an_unusable_manifest_sanitizer_is_refused_naming_it(pair: dict) -> None:
    with pytest.raises(ValidationError) as info:
        sanitizer_chain([{"regex": "ok"}, pair])
    assert "rerun.sanitizers[1]" in str(info.value)


def test_images_compare_by_content_hash() -> None:
    png_a = base64.b64encode(b"\x89PNG fake image a").decode()
    png_b = base64.b64encode(b"\x89PNG fake image b").decode()
    same = compare(notebook(("p", [result({"image/png": png_a})])), notebook(("p", [result({"image/png": png_a})])))
    assert same.verdict == "reproduced"
    other = compare(notebook(("p", [result({"image/png": png_a})])), notebook(("p", [result({"image/png": png_b})])))
    assert other.verdict == "differs"
    assert other.to_json("saved")["cells"][0]["expected"][0]["text"].startswith("sha256:")


def test_the_same_image_wrapped_differently_reproduces() -> None:
    png = base64.b64encode(b"\x89PNG fake image" * 20).decode()
    wrapped = "\n".join(png[i:i + 76] for i in range(0, len(png), 76)) + "\n"
    saved, rerun = notebook(("p", [result({"image/png": png})])), notebook(("p", [result({"image/png": wrapped})]))
    assert compare(saved, rerun).verdict == "reproduced"


def test_a_missing_output_type_differs_naming_both_sides() -> None:
    saved = notebook(("p", [result({"text/plain": "<Figure>", "image/png": "aGk="})]))
    rerun = notebook(("p", [result({"text/plain": "<Figure>"})]))
    difference = compare(saved, rerun).cells[0].difference
    assert difference is not None and difference.message == "image/png output vs no image/png output"


def test_widget_ids_do_not_count() -> None:
    def widget(model: str) -> dict:
        view = {"model_id": model, "version_major": 2, "version_minor": 0}
        return v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": view})

    assert compare(notebook(("w", [widget("abc")])), notebook(("w", [widget("def")]))).verdict == "reproduced"


def test_papermill_injected_parameters_cell_is_not_compared() -> None:
    saved = notebook(("alpha = 1", []), ("print(alpha)", [stream("1\n")]))
    rerun = notebook(("alpha = 1", []), ("alpha = 1", [], ["injected-parameters"]), ("print(alpha)", [stream("1\n")]))
    assert compare(saved, rerun).verdict == "reproduced"


def test_a_never_executed_cell_is_unverified_not_a_difference_with_a_hint_to_use_twice() -> None:
    comparison = compare(notebook(("print(1)", [])), notebook(("print(1)", [stream("1\n")])))
    assert comparison.verdict == "reproduced"
    assert comparison.counts()["unverified"] == 1 and comparison.counts()["differs"] == 0
    assert "unverified" not in compare(notebook(("a", [stream("1")])), notebook(("a", [stream("1")]))).counts()
    assert any("--twice" in note for note in comparison.notes)


def test_an_executed_cell_saved_without_output_differs_when_the_rerun_prints() -> None:
    saved = notebook(("print(1)", []))
    saved.cells[0].execution_count = 1
    comparison = compare(saved, notebook(("print(1)", [stream("1\n")])))
    assert comparison.verdict == "differs"
    assert comparison.cells[0].reason == "extra-output"


def test_the_record_keeps_only_cells_that_are_not_identical_but_counts_all() -> None:
    saved = notebook(("a", [stream("1")]), ("b", [stream("2")]), ("c", [stream("3")]))
    rerun = notebook(("a", [stream("1")]), ("b", [stream("5")]), ("c", [stream("3")]))
    record = compare(saved, rerun).to_json("saved")
    assert record["counts"]["identical"] == 2 and record["counts"]["differs"] == 1
    assert [c["index"] for c in record["cells"]] == [1]
    assert record["verdict"] == "differs" and record["against"] == "saved"


def test_the_record_keeps_differing_cells_before_cells_within_tolerance_up_to_a_limit() -> None:
    saved = notebook(*[(f"c{i}", [stream(f"{i}.0")]) for i in range(150)])
    rerun = notebook(*[(f"c{i}", [stream(f"{i}.0000000001" if i % 2 else f"{i + 1}.0")]) for i in range(150)])
    record = compare(saved, rerun).to_json("saved")
    assert record["counts"]["differs"] == 75 and record["counts"]["within_tolerance"] == 75
    assert len(record["cells"]) == 100 and record["omitted_cells"] == 50
    assert sum(c["status"] == "differs" for c in record["cells"]) == 75
    assert [c["index"] for c in record["cells"]] == sorted(c["index"] for c in record["cells"])


def test_long_outputs_are_cut_in_the_record() -> None:
    long = "x" * 5000
    record = compare(notebook(("a", [stream(long)])), notebook(("a", [stream(long + "y")]))).to_json("saved")
    assert len(record["cells"][0]["expected"][0]["text"]) < 2100


def test_normalize_outputs_drops_metadata_and_keeps_order() -> None:
    outputs = [stream("a"), result({"text/plain": "1", "text/html": "<b>1</b>"}), stream("b", "stderr")]
    kinds = [p.kind for p in normalize_outputs(outputs, BUILTIN_SANITIZERS)]
    assert kinds == ["stdout", "text/html", "text/plain", "stderr"]
