"""The micro AUC / AP first-order terms of a multi-class run, from its per-class sorts.

The micro ranking pools every (row, class) cell into one binary ranking: cell ``(i, c)``
scores ``s_c[i]`` (class c's ranking key) and is positive when row i's label is c. The
first-order terms of :func:`losscli.metrics.linear.rank_terms` of a cell depend only on its
score, its label and weighted counts of the other cells:

- a positive cell at ``t``: ``g = N(< t) + N(= t) / 2`` and ``f = r(t) + sum_{h <= t} a_h``;
- a negative cell at ``s``: ``g = P(> s) + P(= s) / 2`` and ``f = -sum_{h <= s} b_h``,

with ``N`` / ``P`` the negative / positive cell weight, and per distinct positive score
``h``: ``TP_h = P(>= h)``, ``FP_h = N(>= h)``, ``D_h = TP_h + FP_h``, ``r(h) = TP_h / D_h``,
``a_h = W_h FP_h / D_h^2``, ``b_h = W_h TP_h / D_h^2`` (``W_h``: the positive weight at h).

The counts add up over the classes: ``N(< t) = sum_c N_c(< t)``, ``N_c`` class c's negative
cells. So instead of one argsort of the ``n C`` cells (10M for 1M rows of 10 classes, far
out of cache), the ``n`` positive cells (one per row) are sorted once and each class's
negatives, already in the order its own AUC / AP sorted them, are merged with them
(:meth:`MicroTerms.merge`: a stable argsort of two sorted runs, which timsort merges in one
pass): that gives each positive the class's negatives below it and each negative the
positives at or below it. :meth:`MicroTerms.row_sums` then sums each row's cells' terms: the
numbers of :func:`losscli.metrics.linear.rank_row_sums` to float rounding (integer counts are
exact; weighted sums are added in another order).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["MicroPart", "MicroTerms", "precision_terms"]


class MicroPart(NamedTuple):
    """What one class's negatives add to the micro terms (:meth:`MicroTerms.merge`).

    ``below``, ``at_or_below``: float64 (P,), the class's negative weight scored below /
    at or below each positive (ascending positive order; ``at_or_below`` None when no
    negative ties a positive: then equal to ``below``); ``total``: the class's negative
    weight; ``rows``: the negatives' rows (ascending score); ``pos_le``: per negative, the
    positives scored at or below it; ``tied``, ``tied_lt``: the negatives that tie a
    positive and the positives scored below each (None: no tie).
    """

    below: np.ndarray
    at_or_below: np.ndarray | None
    total: float
    rows: np.ndarray
    pos_le: np.ndarray
    tied: np.ndarray | None
    tied_lt: np.ndarray | None


class MicroTerms:
    """The micro AUC / AP terms summed per row, built from one class at a time.

    Args:
        pos_scores: (n,) the score of each row's positive cell (``s_{y_i}[i]``).
        w: (n,) row weights (each cell of a row weighs the row's weight), or None for 1.

    Call :meth:`merge` for every class (any thread, any order), :meth:`add` its parts in
    class order, then :meth:`row_sums`.

    >>> s = np.array([[0.35, 0.1], [0.8, 0.4]])  # rows' cells; row 0 is class 0, row 1 class 0
    >>> y = np.array([0, 0])
    >>> mt = MicroTerms(s[np.arange(2), y], None)
    >>> for c in range(2):
    ...     asc = np.argsort(s[:, c])
    ...     mt.add(mt.merge(s[asc, c], asc, y[asc] == c))
    >>> g, u0, f, f0 = mt.row_sums(2)
    >>> u0 / (2 * 2), round(f0 / 2, 6)  # AUC 0.75, AP 0.833333 (scikit-learn's)
    (0.75, 0.833333)
    """

    def __init__(self, pos_scores: np.ndarray, w: np.ndarray | None) -> None:
        n = pos_scores.shape[0]
        idx = np.int32 if n < 2**31 else np.intp
        order = np.argsort(pos_scores).astype(idx)
        self.rows = order  # the positives' rows, ascending score
        self.scores = pos_scores[order]
        self.row_w = None if w is None else np.asarray(w, dtype=np.float64)
        self.w = None if self.row_w is None else self.row_w[order]
        self.cpw = np.zeros(n + 1)  # positive weight of the first k positives (ascending)
        if self.w is None:
            self.cpw[1:] = np.arange(1, n + 1)
        else:
            np.cumsum(self.w, out=self.cpw[1:])
        self.below = np.zeros(n)
        self.at_or_below: np.ndarray | None = None  # None: equal to below
        self.neg_total = 0.0
        self.g_rows = np.zeros(n)  # the negative cells' AUC terms, summed per row
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, pos_le): their AP terms

    def merge(
        self, sorted_scores: np.ndarray, asc: np.ndarray, pos_sorted: np.ndarray
    ) -> MicroPart:
        """One class's negatives against the positives (reads, never writes, ``self``).

        Args:
            sorted_scores: (n,) the class's scores, ascending.
            asc: (n,) int, their rows (ties in any order).
            pos_sorted: (n,) bool, whether each is a positive of the class.

        Returns:
            The class's :class:`MicroPart`.
        """
        neg = ~np.asarray(pos_sorted, dtype=bool)
        rows = asc[neg].astype(self.rows.dtype, copy=False)
        ns = sorted_scores[neg]
        del neg
        ps = self.scores
        q = ns.size
        below, pos_le = _merged_counts(ps, ns)  # positives first within a tie
        at_or_below = at = tied_lt = None
        if q and ps.size:  # a negative tied with a positive: count the ties, for those only
            hit = below < q
            hit &= ns[np.minimum(below, q - 1)] == ps
            tied = np.flatnonzero(hit)
            del hit
            if tied.size:
                new = np.empty(tied.size, dtype=bool)  # the first tied positive of its score
                new[0] = True
                np.not_equal(ps[tied[1:]], ps[tied[:-1]], out=new[1:])
                first = tied[new]
                lo = below[first]
                hi = np.searchsorted(ns, ps[first], "right")  # negatives at or below
                at_or_below = below.copy()
                at_or_below[tied] = hi[np.cumsum(new) - 1]
                size = hi - lo  # negatives [lo, hi) tie a positive: the positives below
                at = np.repeat(lo - np.cumsum(size) + size, size) + np.arange(int(size.sum()))
                tied_lt = np.searchsorted(ps, ns[at], "left")
        if self.row_w is None:
            total = float(q)
            b = below.astype(np.float64)
            ab = None if at_or_below is None else at_or_below.astype(np.float64)
        else:
            cw = np.zeros(q + 1)
            np.cumsum(self.row_w[rows], out=cw[1:])
            total = float(cw[-1])
            b = cw[below]
            ab = None if at_or_below is None else cw[at_or_below]
        return MicroPart(b, ab, total, rows, pos_le, at, tied_lt)

    def add(self, part: MicroPart) -> None:
        """Add one class's part (call in class order: the weighted sums' order)."""
        if part.at_or_below is not None and self.at_or_below is None:
            self.at_or_below = self.below.copy()
        self.below += part.below
        if self.at_or_below is not None:
            self.at_or_below += part.below if part.at_or_below is None else part.at_or_below
        self.neg_total += part.total
        # the negatives' AUC terms P(> s) + P(= s) / 2 need only the positives: added now
        cpw = self.cpw
        le = part.pos_le.astype(np.intp)
        g_neg = cpw[le]  # P(<= s)
        if part.tied is not None:  # ties: (P(<= s) + P(< s)) / 2
            g_neg[part.tied] += cpw[part.tied_lt]
            g_neg[part.tied] *= 0.5
        np.subtract(cpw[-1], g_neg, out=g_neg)
        np.add.at(self.g_rows, part.rows, g_neg)
        self.parts.append((part.rows, part.pos_le))

    def row_sums(self, n_rows: int) -> tuple[np.ndarray, float, np.ndarray, float]:
        """Each row's cells' terms summed, as :func:`losscli.metrics.linear.rank_row_sums`.

        Returns:
            ``(g, U0, f, F0)``: float64 (n_rows,) per-row AUC terms, the micro AUC
            numerator, float64 (n_rows,) per-row AP terms and the AP numerator.
        """
        ps, pw, cpw = self.scores, self.w, self.cpw
        p = ps.size
        g_rows = self.g_rows
        f_rows = np.zeros(n_rows)
        if p == 0:
            return g_rows, 0.0, f_rows, 0.0
        p_tot = float(cpw[-1])
        start = np.empty(p, dtype=bool)  # the first positive of its score
        start[0] = True
        np.not_equal(ps[1:], ps[:-1], out=start[1:])
        gs = np.flatnonzero(start)  # groups of equal positive score: [gs, ge)
        ge = np.append(gs[1:], p)
        below = self.below
        at_or_below = below if self.at_or_below is None else self.at_or_below
        tp = p_tot - cpw[gs]  # P(>= h)
        fp = self.neg_total - below[gs]  # N(>= h)
        wp = cpw[ge] - cpw[gs]
        r, a, b = precision_terms(tp, fp, wp)
        del fp
        f_group = r + np.cumsum(a)  # a positive: r(h) + the a's at or below h
        del a
        gid = np.cumsum(start) - 1 if gs.size != p else None
        r_pos = r if gid is None else r[gid]
        g_pos = below + 0.5 * (at_or_below - below)
        w_pos = np.ones(p) if pw is None else pw
        u0 = float(w_pos @ g_pos)
        f0 = float(w_pos @ r_pos)
        del r_pos, w_pos
        g_rows[self.rows] += g_pos
        f_rows[self.rows] = f_group if gid is None else f_group[gid]
        del g_pos, f_group, gid
        cb = np.zeros(p + 1)  # b summed over the groups within the first k positives
        cb[ge] = b
        np.cumsum(cb, out=cb)
        for rows, pos_le in self.parts:  # the negatives' AP terms: -B(<= s)
            np.subtract.at(f_rows, rows, cb[pos_le.astype(np.intp)])
        self.parts = []
        return g_rows, u0, f_rows, f0


def precision_terms(
    tp: np.ndarray, fp: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The precision at each threshold and the two weights of its first-order AP terms.

    Formula: with ``d = tp + fp``, ``r = tp / d``, ``a = w fp / d^2`` and ``b = w tp / d^2``
    (``r = 0`` and ``d^2`` read as 1 where ``d = 0``): ``a`` and ``b`` are ``w`` times the
    derivatives of the precision by the positive and the negative weight at or above the
    threshold (up to sign).

    Args:
        tp: (k,) positive weight at or above each threshold.
        fp: (k,) negative weight at or above each threshold.
        w: (k,) positive weight at each threshold.

    Returns:
        ``(r, a, b)``, float64 (k,) each.

    >>> r, a, b = precision_terms(np.array([1.0, 2.0, 0.0]), np.array([1.0, 0.0, 0.0]),
    ...                           np.array([1.0, 1.0, 0.0]))
    >>> r.tolist(), a.tolist(), b.tolist()
    ([0.5, 1.0, 0.0], [0.25, 0.0, 0.0], [0.25, 0.5, 0.0])
    """
    d = tp + fp
    live = d > 0
    r = np.zeros_like(d)
    np.divide(tp, d, out=r, where=live)
    d2 = np.where(live, d * d, 1.0)
    return r, w * fp / d2, w * tp / d2


def _merged_counts(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two ascending runs merged, ``first`` before ``second`` within a tie: per element of
    ``first`` the elements of ``second`` before it, and per element of ``second`` those of
    ``first`` before it (int32 when they fit)."""
    m = np.argsort(np.concatenate((first, second)), kind="stable")  # timsort: one merge
    from_second = m >= first.size
    del m
    idx = np.int32 if from_second.size < 2**31 else np.intp
    at_second = np.flatnonzero(from_second).astype(idx)
    at_first = np.flatnonzero(~from_second).astype(idx)
    del from_second
    at_first -= np.arange(first.size, dtype=idx)
    at_second -= np.arange(second.size, dtype=idx)
    return at_first, at_second
