"""Metrics by segment with bootstrap CIs and calibration: checked against scikit-learn and a naive bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from lifecycle_lab.errors import ValidationError
from lifecycle_lab.evidence import validate_evidence
from lifecycle_lab.widgets.metrics import evaluate


def scored(n: int = 5_000, segments: int = 4, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, probabilities (slightly miscalibrated per segment) and segment names."""
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, segments, n)
    p = rng.beta(2, 2, n)
    y = (rng.random(n) < np.clip(p + 0.04 * (seg - segments / 2), 0, 1)).astype(int)
    return y, p, np.array([f"s{k}" for k in seg])


def naive_ece(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error written the obvious way."""
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (p >= lo) & ((p < hi) if b < n_bins - 1 else (p <= hi))
        if inside.any():
            total += inside.sum() * abs(y[inside].mean() - p[inside].mean())
    return total / len(y)


def naive_bootstrap(stat, y: np.ndarray, p: np.ndarray, seg: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Stratified index-resampling bootstrap: resample each segment with replacement, keep its size."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(seg == s) for s in np.unique(seg)]
    out = np.empty(n_boot)
    for i in range(n_boot):
        idx = np.concatenate([rng.choice(g, len(g)) for g in groups])
        out[i] = stat(y[idx], p[idx])
    return out


def test_point_estimates_match_scikit_learn_overall_and_per_segment() -> None:
    y, p, seg = scored()
    labels = (p >= 0.5).astype(int)
    for metric, reference in (("accuracy", sk.accuracy_score), ("precision", sk.precision_score),
                              ("recall", sk.recall_score), ("f1", sk.f1_score)):
        result = evaluate(y, p, seg, metric=metric, n_boot=0)
        assert result.results[0].segment == "overall"
        assert result.results[0].value == pytest.approx(reference(y, labels))
        for row in result.results[1:]:
            inside = seg == row.segment
            assert row.n == inside.sum()
            assert row.value == pytest.approx(reference(y[inside], labels[inside]))
    brier = evaluate(y, p, seg, metric="brier", n_boot=0)
    assert brier.results[0].value == pytest.approx(sk.brier_score_loss(y, p))


def test_expected_calibration_error_and_bins_match_a_direct_computation() -> None:
    y, p, seg = scored()
    result = evaluate(y, p, seg, n_boot=0)
    assert result.probabilistic
    assert result.ece[0].value == pytest.approx(naive_ece(y, p))
    for row in result.ece[1:]:
        inside = seg == row.segment
        assert row.value == pytest.approx(naive_ece(y[inside], p[inside]))
    bins = result.bins
    assert [b.count for b in bins] == [int(((p >= b.low) & ((p < b.high) | (b.high == 1.0))).sum()) for b in bins]
    assert sum(b.count for b in bins) == len(y)
    busy = max(bins, key=lambda b: b.count)
    inside = (p >= busy.low) & (p < busy.high)
    assert busy.mean_predicted == pytest.approx(p[inside].mean())
    assert busy.observed_rate == pytest.approx(y[inside].mean())


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
def test_confidence_intervals_agree_with_a_naive_stratified_bootstrap(metric: str) -> None:
    y, p, seg = scored(n=3_000)
    ours = evaluate(y, p, seg, metric=metric, n_boot=3_000, seed=1).results[0]
    stat = {"accuracy": lambda yy, pp: sk.accuracy_score(yy, pp >= 0.5),
            "f1": lambda yy, pp: sk.f1_score(yy, pp >= 0.5)}[metric]
    low, high = np.quantile(naive_bootstrap(stat, y, p, seg, 1_500, seed=2), [0.025, 0.975])
    width = high - low
    assert ours.ci_low == pytest.approx(low, abs=0.1 * width)
    assert ours.ci_high == pytest.approx(high, abs=0.1 * width)


def test_ece_interval_agrees_with_a_naive_stratified_bootstrap() -> None:
    y, p, seg = scored(n=3_000)
    ours = evaluate(y, p, seg, n_boot=3_000, seed=1).ece[0]
    low, high = np.quantile(naive_bootstrap(naive_ece, y, p, seg, 1_500, seed=2), [0.025, 0.975])
    width = high - low
    assert ours.ci_low == pytest.approx(low, abs=0.12 * width)
    assert ours.ci_high == pytest.approx(high, abs=0.12 * width)


def test_intervals_cover_the_true_accuracy_about_as_often_as_promised() -> None:
    rng = np.random.default_rng(11)
    covered = 0
    trials = 300
    for trial in range(trials):
        correct = rng.random(400) < 0.8
        y = rng.integers(0, 2, 400)
        pred = np.where(correct, y, 1 - y)
        row = evaluate(y, pred, n_boot=400, ci=0.9, seed=trial).results[0]
        covered += row.ci_low <= 0.8 <= row.ci_high
    assert 0.85 <= covered / trials <= 0.95


def test_same_seed_gives_the_same_numbers_and_another_seed_other_intervals() -> None:
    y, p, seg = scored()
    first, again = evaluate(y, p, seg, seed=4), evaluate(y, p, seg, seed=4)
    assert first == again
    assert first.to_text() == again.to_text()
    other = evaluate(y, p, seg, seed=5)
    assert other.results[0].value == first.results[0].value
    assert (other.results[0].ci_low, other.results[0].ci_high) != (first.results[0].ci_low, first.results[0].ci_high)


def test_evidence_is_valid_metrics_evidence_with_overall_first() -> None:
    y, p, seg = scored()
    result = evaluate(y, p, seg, metric="f1", n_boot=200)
    segment_evidence = result.metric_evidence()
    calibration_evidence = result.calibration_evidence()
    validate_evidence("metrics", segment_evidence)
    validate_evidence("metrics", calibration_evidence)
    assert segment_evidence["metric"] == "f1" and segment_evidence["n_boot"] == 200
    assert [r["segment"] for r in segment_evidence["results"]] == ["overall", "s0", "s1", "s2", "s3"]
    assert calibration_evidence["metric"] == "expected_calibration_error"
    assert calibration_evidence["calibration"]["ece"] == result.ece[0].value
    assert len(calibration_evidence["calibration"]["bins"]) == 10
    assert all(r["ci_low"] <= r["value"] <= r["ci_high"] for r in segment_evidence["results"])


def test_labels_give_no_calibration_and_multiclass_accuracy_works() -> None:
    y = np.array(["cat", "dog", "bird", "dog", "cat", "cat"])
    pred = np.array(["cat", "dog", "dog", "dog", "bird", "cat"])
    result = evaluate(pd.Series(y), list(pred), segments=["a", "a", "b", "b", "b", None], n_boot=100)
    assert not result.probabilistic and result.calibration_evidence() is None
    assert result.results[0].value == pytest.approx(4 / 6)
    assert [r.segment for r in result.results] == ["overall", "(missing)", "a", "b"]
    assert "calibration" not in result.metric_evidence()


def test_two_column_predict_proba_is_read_as_the_probability_of_label_one() -> None:
    y, p, _ = scored(n=500)
    assert evaluate(y, np.column_stack([1 - p, p]), n_boot=0) == evaluate(y, p, n_boot=0)


def test_a_segment_where_the_metric_is_undefined_has_no_value_or_interval() -> None:
    y = np.array([1, 0, 1, 0, 1, 0])
    pred = np.array([1, 0, 1, 0, 0, 0])
    result = evaluate(y, pred, segments=["a", "a", "a", "a", "b", "b"], metric="precision", n_boot=200)
    b = result.results[2]
    assert (b.segment, b.value, b.ci_low, b.ci_high, b.n) == ("b", None, None, None, 2)
    validate_evidence("metrics", result.metric_evidence())


def test_no_resamples_means_point_estimates_only() -> None:
    y, p, seg = scored(n=300)
    result = evaluate(y, p, seg, n_boot=0)
    assert all(r.ci_low is None and r.ci_high is None for r in result.results)
    assert result.method == "point estimates (no bootstrap)"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"y_true": [0, 1], "y_pred": [0, 1, 1]}, "y_pred"),
        ({"y_true": [], "y_pred": []}, "y_true"),
        ({"y_true": [0, 1], "y_pred": [0.2, float("nan")]}, "y_pred"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "segments": ["a"]}, "segments"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "metric": "auc"}, "metric"),
        ({"y_true": [0, 1, 2], "y_pred": [0, 1, 2], "metric": "f1"}, "metric"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "metric": "brier"}, "metric"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "ci": 95}, "ci"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "n_boot": -1}, "n_boot"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "seed": None}, "seed"),
        ({"y_true": 1, "y_pred": [1]}, "y_true"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        evaluate(**kwargs)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_text_report_has_four_decimals_and_the_calibration_table() -> None:
    y, p, seg = scored(n=1_000)
    text = evaluate(y, p, seg, n_boot=100).to_text()
    lines = text.splitlines()
    assert lines[0].startswith("accuracy by segment (95% CI, percentile bootstrap, 100 resamples")
    assert lines[2].split()[0] == "overall" and lines[2].split()[1] == "1000"
    assert "calibration: expected calibration error 0." in text
    assert all(len(token.split(".")[1]) == 4 for token in lines[2].split()[2:])
