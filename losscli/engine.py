"""The evaluation pipeline: read chunks, decide the task once, update accumulators, report.

``evaluate()`` is the whole product in one call; the CLI only parses options, calls it and
renders the :class:`~losscli.report.Report`. Every statistic is a mergeable accumulator, so a
20-row file, a 10 GB file read in chunks and (later) shards give the same numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.pipeline import intervals
from losscli.pipeline.columns import (
    DEFAULT_ID_COLS,
    DEFAULT_LABEL_COLS,
    Columns,
    class_names,
    is_index_column,
    resolve_columns,
)
from losscli.pipeline.groups import MAX_GROUPS, accumulate_groups, group_keys
from losscli.pipeline.infer import first_bad
from losscli.pipeline.intervals import LINEAR_MIN_ROWS, KeptRows
from losscli.pipeline.labels import LabelFile, MissingIdsError, id_keys
from losscli.pipeline.options import Options, check_seed, check_threshold
from losscli.pipeline.per_sample import per_sample_rows
from losscli.pipeline.plan import INFER_ROWS, Plan, decide_plan
from losscli.pipeline.prepare import Prepared, encode_chunk, scale_weights
from losscli.pipeline.report import build_report, counts_in_mean_weights
from losscli.pipeline.state import EvalState, InState, LossAccumulator, update_metrics
from losscli.pipeline.threshold import resolve_threshold
from losscli.report import Report

__all__ = [
    "DEFAULT_ID_COLS",
    "DEFAULT_LABEL_COLS",
    "INFER_ROWS",
    "LINEAR_MIN_ROWS",
    "MAX_GROUPS",
    "Columns",
    "EvalState",
    "Evaluation",
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
    "resolve_columns",
    "resolve_threshold",
]

# --------------------------------------------------------------------------------------------
# the pipeline
# --------------------------------------------------------------------------------------------


def _open(path: Any, fmt: str | None, chunk_size: int | None, role: str) -> Any:
    from losscli import io

    kwargs: dict[str, Any] = {"fmt": fmt, "role": role}
    if chunk_size is not None:
        kwargs["chunk_size"] = chunk_size
    return io.open_table(path, **kwargs)


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
        from losscli import losses as L

        self.opts = opts or Options()
        self.L = L
        self.params = L.validate_params(dict(self.opts.params))
        self.pred_table = _open(
            predictions, self.opts.input_format, self.opts.chunk_size, "predictions"
        )
        self.label_table = (
            None
            if labels is None
            else _open(
                labels,
                self.opts.labels_format or self.opts.input_format,
                self.opts.chunk_size,
                "labels",
            )
        )
        self.cols = resolve_columns(
            self.pred_table, self.label_table, self.opts.spec.read, self.opts.group_by
        )
        self.plan: Plan | None = None
        self.warnings: list[str] = []
        for table in (self.pred_table, self.label_table):  # e.g. a file a dataset read once
            self.warnings += getattr(table, "notes", [])
        #: the one owner of the accumulators and row counters (n_rows, ... read through it)
        self.accumulated = EvalState(loss_acc={}, metrics_acc=None)
        self.loss_names: list[str] = []
        self._loss_parts: dict[str, list[np.ndarray]] = {}
        self._loss_rows: dict[str, list[np.ndarray]] = {}  # keep_rows: per-row loss sums
        self._metric_rows: list[np.ndarray] = []  # keep_rows: which rows the metrics saw
        self._rows_digest: Any = None  # keep_rows: a hash of the labels, weights and ids
        self.groups: dict[str, EvalState] = {}
        self.threshold: float | np.ndarray = 0.5
        self.threshold_on = "probs"  # or "scores": the threshold is on the scores' scale
        if plan is not None:  # decided elsewhere (the first partition of a dataset)
            self._start(plan)

    def _decide(self, raw: np.ndarray, preds: np.ndarray, where: Any) -> Plan:
        return decide_plan(
            raw,
            preds,
            where,
            spec=self.opts.spec.task,
            cols=self.cols,
            ignore_index=self.params.get("ignore_index"),
        )

    def _start(self, plan: Plan) -> None:
        L, opts = self.L, self.opts
        self.plan = plan
        requested = list(opts.losses) if opts.losses else [L.DEFAULT_LOSS[plan.task]]
        names: list[str] = []
        for req in requested:
            if req == "all":
                valid = [
                    n
                    for n in L.names_for(plan.task)
                    if plan.scores in L.REGISTRY[n].scores.get(plan.task, ())
                ]
                names += [n for n in valid if n not in names]
                continue
            spec = L.get_spec(req)
            if plan.task not in spec.tasks:
                raise UsageError(
                    f"loss {spec.name!r} does not fit the {plan.task} task (it is for "
                    f"{', '.join(spec.tasks)}); choose from {', '.join(L.names_for(plan.task))}"
                )
            if plan.scores not in spec.scores.get(plan.task, ()):
                raise UsageError(
                    f"loss {spec.name!r} does not take {plan.scores} for the {plan.task} task; "
                    f"it takes {', '.join(spec.scores[plan.task])}"
                )
            if spec.name not in names:
                names.append(spec.name)
        self.params = L.validate_params(
            dict(opts.params), task=plan.task, n_classes=len(plan.classes)
        )
        self.loss_names = names
        self.loss_acc = {n: LossAccumulator(n) for n in names}
        if opts.threshold is not None and plan.task in ("multiclass", "regression"):
            why = "the prediction is the argmax" if plan.task == "multiclass" else "no classes"
            self.warnings.append(
                f"{opts.threshold_source} changes nothing for {plan.task} data ({why})"
            )
        if plan.task != "regression":
            self.threshold, self.threshold_on = resolve_threshold(
                opts.threshold, plan, opts.threshold_source
            )
            if (
                opts.top_k is not None
                and plan.task == "multiclass"
                and opts.top_k > len(plan.classes)
            ):
                raise UsageError(
                    f"--top-k {opts.top_k} is more than the number of classes ({len(plan.classes)})"
                )
        self.metrics_acc = self._new_metrics_acc(keep_rows=opts.keep_rows)

    def _new_metrics_acc(self, *, keep_rows: bool = False) -> Any:
        from losscli.metrics import ClassificationAccumulator, RegressionAccumulator

        plan, opts = self.plan, self.opts
        assert plan is not None
        extra: dict[str, Any] = {"keep_rows": True} if keep_rows else {}
        if plan.task == "regression":
            return RegressionAccumulator(**extra)
        from losscli.activations import rank_key_kind

        return ClassificationAccumulator(
            plan.task,
            2 if plan.task == "binary" else len(plan.classes),
            class_names=plan.classes,
            threshold=self.threshold,
            threshold_on=self.threshold_on,
            rank_key=rank_key_kind(plan.scores, plan.task),
            top_k=opts.top_k if plan.task == "multiclass" else None,
            ece_bins=opts.ece_bins,
            auc_bins=opts.auc_bins,
            **extra,
        )

    def _new_state(self) -> EvalState:
        return EvalState(
            loss_acc={n: LossAccumulator(n) for n in self.loss_names},
            metrics_acc=self._new_metrics_acc(),
        )

    # -- per chunk ---------------------------------------------------------------------------

    def _read(
        self, *, allow_empty: bool = False
    ) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray | None, Any, Any]]:
        cols = self.cols
        wanted = list(cols.pred)
        if cols.label_in_preds:
            wanted += [c for c in cols.label if c not in wanted]
        if cols.weight and cols.weight not in wanted:
            wanted.append(cols.weight)
        exact = [c for c in (cols.id, cols.group) if c]  # ids and slice keys: never as floats
        labels_file = (
            LabelFile(self.label_table, cols, self.pred_table.name)
            if self.label_table is not None
            else None
        )
        n_seen = 0
        chunks = self.pred_table.chunks(wanted, exact=exact)
        for chunk in chunks:
            preds = chunk.matrix(cols.pred)
            ids = chunk.ids(cols.id) if cols.id else None
            if labels_file is None:
                raw = chunk.column(cols.label[0]) if cols.text_labels else chunk.matrix(cols.label)
            else:
                raw = labels_file.take(chunk, ids)
                if raw is None:  # ids without a label: count them all, then refuse
                    labels_file.scan_missing(chunks)
            weights = chunk.column(cols.weight) if cols.weight else None
            groups = group_keys(chunk.ids(cols.group)) if cols.group else None
            n_seen += chunk.n
            yield chunk, preds, raw, weights, ids, groups
        if n_seen == 0 and not allow_empty:
            raise InputError(f"{self.pred_table.name} has no data rows")
        if labels_file is not None:
            labels_file.finish(n_seen)

    def _where(self, chunk: Any) -> Any:
        name = self.pred_table.name
        return lambda i: f"{name}: {chunk.where(i)}"

    def _valid_rows(
        self, chunk: Any, preds: np.ndarray, raw: np.ndarray, weights: np.ndarray | None
    ) -> np.ndarray | None:
        """Mask of usable rows, or None when all are; raises unless --drop-invalid."""
        rows = self._invalid_rows(preds, raw, weights)
        if not rows.any():
            return None
        if self.opts.drop_invalid:
            return ~rows
        bad_pred = ~np.isfinite(preds)
        if self.cols.text_labels:
            bad_label = np.array([v is None or v == "" for v in raw], dtype=bool)
        else:
            bad_label = ~np.isfinite(raw)
        where = self._where(chunk)
        i = first_bad(rows)
        if bad_pred[i].any():
            col = self.cols.pred[int(np.flatnonzero(bad_pred[i])[0])]
            what = f"prediction column {col!r} is {preds[i][bad_pred[i]][0]} (missing, NaN or inf)"
        elif bad_label[i].any() if bad_label.ndim == 2 else bad_label[i]:
            what = "the label is missing, NaN or inf"
        else:
            what = f"weight column {self.cols.weight!r} is missing, NaN or inf"
        raise InputError(
            f"{where(i)}: {what}; fix the file or pass --drop-invalid to skip such rows"
        )

    def _invalid_rows(
        self, preds: np.ndarray, raw: np.ndarray, weights: np.ndarray | None
    ) -> np.ndarray:
        """(n,) bool: rows with a missing, NaN or inf prediction, label or weight."""
        rows = ~np.isfinite(preds).all(axis=1)
        if self.cols.text_labels:
            rows |= np.array([v is None or v == "" for v in raw], dtype=bool)
        else:
            bad = ~np.isfinite(raw)
            rows |= bad if bad.ndim == 1 else bad.any(axis=1)
        if weights is not None:
            rows |= ~np.isfinite(weights)
        return rows

    def run(self, per_sample: Any = None) -> Report:
        """Stream every chunk through the accumulators; optionally write per-sample rows."""
        self.consume(per_sample)
        return self.report()

    def _planned(self, items: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        """The chunks of ``items``, the plan decided before the first is yielded.

        The plan comes from the first :data:`INFER_ROWS` usable rows (those ``--drop-invalid``
        keeps), read ahead over as many chunks as they take, so every chunk size decides from
        the same rows. An invalid row or a negative weight among them is refused first, as
        it would be in one pass.
        """
        if self.plan is not None:
            yield from items
            return
        buffered: list[tuple[Any, ...]] = []
        raws: list[np.ndarray] = []
        preds_s: list[np.ndarray] = []
        at: list[tuple[Any, np.ndarray]] = []  # (chunk, its rows in the sample)
        n = 0
        for item in items:
            buffered.append(item)
            chunk, preds, raw, weights = item[:4]
            good = ~self._invalid_rows(preds, raw, weights)
            rows = np.flatnonzero(good)[: INFER_ROWS - n]
            full = n + rows.size >= INFER_ROWS
            end = int(rows[-1]) + 1 if full else chunk.n  # the rows the sample covers
            if not self.opts.drop_invalid and not good[:end].all():
                self._valid_rows(chunk, preds, raw, weights)  # raises for that row
            if weights is not None and np.any(weights[rows] < 0):
                i = int(rows[first_bad(weights[rows] < 0)])
                where = self._where(chunk)
                raise InputError(
                    f"{where(i)}: sample weight {weights[i]:g} is negative; weights must be >= 0 "
                    "(0 leaves a row out)"
                )
            if rows.size:
                raws.append(raw[rows])
                preds_s.append(preds[rows])
                at.append((chunk, rows))
                n += rows.size
            if n >= INFER_ROWS:
                break
        if n:
            starts = np.cumsum([0] + [r.size for _, r in at])

            def where(i: int) -> str:
                k = int(np.searchsorted(starts, i, side="right")) - 1
                chunk, rows = at[k]
                return self._where(chunk)(int(rows[i - starts[k]]))

            raw_s = raws[0] if len(raws) == 1 else np.concatenate(raws)
            self._start(self._decide(raw_s, np.concatenate(preds_s), where))
        yield from buffered
        yield from items

    def decide(self) -> Plan:
        """Decide the plan from the first usable rows (:data:`INFER_ROWS`), accumulating
        nothing."""
        if self.plan is None:
            for chunk, preds, raw, weights, *_ in self._planned(self._read(allow_empty=True)):
                plan = self.plan
                if weights is None or plan is None or plan.weight_exp is not None:
                    break  # the weights' scale is part of the plan: read on to a positive weight
                valid = ~self._invalid_rows(preds, raw, weights)
                scale_weights(plan, weights[valid], self._where(chunk), self.cols.weight)
        if self.plan is None:
            raise InputError(
                f"{self.pred_table.name} has no data rows"
                + (" left after --drop-invalid" if self.n_dropped else "")
            )
        return self.plan

    def consume(self, per_sample: Any = None, *, allow_empty: bool = False) -> None:
        """Read every chunk into the accumulators (and per-sample rows into ``per_sample``).

        ``allow_empty`` lets a partition without usable rows add nothing instead of failing
        (the plan must then be given).
        """
        from losscli.activations import reuse_log_softmax

        items = self._planned(self._read(allow_empty=allow_empty))
        for chunk, preds, raw, weights, ids, groups in items:
            prepared = self._prepare(chunk, preds, raw, weights, ids, groups)
            if prepared is not None:
                with reuse_log_softmax():  # CE and the probabilities share one log-softmax
                    self._accumulate(prepared, per_sample)
        if self.plan is None:
            raise InputError(
                f"{self.pred_table.name} has no data rows"
                + (" left after --drop-invalid" if self.n_dropped else "")
            )

    def _prepare(
        self,
        chunk: Any,
        preds: np.ndarray,
        raw: np.ndarray,
        weights: np.ndarray | None,
        ids: np.ndarray | None,
        groups: np.ndarray | None = None,
        *,
        count: bool = True,
    ) -> Prepared | None:
        """Drop or refuse invalid rows, decide the plan once, encode labels and scores."""
        mask = self._valid_rows(chunk, preds, raw, weights)
        rows = np.arange(chunk.n)
        if mask is not None:
            if count:
                self.n_dropped += int((~mask).sum())
            preds, raw, rows = preds[mask], raw[mask], rows[mask]
            weights = weights[mask] if weights is not None else None
            ids = ids[mask] if ids is not None else None
            groups = groups[mask] if groups is not None else None
        if rows.size == 0:
            return None
        where = self._where(chunk)

        def where_kept(i: int, _w: Any = where, _r: np.ndarray = rows) -> str:
            return _w(int(_r[i]))

        if weights is not None and np.any(weights < 0):
            i = first_bad(weights < 0)
            raise InputError(
                f"{where_kept(i)}: sample weight {weights[i]:g} is negative; weights must be "
                ">= 0 (0 leaves a row out)"
            )
        if self.plan is None:
            self._start(self._decide(raw, preds, where_kept))
        plan = self.plan
        assert plan is not None
        if weights is not None:
            weights = scale_weights(plan, weights, where_kept, self.cols.weight)
        if not count:  # decide() only wants the plan
            return None
        return encode_chunk(
            chunk,
            rows,
            preds,
            raw,
            weights,
            ids,
            groups,
            plan=plan,
            state=self.accumulated,
            cols=self.cols,
            spec=self.opts.spec.task,
            params=self.params,
            where=where_kept,
        )

    def _accumulate(self, p: Prepared, per_sample: Any) -> None:
        """Update the loss and metric accumulators with one prepared chunk."""
        from losscli.activations import to_probs, to_rank_key

        L, plan = self.L, self.plan
        assert plan is not None
        y_true, y_pred, weights = p.y_true, p.y_pred, p.weights
        keep = self._kept(y_true)  # rows that count (all but --ignore-index labels), or None
        per: dict[str, np.ndarray] = {}
        results = {}
        for name in self.loss_names:
            res = L.compute(
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
            self.loss_acc[name].update(kept, res.sums)  # an ignored row is no sample's loss
            if per_sample is not None:
                per[name] = res.per_sample + 0.0  # no -0.0 in the output
                if keep is not None:
                    per[name][~keep] = np.nan  # written empty / null: no loss for that row
            if self.opts.keep_loss_values:
                self._loss_parts.setdefault(name, []).append(kept.astype(np.float32))
            if self.opts.keep_rows:
                self._loss_rows.setdefault(name, []).append(res.rows)
        if keep is not None:
            self.n_ignored += int((~keep).sum())
        key = None  # the ranking key (None: the probabilities)
        if plan.task == "regression":
            hard, probs = y_true, y_pred
        else:
            if plan.scores != "probs":
                key = to_rank_key(y_pred, plan.scores, plan.task)
            probs = to_probs(y_pred, plan.scores, plan.task)
            hard = y_true
            if plan.task == "multiclass" and y_true.ndim == 2:
                hard = np.argmax(y_true, axis=1)
            if per_sample is not None:
                per["_probs"] = probs
        update_metrics(self.metrics_acc, hard, probs, weights, keep, key)
        if self.opts.keep_rows:
            self._metric_rows.append(np.ones(p.rows.size, bool) if keep is None else keep)
            self._digest(p)
        if p.groups is not None:
            accumulate_groups(
                self.groups,
                p.groups,
                results,
                hard,
                probs,
                p.weights,
                keep,
                key,
                new_state=self._new_state,
                column=self.cols.group,
            )
        if per_sample is not None:
            per_sample.write(
                per_sample_rows(
                    plan,
                    p.rows,
                    y_true,
                    y_pred,
                    per,
                    ids=p.ids,
                    id_col=self.cols.id,
                    start=p.chunk.start,
                    threshold=self.threshold,
                    threshold_on=self.threshold_on,
                    ignore_index=self.params.get("ignore_index"),
                )
            )
        self.n_rows += int(p.rows.size)

    def _kept(self, y_true: np.ndarray) -> np.ndarray | None:
        """Mask of the rows that are evaluated, None when all are.

        Only multi-class class-index labels can be ``--ignore-index``; such a row is in
        ``n_samples`` but in no statistic (no loss value, no metric, no histogram, no slice
        statistic): ``n_evaluated = n_samples - n_ignored``.
        """
        plan = self.plan
        assert plan is not None
        if plan.task != "multiclass" or y_true.ndim != 1:
            return None
        keep = y_true != self.params.get("ignore_index")
        return None if keep.all() else keep

    def _digest(self, p: Prepared) -> None:
        """Hash the rows' labels, weights and ids so two runs can tell they saw the same rows."""
        import hashlib

        if self._rows_digest is None:
            self._rows_digest = hashlib.blake2b(digest_size=16)
        h = self._rows_digest
        h.update(np.ascontiguousarray(p.y_true, dtype=np.float64).tobytes())
        if p.weights is not None:
            h.update(np.ascontiguousarray(p.weights, dtype=np.float64).tobytes())
        if p.ids is not None:
            h.update("\x1f".join(map(str, p.ids.tolist())).encode("utf-8", "replace"))

    @property
    def rows_digest(self) -> str | None:
        """A digest of every row's label, weight and id (``keep_rows`` runs), for pairing."""
        return None if self._rows_digest is None else self._rows_digest.hexdigest()

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
            raise InputError(f"{self.pred_table.name} has no data rows")
        return build_report(
            self.accumulated,
            self.groups,
            self.plan,
            self.opts,
            self.cols,
            loss_names=self.loss_names,
            params=self.params,
            threshold=self.threshold,
            threshold_on=self.threshold_on,
            predictions=self.pred_table.name,
            labels=self.labels_name,
            warnings=self.warnings,
            kept=self.kept_rows() if self.opts.bootstrap else None,
        )

    @property
    def predictions_name(self) -> str:
        """The predictions' name as messages and the report show it (a path, or ``-``)."""
        return self.pred_table.name

    @property
    def labels_name(self) -> str | None:
        """The labels file's name, None when the labels are a column of the predictions."""
        return None if self.label_table is None else self.label_table.name

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
        return {n: np.concatenate(p) for n, p in self._loss_parts.items()}

    def kept_rows(self) -> KeptRows:
        """What this ``keep_rows`` run kept to resample its statistics (``--bootstrap``,
        ``compare``)."""
        plan = self.plan
        assert plan is not None and self.opts.keep_rows
        return KeptRows(
            task=plan.task,
            loss_names=list(self.loss_names),
            params=self.params,
            loss_rows=self._loss_rows,
            metric_rows=self._metric_rows,
            metrics_acc=self.metrics_acc,
            n_rows=self.n_rows,
            zero_division=self.opts.zero_division,
        )

    def resample_stat(self, then: Evaluation | None = None) -> Any:
        """:func:`losscli.pipeline.intervals.resample_stat` of this run (followed by
        ``then``'s rows): counts (b, n_rows) -> ``{name: (b,) values}``."""
        return intervals.resample_stat(self.kept_rows(), None if then is None else then.kept_rows())

    def linear_replicates(self) -> dict[str, np.ndarray] | None:
        """:func:`losscli.pipeline.intervals.linear_replicates` of ``opts.bootstrap``
        resamples of this run (None when the data does not qualify)."""
        return intervals.linear_replicates(self.kept_rows(), self.opts.bootstrap, self.opts.seed)


def evaluate(
    predictions: Any,
    labels: Any = None,
    *,
    per_sample: Any = None,
    **options: Any,
) -> Report:
    """Evaluate a file of model outputs against its labels and return a :class:`Report`.

    Args:
        predictions: a path (CSV, TSV, NPY, NPZ, Parquet, ``-`` for stdin).
        labels: an optional second file of labels (rows in the same order, or joined by
            ``id_col``).
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
