"""The evaluation pipeline: read chunks, decide the task once, update accumulators, report.

``evaluate()`` is the whole product in one call; the CLI only parses options, calls it and
renders the :class:`~losscli.report.Report`. Every statistic is a mergeable accumulator, so a
20-row file, a 10 GB file read in chunks and (later) shards give the same numbers.

:class:`Evaluation` only orchestrates the stages of :mod:`losscli.pipeline` (see
``docs/ARCHITECTURE.md``): inputs and columns (``read``), the plan (``plan``), the losses
(``losses.choose_losses``), chunk preparation (``read.usable_rows``, ``prepare``),
accumulation (``accumulate``), the report (``report``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.lazy import Lazy
from losscli.pipeline import intervals
from losscli.pipeline.accumulate import (
    Accumulation,
    accumulated_names,
    new_metrics_acc,
    new_state,
)
from losscli.pipeline.columns import (
    DEFAULT_ID_COLS,
    DEFAULT_LABEL_COLS,
    Columns,
    class_names,
    is_index_column,
    resolve_columns,
)
from losscli.pipeline.dense import dense_options, dense_reader, dense_report
from losscli.pipeline.groups import MAX_GROUPS
from losscli.pipeline.intervals import LINEAR_MIN_ROWS, KeptRows
from losscli.pipeline.labels import LabelFile, MissingIdsError, id_keys
from losscli.pipeline.options import Options, check_seed, check_threshold
from losscli.pipeline.plan import INFER_ROWS, Plan, decide_plan, infer_rows_for
from losscli.pipeline.prepare import Prepared, encode_chunk, scale_weights
from losscli.pipeline.read import (
    Inputs,
    RawChunk,
    first_rows,
    invalid_rows,
    located,
    open_inputs,
    read_chunks,
    usable_rows,
)
from losscli.pipeline.report import build_report, counts_in_mean_weights
from losscli.pipeline.state import EvalState, InState, LossAccumulator
from losscli.pipeline.threshold import plan_threshold, resolve_threshold
from losscli.report import Report

#: the dense bootstrap's intervals, imported by a dense run only (issue #20, start-up)
DENSE_CI = Lazy("losscli.pipeline.dense_resample", "dense_ci")

__all__ = [
    "DEFAULT_ID_COLS",
    "DEFAULT_LABEL_COLS",
    "INFER_ROWS",
    "LINEAR_MIN_ROWS",
    "MAX_GROUPS",
    "Columns",
    "EvalState",
    "Evaluation",
    "Inputs",
    "KeptRows",
    "LabelFile",
    "LossAccumulator",
    "MissingIdsError",
    "Options",
    "check_seed",
    "check_threshold",
    "class_names",
    "evaluate",
    "id_keys",
    "is_index_column",
    "open_inputs",
    "resolve_columns",
    "resolve_threshold",
]


def scores_to_encode(preds: np.ndarray, acc: Any, activation: str | None) -> np.ndarray:  # noqa: ANN401
    """A chunk's prediction rows for ``encode_chunk``: float64, but for float32 class-major
    rows (``read_chunks`` keeps them as read) that the run adds class-major
    (``Accumulation.class_major``, no ``--activation``): those stay float32, widened a
    cache-sized tile at a time by :func:`losscli.metrics.class_major.class_major_rows`.

    >>> scores_to_encode(np.zeros((2, 3), np.float32), None, None).dtype
    dtype('float64')
    """
    if activation or acc is None or not acc.class_major:
        return preds.astype(np.float64, copy=False)
    return preds


class Evaluation:
    """One run of the pipeline: build it, feed it chunks, read its report.

    ``run()`` is ``consume()`` then ``report()``. A distributed run decides the plan once
    (``decide()``), evaluates each partition with ``Evaluation(part, plan=plan)`` into an
    :class:`EvalState`, merges the states and reports through ``absorb()`` + ``report()``.
    The counters and accumulators below live on that state (``accumulated``), their one owner.
    """

    loss_acc = InState()
    metrics_acc = InState()
    n_rows = InState()
    n_dropped = InState()
    n_ignored = InState()
    n_renormalised = InState()
    max_prob_dev = InState()
    negative_seen = InState()  # see EvalState.negative_seen
    worst_prob_row = InState()
    worst_prob_sum = InState()

    def __init__(
        self,
        predictions: Any,
        labels: Any = None,
        opts: Options | None = None,
        *,
        plan: Plan | None = None,
    ) -> None:
        from losscli import losses

        self.opts = opts = opts or Options()
        self.params = losses.validate_params(dict(opts.params))  # before any file is opened
        self.inputs = open_inputs(
            predictions, labels, opts.spec.read, opts.spec.slice.group_by, dense_reader(opts)
        )
        if self.inputs.dense is not None:  # the task the shapes settle, binned ranking
            self.opts = opts = dense_options(opts, self.inputs.dense)
        self.plan: Plan | None = None
        self.warnings: list[str] = list(self.inputs.notes)  # e.g. a file a dataset read once
        #: the one owner of the accumulators and row counters (n_rows, ... read through it)
        self.accumulated = EvalState(loss_acc={}, metrics_acc=None)
        self.loss_names: list[str] = []
        self.groups: dict[str, EvalState] = {}
        self.threshold: float | np.ndarray = 0.5
        self.threshold_on = "probs"  # or "scores": the threshold is on the scores' scale
        self._acc: Accumulation | None = None
        self.watch: list[Any] = []  # per chunk: f(labels, probabilities, evaluated rows)
        if plan is not None:  # decided elsewhere (the first partition of a dataset)
            self._start(plan)

    @property
    def pred_table(self) -> Any:
        """The predictions' table (``inputs.predictions``)."""
        return self.inputs.predictions

    @property
    def cols(self) -> Columns:
        """Which column plays which role (``inputs.columns``)."""
        return self.inputs.columns

    # -- the plan ----------------------------------------------------------------------------

    def _start(self, plan: Plan) -> None:
        """Fix the plan: choose the losses, check the parameters and the threshold against
        it, make the empty accumulators."""
        from losscli import losses

        spec, dense = self.opts.spec, self.inputs.dense
        self.plan = plan
        self.loss_names = losses.choose_losses(spec.loss.losses, plan.task, plan.scores)
        self.params = losses.validate_params(
            dict(spec.loss.params), task=plan.task, n_classes=len(plan.classes)
        )
        metric = spec.metric
        self.threshold, self.threshold_on, warnings = plan_threshold(plan, metric)
        self.warnings += warnings
        self.loss_acc = {n: LossAccumulator(n) for n in accumulated_names(plan, self.loss_names)}
        keep_rows = spec.interval.keep_rows  # dense: per-sample sums, not per-element rows
        self.metrics_acc = new_metrics_acc(
            plan, metric, self.threshold, self.threshold_on, keep_rows=keep_rows and not dense
        )
        self._acc = Accumulation(
            plan,
            self.loss_names,
            self.params,
            threshold=self.threshold,
            threshold_on=self.threshold_on,
            id_col=self.cols.id,
            group_col=self.cols.group,
            keep_loss_values=spec.report.keep_loss_values,
            keep_rows=keep_rows,
            new_slice=lambda: new_state(
                plan, self.loss_names, metric, self.threshold, self.threshold_on
            ),
            dense=dense,
            no_background=metric.no_background,
            watch=self.watch,
        )

    def _decide(self, raw: np.ndarray, preds: np.ndarray, where: Any) -> None:
        self._start(
            decide_plan(
                raw,
                preds.astype(np.float64, copy=False),  # float32 rows as read: widened
                where,
                spec=self.opts.spec.task,
                cols=self.cols,
                ignore_index=self.params.get("ignore_index"),
            )
        )

    def _planned(self, items: Iterator[RawChunk]) -> Iterator[RawChunk]:
        """The chunks of ``items``, the plan decided before the first is yielded, from the
        first usable rows (:func:`~losscli.pipeline.plan.infer_rows_for`, ``first_rows``)."""
        if self.plan is None:
            buffered, sample = first_rows(
                items,
                infer_rows_for(len(self.cols.pred), INFER_ROWS),
                self.cols,
                drop_invalid=self.opts.spec.read.drop_invalid,
                name=self.predictions_name,
            )
            if sample is not None:
                self._decide(sample.raw, sample.preds, sample.where)
            yield from buffered
        yield from items

    def _no_rows(self) -> InputError:
        return InputError(
            f"{self.predictions_name} has no data rows"
            + (" left after --drop-invalid" if self.n_dropped else "")
        )

    def decide(self) -> Plan:
        """Decide the plan from the first usable rows (:data:`INFER_ROWS`), accumulating
        nothing."""
        if self.plan is None:
            chunks = read_chunks(self.pred_table, self.inputs.labels, self.cols, allow_empty=True)
            for rc in self._planned(chunks):
                plan, weights = self.plan, rc.weights
                if weights is None or plan is None or plan.weight_exp is not None:
                    break  # the weights' scale is part of the plan: read on to a positive weight
                valid = ~invalid_rows(rc.preds, rc.raw, weights, text_labels=self.cols.text_labels)
                where = located(self.predictions_name, rc.chunk)
                scale_weights(plan, weights[valid], where, self.cols.weight)
        if self.plan is None:
            raise self._no_rows()
        return self.plan

    # -- per chunk ---------------------------------------------------------------------------

    def run(self, per_sample: Any = None) -> Report:
        """Stream every chunk through the accumulators; optionally write per-sample rows."""
        self.consume(per_sample)
        return self.report()

    def consume(self, per_sample: Any = None, *, allow_empty: bool = False) -> None:
        """Read every chunk into the accumulators (and per-sample rows into ``per_sample``).

        ``allow_empty`` lets a partition without usable rows add nothing instead of failing
        (the plan must then be given).
        """
        from losscli.activations import reuse_log_softmax

        chunks = read_chunks(
            self.pred_table, self.inputs.labels, self.cols, allow_empty=allow_empty
        )
        for rc in self._planned(chunks):
            prepared = self._prepare(rc)
            if prepared is not None:
                assert self._acc is not None
                with reuse_log_softmax():  # CE and the probabilities share one log-softmax
                    self._acc.add(prepared, self.accumulated, self.groups, per_sample)
        if self.plan is None:
            raise self._no_rows()

    def _prepare(self, rc: RawChunk) -> Prepared | None:
        """Drop or refuse invalid rows, decide the plan once, encode labels and scores."""
        u = usable_rows(
            rc, self.cols, drop_invalid=self.opts.spec.read.drop_invalid, name=self.predictions_name
        )
        self.n_dropped += u.n_dropped
        if u.rows.size == 0:
            return None
        if self.plan is None:
            self._decide(u.raw, u.preds, u.where)
        plan = self.plan
        assert plan is not None
        weights = u.weights
        if weights is not None:
            weights = scale_weights(plan, weights, u.where, self.cols.weight)
        return encode_chunk(
            u.chunk,
            u.rows,
            scores_to_encode(u.preds, self._acc, self.opts.spec.task.activation),
            u.raw,
            weights,
            u.ids,
            u.groups,
            plan=plan,
            state=self.accumulated,
            cols=self.cols,
            spec=self.opts.spec.task,
            params=self.params,
            where=u.where,
        )

    # -- results -----------------------------------------------------------------------------

    @property
    def rows_digest(self) -> str | None:
        """A digest of every row's label, weight and id (``keep_rows`` runs), for pairing."""
        return None if self._acc is None else self._acc.rows_digest

    def state(self) -> EvalState:
        """The accumulated state (shared, not copied), e.g. to send back from a worker."""
        return self.accumulated

    def absorb(self, state: EvalState) -> None:
        """Merge a state (of another partition, evaluated with this plan) into this run."""
        if state is not self.accumulated:
            self.accumulated.merge(state)

    def report(self) -> Report:
        """The report of everything consumed (or absorbed) so far."""
        if self.plan is None:
            raise InputError(f"{self.predictions_name} has no data rows")
        report = build_report(
            self.accumulated,
            self.groups,
            self.plan,
            self.opts.spec,
            self.cols,
            loss_names=self.loss_names,
            params=self.params,
            threshold=self.threshold,
            threshold_on=self.threshold_on,
            predictions=self.predictions_name,
            labels=self.labels_name,
            warnings=self.warnings,
            kept=self.kept_rows() if self.opts.spec.interval.bootstrap else None,
        )
        if self._acc is not None and self._acc.dense is not None:
            dense_report(report, self._acc.dense, self.accumulated.dense, self.opts.no_background)
            DENSE_CI.load()(report, self.opts.spec, self._acc.images)
        return report

    @property
    def predictions_name(self) -> str:
        """The predictions' name as messages and the report show it (a path, or ``-``)."""
        return self.inputs.predictions.name

    @property
    def labels_name(self) -> str | None:
        """The labels file's name, None when the labels are a column of the predictions."""
        return None if self.inputs.labels is None else self.inputs.labels.name

    @property
    def rank_key(self) -> str:
        """What classification metrics rank (``probs``, ``logits`` or ``log-probs``)."""
        return self.metrics_acc.rank_key

    def scores(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per class (or label): ``(y_true 0/1, probability, sample_weight or None)``, the
        rows the metrics kept (classification, per-row scores kept: no ``--auc-bins``)."""
        return self.metrics_acc.scores()

    def rank_scores(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per class (or label): ``(y_true 0/1, ranking key, sample_weight or None)``: what
        ROC AUC, average precision and the threshold sweep rank (see :attr:`rank_key`)."""
        return self.metrics_acc.rank_scores()

    def calibration(self) -> list[dict[str, Any]]:
        """The reliability bins (``lower``, ``upper``, ``weight``, ``confidence``,
        ``accuracy``) of everything consumed, weights in units of the mean weight as in the
        report."""
        res = self.metrics_acc.result(zero_division=0)
        if self.cols.weight is not None:
            counts_in_mean_weights(res)
        return res.calibration

    @property
    def loss_values(self) -> dict[str, np.ndarray]:
        """Per-sample values of each loss (float32), kept when ``keep_loss_values`` is set."""
        return {} if self._acc is None else self._acc.loss_values

    def kept_rows(self) -> Any:
        """What a ``keep_rows`` run kept to resample (``--bootstrap``, ``compare``)."""
        assert self._acc is not None and self.opts.spec.interval.keep_rows
        return self._acc.kept_rows(self.accumulated, self.opts.spec.metric.zero_division)

    def resample_stat(self, then: Evaluation | None = None) -> Any:
        """``intervals.resample_stat`` of this run (then ``then``'s rows): counts -> stats."""
        return intervals.resample_stat(self.kept_rows(), None if then is None else then.kept_rows())

    def linear_replicates(self) -> dict[str, np.ndarray] | None:
        """``intervals.linear_replicates`` of ``opts.bootstrap`` resamples (None: unfit)."""
        return intervals.linear_replicates(
            self.kept_rows(), self.opts.spec.interval.bootstrap, self.opts.spec.interval.seed
        )


def evaluate(
    predictions: Any,
    labels: Any = None,
    *,
    per_sample: Any = None,
    **options: Any,
) -> Report:
    """Evaluate model outputs against their labels and return a :class:`Report`.

    Args:
        predictions: a path (any input format, a folder or glob of parts, ``-`` for stdin),
            or in memory: a numpy array (read as an NPY file: columns ``0`` … ``C-1``), a
            pandas or polars DataFrame or Series, a pyarrow Table (read as Parquet: columns by
            name, a list column as ``name:0`` …), or a dict of arrays (read as NPZ).
        labels: optional labels, a path or an in-memory object as ``predictions`` (rows in
            the same order, or joined by ``id_col``).
        per_sample: an optional path (``.csv``, ``.jsonl``, ``.parquet``) for one row per sample
            with its losses, written atomically; or an object with ``write(columns)``.
        **options: any field of :class:`Options` (``task``, ``scores``, ``losses``, ``params``,
            ``threshold``, ``label_col``, ...).

    Returns:
        The :class:`~losscli.report.Report`; ``report.to_dict()`` is the JSON schema.
    """
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"evaluate() got unknown options: {', '.join(unknown)}")
    ev = Evaluation(predictions, labels, Options(**options))
    if per_sample is None:
        return ev.run(None)
    if isinstance(per_sample, (str, os.PathLike)):
        from losscli.io import PerSampleWriter

        per_sample = PerSampleWriter(per_sample)
    if hasattr(per_sample, "__enter__"):  # commits on success, removes its temp file on error
        with per_sample as writer:
            return ev.run(writer)
    return ev.run(per_sample)
