"""What a run accumulates: one :class:`LossAccumulator` per loss and the :class:`EvalState`
(loss and metric accumulators and the row counters), mergeable across chunks, slices and
dataset partitions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.pipeline.infer import show_number
from losscli.records import record


class LossAccumulator:
    """Sums for one loss: its additive sufficient statistics and per-sample moments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sums: np.ndarray | None = None
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf

    def update(self, per_sample: np.ndarray, sums: np.ndarray) -> None:
        self.add(sums, chunk_moments(per_sample))

    def add(self, sums: np.ndarray, moments: tuple[int, float, float, float, float, float]) -> None:
        """:meth:`update` with the chunk's :func:`chunk_moments` computed once (the same
        per-sample values added to two accumulators: ``ce`` and ``perplexity``)."""
        self.sums = sums.astype(np.float64) if self.sums is None else self.sums + sums
        n, mean, m2, total, lo, hi = moments
        if n == 0:
            return
        self._merge_moments(n, mean, m2)
        self.total += total
        self.min = min(self.min, lo)
        self.max = max(self.max, hi)

    def _merge_moments(self, n: int, mean: float, m2: float) -> None:
        tot = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / tot
        self.m2 += m2 + delta * delta * self.n * n / tot
        self.n = tot

    def merge(self, other: LossAccumulator) -> LossAccumulator:
        if other.sums is not None:
            self.sums = other.sums.copy() if self.sums is None else self.sums + other.sums
        if other.n:
            self._merge_moments(other.n, other.mean, other.m2)
            self.total += other.total
            self.min, self.max = min(self.min, other.min), max(self.max, other.max)
        return self

    def stats(self) -> dict[str, float | None]:
        if self.n == 0:
            return {"sum": 0.0, "std": None, "min": None, "max": None}
        return {  # + 0.0 turns a -0.0 (torch's BCE of a perfect prediction) into 0.0
            "sum": self.total + 0.0,
            "std": math.sqrt(self.m2 / self.n),
            "min": self.min + 0.0,
            "max": self.max + 0.0,
        }


def chunk_moments(x: np.ndarray) -> tuple[int, float, float, float, float, float]:
    """``(n, mean, m2, sum, min, max)`` of one chunk's per-sample values, merged by
    :meth:`LossAccumulator.add`: ``m2 = sum (x - mean)^2``, ``mean = sum / n`` (``x.mean()``
    bit for bit); ``(0, 0, 0, 0, inf, -inf)`` when ``x`` is empty.

    >>> chunk_moments(np.array([1.0, 2.0, 6.0]))
    (3, 3.0, 14.0, 9.0, 1.0, 6.0)
    """
    n = int(x.size)
    if n == 0:
        return 0, 0.0, 0.0, 0.0, math.inf, -math.inf
    total = float(x.sum())
    mean = total / n
    d = x - mean
    return n, mean, float(np.multiply(d, d, out=d).sum()), total, float(x.min()), float(x.max())


PERPLEXITY = "perplexity"
"""The key of the NLL sums behind ``perplexity`` among a state's loss accumulators (kept and
merged like a loss; reported as a metric by ``pipeline.report.state_results``)."""


def perplexity_rows(
    results: dict[str, Any],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weights: np.ndarray | None,
    scores: str,
    params: dict[str, Any],
) -> Any:
    """The unweighted NLL of each row, ``-log p_y`` (no class weights, no label smoothing,
    no sample weights; ``--ignore-index`` rows count 0 of 0), as ``ce``'s
    :class:`~losscli.losses.registry.LossChunk`; ``perplexity = exp(sum / count)``.

    The ``ce`` or ``nll`` chunk already computed is reused when it is that (no weights of
    any kind, no smoothing); else ``ce`` is computed once more without them.

    >>> c = perplexity_rows({}, np.array([0, 1]), np.log(np.array([[0.5, 0.5], [0.2, 0.8]])),
    ...                     None, "log-probs", {})
    >>> round(float(np.exp(c.sums[0] / c.sums[1])), 6)  # exp(-(log 0.5 + log 0.8) / 2)
    1.581139
    """
    from losscli import losses as L

    plain = (
        weights is None
        and params.get("class_weights") is None
        and not params.get("label_smoothing")
    )
    for name in ("ce", "nll"):
        if plain and name in results:
            return results[name]
    only = {"ignore_index": params["ignore_index"]} if "ignore_index" in params else {}
    return L.compute("ce", "multiclass", y_true, y_pred, scores=scores, params=only)


def show_label(value: Any) -> str:
    """A label as messages show it: ``'neg'`` for a class name, ``2`` for a number."""
    return repr(value) if isinstance(value, str) else show_number(value)


@record
class EvalState:
    """What a run accumulates: the loss and metric accumulators and the row counters.

    Picklable and mergeable: a worker evaluating one partition of a dataset sends back only
    this, and merging the states of every partition equals one pass over all of them.
    """

    loss_acc: dict[str, LossAccumulator]
    metrics_acc: Any
    n_rows: int = 0
    n_dropped: int = 0
    n_ignored: int = 0
    n_renormalised: int = 0
    max_prob_dev: float = 0.0
    #: binary labels whose negative class the plan left open: the negative label seen (and
    #: where), so that the partitions of a dataset agree on one
    negative_seen: tuple[Any, str] | None = None
    worst_prob_row: str = ""  # where the row farthest from summing to 1 is, and its sum
    worst_prob_sum: float = 1.0
    #: dense arrays (rows are elements): the images' samplewise sums (IoU, Dice, images
    #: scored; ``pipeline.dense.samplewise_sums``) once a chunk is added, else None
    dense: np.ndarray | None = None

    def merge(self, other: EvalState) -> EvalState:
        """Add ``other`` (a state of the same plan and options) into this one."""
        if list(other.loss_acc) != list(self.loss_acc):
            raise ValueError("cannot merge states of different losses")
        a, b = self.negative_seen, other.negative_seen
        if a is not None and b is not None and a[0] != b[0]:
            raise InputError(
                f"{b[1]}: label {show_label(b[0])} is a third class: the binary labels' "
                f"negative class is {show_label(a[0])} ({a[1]}), and there is one prediction "
                "column; fix the labels, or give one prediction column per class"
            )
        self.negative_seen = a or b
        for name, acc in other.loss_acc.items():
            self.loss_acc[name].merge(acc)
        self.metrics_acc.merge(other.metrics_acc)
        self.n_rows += other.n_rows
        self.n_dropped += other.n_dropped
        self.n_ignored += other.n_ignored
        self.n_renormalised += other.n_renormalised
        if other.dense is not None:
            self.dense = other.dense.copy() if self.dense is None else self.dense + other.dense
        if other.max_prob_dev > self.max_prob_dev:  # ties: the earlier partition's row
            self.max_prob_dev = other.max_prob_dev
            self.worst_prob_row, self.worst_prob_sum = other.worst_prob_row, other.worst_prob_sum
        return self


def update_metrics(
    acc: Any,
    hard: np.ndarray,
    probs: np.ndarray,
    weights: np.ndarray | None,
    keep: np.ndarray | None,
    key: np.ndarray | None = None,
) -> None:
    """Add rows to a metrics accumulator, leaving out those ``keep`` masks away.

    Args:
        acc: a ``ClassificationAccumulator`` or ``RegressionAccumulator``.
        hard: (n,) class indices, (n, k) multi-hot labels or (n,) / (n, k) targets.
        probs: (n,) or (n, k) probabilities (regression: the predictions).
        weights: (n,) sample weights, or None.
        keep: (n,) bool, the rows that count (``--ignore-index``), or None for all.
        key: the ranking key of the same shape as ``probs`` (None: rank the probabilities).

    >>> from losscli.metrics import RegressionAccumulator
    >>> acc = RegressionAccumulator()
    >>> y, keep = np.array([1.0, 2.0]), np.array([True, False])
    >>> update_metrics(acc, y, np.array([1.0, 9.0]), None, keep)
    >>> acc.result().metrics["mae"]
    0.0
    """
    if keep is not None:  # the kept rows' positions once, then one gather per array
        at = np.flatnonzero(keep)
        hard, probs = np.take(hard, at, axis=0), np.take(probs, at, axis=0)
        weights = np.take(weights, at) if weights is not None else None
        key = np.take(key, at, axis=0) if key is not None else None
    if key is None:  # probabilities (or regression): ranked as they are
        acc.update(hard, probs, sample_weight=weights)
    else:  # a read-only key (a chunk's shared log-softmax) or a subset is no one else's
        own = keep is not None or not key.flags.writeable
        acc.update(hard, probs, sample_weight=weights, rank_scores=key, copy=not own)


class InState:
    """An attribute that lives on its object's ``accumulated`` :class:`EvalState`.

    ``Evaluation`` declares ``n_rows = InState()`` (and the other counters and accumulators)
    so that the state is their one owner: ``ev.n_rows += 1`` updates ``ev.accumulated.n_rows``,
    and ``ev.state()`` is the state itself, never a copy to write back.

    >>> class Run:
    ...     n_rows = InState()
    ...     def __init__(self):
    ...         self.accumulated = EvalState(loss_acc={}, metrics_acc=None)
    >>> run = Run()
    >>> run.n_rows += 3
    >>> run.accumulated.n_rows
    3
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        return self if obj is None else getattr(obj.accumulated, self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj.accumulated, self.name, value)
