"""Kept rows of a classification accumulator: named per-chunk records and exact ranking.

Rows are kept for exact ROC AUC / average precision and for resampling, compactly, one
record per chunk in update order (float32 only where exact, see
:func:`~losscli.metrics._common.compact_floats`):

- binary: :class:`BinaryChunk`: the label as one bit per row (only to give the rows back in
  order) and the positives' and negatives' keys (and weights) apart;
- multi-class and multi-label: :class:`LabelChunk`: labels (multi-class in the smallest
  integer type, multi-label bool (n, L)), keys (n, C), weights.

:class:`RowStore` keeps them, gives them back as arrays (:meth:`RowStore.key_rows`) and
computes the exact per-class AUC / AP from them (:meth:`RowStore.exact_ranking`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from losscli.lazy import Lazy
from losscli.metrics._common import compact_floats
from losscli.metrics.builder import Ranking
from losscli.metrics.keys import class_key, key_to_prob
from losscli.metrics.label_sort import auc_ap_label_sorted, label_keys
from losscli.metrics.ranking import (
    RankIndex,
    auc_ap_hist,
    auc_ap_split,
    hist_error_bounds,
    hist_groups,
)

if TYPE_CHECKING:
    from losscli.metrics.cell_ranking import OvoRows

# only multi-class / multi-label rankings and --max-fpr use these (a binary run: not imported)
OVO_INDEX = Lazy("losscli.metrics.averages", "OvoIndex")
OVO_AVERAGE = Lazy("losscli.metrics.averages", "ovo_average")
PARTIAL_AUC = Lazy("losscli.metrics.averages", "partial_auc")
OVO_ROWS = Lazy("losscli.metrics.cell_ranking", "OvoRows")
MICRO_AUC_AP = Lazy("losscli.metrics.cell_ranking", "micro_auc_ap")
EACH_CLASS = Lazy("losscli.metrics.class_columns", "each_class")

__all__ = ["BinaryChunk", "LabelChunk", "RowStore", "KeptRows", "label_dtype"]


class BinaryChunk(NamedTuple):
    """One binary chunk's rows: ``n`` rows, label bits, keys and weights by side."""

    n: int
    bits: np.ndarray  # np.packbits of y_true == 1
    pos_keys: np.ndarray
    neg_keys: np.ndarray
    pos_weights: np.ndarray | None
    neg_weights: np.ndarray | None

    @property
    def weights(self) -> np.ndarray | None:
        """Whether the chunk had weights: its positives' weights (None when unweighted)."""
        return self.pos_weights


class LabelChunk(NamedTuple):
    """One multi-class or multi-label chunk's rows: labels, keys (n, C), weights; ``zero``:
    multi-class log-probability keys, bool (C,) the columns holding an exact 0 (whose
    ranking key is :func:`class_key`), None when none does (found once, when kept)."""

    labels: np.ndarray
    keys: np.ndarray
    weights: np.ndarray | None
    zero: np.ndarray | None = None


def label_dtype(n_classes: int) -> type:
    """The smallest signed integer type that holds class indices ``0 .. n_classes - 1``.

    >>> label_dtype(2), label_dtype(300)
    (<class 'numpy.int8'>, <class 'numpy.int16'>)
    """
    for dtype in (np.int8, np.int16, np.int32):
        if n_classes - 1 <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    """``np.concatenate`` that always returns a new array (float64 for no parts)."""
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts)


def _gather(columns: list[np.ndarray], masks: list[np.ndarray]) -> np.ndarray:
    """``concatenate([col[mask] ...])`` filled in place: one copy, no list of parts."""
    total = sum(int(np.count_nonzero(m)) for m in masks)
    out = np.empty(total, dtype=np.result_type(*columns) if columns else np.float64)
    at = 0
    for col, m in zip(columns, masks):
        part = col[m]
        out[at : at + part.size] = part
        at += part.size
    return out


def _one_vs_rest(cols: list[np.ndarray], masks: list[np.ndarray]) -> tuple[Any, Any]:
    """Unweighted AUC / AP of one class from its key columns and positive masks, per chunk.

    One sort of label-carrying keys (:func:`label_keys`) of the rows scored at or above the
    class's lowest positive; the negatives below it are only counted (with many classes,
    most of them).
    """
    lows = [float(c[m].min()) for c, m in zip(cols, masks) if m.any()]
    lowest = min(lows, default=np.inf)
    if lowest == np.inf:
        return None, None
    parts = []
    below = n_pos = 0
    for col, m in zip(cols, masks):
        keep = col >= lowest
        kept = int(np.count_nonzero(keep))
        below += keep.size - kept
        n_pos += int(np.count_nonzero(m))
        parts.append((col, m) if kept == keep.size else (col[keep], m[keep]))
    keys = label_keys(parts)
    del parts
    keys.sort()
    return auc_ap_label_sorted(keys, n_pos, below=below)[0]


def _one_vs_rest_and_pairs(col: np.ndarray, k: int, pairs: OvoRows) -> tuple[Any, Any, Any]:
    """Unweighted multi-class: class ``k``'s AUC / AP and its one-vs-one row from its key
    ``col`` of every row, the rows at or above its lowest positive found once for both
    (:func:`_one_vs_rest`'s sort, :meth:`OvoRows.row`'s searches)."""
    rows = pairs.rows_of(k)
    if not rows.size:
        return None, None, pairs.row([col], k)
    idx = np.flatnonzero(col >= col[rows].min())
    above, classes = col[idx], pairs.y[idx]
    keys = label_keys([(above, classes == k)])
    keys.sort()
    (auc, ap), _ = auc_ap_label_sorted(keys, rows.size, below=col.size - idx.size)
    return auc, ap, pairs.row([col], k, above=(above, classes))


def _chunk_cells(ch: LabelChunk, task: str, rank_key: str) -> np.ndarray:
    """A chunk's (n, C) ranking keys of every class (:func:`class_key` of each column): the
    kept keys themselves unless a multi-class log-probability is exactly 0."""
    keys = ch.keys
    if task != "multiclass" or rank_key != "log-probs" or ch.zero is None:
        return keys
    cells = keys.astype(np.float64)
    for k in np.flatnonzero(ch.zero):
        cells[:, k] = class_key(keys, int(k), rank_key)
    return cells


class RowStore:
    """The kept rows of one accumulator, chunk records in update order.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
        n_classes: C.
        rank_key: the accumulator's ranking key (for :func:`class_key`).

    >>> st = RowStore("binary", 2, "probs")
    >>> st.keep(np.array([1.0, 0.0]), np.array([0.75, 0.25]), None)
    >>> st.chunks[0].n, st.key_rows()[1].tolist()
    (2, [0.75, 0.25])
    """

    def __init__(self, task: str, n_classes: int, rank_key: str) -> None:
        self.task = task
        self.n_classes = n_classes
        self.rank_key = rank_key
        self.chunks: list[BinaryChunk | LabelChunk] = []
        #: unweighted multi-class: AUC(a | b) (C, C), filled by the one-vs-rest pass
        self._ovo: np.ndarray | None = None

    def extend(self, other: RowStore) -> None:
        """Append another store's chunks (the merge order)."""
        self.chunks.extend(other.chunks)
        self._ovo = None

    @property
    def weighted(self) -> bool:
        """Whether any kept chunk had weights."""
        return any(ch.weights is not None for ch in self.chunks)

    def keep(
        self, yt: np.ndarray, key: np.ndarray, w: np.ndarray | None, *, copy: bool = True
    ) -> None:
        """Keep one chunk's rows compactly (float32 only where exact).

        ``key`` is the ranking key (the probabilities for ``rank_key="probs"``); without
        ``copy`` a multi-class or multi-label float64 key is kept itself, not a copy.
        """
        self._ovo = None
        if self.task == "binary":
            is_pos = yt == 1
            pw = nw = None
            if w is not None:
                pw, nw = compact_floats(w[is_pos]), compact_floats(w[~is_pos])
            self.chunks.append(
                BinaryChunk(
                    n=int(key.shape[0]),
                    bits=np.packbits(is_pos),
                    pos_keys=compact_floats(key[is_pos]),
                    neg_keys=compact_floats(key[~is_pos]),
                    pos_weights=pw,
                    neg_weights=nw,
                )
            )
            return
        labels = yt.astype(label_dtype(self.n_classes)) if self.task == "multiclass" else yt == 1
        keys = compact_floats(key, copy=copy)
        zero = None
        if self.task == "multiclass" and self.rank_key == "log-probs" and keys.size:
            top = keys.max(axis=0) == 0.0  # log-probabilities are <= 0 (check_key)
            zero = top if top.any() else None
        self.chunks.append(LabelChunk(labels, keys, None if w is None else compact_floats(w), zero))

    def key_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The kept rows in update order as float64 ``(y_true, key, weights or None)``.

        Multi-class labels come back as int64.
        """
        c = self.n_classes
        weighted = self.weighted
        if self.task == "binary":
            chunks = [ch for ch in self.chunks if isinstance(ch, BinaryChunk)]
            n = sum(ch.n for ch in chunks)
            yt = np.empty(n)
            yp = np.empty(n)
            w = np.empty(n) if weighted else None
            at = 0
            for ch in chunks:
                m = ch.n
                is_pos = np.unpackbits(ch.bits, count=m).view(bool)
                yt[at : at + m] = is_pos
                part = yp[at : at + m]
                part[is_pos] = ch.pos_keys
                part[~is_pos] = ch.neg_keys
                if w is not None:
                    part = w[at : at + m]
                    part[is_pos] = 1.0 if ch.pos_weights is None else ch.pos_weights
                    part[~is_pos] = 1.0 if ch.neg_weights is None else ch.neg_weights
                at += m
            return yt, yp, w
        labelled = [ch for ch in self.chunks if isinstance(ch, LabelChunk)]
        dtype = np.int64 if self.task == "multiclass" else np.float64
        if not labelled:
            yt_shape: tuple[int, ...] = (0, c) if self.task == "multilabel" else (0,)
            return np.zeros(yt_shape, dtype=dtype), np.zeros((0, c)), None
        yt = np.concatenate([ch.labels for ch in labelled]).astype(dtype)
        yp = np.concatenate([ch.keys for ch in labelled]).astype(np.float64, copy=False)
        if not weighted:
            return yt, yp, None
        w = np.concatenate(
            [np.ones(ch.labels.shape[0]) if ch.weights is None else ch.weights for ch in labelled]
        ).astype(np.float64, copy=False)
        return yt, yp, w

    def exact_ranking(self) -> tuple[list[float | None], list[float | None]]:
        """ROC AUC and AP of every class from the kept keys (binary: both classes)."""
        if self.task == "binary":
            return self._exact_binary()
        return self._exact_columns()

    def _exact_binary(self) -> tuple[list[float | None], list[float | None]]:
        """Binary: class 1 ranks the key, class 0 the reversed key (its score ``1 - p``, or
        ``-z``, ranked without rounding: ``1 - p`` would tie distinct tiny ``p``). Unweighted,
        one sort of label-carrying keys serves both (:func:`auc_ap_label_sorted`); weighted,
        one stable argsort of each side."""
        chunks = [ch for ch in self.chunks if isinstance(ch, BinaryChunk)]
        pos_parts = [ch.pos_keys for ch in chunks]
        neg_parts = [ch.neg_keys for ch in chunks]
        n_pos = sum(p.size for p in pos_parts)
        if not self.weighted:
            # one sort of label-carrying keys serves both classes
            keys = label_keys([(p, True) for p in pos_parts] + [(q, False) for q in neg_parts])
            del pos_parts, neg_parts
            keys.sort()
            (auc1, ap1), second = auc_ap_label_sorted(keys, n_pos, both=True)
            auc0, ap0 = second or (None, None)
            return [auc0, auc1], [ap0, ap1]
        pw = _concat(
            [
                np.ones(ch.pos_keys.shape) if ch.pos_weights is None else ch.pos_weights
                for ch in chunks
            ]
        )
        nw = _concat(
            [
                np.ones(ch.neg_keys.shape) if ch.neg_weights is None else ch.neg_weights
                for ch in chunks
            ]
        )
        pw = pw.astype(np.float64, copy=False)
        nw = nw.astype(np.float64, copy=False)
        pos = _concat(pos_parts)  # a copy: sorting keeps the stored order
        neg = _concat(neg_parts)
        del pos_parts, neg_parts
        idx1 = RankIndex.build(pos, neg)
        auc1, ap1 = idx1.auc_ap(pw, nw)
        # class 0: descending -key is ascending key, so the reversed orders of class 1 serve
        orders = (idx1.order_neg[::-1], idx1.order_pos[::-1])
        del idx1
        q_pos = -neg.astype(np.float64, copy=False)
        q_neg = -pos.astype(np.float64, copy=False)
        del pos, neg
        auc0, ap0 = RankIndex.build(q_pos, q_neg, orders=orders).auc_ap(nw, pw)
        return [auc0, auc1], [ap0, ap1]

    def micro_ranking(self) -> tuple[float | None, float | None]:
        """Multi-class / multi-label: AUC and AP of every (row, class) cell as one binary
        problem (``average="micro"``; multi-class one-vs-rest cells keyed by
        :meth:`class_key`, which ranks across classes as the probabilities do), each cell
        weighted by its row's weight."""
        if not self.weighted:  # chunk by chunk: no (N, C) copy of the kept keys
            chunks = [ch for ch in self.chunks if isinstance(ch, LabelChunk)]
            if self.task == "multiclass":
                task, rank = self.task, self.rank_key
                return MICRO_AUC_AP.load()(
                    lambda i: (_chunk_cells(chunks[i], task, rank), chunks[i].labels), len(chunks)
                )
            return MICRO_AUC_AP.load()(lambda i: (chunks[i].keys, chunks[i].labels), len(chunks))
        yt, key, w = self.key_rows()
        c = self.n_classes
        if self.task == "multiclass":
            cells = np.stack([self.class_key(key, k) for k in range(c)], axis=1)
            is_pos = yt[:, None] == np.arange(c)[None, :]
        else:
            cells, is_pos = key, yt == 1
        del key
        s, m = cells.ravel(), is_pos.ravel()
        wc = np.repeat(w, c)
        return auc_ap_split(s[m], s[~m], wc[m], wc[~m], overwrite=True)

    def ovo_ranking(self) -> tuple[float | None, float | None, int]:
        """Multi-class: the one-vs-one AUC ``(macro, weighted, pairs left out)``.

        Unweighted, from the pair AUCs the one-vs-rest pass computed (:func:`ovo_row`, no
        concatenated copy of the kept keys); weighted, from an :class:`OvoIndex`."""
        if not self.weighted:
            if self._ovo is None:
                self._exact_columns()
            assert self._ovo is not None
            counts = np.zeros(self.n_classes)
            for ch in self.chunks:
                counts += np.bincount(ch.labels, minlength=self.n_classes)
            return OVO_AVERAGE.load()(self._ovo, counts)
        yt, key, w = self.key_rows()
        idx = OVO_INDEX.load()(yt, lambda k: self.class_key(key, k), self.n_classes)
        return idx.average(w)

    def partial_ranking(self, max_fpr: float) -> float | None:
        """Binary: the standardised partial AUC up to ``max_fpr`` (class 1's ranking)."""
        yt, key, w = self.key_rows()
        is_pos = yt == 1
        idx = RankIndex.build(key[is_pos], key[~is_pos])
        if w is None:
            return PARTIAL_AUC.load()(
                idx.groups(
                    np.ones(int(is_pos.sum()), np.int64), np.ones(int((~is_pos).sum()), np.int64)
                ),
                max_fpr,
            )
        return PARTIAL_AUC.load()(idx.groups(w[is_pos], w[~is_pos]), max_fpr)

    def class_key(self, key: np.ndarray, k: int) -> np.ndarray:
        """The ranking key of class ``k`` from keys (N, C) (see :func:`class_key`)."""
        if self.task != "multiclass":
            return key[:, k]
        return class_key(key, k, self.rank_key)

    def _whole_column(
        self,
        chunks: list[LabelChunk],
        spans: list[tuple[int, int]],
        k: int,
        col: np.ndarray,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Class ``k``'s ranking keys and positives: one part of every row (unweighted), or
        one per chunk (weighted: beside each chunk's weights). ``col`` is its row of the
        class-major group (:meth:`_column_key`)."""
        col = self._column_key(chunks, k, col, self._zero_columns(chunks))
        if self.task == "multiclass":
            masks = [ch.labels == k for ch in chunks]
        else:
            masks = [ch.labels[:, k] for ch in chunks]
        if self.weighted:
            return [col[a:b] for a, b in spans], masks
        return [col], [np.concatenate(masks)]

    def _column_key(
        self, chunks: list[LabelChunk], k: int, col: np.ndarray, zero: np.ndarray | None
    ) -> np.ndarray:
        """Class ``k``'s row of a class-major group as its ranking key: a multi-class
        log-probability of exactly 0 takes :meth:`class_key`; ``zero``: the columns that
        hold one (:meth:`_zero_columns`)."""
        if zero is not None and zero[k]:
            return np.concatenate([self.class_key(ch.keys, k) for ch in chunks])
        return col

    def _zero_columns(self, chunks: list[LabelChunk]) -> np.ndarray | None:
        """bool (C,): the columns of multi-class log-probability keys holding an exact 0 in
        any chunk (``LabelChunk.zero``), None when none does."""
        marks = [ch.zero for ch in chunks if ch.zero is not None]
        return np.logical_or.reduce(marks) if marks else None

    def _exact_columns(self) -> tuple[list[float | None], list[float | None]]:
        """Multi-class one-vs-rest and multi-label: one class at a time, each sorted once,
        the classes on worker threads (:func:`each_class`: class-major groups of columns)."""
        chunks = [ch for ch in self.chunks if isinstance(ch, LabelChunk)]
        weighted = self.weighted
        ends = np.cumsum([ch.keys.shape[0] for ch in chunks], dtype=np.int64)
        spans = list(zip(np.concatenate(([0], ends[:-1])).tolist(), ends.tolist()))
        pairs = None
        if self.task == "multiclass" and not weighted:  # one-vs-one rows from the same columns
            pairs = OVO_ROWS.load()([ch.labels for ch in chunks], self.n_classes)

        zero = self._zero_columns(chunks)

        def rank(k: int, col: np.ndarray | None) -> tuple[Any, Any, np.ndarray | None]:
            if col is not None and pairs is not None:  # unweighted multi-class, one column
                return _one_vs_rest_and_pairs(self._column_key(chunks, k, col, zero), k, pairs)
            if col is not None:  # class k's row of a class-major group
                cols, masks = self._whole_column(chunks, spans, k, col)
            else:
                masks = [
                    ch.labels == k if self.task == "multiclass" else ch.labels[:, k]
                    for ch in chunks
                ]
                cols = [self.class_key(ch.keys, k) for ch in chunks]
            if not weighted:
                auc, ap = _one_vs_rest(cols, masks)
                return auc, ap, None if pairs is None else pairs.row(cols, k)
            pos = _gather(cols, masks)
            neg = _gather(cols, [~m for m in masks])
            ws = [
                np.ones(m.shape[0]) if ch.weights is None else ch.weights
                for ch, m in zip(chunks, masks)
            ]
            pw = _concat([w[m] for w, m in zip(ws, masks)]).astype(np.float64, copy=False)
            nw = _concat([w[~m] for w, m in zip(ws, masks)]).astype(np.float64, copy=False)
            auc, ap = RankIndex.build(pos, neg).auc_ap(pw, nw)
            return auc, ap, None

        ranked = list(EACH_CLASS.load()([ch.keys for ch in chunks], self.n_classes, rank))
        if pairs is not None:
            self._ovo = np.array([row for _, _, row in ranked])
        return [auc for auc, _, _ in ranked], [ap for _, ap, _ in ranked]


class KeptRows:
    """The kept-row views of a classification accumulator (its base class).

    Reads the host's ``rows`` (:class:`RowStore`), ``sums.hist``, ``rank_mode``, ``task``,
    ``n_classes``, ``rank_key``, ``keep_scores`` and ``auc_bins``.
    """

    rows: RowStore
    sums: Any
    rank_mode: str
    task: str
    n_classes: int
    rank_key: str
    keep_scores: bool
    auc_bins: int | None

    def _scores_available(self) -> None:
        if self.rank_mode == "binned":
            raise ValueError(
                f"scores were not kept (binned ranking, auc_bins={self.auc_bins}); "
                "drop auc_bins to keep them"
            )
        if not self.keep_scores:
            raise ValueError("scores were not kept (keep_scores=False)")

    def stored(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The kept rows, concatenated: ``(y_true, y_prob, sample_weight or None)``.

        Rows come back in update order (across merges: this accumulator's, then the other's),
        as float64 (multi-class labels int64), whatever the compact storage is.

        Returns:
            Arrays in the shapes ``update`` takes; weights are None when no chunk had any.

        Raises:
            ValueError: the accumulator was built with ``keep_scores=False`` or ``auc_bins``.

        >>> from losscli.metrics import ClassificationAccumulator
        >>> acc = ClassificationAccumulator("binary", 2)
        >>> acc.update(np.array([1.0]), np.array([0.8]))
        >>> acc.stored()
        (array([1.]), array([0.8]), None)
        """
        self._scores_available()
        yt, key, w = self.rows.key_rows()
        return yt, key_to_prob(key, self.rank_key), w

    def key_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """As :meth:`stored`, with the ranking keys (float64) in place of the probabilities,
        without the mode check (for resampling)."""
        return self.rows.key_rows()

    def scores(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per class (or label): ``(y_true 0/1, score, sample_weight or None)`` for curves.

        Binary gives both classes (class 0 scored by ``1 - p``); multi-class is one-vs-rest
        with the class's probability column; multi-label one entry per label.

        Returns:
            A list aligned with ``class_names``.

        >>> from losscli.metrics import ClassificationAccumulator
        >>> acc = ClassificationAccumulator("multiclass", 3)
        >>> acc.update(np.array([2, 0]), np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
        >>> y, s, w = acc.scores()[2]
        >>> y, s, w
        (array([1., 0.]), array([0.5, 0.2]), None)
        """
        yt, yp, w = self.stored()
        if self.task == "binary":
            return [(1.0 - yt, 1.0 - yp, w), (yt, yp, w)]
        if self.task == "multiclass":
            return [((yt == c).astype(np.float64), yp[:, c], w) for c in range(self.n_classes)]
        return [(yt[:, c], yp[:, c], w) for c in range(self.n_classes)]

    def rank_scores(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per class (or label): ``(y_true 0/1, ranking key, sample_weight or None)``.

        What ROC AUC, average precision, their curves and the threshold sweep rank: the
        ``rank_key`` values (the probabilities of :meth:`scores` for ``rank_key="probs"``).
        Binary class 0 is keyed by the negated key (the reversed order of ``p``, without the
        rounding of ``1 - p``).

        Returns:
            A list aligned with ``class_names``.

        >>> from losscli.metrics import ClassificationAccumulator
        >>> acc = ClassificationAccumulator("binary", 2, rank_key="logits")
        >>> acc.update(np.array([0.0, 1.0]), None, rank_scores=np.array([40.0, 50.0]))
        >>> acc.scores()[1][1], acc.rank_scores()[1][1]
        (array([1., 1.]), array([40., 50.]))
        """
        self._scores_available()
        yt, key, w = self.rows.key_rows()
        if self.task == "binary":
            return [(1.0 - yt, -key, w), (yt, key, w)]
        if self.task == "multiclass":
            return [
                ((yt == c).astype(np.float64), self.rows.class_key(key, c), w)
                for c in range(self.n_classes)
            ]
        return [(yt[:, c], key[:, c], w) for c in range(self.n_classes)]

    def rank_values(self, sums: Any = None) -> Ranking:
        """ROC AUC and AP of every class (and the binned error bounds) for ``result()``,
        with the micro, one-vs-one and partial AUC the task and settings report.

        Binned: micro AUC / AP from the histograms summed over the classes (the same bins),
        the partial AUC from class 1's histogram; the one-vs-one AUC needs the rows (a
        (class, class, bin) histogram would be C^2 x bins), so it is not computed there.
        ``sums``: binned ranking of other sums of these settings (a resample's histograms;
        default ``self.sums``); exact ranking reads the kept rows, whatever ``sums``.
        """
        c = self.n_classes
        max_fpr = getattr(self, "max_fpr", None)
        if self.rank_mode == "off":
            return Ranking("off", [None] * c, [None] * c)
        if self.rank_mode == "binned":
            auc_c, ap_c, bounds = [], [], []
            hist = (self.sums if sums is None else sums).hist
            for k in range(c):
                pos_h, neg_h = hist[k, :, 1], hist[k, :, 0]
                auc, ap = auc_ap_hist(pos_h, neg_h)
                auc_c.append(auc)
                ap_c.append(ap)
                bounds.append(hist_error_bounds(pos_h, neg_h))
            rk = Ranking("binned", auc_c, ap_c, bounds)
            if self.task != "binary":
                pos_h, neg_h = hist[:, :, 1].sum(axis=0), hist[:, :, 0].sum(axis=0)
                rk.micro = auc_ap_hist(pos_h, neg_h)
                rk.micro_bounds = hist_error_bounds(pos_h, neg_h)
            if self.task == "multiclass":
                rk.skipped = ("roc_auc_ovo_macro", "roc_auc_ovo_weighted")
            if self.task == "binary" and max_fpr is not None:
                rk.partial = PARTIAL_AUC.load()(hist_groups(hist[1, :, 1], hist[1, :, 0]), max_fpr)
            return rk
        rk = Ranking("exact", *self.rows.exact_ranking())
        if self.task != "binary":
            rk.micro = self.rows.micro_ranking()
        if self.task == "multiclass":
            rk.ovo = self.rows.ovo_ranking()
        if self.task == "binary" and max_fpr is not None:
            rk.partial = self.rows.partial_ranking(max_fpr)
        return rk
