"""The error bound of binned ranking (``--auc-bins``): how far the binned AUC / AP can be
from the exact values (:func:`hist_error_bounds`; re-exported by
:mod:`losscli.metrics.ranking`, next to :func:`~losscli.metrics.ranking.auc_ap_hist`)."""

from __future__ import annotations

import numpy as np

__all__ = ["hist_error_bounds"]


def hist_error_bounds(
    pos_hist: np.ndarray, neg_hist: np.ndarray
) -> tuple[float | None, float | None]:
    """Largest possible difference between :func:`auc_ap_hist` and the exact AUC / AP.

    AUC: a positive-negative pair in different bins is ranked the same either way; a pair in a
    shared bin counts 1/2 binned and 0, 1/2 or 1 exactly, so
    ``|AUC_binned - AUC| <= sum_b pos_b neg_b / (2 P Q)`` (half the share of pairs in a shared
    bin). AP: a positive in bin b has, exactly, ``TP(>= s)`` in ``[TP(> b), TP(>= b)]`` and
    ``FP(>= s)`` in ``[FP(> b), FP(>= b)]``, so its precision lies between
    ``TP(> b) / (TP(> b) + FP(>= b))`` and ``TP(>= b) / (TP(>= b) + FP(> b))``;
    ``|AP_binned - AP| <= sum_b pos_b max|precision - binned precision| / P``.

    Args:
        pos_hist: (B,) positive weight per bin, bins ascending.
        neg_hist: (B,) negative weight per bin.

    Returns:
        ``(auc_bound, ap_bound)``, None where the value itself is undefined.

    >>> auc_b, ap_b = hist_error_bounds(np.array([0.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0]))
    >>> auc_b, round(ap_b, 12)
    (0.125, 0.166666666667)
    """
    gw = np.asarray(pos_hist, dtype=np.float64)[::-1]
    nw = np.asarray(neg_hist, dtype=np.float64)[::-1]
    p_total, q_total = float(gw.sum()), float(nw.sum())
    if not p_total > 0:
        return None, None
    auc_b = float(np.dot(gw, nw) / (2.0 * p_total * q_total)) if q_total > 0 else None
    tp_ge = np.cumsum(gw)
    fp_ge = np.cumsum(nw)
    tp_gt = tp_ge - gw
    fp_gt = fp_ge - nw
    binned = _ratio_or(tp_ge, tp_ge + fp_ge, 1.0)
    hi = _ratio_or(tp_ge, tp_ge + fp_gt, 1.0)
    lo = np.where(fp_ge > 0, _ratio_or(tp_gt, tp_gt + fp_ge, 1.0), 1.0)
    err = np.maximum(hi - binned, binned - lo)
    ap_b = float(np.dot(gw, err) / p_total)
    return auc_b, ap_b


def _ratio_or(num: np.ndarray, den: np.ndarray, fill: float) -> np.ndarray:
    out = np.full(np.shape(num), fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out
