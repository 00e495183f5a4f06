"""Row resampling for the bootstrap: every scalar metric of re-weighted rows, no data re-read.

A resample is a vector of row multiplicities ``counts[b]`` (N,); row i then weighs
``counts[b, i] * w_i``. Every sum an accumulator holds is linear in the row weights, so, from
per-row terms built once, a resample's sums are:

- confusion counts and calibration bins: one ``np.bincount`` of a joint (confusion cell,
  calibration bin) index per row (per cell for multi-label) with the row weights, and one
  more with the weights times the confidence;
- the total weight, log loss, Brier, top-k hits, multi-label per-sample sums: one
  matrix-vector product ``terms @ v`` with the dense per-row terms (k, N) (per resample: on
  this machine a gemv over (k, N) beats a block product (B, N) @ (N, k) plus the block's
  conversion to float);
- ROC AUC / average precision: per ranked class a :class:`~losscli.metrics.ranking.RankIndex`
  of the class's ranking key (sorted order and tie groups, built once), then two gathers and
  cumulative sums (no sort); integer weights (unweighted data, integer counts) stay
  integers, so those sums are exact.

The sums then go through the same code as ``result()`` (the accumulator's ``_Builder``), so a
resample's dict equals ``result().metrics`` of the rows repeated ``counts[b, i]`` times, up to
float rounding of the sums. Regression works the same way (``terms @ v`` for the error sums;
the spread of ``y_true`` about each resample's own mean is a direct O(N) sum per output, so
R^2 keeps its precision).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from losscli.metrics._common import safe_ratio
from losscli.metrics.calibration import (
    brier_binary,
    brier_multiclass,
    brier_multilabel,
    ece_bin_edges,
    log_loss_binary,
    log_loss_multiclass,
    log_loss_multilabel,
)
from losscli.metrics.confusion import predict_binary, predict_multiclass, predict_multilabel
from losscli.metrics.ranking import RankIndex

if TYPE_CHECKING:  # pragma: no cover
    from losscli.metrics.accumulator import ClassificationAccumulator
    from losscli.metrics.regression import RegressionAccumulator

__all__ = ["check_counts", "classification_resample", "regression_resample", "Sums"]


def check_counts(counts: object, n_rows: int) -> np.ndarray:
    """Validate resample multiplicities: shape (B, n_rows) (or (n_rows,)), finite, >= 0.

    Args:
        counts: integer or float multiplicities.
        n_rows: the accumulator's number of rows N.

    Returns:
        A 2-D view or copy (B, N); integer dtypes are kept.

    Raises:
        ValueError: wrong shape, a negative or non-finite entry, or a non-numeric dtype.

    >>> check_counts(np.array([1, 0, 2]), 3).shape
    (1, 3)
    >>> check_counts(np.array([[1, -1]]), 2)
    Traceback (most recent call last):
    ...
    ValueError: resample counts must be finite and non-negative
    """
    c = np.asarray(counts)
    if c.ndim == 1:
        c = c[None, :]
    if c.ndim != 2 or c.shape[1] != n_rows:
        raise ValueError(
            f"resample counts must have shape (B, {n_rows}) (one multiplicity per row), "
            f"got {np.shape(counts)}"
        )
    if c.dtype.kind == "b":
        c = c.astype(np.int64)
    if c.dtype.kind not in "iuf":
        raise ValueError(f"resample counts must be numbers, got dtype {c.dtype}")
    if c.size and ((c.dtype.kind == "f" and not np.all(np.isfinite(c))) or c.min() < 0):
        raise ValueError("resample counts must be finite and non-negative")
    return c


class Sums:
    """One resample's sums under the accumulator's attribute names (what ``_Builder`` reads).

    Settings are copied from the accumulator; the sums start at zero and are filled per
    resample.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> Sums(ClassificationAccumulator("binary", 2)).total_weight
    0.0
    """

    def __init__(self, acc: ClassificationAccumulator) -> None:
        for name in ("task", "n_classes", "class_names", "top_k", "beta", "ece_bins"):
            setattr(self, name, getattr(acc, name))
        self.auc_bins = acc.auc_bins
        self.rank_key = acc.rank_key
        self.weighted = acc.weighted
        self.n_rows = 0
        self.total_weight = 0.0
        self._top_k_hits = 0.0
        self._subset = 0.0
        self._hamming = 0.0
        k = 4
        self._samp_sum = np.zeros(k)
        self._samp_wundef = np.zeros(k)
        self._samp_wdef = np.zeros(k)
        self._samp_nundef = np.zeros(k, dtype=np.int64)

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - a missing sum is a bug
        raise AttributeError(f"resample sums have no {name!r}")


class _ClassificationRows:
    """The per-row terms of a ClassificationAccumulator's kept rows, built once.

    ``with_ranks=False`` leaves out the per-class rank indexes (one sort per class), which
    the linear path (:mod:`losscli.metrics.linear`) does not use.
    """

    def __init__(self, acc: ClassificationAccumulator, with_ranks: bool = True) -> None:
        from losscli.metrics.accumulator import auc_bin_index, class_key, key_to_prob, rank_axis

        yt, key, w = acc._key_rows()
        yp = key_to_prob(key, acc.rank_key)
        on_key = acc.threshold_on == "scores"
        n = yp.shape[0]
        c, bins = acc.n_classes, acc.ece_bins
        self.n = n
        self.w = w
        if acc.task == "binary":
            pred = predict_binary(key if on_key else yp, float(acc.threshold))
            cells = yt.astype(np.int64) * 2 + pred
            conf = yp
            cols = [log_loss_binary(yt, yp), brier_binary(yt, yp)]
            self.n_cells = 4
            self.correct_cells = np.array([2, 3])  # calibration "accuracy" = y_true == 1
            self.per_row = 1
        elif acc.task == "multiclass":
            pred = predict_multiclass(yp)
            cells = yt * c + pred
            conf = yp[np.arange(n), pred]
            cols = [log_loss_multiclass(yt, yp), brier_multiclass(yt, yp)]
            if acc.top_k is not None:
                from losscli.metrics.accumulator import _top_k_hits

                cols.append(_top_k_hits(yt, yp, acc.top_k).astype(np.float64))
            self.n_cells = c * c
            self.correct_cells = np.arange(c) * (c + 1)
            self.per_row = 1
        else:
            pred = predict_multilabel(key if on_key else yp, acc.threshold)
            yti = yt.astype(np.int64)
            cells = ((np.arange(c) * 2)[None, :] + yti) * 2 + pred
            conf = yp.ravel()
            cols = [log_loss_multilabel(yt, yp), brier_multilabel(yt, yp)]
            cols += _sample_terms(yt, pred.astype(np.float64), acc.beta)
            self.n_cells = 4 * c
            # cells (label, y = 1, pred): the calibration "accuracy" of a cell is its y_true
            self.correct_cells = np.array([4 * k + 2 + p for k in range(c) for p in (0, 1)])
            self.per_row = c
        edges = ece_bin_edges(bins)
        ece_bin = np.searchsorted(edges, conf, side="right") - 1
        np.clip(ece_bin, 0, bins - 1, out=ece_bin)
        self.joint = (cells.ravel() * bins + ece_bin).astype(np.intp)
        self.conf = np.ascontiguousarray(conf, dtype=np.float64)
        # (k + 1, N): a row of ones (the total weight), then the dense terms
        self.terms = np.empty((len(cols) + 1, n))
        self.terms[0] = 1.0
        for j, col in enumerate(cols, start=1):
            self.terms[j] = col
        del cells, ece_bin, cols, pred, conf

        # ranking: per ranked class, the order and tie groups (binary: class 1 only, since
        # the flat metrics are class 1's)
        self.ranks: list[RankIndex | None] = [None] * c
        if acc._rank_mode != "off" and with_ranks:
            ranked = [1] if acc.task == "binary" else range(c)
            for k in ranked:
                if acc.task == "binary":
                    s, is_pos = key, yt == 1
                elif acc.task == "multiclass":
                    s, is_pos = class_key(key, k, acc.rank_key), yt == k
                else:
                    s, is_pos = key[:, k], yt[:, k] == 1
                if acc._rank_mode == "binned":  # the bins of the column (0 in the last bin)
                    col = key if acc.task == "binary" else key[:, k]
                    s = auc_bin_index(rank_axis(col, acc.rank_key), acc.auc_bins or 1)
                rows_pos, rows_neg = np.flatnonzero(is_pos), np.flatnonzero(~is_pos)
                self.ranks[k] = RankIndex.build(s[rows_pos], s[rows_neg], rows=(rows_pos, rows_neg))


def _sample_terms(yt: np.ndarray, pred: np.ndarray, beta: float) -> list[np.ndarray]:
    """Multi-label per-row terms: subset hit, mismatches, 4 per-sample values and undefined."""
    tp = np.sum(yt * pred, axis=1)
    n_true = yt.sum(axis=1)
    n_pred = pred.sum(axis=1)
    mismatches = n_true + n_pred - 2.0 * tp
    b2 = beta**2
    values = (
        safe_ratio(tp, n_pred),
        safe_ratio(tp, n_true),
        safe_ratio(2.0 * tp, n_true + n_pred),
        safe_ratio((1.0 + b2) * tp, b2 * n_true + n_pred),
    )
    undef = [np.isnan(v) for v in values]
    out = [(mismatches == 0).astype(np.float64), mismatches]
    out += [np.where(u, 0.0, v) for u, v in zip(undef, values)]
    out += [u.astype(np.float64) for u in undef]
    return out


def classification_resample(
    acc: ClassificationAccumulator,
    counts: object,
    zdv: float,
    note: str,
    timings: dict[str, float] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[dict[str, float | None]]:
    """The metrics dict of each resample (``ClassificationAccumulator.resample``'s work).

    Resample b: ``v = counts[b] * w``; ``[W, sum v log_loss, ...] = terms @ v``; confusion and
    calibration sums ``= bincount(joint, v)`` and ``bincount(joint, v * confidence)``; AUC / AP
    from each class's :class:`~losscli.metrics.ranking.RankIndex` under ``v`` (under
    ``counts[b]`` itself when the data is unweighted and the counts are integers: exact sums).

    Args:
        acc: an accumulator built with ``keep_rows=True``.
        counts: (B, N) multiplicities (see :func:`check_counts`).
        zdv: the zero-division value (0, 1 or NaN).
        note: the zero-division warnings' tail ("" for none; warnings are not returned).
        timings: when given, accumulates seconds per part: ``prepare`` (the per-row terms and
            rank indexes, once), ``dense`` (weights and the matrix-vector product),
            ``confusion`` (the two bincounts), ``ranking`` and ``build`` (sums to dict).
        clock: the timer of ``timings`` (e.g. ``time.process_time`` for CPU seconds).

    Returns:
        B dicts with the keys of ``acc.result().metrics``.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    >>> acc.update(np.array([0.0, 1.0, 1.0]), np.array([0.2, 0.9, 0.4]))
    >>> t = {}
    >>> classification_resample(acc, np.array([[1, 1, 0]]), 0.0, "", t)[0]["roc_auc"]
    1.0
    >>> sorted(t)
    ['build', 'confusion', 'dense', 'prepare', 'ranking']
    """
    from losscli.metrics.accumulator import _Builder

    laps = _Clock(timings, clock)
    cnt = check_counts(counts, acc.n_rows)
    if acc._rows_cache is None:
        acc._rows_cache = _ClassificationRows(acc)
    laps.lap("prepare")
    rows: _ClassificationRows = acc._rows_cache
    task, c, bins = acc.task, acc.n_classes, acc.ece_bins
    n_joint = rows.n_cells * bins
    exact_ints = rows.w is None and cnt.dtype.kind in "iu"
    out: list[dict[str, float | None]] = []
    for b in range(cnt.shape[0]):
        row = cnt[b]
        v = row.astype(np.float64)
        if rows.w is not None:
            v *= rows.w
        d = rows.terms @ v
        laps.lap("dense")
        s = Sums(acc)
        s.total_weight = float(d[0])
        vr = v if rows.per_row == 1 else np.repeat(v, rows.per_row)
        joint = np.bincount(rows.joint, weights=vr, minlength=n_joint)
        joint = joint.reshape(rows.n_cells, bins)
        conf = np.bincount(rows.joint, weights=vr * rows.conf, minlength=n_joint)
        del vr
        s._cm = joint.sum(axis=1).reshape((c, 2, 2) if task == "multilabel" else (c, c))
        s._ece_w = joint.sum(axis=0)
        s._ece_acc = joint[rows.correct_cells].sum(axis=0)
        s._ece_conf = conf.reshape(rows.n_cells, bins).sum(axis=0)
        laps.lap("confusion")
        s._log_loss, s._brier = float(d[1]), float(d[2])
        if task == "multiclass" and acc.top_k is not None:
            s._top_k_hits = float(d[3])
        if task == "multilabel":
            s._subset, s._hamming = float(d[3]), float(d[4])
            s._samp_sum = d[5:9].copy()
            s._samp_wundef = d[9:13].copy()
            s._samp_wdef = s.total_weight - s._samp_wundef
        laps.lap("build")
        ranking = _resample_ranking(acc, rows, row if exact_ints else v)
        laps.lap("ranking")
        out.append(_Builder(s, zdv, note, ranking).metrics())
        laps.lap("build")
    return out


def _resample_ranking(
    acc: ClassificationAccumulator, rows: _ClassificationRows, v: np.ndarray
) -> Any:
    """AUC / AP of the ranked classes under row weights ``v`` (a ``_Ranking``)."""
    from losscli.metrics.accumulator import _Ranking

    c = acc.n_classes
    auc_c: list[float | None] = [None] * c
    ap_c: list[float | None] = [None] * c
    if acc._rank_mode == "off":
        return _Ranking("off", auc_c, ap_c)
    if v.dtype.kind in "iu" and v.size and v.max() <= 255:
        v = v.astype(np.uint8)  # bootstrap counts are small: 1 byte per row gathers faster
    for k, idx in enumerate(rows.ranks):
        if idx is not None:
            auc_c[k], ap_c[k] = idx.auc_ap(v)
    return _Ranking(acc._rank_mode, auc_c, ap_c)


class _Clock:
    """Seconds per named part, added into ``timings`` (a no-op without one)."""

    def __init__(self, timings: dict[str, float] | None, clock: Callable[[], float]) -> None:
        self.timings = timings
        self.clock = clock
        self.t = clock() if timings is not None else 0.0

    def lap(self, part: str) -> None:
        if self.timings is not None:
            now = self.clock()
            self.timings[part] = self.timings.get(part, 0.0) + now - self.t
            self.t = now


# -- regression ------------------------------------------------------------------------------


class _RegressionRows:
    """The per-row terms of a RegressionAccumulator's kept rows, built once."""

    def __init__(self, acc: RegressionAccumulator) -> None:
        from losscli.metrics.regression import MAPE_EPS

        yt, yp, w = acc._rows()
        self.n = yt.shape[0]
        self.w = w
        err = yp - yt
        abs_err = np.abs(err)
        ww = np.ones(self.n) if w is None else w
        total = ww.sum()
        # the centre of y_true for the per-resample mean: close to every resample's mean
        self.centre = (ww @ yt) / total if total > 0 else np.zeros(yt.shape[1])
        # (1 + 4K, N): ones (the total weight), e^2, |e|, |e| / max(|y|, eps), y - centre
        self.terms = np.vstack(
            [
                np.ones((1, self.n)),
                (err**2).T,
                abs_err.T,
                (abs_err / np.maximum(np.abs(yt), MAPE_EPS)).T,
                (yt - self.centre).T,
            ]
        )
        self.y = np.asfortranarray(yt)  # columns contiguous for the per-output passes
        self.row_max_err = abs_err.max(axis=1) if self.n else np.zeros(0)


def regression_resample(
    acc: RegressionAccumulator, counts: object
) -> list[dict[str, float | None]]:
    """The metrics dict of each resample (``RegressionAccumulator.resample``'s work).

    Resample b: ``v = counts[b] * w``; ``[W, sse, sae, sape, sum v (y - centre)] = terms @ v``
    per output; the mean ``centre + sum v (y - centre) / W``; ``M2 = sum v (y - mean)^2``
    directly; ``ymin`` / ``ymax`` over rows with ``v > 0``; ``max_error`` over rows with
    ``counts > 0``.

    Args:
        acc: an accumulator built with ``keep_rows=True``.
        counts: (B, N) multiplicities (see :func:`check_counts`).

    Returns:
        B dicts with the keys of ``acc.result().metrics``.

    >>> from losscli.metrics import RegressionAccumulator
    >>> acc = RegressionAccumulator(keep_rows=True)
    >>> acc.update(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0]))
    >>> regression_resample(acc, np.array([[0, 0, 2]]))[0]["mse"]
    1.0
    """
    from losscli.metrics.regression import regression_metrics

    cnt = check_counts(counts, acc.n_rows)
    if acc._rows_cache is None:
        acc._rows_cache = _RegressionRows(acc)
    rows: _RegressionRows = acc._rows_cache
    k = 0 if acc.n_outputs is None else acc.n_outputs
    out: list[dict[str, float | None]] = []
    for b in range(cnt.shape[0]):
        row = cnt[b]
        v = row.astype(np.float64)
        if rows.w is not None:
            v *= rows.w
        d = rows.terms @ v
        wt = float(d[0])
        if k == 0 or not wt > 0:
            out.append(regression_metrics(None).metrics)
            continue
        sse, sae, sape, dev = (
            d[1 : 1 + k],
            d[1 + k : 1 + 2 * k],
            d[1 + 2 * k : 1 + 3 * k],
            d[1 + 3 * k :],
        )
        mean = rows.centre + dev / wt
        live = v > 0
        m2 = np.empty(k)
        ymin = np.empty(k)
        ymax = np.empty(k)
        for j in range(k):
            col = rows.y[:, j]
            dy = col - mean[j]
            m2[j] = float(v @ (dy * dy))
            ymin[j] = np.min(col, where=live, initial=np.inf)
            ymax[j] = np.max(col, where=live, initial=-np.inf)
        max_err = float(np.max(rows.row_max_err, where=row > 0, initial=0.0))
        res = regression_metrics(
            (np.full(k, wt), sse, sae, sape, m2, ymin, ymax, np.full(k, max_err)),
            n_rows=float(row.sum()),
        )
        out.append(res.metrics)
    return out
