"""From sums to a report: :class:`ResultBuilder`.

``result()``, ``resample`` and the linear path all hand their sums
(:class:`~losscli.metrics.state.Sums`) and per-class ranking values (:class:`Ranking`) to the
same builder, so a resample's metrics dict is ``result().metrics`` of the re-weighted rows.
The flat metric values come from :func:`~losscli.metrics.batch.batch_metrics` (the one place
their formulas live) with a batch of one; the builder adds what only a report has: the
warnings for undefined values, the per-class rows, the calibration bins, the ranking notes
and error bounds. A metric computed from the confusion counts (or any existing sum) is one
more line in ``batch_metrics``, one more row in :mod:`losscli.metrics.catalog`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.metrics._common import (
    fill_undefined,
    name_list,
    parse_zero_division,
    safe_ratio,
    to_float_or_none,
)
from losscli.metrics.batch import BatchRanking, as_dicts, batch_metrics, stack_sums
from losscli.metrics.calibration import ece_bin_edges
from losscli.metrics.classification import (
    kappa_from_confusion,
    mcc_from_confusion,
    per_class_counts,
    prf_from_counts,
)
from losscli.metrics.result import MetricsResult, ranking_off_warning
from losscli.metrics.state import SAMPLE_STATS, Sums
from losscli.records import record

__all__ = ["Ranking", "ResultBuilder", "RankingReport", "ratio", "zero_division_note"]


@record
class Ranking:
    """ROC AUC and AP per class, how they were computed, and the binned error bounds.

    Attributes:
        mode: ``"exact"``, ``"binned"`` or ``"off"``.
        auc, ap: per class, None where undefined.
        bounds: binned mode: per class ``(auc bound, ap bound)``.
        micro: multi-class / multi-label: ``(auc, ap)`` of every (row, class) cell as one
            binary problem (``average="micro"``); None when not computed on this path.
        micro_bounds: binned mode: the error bounds of ``micro``.
        ovo: multi-class: ``(macro, weighted, pairs left out)`` of the one-vs-one AUC
            (:mod:`losscli.metrics.pairs`); None when not computed.
        partial: binary with ``max_fpr``: the standardised partial AUC.
        skipped: metric names this path does not compute (reported as None with a note).
    """

    mode: str
    auc: list[float | None]
    ap: list[float | None]
    bounds: list[tuple[float | None, float | None]] | None = None
    micro: tuple[float | None, float | None] | None = None
    micro_bounds: tuple[float | None, float | None] | None = None
    ovo: tuple[float | None, float | None, int] | None = None
    partial: float | None = None
    skipped: tuple[str, ...] = ()


def zero_division_note(zero_division: object) -> tuple[float, str]:
    """The zero-division value and the tail of its warnings ("" for none).

    >>> zero_division_note("warn")
    (0.0, 'set to 0. Use --zero-division to change it.')
    """
    zdv, warn = parse_zero_division(zero_division)
    if warn:
        return zdv, "set to 0. Use --zero-division to change it."
    if math.isnan(zdv):
        return zdv, "reported as null."
    return zdv, ""


class ResultBuilder:
    """Turns an accumulator's sums into a :class:`MetricsResult` (or only its flat metrics).

    Args:
        acc: the accumulator: its settings (``task``, ``n_classes``, ``class_names``,
            ``top_k``, ``beta``, ``ece_bins``, ``auc_bins``, ``rank_key``), ``weighted`` and
            ``n_rows``.
        sums: the :class:`~losscli.metrics.state.Sums` to report: the accumulator's own, or
            one resample's.
        zdv: the zero-division value; ``note`` the tail of its warnings ("" for none).
        ranking: the AUC / AP per class.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> acc = ClassificationAccumulator("binary", 2)
    >>> acc.update(np.array([1.0, 0.0]), np.array([0.75, 0.25]))
    >>> ResultBuilder(acc, acc.sums, 0.0, "", acc.rank_values()).metrics()["accuracy"]
    1.0
    """

    def __init__(self, acc: Any, sums: Sums, zdv: float, note: str, ranking: Ranking) -> None:
        self.acc = acc
        self.sums = sums
        self.zdv = zdv
        self.note = note
        self.ranking = ranking
        self.warnings: list[str] = []
        self.noun = "label" if acc.task == "multilabel" else "class"
        self.bound: dict[str, float | None] = {}

    def undefined(self, what: str, mask: np.ndarray, reason: str) -> None:
        if self.note and np.any(mask):
            names = name_list(self.acc.class_names, mask, self.noun)
            self.warnings.append(f"{what} is undefined for {names} ({reason}); {self.note}")

    def metrics(self) -> dict[str, float | None]:
        """Only the flat metrics (what a resample needs): no per-class rows or bins."""
        return self.build(full=False).metrics

    def build(self, full: bool = True) -> MetricsResult:
        """The report: the flat metrics from :func:`~losscli.metrics.batch.batch_metrics`
        (one resample), with the warnings, per-class rows, bins and bounds only a report has."""
        acc, sums = self.acc, self.sums
        task = acc.task
        big_w = sums.total_weight
        metrics = self._flat()

        if task == "multilabel":
            mcm = sums.cm
            tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
            pred, true = tp + fp, tp + fn
        else:
            counts = per_class_counts(sums.cm)
            tp, fp, tn = counts["tp"], counts["fp"], counts["tn"]
            pred, true = counts["pred"], counts["true"]
        p, r, f1 = prf_from_counts(tp, pred, true, 1.0)
        fb = prf_from_counts(tp, pred, true, acc.beta)[2] if acc.beta is not None else None
        spec = safe_ratio(tn, tn + fp)
        jac = safe_ratio(tp, pred + true - tp)
        # --labels: the classes the per-class rows and the P / R / F / J averages cover, in order
        sel = np.arange(acc.n_classes) if acc.labels is None else np.asarray(acc.labels)
        chosen = np.zeros(acc.n_classes, dtype=bool)
        chosen[sel] = True
        self.undefined("precision", np.isnan(p) & chosen, "no predicted samples")
        self.undefined("recall", np.isnan(r) & chosen, "no true samples")
        self.undefined("f1", np.isnan(f1) & chosen, "no true or predicted samples")
        if fb is not None:
            self.undefined("fbeta", np.isnan(fb) & chosen, "no true or predicted samples")
        self.undefined("specificity", np.isnan(spec) & chosen, "no negative samples")
        self.undefined("jaccard", np.isnan(jac) & chosen, "no true or predicted samples")
        zdv = self.zdv
        pf, rf, f1f, specf, jacf = (fill_undefined(a, zdv) for a in (p, r, f1, spec, jac))
        fbf = None if fb is None else fill_undefined(fb, zdv)

        if task != "multilabel":
            self._balanced_accuracy_note(r, pred)
        if task == "multilabel" and big_w > 0 and self.note:
            # micro precision / recall: tp / pred, tp / true of the counts summed over --labels
            if pred[sel].sum() == 0:
                self.warnings.append(
                    f"precision_micro is undefined (no label predicted); {self.note}"
                )
            if true[sel].sum() == 0:
                self.warnings.append(f"recall_micro is undefined (no true label); {self.note}")
        if task == "multilabel":
            self._samples_notes([n for n in SAMPLE_STATS if n != "fbeta" or fb is not None])
        else:
            self._kappa_notes()
        if acc.top_k is not None:
            self._top_k_notes()

        ranked = RankingReport(acc, sums, self.ranking, self.noun, self.warnings)
        auc_c, ap_c = ranked.apply(metrics, true)
        if task == "multilabel":
            self._ap_samples_note()
        self.n_auc_excluded, self.n_ap_excluded = ranked.n_auc_excluded, ranked.n_ap_excluded
        self.bound = ranked.bound
        if big_w <= 0:
            self.warnings = [
                "no samples (or only zero-weight samples) were given; every metric is undefined."
            ]
        if not full:
            return MetricsResult(metrics=metrics, task=task)

        per_class = []
        for i in sel.tolist():
            name = acc.class_names[i]
            row: dict[str, Any] = {
                "class": name,
                "precision": to_float_or_none(pf[i]),
                "recall": to_float_or_none(rf[i]),
                "f1": to_float_or_none(f1f[i]),
            }
            if fbf is not None:
                row["fbeta"] = to_float_or_none(fbf[i])
            row["support"] = float(true[i]) if acc.weighted else int(round(true[i]))
            row["specificity"] = to_float_or_none(specf[i])
            row["jaccard"] = to_float_or_none(jacf[i])
            row["roc_auc"] = auc_c[i]
            row["average_precision"] = ap_c[i]
            per_class.append(row)

        if acc.weighted:
            cm_out: list[Any] = sums.cm.tolist()
        else:
            cm_out = np.rint(sums.cm).astype(np.int64).tolist()

        edges = ece_bin_edges(acc.ece_bins)
        calibration = [
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "weight": float(sums.ece_w[b]),
                "confidence": ratio(sums.ece_conf[b], sums.ece_w[b]),
                "accuracy": ratio(sums.ece_acc[b], sums.ece_w[b]),
            }
            for b in range(acc.ece_bins)
        ]
        return MetricsResult(
            metrics=metrics,
            per_class=per_class,
            confusion_matrix=cm_out,
            warnings=self.warnings,
            ece_bins=acc.ece_bins,
            task=task,
            n_samples=acc.n_rows,
            total_weight=big_w,
            n_auc_excluded=self.n_auc_excluded,
            n_ap_excluded=self.n_ap_excluded,
            calibration=calibration,
            auc_bins=acc.auc_bins,
            ranking_error_bound=self.bound,
        )

    def _flat(self) -> dict[str, float | None]:
        """The flat metrics: :func:`~losscli.metrics.batch.batch_metrics` of these sums as a
        batch of one, None where undefined (every metric None when the weight is 0)."""
        one = batch_metrics(
            self.acc, stack_sums([self.sums]), BatchRanking.stack([self.ranking]), self.zdv
        )
        return as_dicts(one)[0]

    def _kappa_notes(self) -> None:
        """The warnings of an undefined MCC / Cohen's kappa (and its linear / quadratic
        weighting, multi-class)."""
        cm, note = self.sums.cm, self.note
        if not note or not self.sums.total_weight > 0:
            return
        if math.isnan(mcc_from_confusion(cm)):
            self.warnings.append(
                f"mcc is undefined (y_true or the predictions hold a single class); {note}"
            )
        if math.isnan(kappa_from_confusion(cm)):
            self.warnings.append(
                "cohen_kappa is undefined (y_true and the predictions hold the same single "
                f"class); {note}"
            )
        if self.acc.task != "multiclass":
            return
        for kind in ("linear", "quadratic"):
            if math.isnan(kappa_from_confusion(cm, kind)):
                self.warnings.append(
                    f"cohen_kappa_{kind} is undefined (its expected disagreement is 0: y_true "
                    f"and the predictions hold the same single class); {note}"
                )

    def _top_k_notes(self) -> None:
        """``top_k_accuracy`` / ``top_<k>_accuracy`` with k >= C is 1: warned."""
        acc = self.acc
        ks = acc.top_k
        for k in ks:
            name = "top_k_accuracy" if len(ks) == 1 else f"top_{k}_accuracy"
            if k >= acc.n_classes:
                self.warnings.append(
                    f"{name}: k={k} is at least the number of classes ({acc.n_classes}), so "
                    "every sample is a hit and the score is 1 (meaningless)"
                )

    def _ap_samples_note(self) -> None:
        """``average_precision_samples`` leaves out the rows without a true label: warned."""
        if self.acc.rank_mode == "off":
            return
        nu = int(self.sums.aps_nundef)
        if nu:
            plural = "sample has" if nu == 1 else "samples have"
            self.warnings.append(
                f"average_precision_samples leaves out {nu} {plural} no true label "
                "(average precision undefined); scikit-learn counts them as 0"
            )

    def _balanced_accuracy_note(self, recall_raw: np.ndarray, pred: np.ndarray) -> None:
        """balanced_accuracy leaves out the classes predicted but without true samples."""
        leftover = np.isnan(recall_raw) & (pred > 0)
        if np.any(leftover):
            names = name_list(self.acc.class_names, leftover, self.noun)
            self.warnings.append(
                f"balanced_accuracy leaves out {names} (predicted but no true samples)."
            )

    def _samples_notes(self, names: list[str]) -> None:
        """The ``*_samples`` averages' rows where the statistic is undefined: warned."""
        sums = self.sums
        reasons = {
            "precision": "no predicted labels",
            "recall": "no true labels",
            "f1": "no true or predicted labels",
            "fbeta": "no true or predicted labels",
        }
        for i, stat in enumerate(SAMPLE_STATS):
            if stat not in names:
                continue
            nu = int(sums.samp_nundef[i])
            if nu and self.note:
                plural = "sample" if nu == 1 else "samples"
                self.warnings.append(
                    f"{stat} is undefined for {nu} {plural} ({reasons[stat]}) in "
                    f"{stat}_samples; {self.note}"
                )


class RankingReport:
    """The flat ROC AUC / AP metrics, their exclusions, warnings and binned error bounds.

    Args:
        acc: the accumulator (settings); ``sums`` the sums reported; ``ranking`` the per-class
            values; ``noun`` "class" or "label"; ``warnings`` the builder's list (appended to).
    """

    def __init__(
        self, acc: Any, sums: Sums, ranking: Ranking, noun: str, warnings: list[str]
    ) -> None:
        self.acc = acc
        self.sums = sums
        self.ranking = ranking
        self.noun = noun
        self.warnings = warnings
        self.n_auc_excluded = 0
        self.n_ap_excluded = 0
        self.bound: dict[str, float | None] = {}

    def apply(
        self, metrics: dict[str, float | None], support: np.ndarray
    ) -> tuple[list[Any], list[Any]]:
        """Note the exclusions, warnings and bounds of the flat AUC / AP (whose values
        :func:`~losscli.metrics.batch.batch_metrics` gives, but for the ``_weighted`` two,
        set here); return the per-class values.

        ``support`` (C,) is each class's true weight, the weights of the ``_weighted``
        averages (over the same classes as the macro averages).
        """
        try:
            return self._apply(metrics, support)
        finally:
            self._skipped_note()

    def _skipped_note(self) -> None:
        """The extra names this path does not compute (reported as None): noted."""
        rk = self.ranking
        task = self.acc.task
        if task == "binary":
            names = ["roc_auc_partial"] if self.acc.max_fpr is not None else []
        else:
            names = ["roc_auc_weighted", "roc_auc_micro"]
            if task == "multiclass":
                names += ["roc_auc_ovo_macro", "roc_auc_ovo_weighted"]
            names += ["average_precision_weighted", "average_precision_micro"]
        skipped = [n for n in rk.skipped if n in names]
        if skipped and rk.mode != "off":
            self.warnings.append(
                f"{', '.join(skipped)} not computed on this path ({rk.mode} ranking); "
                "reported as null"
            )

    def _apply(
        self, metrics: dict[str, float | None], support: np.ndarray
    ) -> tuple[list[Any], list[Any]]:
        acc, sums = self.acc, self.sums
        c = acc.n_classes
        self.n_auc_excluded = 0
        self.n_ap_excluded = 0
        auc_name = "roc_auc" if acc.task == "binary" else "roc_auc_macro"
        ap_name = "average_precision" if acc.task == "binary" else "average_precision_macro"
        rk = self.ranking
        if rk.mode == "off":
            self.warnings.append(ranking_off_warning(acc.task))
            return [None] * c, [None] * c
        auc_c, ap_c = rk.auc, rk.ap
        has_pos = np.array([ap is not None for ap in ap_c], dtype=bool)
        auc_undef = np.array([a is None for a in auc_c], dtype=bool)
        if sums.total_weight <= 0:
            return auc_c, ap_c
        if acc.task == "binary":
            self._binned_note(auc_name, ap_name, [1])
            if auc_c[1] is None:
                only = acc.class_names[1] if has_pos[1] else acc.class_names[0]
                self.warnings.append(
                    f"roc_auc is undefined (y_true holds only class '{only}'); reported as null."
                )
            if ap_c[1] is None:
                self.warnings.append(
                    f"average_precision is undefined (no sample of the positive class "
                    f"'{acc.class_names[1]}'); reported as null."
                )
            return auc_c, ap_c
        defined_auc = [a for a in auc_c if a is not None]
        defined_ap = [a for a in ap_c if a is not None]
        self.n_auc_excluded = c - len(defined_auc)
        self.n_ap_excluded = c - len(defined_ap)
        # One report's weighted AUC / AP is a dot product, as before batch_metrics existed
        # (whose row sums can differ from it in the last bit); kept so reports stay identical.
        for name, values in (("roc_auc_weighted", auc_c), ("average_precision_weighted", ap_c)):
            if metrics.get(name) is not None:
                metrics[name] = _support_average(values, support)
        if rk.ovo is not None and rk.ovo[2]:
            n_out = rk.ovo[2]
            self.warnings.append(
                f"roc_auc_ovo_macro / _weighted leave out {n_out} class "
                f"{'pair' if n_out == 1 else 'pairs'} with a class that has no samples"
            )
        self._binned_note(auc_name, ap_name, list(range(c)))
        self._binned_averages(support)
        plural = "classes" if self.noun == "class" else "labels"
        if self.n_auc_excluded:
            names = name_list(acc.class_names, auc_undef, self.noun)
            tail = (
                f"{auc_name} averages the other {len(defined_auc)} of {c} {plural}."
                if defined_auc
                else f"{auc_name} is undefined."
            )
            self.warnings.append(
                f"roc_auc is undefined for {names} (no positive or no negative samples); {tail}"
            )
        if self.n_ap_excluded:
            names = name_list(acc.class_names, ~has_pos, self.noun)
            tail = (
                f"{ap_name} averages the other {len(defined_ap)} of {c} {plural}."
                if defined_ap
                else f"{ap_name} is undefined."
            )
            self.warnings.append(
                f"average_precision is undefined for {names} (no positive samples); {tail}"
            )
        return auc_c, ap_c

    def _binned_averages(self, support: np.ndarray) -> None:
        """Binned mode: the bounds of the ``_weighted`` averages (the support-weighted mean of
        the classes' bounds) and of the micro AUC / AP (their summed histogram's bounds)."""
        rk = self.ranking
        if rk.mode != "binned" or rk.bounds is None:
            return
        for name, at in (("roc_auc_weighted", 0), ("average_precision_weighted", 1)):
            values = [rk.auc, rk.ap][at]
            b = [rk.bounds[k][at] if values[k] is not None else None for k in range(len(values))]
            self.bound[name] = _support_average(b, support)
        if rk.micro_bounds is not None:
            self.bound["roc_auc_micro"], self.bound["average_precision_micro"] = rk.micro_bounds

    def _binned_note(self, auc_name: str, ap_name: str, classes: list[int]) -> None:
        """Binned mode: the error bound of the reported AUC / AP and a warning saying so.

        The bound of a macro average is the mean of the bounds of the classes it averages.
        """
        rk = self.ranking
        if rk.mode != "binned" or rk.bounds is None:
            return
        auc_b = [rk.bounds[k][0] for k in classes if rk.auc[k] is not None]
        ap_b = [rk.bounds[k][1] for k in classes if rk.ap[k] is not None]
        auc_bound = float(np.mean(auc_b)) if auc_b else None  # type: ignore[arg-type]
        ap_bound = float(np.mean(ap_b)) if ap_b else None  # type: ignore[arg-type]
        self.bound = {auc_name: auc_bound, ap_name: ap_bound}
        parts = []
        if auc_bound is not None:
            parts.append(
                f"{auc_name} is within {auc_bound:.2g} of the exact value (half the share of "
                "positive-negative pairs that share a bin)"
            )
        if ap_bound is not None:
            parts.append(f"{ap_name} within {ap_bound:.2g}")
        tail = "; " + " and ".join(parts) if parts else ""
        axis = {
            "probs": "",
            "logits": ", equal-width bins of 1/2 + arctan(logit/8)/pi",
            "log-probs": ", equal-width bins of 1/2 + arctan(x/8)/pi, x = log p - log(1 - p)",
        }[self.acc.rank_key]
        self.warnings.append(
            f"roc_auc and average_precision are binned (--auc-bins {self.acc.auc_bins}{axis}): "
            f"scores in the same bin count as tied{tail}."
        )


def _support_average(values: list[float | None], support: np.ndarray) -> float | None:
    """The mean of the defined values weighted by the classes' true weight (``"weighted"``).

    >>> _support_average([0.5, None, 1.0], np.array([1.0, 5.0, 3.0]))
    0.875
    """
    ok = [i for i, v in enumerate(values) if v is not None]
    if not ok:
        return None
    w = np.asarray(support, dtype=np.float64)[ok]
    if not w.sum() > 0:
        return None
    v = np.array([values[i] for i in ok], dtype=np.float64)
    return to_float_or_none(float(np.dot(w / w.sum(), v)))


def ratio(num: float, den: float) -> float | None:
    """``num / den`` as a float, None when ``den`` is zero or the result is not finite.

    >>> ratio(1.0, 4.0), ratio(1.0, 0.0)
    (0.25, None)
    """
    if den == 0:
        return None
    return to_float_or_none(num / den)
