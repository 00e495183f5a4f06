"""The K worst samples of a dense run (images, sequences), kept during the streamed pass.

``--plot`` draws the worst images' true and predicted masks side by side. The run never holds
every image: :class:`WorstSamples` keeps at most ``k`` masks in a bounded heap, ranked by the
sample's own IoU (``miou`` of its ``--per-sample`` row: the mean IoU over the classes present
in its labels or predictions), the lowest first; a tie goes to the earlier sample. A sample
with no score (every element ignored) is never kept. Memory: ``k`` samples' masks.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

__all__ = ["NOT_EVALUATED", "WorstSample", "WorstSamples"]

NOT_EVALUATED = -1
"""The true mask's value at an element that is not evaluated (``--ignore-index``, dropped)."""


@dataclass(frozen=True)
class WorstSample:
    """One kept sample.

    Attributes:
        sample: its index on axis 0 of the arrays.
        score: its IoU (mean over the classes present in it).
        true: int64 ``grid``-shaped true classes, :data:`NOT_EVALUATED` where not evaluated.
        pred: int64 ``grid``-shaped predicted classes (:data:`NOT_EVALUATED` where an element
            was not read: ``--drop-invalid``).
    """

    sample: int
    score: float
    true: np.ndarray
    pred: np.ndarray


class WorstSamples:
    """A bounded heap of the ``k`` samples with the lowest score (ties: the earlier sample).

    Args:
        k: how many to keep (0 keeps none).
        grid: the shape of one sample, ``(d1..dk)``.

    >>> w = WorstSamples(2, (3,))
    >>> rows = np.arange(9)  # three samples of three elements
    >>> y = np.array([0, 1, 1, 0, 1, 0, 1, 1, 0])
    >>> pred = np.array([0, 1, 1, 1, 1, 1, 1, 1, 0])
    >>> w.update(0, rows, y, pred, None, np.array([0.5, 0.2, 0.5]))
    >>> [(s.sample, s.score) for s in w.worst()]  # sample 2 ties with 0: the earlier is kept
    [(1, 0.2), (0, 0.5)]
    >>> w.worst()[0].true.tolist(), w.worst()[0].pred.tolist()
    ([0, 1, 0], [1, 1, 1])
    """

    def __init__(self, k: int, grid: tuple[int, ...]) -> None:
        self.k = int(k)
        self.grid = tuple(int(d) for d in grid)
        self.per = int(np.prod(self.grid, dtype=np.int64)) if self.grid else 1
        # min-heap on (-score, -sample): the root is the best kept sample, the one to replace
        self._heap: list[tuple[float, int, np.ndarray, np.ndarray]] = []

    def _bar(self) -> tuple[float, int] | None:
        """``(score, sample)`` a new sample must be below to be kept (None: room left)."""
        if len(self._heap) < self.k:
            return None
        s, i = self._heap[0][:2]
        return -s, -i

    def update(
        self,
        start: int,
        rows: np.ndarray,
        y: np.ndarray,
        pred: np.ndarray,
        keep: np.ndarray | None,
        scores: np.ndarray,
    ) -> None:
        """Offer one chunk of whole samples.

        Args:
            start: the chunk's first element row (a multiple of the sample size).
            rows: (m,) the chunk's rows read, relative to ``start``.
            y, pred: (m,) class indices (true, predicted) of those rows.
            keep: (m,) bool, the evaluated rows (None: all).
            scores: (n_img,) the chunk's samples' scores (NaN: no score), in order.
        """
        if self.k <= 0:
            return
        first = start // self.per
        index = np.arange(first, first + len(scores))
        ok = ~np.isnan(scores)
        cand = np.flatnonzero(ok)[np.lexsort((index[ok], scores[ok]))][: self.k]
        bar = self._bar()
        if bar is not None:  # only samples below the bar can enter
            cand = cand[[(float(scores[c]), int(index[c])) < bar for c in cand]]
        if not cand.size:
            return
        at = start + rows
        local = at // self.per - first
        slot = np.full(len(scores), -1, dtype=np.int64)
        slot[cand] = np.arange(cand.size)
        mine = slot[local] >= 0
        where = slot[local[mine]], at[mine] % self.per
        true = np.full((cand.size, self.per), NOT_EVALUATED, dtype=np.int64)
        guess = np.full((cand.size, self.per), NOT_EVALUATED, dtype=np.int64)
        guess[where] = pred[mine]
        evaluated = mine if keep is None else mine & keep
        true[slot[local[evaluated]], at[evaluated] % self.per] = y[evaluated]
        for j, c in enumerate(cand.tolist()):
            item = (-float(scores[c]), -int(index[c]), true[j], guess[j])
            if len(self._heap) < self.k:
                heapq.heappush(self._heap, item)
            elif item[:2] > self._heap[0][:2]:
                heapq.heapreplace(self._heap, item)

    def worst(self) -> list[WorstSample]:
        """The kept samples, the worst first (then by sample index)."""
        items = sorted(self._heap, key=lambda t: (-t[0], -t[1]))
        return [
            WorstSample(-i, -s, t.reshape(self.grid), p.reshape(self.grid)) for s, i, t, p in items
        ]
