"""Linear resampling of a classification accumulator: the fast path of ``--bootstrap``.

A Poisson-bootstrap resample gives row i the weight ``c_i w_i``. Every sum a binary or
multi-class accumulator holds is linear in those weights (total weight, log loss, Brier,
top-k hits, and per (confusion cell, calibration bin) the weight and the weight times the
confidence), so its resampled value is ``sum_i c_i x_i`` of a fixed per-row term ``x_i``.
:class:`LinearClassification` lays those terms out for :func:`losscli.bootstrap.linear_blocks`:
dense columns, and segments of rows sorted by (cell, bin) for the confusion and calibration
sums (one pass per segment instead of a column per cell).

ROC AUC and average precision are not sums of per-row terms: their numerators are a
quadratic form (AUC: ``sum_{i pos, j neg} v_i v_j h_ij``) and a sum of ratios (AP). Here
they enter through their first-order (linear) expansion around the data, ``c = 1``
(:func:`rank_terms`), while the denominators (the positive and negative weight) stay exact.
The neglected second-order term is relatively of order ``1 / sqrt(P N)`` for the AUC and
``log(n) / n`` for AP, against a resampling spread of order ``1 / sqrt(n)``; the engine uses
this path only for large data (``LINEAR_MIN_RANKED``), and
``tests/metrics/test_bootstrap_linear.py`` measures the difference from the exact replicates on
the same draws.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from losscli._threads import cpu_count
from losscli.metrics.accumulator import ClassificationAccumulator
from losscli.metrics.batch import BatchRanking, batch_metrics
from losscli.metrics.builder import Ranking, ResultBuilder, zero_division_note
from losscli.metrics.keys import class_key, key_bins
from losscli.metrics.micro_terms import MicroPart, MicroTerms
from losscli.metrics.rank_linear import (
    group_ends,
    paired_rank_terms,
    rank_row_sums,
    rank_terms,
    sorted_rank_terms,
)
from losscli.metrics.resample import ClassificationRows, cell_sums
from losscli.metrics.state import CLASSIFICATION_SUMS, Sums
from losscli.metrics.term_matrix import TermMatrix, column_of, width_of

__all__ = [
    "LINEAR_MIN_RANKED",
    "rank_terms",
    "paired_rank_terms",
    "rank_row_sums",
    "LinearClassification",
    "linear_skipped",
]

LINEAR_MIN_RANKED = 5000
"""Fewest positives and fewest negatives a ranked class needs for the linear AUC / AP."""


def linear_skipped(acc: Any) -> tuple[str, ...]:
    """The metrics this path does not resample (reported without an interval, with a note):
    the one-vs-one AUC (its pairs of classes are not first-order expanded here) and the
    partial AUC of ``max_fpr`` (the curve cut at a rate). The multi-class micro AUC / AP are
    resampled: their (row, class) cells' first-order terms summed per row.

    >>> linear_skipped(type("A", (), {"task": "binary", "max_fpr": 0.1})())
    ('roc_auc_partial',)
    """
    if acc.task == "binary":
        return ("roc_auc_partial",) if acc.max_fpr is not None else ()
    return ("roc_auc_ovo_macro", "roc_auc_ovo_weighted")


def _ahead(pool: ThreadPoolExecutor, job: Any, items: list[int], workers: int) -> Iterator[Any]:
    """``job(item)`` of each item on the pool, yielded in order. The first ``workers + 1``
    are submitted now (they run while the caller does other work); then one more as each is
    taken, so at most ``workers + 1`` wait beyond the one taken (``pool.map`` submits them
    all: their per-row results would pile up while the consumer writes them)."""
    todo = iter(items)
    running = deque(pool.submit(job, x) for x in itertools.islice(todo, workers + 1))

    def results() -> Iterator[Any]:
        while running:
            box = [running.popleft().result()]
            for x in itertools.islice(todo, 1):
                running.append(pool.submit(job, x))
            yield box.pop()  # held by the taker alone (not by this suspended generator)

    return results()


def _handed(items: list[Any]) -> Iterator[Any]:
    """The items in order, each let go of here as it is taken (the taker holds it alone)."""
    while items:
        yield items.pop(0)


def _rank_jobs(
    acc: ClassificationAccumulator,
    kept: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    ranked: list[int],
    pool: ThreadPoolExecutor,
    workers: int,
) -> tuple[Iterator[tuple[np.ndarray, float, np.ndarray, MicroPart | None]], MicroTerms | None]:
    """Start every ranked class's rank terms on ``pool`` (:func:`_ahead`): per class, in
    class order, ``(g, U0, f, part)`` with g, f float64 (n,) in row order and ``part`` its
    share of the multi-class micro terms, which the returned :class:`MicroTerms` (None for
    a binary task) sums once :meth:`MicroTerms.add` has taken every part. Each class's
    scores are sorted once, for its own terms and its micro part."""
    yt, key, w = kept  # ranked by the key, as result()
    n = yt.shape[0]
    binned = acc.rank_mode == "binned"

    def score_of(k: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Class k's ranking scores of ``rows`` (None: every row)."""
        sub = key if rows is None else key[rows]
        if binned:  # the bins of the column (0 in the last bin)
            col = sub if acc.task == "binary" else sub[:, k]
            return key_bins(col, acc.rank_key, acc.auc_bins or 1)
        return sub if acc.task == "binary" else class_key(sub, k, acc.rank_key)

    micro = None
    if acc.task == "multiclass":  # each row's positive cell: its own class's score
        pv = np.empty(n)
        for k in ranked:
            rows_k = np.flatnonzero(yt == k)
            if rows_k.size:
                pv[rows_k] = score_of(k, rows_k)
        micro = MicroTerms(pv, w)
        del pv

    def terms_of(k: int) -> tuple[np.ndarray, float, np.ndarray, MicroPart | None]:
        s = np.ascontiguousarray(score_of(k))  # a column of the (n, C) keys: read it once
        is_pos = yt == k
        asc = np.argsort(s)  # one sort: the class's terms and micro part
        s_asc = s[asc]
        pos_asc = is_pos[asc]
        del s, is_pos
        down = slice(None, None, -1)  # descending
        last = group_ends(s_asc[down])
        if micro is None:  # the sorted scores are needed no longer than the ties' test
            del s_asc
        order, g, u0, f, _ = sorted_rank_terms(
            None, pos_asc[down], w, asc[down], presorted=True, last=last
        )
        del last
        g_out = np.empty(n)
        g_out[order] = g
        del g
        f_out = np.empty(n)
        f_out[order] = f
        del f, order
        part = None if micro is None else micro.merge(s_asc, asc, pos_asc)
        return g_out, u0, f_out, part

    return _ahead(pool, terms_of, ranked, workers), micro


class LinearClassification:
    """A binary or multi-class accumulator's resampled metrics from linear sums.

    Rows are taken in ``order`` (sorted by confusion cell and calibration bin); ``dense``
    (n, T) holds, in that order, the columns ``w``, ``w log_loss``, ``w brier``
    (``w top_k_hit``), then per ranked class ``w g`` (AUC) and ``w f`` (AP) from
    :func:`rank_terms`; the segments are the runs of equal (cell, bin), with columns ``w`` and
    ``w confidence``. Columns of ``extra`` (e.g. per-row loss sums, each an (n, k) array or
    a list of (n_chunk, k) chunks, joined a column at a time) follow, from column
    ``n_metric_cols`` on. :meth:`metrics` turns one resample's sums back into the metrics
    dict of ``result()`` through the accumulator's own builder.

    Attributes:
        order: intp (n,) the accumulator's row at each position.
        dense: float32 (n, T) in ``order``.
        base: float64 (T,) the column sums at ``c = 1``.
        bounds, seg_cols, seg_base: the segments (see :class:`losscli.bootstrap.LinearTerms`).

    ``overlap=False`` (binary data: one ranked class) ranks the rows before making their
    other terms instead of beside them: the two one-off peaks apart (about 60 MB less at
    1M rows) for a little wall time (the same CPU time), e.g. where other threads keep the
    cores busy anyway (``compare`` builds these terms beside its swaps). The terms are the
    same either way.
    """

    def __init__(
        self,
        acc: ClassificationAccumulator,
        zero_division: object = "warn",
        extra: list[Any] | None = None,
        overlap: bool = True,
    ) -> None:
        if acc.task not in ("binary", "multiclass"):
            raise ValueError("the linear resampling covers binary and multi-class tasks")
        kept = acc.key_rows()  # the kept rows concatenated once, for the terms and ranks
        ranked = []
        if acc.rank_mode != "off":
            ranked = [1] if acc.task == "binary" else list(range(acc.n_classes))
        workers = min(cpu_count(), len(ranked))
        pool = ThreadPoolExecutor(workers) if ranked else None  # numpy frees the GIL
        try:
            jobs, micro = _rank_jobs(acc, kept, ranked, pool, workers) if pool else (None, None)
            if jobs is not None and not overlap and len(ranked) == 1:
                jobs = _handed(list(jobs))  # the one class's ranking done before the rows' terms
            # the classes' sorts run on the pool while the rows' terms are made here; the kept
            # rows handed over (held here no longer than the rows' terms need them)
            held = [kept]
            del kept
            self._rows_and_ranks(acc, held, zero_division, extra or [], ranked, jobs, micro)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _rows_and_ranks(
        self,
        acc: ClassificationAccumulator,
        held: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
        zero_division: object,
        extra: list[Any],
        ranked: list[int],
        jobs: Iterator[tuple[np.ndarray, float, np.ndarray, MicroPart | None]] | None,
        micro: MicroTerms | None,
    ) -> None:
        rows = ClassificationRows(acc, with_ranks=False, kept=held.pop())
        self.n_cells, self.correct_cells = rows.n_cells, rows.correct_cells
        self.acc = acc
        self.zdv, self.note = zero_division_note(zero_division)
        self.layout = rows.layout
        n = rows.n
        self.n = n
        ww = rows.w  # None: unit weights (no column of ones held)
        unweighted = ww is None

        def weighed(col: np.ndarray) -> np.ndarray:
            return col if unweighted else col * ww

        key = rows.joint.astype(np.int16 if rows.n_cells * acc.ece_bins < 2**15 else np.int32)
        rows.joint = None  # type: ignore[assignment]  # the cells: their narrow copy from here
        order = np.argsort(key, kind="stable")  # int16 keys: a radix sort
        self.order = order
        joint = key[order]
        del key
        change = np.flatnonzero(joint[1:] != joint[:-1]) + 1
        starts = np.concatenate(([0], change)).astype(np.intp) if n else np.zeros(0, np.intp)
        self.bounds = np.append(starts, n).astype(np.intp)
        self.seg_key = joint[starts].astype(np.intp)
        del joint
        seg = np.empty((n, 2))
        seg[:, 0] = 1.0 if ww is None else ww[order]
        np.multiply(seg[:, 0], rows.conf[order], out=seg[:, 1])
        self.seg_base = np.add.reduceat(seg, starts, axis=0) if n else np.zeros((0, 2))
        self.seg_cols = seg.astype(np.float32)
        del seg

        n_terms = rows.terms.shape[0]
        self.n_sum_cols = n_terms
        n_micro = 2 if micro is not None else 0  # the micro AUC / AP terms
        width = n_terms + 2 * len(ranked) + n_micro + sum(width_of(e) for e in extra)
        matrix = TermMatrix(order, width)  # columns written a group at a time
        put = matrix.put

        for j in range(n_terms):
            put(j, weighed(rows.terms[j]))
        del rows
        self.ranked: list[tuple[int, float]] = []  # (class, AUC numerator U0)
        self.micro: tuple[int, float] | None = None  # (first column, U0) of the micro terms
        j = n_terms
        for k, (g, u0, f, part) in zip(ranked, jobs or ()):
            put(j, weighed(g))
            put(j + 1, weighed(f))
            self.ranked.append((k, u0))
            j += 2
            del g, f
            if micro is not None and part is not None:
                micro.add(part)  # in class order
            del part
        if micro is not None:
            g, u0, f, _ = micro.row_sums(n)
            self.micro = (j, u0)
            put(j, weighed(g))
            put(j + 1, weighed(f))
            del g, f, micro
        self.n_metric_cols = n_terms + 2 * len(ranked) + n_micro
        j = self.n_metric_cols
        for more in extra:  # e.g. the engine's per-row loss sums, (n, k) in row order
            for i in range(width_of(more)):
                put(j, column_of(more, i))
                j += 1
        self.dense = matrix.close()
        self.base = matrix.base

    @staticmethod
    def usable(acc: ClassificationAccumulator) -> bool:
        """Whether the linear AUC / AP is accurate here: every ranked class has at least
        ``LINEAR_MIN_RANKED`` positives and negatives (or ranking is off)."""
        if acc.task not in ("binary", "multiclass") or not acc.keep_rows:
            return False
        if acc.rank_mode == "off":
            return True
        yt, _, _ = acc.key_rows()
        support = np.bincount(yt.astype(np.intp), minlength=acc.n_classes)
        ranked = support[1:2] if acc.task == "binary" else support
        n = yt.shape[0]
        return bool(ranked.min() >= LINEAR_MIN_RANKED and (n - ranked).min() >= LINEAR_MIN_RANKED)

    def metrics(self, sums: np.ndarray, segs: np.ndarray) -> dict[str, float | None]:
        """The metrics dict of one resample from its dense sums (T,) and segment sums (S, 2).

        Confusion matrix, calibration bins, log loss, Brier and top-k are exact functions of
        the sums; AUC ``= (sum_i c_i w_i g_i - U0) / (P* N*)`` and AP ``= sum_i c_i w_i f_i /
        P*`` with the resample's exact positive and negative weights ``P*``, ``N*``, clipped
        to [0, 1].
        """
        acc = self.acc
        c, bins = acc.n_classes, acc.ece_bins
        s = Sums.zeros(CLASSIFICATION_SUMS, acc.dims)
        self.layout.fill(s, sums)  # the dense sums come first, in the layout's order
        joint = np.zeros(self.n_cells * bins)
        joint[self.seg_key] = segs[:, 0]
        conf = np.zeros(self.n_cells * bins)
        conf[self.seg_key] = segs[:, 1]
        cell_sums(s, self.n_cells, self.correct_cells, joint, conf, acc.task)
        auc_c: list[float | None] = [None] * c
        ap_c: list[float | None] = [None] * c
        col = self.n_sum_cols  # the first AUC column
        for k, u0 in self.ranked:
            p_w = float(s.cm[k].sum())
            n_w = s.total_weight - p_w
            if p_w > 0:
                ap_c[k] = min(max(float(sums[col + 1]) / p_w, 0.0), 1.0)
                if n_w > 0:
                    auc = (float(sums[col]) - u0) / (p_w * n_w)
                    auc_c[k] = min(max(auc, 0.0), 1.0)
            col += 2
        ranking = Ranking(acc.rank_mode, auc_c, ap_c, skipped=linear_skipped(acc))
        if self.micro is not None:  # every row holds one positive cell and C - 1 negatives
            col, u0 = self.micro
            p_w = s.total_weight
            n_w = (c - 1) * p_w
            ap = min(max(float(sums[col + 1]) / p_w, 0.0), 1.0) if p_w > 0 else None
            auc = (float(sums[col]) - u0) / (p_w * n_w) if p_w > 0 else None
            ranking.micro = (None if auc is None else min(max(auc, 0.0), 1.0), ap)
        out: dict[str, Any] = ResultBuilder(acc, s, self.zdv, self.note, ranking).metrics()
        return out

    def metrics_batch(self, sums: np.ndarray, segs: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`metrics` of B resamples at once, from their dense sums (B, T) and segment
        sums (B, S, 2): ``{name: float64 (B,)}``, NaN where :meth:`metrics` gives None.

        The same sums -> metrics as :meth:`metrics`, each formula once over the resample axis
        (:func:`losscli.metrics.batch.batch_metrics`): AUC ``= (sum_i c_i w_i g_i - U0) / (P*
        N*)`` and AP ``= sum_i c_i w_i f_i / P*``, clipped to [0, 1], NaN where ``P*`` (or
        ``N*``) is 0.
        """
        acc = self.acc
        c, bins = acc.n_classes, acc.ece_bins
        b = sums.shape[0]
        s = Sums.zeros(CLASSIFICATION_SUMS, acc.dims)
        self.layout.fill(s, sums)  # (B,) and (B, width) fields
        joint = np.zeros((b, self.n_cells * bins))
        joint[:, self.seg_key] = segs[:, :, 0]
        conf = np.zeros((b, self.n_cells * bins))
        conf[:, self.seg_key] = segs[:, :, 1]
        cell_sums(s, self.n_cells, self.correct_cells, joint, conf, acc.task)
        auc = np.full((b, c), np.nan)
        ap = np.full((b, c), np.nan)
        big_w = s.total_weight
        col = self.n_sum_cols  # the first AUC column
        with np.errstate(invalid="ignore", divide="ignore"):
            for k, u0 in self.ranked:
                p_w = s.cm[:, k].sum(axis=-1)
                n_w = big_w - p_w
                ap[:, k] = np.where(p_w > 0, np.clip(sums[:, col + 1] / p_w, 0.0, 1.0), np.nan)
                ok = (p_w > 0) & (n_w > 0)
                auc_k = np.clip((sums[:, col] - u0) / (p_w * n_w), 0.0, 1.0)
                auc[:, k] = np.where(ok, auc_k, np.nan)
                col += 2
            ranking = BatchRanking(acc.rank_mode, auc, ap)
            if self.micro is not None:  # every row: one positive cell and C - 1 negatives
                col, u0 = self.micro
                live = big_w > 0
                m_ap = np.where(live, np.clip(sums[:, col + 1] / big_w, 0.0, 1.0), np.nan)
                m_auc = (sums[:, col] - u0) / (big_w * ((c - 1) * big_w))
                ranking.micro = (np.where(live, np.clip(m_auc, 0.0, 1.0), np.nan), m_ap)
        return batch_metrics(acc, s, ranking, self.zdv)
