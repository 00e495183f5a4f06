"""Count-based classification metrics: precision / recall / F-beta, MCC, Cohen's kappa.

Pure functions of confusion counts (no rows), so they serve any number of merged chunks.
Undefined ratios come back as NaN; the caller applies the zero-division policy.
"""

from __future__ import annotations

import numpy as np

from losscli.metrics._common import safe_ratio

__all__ = [
    "per_class_counts",
    "prf_from_counts",
    "mcc_from_confusion",
    "mcc_batch",
    "kappa_from_confusion",
    "kappa_batch",
]


def per_class_counts(cm: np.ndarray) -> dict[str, np.ndarray]:
    """One-vs-rest counts of every class from a (C, C) confusion matrix (rows true).

    ``tp = M[c, c]``, ``fp = sum_i M[i, c] - tp``, ``fn = sum_j M[c, j] - tp``,
    ``tn = total - tp - fp - fn``.

    Args:
        cm: (C, C) confusion matrix, counts or weights.

    Returns:
        dict of float64 (C,) arrays ``tp``, ``fp``, ``fn``, ``tn``, ``pred`` (column sums) and
        ``true`` (row sums, the support).

    >>> c = per_class_counts(np.array([[2, 1], [0, 3]]))
    >>> c["tp"], c["fp"], c["fn"], c["tn"]
    (array([2., 3.]), array([0., 1.]), array([1., 0.]), array([3., 2.]))
    """
    m = np.asarray(cm, dtype=np.float64)
    tp = np.diagonal(m).copy()
    pred = m.sum(axis=0)
    true = m.sum(axis=1)
    total = m.sum()
    fp = pred - tp
    fn = true - tp
    tn = np.maximum(total - tp - fp - fn, 0.0)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "pred": pred, "true": true}


def prf_from_counts(
    tp: np.ndarray, pred: np.ndarray, true: np.ndarray, beta: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F-beta from counts, NaN where undefined (scikit-learn's maths).

    ``precision = tp / pred``, ``recall = tp / true``,
    ``F_beta = (1 + b^2) tp / (b^2 true + pred)`` (undefined only when ``true + pred = 0``;
    a class with true samples but no prediction has F = 0, as scikit-learn).

    Args:
        tp: (K,) true positives.
        pred: (K,) predicted positives (tp + fp).
        true: (K,) actual positives (tp + fn).
        beta: the F-beta weight of recall (> 0).

    Returns:
        ``(precision, recall, fbeta)``, float64 (K,) each, NaN where undefined.

    >>> p, r, f = prf_from_counts(np.array([1.0, 0.0]), np.array([2.0, 0.0]), np.array([1.0, 1.0]))
    >>> p, r, f
    (array([0.5, nan]), array([1., 0.]), array([0.66666667, 0.        ]))
    """
    b2 = float(beta) ** 2
    tp = np.asarray(tp, dtype=np.float64)
    precision = safe_ratio(tp, pred)
    recall = safe_ratio(tp, true)
    fbeta = safe_ratio((1.0 + b2) * tp, b2 * np.asarray(true, dtype=np.float64) + pred)
    return precision, recall, fbeta


def mcc_from_confusion(cm: np.ndarray) -> float:
    """Matthews correlation coefficient of a (C, C) confusion matrix (Gorodkin's R_K).

    ``MCC = (c s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t))`` with ``c`` the trace, ``s`` the total,
    ``t`` the row sums and ``p`` the column sums (``sklearn.metrics.matthews_corrcoef``);
    :func:`mcc_batch` of the one matrix.

    Args:
        cm: (C, C) confusion matrix.

    Returns:
        The MCC, or NaN when the denominator is zero (one class only in y_true or y_pred).

    >>> mcc_from_confusion(np.array([[2, 0], [0, 2]]))
    1.0
    >>> mcc_from_confusion(np.array([[3, 0], [0, 0]]))
    nan
    """
    return float(mcc_batch(cm))


def mcc_batch(cm: np.ndarray) -> np.ndarray:
    """The MCC of every confusion matrix of a stack: the formula of :func:`mcc_from_confusion`
    over the last two axes.

    Args:
        cm: (..., C, C) confusion matrices (e.g. (B, C, C): one per resample).

    Returns:
        float64 (...), NaN where the denominator is zero.

    >>> mcc_batch(np.array([[[2, 0], [0, 2]], [[3, 0], [0, 0]], [[2, 1], [1, 2]]]))
    array([1.        ,        nan, 0.33333333])
    """
    m = _unit_scale(cm)
    t_sum = m.sum(axis=-1)
    p_sum = m.sum(axis=-2)
    n_correct = np.trace(m, axis1=-2, axis2=-1)
    n = p_sum.sum(axis=-1)
    cov_ytyp = n_correct * n - _dot(t_sum, p_sum)
    cov_ypyp = n**2 - _dot(p_sum, p_sum)
    cov_ytyt = n**2 - _dot(t_sum, t_sum)
    prod = cov_ypyp * cov_ytyt
    out = np.full(prod.shape, np.nan)
    # Undefined exactly when y_true or the predictions hold at most one class. Decided from
    # which sums are non-zero, not from ``prod != 0``: with float weights ``s^2 - p.p`` of a
    # single class can round to 1e-17 instead of 0 (and the MCC to 0.0 instead of undefined),
    # depending on the order the weights were summed in.
    ok = (_n_nonzero(t_sum) > 1) & (_n_nonzero(p_sum) > 1) & (prod > 0)
    np.divide(cov_ytyp, np.sqrt(prod), out=out, where=ok)
    return out


def kappa_from_confusion(cm: np.ndarray, weights: str | None = None) -> float:
    """Cohen's kappa of a (C, C) confusion matrix, unweighted or weighted.

    ``kappa = 1 - sum_ij W_ij M_ij / sum_ij W_ij E_ij`` with ``E = outer(col sums, row sums) /
    s`` and ``W_ij`` = ``[i != j]`` (unweighted), ``|i - j|`` (``"linear"``) or ``(i - j)^2``
    (``"quadratic"``): ``sklearn.metrics.cohen_kappa_score(weights=...)``. The weighted kinds
    read the classes as ordinal in the matrix's order (class index 0 .. C-1);
    :func:`kappa_batch` of the one matrix.

    Args:
        cm: (C, C) confusion matrix (rows true, columns predicted).
        weights: None, ``"linear"`` or ``"quadratic"``.

    Returns:
        Kappa, or NaN when undefined (no samples, or ``sum W E = 0``: e.g. a single class in
        both y_true and y_pred).

    >>> kappa_from_confusion(np.array([[2, 1], [0, 3]]))
    0.6666666666666667
    >>> round(kappa_from_confusion(np.array([[2, 1, 0], [0, 2, 1], [1, 0, 2]]), "quadratic"), 6)
    0.5
    """
    return float(kappa_batch(cm, weights))


def kappa_batch(cm: np.ndarray, weights: str | None = None) -> np.ndarray:
    """Cohen's kappa of every confusion matrix of a stack: the formula of
    :func:`kappa_from_confusion` over the last two axes.

    Args:
        cm: (..., C, C) confusion matrices (rows true, columns predicted).
        weights: None, ``"linear"`` or ``"quadratic"``.

    Returns:
        float64 (...), NaN where undefined (no samples, or ``sum W E = 0``).

    >>> kappa_batch(np.array([[[2, 1], [0, 3]], [[3, 0], [0, 0]], [[0, 0], [0, 0]]]))
    array([0.66666667,        nan,        nan])
    """
    m = _unit_scale(cm)
    sum0 = m.sum(axis=-2)
    sum1 = m.sum(axis=-1)
    total = sum0.sum(axis=-1)
    c = m.shape[-1]
    if weights is None:
        w_mat = np.ones((c, c))
        np.fill_diagonal(w_mat, 0.0)
    else:
        d = np.abs(np.arange(c)[:, None] - np.arange(c)[None, :]).astype(np.float64)
        w_mat = d if weights == "linear" else d * d
    live = total != 0
    expected = sum0[..., :, None] * sum1[..., None, :]
    expected /= np.where(live, total, 1.0)[..., None, None]
    den = np.sum(w_mat * expected, axis=(-2, -1))
    num = np.sum(w_mat * m, axis=(-2, -1))
    out = np.full(den.shape, np.nan)
    # ``sum W E`` is 0 exactly when y_true and the predictions hold the same single class (every
    # weight kind is 0 on the diagonal only); decided from which sums are non-zero, as in
    # :func:`mcc_batch`, so that rounding cannot turn an undefined kappa into a number.
    ok = live & (_n_nonzero(sum0 + sum1) > 1) & (den != 0)
    np.divide(num, den, out=out, where=ok)
    np.subtract(1.0, out, out=out, where=ok)
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_k a[..., k] b[..., k]``: the dot product along the last axis.

    >>> float(_dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    return np.einsum("...k,...k->...", a, b)


def _n_nonzero(sums: np.ndarray) -> np.ndarray:
    """How many entries along the last axis are non-zero (classes present).

    >>> _n_nonzero(np.array([[0.0, 2.0, 0.5], [0.0, 0.0, 1.0]])).tolist()
    [2, 1]
    """
    return np.count_nonzero(sums, axis=-1)


def _unit_scale(cm: np.ndarray) -> np.ndarray:
    """The matrices as float64, each times the power of two that brings its total into
    [0.5, 1).

    Exact (a power of two), so the formulas give the numbers they gave, but their products of
    counts neither overflow nor underflow whatever the weights' scale (1e160 or 1e-200).

    >>> _unit_scale(np.array([[3, 1], [0, 4]])).tolist()
    [[0.1875, 0.0625], [0.0, 0.25]]
    """
    m = np.asarray(cm, dtype=np.float64)
    total = m.sum(axis=(-2, -1))
    ok = (total > 0) & np.isfinite(total)
    _, e = np.frexp(np.where(ok, total, 1.0))
    return np.ldexp(m, np.where(ok, -e, 0)[..., None, None])
