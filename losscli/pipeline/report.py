"""Report assembly: a run's accumulated :class:`~losscli.pipeline.state.EvalState` (and its
``--group-by`` slices and ``--bootstrap`` rows) turned into a :class:`~losscli.report.Report`:
the losses finalized, the metrics result, the warnings, the inputs and the settings behind the
signature.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from losscli import __version__
from losscli.errors import InputError, StrictWarning
from losscli.pipeline import intervals
from losscli.pipeline.columns import Columns
from losscli.pipeline.groups import group_reports
from losscli.pipeline.infer import show_number
from losscli.pipeline.intervals import KeptRows
from losscli.pipeline.options import Specs
from losscli.pipeline.plan import Plan
from losscli.pipeline.state import PERPLEXITY, EvalState, show_label
from losscli.report import Report, build_signature


def counts_in_mean_weights(mres: Any) -> None:
    """Weighted counts (confusion cells, support) in units of the mean weight, in place.

    A weighted count is ``sum(w) * n / sum(w)``-scaled: each row counts ``w / mean(w)``, so
    the confusion matrix sums to the evaluated rows (per label for multi-label) whatever the
    weights' scale, and equal weights give the unweighted counts (as floats).

    >>> from losscli.metrics.result import MetricsResult
    >>> m = MetricsResult(metrics={}, per_class=[{"support": 3e-200}, {"support": 1e-200}],
    ...                   confusion_matrix=[[2e-200, 1e-200], [0.0, 1e-200]], n_samples=4,
    ...                   total_weight=4e-200)
    >>> counts_in_mean_weights(m); m.confusion_matrix, [r["support"] for r in m.per_class]
    ([[2.0, 1.0], [0.0, 1.0]], [3.0, 1.0])
    """
    if not mres.total_weight > 0:
        return
    unit = mres.n_samples / mres.total_weight
    mres.confusion_matrix = (np.asarray(mres.confusion_matrix, dtype=np.float64) * unit).tolist()
    for row in mres.per_class:
        if row.get("support") is not None:
            row["support"] = float(row["support"]) * unit
    for row in mres.calibration:
        row["weight"] = float(row["weight"]) * unit


def state_results(
    state: EvalState,
    plan: Plan,
    params: dict[str, Any],
    *,
    zero_division: float,
    weighted: bool,
) -> tuple[dict[str, float | None], dict[str, dict[str, float | None]], Any, list[str]]:
    """The losses, their per-sample stats, the metrics result and the warnings of one state.

    A loss is ``finalize(sums)`` of its additive sums, None (with a warning) when undefined
    or not finite; weighted counts are in units of the mean weight
    (:func:`counts_in_mean_weights`).

    Args:
        state: the accumulated state (a whole run's or one ``--group-by`` slice's).
        plan: the run's plan (its task decides how losses finalize).
        params: the checked loss parameters.
        zero_division: ``--zero-division`` (classification metrics).
        weighted: whether the rows carry sample weights (``--weight-col``).

    Returns:
        ``(losses, loss_stats, metrics result, warnings)``.

    >>> from losscli.pipeline.state import LossAccumulator
    >>> acc = LossAccumulator("mse")
    >>> acc.update(np.array([1.0, 3.0]), np.array([4.0, 2.0]))
    >>> class Metrics:
    ...     def result(self):
    ...         from losscli.metrics.result import MetricsResult
    ...         return MetricsResult(metrics={}, per_class=[], confusion_matrix=[], n_samples=2)
    >>> state = EvalState(loss_acc={"mse": acc}, metrics_acc=Metrics())
    >>> losses, stats, _, warnings = state_results(
    ...     state, Plan("regression", "values", "values"), {}, zero_division=0, weighted=False)
    >>> losses, stats["mse"]["sum"], warnings
    ({'mse': 2.0}, 4.0, [])
    """
    from losscli import losses as L

    warnings: list[str] = []
    losses: dict[str, float | None] = {}
    stats: dict[str, dict[str, float | None]] = {}
    nll = state.loss_acc.get(PERPLEXITY)
    for name, acc in state.loss_acc.items():
        if name == PERPLEXITY:
            continue
        value = None if acc.sums is None else L.finalize(name, plan.task, acc.sums, params=params)
        losses[name] = None if value is None or not math.isfinite(value) else float(value)
        if losses[name] is None:
            warnings.append(f"loss {name!r} is undefined (no row counts towards it)")
        stats[name] = acc.stats()
    if plan.task == "regression":
        mres = state.metrics_acc.result()
    else:
        mres = state.metrics_acc.result(zero_division=zero_division)
        if weighted:
            counts_in_mean_weights(mres)
    if nll is not None:
        mres.metrics[PERPLEXITY] = intervals.perplexity(nll.sums)
    return losses, stats, mres, warnings + list(mres.warnings)


def report_inputs(
    predictions: str, labels: str | None, cols: Columns, plan: Plan | None
) -> dict[str, Any]:
    """The report's ``inputs`` section: the files' names and the columns in each role.

    >>> cols = Columns(label=["y"], pred=["p"], label_in_preds=True)
    >>> report_inputs("preds.csv", None, cols, None)["prediction_columns"]
    ['p']
    """
    return {
        "predictions": predictions,
        "labels": labels,
        "label_columns": list(cols.label),
        "prediction_columns": list(cols.pred),
        "id_column": cols.id,
        "weight_column": cols.weight,
        "label_encoding": plan.label_encoding if plan else None,
    }


def report_settings(
    plan: Plan,
    spec: Specs,
    cols: Columns,
    loss_names: Sequence[str],
    params: dict[str, Any],
    threshold: float | np.ndarray,
    threshold_on: str,
) -> dict[str, Any]:
    """Every setting that changes a number, for the report's ``settings`` and signature.

    Args:
        plan: the run's plan.
        spec: the run's specs (activation, metric options, ``--drop-invalid``, bootstrap).
        cols: the column roles (weights, text labels).
        loss_names: the losses computed, in order.
        params: the checked loss parameters (only those the losses use are listed).
        threshold: the decision threshold, one or one per label.
        threshold_on: ``"probs"`` or ``"scores"`` (the threshold is on the scores' scale).

    Returns:
        ``{setting: value}`` in a fixed order.

    >>> cols = Columns(label=["y"], pred=["p"], label_in_preds=True)
    >>> plan = Plan("regression", "values", "values")
    >>> from losscli.pipeline.options import Options
    >>> s = report_settings(plan, Options().spec, cols, ["mse"], {}, 0.5, "probs")
    >>> s["task"], s["losses"], s["weights"]
    ('regression', 'mse', 'none')
    """
    from losscli import losses as L

    used: list[str] = []
    for name in loss_names:
        for p in L.REGISTRY[name].params:
            if p not in used:
                used.append(p)
    settings: dict[str, Any] = {
        "task": plan.task,
        "scores": plan.scores,
        "activation": spec.task.activation or "none",
        "losses": ",".join(loss_names),
    }
    for p in used:
        settings[p] = params.get(p)
    if plan.pos_label is not None:  # a positive class other than 1 or the column's name
        settings["pos_label"] = plan.pos_label
    if plan.task == "multiclass" and plan.label_encoding == "name" and not cols.text_labels:
        settings["labels_are"] = "name"  # whole-number labels matched by column name
    if plan.task != "regression":
        t = threshold
        settings["threshold"] = t if isinstance(t, float) else [float(x) for x in t]
        if threshold_on == "scores":  # the values are logits / log-probabilities
            settings["threshold_scale"] = plan.scores
        settings["zero_division"] = spec.metric.zero_division
        settings["ece_bins"] = spec.metric.ece_bins
        if spec.metric.auc_bins:
            settings["auc_bins"] = spec.metric.auc_bins
        if spec.metric.top_k is not None and plan.task == "multiclass":
            settings["top_k"] = spec.metric.top_k
        if spec.metric.beta is not None:
            settings["beta"] = spec.metric.beta
        if spec.metric.max_fpr is not None:
            settings["max_fpr"] = spec.metric.max_fpr
        if spec.metric.class_labels is not None:
            settings["labels"] = list(spec.metric.class_labels)
    settings["weights"] = cols.weight or "none"
    settings["drop_invalid"] = spec.read.drop_invalid
    if spec.interval.bootstrap:
        settings["n_boot"] = spec.interval.bootstrap
        settings["ci_level"] = spec.interval.ci_level
        settings["ci_method"] = "percentile"
        settings["seed"] = spec.interval.seed
        settings["ci_resampling"] = "poisson"
    return settings


def _counter_warnings(
    state: EvalState, plan: Plan, params: dict[str, Any], unit: str = "row"
) -> list[str]:
    """The warnings of the row counters: renormalised, dropped and ignored rows (``unit``:
    ``"element"`` for dense arrays, whose rows are elements)."""
    warnings: list[str] = []
    if state.n_renormalised:
        n = state.n_renormalised
        what, total = ("probabilities", "sum")
        if plan.scores == "log-probs":
            what, total = ("log-probabilities", "sum of exp")
        warnings.append(
            f"{n} {unit if n == 1 else unit + 's'} of {what} did not sum to 1 (worst: "
            f"{state.worst_prob_row}, {total} {state.worst_prob_sum:.6g}); they were "
            "renormalised for the losses and the metrics"
        )
    if state.n_dropped:
        n = state.n_dropped
        warnings.append(
            f"{n} {unit if n == 1 else unit + 's'} with missing, NaN or inf values "
            f"{'was' if n == 1 else 'were'} dropped"
        )
    if state.n_ignored:
        n = state.n_ignored
        rows = f"1 {unit} has" if n == 1 else f"{n} {unit}s have"
        warnings.append(
            f"{rows} label {params.get('ignore_index')} (--ignore-index): the losses "
            "skip them and the metrics leave them out"
        )
    return warnings


def build_report(
    state: EvalState,
    groups: dict[str, EvalState],
    plan: Plan,
    spec: Specs,
    cols: Columns,
    *,
    loss_names: Sequence[str],
    params: dict[str, Any],
    threshold: float | np.ndarray,
    threshold_on: str,
    predictions: str,
    labels: str | None,
    warnings: Sequence[str],
    kept: KeptRows | None,
) -> Report:
    """The :class:`~losscli.report.Report` of a run's accumulated state.

    Args:
        state: the run's accumulated state.
        groups: ``--group-by`` slice key -> its state (empty without ``--group-by``).
        plan: the run's plan.
        spec: the run's specs (metric, interval, slice and report options).
        cols: the column roles.
        loss_names: the losses computed, in order.
        params: the checked loss parameters.
        threshold: the decision threshold(s); ``threshold_on`` its scale.
        threshold_on: ``"probs"`` or ``"scores"``.
        predictions: the predictions' name; ``labels`` the labels file's (or None).
        labels: the labels file's name, None when the labels are a column.
        warnings: the warnings so far (e.g. the inputs' notes); not modified.
        kept: the kept rows to resample (``--bootstrap``), else None.

    Returns:
        The report (a dense run's warnings count elements: ``state.dense`` is set). The open
        negative class, once seen, names class 0 of the state's and the
        slices' metrics accumulators (in place), as one pass would.

    Raises:
        InputError: every sample weight is 0.
        StrictWarning: ``--strict`` and there is a warning.
    """
    if cols.weight is not None and plan.weight_exp is None and state.n_rows:
        raise InputError(
            f"{predictions}: every sample weight in column {cols.weight!r} "
            "is 0, so no row counts; give the rows positive weights (or drop --weight-col)"
        )
    unit = "row" if state.dense is None else "element"  # dense arrays: rows are elements
    all_warnings = list(warnings) + _counter_warnings(state, plan, params, unit)
    notes = list(plan.notes)
    classes = list(plan.classes) if plan.task != "regression" else []
    if state.negative_seen is not None:  # the open negative class, named as one pass would
        neg, at = state.negative_seen
        classes[0] = neg if isinstance(neg, str) else show_number(neg)
        for acc in [state.metrics_acc] + [g.metrics_acc for g in groups.values()]:
            acc.class_names[0] = classes[0]
        notes.append(f"negative class {show_label(neg)}: the first other label ({at})")

    def results_of(
        s: EvalState,
    ) -> tuple[dict[str, float | None], dict[str, dict[str, float | None]], Any, list[str]]:
        return state_results(
            s,
            plan,
            params,
            zero_division=spec.metric.zero_division,
            weighted=cols.weight is not None,
        )

    losses, stats, mres, more = results_of(state)
    all_warnings += more
    group_sections = None
    if cols.group:
        group_sections = group_reports(
            groups,
            results_of,
            all_warnings,
            column=cols.group,
            min_group_size=spec.slice.min_group_size,
            outputs=cols.label,
        )
    ci = None
    if spec.interval.bootstrap and isinstance(kept, KeptRows):  # dense: dense_resample
        ci = intervals.intervals(
            kept,
            losses,
            dict(mres.metrics),
            all_warnings,
            n_boot=spec.interval.bootstrap,
            level=spec.interval.ci_level,
            seed=spec.interval.seed,
        )
    settings = report_settings(plan, spec, cols, loss_names, params, threshold, threshold_on)
    report = Report(
        version=__version__,
        signature=build_signature(settings),
        task=plan.task,
        scores=plan.scores,
        n_samples=state.n_rows,
        classes=classes,
        losses=losses,
        loss_stats=stats,
        metrics=dict(mres.metrics),
        per_class=list(mres.per_class),
        per_output=mres.named_outputs(cols.label),
        confusion_matrix=mres.confusion_matrix,
        warnings=all_warnings,
        inputs=report_inputs(predictions, labels, cols, plan),
        inference=notes,
        settings=settings,
        n_dropped=state.n_dropped,
        n_ignored=state.n_ignored,
        ci=ci,
        group_by=cols.group,
        groups=group_sections,
    )
    if spec.report.strict and all_warnings:
        raise StrictWarning(f"--strict: {all_warnings[0]}")
    return report
