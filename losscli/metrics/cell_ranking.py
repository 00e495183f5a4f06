"""Unweighted micro and one-vs-one ranking from the kept chunks, without concatenating them.

Both count, for a sorted set of scores, how many of the other scores lie below, by
``searchsorted``: the micro AUC / AP (:func:`micro_auc_ap`) searches the N positive cells
into the cells sorted a block at a time (4M to 32M cells, the blocks on worker threads),
never the whole N x C matrix nor a copy of it; the one-vs-one row of a class
(:class:`OvoRows`) searches every row scored at or above a small class's lowest row into
that class's few sorted rows (a large class's rows into each other class's sorted rows), so
no row is argsorted for it. Every count is an exact integer: the AUCs are the very ratios
of :class:`losscli.metrics.averages.OvoIndex` and :func:`losscli.metrics.ranking.auc_ap_sorted`,
the AP sums the same terms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from losscli._threads import blocks_in_order

__all__ = ["OvoRows", "micro_auc_ap"]

_MIN_BLOCK = 1 << 22
_MAX_BLOCK = 1 << 25


def micro_auc_ap(
    part: Callable[[int], tuple[np.ndarray, np.ndarray]],
    n_parts: int,
    *,
    workers: int | None = None,
) -> tuple[float | None, float | None]:
    """ROC AUC and average precision of every (row, class) cell as one binary ranking.

    With ``P`` the positive cells' scores sorted, for each positive ``t``:
    ``2U = sum_t (#neg < t) + (#neg <= t)``, ``AUC = 2U / (2 P Q)`` and
    ``AP = sum_t TP(>= t) / (TP(>= t) + FP(>= t)) / P`` (scikit-learn's step sum, ties as
    one threshold). The negatives' counts are those of all cells less the positives' own.
    The cells are sorted a block of consecutive parts at a time, the blocks on worker
    threads (:func:`blocks_in_order`), each block's cells below the lowest positive only
    counted (they lie below every positive); each block's counts are exact integers, summed
    in block order, so the numbers do not depend on the threads.

    Args:
        part: ``part(i)`` for i < ``n_parts`` (called twice each): ``(scores, positive)``
            of one chunk: float (n, C) cell scores and bool (n, C) whether the cell is
            positive, or int (n,) each row's one positive column (multi-class).
        n_parts: how many parts.
        workers: threads for the blocks (default: the cores, at most 4; 1: none).

    Returns:
        ``(auc, ap)``; AUC None without a negative cell, both None without a positive.

    >>> s = np.array([[0.35, 0.1], [0.8, 0.4]])
    >>> micro_auc_ap([(s, np.array([[True, False], [True, False]]))].__getitem__, 1)
    (0.75, 0.8333333333333333)
    """
    pos, sizes = [], []
    for i in range(n_parts):
        c, m = part(i)
        pos.append(c[m] if m.dtype == bool else c[np.arange(m.size), m])
        sizes.append(int(c.size))
    p_sorted = np.concatenate(pos).astype(np.float64) if pos else np.zeros(0)
    del pos
    p_sorted.sort()
    n_pos = int(p_sorted.size)
    if not n_pos:
        return None, None
    # cells sorted a block at a time: a sort costs per cell, a block's search per positive,
    # so a block holds about 16 cells per positive (bounded: 4M to 32M cells)
    block = min(max(16 * n_pos, _MIN_BLOCK), _MAX_BLOCK)
    bounds = [0]  # block b holds parts bounds[b] .. bounds[b + 1] - 1
    held = 0
    for i, size in enumerate(sizes):
        held += size
        if held >= block or (i == n_parts - 1 and held):
            bounds.append(i + 1)
            held = 0

    lowest = p_sorted[0]

    def counts(b: int, _: object) -> tuple[np.ndarray, np.ndarray, int]:
        # the block's cells at or above the lowest positive, a copy sorted in place; those
        # below it (negatives, below every positive) are only counted
        size = 0
        kept = []
        for i in range(bounds[b], bounds[b + 1]):
            c = np.asarray(part(i)[0], dtype=np.float64).reshape(-1)
            size += c.size
            kept.append(c[c >= lowest])
        flat = np.concatenate(kept)
        del kept
        flat.sort()
        below = size - flat.size
        return (
            np.searchsorted(flat, p_sorted, "left") + below,
            np.searchsorted(flat, p_sorted, "right") + below,
            size,
        )

    lt = np.zeros(n_pos, dtype=np.int64)  # cells scored below each positive
    le = np.zeros(n_pos, dtype=np.int64)  # ... at or below
    total = 0
    for b_lt, b_le, size in blocks_in_order(
        list(range(len(bounds) - 1)), counts, lambda: None, workers=workers, name="losscli-micro"
    ):
        lt += b_lt
        le += b_le
        total += size
    pos_lt = np.searchsorted(p_sorted, p_sorted, "left")
    neg_lt = lt - pos_lt
    neg_le = le - np.searchsorted(p_sorted, p_sorted, "right")
    n_neg = total - n_pos
    u2 = int(neg_lt.sum()) + int(neg_le.sum())
    tps = n_pos - pos_lt
    ap = float(np.sum(tps / (tps + (n_neg - neg_lt)))) / n_pos
    return (u2 / (2 * n_pos * n_neg) if n_neg else None), ap


class OvoRows:
    """``AUC(a | b)`` rows of the unweighted one-vs-one AUC, one class ``a`` at a time.

    ``U_ab = sum_{t in a} (#b < t + #b <= t) / 2`` (pairs where a's row scores higher by
    class a's score, ties counting half) and ``AUC(a | b) = U_ab / (n_a n_b)``, NaN at
    ``a`` and where a class has no row. Two ways to the same integers, by the size of ``a``:

    - a class of at most :data:`SMALL_CLASS` rows (e.g. 50 of 50,000 at 1,000 classes): every
      other row scored at or above a's lowest is searched into a's few sorted rows and the
      counts summed by class (``bincount``); the rows below add ``n_a`` each, counted;
    - a larger class: the rows grouped by class once (one stable argsort of the labels),
      each group's scores sorted, and a's sorted rows searched into each group.

    Args:
        labels: per chunk, int (n,) the rows' classes.
        n_classes: C.

    >>> rows = OvoRows([np.array([0, 0, 1, 1, 2])], 3)
    >>> rows.row([np.array([0.6, 0.2, 0.3, 0.1, 0.2])], 0).tolist()
    [nan, 0.75, 0.75]
    """

    SMALL_CLASS = 4096

    def __init__(self, labels: list[np.ndarray], n_classes: int) -> None:
        self.y = np.concatenate(labels) if labels else np.zeros(0, dtype=np.intp)
        self.c = n_classes
        self.counts = np.bincount(self.y, minlength=n_classes)
        self._by_class: np.ndarray | None = None  # row positions grouped by class (lazy)
        self._bounds = np.zeros(0, dtype=np.intp)  # ... class a's: _bounds[a] .. _bounds[a + 1]
        self._lock = threading.Lock()  # rows are ranked on worker threads: one argsort

    def rows_of(self, a: int) -> np.ndarray:
        """The positions of class ``a``'s rows, ascending (one stable argsort of the labels,
        shared by every class and thread).

        >>> OvoRows([np.array([2, 0, 2, 1])], 3).rows_of(2).tolist()
        [0, 2]
        """
        with self._lock:
            if self._by_class is None:
                self._by_class = np.argsort(self.y, kind="stable")
                self._bounds = np.concatenate(([0], np.cumsum(self.counts)))
        return self._by_class[self._bounds[a] : self._bounds[a + 1]]

    def row(
        self,
        cols: list[np.ndarray],
        a: int,
        above: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """float (C,) ``AUC(a | b)`` for every b from class ``a``'s scores ``cols`` (per
        chunk, float (n,)); ``above``: the scores of the rows scored at or above a's lowest
        row and their classes, when the caller has them (else found here)."""
        c, counts = self.c, self.counts
        out = np.full(c, np.nan)
        n_a = int(counts[a])
        if not n_a:
            return out
        col = (cols[0] if len(cols) == 1 else np.concatenate(cols)).astype(np.float64, copy=False)
        if n_a <= self.SMALL_CLASS:
            twice = self._searched_into_a(col, a, above)
        else:
            twice = self._a_searched_into_groups(col, a)
        # twice[b] = sum over a's rows t of (#b < t + #b <= t): an exact integer
        cf = counts.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:] = (0.5 * twice) / (n_a * cf)
        out[counts <= 0] = np.nan
        out[a] = np.nan
        return out

    def _searched_into_a(
        self, col: np.ndarray, a: int, above: tuple[np.ndarray, np.ndarray] | None
    ) -> np.ndarray:
        if above is None:
            mine = np.sort(col[self.y == a])
            keep = col >= mine[0]  # the rows below a's lowest add 2 n_a each, counted
            s, classes = col[keep], self.y[keep]
        else:
            s, classes = above[0].astype(np.float64, copy=False), above[1]
            mine = np.sort(s[classes == a])
        # per class b: sum over its rows x of (#a < x + #a <= x)
        cnt = np.searchsorted(mine, s, "left") + np.searchsorted(mine, s, "right")
        under = np.bincount(classes, weights=cnt, minlength=self.c)
        return 2.0 * mine.size * self.counts - under

    def _a_searched_into_groups(self, col: np.ndarray, a: int) -> np.ndarray:
        self.rows_of(a)  # the rows grouped by class, once
        s = col[self._by_class]
        bounds = self._bounds
        mine = np.sort(s[bounds[a] : bounds[a + 1]])
        twice = np.zeros(self.c)
        for b in range(self.c):
            if b == a or not self.counts[b]:
                continue
            group = s[bounds[b] : bounds[b + 1]]
            group.sort()
            lo = np.searchsorted(group, mine, "left")
            hi = np.searchsorted(group, mine, "right")
            twice[b] = float(int(lo.sum()) + int(hi.sum()))
        return twice
