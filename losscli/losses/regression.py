"""Regression losses (numpy only).

``y_true`` and ``y_pred`` are float arrays of shape (N,) or (N, K); each function returns
per-sample losses of shape (N,): the elementwise loss, averaged over the K outputs. The dataset
mean of the per-sample values equals torch's / scikit-learn's mean over all elements.
"""

from __future__ import annotations

import numpy as np

from losscli.errors import InputError
from losscli.losses._common import check_scores, f64, row_mean, same_shape

__all__ = ["huber", "log_cosh", "mae", "mape", "mse", "msle", "rmse", "smooth_l1"]

_EPS64 = float(np.finfo(np.float64).eps)


def _diff(y_true: np.ndarray, y_pred: np.ndarray, scores: str, loss: str) -> np.ndarray:
    check_scores(scores, ("values",), loss)
    y_true, y_pred = f64(y_true), f64(y_pred)
    same_shape(y_true, y_pred, loss)
    return y_pred - y_true


def mse(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values") -> np.ndarray:
    """Squared error per sample (torch MSELoss, reduction='none', mean over K).

    Formula: ``(y_hat - y)^2``.

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".

    Returns:
        (N,) losses.

    Reference: torch.nn.MSELoss; sklearn.metrics.mean_squared_error.

    >>> mse(np.array([1.0, 2.0]), np.array([1.5, 0.0]))
    array([0.25, 4.  ])
    """
    return row_mean(_diff(y_true, y_pred, scores, "mse") ** 2)


def rmse(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values") -> np.ndarray:
    """Per-row root mean squared error; the dataset value is ``sqrt(mean squared error)``.

    Formula: per sample ``sqrt(mean_k (y_hat - y)^2)``; dataset ``sqrt(MSE)`` (not the mean
    of the per-row values).

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".

    Returns:
        (N,) per-row RMSE.

    Reference: sqrt of sklearn.metrics.mean_squared_error over all elements.

    >>> rmse(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]))
    array([3.53553391])
    """
    return np.sqrt(row_mean(_diff(y_true, y_pred, scores, "rmse") ** 2))


def mae(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values") -> np.ndarray:
    """Absolute error per sample (torch L1Loss, reduction='none', mean over K).

    Formula: ``|y_hat - y|``.

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".

    Returns:
        (N,) losses.

    Reference: torch.nn.L1Loss; sklearn.metrics.mean_absolute_error.

    >>> mae(np.array([1.0, 2.0]), np.array([1.5, 0.0]))
    array([0.5, 2. ])
    """
    return row_mean(np.abs(_diff(y_true, y_pred, scores, "mae")))


def huber(
    y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values", huber_delta: float = 1.0
) -> np.ndarray:
    """Huber loss per sample (torch HuberLoss, reduction='none', mean over K).

    Formula: with ``d = |y_hat - y|``: ``0.5 d^2`` if ``d < delta`` else
    ``delta (d - 0.5 delta)``.

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".
        huber_delta: delta > 0.

    Returns:
        (N,) losses.

    Reference: torch.nn.HuberLoss.

    >>> huber(np.array([0.0, 0.0]), np.array([0.5, 3.0]))
    array([0.125, 2.5  ])
    """
    d = np.abs(_diff(y_true, y_pred, scores, "huber"))
    out = np.where(d < huber_delta, 0.5 * d * d, huber_delta * (d - 0.5 * huber_delta))
    return row_mean(out)


def smooth_l1(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str = "values",
    smooth_l1_beta: float = 1.0,
) -> np.ndarray:
    """Smooth L1 loss per sample (torch SmoothL1Loss, reduction='none', mean over K).

    Formula: with ``d = |y_hat - y|``: ``0.5 d^2 / beta`` if ``d < beta`` else
    ``d - 0.5 beta``; ``beta = 0`` gives L1.

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".
        smooth_l1_beta: beta >= 0.

    Returns:
        (N,) losses.

    Reference: torch.nn.SmoothL1Loss.

    >>> smooth_l1(np.array([0.0, 0.0]), np.array([0.5, 3.0]), smooth_l1_beta=2.0)
    array([0.0625, 2.    ])
    """
    d = np.abs(_diff(y_true, y_pred, scores, "smooth_l1"))
    if smooth_l1_beta == 0:
        return row_mean(d)
    out = np.where(d < smooth_l1_beta, 0.5 * d * d / smooth_l1_beta, d - 0.5 * smooth_l1_beta)
    return row_mean(out)


def msle(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values") -> np.ndarray:
    """Squared logarithmic error per sample (scikit-learn ``mean_squared_log_error``).

    Formula: ``(log1p(y_hat) - log1p(y))^2``; values <= -1 are an InputError.

    Args:
        y_true: targets > -1, shape (N,) or (N, K).
        y_pred: predictions > -1 of the same shape.
        scores: must be "values".

    Returns:
        (N,) losses.

    Reference: sklearn.metrics.mean_squared_log_error.

    >>> msle(np.array([0.0, 3.0]), np.array([np.e - 1, 3.0]))
    array([1., 0.])
    """
    _diff(y_true, y_pred, scores, "msle")
    y_true, y_pred = f64(y_true), f64(y_pred)
    for what, arr in (("labels", y_true), ("predictions", y_pred)):
        bad = ~(arr > -1.0)
        if bad.any():
            idx = np.argwhere(bad)[0]
            raise InputError(
                f"loss 'msle' needs values > -1; the {what} have {float(arr[tuple(idx)])!r} at row "
                f"{int(idx[0])} (use mse or mae for such data)"
            )
    return row_mean((np.log1p(y_pred) - np.log1p(y_true)) ** 2)


def log_cosh(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values") -> np.ndarray:
    """Log-cosh loss per sample, computed without overflow.

    Formula: ``log(cosh(d)) = |d| + log1p(exp(-2|d|)) - log 2`` with ``d = y_hat - y``.

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".

    Returns:
        (N,) losses.

    Reference: tf.keras.losses.LogCosh.

    >>> log_cosh(np.array([0.0, 0.0]), np.array([1.0, 1e4]))
    array([4.33780830e-01, 9.99930685e+03])
    """
    d = np.abs(_diff(y_true, y_pred, scores, "log_cosh"))
    return row_mean(d + np.log1p(np.exp(-2.0 * d)) - np.log(2.0))


def mape(y_true: np.ndarray, y_pred: np.ndarray, *, scores: str = "values") -> np.ndarray:
    """Absolute percentage error per sample, as a fraction (scikit-learn MAPE).

    Formula: ``|y_hat - y| / max(|y|, machine eps)``.

    Args:
        y_true: targets, shape (N,) or (N, K).
        y_pred: predictions of the same shape.
        scores: must be "values".

    Returns:
        (N,) losses (0.1 means 10%).

    Reference: sklearn.metrics.mean_absolute_percentage_error.

    >>> mape(np.array([2.0, -4.0]), np.array([2.2, -3.0]))
    array([0.1 , 0.25])
    """
    d = np.abs(_diff(y_true, y_pred, scores, "mape"))
    return row_mean(d / np.maximum(np.abs(f64(y_true)), _EPS64))
