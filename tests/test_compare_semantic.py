"""Semantic comparison of rich outputs, on outputs that matplotlib, pandas and plotly really produce."""

from __future__ import annotations

import base64
import io
import json

import matplotlib
import nbformat.v4 as v4
import pytest
from PIL import Image, ImageDraw

from lifecycle_lab.repro.compare import Tolerance, compare_notebooks
from lifecycle_lab.repro.compare_markup import canonical_markup
from lifecycle_lab.repro.sanitize import BUILTIN_SANITIZERS

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TOL = Tolerance()


def figure(kind: str = "png", *, salt: str | None = None, width: float = 4.0) -> bytes:
    """A small line plot as matplotlib writes it."""
    plt.rcParams["svg.hashsalt"] = salt
    fig, ax = plt.subplots(figsize=(width, 3), dpi=72)
    ax.plot([0, 1, 2, 3], [1, 3, 2, 4], label="loss")
    ax.set_title("training")
    ax.legend()
    out = io.BytesIO()
    fig.savefig(out, format=kind, metadata={"Date": None} if kind == "svg" else None)
    plt.close(fig)
    return out.getvalue()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def reencoded(png: bytes, **save: object) -> bytes:
    image = Image.open(io.BytesIO(png))
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def with_rectangle(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    ImageDraw.Draw(image).rectangle((60, 60, 140, 120), fill=(255, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def one_cell(data: dict, tags: list[str] | None = None) -> dict:
    nb = v4.new_notebook()
    cell = v4.new_code_cell("show()", outputs=[v4.new_output("display_data", data=data)], execution_count=1)
    if tags:
        cell.metadata["tags"] = tags
    nb.cells.append(cell)
    return nb


def compare(saved: dict, rerun: dict, tolerance: Tolerance = TOL):
    return compare_notebooks(saved, rerun, tolerance=tolerance, sanitizers=BUILTIN_SANITIZERS)


def plot(png: bytes) -> dict:
    return {"image/png": b64(png), "text/plain": "<Figure size 288x216 with 1 Axes>"}


def test_the_same_png_reencoded_with_other_bytes_reproduces() -> None:
    png = figure()
    other = reencoded(png, optimize=True, compress_level=1)
    assert other != png
    comparison = compare(one_cell(plot(png)), one_cell(plot(other)))
    assert comparison.verdict == "reproduced", comparison.cells[0]


def test_a_plot_with_a_rectangle_drawn_over_it_differs_with_its_distance_and_pictures() -> None:
    png = figure()
    comparison = compare(one_cell(plot(png)), one_cell(plot(with_rectangle(png))))
    assert comparison.verdict == "differs"
    cell = comparison.to_json("saved")["cells"][0]
    assert cell["reason"] == "image"
    image = cell["images"][0]
    assert image["distance"] > TOL.image and image["tolerance"] == TOL.image
    assert all(image[side].startswith("data:image/png;base64,") for side in ("expected", "actual", "difference"))


def test_a_slightly_different_rendering_is_within_the_image_tolerance() -> None:
    png = figure()
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    pixels = image.load()
    for x in range(0, image.width, 7):
        r, g, b, a = pixels[x, 40]
        pixels[x, 40] = (max(r - 20, 0), g, b, a)  # an anti-aliasing shade here and there
    out = io.BytesIO()
    image.save(out, format="PNG")
    comparison = compare(one_cell(plot(png)), one_cell(plot(out.getvalue())))
    assert comparison.verdict == "within_tolerance"
    assert "within the tolerance" in comparison.cells[0].difference.message


def test_the_image_tolerance_comes_from_the_manifest_and_from_a_cell_tag() -> None:
    png, changed = figure(), with_rectangle(figure())
    assert compare(one_cell(plot(png)), one_cell(plot(changed)), Tolerance(image=200)).verdict == "within_tolerance"
    tagged = ["lifecycle:tolerance=image:200"]
    assert compare(one_cell(plot(png), tagged), one_cell(plot(changed), tagged)).verdict == "within_tolerance"


def test_an_undecodable_image_falls_back_to_its_content_hash_with_a_note() -> None:
    broken = b64(b"\x89PNG\r\n\x1a\n not really a png")
    comparison = compare(one_cell({"image/png": broken}), one_cell({"image/png": b64(figure())}))
    assert comparison.verdict == "differs"
    assert any("could not be decoded" in note for note in comparison.notes)
    same = compare(one_cell({"image/png": broken}), one_cell({"image/png": broken}))
    assert same.verdict == "reproduced"


def test_a_matplotlib_svg_with_other_generated_ids_reproduces() -> None:
    first, second = figure("svg", salt="one").decode(), figure("svg", salt="two").decode()
    assert first != second  # clip-path ids come from the salt
    comparison = compare(one_cell({"image/svg+xml": first}), one_cell({"image/svg+xml": second}))
    assert comparison.verdict == "reproduced", comparison.cells[0].difference


def test_an_svg_with_reordered_attributes_and_other_whitespace_reproduces() -> None:
    saved = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n  <rect x="1" y="2" fill="red"/>\n</svg>'
    rerun = '<svg height="10" width="10" xmlns="http://www.w3.org/2000/svg"><rect fill="red" y="2" x="1"/></svg>'
    assert compare(one_cell({"image/svg+xml": saved}), one_cell({"image/svg+xml": rerun})).verdict == "reproduced"
    moved = rerun.replace('x="1"', 'x="5"')
    assert compare(one_cell({"image/svg+xml": saved}), one_cell({"image/svg+xml": moved})).verdict == "differs"


def test_a_malformed_svg_is_compared_as_text_with_a_note() -> None:
    broken = '<svg xmlns="http://www.w3.org/2000/svg"><rect x="1"></svg>'
    canonical, note = canonical_markup("image/svg+xml", broken)
    assert canonical == broken and note and "malformed SVG" in note
    comparison = compare(one_cell({"image/svg+xml": broken}), one_cell({"image/svg+xml": broken + " "}))
    assert comparison.verdict == "differs" and any("malformed SVG" in n for n in comparison.notes)


def test_a_pandas_styler_made_again_reproduces_and_a_changed_value_differs() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"model": ["ridge", "lasso"], "auc": [0.91, 0.87]})

    def styled(data: object) -> dict:
        html = data.style.highlight_max(subset=["auc"]).format(precision=3).to_html()
        return {"text/html": html, "text/plain": repr(data)}

    first, second = styled(frame), styled(frame)
    assert first["text/html"] != second["text/html"]  # Styler ids are random per call
    assert compare(one_cell(first), one_cell(second)).verdict == "reproduced"
    changed = styled(frame.assign(auc=[0.91, 0.5]))
    comparison = compare(one_cell(first), one_cell(changed))
    assert comparison.verdict == "differs" and comparison.cells[0].reason == "number"


def test_plotly_html_and_json_made_again_reproduce() -> None:
    go = pytest.importorskip("plotly.graph_objects")
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[0.5, 0.7, 0.9]))

    def shown() -> dict:
        return {"text/html": fig.to_html(full_html=False, include_plotlyjs=False),
                "application/vnd.plotly.v1+json": json.loads(fig.to_json()), "text/plain": "Figure()"}

    first, second = shown(), shown()
    assert first["text/html"] != second["text/html"]  # a new div id every time
    assert compare(one_cell(first), one_cell(second)).verdict == "reproduced"


def test_json_outputs_compare_as_data_not_as_text() -> None:
    saved = one_cell({"application/json": {"b": 1, "a": [1, 2]}})
    rerun = one_cell({"application/json": json.dumps({"a": [1, 2], "b": 1})})
    assert compare(saved, rerun).verdict == "reproduced"


def test_a_differing_image_whose_latex_matches_is_within_tolerance_with_a_note() -> None:
    png = figure()
    saved = one_cell({"text/latex": "$x^2$", "image/png": b64(png), "text/plain": "x**2"})
    rerun = one_cell({"text/latex": "$x^2$", "image/png": b64(with_rectangle(png)), "text/plain": "x**2"})
    comparison = compare(saved, rerun)
    assert comparison.verdict == "within_tolerance"
    assert "text/latex" in comparison.cells[0].difference.message


def test_html_whitespace_between_tags_and_attribute_order_do_not_count() -> None:
    saved = '<table class="t" border="1">\n  <tr><td>1</td>\n  <td>two  words</td></tr>\n</table>'
    rerun = '<table border="1" class="t"><tr><td>1</td><td>two words</td></tr></table>'
    assert compare(one_cell({"text/html": saved}), one_cell({"text/html": rerun})).verdict == "reproduced"
