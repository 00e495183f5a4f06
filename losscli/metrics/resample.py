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

The block's sums then go through the formulas of ``result()``
(:class:`~losscli.metrics.builder.ResultBuilder`) over the resample axis at once
(:func:`~losscli.metrics.batch.batch_metrics`, held equal to the builder by
``tests/metrics/test_batch_metrics.py``), so a resample's dict equals ``result().metrics`` of
the rows repeated ``counts[b, i]`` times, up to float rounding of the sums. Regression works
the same way (``terms @ v`` for the error sums; the spread of ``y_true`` about each
resample's own mean is a direct O(N) sum per output, so R^2 keeps its precision).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from losscli.metrics.averages import OvoIndex, partial_auc
from losscli.metrics.batch import BatchRanking, as_dicts, batch_metrics, stack_sums
from losscli.metrics.builder import Ranking
from losscli.metrics.calibration import ece_bin_edges
from losscli.metrics.confusion import predict_binary, predict_multiclass, predict_multilabel
from losscli.metrics.keys import class_key, key_bins, key_to_prob
from losscli.metrics.ranking import RankIndex
from losscli.metrics.state import CLASSIFICATION_SUMS, Sums, classification_row_terms

if TYPE_CHECKING:  # pragma: no cover - annotations only (the accumulator imports this module)
    from losscli.metrics.accumulator import ClassificationAccumulator

__all__ = ["check_counts", "classification_resample", "ClassificationRows", "cell_sums"]


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


class ClassificationRows:
    """The per-row terms of a ClassificationAccumulator's kept rows, built once.

    Attributes:
        n: rows; ``w`` their weights (N,) or None.
        layout: the accumulator's :class:`~losscli.metrics.state.TermLayout`; ``terms`` the
            (layout.width, N) dense terms in that row order (row ``total_weight``: ones).
        joint: intp (N * per_row,) the (confusion cell, calibration bin) index of each row
            (multi-label: of each cell); ``conf`` its confidence; ``n_cells`` the cells;
            ``correct_cells`` the cells whose calibration "accuracy" is 1.
        ranks: per class its :class:`~losscli.metrics.ranking.RankIndex` (None if not ranked).

    ``with_ranks=False`` leaves out the per-class rank indexes (one sort per class), which
    the linear path (:mod:`losscli.metrics.linear`) does not use; ``kept``: the
    accumulator's ``key_rows()`` when the caller has them already.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    >>> acc.update(np.array([0.0, 1.0]), np.array([0.25, 0.75]))
    >>> rows = ClassificationRows(acc)
    >>> rows.terms[rows.layout.slices["total_weight"]].tolist()
    [[1.0, 1.0]]
    """

    def __init__(
        self,
        acc: ClassificationAccumulator,
        with_ranks: bool = True,
        kept: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None,
    ) -> None:
        yt, key, w = acc.key_rows() if kept is None else kept
        yp = key_to_prob(key, acc.rank_key)
        on_key = acc.threshold_on == "scores"
        n = yp.shape[0]
        c, bins = acc.n_classes, acc.ece_bins
        self.n = n
        self.w = w
        self.layout = acc.layout
        if acc.task == "binary":
            pred = predict_binary(key if on_key else yp, float(acc.threshold))
            cells = yt.astype(np.int64) * 2 + pred
            conf = yp
            self.n_cells = 4
            self.correct_cells = np.array([2, 3])  # calibration "accuracy" = y_true == 1
            self.per_row = 1
        elif acc.task == "multiclass":
            pred = predict_multiclass(key)  # the scores' argmax (the key keeps it)
            cells = yt * c + pred
            conf = yp[np.arange(n), pred]
            self.n_cells = c * c
            self.correct_cells = np.arange(c) * (c + 1)
            self.per_row = 1
        else:
            pred = predict_multilabel(key if on_key else yp, acc.threshold)
            yti = yt.astype(np.int64)
            cells = ((np.arange(c) * 2)[None, :] + yti) * 2 + pred
            conf = yp.ravel()
            self.n_cells = 4 * c
            # cells (label, y = 1, pred): the calibration "accuracy" of a cell is its y_true
            self.correct_cells = np.array([4 * k + 2 + p for k in range(c) for p in (0, 1)])
            self.per_row = c
        # the (cell, bin) index first, its temporaries freed before the terms' columns
        edges = ece_bin_edges(bins)
        ece_bin = np.searchsorted(edges, conf, side="right") - 1
        np.clip(ece_bin, 0, bins - 1, out=ece_bin)
        joint = np.multiply(cells.ravel(), bins, dtype=np.intp)
        del cells
        joint += ece_bin
        del ece_bin
        self.joint = joint  # intp already (the multiply's dtype)
        self.conf = np.ascontiguousarray(conf, dtype=np.float64)
        del conf
        cols = classification_row_terms(acc, yt, yp, pred, self.layout, key)
        cols["total_weight"] = 1.0
        self.terms = self.layout.matrix(cols, n)
        del cols, pred

        # ranking: per ranked class, the order and tie groups (binary: class 1 only, since
        # the flat metrics are class 1's)
        self.ranks: list[RankIndex | None] = [None] * c
        if acc.rank_mode != "off" and with_ranks:
            ranked = [1] if acc.task == "binary" else range(c)
            for k in ranked:
                if acc.task == "binary":
                    s, is_pos = key, yt == 1
                elif acc.task == "multiclass":
                    s, is_pos = class_key(key, k, acc.rank_key), yt == k
                else:
                    s, is_pos = key[:, k], yt[:, k] == 1
                if acc.rank_mode == "binned":  # the bins of the column (0 in the last bin)
                    col = key if acc.task == "binary" else key[:, k]
                    s = key_bins(col, acc.rank_key, acc.auc_bins or 1)
                rows_pos, rows_neg = np.flatnonzero(is_pos), np.flatnonzero(~is_pos)
                self.ranks[k] = RankIndex.build(s[rows_pos], s[rows_neg], rows=(rows_pos, rows_neg))
        # micro: every (row, class) cell one sample (its row's weight); one-vs-one (exact)
        self.micro: RankIndex | None = None
        self.ovo: OvoIndex | None = None
        if acc.rank_mode != "off" and with_ranks and acc.task != "binary":
            if acc.task == "multiclass":
                cells = np.stack([class_key(key, k, acc.rank_key) for k in range(c)], axis=1)
                is_cell = yt[:, None] == np.arange(c)[None, :]
            else:
                cells, is_cell = key, yt == 1
            if acc.rank_mode == "binned":
                cells = key_bins(key, acc.rank_key, acc.auc_bins or 1)
            flat, m = cells.ravel(), is_cell.ravel()
            cp, cn = np.flatnonzero(m), np.flatnonzero(~m)
            self.micro = RankIndex.build(flat[cp], flat[cn], rows=(cp, cn))
            del cells, is_cell, flat, m
            if acc.task == "multiclass" and acc.rank_mode == "exact":
                self.ovo = OvoIndex(yt, lambda k: class_key(key, k, acc.rank_key), c, keep=True)

    def cell_sums(self, sums: Sums, joint: np.ndarray, conf: np.ndarray, task: str) -> None:
        """:func:`cell_sums` with these rows' cells."""
        cell_sums(sums, self.n_cells, self.correct_cells, joint, conf, task)


def cell_sums(
    sums: Sums,
    n_cells: int,
    correct_cells: np.ndarray,
    joint: np.ndarray,
    conf: np.ndarray,
    task: str,
) -> None:
    """Put the ``"cells"`` sums (confusion counts, calibration bins) into ``sums``.

    Args:
        sums: one resample's sums (changed in place).
        n_cells: confusion cells; ``correct_cells`` those whose calibration "accuracy" is 1.
        joint: (n_cells * bins,) weight per joint (cell, bin) index; ``conf`` the weight
            times the confidence, the same way. With a leading axis, (B, n_cells * bins):
            B resamples' sums at once (``sums.cm`` becomes (B, C, C), the bins (B, bins)).
        task: the task (multi-label confusion counts are (L, 2, 2)).
    """
    lead = joint.shape[:-1]  # (B,) for B resamples at once
    cm_shape = sums.cm.shape[-3:] if task == "multilabel" else sums.cm.shape[-2:]
    joint = joint.reshape(*lead, n_cells, -1)
    sums.cm = joint.sum(axis=-1).reshape(lead + cm_shape)
    sums.ece_w = joint.sum(axis=-2)
    sums.ece_acc = joint[..., correct_cells, :].sum(axis=-2)
    sums.ece_conf = conf.reshape(*lead, n_cells, -1).sum(axis=-2)


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
        note: the zero-division warnings' tail (unused: a resample's warnings are not
            returned).
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
    laps = _Clock(timings, clock)
    cnt = check_counts(counts, acc.n_rows)
    rows = acc.resample_rows()
    laps.lap("prepare")
    bins = acc.ece_bins
    n_joint = rows.n_cells * bins
    exact_ints = rows.w is None and cnt.dtype.kind in "iu"
    parts: list[Sums] = []
    ranks: list[Ranking] = []
    for b in range(cnt.shape[0]):
        row = cnt[b]
        v = row.astype(np.float64)
        if rows.w is not None:
            v *= rows.w
        d = rows.terms @ v
        laps.lap("dense")
        s = Sums.zeros(CLASSIFICATION_SUMS, acc.dims)
        rows.layout.fill(s, d)
        vr = v if rows.per_row == 1 else np.repeat(v, rows.per_row)
        joint = np.bincount(rows.joint, weights=vr, minlength=n_joint)
        conf = np.bincount(rows.joint, weights=vr * rows.conf, minlength=n_joint)
        del vr
        rows.cell_sums(s, joint, conf, acc.task)
        laps.lap("confusion")
        laps.lap("build")
        ranks.append(_resample_ranking(acc, rows, row if exact_ints else v))
        laps.lap("ranking")
        parts.append(s)
    if not parts:
        return []
    out = as_dicts(batch_metrics(acc, stack_sums(parts), BatchRanking.stack(ranks), zdv))
    laps.lap("build")
    return out


def _resample_ranking(
    acc: ClassificationAccumulator, rows: ClassificationRows, v: np.ndarray
) -> Ranking:
    """AUC / AP of the ranked classes under row weights ``v``."""
    c = acc.n_classes
    auc_c: list[float | None] = [None] * c
    ap_c: list[float | None] = [None] * c
    if acc.rank_mode == "off":
        return Ranking("off", auc_c, ap_c)
    if v.dtype.kind in "iu" and v.size and v.max() <= 255:
        v = v.astype(np.uint8)  # bootstrap counts are small: 1 byte per row gathers faster
    for k, idx in enumerate(rows.ranks):
        if idx is not None:
            auc_c[k], ap_c[k] = idx.auc_ap(v)
    rk = Ranking(acc.rank_mode, auc_c, ap_c)
    if rows.micro is not None:
        rk.micro = rows.micro.auc_ap(np.repeat(v, acc.n_classes))
    if rows.ovo is not None:
        rk.ovo = rows.ovo.average(v)
    if acc.task == "binary" and acc.max_fpr is not None and rows.ranks[1] is not None:
        rk.partial = partial_auc(rows.ranks[1].groups(v), acc.max_fpr)
    return rk


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
