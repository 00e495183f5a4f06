"""Decision-threshold sweeps and the threshold optimiser (numpy only).

A label is predicted positive when its score is ``> t`` (docs/CONTRACTS.md): compute's rule
``p > t`` on the probabilities, or the same rule on the scores' own scale (a logit, a
log-probability: the ranking key, which does not saturate where the probabilities do). With
the distinct scores sorted ``s_1 > s_2 > ... > s_T``, predicting exactly the top ``k``
distinct levels positive needs ``s_{k+1} <= t < s_k``. The cut point this module reports for
that choice is ``t = s_{k+1}``, the next lower distinct score itself, so ``p > t`` selects
exactly the scores above it. The cut points are therefore:

- ``t = s_1`` (the highest score): nothing is predicted positive;
- ``t = s_{k+1}`` for ``k = 1 .. T-1``;
- ``t = 0.0`` for "everything positive", only when the lowest score is above 0. When the
  lowest score is exactly 0 no probability threshold in [0, 1] selects it under ``> t``, and
  that cut point is left out (compute could not reproduce it either).

Counts are (weighted) sums; precision, recall and F-beta use scikit-learn's maths
(:func:`losscli.metrics.classification.prf_from_counts`), undefined ratios are 0 (the
default number of ``--zero-division``), so a threshold's F1 here is the F1 compute reports.

>>> y = np.array([0, 0, 1, 1, 1])
>>> s = np.array([0.1, 0.4, 0.35, 0.8, 0.8])
>>> sw = threshold_sweep(y, s)
>>> sw["threshold"].tolist()
[0.0, 0.1, 0.35, 0.4, 0.8]
>>> sw["f1"].round(4).tolist()
[0.75, 0.8571, 0.6667, 0.8, 0.0]
>>> best = best_threshold(sw, "f1")
>>> best["threshold"], round(best["f1"], 4)
(0.1, 0.8571)
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.metrics.classification import prf_from_counts
from losscli.records import record

__all__ = [
    "ScoreThreshold",
    "CRITERIA",
    "cut_points",
    "grid_thresholds",
    "score_cuts",
    "confusion_at",
    "threshold_sweep",
    "sweep_from_counts",
    "GridCounts",
    "grid_bound",
    "parse_criterion",
    "best_threshold",
]

CRITERIA = ("f1", "fbeta", "youden", "precision@recall=R", "recall@precision=P")


@record(frozen=True)
class ScoreThreshold:
    """Thresholds on the scores' own scale, as ``losscli thresholds --write`` stores them.

    ``compute --threshold @FILE`` with such a file predicts a label positive when its score
    (a logit, a log-probability: the ranking key the sweep cut) is ``> value``. That
    reproduces the sweep's row even where the probabilities saturate (``sigmoid`` is 1.0
    for every logit above ~36.7, so no probability threshold separates 40 from 45).

    Attributes:
        scores: the score kind the values are on: ``"logits"`` or ``"log-probs"``.
        value: one number (binary) or ``{label: number}`` (multi-label).
        source: where the values came from (for messages), e.g. ``"@thresholds.json"``.
    """

    scores: str
    value: float | dict[str, float]
    source: str


def _prepare(
    y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(
            f"y_true has {y.size} values but y_score has {s.size}; pass one score per sample."
        )
    if sample_weight is None:
        w = np.ones_like(y)
    else:
        w = np.asarray(sample_weight, dtype=np.float64).ravel()
        if w.shape != y.shape:
            raise ValueError(f"sample_weight has {w.size} values but y_true has {y.size}.")
    return y, s, w


def cut_points(y_score: np.ndarray, scores: str = "probs") -> np.ndarray:
    """Every distinct decision threshold of ``y_score`` under the ``s > t`` rule, ascending.

    ``[lowest, s_(1), s_(2), ..., s_(T)]`` where ``s_(i)`` are the distinct scores in
    increasing order: threshold ``s_(i)`` predicts exactly the scores above it positive; the
    largest score predicts none; ``lowest`` predicts all of them. Probabilities: ``lowest``
    is 0.0, only when ``min(s) > 0`` (no probability in [0, 1] is below 0). Logits and
    log-probabilities: ``lowest = floor(min(s)) - 1`` (or the next float below ``min(s)``
    where that is not below it), left out when no finite value (no log-probability <= 0)
    lies below ``min(s)``.

    Args:
        y_score: (N,) scores on the scale of ``scores``.
        scores: ``"probs"``, ``"logits"`` or ``"log-probs"``.

    Returns:
        float64 (T,) or (T+1,) thresholds, strictly increasing.

    >>> cut_points(np.array([0.3, 0.9, 0.3, 0.5])).tolist()
    [0.0, 0.3, 0.5, 0.9]
    >>> cut_points(np.array([0.0, 0.5])).tolist()
    [0.0, 0.5]
    >>> cut_points(np.array([40.0, -3.0, 45.0]), "logits").tolist()
    [-4.0, -3.0, 40.0, 45.0]
    """
    s = np.unique(np.asarray(y_score, dtype=np.float64).ravel())
    if not s.size:
        return s
    if scores == "probs":
        if s[0] > 0:
            s = np.r_[0.0, s]
        return s
    low = np.floor(s[0]) - 1.0
    if not low < s[0]:
        low = np.nextafter(s[0], -np.inf)
    if np.isfinite(low):
        s = np.r_[low, s]
    return s


def grid_thresholds(steps: int) -> np.ndarray:
    """``steps + 1`` evenly spaced thresholds ``0, 1/steps, ..., 1`` (``--steps``).

    Args:
        steps: the number of intervals (>= 1).

    Returns:
        float64 (steps + 1,).

    >>> grid_thresholds(4).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if int(steps) != steps or steps < 1:
        raise UsageError(f"--steps must be a whole number >= 1, got {steps}")
    from losscli import limits

    limits.STEPS.check_option("--steps", int(steps))
    return np.linspace(0.0, 1.0, int(steps) + 1)


def _ordered(x: np.ndarray) -> np.ndarray:
    """float64 -> int64 keys in the floats' order (``-0.0`` and ``0.0`` one key)."""
    i = np.asarray(x, dtype=np.float64).view(np.int64)
    return np.where(i < 0, np.iinfo(np.int64).min - i, i)


def _unordered(k: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_ordered`."""
    return np.where(k < 0, np.iinfo(np.int64).min - k, k).view(np.float64)


def score_cuts(thresholds: np.ndarray, scores: str) -> np.ndarray:
    """The cut on the scores' own scale of each probability threshold, where the
    probability crosses it: ``p(c) <= t < p(c')``, ``c'`` the next float64 above ``c``.

    ``p`` is what compute turns a score into (:func:`losscli.metrics.keys.key_to_prob`):
    ``sigmoid(s)`` for logits, ``exp(s)`` for log-probabilities; ``c`` is found by bisection
    over the float64 values (64 steps) and equals the logit ``log(t / (1 - t))`` (the
    log-probability ``log t``) up to rounding. ``score > c`` then selects the scores whose
    ``p > t``, but for scores within a few ulps of ``c``: ``sigmoid`` rounded to float64 is
    not monotone at that scale, so no cut reproduces ``p > t`` there (float32 scores, 2^29
    float64 ulps apart, almost never are). ``t = 0``: about -745.13, below which ``p``
    underflows to 0; ``t >= 1``, which no probability exceeds: the largest finite float
    (logits) or 0 (log-probabilities, which are <= 0).

    Args:
        thresholds: (K,) probability thresholds in [0, 1].
        scores: ``"logits"`` or ``"log-probs"``.

    Returns:
        float64 (K,) finite cuts, non-decreasing with the thresholds.

    >>> score_cuts(np.array([0.25, 0.75]), "logits").round(12).tolist()  # -log 3, log 3
    [-1.098612288668, 1.098612288668]
    >>> from losscli.activations import sigmoid
    >>> c = score_cuts(np.array([0.5]), "logits")  # sigmoid(s) rounds to 0.5 near s = 0
    >>> float(sigmoid(c)[0]), float(sigmoid(np.nextafter(c, 1))[0]) > 0.5
    (0.5, True)
    """
    from losscli.metrics.keys import key_to_prob

    if scores not in ("logits", "log-probs"):
        raise ValueError(f"scores must be 'logits' or 'log-probs', got {scores!r}")
    t = np.asarray(thresholds, dtype=np.float64).ravel()
    top = np.finfo(np.float64).max if scores == "logits" else 0.0
    lo = np.full(t.shape, _ordered(np.array(-800.0)))  # p = 0 <= t (exp underflows)
    hi = np.full(t.shape, _ordered(np.array(800.0 if scores == "logits" else 0.0)))  # p = 1
    below = t < 1.0  # else no score's probability is > t
    for _ in range(64):  # p(lo) <= t < p(hi); the keys span < 2^64: each step halves it
        mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)
        low = key_to_prob(_unordered(mid), scores) <= t
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return np.where(below, _unordered(lo), top)


def confusion_at(
    y_true: np.ndarray,
    y_score: np.ndarray,
    thresholds: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """(Weighted) confusion counts at each threshold, positive when ``score > t``.

    One sort of the scores, cumulative sums from the top and one ``searchsorted``:
    ``tp(t) = sum_{s_i > t} w_i y_i``, ``fp(t) = sum_{s_i > t} w_i (1 - y_i)``,
    ``fn = P - tp``, ``tn = N - fp``.

    Args:
        y_true: (N,) 0/1 labels (1 = positive).
        y_score: (N,) scores.
        thresholds: (K,) thresholds, any order.
        sample_weight: (N,) non-negative weights or None.

    Returns:
        dict of float64 (K,) arrays ``tp``, ``fp``, ``fn``, ``tn``.

    >>> c = confusion_at(np.array([0, 1, 1]), np.array([0.2, 0.6, 0.9]), np.array([0.5, 0.6]))
    >>> c["tp"].tolist(), c["fp"].tolist(), c["fn"].tolist(), c["tn"].tolist()
    ([2.0, 1.0], [0.0, 0.0], [0.0, 1.0], [1.0, 1.0])
    """
    y, s, w = _prepare(y_true, y_score, sample_weight)
    t = np.asarray(thresholds, dtype=np.float64).ravel()
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    wp = (w * y)[order]
    wn = (w * (1.0 - y))[order]
    # suffix sums: above[i] = sum over sorted positions >= i
    pos_above = np.r_[np.cumsum(wp[::-1])[::-1], 0.0]
    neg_above = np.r_[np.cumsum(wn[::-1])[::-1], 0.0]
    first_above = np.searchsorted(s_sorted, t, side="right")  # first index with s > t
    tp = pos_above[first_above]
    fp = neg_above[first_above]
    p_total, n_total = pos_above[0], neg_above[0]
    return {"tp": tp, "fp": fp, "fn": p_total - tp, "tn": n_total - fp}


def _zero(a: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a), 0.0, a)


MAX_BETA = 1e100
"""Largest ``--beta``: its square times a count stays finite (F-beta is recall long before)."""


def check_beta(beta: float) -> float:
    """``--beta`` as a float: positive and at most :data:`MAX_BETA`, else UsageError.

    >>> check_beta(2)
    2.0
    >>> try:
    ...     check_beta(1e300)
    ... except UsageError as e:
    ...     print(e)
    --beta must be a positive number up to 1e+100, got 1e+300
    """
    b = float(beta)
    if not (math.isfinite(b) and 0 < b <= MAX_BETA):
        raise UsageError(f"--beta must be a positive number up to {MAX_BETA:g}, got {b:g}")
    return b


def threshold_sweep(
    y_true: np.ndarray,
    y_score: np.ndarray,
    sample_weight: np.ndarray | None = None,
    *,
    thresholds: np.ndarray | None = None,
    beta: float = 1.0,
    scores: str = "probs",
) -> dict[str, np.ndarray]:
    """Precision, recall, F1/F-beta, specificity and share predicted positive per threshold.

    ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
    ``F_beta = (1 + b^2) tp / (b^2 (tp + fn) + tp + fp)``, ``specificity = tn / (tn + fp)``,
    ``youden = recall + specificity - 1``, ``predicted_positive = (tp + fp) / total``.
    Undefined ratios are 0.

    Args:
        y_true: (N,) 0/1 labels.
        y_score: (N,) probabilities.
        sample_weight: (N,) weights or None.
        thresholds: (K,) thresholds to evaluate; default every cut point (:func:`cut_points`).
        beta: F-beta weight of recall (> 0); ``fbeta`` equals ``f1`` when 1.
        scores: the scale of ``y_score`` (``"probs"``, ``"logits"``, ``"log-probs"``), for
            the lowest default cut point (:func:`cut_points`); the rule is ``score > t``.

    Returns:
        dict of float64 (K,) arrays: ``threshold``, ``tp``, ``fp``, ``fn``, ``tn``,
        ``precision``, ``recall``, ``f1``, ``fbeta``, ``specificity``, ``youden``,
        ``predicted_positive``; thresholds ascending.

    >>> sw = threshold_sweep(np.array([0, 1]), np.array([0.3, 0.7]))
    >>> sw["threshold"].tolist(), sw["recall"].tolist(), sw["specificity"].tolist()
    ([0.0, 0.3, 0.7], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0])
    """
    if thresholds is None:
        t = cut_points(y_score, scores)
    else:
        t = np.sort(np.asarray(thresholds, dtype=np.float64).ravel())
    c = confusion_at(y_true, y_score, t, sample_weight)
    return sweep_from_counts(t, c["tp"], c["fp"], c["fn"], c["tn"], beta=beta)


def sweep_from_counts(
    t: np.ndarray,
    tp: np.ndarray,
    fp: np.ndarray,
    fn: np.ndarray,
    tn: np.ndarray,
    *,
    beta: float = 1.0,
) -> dict[str, np.ndarray]:
    """:func:`threshold_sweep`'s rows from the confusion counts at each threshold.

    Args:
        t: (K,) thresholds, ascending.
        tp, fp, fn, tn: (K,) (weighted) counts at each.
        beta: F-beta weight of recall.

    Returns:
        As :func:`threshold_sweep`.

    >>> sw = sweep_from_counts(np.array([0.5]), *np.array([[2.0], [1.0], [0.0], [1.0]]))
    >>> float(sw["precision"][0]), float(sw["f1"][0])
    (0.6666666666666666, 0.8)
    """
    beta = check_beta(beta)
    pred, true = tp + fp, tp + fn
    precision, recall, f1 = (_zero(a) for a in prf_from_counts(tp, pred, true, 1.0))
    fbeta = f1 if beta == 1.0 else _zero(prf_from_counts(tp, pred, true, beta)[2])
    with np.errstate(invalid="ignore", divide="ignore"):
        specificity = _zero(tn / (tn + fp))
        total = tp + fp + fn + tn
        share = _zero(pred / total)
    return {
        "threshold": t,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fbeta": fbeta,
        "specificity": specificity,
        "youden": recall + specificity - 1.0,
        "predicted_positive": share,
    }


_CONSTRAINED = re.compile(r"^(precision@recall|recall@precision)\s*(?:=|>=)\s*([0-9.eE+-]+)$")


def parse_criterion(text: str) -> tuple[str, float | None]:
    """Parse ``--optimize``: ``f1``, ``fbeta``, ``youden``, ``precision@recall=R`` or
    ``recall@precision=P``.

    Args:
        text: the option's value.

    Returns:
        ``(name, bound)`` with ``bound`` the R or P in [0, 1] (None for the others).

    >>> parse_criterion("precision@recall=0.9")
    ('precision@recall', 0.9)
    >>> parse_criterion("F1")
    ('f1', None)
    """
    t = text.strip().lower().replace(" ", "")
    if t in ("f1", "fbeta", "youden"):
        return t, None
    m = _CONSTRAINED.match(t)
    if m:
        try:
            bound = float(m.group(2))
        except ValueError:
            bound = math.nan
        if not (0.0 <= bound <= 1.0):
            raise UsageError(f"--optimize {text}: the bound must be a number in [0, 1]")
        return m.group(1), bound
    raise UsageError(
        f"--optimize must be f1, fbeta, youden, precision@recall=R or recall@precision=P "
        f"(R, P in [0, 1]), got {text!r}"
    )


def best_threshold(
    sweep: dict[str, np.ndarray], criterion: str = "f1", label: str | None = None
) -> dict[str, Any]:
    """The best row of a sweep for ``criterion`` (see :func:`parse_criterion`).

    ``f1``, ``fbeta``, ``youden``: the row with the largest value. ``precision@recall=R``: the
    largest precision among rows with ``recall >= R``; ``recall@precision=P``: the largest
    recall among rows with ``precision >= P``. Ties go to the larger other quantity (recall for
    precision@recall, precision for recall@precision), then to the highest threshold (fewest
    positives).

    Args:
        sweep: the output of :func:`threshold_sweep`.
        criterion: the ``--optimize`` text.
        label: the label's name, for error messages.

    Returns:
        ``{"threshold", "f1", "precision", "recall", "specificity", "fbeta", "youden",
        "predicted_positive", "optimize", "score"}`` as Python floats; ``score`` is the value
        of the optimised quantity.

    Raises:
        UsageError: no threshold satisfies the constraint.

    >>> sw = threshold_sweep(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> best_threshold(sw, "precision@recall=1")["threshold"]
    0.1
    >>> best_threshold(sw, "youden")["threshold"]
    0.4
    """
    name, bound = parse_criterion(criterion)
    thr = sweep["threshold"]
    if thr.size == 0:
        raise UsageError("no scores to choose a threshold from")
    where = f" for label {label!r}" if label is not None else ""
    if name in ("f1", "fbeta", "youden"):
        score, second = sweep[name], np.zeros_like(thr)
        ok = np.ones(thr.size, dtype=bool)
    elif name == "precision@recall":
        assert bound is not None
        score, second = sweep["precision"], sweep["recall"]
        ok = sweep["recall"] >= bound
        if not ok.any():
            raise UsageError(
                f"--optimize {criterion}: no threshold reaches recall >= {bound:g}{where} "
                f"(the best is {sweep['recall'].max():.4g}); lower R"
            )
    else:
        assert bound is not None
        score, second = sweep["recall"], sweep["precision"]
        ok = sweep["precision"] >= bound
        if not ok.any():
            raise UsageError(
                f"--optimize {criterion}: no threshold reaches precision >= {bound:g}{where} "
                f"(the best is {sweep['precision'].max():.4g}); lower P"
            )
    idx = np.flatnonzero(ok)
    # lexsort: last key is primary -> score, then second, then threshold (all maximised)
    i = int(idx[np.lexsort((thr[idx], second[idx], score[idx]))[-1]])
    out: dict[str, Any] = {"threshold": float(thr[i])}
    for key in ("f1", "precision", "recall", "specificity", "fbeta", "youden"):
        out[key] = float(sweep[key][i])
    out["predicted_positive"] = float(sweep["predicted_positive"][i])
    out["optimize"] = criterion.strip().lower().replace(" ", "")
    out["score"] = float(score[i])
    return out


class GridCounts:
    """Confusion counts at fixed thresholds, streamed: memory O(labels x thresholds), not
    one score per row (``losscli thresholds`` on dense arrays, millions of elements).

    A row with probability ``p`` is positive at every threshold ``t < p``; ``add`` counts
    each row once under ``i = #{t < p}`` (one ``searchsorted``), so at threshold ``t_j``
    ``tp = sum_{i > j} pos_i`` and ``fp = sum_{i > j} neg_i`` exactly (compute's ``p > t``).
    The same holds on any scale: scores counted against thresholds on the scores' scale
    (:func:`score_cuts`) give the counts of ``score > t``.

    Args:
        thresholds: (K,) thresholds, ascending (e.g. :func:`grid_thresholds`).

    >>> g = GridCounts(np.array([0.0, 0.5, 1.0]))
    >>> g.add(np.array([1.0, 0.0, 1.0]), np.array([0.5, 0.7, 0.9]))
    >>> c = g.confusion(0)
    >>> c["tp"].tolist(), c["fp"].tolist(), c["fn"].tolist(), c["tn"].tolist()
    ([2.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 2.0], [0.0, 0.0, 1.0])
    """

    def __init__(self, thresholds: np.ndarray) -> None:
        self.t = np.sort(np.asarray(thresholds, dtype=np.float64).ravel())
        self.pos: np.ndarray | None = None  # (L, K + 1) rows under each i = #{t < p}
        self.neg: np.ndarray | None = None

    def add(self, y: np.ndarray, p: np.ndarray, keep: np.ndarray | None = None) -> None:
        """Count a chunk: ``y`` 0/1 and ``p`` probabilities (or scores on the thresholds'
        scale), both (m,) or (m, L); ``keep`` (m,) the rows to count (None: all)."""
        y2 = np.asarray(y).reshape(len(y), -1)
        p2 = np.asarray(p, dtype=np.float64).reshape(len(p), -1)
        if keep is not None:
            y2, p2 = y2[keep], p2[keep]
        n_labels, k = p2.shape[1], self.t.size + 1
        if self.pos is None or self.neg is None:
            self.pos, self.neg = np.zeros((n_labels, k)), np.zeros((n_labels, k))
        for j in range(n_labels):
            idx = np.searchsorted(self.t, p2[:, j], side="left")
            yes = y2[:, j] > 0.5
            self.pos[j] += np.bincount(idx[yes], minlength=k)
            self.neg[j] += np.bincount(idx[~yes], minlength=k)

    def confusion(self, label: int) -> dict[str, np.ndarray]:
        """``tp``, ``fp``, ``fn``, ``tn`` (K,) of label ``label`` at each threshold."""
        assert self.pos is not None and self.neg is not None
        pos_above = np.cumsum(self.pos[label][::-1])[::-1]  # [i]: rows under i' >= i
        neg_above = np.cumsum(self.neg[label][::-1])[::-1]
        tp, fp = pos_above[1:], neg_above[1:]
        return {"tp": tp, "fp": fp, "fn": pos_above[0] - tp, "tn": neg_above[0] - fp}


def grid_bound(sweep: dict[str, np.ndarray], criterion: str, beta: float = 1.0) -> float | None:
    """The most ``criterion`` can reach at any threshold between the sweep's (a grid's).

    Every threshold ``t`` in ``[t_j, t_{j+1}]`` has ``tp(t) <= tp(t_j)`` and
    ``fp(t) >= fp(t_{j+1})``; precision, recall, F-beta and Youden's J grow with ``tp`` and
    shrink with ``fp``, so the criterion's best over the optimistic counts
    ``(tp(t_j), fp(t_{j+1}))`` of each gap bounds it at every threshold (the grid's own
    best included). None when no gap meets a ``@`` constraint.

    Args:
        sweep: a sweep (:func:`threshold_sweep`, :func:`sweep_from_counts`) at >= 2
            thresholds, ascending.
        criterion: the ``--optimize`` text.
        beta: F-beta weight of recall.

    >>> sw = sweep_from_counts(np.array([0.0, 1.0]), *np.array([[2.0, 0], [2, 0], [0, 2], [0, 2]]))
    >>> float(best_threshold(sw, "f1")["score"]), grid_bound(sw, "f1")
    (0.6666666666666666, 1.0)
    """
    tp, fp, fn, tn = (sweep[k] for k in ("tp", "fp", "fn", "tn"))
    p_all, n_all = tp + fn, fp + tn
    top, fop = tp[:-1], fp[1:]
    opt = sweep_from_counts(sweep["threshold"][:-1], top, fop, p_all[:-1] - top,
                            n_all[:-1] - fop, beta=beta)  # fmt: skip
    try:
        return best_threshold(opt, criterion)["score"]
    except UsageError:
        return None
