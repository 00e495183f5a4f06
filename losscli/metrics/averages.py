"""Ranking averages beyond one class at a time: partial AUC (McClish) and one-vs-one AUC.

- :func:`partial_auc`: scikit-learn's ``roc_auc_score(max_fpr=m)`` (binary): the area under
  the ROC curve up to false positive rate ``m`` (the curve interpolated linearly at ``m``),
  standardised by McClish's correction ``(1 + (A - m^2 / 2) / (m - m^2 / 2)) / 2``, so that
  0.5 is chance and 1 perfect whatever ``m``; ``m = 1`` is the plain AUC. It reads the curve's
  groups (:meth:`~losscli.metrics.ranking.RankIndex.groups`,
  :func:`~losscli.metrics.ranking.hist_groups`), so exact, binned and resampled ranking all
  give it.
- :class:`OvoIndex`: the one-vs-one AUC of Hand & Till (2001), scikit-learn's
  ``roc_auc_score(multi_class="ovo")``: for every pair of classes ``a != b``, ``AUC(a | b)``
  ranks the rows of classes a and b by the score of a; the pair scores
  ``(AUC(a | b) + AUC(b | a)) / 2``; ``macro`` averages the pairs, ``weighted`` weighs each
  pair by its prevalence ``(W_a + W_b) / W``. Built once (per scored class a: the sorted
  scores of a's rows and, for every other row, its position among them), then O(C N) per set
  of row weights: ``U_ab = sum_{j in b} v_j G_a(s_aj)`` with ``G_a(t)`` the weight of a's rows
  scored above t plus half of those tied with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["partial_auc", "OvoIndex", "ovo_average"]


def partial_auc(groups: tuple[Any, ...], max_fpr: float) -> float | None:
    """The standardised partial ROC AUC up to ``max_fpr`` from a curve's groups.

    Args:
        groups: ``(gw, tps, fps, above, q_total)`` as
            :meth:`~losscli.metrics.ranking.RankIndex.groups` gives them (per distinct
            positive score, descending: positive weight, ``TP(>= t)``, ``FP(>= t)``,
            ``FP(> t)``; the negative total).
        max_fpr: in (0, 1].

    Returns:
        ``0.5 (1 + (A - m^2/2) / (m - m^2/2))``, A the area under the curve for
        ``fpr <= m``; None without a positive or a negative.

    >>> from losscli.metrics.ranking import RankIndex
    >>> idx = RankIndex.build(np.array([0.4, 0.35]), np.array([0.1, 0.8]))
    >>> round(partial_auc(idx.groups(np.ones(2), np.ones(2)), 0.5), 6)  # sklearn: 0.333333
    0.333333
    """
    gw, tps, fps, above, q_total = groups
    if tps.size == 0 or not tps[-1] > 0 or not q_total > 0:
        return None
    p, q = float(tps[-1]), float(q_total)
    y_prev = np.concatenate(([0.0], np.asarray(tps[:-1], dtype=np.float64)))
    xs = np.empty(2 * tps.size + 2)
    ys = np.empty(2 * tps.size + 2)
    xs[0] = ys[0] = 0.0
    xs[1:-1:2] = np.asarray(above, dtype=np.float64) / q  # start of the group's (tied) step
    ys[1:-1:2] = y_prev / p
    xs[2:-1:2] = np.asarray(fps, dtype=np.float64) / q  # its end
    ys[2:-1:2] = np.asarray(tps, dtype=np.float64) / p
    xs[-1] = ys[-1] = 1.0
    k = int(np.searchsorted(xs, max_fpr, "right"))  # the points at fpr <= max_fpr
    if k < xs.size:
        x0, x1, y0, y1 = xs[k - 1], xs[k], ys[k - 1], ys[k]
        y_m = y0 + (y1 - y0) * (max_fpr - x0) / (x1 - x0)
    else:
        y_m = ys[-1]
    x = np.append(xs[:k], max_fpr)
    y = np.append(ys[:k], y_m)
    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))
    if max_fpr == 1.0:
        return area
    min_area = 0.5 * max_fpr**2
    return 0.5 * (1.0 + (area - min_area) / (max_fpr - min_area))


class OvoIndex:
    """One-vs-one AUC of every class pair for any row weights (see the module docstring).

    Args:
        yt: int (N,) class indices.
        col_key: ``k -> float (N,)`` the ranking key of class k (any strictly increasing
            function of its probability, e.g. a log-probability, or a bin index).
        n_classes: C.
        keep: keep the per-class positions for many :meth:`aucs` calls (resampling); else
            :meth:`aucs` rebuilds them (one sort per class), holding one class's at a time.

    >>> yt = np.array([0, 0, 1, 1, 2])
    >>> p = np.array([[.6, .3, .1], [.2, .5, .3], [.3, .6, .1], [.1, .7, .2], [.2, .2, .6]])
    >>> a = OvoIndex(yt, lambda k: p[:, k], 3).aucs(np.ones(5))
    >>> a[0, 1].item(), a[1, 0].item(), a[2, 0].item()
    (0.75, 1.0, 1.0)
    """

    def __init__(
        self,
        yt: np.ndarray,
        col_key: Callable[[int], np.ndarray],
        n_classes: int,
        keep: bool = False,
    ) -> None:
        self.yt = np.asarray(yt, dtype=np.intp)
        self.col_key = col_key
        self.c = n_classes
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] | None = None
        if keep:
            self.parts = [self._part(a) for a in range(n_classes)]

    def _part(self, a: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Class a's rows sorted by their score of a, the other rows and their positions
        among them (``lo``: a's rows scored below, ``hi``: at or below), from one sort of
        every row by the score of a (no random-access search)."""
        s = np.asarray(self.col_key(a), dtype=np.float64)
        n = s.shape[0]
        order = np.argsort(s)  # ties form one group: their order does not matter
        ss = s[order]
        is_a = self.yt[order] == a
        cnt = np.concatenate(([0], np.cumsum(is_a)))  # a's rows among the first i positions
        new = np.ones(n, dtype=bool)
        new[1:] = ss[1:] != ss[:-1]
        del ss
        starts = np.flatnonzero(new)
        gid = np.cumsum(new) - 1  # each position's group of tied scores
        ends = np.append(starts[1:], n)
        lo = cnt[starts][gid]
        hi = cnt[ends][gid]
        other = ~is_a
        return order[is_a], order[other], lo[other], hi[other]

    def aucs(self, v: np.ndarray) -> np.ndarray:
        """``AUC(a | b)`` for every ordered pair under row weights ``v`` (N,): (C, C), NaN
        on the diagonal and where class a or b has no weight."""
        c = self.c
        v = np.asarray(v, dtype=np.float64)
        total = float(v.sum())
        if total > 0 and np.isfinite(total):  # times a power of two: exact, and the products
            v = np.ldexp(v, -math.frexp(total)[1])  # of class weights neither under- nor overflow
        w_class = np.bincount(self.yt, weights=v, minlength=c)
        out = np.full((c, c), np.nan)
        for a in range(c):
            if not w_class[a] > 0:
                continue
            rows_a, others, lo, hi = self.parts[a] if self.parts is not None else self._part(a)
            cw = np.concatenate(([0.0], np.cumsum(v[rows_a])))
            g = w_class[a] - 0.5 * (cw[hi] + cw[lo])  # a's weight above, ties count half
            u = np.bincount(self.yt[others], weights=v[others] * g, minlength=c)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[a] = u / (w_class[a] * w_class)
            out[a, w_class <= 0] = np.nan
            out[a, a] = np.nan
        return out

    def average(self, v: np.ndarray) -> tuple[float | None, float | None, int]:
        """:func:`ovo_average` of :meth:`aucs` under ``v``."""
        v = np.asarray(v, dtype=np.float64)
        return ovo_average(self.aucs(v), np.bincount(self.yt, weights=v, minlength=self.c))


def ovo_average(
    aucs: np.ndarray, class_weight: np.ndarray
) -> tuple[float | None, float | None, int]:
    """Macro and prevalence-weighted means of the pair scores ``(AUC(a|b) + AUC(b|a)) / 2``.

    Args:
        aucs: (C, C) ``AUC(a | b)``, NaN where undefined.
        class_weight: (C,) each class's weight ``W_c``.

    Returns:
        ``(macro, weighted, pairs left out)``: over the pairs a < b where both classes have
        weight; the weighted mean weighs a pair by ``(W_a + W_b) / W``; None without a pair.

    >>> a = np.array([[np.nan, 0.5], [1.0, np.nan]])
    >>> ovo_average(a, np.array([1.0, 3.0]))
    (0.75, 0.75, 0)
    """
    c = aucs.shape[0]
    iu = np.triu_indices(c, 1)
    pair = (aucs[iu] + aucs.T[iu]) / 2.0
    ok = np.isfinite(pair)
    n_out = int(np.count_nonzero(~ok))
    if not ok.any():
        return None, None, n_out
    cw = np.asarray(class_weight, dtype=np.float64)
    prevalence = (cw[iu[0]] + cw[iu[1]])[ok]
    macro = float(np.mean(pair[ok]))
    weighted = float(np.dot(prevalence / prevalence.sum(), pair[ok]))
    return macro, weighted, n_out
