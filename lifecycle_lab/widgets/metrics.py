"""Evaluation metrics by segment with bootstrap confidence intervals, and calibration of binary probabilities.

Pure: numpy and pandas only, no widgets, no I/O. Every statistic here depends on
the data only through counts of "cells" (confusion-matrix cells, or calibration
bin × label) per segment, plus one per-sample quantity summed per cell (the
predicted probability for ECE, the squared error for the Brier score). A
bootstrap resample of a segment is then a multinomial draw of its cell counts,
which is exactly the distribution index resampling gives, at a cost that does
not grow with the number of predictions. The overall estimate resamples every
segment with its own size (a stratified bootstrap). Per-cell sums of the
continuous quantity are drawn moment-matched (mean and variance of the cell),
an approximation whose error is the within-cell spread of a probability bin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .metric_inputs import is_binary, predictions, segment_codes

LABEL_METRICS: tuple[str, ...] = ("accuracy", "precision", "recall", "f1")
PROBABILITY_METRICS: tuple[str, ...] = ("brier",)
METRICS: tuple[str, ...] = LABEL_METRICS + PROBABILITY_METRICS
ECE = "expected_calibration_error"
OVERALL = "overall"
MAX_BOOT = 100_000
_CHUNK_CELLS = 4_000_000  # bootstrap draws held in memory at once (resamples × segments × cells)

Stat = Callable[[np.ndarray, np.ndarray | None], np.ndarray]


@dataclass(frozen=True)
class Estimate:
    """A statistic for one segment (or ``overall``) with its confidence interval and sample size."""

    segment: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        """As ``metrics`` evidence result row."""
        return {"segment": self.segment, "value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "n": self.n}


@dataclass(frozen=True)
class CalibrationBin:
    """One equal-width probability bin: how many predictions fell in it, their mean, the observed rate."""

    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None

    def to_json(self) -> dict[str, Any]:
        """As a ``metrics`` evidence calibration bin."""
        return {"low": self.low, "high": self.high, "count": self.count, "mean_predicted": self.mean_predicted,
                "observed_rate": self.observed_rate}


@dataclass(frozen=True)
class Evaluation:
    """A metric overall and per segment, and (for binary probabilities) calibration, with bootstrap CIs."""

    metric: str
    confidence: float
    n_boot: int
    seed: int
    results: tuple[Estimate, ...]  # overall first, then each segment
    ece: tuple[Estimate, ...] | None = None  # same rows, for probabilistic binary predictions
    bins: tuple[CalibrationBin, ...] | None = None

    @property
    def method(self) -> str:
        """How the intervals were computed, in words."""
        if not self.n_boot:
            return "point estimates (no bootstrap)"
        return (f"percentile bootstrap, {self.n_boot} resamples stratified by segment "
                f"(multinomial over outcome cells), seed {self.seed}")

    @property
    def probabilistic(self) -> bool:
        """Whether the predictions were probabilities of a binary label (so calibration was measured)."""
        return self.ece is not None

    def _evidence(self, metric: str, rows: tuple[Estimate, ...]) -> dict[str, Any]:
        return {"metric": metric, "confidence": self.confidence, "method": self.method, "n_boot": self.n_boot,
                "results": [r.to_json() for r in rows]}

    def calibration(self) -> dict[str, Any] | None:
        """The overall calibration as ``metrics`` evidence's ``calibration`` field."""
        if self.ece is None or self.bins is None:
            return None
        return {"ece": self.ece[0].value or 0.0, "bins": [b.to_json() for b in self.bins]}

    def metric_evidence(self) -> dict[str, Any]:
        """``metrics`` evidence of the metric by segment (with the calibration when there is one)."""
        evidence = self._evidence(self.metric, self.results)
        if self.ece is not None:
            evidence["calibration"] = self.calibration()
        return evidence

    def calibration_evidence(self) -> dict[str, Any] | None:
        """``metrics`` evidence of the expected calibration error by segment, with the overall bins."""
        if self.ece is None:
            return None
        return {**self._evidence(ECE, self.ece), "calibration": self.calibration()}

    def table(self) -> pd.DataFrame:
        """The metric (and ECE) per segment as a DataFrame, one row per segment, overall first."""
        frame = pd.DataFrame([r.to_json() for r in self.results]).rename(columns={"value": self.metric})
        if self.ece is not None:
            ece = pd.DataFrame([r.to_json() for r in self.ece])
            frame["ece"], frame["ece_ci_low"], frame["ece_ci_high"] = ece["value"], ece["ci_low"], ece["ci_high"]
        return frame.set_index("segment")

    def calibration_table(self) -> pd.DataFrame | None:
        """The overall calibration bins as a DataFrame (None without probabilities)."""
        if self.bins is None:
            return None
        return pd.DataFrame([b.to_json() for b in self.bins])

    def caption(self) -> str:
        """What the results table shows, e.g. ``accuracy by segment (95% CI, percentile bootstrap, …)``."""
        level = f"{self.confidence:.0%}".rstrip("%")
        return f"{self.metric} by segment ({level}% CI, {self.method})"

    def shown_tables(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The results and calibration tables as text cells with four decimals (``-`` where undefined)."""
        results = _shown(self.table().reset_index(), ["segment", "n", self.metric, "ci_low", "ci_high"])
        bins = self.calibration_table()
        columns = ["low", "high", "count", "mean_predicted", "observed_rate"]
        return results, None if bins is None else _shown(bins, columns)

    def to_text(self) -> str:
        """A plain-text report with four decimals: the same inputs and seed always give the same text."""
        results, bins = self.shown_tables()
        lines = [self.caption(), results.to_string(index=False)]
        if bins is not None and self.ece is not None:
            lines += ["", f"calibration: expected calibration error {_number(self.ece[0].value)}",
                      bins.to_string(index=False)]
        return "\n".join(lines)


def _number(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, (int, np.integer)):
        return str(value)
    return f"{value:.4f}"


def _shown(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].astype(object).map(_number)


# --- statistics on cell counts -------------------------------------------------------------------
# Each takes counts (..., C) and per-cell sums (..., C) and returns the statistic (...).


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _accuracy(c: np.ndarray, _s: np.ndarray | None) -> np.ndarray:
    return _ratio(c[..., 1], c.sum(-1))  # cells: wrong, right


def _precision(c: np.ndarray, _s: np.ndarray | None) -> np.ndarray:
    return _ratio(c[..., 3], c[..., 3] + c[..., 1])  # cells: 2·label + predicted → TN, FP, FN, TP


def _recall(c: np.ndarray, _s: np.ndarray | None) -> np.ndarray:
    return _ratio(c[..., 3], c[..., 3] + c[..., 2])


def _f1(c: np.ndarray, _s: np.ndarray | None) -> np.ndarray:
    return _ratio(2 * c[..., 3], 2 * c[..., 3] + c[..., 1] + c[..., 2])


def _mean_of_sums(c: np.ndarray, s: np.ndarray | None) -> np.ndarray:
    assert s is not None
    return _ratio(s.sum(-1), c.sum(-1))  # cells: bin × label, sums: squared error → Brier score


def _ece(c: np.ndarray, s: np.ndarray | None) -> np.ndarray:
    assert s is not None
    positives = c[..., 1::2]  # cells: 2·bin + label, sums: predicted probability
    predicted = s[..., 0::2] + s[..., 1::2]
    return _ratio(np.abs(positives - predicted).sum(-1), c.sum(-1))


_LABEL_STATS: dict[str, Stat] = {"accuracy": _accuracy, "precision": _precision, "recall": _recall, "f1": _f1}


def _quantiles(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring resamples where the statistic is undefined."""
    alpha = (1 - confidence) / 2
    valid = ~np.isnan(samples)
    low = np.full(samples.shape[1:], np.nan)
    high = np.full(samples.shape[1:], np.nan)
    ok = valid.any(axis=0)
    if ok.any():
        q = np.nanquantile(samples[:, ok], [alpha, 1 - alpha], axis=0)
        low[ok], high[ok] = q[0], q[1]
    return low, high


def _float(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _estimate_cells(
    stat: Stat, strata: np.ndarray, n_strata: int, cells: np.ndarray, n_cells: int, quantity: np.ndarray | None,
    *, n_boot: int, confidence: float, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(values, ci_low, ci_high, n) for each stratum and, last, overall (strata resampled with their own sizes)."""
    flat = strata * n_cells + cells
    counts = np.bincount(flat, minlength=n_strata * n_cells).reshape(n_strata, n_cells)
    sums = sq = None
    if quantity is not None:
        sums = np.bincount(flat, weights=quantity, minlength=n_strata * n_cells).reshape(n_strata, n_cells)
        sq = np.bincount(flat, weights=quantity * quantity, minlength=n_strata * n_cells).reshape(n_strata, n_cells)
    sizes = counts.sum(axis=1)
    values = np.append(stat(counts, sums), stat(counts.sum(0), None if sums is None else sums.sum(0)))
    n = np.append(sizes, sizes.sum())
    if not n_boot:
        empty = np.full(n_strata + 1, np.nan)
        return values, empty, empty, n
    probabilities = counts / sizes[:, None]
    if sums is not None and sq is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, sums / counts, 0.0)
            spread = np.sqrt(np.clip(np.where(counts > 0, sq / counts, 0.0) - mean * mean, 0.0, None))
    samples = np.empty((n_boot, n_strata + 1))
    chunk = max(1, _CHUNK_CELLS // (n_strata * n_cells))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        drawn = rng.multinomial(sizes, probabilities, size=(size, n_strata))
        drawn_sums = None
        if sums is not None:
            noise = rng.standard_normal(drawn.shape)
            drawn_sums = drawn * mean + np.sqrt(drawn) * spread * noise
        samples[start:start + size, :n_strata] = stat(drawn, drawn_sums)
        samples[start:start + size, n_strata] = stat(drawn.sum(1), None if drawn_sums is None else drawn_sums.sum(1))
    low, high = _quantiles(samples, confidence)
    return values, low, high, n


def _rows(names: list[str], parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> tuple[Estimate, ...]:
    values, low, high, n = parts
    overall = Estimate(OVERALL, _float(values[-1]), _float(low[-1]), _float(high[-1]), int(n[-1]))
    segments = [Estimate(name, _float(values[i]), _float(low[i]), _float(high[i]), int(n[i]))
                for i, name in enumerate(names)]
    return (overall, *segments)


def _bin_index(prob: np.ndarray, n_bins: int) -> np.ndarray:
    """Each probability's equal-width bin, 0 to ``n_bins - 1`` (a probability on an edge goes to the upper bin)."""
    return np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], prob, side="right")


def calibration_bins(y_true: np.ndarray, prob: np.ndarray, n_bins: int) -> tuple[CalibrationBin, ...]:
    """Equal-width probability bins with their counts, mean predicted probability and observed rate."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = _bin_index(prob, n_bins)
    count = np.bincount(which, minlength=n_bins)
    mean = _ratio(np.bincount(which, weights=prob, minlength=n_bins), count)
    rate = _ratio(np.bincount(which, weights=y_true.astype(float), minlength=n_bins), count)
    return tuple(
        CalibrationBin(float(edges[b]), float(edges[b + 1]), int(count[b]), _float(mean[b]), _float(rate[b]))
        for b in range(n_bins)
    )


def evaluate(
    y_true: Any,
    y_pred: Any,
    segments: Any = None,
    *,
    metric: str = "accuracy",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    n_bins: int = 10,
) -> Evaluation:
    """``metric`` overall and per segment with percentile-bootstrap CIs; ECE and bins for binary probabilities.

    Probabilities of label 1 (floats in [0, 1] against 0/1 labels, or a 2-column ``predict_proba``) are
    thresholded at 0.5 for label metrics. ValidationError names the offending argument.
    """
    if metric not in METRICS:
        raise ValidationError(f"metric: {metric!r} is not one of {', '.join(METRICS)}", field="metric")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or not 0 <= n_boot <= MAX_BOOT:
        raise ValidationError(f"n_boot: must be a whole number from 0 to {MAX_BOOT}", field="n_boot")
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ValidationError(f"ci: {ci!r} is not a confidence level between 0 and 1 (e.g. 0.95)", field="ci")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError(f"seed: {seed!r} is not a non-negative whole number", field="seed")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or not 1 <= n_bins <= 1000:
        raise ValidationError("n_bins: must be a whole number from 1 to 1000", field="n_bins")
    truth, pred, probabilistic = predictions(y_true, y_pred)
    strata, names = segment_codes(segments, len(truth))
    n_strata = max(len(names), 1)
    labels = (pred >= 0.5).astype(np.int8) if probabilistic else pred
    if metric in PROBABILITY_METRICS and not probabilistic:
        raise ValidationError(
            f"metric: {metric!r} needs predicted probabilities in [0, 1] for 0/1 labels", field="metric"
        )
    if metric in ("precision", "recall", "f1") and not (is_binary(truth) and is_binary(labels)):
        raise ValidationError(
            f"metric: {metric!r} needs binary labels (0/1 or True/False) in y_true and y_pred", field="metric"
        )
    truth01 = truth.astype(np.intp) if is_binary(truth) else None
    common = {"n_boot": int(n_boot), "confidence": float(ci)}
    rngs = [np.random.default_rng([seed, stream]) for stream in (0, 1)]  # independent, stable streams
    if probabilistic:
        assert truth01 is not None
        bin_cells = 2 * _bin_index(pred, n_bins) + truth01
    if metric == "brier":
        parts = _estimate_cells(_mean_of_sums, strata, n_strata, bin_cells, 2 * n_bins, (pred - truth01) ** 2,
                                rng=rngs[0], **common)
    elif metric == "accuracy":
        correct = (labels == truth).astype(np.intp)
        parts = _estimate_cells(_accuracy, strata, n_strata, correct, 2, None, rng=rngs[0], **common)
    else:
        assert truth01 is not None
        confusion = 2 * truth01 + labels.astype(np.intp)
        parts = _estimate_cells(_LABEL_STATS[metric], strata, n_strata, confusion, 4, None, rng=rngs[0], **common)
    ece = bins = None
    if probabilistic:
        ece = _rows(names, _estimate_cells(_ece, strata, n_strata, bin_cells, 2 * n_bins, pred.astype(float),
                                           rng=rngs[1], **common))
        bins = calibration_bins(truth01, pred, n_bins)
    return Evaluation(metric=metric, confidence=float(ci), n_boot=int(n_boot), seed=int(seed),
                      results=_rows(names, parts), ece=ece, bins=bins)
