"""Accumulating: a prepared chunk's losses and metric inputs added into the run's
:class:`~losscli.pipeline.state.EvalState` (and its ``--group-by`` slices, its
``--per-sample`` rows and, for ``keep_rows`` runs, what resampling needs).

:func:`new_metrics_acc` and :func:`new_state` make the empty accumulators of a plan;
:class:`Accumulation` holds what one run's chunks add up to besides the state (per-sample
loss values for plots, per-row loss sums and metric rows for the bootstrap, the rows'
digest) and adds each chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from losscli import losses
from losscli.activations import to_probs, to_rank_key
from losscli.lazy import Lazy
from losscli.pipeline.dense import DenseLayout, DenseStats, samplewise_sums
from losscli.pipeline.encode import metric_labels
from losscli.pipeline.groups import accumulate_groups
from losscli.pipeline.intervals import KeptRows
from losscli.pipeline.options import MetricSpec, class_selection
from losscli.pipeline.plan import Plan
from losscli.pipeline.prepare import Prepared
from losscli.pipeline.state import (
    PERPLEXITY,
    EvalState,
    LossAccumulator,
    perplexity_rows,
    update_metrics,
)

__all__ = [
    "Accumulation",
    "accumulated_names",
    "evaluated_rows",
    "new_metrics_acc",
    "new_state",
    "predicted",
]

if TYPE_CHECKING:
    from losscli.metrics.term_matrix import KeptColumns
    from losscli.pipeline.dense_resample import ImageSums

#: what only ``--per-sample`` and dense ``keep_rows`` runs use, imported by those runs (a
#: plain run does not import them: issue #20, start-up)
PER_SAMPLE_ROWS = Lazy("losscli.pipeline.per_sample", "per_sample_rows")
IMAGE_SUMS = Lazy("losscli.pipeline.dense_resample", "ImageSums")
#: the kept per-row loss sums of ``keep_rows`` runs (``--bootstrap``, ``compare``)
KEPT_COLUMNS = Lazy("losscli.metrics.term_matrix", "KeptColumns")
#: the class-major path of dense multi-class logits (pipeline/class_major.py), dense runs only
CLASS_MAJOR_RUN = Lazy("losscli.pipeline.class_major", "class_major_run")
CLASS_MAJOR_ADD = Lazy("losscli.pipeline.class_major", "add_class_major_chunk")


def accumulated_names(plan: Plan, loss_names: list[str]) -> list[str]:
    """The loss accumulators of a state: the losses, and ``perplexity``'s NLL sums when
    the data is multi-class and ``ce`` or ``nll`` is computed (kept and merged like a loss,
    reported as a metric).

    >>> accumulated_names(Plan("multiclass", "logits", "index"), ["ce"])
    ['ce', 'perplexity']
    """
    with_nll = plan.task == "multiclass" and bool({"ce", "nll"} & set(loss_names))
    return [*loss_names, *([PERPLEXITY] if with_nll else [])]


def predicted(
    plan: Plan,
    probs: np.ndarray,
    key: np.ndarray | None,
    threshold: float | np.ndarray,
    threshold_on: str,
) -> np.ndarray:
    """The predicted class per row as the metrics decide it (multi-class: the argmax;
    binary: above the threshold), or per label 0/1 (multi-label).

    >>> predicted(Plan("binary", "probs", "binary"), np.array([0.2, 0.7]), None, 0.5, "probs")
    array([0, 1])
    """
    from losscli.metrics.confusion import predict_binary, predict_multiclass, predict_multilabel

    if plan.task == "multiclass":  # the scores' argmax, which the key keeps
        return predict_multiclass(probs if key is None else key)
    on = key if threshold_on == "scores" and key is not None else probs
    if plan.task == "binary":
        return predict_binary(on, float(threshold))  # type: ignore[arg-type]
    return predict_multilabel(on, threshold)


def new_metrics_acc(
    plan: Plan,
    metric: MetricSpec,
    threshold: float | np.ndarray,
    threshold_on: str,
    *,
    keep_rows: bool = False,
) -> Any:
    """An empty metrics accumulator for the plan: a ``RegressionAccumulator``, or a
    ``ClassificationAccumulator`` with the plan's classes, threshold and ranking key and the
    metric options (``--top-k``, ``--ece-bins``, ``--auc-bins``).

    >>> type(new_metrics_acc(Plan("regression", "values", "values"), MetricSpec(), 0.5, "probs"))
    <class 'losscli.metrics.regression.RegressionAccumulator'>
    """
    extra: dict[str, Any] = {"keep_rows": True} if keep_rows else {}
    labels = class_selection(metric, plan)  # --labels, --max-fpr against the task
    if plan.task == "regression":
        from losscli.metrics import RegressionAccumulator

        return RegressionAccumulator(**extra)
    from losscli.activations import rank_key_kind
    from losscli.metrics import ClassificationAccumulator

    return ClassificationAccumulator(
        plan.task,
        2 if plan.task == "binary" else len(plan.classes),
        class_names=plan.classes,
        threshold=threshold,
        threshold_on=threshold_on,
        rank_key=rank_key_kind(plan.scores, plan.task),
        top_k=metric.top_k if plan.task == "multiclass" else None,
        ece_bins=metric.ece_bins,
        auc_bins=metric.auc_bins,
        keep_scores=metric.ranking,
        beta=metric.beta,
        max_fpr=metric.max_fpr,
        labels=labels,
        **extra,
    )


def new_state(
    plan: Plan,
    loss_names: list[str],
    metric: MetricSpec,
    threshold: float | np.ndarray,
    threshold_on: str,
    *,
    keep_rows: bool = False,
) -> EvalState:
    """An empty state of the plan: one :class:`LossAccumulator` per loss and a metrics
    accumulator (:func:`new_metrics_acc`).

    >>> s = new_state(Plan("regression", "values", "values"), ["mse"], MetricSpec(), 0.5, "probs")
    >>> list(s.loss_acc), s.n_rows
    (['mse'], 0)
    """
    return EvalState(
        loss_acc={n: LossAccumulator(n) for n in accumulated_names(plan, loss_names)},
        metrics_acc=new_metrics_acc(plan, metric, threshold, threshold_on, keep_rows=keep_rows),
    )


def evaluated_rows(plan: Plan, y_true: np.ndarray, ignore_index: int | None) -> np.ndarray | None:
    """Mask of the rows that are evaluated, None when all are.

    Only multi-class class-index labels can be ``--ignore-index``; such a row is in
    ``n_samples`` but in no statistic (no loss value, no metric, no histogram, no slice
    statistic): ``n_evaluated = n_samples - n_ignored``.

    >>> evaluated_rows(Plan("multiclass", "logits", "index"), np.array([0, -100, 1]), -100)
    array([ True, False,  True])
    """
    if plan.task != "multiclass" or y_true.ndim != 1:
        return None
    keep = y_true != ignore_index
    return None if keep.all() else keep


class Accumulation:
    """Adds a run's prepared chunks into its state, slices and per-sample rows, and keeps
    what the options ask for besides (``keep_loss_values``: per-sample losses as float32;
    ``keep_rows``: per-row loss sums, which rows the metrics saw, a digest of the rows).

    Args:
        plan: the run's plan.
        loss_names: the losses to compute.
        params: the checked loss parameters.
        threshold, threshold_on: the decision threshold(s) and their scale.
        id_col: the id column (per-sample rows), or None.
        group_col: the ``--group-by`` column, or None.
        keep_loss_values: keep per-sample losses.
        keep_rows: keep per-row terms for resampling (dense arrays: per-sample sums instead,
            ``self.images``, a :class:`~losscli.pipeline.dense_resample.ImageSums`: the
            sample is the resampling unit).
        new_slice: makes the empty state of a new ``--group-by`` slice.
        dense: dense arrays: their :class:`~losscli.pipeline.dense.DenseLayout`, else None;
            ``self.dense`` is then the run's :class:`~losscli.pipeline.dense.DenseStats` (the
            per-image rows of ``--per-sample``; their samplewise sums go to ``state.dense``).
        no_background: dense arrays: ``--no-background``.
        watch: called with each chunk's ``(labels, probabilities, evaluated rows or None,
            ranking key or None)`` as the metrics see them (classification; the key: the
            scores' own scale, None for probabilities; e.g. ``losscli thresholds``' streamed
            counts of dense arrays).
    """

    def __init__(
        self,
        plan: Plan,
        loss_names: list[str],
        params: dict[str, Any],
        *,
        threshold: float | np.ndarray,
        threshold_on: str,
        id_col: str | None = None,
        group_col: str | None = None,
        keep_loss_values: bool = False,
        keep_rows: bool = False,
        new_slice: Any = None,
        dense: DenseLayout | None = None,
        no_background: bool = False,
        watch: list[Any] | None = None,
    ) -> None:
        self.watch = [] if watch is None else watch
        self.plan, self.loss_names, self.params = plan, list(loss_names), params
        self.threshold, self.threshold_on = threshold, threshold_on
        self.id_col, self.group_col = id_col, group_col
        self.keep_loss_values, self.keep_rows = keep_loss_values, keep_rows and dense is None
        self.keep_images = keep_rows and dense is not None
        self.images: ImageSums | None = None  # dense keep_rows: per-sample sums
        self.new_slice = new_slice
        n_classes = 2 if plan.task == "binary" else len(plan.classes)
        self.dense = None if dense is None else DenseStats(dense, n_classes, no_background)
        self.perplexity = PERPLEXITY in accumulated_names(plan, self.loss_names)
        # dense multi-class logits: chunks added class-major (pipeline/class_major.py)
        self.class_major = (
            dense is not None
            and not keep_loss_values
            and CLASS_MAJOR_RUN.load()(plan, self.loss_names, dense, keep_images=self.keep_images)
        )
        self.loss_parts: dict[str, list[np.ndarray]] = {}
        self.loss_rows: dict[str, KeptColumns] = {}  # keep_rows: per-row loss sums
        self.metric_rows: list[np.ndarray] = []  # keep_rows: which rows the metrics saw
        self.digest: Any = None  # keep_rows: a hash of the labels, weights and ids

    def add(
        self,
        p: Prepared,
        state: EvalState,
        groups: dict[str, EvalState],
        per_sample: Any = None,
    ) -> None:
        """Update the loss and metric accumulators of ``state`` (and ``groups``, the
        slices) with one prepared chunk; write its rows to ``per_sample`` when given."""
        plan = self.plan
        if (
            self.class_major
            and not self.watch
            and self.dense is not None
            and CLASS_MAJOR_ADD.load()(
                p,
                state,
                plan=plan,
                loss_names=self.loss_names,
                params=self.params,
                dense=self.dense,
                perplexity=self.perplexity,
                per_sample=per_sample,
            )  # fmt: skip
        ):
            return
        y_true, y_pred, weights = p.y_true, p.y_pred, p.weights
        y_pred = y_pred.astype(np.float64, copy=False)  # float32 rows kept for class-major
        keep = evaluated_rows(plan, y_true, self.params.get("ignore_index"))
        per: dict[str, np.ndarray] = {}
        results = {}
        for name in self.loss_names:
            res = losses.compute(
                name,
                plan.task,
                y_true,
                y_pred,
                scores=plan.scores,
                sample_weight=weights,
                params=self.params,
            )
            results[name] = res
            kept = res.per_sample if keep is None else res.per_sample[keep]
            state.loss_acc[name].update(kept, res.sums)  # an ignored row is no sample's loss
            if per_sample is not None:
                per[name] = res.per_sample + 0.0  # no -0.0 in the output
                if keep is not None:
                    per[name][~keep] = np.nan  # written empty / null: no loss for that row
            if self.keep_loss_values:
                self.loss_parts.setdefault(name, []).append(kept.astype(np.float32))
            if self.keep_rows:
                self._keep_loss_rows(name, res.rows)
        if self.perplexity:
            res = perplexity_rows(results, y_true, y_pred, weights, plan.scores, self.params)
            state.loss_acc[PERPLEXITY].update(
                res.per_sample if keep is None else res.per_sample[keep], res.sums
            )
            results = {**results, PERPLEXITY: res}  # and into the slices' states
            if self.keep_rows:
                self._keep_loss_rows(PERPLEXITY, res.rows)
        if keep is not None:
            state.n_ignored += int((~keep).sum())
        key = None  # the ranking key (None: the probabilities)
        if plan.task == "regression":
            hard, probs = y_true, y_pred
        else:
            if plan.scores != "probs":
                key = to_rank_key(y_pred, plan.scores, plan.task)
            probs = to_probs(y_pred, plan.scores, plan.task)
            hard = metric_labels(plan, y_true)
            if per_sample is not None:
                per["_probs"] = probs
        update_metrics(state.metrics_acc, hard, probs, weights, keep, key)
        for fn in self.watch:
            fn(hard, probs, keep, key)
        if self.dense is not None:
            images = self.dense.update(
                p.chunk.start,
                p.chunk.n,
                p.rows,
                hard,
                predicted(plan, probs, key, self.threshold, self.threshold_on),
                keep,
                {n: results[n].rows for n in self.loss_names},
                lambda n, s: losses.finalize(n, plan.task, s, params=self.params),
            )
            sums = samplewise_sums(images)  # in the state: partitions merge them
            state.dense = sums if state.dense is None else state.dense + sums
            if self.keep_images:
                self._keep_images(p, state, hard, probs, key, keep, results, images)
            if per_sample is not None:
                per_sample.write(images)  # one row per image (sequence), not per element
                per_sample = None
        if self.keep_rows:
            self.metric_rows.append(np.ones(p.rows.size, bool) if keep is None else keep)
        if self.keep_rows or self.keep_images:
            self._hash(p)
        if p.groups is not None:
            accumulate_groups(
                groups,
                p.groups,
                results,
                hard,
                probs,
                p.weights,
                keep,
                key,
                new_state=self.new_slice,
                column=self.group_col,
            )
        if per_sample is not None:
            per_sample.write(
                PER_SAMPLE_ROWS.load()(
                    plan,
                    p.rows,
                    y_true,
                    y_pred,
                    per,
                    ids=p.ids,
                    id_col=self.id_col,
                    start=p.chunk.start,
                    threshold=self.threshold,
                    threshold_on=self.threshold_on,
                    ignore_index=self.params.get("ignore_index"),
                )
            )
        state.n_rows += int(p.rows.size)

    def _keep_images(
        self,
        p: Prepared,
        state: EvalState,
        hard: np.ndarray,
        probs: np.ndarray,
        key: np.ndarray | None,
        keep: np.ndarray | None,
        results: dict[str, Any],
        images: dict[str, Any],
    ) -> None:
        """Dense ``keep_rows``: add the chunk's samples to the per-sample sums."""
        if self.images is None:
            assert self.dense is not None
            plan, params = self.plan, self.params
            self.images = IMAGE_SUMS.load()(
                self.dense.layout,
                state.metrics_acc,
                [n for n in results],
                lambda n, s: losses.finalize(n, plan.task, s, params=params),
                self.dense.first == 1,
            )
        rows = {n: r.rows for n, r in results.items()}
        self.images.update(p.chunk.start, p.chunk.n, p.rows, hard, probs, key, keep, rows, images)

    def _keep_loss_rows(self, name: str, rows: np.ndarray) -> None:
        """Keep a chunk's per-row sums of loss ``name`` for resampling; a column constant
        in the chunk (a mean's denominator of ones, unweighted) kept as its value."""
        kept = self.loss_rows.get(name)
        if kept is None:
            kept = self.loss_rows[name] = KEPT_COLUMNS.load()()
        kept.append(rows)

    def _hash(self, p: Prepared) -> None:
        """Hash the rows' labels, weights and ids so two runs can tell they saw the same rows."""
        if self.digest is None:
            import hashlib  # only keep_rows runs hash their rows

            self.digest = hashlib.blake2b(digest_size=16)
        h = self.digest
        h.update(np.ascontiguousarray(p.y_true, dtype=np.float64).tobytes())
        if p.weights is not None:
            h.update(np.ascontiguousarray(p.weights, dtype=np.float64).tobytes())
        if p.ids is not None:
            h.update("\x1f".join(map(str, p.ids.tolist())).encode("utf-8", "replace"))

    @property
    def rows_digest(self) -> str | None:
        """A digest of every row's label, weight and id (``keep_rows`` runs), for pairing."""
        return None if self.digest is None else self.digest.hexdigest()

    @property
    def loss_values(self) -> dict[str, np.ndarray]:
        """Per-sample values of each loss (float32), kept with ``keep_loss_values``."""
        return {n: np.concatenate(p) for n, p in self.loss_parts.items()}

    def kept_rows(self, state: EvalState, zero_division: str | float) -> KeptRows | ImageSums:
        """What this ``keep_rows`` run kept to resample its statistics, with ``state``'s
        metrics accumulator and row count (dense arrays: the per-sample sums)."""
        if self.keep_images:
            assert self.images is not None
            self.images.zero_division = zero_division
            return self.images
        return KeptRows(
            task=self.plan.task,
            loss_names=list(self.loss_names),
            params=self.params,
            loss_rows=self.loss_rows,
            metric_rows=self.metric_rows,
            metrics_acc=state.metrics_acc,
            n_rows=state.n_rows,
            zero_division=zero_division,
        )
