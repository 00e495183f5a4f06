"""Ranking metrics from stored scores: ROC and precision-recall curves, ROC AUC, average precision.

scikit-learn semantics throughout (``sklearn.metrics.roc_curve``, ``precision_recall_curve``,
``roc_auc_score``, ``average_precision_score``): one stable sort by descending score, cumulative
(weighted) true/false positive counts at each distinct score, zero-weight samples dropped.
ROC AUC is the trapezoid area under that curve, so tied scores count one half. Unlike
scikit-learn, an undefined value is ``None`` instead of NaN: ROC AUC needs at least one positive
and one negative (positive weight), average precision at least one positive.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "binary_clf_curve",
    "roc_curve",
    "precision_recall_curve",
    "roc_auc",
    "average_precision",
]


def _prepare(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    y = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(
            f"y_true has {y.size} values but y_score has {s.size}; pass one score per sample."
        )
    w = None
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=np.float64).ravel()
        if w.shape != y.shape:
            raise ValueError(f"sample_weight has {w.size} values but y_true has {y.size}.")
        keep = w != 0
        y, s, w = y[keep], s[keep], w[keep]
    return y, s, w


def binary_clf_curve(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative false and true positives at each distinct score, highest score first.

    ``fps[i]``, ``tps[i]`` are the (weighted) negatives and positives with
    ``score >= thresholds[i]``. One sort; no loop over rows.

    Args:
        y_true: (N,) 0/1 labels (1 = positive).
        y_score: (N,) scores, higher means more positive.
        sample_weight: (N,) non-negative weights or None (zero-weight samples are dropped).

    Returns:
        ``(fps, tps, thresholds)``, each float64 (T,), thresholds decreasing.

    >>> fps, tps, thr = binary_clf_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> fps, tps, thr
    (array([0., 1., 1., 2.]), array([1., 1., 2., 2.]), array([0.8 , 0.4 , 0.35, 0.1 ]))
    """
    y, s, w = _prepare(y_true, y_score, sample_weight)
    if y.size == 0:
        empty = np.zeros(0)
        return empty, empty.copy(), empty.copy()
    order = np.argsort(s, kind="mergesort")[::-1]
    s = s[order]
    y = y[order]
    distinct = np.flatnonzero(np.diff(s))
    idx = np.r_[distinct, y.size - 1]
    if w is None:
        tps = np.cumsum(y)[idx]
        fps = 1.0 + idx - tps
    else:
        w = w[order]
        tps = np.cumsum(y * w)[idx]
        fps = np.cumsum((1.0 - y) * w)[idx]
    return fps, tps, s[idx]


def roc_curve(
    y_true: np.ndarray,
    y_score: np.ndarray,
    sample_weight: np.ndarray | None = None,
    drop_intermediate: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve points ``(fpr, tpr, thresholds)`` as ``sklearn.metrics.roc_curve``.

    ``fpr = FP(t) / N_neg``, ``tpr = TP(t) / N_pos`` at each distinct score ``t`` (positive when
    ``score >= t``), starting at ``(0, 0)`` with threshold ``inf``; collinear points dropped
    when ``drop_intermediate``. ``fpr`` (``tpr``) is all NaN when there are no negatives
    (positives).

    Args:
        y_true: (N,) 0/1 labels.
        y_score: (N,) scores.
        sample_weight: (N,) weights or None.
        drop_intermediate: drop points that do not change the curve's shape.

    Returns:
        ``fpr``, ``tpr``, ``thresholds``: float64 arrays of equal length.

    >>> fpr, tpr, thr = roc_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> fpr, tpr
    (array([0. , 0. , 0.5, 0.5, 1. ]), array([0. , 0.5, 0.5, 1. , 1. ]))
    """
    fps, tps, thr = binary_clf_curve(y_true, y_score, sample_weight)
    if drop_intermediate and fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        idx = np.flatnonzero(keep)
        fps, tps, thr = fps[idx], tps[idx], thr[idx]
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    thr = np.r_[np.inf, thr]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thr


def precision_recall_curve(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision-recall points as ``sklearn.metrics.precision_recall_curve``.

    ``precision = TP/(TP+FP)``, ``recall = TP/N_pos`` at each distinct score, ordered by
    increasing threshold, with the final point ``(precision 1, recall 0)`` appended (it has no
    threshold). Recall is all 1 when there are no positives (scikit-learn's convention).

    Args:
        y_true: (N,) 0/1 labels.
        y_score: (N,) scores.
        sample_weight: (N,) weights or None.

    Returns:
        ``precision`` (T+1,), ``recall`` (T+1,), ``thresholds`` (T,), float64.

    >>> p, r, t = precision_recall_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> p.round(4).tolist()
    [0.5, 0.6667, 0.5, 1.0, 1.0]
    >>> r.tolist(), t.tolist()
    ([1.0, 1.0, 0.5, 0.5, 0.0], [0.1, 0.35, 0.4, 0.8])
    """
    return _pr_points(*binary_clf_curve(y_true, y_score, sample_weight))


def _pr_points(
    fps: np.ndarray, tps: np.ndarray, thr: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ps = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, ps, out=precision, where=ps != 0)
    if tps.size == 0 or tps[-1] == 0:
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thr[::-1]


def roc_auc(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None = None
) -> float | None:
    """Area under the ROC curve by the trapezoid rule (ties count one half).

    ``AUC = sum_i (fpr_{i+1} - fpr_i) (tpr_{i+1} + tpr_i) / 2`` over the ROC points; equal to
    ``P(score_pos > score_neg) + P(score_pos == score_neg) / 2``.

    Args:
        y_true: (N,) 0/1 labels.
        y_score: (N,) scores.
        sample_weight: (N,) weights or None.

    Returns:
        The AUC, or None when there is no positive or no negative (positive weight).

    >>> roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    >>> roc_auc(np.array([0, 1]), np.array([0.5, 0.5]))
    0.5
    >>> roc_auc(np.array([1, 1]), np.array([0.2, 0.3])) is None
    True
    """
    fpr, tpr, _ = roc_curve(y_true, y_score, sample_weight)
    if np.isnan(fpr[0]) or np.isnan(tpr[0]):
        return None
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def average_precision(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None = None
) -> float | None:
    """Average precision (step-wise area under the PR curve, no interpolation).

    ``AP = sum_n (R_n - R_{n-1}) P_n`` over the thresholds, as
    ``sklearn.metrics.average_precision_score``.

    Args:
        y_true: (N,) 0/1 labels.
        y_score: (N,) scores.
        sample_weight: (N,) weights or None.

    Returns:
        The AP, or None when there is no positive (positive weight); scikit-learn returns a
        number there, which is meaningless.

    >>> average_precision(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.8333333333333333
    """
    fps, tps, thr = binary_clf_curve(y_true, y_score, sample_weight)
    if tps.size == 0 or tps[-1] <= 0:
        return None
    precision, recall, _ = _pr_points(fps, tps, thr)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))
