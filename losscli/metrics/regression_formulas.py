"""The regression metrics' formulas: from per-output sums to ``mse`` ... ``max_error``.

:func:`regression_metrics` is the one place each regression metric's formula lives, used by
``RegressionAccumulator.result`` and by every resample; :func:`weighted_median` and
:func:`squared_log_errors` are the per-row building blocks of the median absolute error and
RMSLE.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from losscli.metrics._common import to_float_or_none
from losscli.metrics.catalog import PER_OUTPUT_FIELDS
from losscli.metrics.result import MetricsResult

__all__ = [
    "PER_OUTPUT_NAMES",
    "REGRESSION_NAMES",
    "RegressionTotals",
    "regression_metrics",
    "squared_log_errors",
    "weighted_median",
]


class RegressionTotals(NamedTuple):
    """Per-output sums the regression metrics are computed from, each float64 (K,).

    ``em2`` is ``sum w (e - mean e)^2`` (0 when ``e`` is constant), ``ssle`` the squared log
    errors, ``lmin`` the least ``min(y, y_hat)`` (RMSLE needs it above -1), ``median`` the
    weighted median of ``|e|``.
    """

    w: np.ndarray
    sse: np.ndarray
    sae: np.ndarray
    sape: np.ndarray
    m2: np.ndarray
    ymin: np.ndarray
    ymax: np.ndarray
    max_err: np.ndarray
    em2: np.ndarray
    ssle: np.ndarray
    lmin: np.ndarray
    median: np.ndarray


REGRESSION_NAMES: tuple[str, ...] = (
    "mse",
    "rmse",
    "mae",
    "r2",
    "r2_variance_weighted",
    "explained_variance",
    "mape",
    "rmsle",
    "median_absolute_error",
    "max_error",
)
"""The flat regression metrics, in report order."""

PER_OUTPUT_NAMES: tuple[str, ...] = PER_OUTPUT_FIELDS
"""The fields of a ``per_output`` row."""


def regression_metrics(state: RegressionTotals | None, n_rows: float = 0) -> MetricsResult:
    """Regression metrics from per-output sums (shared by ``result()`` and ``resample``).

    Per output: ``mse = sse / W``, ``rmse = sqrt(mse)``, ``mae = sae / W``,
    ``r2 = 1 - sse / M2_y``, ``explained_variance = 1 - M2_e / M2_y``, ``mape = sape / W``,
    ``rmsle = sqrt(ssle / W)``, ``median_absolute_error`` = the weighted median of ``|e|``
    (scikit-learn's averaged weighted percentile). Flat values are the mean over outputs;
    ``r2_variance_weighted = sum_k M2_y,k r2_k / sum_k M2_y,k`` (the uniform mean when every
    output is constant); ``max_error`` the largest over outputs.

    Args:
        state: the per-output :class:`RegressionTotals`, or None when there is no row with
            positive weight.
        n_rows: number of rows (R^2 needs two).

    Returns:
        A :class:`MetricsResult` (``metrics``, ``per_output``, ``warnings``).

    >>> one = np.array([1.0])  # W 2, sse 1, sae 1, sape 1, M2 2, y in [0, 2], max error 1
    >>> state = RegressionTotals(
    ...     2 * one, one, one, one, 2 * one, 0 * one, 2 * one, one, 0.5 * one, one, 0 * one, one
    ... )
    >>> m = regression_metrics(state, n_rows=2).metrics
    >>> m["r2"], m["explained_variance"], m["rmsle"]
    (0.5, 0.75, 0.7071067811865476)
    """
    warnings: list[str] = []
    if state is None:
        return MetricsResult(
            metrics=dict.fromkeys(REGRESSION_NAMES),
            warnings=[
                "no samples (or only zero-weight samples) were given; every metric is undefined."
            ],
            task="regression",
            n_samples=int(n_rows),
            ece_bins=0,
        )
    w, sse, sae, sape, m2 = state.w, state.sse, state.sae, state.sape, state.m2
    n_outputs = w.shape[0]
    safe = np.where(w > 0, w, 1.0)
    mse = np.where(w > 0, sse / safe, np.nan)
    rmse = np.sqrt(mse)
    mae = np.where(w > 0, sae / safe, np.nan)
    mape = np.where(w > 0, sape / safe, np.nan)
    constant = state.ymin == state.ymax
    den = np.where(constant, 0.0, m2)
    r2 = _explained_fraction(sse, den)
    ev = _explained_fraction(state.em2, den)
    log_ok = state.lmin > -1
    rmsle = np.where((w > 0) & log_ok, np.sqrt(state.ssle / safe), np.nan)
    if n_rows < 2:
        r2 = np.full_like(r2, np.nan)
        ev = np.full_like(ev, np.nan)
        warnings.append(
            "r2 and explained_variance are undefined with fewer than two samples; reported as null."
        )
    elif np.any(constant & (sse != 0)):
        outs = ", ".join(str(i) for i in np.flatnonzero(constant & (sse != 0)))
        warnings.append(
            f"r2 is undefined for output {outs} (y_true is constant); set to 0 as "
            "scikit-learn does."
        )
    if not log_ok.all():
        outs = ", ".join(str(i) for i in np.flatnonzero(~log_ok))
        warnings.append(
            f"rmsle is undefined for output {outs}: a target or prediction is at or below -1 "
            "(log1p needs values above -1); reported as null."
        )
    per = {
        "mse": mse,
        "rmse": rmse,
        "mae": mae,
        "r2": r2,
        "explained_variance": ev,
        "mape": mape,
        "rmsle": rmsle,
        "median_absolute_error": state.median,
        "max_error": state.max_err,
    }
    per_output = [
        {name: to_float_or_none(per[name][i]) for name in PER_OUTPUT_NAMES}
        for i in range(n_outputs)
    ]
    metrics = {name: _mean(per[name]) for name in REGRESSION_NAMES if name in per}
    metrics["r2_variance_weighted"] = _variance_weighted(r2, den)
    metrics["max_error"] = to_float_or_none(state.max_err.max())
    return MetricsResult(
        metrics={name: metrics[name] for name in REGRESSION_NAMES},
        warnings=warnings,
        task="regression",
        n_samples=int(n_rows),
        total_weight=float(w[0]),
        ece_bins=0,
        per_output=per_output,
    )


def _explained_fraction(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``1 - num / den`` with scikit-learn's ``force_finite`` (num 0: 1; else den 0: 0)."""
    ratio = num / np.where(den == 0, 1.0, den)
    return np.where(num == 0, 1.0, np.where(den == 0, 0.0, 1.0 - ratio))


def _variance_weighted(r2: np.ndarray, den: np.ndarray) -> float | None:
    """scikit-learn's ``multioutput="variance_weighted"``: R^2 averaged with weights M2_y."""
    if np.isnan(r2).any():
        return None
    if not np.any(den != 0):
        return _mean(r2)
    return to_float_or_none(float(np.average(r2, weights=den)))


def squared_log_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``(log1p(y_pred) - log1p(y_true))^2`` per element, 0 where either is at or below -1.

    Args:
        y_true: float (N, K) targets.
        y_pred: float (N, K) predictions.

    Returns:
        float64 (N, K).

    >>> squared_log_errors(np.array([[0.0], [-2.0]]), np.array([[np.e - 1], [0.0]])).ravel()
    array([1., 0.])
    """
    ok = (y_true > -1) & (y_pred > -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.log1p(np.where(ok, y_pred, 0.0)) - np.log1p(np.where(ok, y_true, 0.0))
    return d * d


def weighted_median(
    values: np.ndarray, weights: np.ndarray | None = None, order: np.ndarray | None = None
) -> float:
    """The weighted median as scikit-learn's ``median_absolute_error`` takes it.

    Unweighted: ``np.median``. Weighted (scikit-learn's ``_weighted_percentile(...,
    average=True)`` at 50%, Hyndman and Fan's averaged inverted CDF): with the values
    sorted and ``F`` the cumulative weights, ``i`` is the first index with
    ``F_i >= F_N / 2``; the median is ``v_i`` when ``F_i - F_N / 2 > eps``, else the mean of
    ``v_i`` and the next value of positive weight.

    Args:
        values: float (N,).
        weights: non-negative (N,), or None.
        order: ``argsort(values)`` if already known (the bootstrap reuses it).

    Returns:
        The median; NaN when there is no value or no positive weight.

    >>> weighted_median(np.array([3.0, 1.0, 2.0, 4.0]))
    2.5
    >>> weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]))
    2.5
    >>> weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]))
    3.0
    """
    n = values.shape[0]
    if n == 0:
        return float("nan")
    if weights is None:
        return float(np.median(values))
    if order is None:
        order = np.argsort(values, kind="stable")
    v = values[order]
    w = weights[order]
    cdf = np.cumsum(w)
    total = cdf[-1]
    if not total > 0:
        return float("nan")
    target = 0.5 * total
    i = min(int(np.searchsorted(cdf, target)), n - 1)
    if cdf[i] - target > np.finfo(np.float64).eps:
        return float(v[i])
    j = min(i + 1, n - 1)
    if w[j] == 0:
        j = int(np.searchsorted(cdf, cdf[i], side="right"))
        if j > n - 1:
            j = i
    return float((v[i] + v[j]) / 2)


def _mean(values: np.ndarray) -> float | None:
    """Mean over outputs, None if any output is undefined."""
    out = float(np.mean(values))
    return None if math.isnan(out) else to_float_or_none(out)
