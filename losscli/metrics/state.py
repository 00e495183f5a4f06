"""The metric state, declared once: every additive sum and every per-row term.

An accumulator's state is a set of named sums that add across chunks and shards
(:data:`CLASSIFICATION_SUMS`, :data:`REGRESSION_SUMS`: name, shape, how it merges, how a
resample gets it). The sums that are linear in the row weights come from per-row terms
(:data:`CLASSIFICATION_TERMS`, :data:`REGRESSION_TERMS`: name, width, the tasks and settings
that have it, how ``update`` reduces it). The same tables drive:

- ``update``: each term's column reduced with the chunk's weights (:func:`reduce_term`);
- ``merge`` (and so the Dask state, which merges accumulators): :meth:`Sums.merge`;
- ``resample``: the dense (k, N) term matrix and its row slices (:class:`TermLayout`), then
  :meth:`TermLayout.fill` puts ``terms @ v`` back under the sums' names;
- the linear path (:mod:`losscli.metrics.linear`): the same layout, columns in that order.

Adding a sum is one :class:`SumSpec` row; adding a per-row term is one :class:`TermSpec` row
plus its column in :func:`classification_row_terms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.kinds import CLASSIFICATION_TASKS
from losscli.metrics._common import safe_ratio
from losscli.metrics.calibration import (
    brier_binary,
    brier_multiclass,
    brier_multilabel,
    log_loss_binary,
    log_loss_multiclass,
    log_loss_multilabel,
)
from losscli.metrics.keys import top_k_hits
from losscli.records import record

__all__ = [
    "TASKS",
    "SAMPLE_STATS",
    "SumSpec",
    "TermSpec",
    "CLASSIFICATION_SUMS",
    "CLASSIFICATION_TERMS",
    "REGRESSION_SUMS",
    "REGRESSION_TERMS",
    "Dims",
    "Sums",
    "TermLayout",
    "reduce_term",
    "add_terms",
    "classification_row_terms",
    "sample_terms",
    "row_average_precision",
]

TASKS = CLASSIFICATION_TASKS
"""The classification tasks (declared in :mod:`losscli.kinds`)."""

SAMPLE_STATS = ("precision", "recall", "f1", "fbeta")
"""The multi-label per-sample statistics behind the ``*_samples`` averages, in this order."""


@record(frozen=True)
class Dims:
    """The sizes the shapes of the sums refer to.

    Attributes:
        task: the task (classification, or ``"regression"``).
        n_classes: C (classes or labels; regression: the outputs K).
        ece_bins: calibration bins.
        auc_bins: binned-ranking bins (0 when ranking is not binned).
        n_top_k: how many k of ``top_k`` (0 without it).
    """

    task: str
    n_classes: int
    ece_bins: int = 0
    auc_bins: int = 0
    n_top_k: int = 0

    def shape(self, symbol: str) -> tuple[int, ...]:
        """The shape a :class:`SumSpec` symbol stands for.

        >>> Dims("multilabel", 3, 15).shape("cm"), Dims("binary", 2, 15).shape("cm")
        ((3, 2, 2), (2, 2))
        """
        c = self.n_classes
        return {
            "": (),
            "cm": (c, 2, 2) if self.task == "multilabel" else (c, c),
            "bins": (self.ece_bins,),
            "stats": (len(SAMPLE_STATS),),
            "hist": (c, self.auc_bins, 2),
            "K": (c,),
            "topk": (self.n_top_k,),
        }[symbol]


@record(frozen=True)
class SumSpec:
    """One mergeable sum of an accumulator.

    Attributes:
        name: attribute name on :class:`Sums`.
        shape: a :meth:`Dims.shape` symbol (``""`` for a Python float).
        merge: ``"add"``, ``"min"``, ``"max"``, or ``"moments"`` (regression's weight, mean
            and M2, merged together by Chan et al.'s update, see the regression module).
        resample: how a resample gets it: ``"terms"`` (a row of ``terms @ v``), ``"cells"``
            (the joint confusion-cell x calibration-bin bincount), ``"derived"`` (from other
            sums, :meth:`TermLayout.fill`), ``"direct"`` (an O(N) pass of its own), or
            ``"none"`` (not needed by the flat metrics).
        dtype: numpy dtype of an array sum.
        init: the start value (0 for sums; +-inf for min / max).
        doc: what it is.
    """

    name: str
    shape: str
    merge: str = "add"
    resample: str = "terms"
    dtype: Any = np.float64
    init: float = 0.0
    doc: str = ""


CLASSIFICATION_SUMS: tuple[SumSpec, ...] = (
    SumSpec("total_weight", "", doc="W = sum_i w_i"),
    SumSpec("cm", "cm", resample="cells", doc="confusion counts (multi-label: per label 2 x 2)"),
    SumSpec("log_loss", "", doc="sum_i w_i log_loss_i"),
    SumSpec("brier", "", doc="sum_i w_i brier_i"),
    SumSpec("ece_w", "bins", resample="cells", doc="calibration bins: weight"),
    SumSpec("ece_conf", "bins", resample="cells", doc="calibration bins: weight x confidence"),
    SumSpec("ece_acc", "bins", resample="cells", doc="calibration bins: weight x correct"),
    SumSpec("top_k_hits", "topk", doc="multi-class: per k, sum_i w_i [y_i among the top k]"),
    SumSpec("subset", "", doc="multi-label: sum_i w_i [row i all right]"),
    SumSpec("hamming", "", doc="multi-label: sum_i w_i (labels wrong in row i)"),
    SumSpec("samp_sum", "stats", doc="multi-label: sum_i w_i stat_i where defined"),
    SumSpec("samp_wundef", "stats", doc="multi-label: weight of rows where a stat is undefined"),
    SumSpec("samp_wdef", "stats", resample="derived", doc="multi-label: W - samp_wundef"),
    SumSpec(
        "samp_nundef", "stats", resample="none", dtype=np.int64, doc="rows with a stat undefined"
    ),
    SumSpec("hist", "hist", resample="none", doc="binned ranking: weight per (class, bin, pos)"),
    SumSpec("aps_sum", "", doc="multi-label: sum_i w_i AP_i over rows with a true label"),
    SumSpec("aps_wdef", "", doc="multi-label: weight of the rows with a true label"),
    SumSpec("aps_nundef", "", resample="none", doc="multi-label: rows with no true label"),
)

REGRESSION_SUMS: tuple[SumSpec, ...] = (
    SumSpec("w", "K", merge="moments", doc="W per output"),
    SumSpec("mean", "K", merge="moments", resample="derived", doc="weighted mean of y - shift"),
    SumSpec("m2", "K", merge="moments", resample="direct", doc="sum w (y - mean)^2"),
    SumSpec("sse", "K", doc="sum w e^2"),
    SumSpec("sae", "K", doc="sum w |e|"),
    SumSpec("sape", "K", doc="sum w |e| / max(|y|, eps)"),
    SumSpec("ymin", "K", merge="min", resample="direct", init=np.inf, doc="min y (w > 0)"),
    SumSpec("ymax", "K", merge="max", resample="direct", init=-np.inf, doc="max y (w > 0)"),
    SumSpec("max_err", "K", merge="max", resample="direct", doc="max |e| over rows"),
    SumSpec("emean", "K", merge="moments", resample="derived", doc="weighted mean of e - eshift"),
    SumSpec("em2", "K", merge="moments", resample="direct", doc="sum w (e - mean e)^2"),
    SumSpec("emin", "K", merge="min", resample="direct", init=np.inf, doc="min e (w > 0)"),
    SumSpec("emax", "K", merge="max", resample="direct", init=-np.inf, doc="max e (w > 0)"),
    SumSpec("ssle", "K", doc="sum w (log1p(y_hat) - log1p(y))^2 (rows with both > -1)"),
    SumSpec(
        "lmin", "K", merge="min", resample="direct", init=np.inf, doc="min(y, y_hat) over rows"
    ),
)


@record(frozen=True)
class TermSpec:
    """One per-row term: a column (or ``width`` columns) whose weighted sum is a sum.

    Attributes:
        name: the :class:`SumSpec` it adds into.
        width: columns per row (1, or a :meth:`Dims.shape` symbol of one axis).
        tasks: the tasks that have it.
        when: a further condition on the accumulator's settings (e.g. ``top_k`` set).
        reduce: how ``update`` adds a chunk's column: ``"weight"`` (the row count, or the sum of
            the weights), ``"sum"`` (``sum(x)``, or ``x . w``) or ``"dot"`` (``x . w``, ones
            when unweighted); see :func:`reduce_term`.
    """

    name: str
    width: int | str = 1
    tasks: tuple[str, ...] = TASKS
    when: Callable[[Any], bool] | None = None
    reduce: str = "sum"


def _ranked(settings: Any) -> bool:
    """Whether the ranking metrics are on (settings without ``rank_mode``: yes)."""
    return getattr(settings, "rank_mode", "exact") != "off"


CLASSIFICATION_TERMS: tuple[TermSpec, ...] = (
    TermSpec("total_weight", reduce="weight"),
    TermSpec("log_loss"),
    TermSpec("brier"),
    TermSpec("top_k_hits", "topk", tasks=("multiclass",), when=lambda s: s.top_k is not None),
    TermSpec("subset", tasks=("multilabel",), reduce="dot"),
    TermSpec("hamming", tasks=("multilabel",), reduce="dot"),
    TermSpec("samp_sum", "stats", tasks=("multilabel",), reduce="dot"),
    TermSpec("samp_wundef", "stats", tasks=("multilabel",), reduce="dot"),
    TermSpec("aps_sum", tasks=("multilabel",), when=_ranked, reduce="dot"),
    TermSpec("aps_wdef", tasks=("multilabel",), when=_ranked, reduce="dot"),
)
"""The dense per-row terms of a classification accumulator, in their row order."""

REGRESSION_TERMS: tuple[TermSpec, ...] = (
    TermSpec("w", tasks=("regression",), reduce="weight"),
    TermSpec("sse", "K", tasks=("regression",)),
    TermSpec("sae", "K", tasks=("regression",)),
    TermSpec("sape", "K", tasks=("regression",)),
    TermSpec("dev", "K", tasks=("regression",)),
    TermSpec("edev", "K", tasks=("regression",)),
    TermSpec("ssle", "K", tasks=("regression",)),
)
"""The dense per-row terms of a regression resample (``dev``: ``y - centre``, for the mean;
``edev``: ``e - centre_e``, for the mean error of the explained variance)."""


class Sums:
    """Named sums of one accumulator (or of one resample), declared by a :class:`SumSpec` table.

    >>> s = Sums.zeros(CLASSIFICATION_SUMS, Dims("binary", 2, 15))
    >>> s.cm.shape, s.log_loss
    ((2, 2), 0.0)
    >>> t = Sums.zeros(CLASSIFICATION_SUMS, Dims("binary", 2, 15))
    >>> t.log_loss = 1.5
    >>> s.merge(t).log_loss
    1.5
    """

    def __init__(self, specs: tuple[SumSpec, ...], values: dict[str, Any]) -> None:
        self.specs = specs
        for spec in specs:
            setattr(self, spec.name, values[spec.name])

    @classmethod
    def zeros(cls, specs: tuple[SumSpec, ...], dims: Dims) -> Sums:
        """Every sum at its start value (0, or +-inf for a min / max)."""
        values: dict[str, Any] = {}
        for spec in specs:
            shape = dims.shape(spec.shape)
            values[spec.name] = (
                float(spec.init) if shape == () else np.full(shape, spec.init, dtype=spec.dtype)
            )
        return cls(specs, values)

    def merge(self, other: Sums) -> Sums:
        """Merge ``other``'s sums into these (in place, by each spec's rule) and return self.

        The ``"moments"`` sums are left to the owner (they merge together, not one by one).
        """
        for spec in self.specs:
            a, b = getattr(self, spec.name), getattr(other, spec.name)
            if spec.merge == "add":
                if isinstance(a, np.ndarray):
                    a += b
                else:
                    setattr(self, spec.name, a + b)
            elif spec.merge == "min":
                setattr(self, spec.name, np.minimum(a, b))
            elif spec.merge == "max":
                setattr(self, spec.name, np.maximum(a, b))
        return self


def reduce_term(mode: str, values: np.ndarray, w: np.ndarray | None) -> float:
    """One chunk's contribution of a per-row term column to its sum.

    ``"weight"``: ``n`` or ``sum(w)`` (``values`` is ignored but gives ``n``); ``"sum"``:
    ``sum(x)`` or ``x . w``; ``"dot"``: ``x . w`` with ``w = 1`` when unweighted.

    >>> reduce_term("sum", np.array([1.0, 2.0]), np.array([2.0, 0.5]))
    3.0
    >>> reduce_term("weight", np.zeros(3), None)
    3.0
    """
    if mode == "weight":
        return float(values.shape[0] if w is None else w.sum())
    if mode == "sum":
        return float(values.sum() if w is None else np.dot(values, w))
    ww = np.ones(values.shape[0]) if w is None else w
    return float(np.dot(values, ww))


class TermLayout:
    """The rows of the dense term matrix for one accumulator's settings, by name.

    Args:
        terms: a :class:`TermSpec` table.
        settings: an object with ``task`` (and what the ``when`` conditions read).
        dims: the sizes of ``width`` symbols.

    >>> lay = TermLayout(CLASSIFICATION_TERMS, Dims("multilabel", 3, 15), None)
    >>> lay.slices["samp_sum"], lay.width
    (slice(5, 9, None), 15)
    """

    def __init__(self, terms: tuple[TermSpec, ...], dims: Dims, settings: Any) -> None:
        self.terms: list[TermSpec] = []
        self.slices: dict[str, slice] = {}
        at = 0
        for t in terms:
            if dims.task not in t.tasks or (t.when is not None and not t.when(settings)):
                continue
            width = t.width if isinstance(t.width, int) else dims.shape(t.width)[0]
            self.terms.append(t)
            self.slices[t.name] = slice(at, at + width)
            at += width
        self.width = at

    def __contains__(self, name: str) -> bool:
        return name in self.slices

    def matrix(self, columns: dict[str, Any], n: int) -> np.ndarray:
        """The (width, N) term matrix from each term's columns (a (N,) array or a list)."""
        out = np.empty((self.width, n))
        for t in self.terms:
            sl = self.slices[t.name]
            col = columns[t.name]
            if isinstance(col, list):
                for j, part in zip(range(sl.start, sl.stop), col):
                    out[j] = part
            else:
                out[sl.start] = col
        return out

    def get(self, d: np.ndarray, name: str) -> Any:
        """Term ``name``'s entries of ``d = terms @ v``: a float for width 1, else an array;
        for ``d`` (B, width) of B resamples, (B,) and (B, width) arrays."""
        sl = self.slices[name]
        if sl.stop - sl.start == 1:
            return float(d[sl.start]) if d.ndim == 1 else d[:, sl.start].copy()
        return d[..., sl].copy()

    def fill(self, sums: Sums, d: np.ndarray) -> None:
        """Put one resample's ``d = terms @ v`` (or B resamples' (B, width)) into ``sums`` by
        name, then the derived sums."""
        for t in self.terms:
            setattr(sums, t.name, self.get(d, t.name))
        if "samp_wundef" in self:
            sums.samp_wdef = sums.total_weight - sums.samp_wundef


def add_terms(
    sums: Sums, layout: TermLayout, cols: dict[str, Any], n: int, w: np.ndarray | None
) -> None:
    """``update``'s step: add each declared per-row term's reduced chunk columns to its sum.

    Args:
        sums: the accumulator's sums (changed in place).
        layout: the terms of its settings.
        cols: :func:`classification_row_terms` of the chunk.
        n: the chunk's rows; ``w`` its weights (N,) or None.

    Also keeps the multi-label ``samp_wdef`` (defined weight) and ``samp_nundef`` (undefined
    rows), which a resample derives or does not need.

    >>> lay = TermLayout(CLASSIFICATION_TERMS, Dims("binary", 2), None)
    >>> s = Sums.zeros(CLASSIFICATION_SUMS, Dims("binary", 2, 15))
    >>> add_terms(s, lay, {"log_loss": np.array([1.0, 2.0]), "brier": np.zeros(2)}, 2, None)
    >>> s.total_weight, s.log_loss
    (2.0, 3.0)
    """
    for t in layout.terms:
        if t.reduce == "weight":
            sums.total_weight += reduce_term("weight", np.empty(n), w)
            continue
        col = cols[t.name]
        if isinstance(col, list):
            arr = getattr(sums, t.name)
            for i, part in enumerate(col):
                arr[i] += reduce_term(t.reduce, part, w)
        else:
            setattr(sums, t.name, getattr(sums, t.name) + reduce_term(t.reduce, col, w))
    if "samp_wundef" in layout:  # the defined weight and the undefined row counts
        for i, undef in enumerate(cols["samp_wundef"]):
            sums.samp_wdef[i] += reduce_term("dot", 1.0 - undef, w)
            sums.samp_nundef[i] += int(undef.sum())
    if "aps_wdef" in layout:  # rows without a true label (average_precision_samples)
        sums.aps_nundef += float(np.count_nonzero(cols["aps_wdef"] == 0))


def classification_row_terms(
    settings: Any,
    yt: np.ndarray,
    yp: np.ndarray,
    pred: np.ndarray,
    layout: TermLayout,
    key: np.ndarray | None = None,
) -> dict[str, Any]:
    """The per-row columns of every term in ``layout`` (except ``total_weight``'s ones).

    Args:
        settings: the accumulator (``task``, ``top_k``, ``beta``).
        yt: labels as the accumulator checks them; ``yp`` the probabilities; ``pred`` the
            predictions (binary (N,), multi-class (N,) class, multi-label (N, L) 0/1).
        layout: which terms.
        key: the ranking keys (as ``yp``; None: ``yp``), for the multi-label per-row AP.

    Returns:
        name -> float64 (N,) column, or a list of columns for a wider term.

    >>> acc = type("S", (), {"task": "binary", "top_k": None, "beta": 1.0})()
    >>> lay = TermLayout(CLASSIFICATION_TERMS, Dims("binary", 2), acc)
    >>> sorted(classification_row_terms(acc, np.array([1.0]), np.array([0.5]), np.array([1]), lay))
    ['brier', 'log_loss']
    """
    task = settings.task
    cols: dict[str, Any] = {}
    if task == "binary":
        cols["log_loss"], cols["brier"] = log_loss_binary(yt, yp), brier_binary(yt, yp)
    elif task == "multiclass":
        cols["log_loss"], cols["brier"] = log_loss_multiclass(yt, yp), brier_multiclass(yt, yp)
        if "top_k_hits" in layout:
            on = yp if key is None else key  # ties as the scores' (the key keeps them)
            cols["top_k_hits"] = [top_k_hits(yt, on, k).astype(np.float64) for k in settings.top_k]
    else:
        cols["log_loss"], cols["brier"] = log_loss_multilabel(yt, yp), brier_multilabel(yt, yp)
        beta = 1.0 if settings.beta is None else settings.beta
        cols.update(sample_terms(yt, pred.astype(np.float64), beta))
        if "aps_sum" in layout:
            ap, has_pos = row_average_precision(yt, yp if key is None else key)
            cols["aps_sum"], cols["aps_wdef"] = ap, has_pos
    return cols


def sample_terms(yt: np.ndarray, pred: np.ndarray, beta: float) -> dict[str, Any]:
    """Multi-label per-row terms: subset hit, mismatches, the 4 per-sample values, undefined.

    Per row: ``tp``, ``n_true``, ``n_pred``; precision ``tp / n_pred``, recall ``tp / n_true``,
    F1 ``2 tp / (n_true + n_pred)``, F-beta ``(1 + b^2) tp / (b^2 n_true + n_pred)``
    (:data:`SAMPLE_STATS` order); an undefined value enters ``samp_sum`` as 0 and
    ``samp_wundef`` as 1.

    >>> t = sample_terms(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]), 1.0)
    >>> t["subset"].tolist(), t["hamming"].tolist(), [v.tolist() for v in t["samp_sum"]]
    ([0.0], [1.0], [[0.5], [1.0], [0.6666666666666666], [0.6666666666666666]])
    """
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
    return {
        "subset": (mismatches == 0).astype(np.float64),
        "hamming": mismatches,
        "samp_sum": [np.where(u, 0.0, v) for u, v in zip(undef, values)],
        "samp_wundef": [u.astype(np.float64) for u in undef],
    }


def row_average_precision(yt: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multi-label: each row's average precision over its labels (``average="samples"``).

    Row i ranks its L labels by score: ``AP_i = sum_{k: y_ik = 1} TP_i(>= s_ik) /
    N_i(>= s_ik) / P_i``, with ``TP_i(>= s)`` the true labels and ``N_i(>= s)`` the labels
    scored at least ``s`` in that row (tied scores are one threshold, as
    ``sklearn.metrics.average_precision_score``), ``P_i`` the row's true labels. One sort of
    the (row, -score) pairs; O(N L log(N L)).

    Args:
        yt: float (N, L) 0/1 labels.
        scores: float (N, L) scores (or any strictly increasing function of them per cell).

    Returns:
        ``(ap, has_pos)``: float64 (N,) AP (0 for a row with no true label) and float64 (N,)
        1 where the row has a true label (AP defined), else 0.

    >>> ap, ok = row_average_precision(np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]),
    ...                                np.array([[0.9, 0.2, 0.3], [0.1, 0.5, 0.2]]))
    >>> ap.tolist(), ok.tolist()
    ([1.0, 0.0], [1.0, 0.0])
    """
    n, c = yt.shape
    n_pos = yt.sum(axis=1)
    has_pos = (n_pos > 0).astype(np.float64)
    if n == 0 or c == 0:
        return np.zeros(n), has_pos
    rows = np.repeat(np.arange(n), c)
    s = np.asarray(scores, dtype=np.float64).ravel()
    order = np.lexsort((-s, rows))  # by row, then descending score
    s_o, r_o, y_o = s[order], rows[order], yt.ravel()[order]
    new = np.ones(n * c, dtype=bool)
    new[1:] = (r_o[1:] != r_o[:-1]) | (s_o[1:] != s_o[:-1])
    starts = np.flatnonzero(new)
    size_g = np.diff(np.append(starts, n * c))
    pos_g = np.add.reduceat(y_o, starts)
    row_g = r_o[starts]
    cum_n = np.cumsum(size_g)
    cum_p = np.cumsum(pos_g)
    first = np.searchsorted(row_g, np.arange(n), "left")  # the first group of each row
    base_n = np.concatenate(([0], cum_n))[first][row_g]
    base_p = np.concatenate(([0.0], cum_p))[first][row_g]
    prec = (cum_p - base_p) / (cum_n - base_n)
    ap = np.bincount(row_g, weights=pos_g * prec, minlength=n)
    out = np.zeros(n)
    np.divide(ap, n_pos, out=out, where=n_pos > 0)
    return out, has_pos
