"""From sums to metrics: :class:`ResultBuilder` (the one place a metric's formula lives).

``result()``, ``resample`` and the linear path all hand their sums
(:class:`~losscli.metrics.state.Sums`) and per-class ranking values (:class:`Ranking`) to the
same builder, so a resample's metrics dict is ``result().metrics`` of the re-weighted rows.
A metric computed from the confusion counts (or any existing sum) is one more line in
:meth:`ResultBuilder.build`, one more row in :mod:`losscli.metrics.catalog`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.metrics._common import (
    fill_undefined,
    name_list,
    nan_average,
    parse_zero_division,
    safe_ratio,
    to_float_or_none,
)
from losscli.metrics.calibration import ece_bin_edges, expected_calibration_error
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
        acc, sums = self.acc, self.sums
        task = acc.task
        big_w = sums.total_weight
        metrics: dict[str, float | None] = {}

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

        # accuracy family
        if task == "multilabel":
            subset = ratio(sums.subset, big_w)
            metrics["accuracy"] = subset
        else:
            metrics["accuracy"] = ratio(float(np.trace(sums.cm)), big_w)
            metrics["balanced_accuracy"] = self._balanced_accuracy(r, pred)
        if task == "binary":
            metrics["precision"] = to_float_or_none(pf[1])
            metrics["recall"] = to_float_or_none(rf[1])
            metrics["f1"] = to_float_or_none(f1f[1])
            if fbf is not None:
                metrics["fbeta"] = to_float_or_none(fbf[1])
            metrics["specificity"] = to_float_or_none(specf[1])
            metrics["jaccard"] = to_float_or_none(jacf[1])

        families = [("precision", pf), ("recall", rf), ("f1", f1f)]
        if fbf is not None:
            families.append(("fbeta", fbf))
        tp_s, pred_s, true_s = (np.array([a[sel].sum()]) for a in (tp, pred, true))
        micro_p, micro_r, micro_f1 = prf_from_counts(tp_s, pred_s, true_s, 1.0)
        micro_fb = prf_from_counts(tp_s, pred_s, true_s, acc.beta or 1.0)[2]
        micro = {"precision": micro_p, "recall": micro_r, "f1": micro_f1, "fbeta": micro_fb}
        if task == "multilabel" and big_w > 0:
            if np.isnan(micro_p[0]) and self.note:
                self.warnings.append(
                    f"precision_micro is undefined (no label predicted); {self.note}"
                )
            if np.isnan(micro_r[0]) and self.note:
                self.warnings.append(f"recall_micro is undefined (no true label); {self.note}")
        for name, values in families:
            metrics[f"{name}_macro"] = to_float_or_none(nan_average(values[sel]))
            metrics[f"{name}_micro"] = to_float_or_none(fill_undefined(micro[name], zdv)[0])
            metrics[f"{name}_weighted"] = to_float_or_none(nan_average(values[sel], true[sel]))
        self._jaccard(metrics, jacf[sel], tp[sel], pred[sel], true[sel])
        if task == "multilabel":
            self._samples(metrics, [name for name, _ in families])
            metrics["subset_accuracy"] = subset
            metrics["hamming_loss"] = ratio(sums.hamming, big_w * acc.n_classes)
        else:
            mcc = mcc_from_confusion(sums.cm)
            kappa = kappa_from_confusion(sums.cm)
            if math.isnan(mcc) and self.note and big_w > 0:
                self.warnings.append(
                    f"mcc is undefined (y_true or the predictions hold a single class); {self.note}"
                )
            if math.isnan(kappa) and self.note and big_w > 0:
                self.warnings.append(
                    "cohen_kappa is undefined (y_true and the predictions hold the same single "
                    f"class); {self.note}"
                )
            metrics["mcc"] = to_float_or_none(zdv if math.isnan(mcc) else mcc)
            metrics["cohen_kappa"] = to_float_or_none(zdv if math.isnan(kappa) else kappa)
            if task == "multiclass":
                self._weighted_kappa(metrics)
        if acc.top_k is not None:
            self._top_k(metrics)

        ranked = RankingReport(acc, sums, self.ranking, self.noun, self.warnings)
        auc_c, ap_c = ranked.apply(metrics, true)
        if task == "multilabel":
            self._ap_samples(metrics)
        self.n_auc_excluded, self.n_ap_excluded = ranked.n_auc_excluded, ranked.n_ap_excluded
        self.bound = ranked.bound
        metrics["log_loss"] = ratio(sums.log_loss, big_w)
        metrics["brier"] = ratio(sums.brier, big_w)
        metrics["ece"] = to_float_or_none(
            expected_calibration_error(sums.ece_w, sums.ece_conf, sums.ece_acc)
        )
        if big_w <= 0:
            metrics = dict.fromkeys(metrics)
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

    def _weighted_kappa(self, metrics: dict[str, float | None]) -> None:
        """``cohen_kappa_linear`` / ``_quadratic``: the classes as ordinal, in index order."""
        for kind in ("linear", "quadratic"):
            kappa = kappa_from_confusion(self.sums.cm, kind)
            if math.isnan(kappa) and self.note and self.sums.total_weight > 0:
                self.warnings.append(
                    f"cohen_kappa_{kind} is undefined (its expected disagreement is 0: y_true "
                    f"and the predictions hold the same single class); {self.note}"
                )
            metrics[f"cohen_kappa_{kind}"] = to_float_or_none(
                self.zdv if math.isnan(kappa) else kappa
            )

    def _top_k(self, metrics: dict[str, float | None]) -> None:
        """``top_k_accuracy`` (one k) or ``top_<k>_accuracy`` per k; k >= C is 1, warned."""
        acc, sums = self.acc, self.sums
        ks = acc.top_k
        for j, k in enumerate(ks):
            name = "top_k_accuracy" if len(ks) == 1 else f"top_{k}_accuracy"
            metrics[name] = ratio(float(np.atleast_1d(sums.top_k_hits)[j]), sums.total_weight)
            if k >= acc.n_classes:
                self.warnings.append(
                    f"{name}: k={k} is at least the number of classes ({acc.n_classes}), so "
                    "every sample is a hit and the score is 1 (meaningless)"
                )

    def _ap_samples(self, metrics: dict[str, float | None]) -> None:
        """``average_precision_samples``: the mean per-row AP over rows with a true label."""
        sums = self.sums
        if self.acc.rank_mode == "off":
            metrics["average_precision_samples"] = None
            return
        metrics["average_precision_samples"] = ratio(sums.aps_sum, sums.aps_wdef)
        nu = int(sums.aps_nundef)
        if nu:
            plural = "sample has" if nu == 1 else "samples have"
            self.warnings.append(
                f"average_precision_samples leaves out {nu} {plural} no true label "
                "(average precision undefined); scikit-learn counts them as 0"
            )

    def _balanced_accuracy(self, recall_raw: np.ndarray, pred: np.ndarray) -> float | None:
        """Mean recall over the classes that have true samples (scikit-learn's rule)."""
        absent = np.isnan(recall_raw)
        leftover = absent & (pred > 0)
        if np.any(leftover):
            names = name_list(self.acc.class_names, leftover, self.noun)
            self.warnings.append(
                f"balanced_accuracy leaves out {names} (predicted but no true samples)."
            )
        if np.all(absent):
            return None
        return float(np.mean(recall_raw[~absent]))

    def _jaccard(
        self,
        metrics: dict[str, float | None],
        jaccard: np.ndarray,
        tp: np.ndarray,
        pred: np.ndarray,
        true: np.ndarray,
    ) -> None:
        """``jaccard_macro`` / ``_micro`` / ``_weighted`` (scikit-learn's ``jaccard_score``).

        Per class ``J = tp / (tp + fp + fn)`` (``jaccard``, already filled with the
        zero-division value); macro its mean, weighted its mean weighted by the true counts
        (the plain mean when there are none); micro ``sum tp / sum (tp + fp + fn)``. With
        ``--zero-division nan`` (which ``jaccard_score`` does not take) an undefined class is
        left out of the averages, as for the F1 averages.
        """
        union = pred + true - tp
        micro = fill_undefined(safe_ratio(np.array([tp.sum()]), np.array([union.sum()])), self.zdv)
        metrics["jaccard_macro"] = to_float_or_none(nan_average(jaccard))
        metrics["jaccard_micro"] = to_float_or_none(micro[0])
        metrics["jaccard_weighted"] = to_float_or_none(nan_average(jaccard, true))

    def _samples(self, metrics: dict[str, float | None], names: list[str]) -> None:
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
            s, wu, nu = sums.samp_sum[i], sums.samp_wundef[i], int(sums.samp_nundef[i])
            if math.isnan(self.zdv):
                value = ratio(s, sums.samp_wdef[i])
            else:
                value = ratio(s + self.zdv * wu, sums.total_weight)
            metrics[f"{stat}_samples"] = value
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
        """Put the flat AUC / AP into ``metrics``; return the per-class values.

        ``support`` (C,) is each class's true weight, the weights of the ``_weighted``
        averages (over the same classes as the macro averages).
        """
        try:
            return self._apply(metrics, support)
        finally:
            self._extra(metrics)

    def _names(self) -> list[str]:
        """The flat ranking names beyond ``roc_auc(_macro)`` / ``average_precision(_macro)``."""
        task = self.acc.task
        if task == "binary":
            return ["roc_auc_partial"] if self.acc.max_fpr is not None else []
        out = ["roc_auc_weighted", "roc_auc_micro"]
        if task == "multiclass":
            out += ["roc_auc_ovo_macro", "roc_auc_ovo_weighted"]
        return out + ["average_precision_weighted", "average_precision_micro"]

    def _extra(self, metrics: dict[str, float | None]) -> None:
        """Puts the extra names in a fixed order (None where not computed), with notes."""
        rk = self.ranking
        extra = {n: metrics.pop(n, None) for n in self._names()}
        if rk.mode == "off" or self.sums.total_weight <= 0:
            extra = dict.fromkeys(extra)
        metrics.update(extra)
        skipped = [n for n in rk.skipped if n in extra]
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
            metrics[auc_name] = None
            metrics[ap_name] = None
            self.warnings.append(ranking_off_warning(acc.task))
            return [None] * c, [None] * c
        auc_c, ap_c = rk.auc, rk.ap
        has_pos = np.array([ap is not None for ap in ap_c], dtype=bool)
        auc_undef = np.array([a is None for a in auc_c], dtype=bool)
        if sums.total_weight <= 0:
            metrics[auc_name] = None
            metrics[ap_name] = None
            return auc_c, ap_c
        if acc.task == "binary":
            metrics[auc_name] = auc_c[1]
            metrics[ap_name] = ap_c[1]
            if acc.max_fpr is not None:
                metrics["roc_auc_partial"] = rk.partial
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
        metrics[auc_name] = float(np.mean(defined_auc)) if defined_auc else None
        metrics[ap_name] = float(np.mean(defined_ap)) if defined_ap else None
        metrics["roc_auc_weighted"] = _support_average(auc_c, support)
        metrics["average_precision_weighted"] = _support_average(ap_c, support)
        if rk.micro is not None:
            metrics["roc_auc_micro"], metrics["average_precision_micro"] = rk.micro
        if rk.ovo is not None:
            metrics["roc_auc_ovo_macro"], metrics["roc_auc_ovo_weighted"], n_out = rk.ovo
            if n_out:
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
