"""Confusion counts by a single ``np.bincount`` (rows true, columns predicted).

Predictions from probabilities follow docs/CONTRACTS.md: a label is positive when its probability is
``> threshold``; the multi-class prediction is the argmax, ties going to the lowest index
(``np.argmax`` semantics), of the scores as read: callers pass the ranking key (the
log-softmax of logits, whose top :func:`losscli.activations.untie_top` keeps), never
probabilities rounded from it, so every path (rows, dense class-major) predicts alike.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "predict_binary",
    "predict_multiclass",
    "predict_multilabel",
    "confusion_matrix",
    "multilabel_confusion_matrix",
]


def predict_binary(y_prob: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Binary predictions: ``1`` where ``P(positive) > threshold``, else ``0``.

    Args:
        y_prob: float64 (N,) probabilities of the positive class.
        threshold: the decision threshold (strictly greater is positive).

    Returns:
        int64 (N,) predicted labels.

    >>> predict_binary(np.array([0.2, 0.5, 0.51]))
    array([0, 0, 1])
    """
    return (np.asarray(y_prob) > threshold).astype(np.int64)


def predict_multiclass(y_prob: np.ndarray) -> np.ndarray:
    """Multi-class predictions: ``argmax_c p_c``; ties go to the lowest class index.

    Args:
        y_prob: float64 (N, C) class probabilities (or any scores).

    Returns:
        int64 (N,) predicted class indices.

    >>> predict_multiclass(np.array([[0.2, 0.4, 0.4], [0.5, 0.5, 0.0]]))
    array([1, 0])
    """
    return np.argmax(np.asarray(y_prob), axis=1).astype(np.int64)


def predict_multilabel(y_prob: np.ndarray, threshold: float | np.ndarray = 0.5) -> np.ndarray:
    """Multi-label predictions: ``1`` where ``p_{n,l} > threshold_l``.

    Args:
        y_prob: float64 (N, L) per-label probabilities.
        threshold: a float, or float64 (L,) per-label thresholds.

    Returns:
        int64 (N, L) predicted indicator matrix.

    >>> predict_multilabel(np.array([[0.6, 0.6]]), np.array([0.5, 0.7]))
    array([[1, 0]])
    """
    thr = np.asarray(threshold, dtype=np.float64)
    return (np.asarray(y_prob) > thr).astype(np.int64)


def confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Confusion matrix ``M[i, j]`` = (weighted) count of samples of true class i predicted j.

    One ``np.bincount`` over ``y_true * C + y_pred``; no loop over rows or classes.

    Args:
        y_true: int (N,) true class indices in ``[0, C)``.
        y_pred: int (N,) predicted class indices in ``[0, C)``.
        n_classes: C.
        sample_weight: float64 (N,) or None.

    Returns:
        (C, C) matrix: int64 counts when unweighted, float64 weighted counts otherwise.

    >>> confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 3)
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 1, 1]])
    """
    c = int(n_classes)
    codes = np.asarray(y_true, dtype=np.int64) * c + np.asarray(y_pred, dtype=np.int64)
    counts = np.bincount(codes, weights=sample_weight, minlength=c * c)
    return counts.reshape(c, c)


def add_confusion_counts(cm: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """Add the unweighted counts ``cm[i, j] += #{k : y_true[k] = i, y_pred[k] = j}`` in place.

    The same counts as ``cm += confusion_matrix(y_true, y_pred, C)``, exact while ``cm``
    holds integers (below 2**53). A chunk much smaller than the C x C matrix (1,000 classes:
    a million cells for a few thousand rows) is added row by row with ``np.add.at``, not
    through a zeroed matrix the size of ``cm``.

    Args:
        cm: float64 or int64 (C, C) counts, C-contiguous, updated in place.
        y_true: int (N,) true class indices in ``[0, C)``.
        y_pred: int (N,) predicted class indices in ``[0, C)``.

    >>> cm = np.zeros((3, 3))
    >>> add_confusion_counts(cm, np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]))
    >>> cm.tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 2.0]]
    """
    c = cm.shape[0]
    if y_true.size * 8 < cm.size and cm.flags.c_contiguous:
        codes = np.asarray(y_true, dtype=np.int64) * c + np.asarray(y_pred, dtype=np.int64)
        np.add.at(cm.reshape(-1), codes, 1)
    else:
        cm += confusion_matrix(y_true, y_pred, c)


def multilabel_confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """Per-label 2x2 confusion counts ``[[tn, fp], [fn, tp]]`` (scikit-learn's layout).

    One ``np.bincount`` over the cell codes ``4*l + 2*y + pred``.

    Args:
        y_true: (N, L) indicator matrix of true labels (0/1).
        y_pred: (N, L) indicator matrix of predicted labels (0/1).
        sample_weight: float64 (N,) or None; a row's weight applies to each of its cells.

    Returns:
        (L, 2, 2) array: int64 counts when unweighted, float64 otherwise.

    >>> multilabel_confusion_matrix(np.array([[1, 0], [1, 1]]), np.array([[1, 1], [0, 1]]))
    array([[[0, 0],
            [1, 1]],
    <BLANKLINE>
           [[0, 1],
            [0, 1]]])
    """
    yt = np.asarray(y_true, dtype=np.int64)
    yp = np.asarray(y_pred, dtype=np.int64)
    n, n_labels = yt.shape
    codes = (4 * np.arange(n_labels, dtype=np.int64))[None, :] + 2 * yt + yp
    weights = None
    if sample_weight is not None:
        weights = np.broadcast_to(
            np.asarray(sample_weight, dtype=np.float64)[:, None], (n, n_labels)
        )
        weights = weights.ravel()
    counts = np.bincount(codes.ravel(), weights=weights, minlength=4 * n_labels)
    return counts.reshape(n_labels, 2, 2)
