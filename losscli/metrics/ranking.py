"""Ranking metrics from stored scores: ROC and precision-recall curves, ROC AUC, average precision.

scikit-learn semantics throughout (``sklearn.metrics.roc_curve``, ``precision_recall_curve``,
``roc_auc_score``, ``average_precision_score``): one stable sort by descending score, cumulative
(weighted) true/false positive counts at each distinct score, zero-weight samples dropped.
ROC AUC is the trapezoid area under that curve, so tied scores count one half. Unlike
scikit-learn, an undefined value is ``None`` instead of NaN: ROC AUC needs at least one positive
and one negative (positive weight), average precision at least one positive.

Both numbers of one class from one sort (what the accumulators use):

- :func:`auc_ap` / :func:`auc_ap_split`: unweighted, the positives' and the negatives' scores are
  sorted (in place when allowed) and, block by block of positives, ``searchsorted`` gives the
  Mann-Whitney U with ties counting one half (an exact integer, so the AUC is a correctly
  rounded ratio) and each positive's precision at its own score (the AP step sum).
  Weighted, one stable argsort per side builds a :class:`RankIndex`.
- :class:`RankIndex`: the descending order and the tie groups of one class, built once;
  ``auc_ap(weights)`` is then O(N) (gathers and cumulative sums, no sort) for any weights, which
  is what re-weighting rows (the bootstrap) needs.
- :func:`auc_ap_hist`: the same numbers from histograms of positive and negative weight over
  bins, scores within a bin counted as tied; :func:`hist_error_bounds` bounds the difference to
  the exact values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.metrics.binned import hist_error_bounds

__all__ = [
    "binary_clf_curve",
    "roc_curve",
    "precision_recall_curve",
    "roc_auc",
    "average_precision",
    "auc_ap",
    "auc_ap_split",
    "auc_ap_sorted",
    "auc_ap_hist",
    "hist_groups",
    "hist_error_bounds",
    "RankIndex",
]

# positives handled per searchsorted block: bounds the temporaries to a few MB whatever N is
_BLOCK = 1 << 16


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


# -- both numbers from one sort ---------------------------------------------------------------


def auc_ap(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None = None
) -> tuple[float | None, float | None]:
    """ROC AUC and average precision of one class from a single sort.

    ``AUC = (U + T / 2) / (P N)`` (Mann-Whitney: U pairs with the positive scored higher, T tied
    pairs; weighted pairs count ``w_pos w_neg``), equal to :func:`roc_auc`;
    ``AP = sum_pos w_pos precision(score_pos) / P`` with ``precision(t) = TP(>= t) /
    (TP(>= t) + FP(>= t))``, equal to :func:`average_precision` (scikit-learn's step sum).
    Zero-weight samples are dropped, as scikit-learn does.

    Args:
        y_true: (N,) 0/1 labels (1 = positive).
        y_score: (N,) scores, higher means more positive.
        sample_weight: (N,) non-negative weights or None.

    Returns:
        ``(auc, ap)``; AUC is None without a positive or a negative (positive weight), AP None
        without a positive.

    >>> auc_ap(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    (0.75, 0.8333333333333333)
    >>> auc_ap(np.array([1, 1]), np.array([0.2, 0.3]))
    (None, 1.0)
    """
    y, s, w = _prepare(y_true, y_score, sample_weight)
    is_pos = y == 1
    if w is None:
        return auc_ap_split(s[is_pos], s[~is_pos], overwrite=True)
    return auc_ap_split(s[is_pos], s[~is_pos], w[is_pos], w[~is_pos], overwrite=True)


def auc_ap_split(
    pos: np.ndarray,
    neg: np.ndarray,
    pos_weight: np.ndarray | None = None,
    neg_weight: np.ndarray | None = None,
    *,
    overwrite: bool = False,
) -> tuple[float | None, float | None]:
    """ROC AUC and average precision from the positives' and the negatives' scores.

    Same numbers as :func:`auc_ap` (see there for the formulas). Unweighted, ``pos`` and ``neg``
    are sorted (in place when ``overwrite``, else a sorted copy) and ``searchsorted`` in blocks
    of positives counts, for each positive, the negatives below / tied and the positives and
    negatives at or above its score: O(N log N), no index array. Weighted (either weight given),
    one stable argsort per side (:class:`RankIndex`), then cumulative sums.

    Args:
        pos: (P,) scores of the positive samples.
        neg: (Q,) scores of the negative samples.
        pos_weight: (P,) weights of the positives, or None (all 1).
        neg_weight: (Q,) weights of the negatives, or None (all 1).
        overwrite: allow sorting ``pos`` and ``neg`` in place (unweighted only).

    Returns:
        ``(auc, ap)`` as :func:`auc_ap`.

    >>> auc_ap_split(np.array([0.35, 0.8]), np.array([0.1, 0.4]))
    (0.75, 0.8333333333333333)
    >>> auc_ap_split(np.array([0.5]), np.array([0.5, 0.1]), np.array([2.0]), np.array([1.0, 0.0]))
    (0.5, 0.6666666666666666)
    """
    if pos_weight is None and neg_weight is None:
        pos = np.asarray(pos)
        neg = np.asarray(neg)
        if overwrite and pos.flags.writeable and pos.flags.c_contiguous:
            pos.sort()
        else:
            pos = np.sort(pos)
        if overwrite and neg.flags.writeable and neg.flags.c_contiguous:
            neg.sort()
        else:
            neg = np.sort(neg)
        return auc_ap_sorted(pos, neg)
    pw = np.ones(np.shape(pos)) if pos_weight is None else np.asarray(pos_weight, np.float64)
    nw = np.ones(np.shape(neg)) if neg_weight is None else np.asarray(neg_weight, np.float64)
    return RankIndex.build(pos, neg).auc_ap(pw, nw)


def auc_ap_sorted(
    pos: np.ndarray, neg: np.ndarray, *, lower_is_positive: bool = False
) -> tuple[float | None, float | None]:
    """Unweighted ROC AUC and average precision from ascending sorted scores (no sort here).

    ``2U = sum_pos (#neg < s) + (#neg <= s)`` (ties count one half) and
    ``AP = sum_pos TP(>= s) / (TP(>= s) + FP(>= s)) / P``, by ``searchsorted`` in blocks of
    positives. With ``lower_is_positive`` the ranking is reversed (a lower value means more
    positive): the binary class 0, scored by ``1 - p``, is ranked this way from ``p`` itself,
    so the arrays sorted for class 1 serve class 0 too.

    Args:
        pos: (P,) scores of the positives, sorted ascending.
        neg: (Q,) scores of the negatives, sorted ascending.
        lower_is_positive: rank lower values as more positive.

    Returns:
        ``(auc, ap)`` as :func:`auc_ap`.

    >>> auc_ap_sorted(np.array([0.35, 0.8]), np.array([0.1, 0.4]))
    (0.75, 0.8333333333333333)
    >>> auc_ap_sorted(np.array([0.1, 0.4]), np.array([0.35, 0.8]), lower_is_positive=True)
    (0.75, 0.8333333333333333)
    """
    n_pos, n_neg = int(pos.size), int(neg.size)
    if n_pos == 0:
        return None, None
    u2 = 0  # twice the Mann-Whitney U, an exact integer
    ap = 0.0
    for a in range(0, n_pos, _BLOCK):
        t = pos[a : a + _BLOCK]
        lo = np.searchsorted(neg, t, "left")  # negatives valued below t
        hi = np.searchsorted(neg, t, "right")  # ... at or below t
        if lower_is_positive:
            u2 += 2 * n_neg * t.size - int(lo.sum()) - int(hi.sum())
            tps = np.searchsorted(pos, t, "right")  # positives valued <= t
            fps = hi
        else:
            u2 += int(lo.sum()) + int(hi.sum())
            tps = n_pos - np.searchsorted(pos, t, "left")  # positives valued >= t
            fps = n_neg - lo
        ap += float(np.sum(tps / (tps + fps)))
    auc = u2 / (2 * n_pos * n_neg) if n_neg else None
    return auc, ap / n_pos


class RankIndex:
    """The descending order and tie groups of one class's scores; AUC and AP for any weights.

    Built once (one stable argsort per side, or from given orders); afterwards
    :meth:`auc_ap` costs two gathers and two cumulative sums over the rows plus O(G) work over
    the G distinct scores of the positives: ``AUC = sum_g W_g (Q - (FP(>= t_g) + FP(> t_g)) / 2)
    / (P Q)`` and ``AP = sum_g W_g TP(>= t_g) / (TP(>= t_g) + FP(>= t_g)) / P`` with ``W_g`` the
    positive weight of group g, ``P``/``Q`` the positive/negative totals. ``TP`` and ``FP`` are
    cumulative sums from the highest score down and ``W_g`` their differences, as in
    scikit-learn's curve. Integer weights stay integers (exact sums).

    Attributes:
        order_pos: intp (P,) positions of the positives, descending score.
        order_neg: intp (Q,) positions of the negatives, descending score.
        last: intp (G,) last position (in ``order_pos``) of each group of tied positives, or
            None when no two positives tie.
        neg_ge: intp (G,) number of negatives scored >= the group's score.
        neg_gt: intp (G,) number of negatives scored > the group's score.

    >>> idx = RankIndex.build(np.array([0.35, 0.8]), np.array([0.1, 0.4]))
    >>> idx.auc_ap(np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    (0.75, 0.8333333333333333)
    >>> idx.auc_ap(np.array([1, 0]), np.array([1, 3]))  # integer weights: sample 2 left out
    (0.25, 0.25)
    """

    __slots__ = ("order_pos", "order_neg", "last", "neg_ge", "neg_gt")

    def __init__(
        self,
        order_pos: np.ndarray,
        order_neg: np.ndarray,
        last: np.ndarray | None,
        neg_ge: np.ndarray,
        neg_gt: np.ndarray,
    ) -> None:
        self.order_pos = order_pos
        self.order_neg = order_neg
        self.last = last
        self.neg_ge = neg_ge
        self.neg_gt = neg_gt

    @classmethod
    def build(
        cls,
        pos: np.ndarray,
        neg: np.ndarray,
        *,
        orders: tuple[np.ndarray, np.ndarray] | None = None,
        rows: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> RankIndex:
        """Index the scores of one class's positives ``pos`` and negatives ``neg``.

        Args:
            pos: (P,) scores of the positives.
            neg: (Q,) scores of the negatives.
            orders: the descending orders of ``pos`` and ``neg`` when already known (e.g. the
                binary class 0, scored by ``1 - p``: the reversed orders of class 1); else one
                stable argsort per side.
            rows: (P,) and (Q,) row numbers of the positives and negatives: the index then
                holds row numbers, so :meth:`auc_ap` takes weights of all rows.

        Returns:
            The index.

        >>> RankIndex.build(np.array([0.5, 0.5, 0.9]), np.array([0.5])).last
        array([0, 2])
        """
        pos = np.asarray(pos)
        neg = np.asarray(neg)
        if orders is None:
            op = np.argsort(pos, kind="stable")[::-1]
            on = np.argsort(neg, kind="stable")[::-1]
        else:
            op, on = orders
        sp = pos[op]
        neg_asc = neg[on[::-1]]
        del neg
        if sp.size:
            change = np.flatnonzero(sp[1:] != sp[:-1]) + 1
            starts = np.concatenate(([0], change)).astype(np.intp)
            distinct = sp[starts]
        else:
            starts = np.zeros(0, dtype=np.intp)
            distinct = sp
        del sp
        q = neg_asc.size
        neg_ge = q - np.searchsorted(neg_asc, distinct, "left")
        neg_gt = q - np.searchsorted(neg_asc, distinct, "right")
        if rows is not None:
            op = np.asarray(rows[0])[op]
            on = np.asarray(rows[1])[on]
        else:
            op = np.ascontiguousarray(op)
            on = np.ascontiguousarray(on)
        last = None
        if starts.size != op.size:
            last = np.append(starts[1:], op.size).astype(np.intp) - 1
        return cls(op, on, last, neg_ge.astype(np.intp), neg_gt.astype(np.intp))

    def auc_ap(
        self, pos_weight: np.ndarray, neg_weight: np.ndarray | None = None
    ) -> tuple[float | None, float | None]:
        """ROC AUC and average precision under the given weights (no sort).

        Args:
            pos_weight: weights indexed by ``order_pos`` (the positives' weights, or the
                weights of all rows when built with ``rows``); integer or float.
            neg_weight: the same for ``order_neg``; None means ``pos_weight`` (all rows).

        Returns:
            ``(auc, ap)`` as :func:`auc_ap`; zero weights drop a sample.

        >>> rows = (np.array([1]), np.array([0]))  # row 1 is the positive, row 0 the negative
        >>> idx = RankIndex.build(np.array([0.9]), np.array([0.1]), rows=rows)
        >>> idx.auc_ap(np.array([2.0, 3.0]))
        (1.0, 1.0)
        """
        return _auc_ap_groups(*self.groups(pos_weight, neg_weight))

    def groups(
        self, pos_weight: np.ndarray, neg_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
        """The curve's groups under the weights (as :meth:`auc_ap`): per distinct positive
        score, descending, the positive weight ``gw``, ``TP(>= t)``, ``FP(>= t)``,
        ``FP(> t)``, and the negative total ``Q`` (the ROC curve's vertices).

        >>> idx = RankIndex.build(np.array([0.35, 0.8]), np.array([0.1, 0.4]))
        >>> [a.tolist() for a in idx.groups(np.array([1, 1]), np.array([1, 1]))[:4]]
        [[1, 1], [1, 2], [0, 1], [0, 1]]
        """
        if neg_weight is None:
            neg_weight = pos_weight
        exact = pos_weight.dtype.kind in "iub" and neg_weight.dtype.kind in "iub"
        dtype = np.int64 if exact else np.float64
        tps = np.cumsum(pos_weight[self.order_pos], dtype=dtype)
        if self.last is not None:
            tps = tps[self.last]
        gw = np.diff(tps, prepend=dtype(0))
        cn = np.zeros(self.order_neg.size + 1, dtype=dtype)
        np.cumsum(neg_weight[self.order_neg], dtype=dtype, out=cn[1:])
        return gw, tps, cn[self.neg_ge], cn[self.neg_gt], cn[-1]


def _auc_ap_groups(
    gw: np.ndarray, tps: np.ndarray, fps: np.ndarray, above: np.ndarray, q_total: object
) -> tuple[float | None, float | None]:
    """AUC and AP from per-group positive weight ``gw``, ``TP(>= t)``, ``FP(>= t)``, ``FP(> t)``."""
    if tps.size == 0 or not tps[-1] > 0:
        return None, None
    p_total = tps[-1]
    den = tps + fps
    prec = np.zeros(den.shape)
    np.divide(tps, den, out=prec, where=den > 0)
    # multiply + sum, not np.dot: a float dot goes to (threaded) BLAS, which stalls for
    # milliseconds when the other cores are busy; numpy's pairwise sum is as accurate
    ap = float(np.multiply(gw, prec).sum() / p_total)
    if not q_total > 0:
        return None, ap
    if gw.dtype.kind in "iu" and fps.dtype.kind in "iu" and 2 * int(p_total) * int(q_total) < 2**63:
        num = int(np.dot(gw, 2 * q_total - fps - above))  # exact: twice the U statistic
        auc = num / (2 * int(p_total) * int(q_total))
    else:
        # both sides times a power of two (exact, so the same number): the products of
        # positive and negative weight neither overflow nor underflow (weights 1e160, 1e-200)
        kp, kq = -math.frexp(float(p_total))[1], -math.frexp(float(q_total))[1]
        gw_s = np.ldexp(np.asarray(gw, dtype=np.float64), kp)
        num_f = float(np.multiply(gw_s, np.ldexp(q_total - 0.5 * (fps + above), kq)).sum())
        auc = num_f / (math.ldexp(float(p_total), kp) * math.ldexp(float(q_total), kq))
    return auc, ap


def auc_ap_hist(pos_hist: np.ndarray, neg_hist: np.ndarray) -> tuple[float | None, float | None]:
    """ROC AUC and average precision from binned weights, scores within a bin counted as tied.

    The formulas of :func:`auc_ap` with each bin one distinct score: for bins ``b`` (ascending)
    with positive weight ``pos_b`` and negative weight ``neg_b``,
    ``AUC = sum_b pos_b (sum_{c<b} neg_c + neg_b / 2) / (P Q)``,
    ``AP = sum_b pos_b TP(>= b) / (TP(>= b) + FP(>= b)) / P``.

    Args:
        pos_hist: (B,) positive weight per bin, bins ascending.
        neg_hist: (B,) negative weight per bin.

    Returns:
        ``(auc, ap)`` as :func:`auc_ap`.

    >>> auc_ap_hist(np.array([0.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0]))
    (0.875, 0.8333333333333333)
    """
    if np.size(neg_hist) == 0:
        return None, None
    return _auc_ap_groups(*hist_groups(pos_hist, neg_hist))


def hist_groups(
    pos_hist: np.ndarray, neg_hist: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """:meth:`RankIndex.groups` of binned weights: each bin (descending) one group.

    >>> [a.tolist() for a in hist_groups(np.array([0.0, 1.0]), np.array([1.0, 0.0]))[:2]]
    [[1.0, 0.0], [1.0, 1.0]]
    """
    gw = np.asarray(pos_hist, dtype=np.float64)[::-1]
    nw = np.asarray(neg_hist, dtype=np.float64)[::-1]
    tps = np.cumsum(gw)
    fps = np.cumsum(nw)
    above = fps - nw
    return gw, tps, fps, above, float(fps[-1]) if fps.size else 0.0
