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
from losscli.metrics.micro_terms import MicroPart, MicroTerms, precision_terms
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


def rank_terms(
    scores: np.ndarray, is_pos: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """First-order terms of one class's AUC and AP numerators under row weights ``v``.

    With groups g of equal score in descending order, positive weight ``Wp_g``, negative
    weight ``Wn_g``, cumulative ``TP_g``, ``FP_g`` (group g included), totals P and N:

    - AUC numerator ``U(v) = sum_g Wp_g (N - FP_g + Wn_g / 2)`` (ties count one half).
      ``dU/dv_i`` is the negative weight below a positive i (plus half its ties) and the
      positive weight above a negative i (plus half its ties); ``AUC = U / (P N)``.
    - AP numerator ``F(v) = sum_g Wp_g r_g`` with ``r_g = TP_g / (TP_g + FP_g)`` (``AP = F /
      P``, scikit-learn's step sum). ``dF/dv_i = r_g + sum_{h >= g} Wp_h FP_h / D_h^2`` for a
      positive in group g and ``-sum_{h >= g} Wp_h TP_h / D_h^2`` for a negative, with ``D =
      TP + FP`` and ``h >= g`` the groups scored at or below g.

    The resampled numerators to first order are ``U0 + sum_i (c_i - 1) w_i g_i`` and
    ``F0 + sum_i (c_i - 1) w_i f_i``. ``U`` is homogeneous of degree 2 and ``F`` of degree 1 in
    the weights, so ``sum_i w_i g_i = 2 U0`` and ``sum_i w_i f_i = F0``.

    Args:
        scores: (n,) the class's scores (any order; ties allowed).
        is_pos: (n,) bool, the class's positives.
        w: (n,) sample weights, or None for 1.

    Returns:
        ``(g, U0, f, F0)``: float64 (n,) per-row AUC terms, the AUC numerator, float64 (n,)
        per-row AP terms and the AP numerator, rows in the input order.

    >>> g, u0, f, f0 = rank_terms(np.array([0.35, 0.8, 0.1, 0.4]),
    ...                           np.array([True, True, False, False]), None)
    >>> u0 / (2 * 2), round(f0 / 2, 6)  # AUC 0.75 and AP 0.833333, as scikit-learn
    (0.75, 0.833333)
    >>> float(g.sum()) == 2 * u0, bool(np.isclose(f.sum(), f0))
    (True, True)
    """
    n = scores.shape[0]
    if n == 0:
        return np.zeros(0), 0.0, np.zeros(0), 0.0
    order, g, u0, f, f0 = _sorted_rank_terms(scores, is_pos, w)
    g_out = np.empty(n)
    g_out[order] = g
    del g
    f_out = np.empty(n)
    f_out[order] = f
    return g_out, u0, f_out, f0


def paired_rank_terms(
    scores_a: np.ndarray, scores_b: np.ndarray, is_pos: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rank_terms` of two models' scores of the same n rows pooled (2n items: A's
    rows, then B's, each with its row's label and weight), as each row's A term less its B
    term: ``(g_A - g_B, f_A - f_B)``, the swaps' rank columns
    (:mod:`losscli.metrics.swap_linear`).

    The same numbers as ``rank_terms`` of the concatenations, with fewer 2n-item arrays at
    once: the pooled scores are dropped once sorted and their tie groups known, and the
    terms are read back per row through the inverse of the sort, not scattered into two
    2n-item arrays.

    Args:
        scores_a, scores_b: (n,) each model's scores of the class.
        is_pos: (n,) bool, the class's positives (the same rows in both).
        w: (n,) sample weights, or None for 1.

    Returns:
        float64 (n,) ``g_A - g_B`` and ``f_A - f_B``.

    >>> a, b = np.array([0.35, 0.8, 0.1, 0.4]), np.array([0.5, 0.8, 0.2, 0.1])
    >>> pos = np.array([True, True, False, False])
    >>> dg, df = paired_rank_terms(a, b, pos, None)
    >>> g, _, f, _ = rank_terms(np.r_[a, b], np.r_[pos, pos], None)
    >>> bool((dg == g[:4] - g[4:]).all() and (df == f[:4] - f[4:]).all())
    True
    """
    n = scores_a.shape[0]
    m = 2 * n
    if n == 0:
        return np.zeros(0), np.zeros(0)
    idx = np.int32 if m < 2**31 else np.intp
    scores = np.concatenate([scores_a, scores_b])
    asc = np.argsort(scores)  # rank_terms' sort, then read descending
    last = _group_ends(scores[asc[::-1]])
    del scores
    order = asc[::-1].astype(idx)
    del asc
    pos = np.concatenate([is_pos, is_pos]).astype(bool, copy=False)[order]
    w2 = None if w is None else np.concatenate([w, w])
    _, g, _, f, _ = _sorted_rank_terms(None, pos, w2, order, presorted=True, last=last)
    del pos, w2, last
    inv = np.empty(m, dtype=idx)  # each item's position in the sort
    inv[order] = np.arange(m, dtype=idx)
    del order
    ia, ib = inv[:n], inv[n:]
    dg = g[ia] - g[ib]
    del g
    df = f[ia] - f[ib]
    return dg, df


def rank_row_sums(
    cells: np.ndarray, is_pos: np.ndarray, w: np.ndarray | None, n_rows: int
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """:func:`rank_terms` of ``n_rows * k`` cells (row-major: cell ``i k + j`` is row i's
    j-th), summed per row: the micro AUC / AP terms of a row are those of its k cells.

    Args:
        cells: (n_rows * k,) the cells' scores.
        is_pos: (n_rows * k,) bool, the positive cells.
        w: (n_rows * k,) cell weights, or None for 1.
        n_rows: rows.

    Returns:
        ``(g, U0, f, F0)`` with g and f float64 (n_rows,), the per-row sums.

    >>> s = np.array([0.35, 0.1, 0.8, 0.4])
    >>> g, u0, f, f0 = rank_row_sums(s, np.array([True, False, True, False]), None, 2)
    >>> g0, _, f0_, _ = rank_terms(s, np.array([True, False, True, False]), None)
    >>> bool(np.allclose(g, g0.reshape(2, 2).sum(axis=1))), u0
    (True, 3.0)
    """
    if cells.shape[0] == 0:
        return np.zeros(n_rows), 0.0, np.zeros(n_rows), 0.0
    k = cells.shape[0] // n_rows
    order, g, u0, f, f0 = _sorted_rank_terms(cells, is_pos, w)
    rows = order // k
    del order
    g_rows = np.bincount(rows, weights=g, minlength=n_rows)
    del g
    return g_rows, u0, np.bincount(rows, weights=f, minlength=n_rows), f0


def _group_ends(s: np.ndarray) -> np.ndarray:
    """bool (n,): whether each of the sorted scores ``s`` is the last of its tie group.

    >>> _group_ends(np.array([3.0, 2.0, 2.0, 1.0])).tolist()
    [True, False, True, True]
    """
    last = np.empty(s.shape[0], dtype=bool)
    if s.shape[0]:
        np.not_equal(s[1:], s[:-1], out=last[:-1])
        last[-1] = True
    return last


def _sorted_rank_terms(
    scores: np.ndarray | None,
    is_pos: np.ndarray,
    w: np.ndarray | None,
    order: np.ndarray | None = None,
    presorted: bool = False,
    last: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, float]:
    """:func:`rank_terms` in descending score order: ``(order, g, U0, f, F0)`` with
    ``g[p]``, ``f[p]`` the terms of row ``order[p]``; ``order``: that descending order when
    the caller has sorted the scores already (ties in any order), else one argsort here;
    ``presorted``: ``scores`` and ``is_pos`` are given in that order already; ``last``:
    :func:`_group_ends` of the sorted scores, when the caller has it (``scores`` may then be
    None: only the tie groups are read from them).

    A row's terms need the cumulative weights at it (one pass each); the AP terms and their
    suffix sums live on the positives only (a negative's AP term is minus the suffix sum at
    the first positive after it). With tie groups, every row's terms are its group's
    (:func:`_grouped_rank_terms`).
    """
    n = is_pos.shape[0]
    idx = np.int32 if n < 2**31 else np.intp  # positions: half the memory of intp
    if n == 0:
        return np.zeros(0, dtype=idx), np.zeros(0), 0.0, np.zeros(0), 0.0
    if order is None:
        assert scores is not None
        order = np.argsort(scores)[::-1].astype(idx)  # ties form one group: any order in them
    pos = np.asarray(is_pos, dtype=bool)
    if not presorted:
        pos = pos[order]
    if last is None:  # the last row of its tie group
        assert scores is not None
        last = _group_ends(scores if presorted else scores[order])
    if not last.all():  # tie groups: every row takes its group's terms
        ww = None if w is None else np.asarray(w, dtype=np.float64)[order]
        g, u0, f, f0 = _grouped_rank_terms(pos, last, ww)
        return order, g, u0, f, f0
    ip = np.flatnonzero(pos)  # the positives' positions
    if w is None:
        tpc = np.cumsum(pos, dtype=np.float64)  # positive weight up to each row, inclusive
        fpc = None  # negative weight: (row + 1) - tpc
        n_tot = float(n - ip.size)
        w_p = np.ones(ip.size)
        count_before = tpc.astype(idx)  # at a negative row: the positives before it
    else:
        ww = np.asarray(w, dtype=np.float64)[order]
        wp = np.where(pos, ww, 0.0)
        tpc = np.cumsum(wp)
        ww -= wp
        del wp
        fpc = np.cumsum(ww)
        del ww
        n_tot = float(fpc[-1])
        w_p = np.asarray(w, dtype=np.float64)[order[ip]]
        count_before = np.cumsum(pos, dtype=idx)

    def neg_weight(at: np.ndarray, tp_at: np.ndarray) -> np.ndarray:
        return at + 1.0 - tp_at if fpc is None else fpc[at]

    tp_p = tpc[ip]
    fp_p = neg_weight(ip, tp_p)
    g = tpc  # a negative's AUC term: the positive weight above it
    del tpc
    g[ip] = n_tot - fp_p  # a positive's: the negative weight below it
    r_p, a_p, b_p = precision_terms(tp_p, fp_p, w_p)
    u0 = float(w_p @ g[ip])
    f0 = float(w_p @ r_p)
    sa = np.cumsum(a_p[::-1])[::-1]
    sb = np.append(np.cumsum(b_p[::-1])[::-1], 0.0)  # sb[k]: positives k on
    f = -sb[count_before]  # a negative row: minus the suffix at the next positive
    del count_before
    f[ip] = r_p + sa
    return order, g, u0, f, f0


def _grouped_rank_terms(
    pos: np.ndarray, last: np.ndarray, ww: np.ndarray | None
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """:func:`_sorted_rank_terms`' ``(g, U0, f, F0)`` when scores tie, one group at a time.

    Rows in descending score order: ``pos`` bool (n,), ``last`` bool (n,) the last row of
    each group of equal score, ``ww`` the weights in that order (None: 1). With ``TP_g``,
    ``FP_g`` the positive / negative weight up to group g's end, ``Wp_g``, ``Wn_g`` its own:
    a positive's AUC term is ``N - FP_{g-1} - Wn_g / 2``, a negative's ``TP_{g-1} + Wp_g / 2``;
    a positive's AP term ``r_g + sum_{h >= g} Wp_h FP_h / D_h^2``, a negative's ``-sum_{h >=
    g} Wp_h TP_h / D_h^2`` (``D = TP + FP``, ``r = TP / D``, ``h >= g`` the groups at or below
    g). Per group, then gathered per row: no per-row patching, whatever the share of ties.
    """
    n = pos.size
    ends = np.flatnonzero(last)
    if ww is None:
        tpc = np.cumsum(pos, dtype=np.float64)
        tp_end = tpc[ends]
        fp_end = (ends + 1.0) - tp_end
    else:
        wp = np.where(pos, ww, 0.0)
        tpc = np.cumsum(wp)
        tp_end = tpc[ends]
        np.subtract(ww, wp, out=wp)
        fp_end = np.cumsum(wp)[ends]
        del wp
    del tpc
    n_g = ends.size
    del ends
    tp_before = np.concatenate(([0.0], tp_end[:-1]))
    fp_before = np.concatenate(([0.0], fp_end[:-1]))
    wp_g = tp_end - tp_before
    wn_g = fp_end - fp_before
    n_tot = float(fp_end[-1]) if n else 0.0
    at = np.cumsum(last, dtype=np.int32 if 2 * n < 2**31 else np.intp)
    at -= last  # each row's group
    ip = np.flatnonzero(pos)
    at[ip] += n_g  # a positive reads the second half of each per-group table: [neg | pos]
    # one gather per term from a (2 G,) table, no (n,) temporaries per kind of row; each
    # table written in place: [tp_before + Wp / 2 | N - fp_before - Wn / 2]
    table = np.empty(2 * n_g)
    np.multiply(wp_g, 0.5, out=table[:n_g])
    table[:n_g] += tp_before
    np.subtract(n_tot, fp_before, out=table[n_g:])
    table[n_g:] -= 0.5 * wn_g
    del tp_before, fp_before, wn_g
    g = table[at]
    r, a, b = precision_terms(tp_end, fp_end, wp_g)
    del tp_end, fp_end, wp_g
    np.negative(np.cumsum(b[::-1])[::-1], out=table[:n_g])  # -(the b's of groups g on)
    del b
    np.add(r, np.cumsum(a[::-1])[::-1], out=table[n_g:])  # r + (the a's of groups g on)
    del a
    f = table[at]
    del table
    gid_p = at[ip] - n_g  # the positives' groups
    del at
    w_p = np.ones(ip.size) if ww is None else ww[ip]
    return g, float(w_p @ g[ip]), f, float(w_p @ r[gid_p])


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
        last = _group_ends(s_asc[down])
        if micro is None:  # the sorted scores are needed no longer than the ties' test
            del s_asc
        order, g, u0, f, _ = _sorted_rank_terms(
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
                jobs = iter(list(jobs))  # the one class's ranking done before the rows' terms
            # the classes' sorts run on the pool while the rows' terms are made here
            self._rows_and_ranks(acc, kept, zero_division, extra or [], ranked, jobs, micro)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _rows_and_ranks(
        self,
        acc: ClassificationAccumulator,
        kept: tuple[np.ndarray, np.ndarray, np.ndarray | None],
        zero_division: object,
        extra: list[Any],
        ranked: list[int],
        jobs: Iterator[tuple[np.ndarray, float, np.ndarray, MicroPart | None]] | None,
        micro: MicroTerms | None,
    ) -> None:
        rows = ClassificationRows(acc, with_ranks=False, kept=kept)
        del kept
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
        order = np.argsort(key, kind="stable")  # int16 keys: a radix sort
        del key
        self.order = order
        joint = rows.joint[order]
        change = np.flatnonzero(joint[1:] != joint[:-1]) + 1
        starts = np.concatenate(([0], change)).astype(np.intp) if n else np.zeros(0, np.intp)
        self.bounds = np.append(starts, n).astype(np.intp)
        self.seg_key = joint[starts]
        seg = np.empty((n, 2))
        seg[:, 0] = 1.0 if ww is None else ww[order]
        seg[:, 1] = seg[:, 0] * rows.conf[order]
        self.seg_base = np.add.reduceat(seg, starts, axis=0) if n else np.zeros((0, 2))
        self.seg_cols = seg.astype(np.float32)
        del seg, joint

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
