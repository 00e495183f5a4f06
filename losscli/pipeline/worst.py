"""The K worst samples of a dense run (images, sequences, volumes), kept during the streamed
pass.

``--plot`` draws the worst samples' true and predicted masks. The run never holds every
sample: :class:`WorstSamples` keeps at most ``k`` in a bounded heap, ranked by the sample's
own IoU (``miou`` of its ``--per-sample`` row: the mean IoU over the classes present in its
labels or predictions), the lowest first; a tie goes to the earlier sample. A sample with no
score (every element ignored) is never kept. What is kept of a sample:

- multi-class and binary: its true and predicted class masks;
- multi-label (0/1 targets per label): the masks of its :data:`MAX_LABELS` labels with the
  lowest IoU in that sample (among the labels present in its targets or predictions; ties:
  the lower label), per label its 0/1 targets and predictions;
- samples of three or more axes (volumes ``(D, H, W)``, ``(T, D, H, W)``): one 2-D slice,
  the last two axes at the index of the leading axes where the sample has the most error
  elements (evaluated, predicted other than true; multi-label: summed over the labels kept;
  ties: the first index), and that index.

Memory: ``k`` samples' kept masks (``k x MAX_LABELS`` slices at most).
"""

from __future__ import annotations

import heapq

import numpy as np

from losscli.records import record

__all__ = ["MAX_LABELS", "NOT_EVALUATED", "WorstSample", "WorstSamples", "error_slice"]

NOT_EVALUATED = -1
"""The true mask's value at an element that is not evaluated (``--ignore-index``, dropped)."""

MAX_LABELS = 4
"""Labels kept per multi-label sample (its lowest IoUs)."""


@record(frozen=True)
class WorstSample:
    """One kept sample.

    Attributes:
        sample: its index on axis 0 of the arrays.
        score: its IoU (mean over the classes present in it).
        true: int64 true classes, :data:`NOT_EVALUATED` where not evaluated; shaped as one
            sample ``(d1..dk)``, or its 2-D slice ``(d_{k-1}, d_k)`` when ``k >= 3``;
            multi-label: 0/1 per kept label, ``(len(labels), ...)``.
        pred: int64 predicted classes (0/1 per kept label), the same shape
            (:data:`NOT_EVALUATED` where an element was not read: ``--drop-invalid``).
        slice: the index of the leading axes ``(d1..d_{k-2})`` of the slice shown (samples
            of three or more axes), else ``()``.
        labels: multi-label: the kept labels' indices, the lowest IoU first; else ``()``.
        label_scores: their IoUs in this sample.
    """

    sample: int
    score: float
    true: np.ndarray
    pred: np.ndarray
    slice: tuple[int, ...] = ()
    labels: tuple[int, ...] = ()
    label_scores: tuple[float, ...] = ()


def error_slice(true: np.ndarray, pred: np.ndarray, lead: tuple[int, ...]) -> tuple[int, ...]:
    """The index of the leading axes whose 2-D slice has the most error elements (evaluated,
    ``pred != true``; the first index on ties).

    Args:
        true, pred: int64 masks ``(..., *lead, H, W)`` (any axes before ``lead`` are summed,
            e.g. multi-label's labels); :data:`NOT_EVALUATED` in ``true`` is no error.
        lead: the leading axes' sizes.

    Returns:
        The index, ``len(lead)`` integers.

    >>> t = np.zeros((3, 2, 2), np.int64)
    >>> p = t.copy(); p[2, 0] = 1; p[1, 1, 1] = 1
    >>> error_slice(t, p, (3,))
    (2,)
    """
    n = int(np.prod(lead, dtype=np.int64))
    wrong = (true != NOT_EVALUATED) & (pred != true)
    per = wrong.reshape(-1, n, wrong.shape[-2] * wrong.shape[-1]).sum(axis=(0, 2))
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(per)), lead))


def _worst_labels(scores: np.ndarray) -> np.ndarray:
    """The :data:`MAX_LABELS` lowest non-NaN scores' positions (ties: the lower position)."""
    ok = np.flatnonzero(~np.isnan(scores))
    return ok[np.argsort(scores[ok], kind="stable")][:MAX_LABELS]


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
        self._heap: list[tuple[float, int, WorstSample]] = []

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
        label_scores: np.ndarray | None = None,
        first_label: int = 0,
    ) -> None:
        """Offer one chunk of whole samples.

        Args:
            start: the chunk's first element row (a multiple of the sample size).
            rows: (m,) the chunk's rows read, relative to ``start``.
            y, pred: (m,) class indices (true, predicted) of those rows; multi-label:
                (m, C) 0/1.
            keep: (m,) bool, the evaluated rows (None: all).
            scores: (n_img,) the chunk's samples' scores (NaN: no score), in order.
            label_scores: multi-label: (n_img, L) each sample's IoU per label (NaN: the
                label is absent from it), of the labels ``first_label ..`` (``first_label``
                1: ``--no-background`` leaves label 0 out).
            first_label: the label of ``label_scores``' first column.
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
        for c in cand.tolist():
            mine = local == c  # the rows of sample c: its elements at at % per
            evaluated = mine if keep is None else mine & keep
            labels: tuple[int, ...] = ()
            shown: tuple[float, ...] = ()
            if y.ndim == 1:
                true = np.full(self.per, NOT_EVALUATED, dtype=np.int64)
                guess = np.full(self.per, NOT_EVALUATED, dtype=np.int64)
                guess[at[mine] % self.per] = pred[mine]
                true[at[evaluated] % self.per] = y[evaluated]
            else:  # multi-label: (L, per) 0/1 masks of its worst labels
                assert label_scores is not None
                pos = _worst_labels(np.asarray(label_scores[c], dtype=np.float64))
                labels = tuple(int(q) + first_label for q in pos)
                shown = tuple(float(label_scores[c][q]) for q in pos)
                cols = list(labels)
                true = np.full((len(cols), self.per), NOT_EVALUATED, dtype=np.int64)
                guess = np.full((len(cols), self.per), NOT_EVALUATED, dtype=np.int64)
                guess[:, at[mine] % self.per] = (pred[mine][:, cols] > 0.5).T
                true[:, at[evaluated] % self.per] = (y[evaluated][:, cols] > 0.5).T
            item = self._kept(int(index[c]), float(scores[c]), true, guess, labels, shown)
            entry = (-item.score, -item.sample, item)
            if len(self._heap) < self.k:
                heapq.heappush(self._heap, entry)
            elif entry[:2] > self._heap[0][:2]:
                heapq.heapreplace(self._heap, entry)

    def _kept(
        self,
        sample: int,
        score: float,
        true: np.ndarray,
        pred: np.ndarray,
        labels: tuple[int, ...],
        label_scores: tuple[float, ...],
    ) -> WorstSample:
        """One sample's kept masks, ``(per,)`` or ``(L, per)``: shaped as the sample, or its
        2-D slice with the most errors when it has three or more axes."""
        lead = true.shape[:-1]  # () or the kept labels
        true, pred = true.reshape(*lead, *self.grid), pred.reshape(*lead, *self.grid)
        at: tuple[int, ...] = ()
        if len(self.grid) >= 3:
            at = error_slice(true, pred, self.grid[:-2])
            pick = (slice(None),) * len(lead) + at
            true, pred = true[pick].copy(), pred[pick].copy()  # not views of the whole sample
        return WorstSample(sample, score, true, pred, at, labels, label_scores)

    def worst(self) -> list[WorstSample]:
        """The kept samples, the worst first (then by sample index)."""
        return [s for _, _, s in sorted(self._heap, key=lambda t: (-t[0], -t[1]))]
