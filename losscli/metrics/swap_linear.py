"""Two classification accumulators' metrics under random swaps of their rows, from sums.

``compare``'s randomisation test swaps row i's A and B outputs when ``s_i = 1``. Every sum a
binary or multi-class accumulator holds is a sum of per-row terms, so the swapped models'
sums are ``A' = A + s @ (X_B - X_A)`` and ``B' = B - s @ (X_B - X_A)``: the confusion
counts, calibration bins, log loss, Brier, top-k hits (and any per-row loss sums) of A' and
B', and so every metric built from them (accuracy, F1, MCC, ECE, ...), are exact functions
of one product ``s @ D`` (:func:`losscli.swaps.swap_blocks`). The confusion and calibration
sums come from segments of rows with the same (cell, bin) in A and in B.

ROC AUC and average precision are not sums, but their difference between the swapped
models is (nearly) linear in ``s``. Put A's and B's rows together (2n items, each with its
row's label and weight): A' keeps item ``A_i`` when ``s_i = 0`` and ``B_i`` when ``s_i = 1``,
B' the others, so both have each row's label once and the positive and negative weights P,
N of A and B. With item weights ``v = w / 2 + e w`` for A' (``e = +-1/2``) and ``w / 2 - e w``
for B', the AUC numerator ``U`` is quadratic in the weights, so ``U(B') - U(A') = -2 grad
U(w / 2) . (e w)`` exactly: ``AUC(B') - AUC(A') = (s - 1/2) @ (w (g_A - g_B)) / (P N)`` with
``g`` the first-order terms of :func:`losscli.metrics.rank_linear.rank_terms` over the 2n items.
This is EXACT (to float rounding), ties counting one half. The AP numerator is not
quadratic: the same expansion ``AP(B') - AP(A') = 2 (s - 1/2) @ (w (f_A - f_B)) / P`` is exact
to first order, and since the difference is odd in ``e`` the second-order terms cancel: the
error is of third order (relatively ``O(1 / n)``). The macro, weighted and micro AUC / AP are
fixed combinations of per-class (or per-cell) values, so theirs follow; so are the
one-vs-one averages of the pairs' AUC (exact too). The partial AUC (``max_fpr``) is not a
fixed combination of such numerators: :meth:`SwapClassification.usable` leaves it to the
exact swaps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli._threads import Background
from losscli.metrics.accumulator import ClassificationAccumulator
from losscli.metrics.batch import BatchRanking, batch_metrics
from losscli.metrics.builder import zero_division_note
from losscli.metrics.keys import class_key, key_bins
from losscli.metrics.rank_linear import paired_rank_terms, rank_terms
from losscli.metrics.resample import ClassificationRows, cell_sums
from losscli.metrics.state import CLASSIFICATION_SUMS, Sums
from losscli.metrics.term_matrix import column_of, width_of
from losscli.swaps import centred

__all__ = ["SwapClassification", "SWAP_RANKED", "SWAP_FIRST_ORDER"]

SWAP_FIRST_ORDER = (
    "average_precision",
    "average_precision_macro",
    "average_precision_weighted",
    "average_precision_micro",
)
"""The swapped differences :class:`SwapClassification` gives to first order (the rest exact)."""

SWAP_RANKED = (
    "roc_auc",
    "roc_auc_macro",
    "roc_auc_weighted",
    "roc_auc_micro",
    "roc_auc_ovo_macro",
    "roc_auc_ovo_weighted",
    *SWAP_FIRST_ORDER,
)
"""Every ranking metric: their swapped differences come from the rank columns."""


class SwapClassification:
    """Terms of the swapped sums of two accumulators over the same rows, and their metrics.

    Rows are taken in ``order`` (sorted by the pair (A's (cell, bin), B's (cell, bin))); the
    segments are the runs of equal pairs, with columns ``w``, ``w conf_A``, ``w conf_B``.
    ``dense`` (n, T + 1) float32 holds the non-zero columns of ``X_B - X_A`` (the
    accumulator's dense terms times ``w``, then the columns of ``extra``), then per ranked
    class the AUC and AP columns ``w (g_A - g_B)`` and ``w (f_A - f_B)`` (then the micro
    ones), each less its shift (:func:`losscli.swaps.centred`), then a column of ones.

    Attributes:
        dense, bounds, seg_cols, shift: the :class:`losscli.swaps.SwapTerms` (float32,
            centred columns).
        order: intp (n,), the row at each position (the swaps' bits are drawn in this order).
        width: the full width of the summed terms (the layout's, then ``extra``'s).
        n_layout: the layout's width (the extra columns follow).

    Args:
        acc_a, acc_b: accumulators with ``keep_rows=True`` of the same plan, on the same
            rows (labels and weights) in the same order.
        zero_division: as in ``result``.
        extra: per-row sums of other statistics, ``(rows_a, rows_b)`` pairs in row order,
            each an (n, k) array or a list of (n_chunk, k) chunks (e.g. the engine's loss sums
            as it kept them: joined a column at a time, after the ranking's peak).
    """

    def __init__(
        self,
        acc_a: ClassificationAccumulator,
        acc_b: ClassificationAccumulator,
        zero_division: object = "warn",
        extra: list[tuple[Any, Any]] | None = None,
    ) -> None:
        if acc_a.task not in ("binary", "multiclass") or acc_b.task != acc_a.task:
            raise ValueError("the swapped sums cover binary and multi-class tasks")
        self.acc = acc_a
        self.zdv, self.note = zero_division_note(zero_division)
        # the rank columns (their 2n-item sorts) on a thread beside A's row terms, B's after
        # them: the setup's peak stays below the run's (the rows' terms of both beside the
        # sorts would not), about 0.2 s less on 1M rows
        rank_job = Background(self._rank_columns, acc_b)
        rows_a = ClassificationRows(acc_a, with_ranks=False)
        rank_cols = rank_job.result()
        rows_b = ClassificationRows(acc_b, with_ranks=False)
        n = rows_a.n
        if rows_b.n != n:
            raise ValueError("the two accumulators hold different numbers of rows")
        self.n = n
        self.layout = rows_a.layout
        self.n_cells, self.correct_cells = rows_a.n_cells, rows_a.correct_cells
        ww = rows_a.w  # None: unit weights (no column of ones held)
        n_joint = rows_a.n_cells * acc_a.ece_bins
        self.n_joint = n_joint
        ja, jb = rows_a.joint, rows_b.joint
        self.base_joint = [np.bincount(j, ww, n_joint).astype(np.float64) for j in (ja, jb)]
        self.base_conf = [
            np.bincount(j, r.conf if ww is None else ww * r.conf, n_joint)
            for j, r in ((ja, rows_a), (jb, rows_b))
        ]
        # the pair as one key in the narrowest integer (a stable sort of 16-bit keys is a
        # radix sort); the rows' own cells no longer needed past it
        narrow = np.int16 if n_joint * n_joint < 2**15 else np.int64
        pair = np.multiply(ja, n_joint, dtype=np.int64)
        pair += jb
        del ja, jb
        rows_a.joint = rows_b.joint = None  # type: ignore[assignment]
        pair = pair.astype(narrow, copy=False)
        order = np.argsort(pair, kind="stable")
        self.order = order
        ps = pair[order].astype(np.int64)
        del pair
        change = np.flatnonzero(ps[1:] != ps[:-1]) + 1
        starts = np.concatenate(([0], change)).astype(np.intp) if n else np.zeros(0, np.intp)
        self.bounds = np.append(starts, n).astype(np.intp)
        self.seg_a = (ps[starts] // n_joint).astype(np.intp)
        self.seg_b = (ps[starts] % n_joint).astype(np.intp)
        del ps
        # dense sums: the layout's terms, then extra's; only the columns that differ
        extra = extra or []
        self.n_layout = rows_a.terms.shape[0]
        self.width = self.n_layout + sum(width_of(ea) for ea, _ in extra)
        self.base = [np.empty(self.width), np.empty(self.width)]
        cols: list[np.ndarray] = []
        self.dense_at: list[int] = []  # the full column of each dense column

        shifts: list[float] = []

        def put(j: int, col_a: np.ndarray, col_b: np.ndarray) -> None:
            self.base[0][j], self.base[1][j] = col_a.sum(), col_b.sum()
            diff = col_b - col_a
            if diff.any():
                col, shift = centred(diff[order])
                cols.append(col)
                shifts.append(shift)
                self.dense_at.append(j)

        for j in range(self.n_layout):
            if ww is None:
                put(j, rows_a.terms[j], rows_b.terms[j])
            else:
                put(j, rows_a.terms[j] * ww, rows_b.terms[j] * ww)
        # the rows' terms freed before the segments' columns and the extra columns are made
        conf_a, conf_b = rows_a.conf, rows_b.conf
        del rows_a, rows_b
        seg = np.empty((n, 3), dtype=np.float32)  # float32 products (losscli.swaps)
        if ww is None:
            seg[:, 0] = 1.0
            seg[:, 1] = conf_a[order]
            seg[:, 2] = conf_b[order]
        else:
            w_at = ww[order]
            seg[:, 0] = w_at
            seg[:, 1] = w_at * conf_a[order]
            seg[:, 2] = w_at * conf_b[order]
            del w_at
        self.seg_cols = seg
        del conf_a, conf_b
        j = self.n_layout
        for ea, eb in extra:
            for i in range(width_of(ea)):
                put(j, column_of(ea, i), column_of(eb, i))
                j += 1
        self.n_sum_cols = len(cols)

        # float32 (losscli.swaps.SwapTerms): each column centred, then a column of ones
        t_cols = len(cols) + len(rank_cols)
        self.dense = np.empty((n, t_cols + 1), dtype=np.float32)
        for i, col in enumerate(cols):
            self.dense[:, i] = col
        cols.clear()
        self.rank_half = np.empty(len(rank_cols))  # the constant of (s - 1/2) @ column
        for i, col in enumerate(rank_cols, start=self.n_sum_cols):
            at = col[order]
            self.rank_half[i - self.n_sum_cols] = 0.5 * at.sum()
            self.dense[:, i], shift = centred(at)
            shifts.append(shift)
            del at
        rank_cols.clear()
        self.dense[:, t_cols] = 1.0
        self.shift = np.array(shifts, dtype=np.float64)
        self.support = np.array([p for _, p, _ in self.ranked])

    def _rank_columns(self, acc_b: ClassificationAccumulator) -> list[np.ndarray]:
        """The AUC and AP columns over the 2n items, in row order: per ranked class (binary:
        class 1) ``w (g_A - g_B)`` and ``w (f_A - f_B)``, then the micro and one-vs-one ones."""
        acc = self.acc
        self.ranked: list[tuple[int, float, float]] = []  # (class, P, N)
        self.micro = self.ovo = False
        cols: list[np.ndarray] = []
        if acc.rank_mode == "off":
            return cols
        ranked = [1] if acc.task == "binary" else list(range(acc.n_classes))
        yt, key_a, w = acc.key_rows()
        _, key_b, _ = acc_b.key_rows()
        n = yt.shape[0]
        total = float(n) if w is None else float(w.sum())
        for k in ranked:
            is_pos = yt == k
            dg, df = paired_rank_terms(
                _rank_key(acc, key_a, k), _rank_key(acc, key_b, k), is_pos, w
            )
            p_w = float(np.count_nonzero(is_pos)) if w is None else float(w[is_pos].sum())
            cols.append(_weighed(w, dg))
            cols.append(_weighed(w, df))
            self.ranked.append((k, p_w, total - p_w))
            del dg, df
        if acc.task == "multiclass":  # every (row, class) cell one item
            c = acc.n_classes
            cells = [_cells(acc, key) for key in (key_a, key_b)]
            is_cell = (yt[:, None] == np.arange(c)[None, :]).ravel()
            wc = None if w is None else np.repeat(w, c)
            g, _, f, _ = rank_terms(
                np.concatenate(cells),
                np.concatenate([is_cell, is_cell]),
                None if wc is None else np.concatenate([wc, wc]),
            )
            del cells, is_cell
            gr = g.reshape(2 * n, c).sum(axis=1)
            fr = f.reshape(2 * n, c).sum(axis=1)
            cols.append(_weighed(w, gr[:n] - gr[n:]))
            cols.append(_weighed(w, fr[:n] - fr[n:]))
            self.micro = True
            del g, f, gr, fr
        if acc.task == "multiclass" and acc.rank_mode == "exact":
            ovo = _ovo_columns(acc, yt, np.ones(n) if w is None else w, key_a, key_b)
            self.ovo = ovo is not None
            cols.extend(ovo or [])
        return cols

    @staticmethod
    def usable(acc: ClassificationAccumulator) -> bool:
        """Whether every metric of ``acc`` has its swapped value here: binary or multi-class,
        rows kept, and no partial AUC (``max_fpr``).

        >>> SwapClassification.usable(type("A", (), {"task": "binary", "keep_rows": True,
        ...                                          "max_fpr": 0.1})())
        False
        """
        return acc.task in ("binary", "multiclass") and acc.keep_rows and acc.max_fpr is None

    def deltas(self, dense: np.ndarray, segs: np.ndarray) -> dict[str, np.ndarray]:
        """``metrics(B') - metrics(A')`` of each swap of a block, from ``s @ dense`` (b, T) and
        the segment sums (b, S, 3) (:func:`losscli.swaps.swap_blocks`): ``{name: (b,)}``, NaN
        where undefined in A' or B'. The extra columns' swapped sums: :meth:`extra_sums`.

        The swapped sums of the whole block are formed at once (the segments' sums moved from
        A's (cell, bin) to B's, or back, by one product with the segments' cells), and the
        metrics of the block's A' and B' by the builder's formulas over the block
        (:func:`losscli.metrics.batch.batch_metrics`).
        """
        b = dense.shape[0]
        full = self._layout_sums(dense)
        n_seg = self.seg_a.size
        cell_a = np.zeros((n_seg, self.n_joint))
        cell_a[np.arange(n_seg), self.seg_a] = 1.0
        cell_b = np.zeros((n_seg, self.n_joint))
        cell_b[np.arange(n_seg), self.seg_b] = 1.0
        moved = segs[:, :, 0] @ (cell_b - cell_a)  # the weight leaving A's cells for B's
        conf_a, conf_b = segs[:, :, 1] @ cell_a, segs[:, :, 2] @ cell_b
        joint = (self.base_joint[0] + moved, self.base_joint[1] - moved)
        conf = (self.base_conf[0] - conf_a + conf_b, self.base_conf[1] - conf_b + conf_a)
        ma, mb = (self._metrics(full[side], joint[side], conf[side]) for side in (0, 1))
        out: dict[str, np.ndarray] = {}
        for name, va in ma.items():
            if name not in SWAP_RANKED:
                vb = mb.get(name, np.full(b, np.nan))
                ok = np.isfinite(va) & np.isfinite(vb)
                out[name] = np.where(ok, vb - va, np.nan)
        out.update(self._rank_deltas(dense[:, self.n_sum_cols :]))
        return out

    def extra_sums(self, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The swapped models' full summed terms (b, width): ``(A', B')``."""
        d = np.zeros((dense.shape[0], self.width))
        d[:, self.dense_at] = dense[:, : self.n_sum_cols]
        return self.base[0] + d, self.base[1] - d

    def _layout_sums(self, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The layout's summed terms of A' and B' (b, n_layout) from ``s @ dense``."""
        a_full, b_full = self.extra_sums(dense)
        return a_full[:, : self.n_layout], b_full[:, : self.n_layout]

    def _metrics(
        self, full: np.ndarray, joint: np.ndarray, conf: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The metrics (ranking left undefined) of a block of one swapped model, from its
        layout sums (b, n_layout) and its (cell, bin) weights and confidence sums (b,
        n_joint): ``{name: (b,)}``, NaN where undefined
        (:func:`losscli.metrics.batch.batch_metrics`, the builder's formulas over the block)."""
        acc = self.acc
        b = full.shape[0]
        s = Sums.zeros(CLASSIFICATION_SUMS, acc.dims)
        self.layout.fill(s, full)
        cell_sums(s, self.n_cells, self.correct_cells, joint, conf, acc.task)
        c = acc.n_classes
        ranking = BatchRanking(acc.rank_mode, np.full((b, c), np.nan), np.full((b, c), np.nan))
        return batch_metrics(acc, s, ranking, self.zdv)

    def _rank_deltas(self, rank: np.ndarray) -> dict[str, np.ndarray]:
        """The ranking metrics' ``B' - A'`` (b,) from the rank columns' ``s @ column`` values
        (b, R)."""
        if not self.ranked:
            return {}
        b = rank.shape[0]
        v = rank - self.rank_half  # (s - 1/2) @ column
        k = len(self.ranked)
        auc = np.full((b, k), np.nan)
        ap = np.full((b, k), np.nan)
        for i, (_, p_w, n_w) in enumerate(self.ranked):
            if p_w > 0:
                ap[:, i] = 2.0 * v[:, 2 * i + 1] / p_w
                if n_w > 0:
                    auc[:, i] = v[:, 2 * i] / (p_w * n_w)
        out: dict[str, np.ndarray] = {}
        if self.acc.task == "binary":
            out["roc_auc"], out["average_precision"] = auc[:, 0], ap[:, 0]
            return out
        for name, vals in (("roc_auc", auc), ("average_precision", ap)):
            ok = np.isfinite(vals[0]) if b else np.zeros(k, bool)  # the same classes each swap
            sw = self.support[ok]
            out[f"{name}_macro"] = vals[:, ok].mean(axis=1) if ok.any() else np.full(b, np.nan)
            out[f"{name}_weighted"] = (
                vals[:, ok] @ sw / sw.sum() if ok.any() and sw.sum() > 0 else np.full(b, np.nan)
            )
        if self.micro:
            p_w = float(self.support.sum())
            n_w = (self.acc.n_classes - 1) * p_w
            m = v[:, 2 * k :]
            nan = np.full(b, np.nan)
            out["roc_auc_micro"] = m[:, 0] / (p_w * n_w) if p_w > 0 else nan
            out["average_precision_micro"] = 2.0 * m[:, 1] / p_w if p_w > 0 else nan
        if self.ovo:
            m = v[:, 2 * k + 2 * self.micro :]
            out["roc_auc_ovo_macro"], out["roc_auc_ovo_weighted"] = m[:, 0], m[:, 1]
        return out


def _weighed(w: np.ndarray | None, col: np.ndarray) -> np.ndarray:
    """``w * col``, or ``col`` itself for unit weights (None)."""
    return col if w is None else w * col


def _rank_key(acc: ClassificationAccumulator, key: np.ndarray, k: int) -> np.ndarray:
    """Class ``k``'s ranking key of one model's rows (as the accumulator ranks them)."""
    if acc.rank_mode == "binned":  # the bins of the column (0 in the last bin)
        col = key if acc.task == "binary" else key[:, k]
        return key_bins(col, acc.rank_key, acc.auc_bins or 1)
    return key if acc.task == "binary" else class_key(key, k, acc.rank_key)


def _ovo_columns(
    acc: ClassificationAccumulator,
    yt: np.ndarray,
    ww: np.ndarray,
    key_a: np.ndarray,
    key_b: np.ndarray,
) -> list[np.ndarray] | None:
    """The one-vs-one macro and weighted AUC columns (None without a pair of classes).

    The pair score of classes (a, b) is ``(AUC(a|b) + AUC(b|a)) / 2`` (rows of a and b,
    ranked by the key of a, resp. b; :func:`losscli.metrics.averages.ovo_average`), and the
    averages are fixed combinations ``sum_ab coef_ab U_ab / (W_a W_b)`` of the numerators.
    Per class a, ``sum_b coef_ab U_ab`` is one bilinear form over the 2n items: class a's
    items against the others, each other item's weight times ``coef_{a, its class}``, so
    one :func:`rank_terms` per class and average gives its terms (a negative item's term,
    the positive weight above it, times its coefficient).
    """
    c = acc.n_classes
    yt = yt.astype(np.intp)
    n = yt.shape[0]
    wc = np.bincount(yt, ww, c)
    iu = np.triu_indices(c, 1)
    ok = (wc[iu[0]] > 0) & (wc[iu[1]] > 0)
    if not ok.any():
        return None
    out = [np.zeros(n), np.zeros(n)]
    prevalence = (wc[iu[0]] + wc[iu[1]]) * ok
    coefs = []
    for share in (ok / ok.sum(), prevalence / prevalence.sum()):
        coef = np.zeros((c, c))
        with np.errstate(divide="ignore", invalid="ignore"):
            pair = np.where(ok, 0.5 * share / (wc[iu[0]] * wc[iu[1]]), 0.0)
        coef[iu] = pair
        coef[iu[1], iu[0]] = pair
        coefs.append(coef)
    for a in range(c):
        if not wc[a] > 0:
            continue
        is_pos = yt == a
        scores = np.concatenate([class_key(key_a, a, acc.rank_key),
                                 class_key(key_b, a, acc.rank_key)])  # fmt: skip
        for coef, col in zip(coefs, out):
            mult = np.where(is_pos, 1.0, coef[a, yt])
            v = ww * mult
            g, _, _, _ = rank_terms(scores, np.concatenate([is_pos, is_pos]),
                                    np.concatenate([v, v]))  # fmt: skip
            col += ww * mult * (g[:n] - g[n:])
            del g
    return out


def _cells(acc: ClassificationAccumulator, key: np.ndarray) -> np.ndarray:
    """The micro average's (row, class) cell keys of one model, flattened row by row."""
    if acc.rank_mode == "binned":
        return key_bins(key, acc.rank_key, acc.auc_bins or 1).ravel()
    c = acc.n_classes
    return np.stack([class_key(key, k, acc.rank_key) for k in range(c)], axis=1).ravel()
