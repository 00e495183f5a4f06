"""Probability quality: per-sample log loss and Brier terms, expected calibration error bins.

Every function returns per-sample values or per-bin sums, so the accumulators only add them
up chunk by chunk. Conventions:

- log loss as ``sklearn.metrics.log_loss``: probabilities clipped to ``[eps, 1 - eps]`` with
  ``eps = np.finfo(float64).eps``; rows are not renormalised.
- Brier as ``sklearn.metrics.brier_score_loss``: binary ``(p - y)^2``; multi-class
  ``sum_c (p_c - [y = c])^2`` (range 0..2, halved only when C = 2, scikit-learn's ``auto``).
- Multi-label (scikit-learn defines neither): every (sample, label) cell is a binary
  prediction; the per-sample value is the mean over labels of the binary value.
- ECE (torchmetrics ``BinaryCalibrationError`` / ``MulticlassCalibrationError``, norm l1):
  ``ECE = sum_b (W_b / W) |acc_b - conf_b|`` over equal-width bins of the confidence.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LOG_EPS",
    "log_loss_binary",
    "log_loss_multiclass",
    "log_loss_multilabel",
    "brier_binary",
    "brier_multiclass",
    "brier_multilabel",
    "ece_bin_edges",
    "calibration_bins",
    "calibration_bin_sums",
    "expected_calibration_error",
    "ece_batch",
]

LOG_EPS = float(np.finfo(np.float64).eps)


def log_loss_binary(y_true: np.ndarray, y_prob: np.ndarray) -> np.ndarray:
    """Per-sample binary log loss ``-log(clip(p_y, eps, 1 - eps))`` with ``p_0 = 1 - p``.

    Args:
        y_true: float64 (N,) labels in {0, 1}.
        y_prob: float64 (N,) P(positive).

    Returns:
        float64 (N,) per-sample losses.

    >>> log_loss_binary(np.array([1.0, 0.0]), np.array([0.9, 0.1])).round(6)
    array([0.105361, 0.105361])
    """
    p1 = np.clip(y_prob, LOG_EPS, 1.0 - LOG_EPS)
    p0 = np.clip(1.0 - np.asarray(y_prob, dtype=np.float64), LOG_EPS, 1.0 - LOG_EPS)
    return -np.log(np.where(np.asarray(y_true) == 1, p1, p0))


def log_loss_multiclass(y_true: np.ndarray, y_prob: np.ndarray) -> np.ndarray:
    """Per-sample multi-class log loss ``-log(clip(p_{n, y_n}, eps, 1 - eps))``.

    Args:
        y_true: int64 (N,) class indices.
        y_prob: float64 (N, C) class probabilities (not renormalised).

    Returns:
        float64 (N,) per-sample losses.

    >>> log_loss_multiclass(np.array([0]), np.array([[0.5, 0.25, 0.25]])).round(6)
    array([0.693147])
    """
    picked = np.take_along_axis(np.asarray(y_prob), np.asarray(y_true)[:, None], axis=1)[:, 0]
    return -np.log(np.clip(picked, LOG_EPS, 1.0 - LOG_EPS))


def log_loss_multilabel(y_true: np.ndarray, y_prob: np.ndarray) -> np.ndarray:
    """Per-sample multi-label log loss: the mean over labels of the binary log loss.

    Args:
        y_true: float64 (N, L) indicators.
        y_prob: float64 (N, L) per-label probabilities.

    Returns:
        float64 (N,) per-sample losses.

    >>> log_loss_multilabel(np.array([[1.0, 0.0]]), np.array([[0.9, 0.1]])).round(6)
    array([0.105361])
    """
    return log_loss_binary(y_true, y_prob).mean(axis=1)


def brier_binary(y_true: np.ndarray, y_prob: np.ndarray) -> np.ndarray:
    """Per-sample binary Brier term ``(p - y)^2``.

    Computed as scikit-learn does, ``((1-y) - (1-p))^2 + (y - p)^2`` halved, so the floats
    agree to the last bit.

    Args:
        y_true: float64 (N,) labels in {0, 1}.
        y_prob: float64 (N,) P(positive).

    Returns:
        float64 (N,).

    >>> brier_binary(np.array([1.0, 0.0]), np.array([0.75, 0.5]))
    array([0.0625, 0.25  ])
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_prob, dtype=np.float64)
    return (((1.0 - y) - (1.0 - p)) ** 2 + (y - p) ** 2) * 0.5


def brier_multiclass(y_true: np.ndarray, y_prob: np.ndarray) -> np.ndarray:
    """Per-sample multi-class Brier term ``sum_c (p_c - [y = c])^2`` (halved when C = 2).

    Args:
        y_true: int64 (N,) class indices.
        y_prob: float64 (N, C).

    Returns:
        float64 (N,).

    >>> brier_multiclass(np.array([0]), np.array([[0.5, 0.25, 0.25]]))
    array([0.375])
    """
    p = np.asarray(y_prob, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.int64)
    n = p.shape[0]
    out = np.empty(n)
    # (p - onehot)^2 one block of rows at a time (a temporary of ~1 MB whatever the chunk):
    # p_c - 1 is exactly -(1 - p_c), so the squares and their row sums are bit for bit those
    # of (onehot - p)^2
    step = max(1, (1 << 17) // max(p.shape[1], 1))
    for a in range(0, n, step):
        diff = p[a : a + step].copy()
        diff[np.arange(diff.shape[0]), y[a : a + step]] -= 1.0
        np.square(diff, out=diff)
        np.sum(diff, axis=1, out=out[a : a + step])
    if p.shape[1] < 3:
        out = out * 0.5
    return out


def brier_multilabel(y_true: np.ndarray, y_prob: np.ndarray) -> np.ndarray:
    """Per-sample multi-label Brier term: the mean over labels of ``(p - y)^2``.

    Args:
        y_true: float64 (N, L) indicators.
        y_prob: float64 (N, L).

    Returns:
        float64 (N,).

    >>> brier_multilabel(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]))
    array([0.25])
    """
    return brier_binary(y_true, y_prob).mean(axis=1)


def ece_bin_edges(n_bins: int = 15) -> np.ndarray:
    """Bin edges ``np.linspace(0, 1, n_bins + 1)`` of the calibration bins.

    Bin ``b`` holds confidences ``edges[b] <= c < edges[b + 1]``; the last bin is closed on
    the right, so a confidence of exactly 1.0 falls in it.

    Args:
        n_bins: the number of equal-width bins (15 by default).

    Returns:
        float64 (n_bins + 1,).

    >>> ece_bin_edges(4)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return np.linspace(0.0, 1.0, int(n_bins) + 1)


def calibration_bins(confidence: np.ndarray, n_bins: int = 15) -> np.ndarray:
    """The calibration bin of each confidence: ``searchsorted(edges, c, side="right") - 1``
    clipped to ``[0, n_bins - 1]`` (:func:`ece_bin_edges`), bit for bit, without the search.

    ``floor(c * n_bins)`` is the bin or its neighbour (``c * n_bins`` and the edges are each
    within an ulp of exact), so one comparison with each of the guess's two edges settles it.

    Args:
        confidence: float64 (M,) in [0, 1].
        n_bins: the number of bins.

    Returns:
        intp (M,) bin indices.

    >>> calibration_bins(np.array([0.0, 0.2, 1 / 3, 0.5, 1.0]), 3).tolist()
    [0, 0, 1, 1, 2]
    """
    n = int(n_bins)
    edges = ece_bin_edges(n)
    idx = np.minimum((confidence * n).astype(np.intp), n - 1)
    idx -= confidence < edges[idx]
    idx += (confidence >= edges[idx + 1]) & (idx < n - 1)
    return idx


def calibration_bin_sums(
    confidence: np.ndarray,
    correct: np.ndarray,
    sample_weight: np.ndarray | None = None,
    n_bins: int = 15,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-bin (weighted) count, sum of confidences and sum of correctness.

    Bin of a confidence ``c``: ``searchsorted(edges, c, side="right") - 1`` clipped to
    ``n_bins - 1`` (left-closed bins ``[lo, hi)``; the last bin is ``[lo, 1]``). Three
    ``np.bincount`` calls; the sums add across chunks.

    Args:
        confidence: float64 (M,) confidences in [0, 1].
        correct: float64 (M,) 1 for a correct prediction (or a positive label), else 0.
        sample_weight: float64 (M,) or None.
        n_bins: number of equal-width bins.

    Returns:
        ``(weight, conf_sum, acc_sum)``, each float64 (n_bins,).

    >>> conf, correct = np.array([0.1, 0.8, 1.0]), np.array([0.0, 1.0, 1.0])
    >>> w, c, a = calibration_bin_sums(conf, correct, None, 2)
    >>> w, c, a
    (array([1., 2.]), array([0.1, 1.8]), array([0., 2.]))
    """
    conf = np.asarray(confidence, dtype=np.float64).ravel()
    acc = np.asarray(correct, dtype=np.float64).ravel()
    idx = calibration_bins(conf, n_bins)
    if sample_weight is None:
        w = np.bincount(idx, minlength=n_bins).astype(np.float64)
        cs = np.bincount(idx, weights=conf, minlength=n_bins)
        as_ = np.bincount(idx, weights=acc, minlength=n_bins)
    else:
        sw = np.asarray(sample_weight, dtype=np.float64).ravel()
        w = np.bincount(idx, weights=sw, minlength=n_bins)
        cs = np.bincount(idx, weights=conf * sw, minlength=n_bins)
        as_ = np.bincount(idx, weights=acc * sw, minlength=n_bins)
    return w, cs, as_


def expected_calibration_error(
    weight: np.ndarray, conf_sum: np.ndarray, acc_sum: np.ndarray
) -> float | None:
    """ECE (l1) from per-bin sums: ``sum_b (W_b / W) |acc_sum_b / W_b - conf_sum_b / W_b|``.

    Empty bins contribute nothing; computed as torchmetrics does (bin means, then the
    weighted sum of their gaps).

    Args:
        weight: float64 (B,) per-bin total weight.
        conf_sum: float64 (B,) per-bin weighted sum of confidences.
        acc_sum: float64 (B,) per-bin weighted sum of correctness.

    Returns:
        The ECE, or None when the total weight is zero.

    >>> expected_calibration_error(np.array([1.0, 2.0]), np.array([0.1, 1.8]), np.array([0.0, 2.0]))
    0.1
    """
    if not np.asarray(weight, dtype=np.float64).sum() > 0:
        return None
    return float(ece_batch(weight, conf_sum, acc_sum))


def ece_batch(weight: np.ndarray, conf_sum: np.ndarray, acc_sum: np.ndarray) -> np.ndarray:
    """The ECE of every set of per-bin sums of a stack: the formula of
    :func:`expected_calibration_error` over the last axis.

    Args:
        weight: float64 (..., bins) per-bin total weight (e.g. (B, bins): one per resample).
        conf_sum: float64 (..., bins) per-bin weighted sum of confidences.
        acc_sum: float64 (..., bins) per-bin weighted sum of correctness.

    Returns:
        float64 (...), NaN where the total weight is not positive.

    >>> ece_batch(np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.1, 1.8], [0.0, 0.0]]),
    ...           np.array([[0.0, 2.0], [0.0, 0.0]]))
    array([0.1, nan])
    """
    weight = np.asarray(weight, dtype=np.float64)
    total = weight.sum(axis=-1)
    live = weight > 0
    safe = np.where(live, weight, 1.0)
    acc_bin = np.where(live, acc_sum / safe, 0.0)
    conf_bin = np.where(live, conf_sum / safe, 0.0)
    prop = weight / np.where(total > 0, total, 1.0)[..., None]
    return np.where(total > 0, np.sum(np.abs(acc_bin - conf_bin) * prop, axis=-1), np.nan)
