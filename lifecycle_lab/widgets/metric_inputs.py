"""The inputs of :func:`~lifecycle_lab.widgets.metrics.evaluate` checked and shaped: labels, predictions, segments.

Every refusal is a ValidationError naming the argument at fault.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

MISSING_SEGMENT = "(missing)"


def vector(values: Any, field: str) -> np.ndarray:
    """``values`` as a numpy array; ValidationError naming ``field`` for a single value."""
    array = values.to_numpy() if isinstance(values, (pd.Series, pd.Index, pd.DataFrame)) else np.asarray(values)
    if array.ndim == 0:
        raise ValidationError(f"{field}: expected a sequence of values, got a single value", field=field)
    return array


def missing_count(array: np.ndarray) -> int:
    """How many values of ``array`` are missing (NaN, None, NaT)."""
    return int(pd.isna(array).sum()) if array.dtype.kind in "fcOmMU" else 0


def is_binary(array: np.ndarray) -> bool:
    if array.dtype.kind == "b":
        return True
    if array.dtype.kind not in "iuf":
        return False
    return bool(np.isin(array, (0, 1)).all())


def predictions(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """(labels, predictions, probabilistic): y_pred as 1-D labels or probabilities of label 1."""
    truth = vector(y_true, "y_true")
    pred = vector(y_pred, "y_pred")
    if pred.ndim == 2 and pred.shape[1] == 2:
        pred = pred[:, 1]  # predict_proba output: the probability of label 1
    if truth.ndim != 1:
        raise ValidationError(f"y_true: expected one label per prediction, got shape {truth.shape}", field="y_true")
    if pred.ndim != 1:
        raise ValidationError(
            f"y_pred: expected one prediction per row (or 2 columns of binary probabilities), got shape {pred.shape}",
            field="y_pred",
        )
    if len(truth) != len(pred):
        raise ValidationError(f"y_pred: {len(pred)} predictions for {len(truth)} labels", field="y_pred")
    if len(truth) == 0:
        raise ValidationError("y_true: no predictions to evaluate", field="y_true")
    for array, field in ((truth, "y_true"), (pred, "y_pred")):
        missing = missing_count(array)
        if missing:
            raise ValidationError(f"{field}: {missing} missing values", field=field)
    probabilistic = (
        pred.dtype.kind == "f" and is_binary(truth) and bool(((pred >= 0) & (pred <= 1)).all())
        and not bool(np.isin(pred, (0, 1)).all())
    )
    return truth, pred, probabilistic


def segment_codes(segments: Any, n: int) -> tuple[np.ndarray, list[str]]:
    """(segment index per prediction, segment names) — one unnamed segment when ``segments`` is None."""
    if segments is None:
        return np.zeros(n, dtype=np.intp), []
    values = vector(segments, "segments")
    if values.ndim != 1 or len(values) != n:
        raise ValidationError(f"segments: {len(values)} segment labels for {n} predictions", field="segments")
    series = pd.Series(values, dtype=object).where(pd.notna(values), MISSING_SEGMENT)
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:  # labels of mixed types do not order; order them by their text
        codes, uniques = pd.factorize(series.map(str), sort=True)
    return codes.astype(np.intp), [str(u) for u in uniques]
