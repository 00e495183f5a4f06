"""The flat metrics of B resamples at once: :func:`batch_metrics` over (B, ...) sums.

The one derivation of the flat classification metrics: a bootstrap calls it once for B
resamples, and :class:`~losscli.metrics.builder.ResultBuilder` with B = 1 for one report
(adding the warnings, per-class rows and bounds only a report has). The formulas run over
arrays with a leading resample axis: the confusion matrices (B, C, C) (multi-label
(B, L, 2, 2)), the calibration bins (B, bins), every scalar sum (B,), and the per-class
AUC / AP (B, C) (:func:`~losscli.metrics.classification.prf_from_counts`, ``safe_ratio``,
``fill_undefined`` elementwise; :func:`~losscli.metrics.classification.mcc_batch`,
:func:`~losscli.metrics.classification.kappa_batch` and
:func:`~losscli.metrics.calibration.ece_batch` with a batch axis), so
``batch_metrics(...)[name][b]`` is ``finite(ResultBuilder(...).metrics()[name])`` of
resample b; the builder's one exception is the ``_weighted`` ROC AUC / AP, a dot product
there (the same value up to the last bit). ``tests/metrics/test_batch_metrics.py`` checks
every name, every task, with absent classes and empty resamples, and row b against
scikit-learn on resample b's rows. Undefined is NaN (the builder's None); no warnings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from losscli.metrics._common import fill_undefined, safe_ratio
from losscli.metrics.calibration import ece_batch
from losscli.metrics.classification import kappa_batch, mcc_batch, prf_from_counts
from losscli.metrics.state import SAMPLE_STATS, Sums
from losscli.records import record

if TYPE_CHECKING:
    from losscli.metrics.builder import Ranking

__all__ = [
    "BatchRanking",
    "batch_metrics",
    "batch_ratio",
    "batch_nan_average",
    "stack_sums",
    "as_dicts",
]


@record
class BatchRanking:
    """The ranking values of B resamples (NaN where undefined), as
    :class:`~losscli.metrics.builder.Ranking` holds them for one.

    Attributes:
        mode: ``"exact"``, ``"binned"`` or ``"off"``.
        auc, ap: float64 (B, C) per class.
        micro: ``(auc, ap)``, float64 (B,) each, or None when not computed on this path.
        ovo: ``(macro, weighted)``, float64 (B,) each, or None.
        partial: binary with ``max_fpr``: float64 (B,), or None.

    A name a path does not compute (its value None here) is NaN in the output.
    """

    mode: str
    auc: np.ndarray
    ap: np.ndarray
    micro: tuple[np.ndarray, np.ndarray] | None = None
    ovo: tuple[np.ndarray, np.ndarray] | None = None
    partial: np.ndarray | None = None

    @classmethod
    def stack(cls, ranks: list[Ranking]) -> BatchRanking:
        """The B resamples' :class:`~losscli.metrics.builder.Ranking` values as arrays (None
        -> NaN); each optional part is given for every resample or for none.

        >>> from losscli.metrics.builder import Ranking
        >>> r = BatchRanking.stack([Ranking("exact", [None, 0.5], [None, 1.0]),
        ...                         Ranking("exact", [None, None], [None, 0.25])])
        >>> r.auc.tolist(), r.ap[:, 1].tolist()
        ([[nan, 0.5], [nan, nan]], [1.0, 0.25])
        """

        def col(values: list[float | None]) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        first = ranks[0]
        out = cls(
            first.mode,
            np.array([col(rk.auc) for rk in ranks]).reshape(len(ranks), -1),
            np.array([col(rk.ap) for rk in ranks]).reshape(len(ranks), -1),
        )
        if first.micro is not None:
            out.micro = (col([rk.micro[0] for rk in ranks]), col([rk.micro[1] for rk in ranks]))  # type: ignore[index]
        if first.ovo is not None:
            out.ovo = (col([rk.ovo[0] for rk in ranks]), col([rk.ovo[1] for rk in ranks]))  # type: ignore[index]
        if any(rk.partial is not None for rk in ranks):
            out.partial = col([rk.partial for rk in ranks])
        return out


def stack_sums(parts: list[Sums]) -> Sums:
    """B resamples' :class:`~losscli.metrics.state.Sums` as one with a leading axis of B on
    every sum a resample has (the ``resample="none"`` sums, e.g. the binned histograms, keep
    the first one's value: no metric of a resample reads them).

    >>> from losscli.metrics.state import CLASSIFICATION_SUMS, Dims
    >>> a = Sums.zeros(CLASSIFICATION_SUMS, Dims("binary", 2, 15))
    >>> b = Sums.zeros(CLASSIFICATION_SUMS, Dims("binary", 2, 15))
    >>> b.log_loss = 2.0
    >>> s = stack_sums([a, b])
    >>> s.cm.shape, s.log_loss.tolist()
    ((2, 2, 2), [0.0, 2.0])
    """
    specs = parts[0].specs
    values = {}
    for spec in specs:
        if spec.resample == "none":
            values[spec.name] = getattr(parts[0], spec.name)
        else:
            values[spec.name] = np.stack([np.asarray(getattr(p, spec.name)) for p in parts])
    return Sums(specs, values)


def as_dicts(metrics: dict[str, np.ndarray]) -> list[dict[str, float | None]]:
    """``{name: (B,)}`` as B dicts of floats, None where NaN (the builder's form).

    >>> as_dicts({"a": np.array([0.5, np.nan])})
    [{'a': 0.5}, {'a': None}]
    """
    names = list(metrics)
    cols = [metrics[name].tolist() for name in names]
    return [
        {name: (None if v != v else v) for name, v in zip(names, row, strict=True)}
        for row in zip(*cols, strict=True)
    ]


def batch_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` elementwise, NaN where ``den`` is zero or the ratio is not finite (the
    builder's ``ratio`` with a batch axis).

    >>> batch_ratio(np.array([1.0, 1.0, 1.0]), np.array([4.0, 0.0, 1e-320]))
    array([0.25,  nan,  nan])
    """
    with np.errstate(over="ignore"):
        out = safe_ratio(num, den)
    out[~np.isfinite(out)] = np.nan
    return out


def batch_nan_average(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """:func:`~losscli.metrics._common.nan_average` of every row of a stack (last axis).

    ``sum(w_k v_k) / sum(w_k)`` over the entries that are not NaN; NaN where a row has none;
    the plain mean where the kept weights sum to zero (scikit-learn's ``_nanaverage``).

    Args:
        values: float64 (..., K).
        weights: float64 (..., K) or None.

    Returns:
        float64 (...).

    >>> batch_nan_average(np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]]))
    array([ 2., nan])
    >>> batch_nan_average(np.array([[1.0, 3.0], [1.0, 3.0]]), np.array([[3.0, 1.0], [0.0, 0.0]]))
    array([1.5, 2. ])
    """
    values = np.asarray(values, dtype=np.float64)
    mask = ~np.isnan(values)
    n = mask.sum(axis=-1)
    kept = np.where(mask, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = kept.sum(axis=-1) / n
        if weights is None:
            return np.where(n > 0, mean, np.nan)
        w = np.where(mask, np.asarray(weights, dtype=np.float64), 0.0)
        total = w.sum(axis=-1)
        weighted = (kept * w).sum(axis=-1) / total
    return np.where(n > 0, np.where(total == 0, mean, weighted), np.nan)


def _support_average(values: np.ndarray, support: np.ndarray) -> np.ndarray:
    """The builder's ``_support_average`` per row: the defined values weighted by the
    classes' true weight; NaN where none is defined or their weights do not sum above 0."""
    ok = ~np.isnan(values)
    w = np.where(ok, support, 0.0)
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (w / total[..., None] * np.where(ok, values, 0.0)).sum(axis=-1)
    return np.where(total > 0, out, np.nan)


def _defined_mean(values: np.ndarray) -> np.ndarray:
    """The mean of the defined (not NaN) entries of each row, NaN where none is."""
    return batch_nan_average(values)


def batch_metrics(acc: Any, sums: Sums, ranking: BatchRanking, zdv: float) -> dict[str, np.ndarray]:
    """The flat metrics of B resamples: ``ResultBuilder(acc, sums_b, ...).metrics()`` for
    every b at once, NaN where the builder gives None.

    Formulas (per resample, per class c of ``--labels``' selection S where an average says
    so; ``W`` the total weight, ``zdv`` the zero-division value that fills an undefined
    per-class ratio):

    - ``accuracy = trace(M) / W`` (multi-label: ``subset / W``); ``balanced_accuracy`` the
      mean recall over the classes with true weight;
    - precision / recall / F-beta ``tp / pred``, ``tp / true``, ``(1 + b^2) tp / (b^2 true +
      pred)``; ``_macro`` their mean over S (undefined ones left out when ``zdv`` is NaN),
      ``_weighted`` weighted by the true weight, ``_micro`` of the summed counts over S;
      jaccard ``tp / (pred + true - tp)`` the same three ways; specificity ``tn / (tn + fp)``;
    - MCC, Cohen's kappa (and its linear / quadratic weighting, multi-class) of ``M``;
    - ROC AUC / AP: binary class 1's; else the mean over the defined classes, the
      support-weighted mean, and the micro / one-vs-one values as given;
    - ``log_loss = sum w log_loss / W``, ``brier`` likewise, ECE of the bins; ``top_k``
      hits ``/ W``; multi-label ``hamming_loss = hamming / (W L)`` and the ``_samples``
      averages.

    Args:
        acc: the accumulator (its settings: ``task``, ``n_classes``, ``labels``, ``beta``,
            ``top_k``, ``max_fpr``, ``rank_mode``).
        sums: :class:`~losscli.metrics.state.Sums` whose every field has a leading axis of B:
            ``total_weight`` (B,), ``cm`` (B, C, C) (multi-label (B, L, 2, 2)), ``ece_w`` /
            ``ece_conf`` / ``ece_acc`` (B, bins), ``log_loss`` / ``brier`` (B,), and the
            task's others (``top_k_hits`` (B, K); multi-label ``subset``, ``hamming`` (B,),
            ``samp_sum`` / ``samp_wundef`` / ``samp_wdef`` (B, 4), ``aps_sum`` / ``aps_wdef``
            (B,)).
        ranking: the resamples' AUC / AP.
        zdv: the zero-division value (NaN: leave undefined).

    Returns:
        ``{name: float64 (B,)}`` with the keys of ``result().metrics``.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> from losscli.metrics.builder import ResultBuilder
    >>> acc = ClassificationAccumulator("binary", 2)
    >>> acc.update(np.array([1.0, 0.0, 1.0]), np.array([0.75, 0.25, 0.4]))
    >>> one = {k: np.array([v]) if np.ndim(v) == 0 else v[None] for k, v in vars(acc.sums).items()
    ...        if k != "specs"}
    >>> batch = Sums(acc.sums.specs, one)
    >>> rk = acc.rank_values()
    >>> auc = np.array([[np.nan if a is None else a for a in rk.auc]])
    >>> ap = np.array([[np.nan if a is None else a for a in rk.ap]])
    >>> m = batch_metrics(acc, batch, BatchRanking(rk.mode, auc, ap), 0.0)
    >>> float(m["recall"][0]), ResultBuilder(acc, acc.sums, 0.0, "", rk).metrics()["recall"]
    (0.5, 0.5)
    """
    task = acc.task
    big_w = np.asarray(sums.total_weight, dtype=np.float64)
    n_b = big_w.shape[0]
    metrics: dict[str, np.ndarray] = {}
    cm = np.asarray(sums.cm, dtype=np.float64)
    if task == "multilabel":
        tn, fp, fn, tp = cm[:, :, 0, 0], cm[:, :, 0, 1], cm[:, :, 1, 0], cm[:, :, 1, 1]
        pred, true = tp + fp, tp + fn
    else:
        tp = np.diagonal(cm, axis1=1, axis2=2).copy()
        pred = cm.sum(axis=1)
        true = cm.sum(axis=2)
        total = cm.sum(axis=(1, 2))
        fp = pred - tp
        fn = true - tp
        tn = np.maximum(total[:, None] - tp - fp - fn, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p, r, f1 = prf_from_counts(tp, pred, true, 1.0)
        fb = prf_from_counts(tp, pred, true, acc.beta)[2] if acc.beta is not None else None
        spec = safe_ratio(tn, tn + fp)
        jac = safe_ratio(tp, pred + true - tp)
    sel = np.arange(acc.n_classes) if acc.labels is None else np.asarray(acc.labels)
    pf, rf, f1f, specf, jacf = (fill_undefined(a, zdv) for a in (p, r, f1, spec, jac))
    fbf = None if fb is None else fill_undefined(fb, zdv)

    if task == "multilabel":
        subset = batch_ratio(sums.subset, big_w)
        metrics["accuracy"] = subset
    else:
        metrics["accuracy"] = batch_ratio(np.trace(cm, axis1=1, axis2=2), big_w)
        metrics["balanced_accuracy"] = _defined_mean(r)
    if task == "binary":
        metrics["precision"] = pf[:, 1]
        metrics["recall"] = rf[:, 1]
        metrics["f1"] = f1f[:, 1]
        if fbf is not None:
            metrics["fbeta"] = fbf[:, 1]
        metrics["specificity"] = specf[:, 1]
        metrics["jaccard"] = jacf[:, 1]

    families = [("precision", pf), ("recall", rf), ("f1", f1f)]
    if fbf is not None:
        families.append(("fbeta", fbf))
    tp_s, pred_s, true_s = (a[:, sel].sum(axis=1) for a in (tp, pred, true))
    with np.errstate(invalid="ignore", divide="ignore"):
        micro_p, micro_r, micro_f1 = prf_from_counts(tp_s, pred_s, true_s, 1.0)
        micro_fb = prf_from_counts(tp_s, pred_s, true_s, acc.beta or 1.0)[2]
    micro = {"precision": micro_p, "recall": micro_r, "f1": micro_f1, "fbeta": micro_fb}
    for name, values in families:
        metrics[f"{name}_macro"] = batch_nan_average(values[:, sel])
        metrics[f"{name}_micro"] = fill_undefined(micro[name], zdv)
        metrics[f"{name}_weighted"] = batch_nan_average(values[:, sel], true[:, sel])
    union = (pred + true - tp)[:, sel]
    metrics["jaccard_macro"] = batch_nan_average(jacf[:, sel])
    metrics["jaccard_micro"] = fill_undefined(
        safe_ratio(tp[:, sel].sum(axis=1), union.sum(axis=1)), zdv
    )
    metrics["jaccard_weighted"] = batch_nan_average(jacf[:, sel], true[:, sel])
    if task == "multilabel":
        for i, stat in enumerate(SAMPLE_STATS):
            if stat not in [name for name, _ in families]:
                continue
            s, wu = sums.samp_sum[:, i], sums.samp_wundef[:, i]
            if np.isnan(zdv):
                metrics[f"{stat}_samples"] = batch_ratio(s, sums.samp_wdef[:, i])
            else:
                metrics[f"{stat}_samples"] = batch_ratio(s + zdv * wu, big_w)
        metrics["subset_accuracy"] = subset
        metrics["hamming_loss"] = batch_ratio(sums.hamming, big_w * acc.n_classes)
    else:
        metrics["mcc"] = _filled(mcc_batch(cm), zdv)
        metrics["cohen_kappa"] = _filled(kappa_batch(cm), zdv)
        if task == "multiclass":
            for kind in ("linear", "quadratic"):
                metrics[f"cohen_kappa_{kind}"] = _filled(kappa_batch(cm, kind), zdv)
    if acc.top_k is not None:
        ks = acc.top_k
        hits = np.asarray(sums.top_k_hits, dtype=np.float64).reshape(n_b, -1)
        for j, k in enumerate(ks):
            name = "top_k_accuracy" if len(ks) == 1 else f"top_{k}_accuracy"
            metrics[name] = batch_ratio(hits[:, j], big_w)

    _ranking(acc, metrics, ranking, true, n_b)
    if task == "multilabel":
        if acc.rank_mode == "off":
            metrics["average_precision_samples"] = np.full(n_b, np.nan)
        else:
            metrics["average_precision_samples"] = batch_ratio(sums.aps_sum, sums.aps_wdef)
    metrics["log_loss"] = batch_ratio(sums.log_loss, big_w)
    metrics["brier"] = batch_ratio(sums.brier, big_w)
    metrics["ece"] = ece_batch(sums.ece_w, sums.ece_conf, sums.ece_acc)
    empty = ~(big_w > 0)
    for name, v in metrics.items():
        v = np.array(v, dtype=np.float64).reshape(n_b)
        v[empty | ~np.isfinite(v)] = np.nan
        metrics[name] = v
    return metrics


def _filled(values: np.ndarray, zdv: float) -> np.ndarray:
    """NaN (undefined) replaced by the zero-division value."""
    return np.where(np.isnan(values), zdv, values)


def _ranking(
    acc: Any, metrics: dict[str, np.ndarray], rk: BatchRanking, support: np.ndarray, n_b: int
) -> None:
    """The flat ROC AUC / AP names into ``metrics``, in the builder's order
    (``RankingReport``): the main two, then the extra names (NaN where not computed)."""
    task = acc.task
    auc_name = "roc_auc" if task == "binary" else "roc_auc_macro"
    ap_name = "average_precision" if task == "binary" else "average_precision_macro"
    nan = np.full(n_b, np.nan)
    extra: dict[str, np.ndarray] = {}
    if task == "binary":
        names = ["roc_auc_partial"] if acc.max_fpr is not None else []
    else:
        names = ["roc_auc_weighted", "roc_auc_micro"]
        if task == "multiclass":
            names += ["roc_auc_ovo_macro", "roc_auc_ovo_weighted"]
        names += ["average_precision_weighted", "average_precision_micro"]
    if rk.mode == "off":
        metrics[auc_name] = nan
        metrics[ap_name] = nan
    elif task == "binary":
        metrics[auc_name] = rk.auc[:, 1]
        metrics[ap_name] = rk.ap[:, 1]
        if acc.max_fpr is not None and rk.partial is not None:
            extra["roc_auc_partial"] = rk.partial
    else:
        metrics[auc_name] = _defined_mean(rk.auc)
        metrics[ap_name] = _defined_mean(rk.ap)
        extra["roc_auc_weighted"] = _support_average(rk.auc, support)
        extra["average_precision_weighted"] = _support_average(rk.ap, support)
        if rk.micro is not None:
            extra["roc_auc_micro"], extra["average_precision_micro"] = rk.micro
        if rk.ovo is not None:
            extra["roc_auc_ovo_macro"], extra["roc_auc_ovo_weighted"] = rk.ovo
    for name in names:
        value = extra.get(name)
        metrics[name] = nan if value is None else value
