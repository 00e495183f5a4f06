"""The metric catalog: every metric name a report can emit, declared once.

Each :class:`MetricInfo` row gives the flat name (a key of ``metrics`` and a ``--fail-if``
name), the tasks that report it, the option it needs (``when``), whether a higher value is
better, its display group, and whether it is a headline metric (shown per slice of
``--group-by``). :data:`PER_CLASS_FIELDS` and :data:`PER_OUTPUT_FIELDS` are the fields of the
``per_class`` and ``per_output`` rows. The report (``lower_is_better``), the text renderer
(headline metrics), ``compare`` (which direction is better) and the ``--fail-if`` gates
(names checked before any data is read) read it; ``tests/metrics/test_catalog.py`` checks it against
what the accumulators emit, and ``tests/docs/test_contracts.py`` docs/CONTRACTS.md against them.

>>> info("f1_macro").higher_is_better, info("log_loss").group
(True, 'calibration')
>>> "top_k_accuracy" in names("multiclass"), "top_k_accuracy" in names("multiclass", top_k=True)
(False, True)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from losscli.records import record

__all__ = [
    "MetricInfo",
    "METRICS",
    "TABLE_FIRST",
    "PER_CLASS_FIELDS",
    "PER_OUTPUT_FIELDS",
    "TOP_K_PATTERN",
    "info",
    "known",
    "names",
    "all_names",
    "lower_is_better",
    "headline",
    "close_matches",
    "loss_key",
]

_B, _MC, _ML, _R = "binary", "multiclass", "multilabel", "regression"

TOP_K_PATTERN = "top_<k>_accuracy"
"""The catalog row of the names ``--top-k 1,5`` gives (``top_1_accuracy``, ...)."""
_TOP_K = r"top_([1-9][0-9]*)_accuracy"  # compiled (re's cache) by the first lookup that needs it
_CLS = (_B, _MC, _ML)


@record(frozen=True)
class MetricInfo:
    """One metric of the report.

    Attributes:
        name: the flat name in ``metrics``.
        tasks: the tasks that report it.
        higher_is_better: whether a larger value is better (False: error, loss, calibration).
        group: display group (``accuracy``, ``positive class``, ``averages``, ``samples``,
            ``agreement``, ``ranking``, ``calibration``, ``error``, ``segmentation``).
        when: ``"always"``, or the option that adds it (``"--top-k"``, ``"--beta"``), or
            ``"ce or nll"`` (one of those losses computed), ``"dense arrays"`` (the input
            is a dense array, :mod:`losscli.pipeline.dense`).
        headline: shown per slice of ``--group-by`` in the text outputs.
    """

    name: str
    tasks: tuple[str, ...]
    higher_is_better: bool
    group: str
    when: str = "always"
    headline: bool = False


def _avg(stat: str, when: str = "always", headline: bool = False) -> list[MetricInfo]:
    return [
        MetricInfo(f"{stat}_{avg}", _CLS, True, "averages", when, headline and avg == "macro")
        for avg in ("macro", "micro", "weighted")
    ]


METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("accuracy", _CLS, True, "accuracy", headline=True),
    MetricInfo("balanced_accuracy", (_B, _MC), True, "accuracy"),
    MetricInfo("precision", (_B,), True, "positive class"),
    MetricInfo("recall", (_B,), True, "positive class"),
    MetricInfo("f1", (_B,), True, "positive class", headline=True),
    MetricInfo("fbeta", (_B,), True, "positive class", when="--beta"),
    MetricInfo("specificity", (_B,), True, "positive class"),
    MetricInfo("jaccard", (_B,), True, "positive class"),
    *_avg("precision"),
    *_avg("recall"),
    *_avg("f1", headline=True),
    *_avg("fbeta", when="--beta"),
    *_avg("jaccard"),
    MetricInfo("precision_samples", (_ML,), True, "samples"),
    MetricInfo("recall_samples", (_ML,), True, "samples"),
    MetricInfo("f1_samples", (_ML,), True, "samples", headline=True),
    MetricInfo("fbeta_samples", (_ML,), True, "samples", when="--beta"),
    MetricInfo("subset_accuracy", (_ML,), True, "accuracy"),
    MetricInfo("hamming_loss", (_ML,), False, "accuracy"),
    MetricInfo("mcc", (_B, _MC), True, "agreement"),
    MetricInfo("cohen_kappa", (_B, _MC), True, "agreement"),
    MetricInfo("cohen_kappa_linear", (_MC,), True, "agreement"),
    MetricInfo("cohen_kappa_quadratic", (_MC,), True, "agreement"),
    MetricInfo("top_k_accuracy", (_MC,), True, "accuracy", when="--top-k"),
    MetricInfo(TOP_K_PATTERN, (_MC,), True, "accuracy", when="--top-k K1,K2"),
    MetricInfo("roc_auc", (_B,), True, "ranking", headline=True),
    MetricInfo("average_precision", (_B,), True, "ranking"),
    MetricInfo("roc_auc_partial", (_B,), True, "ranking", when="--max-fpr"),
    MetricInfo("roc_auc_macro", (_MC, _ML), True, "ranking", headline=True),
    MetricInfo("average_precision_macro", (_MC, _ML), True, "ranking"),
    MetricInfo("roc_auc_weighted", (_MC, _ML), True, "ranking"),
    MetricInfo("roc_auc_micro", (_MC, _ML), True, "ranking"),
    MetricInfo("roc_auc_ovo_macro", (_MC,), True, "ranking"),
    MetricInfo("roc_auc_ovo_weighted", (_MC,), True, "ranking"),
    MetricInfo("average_precision_weighted", (_MC, _ML), True, "ranking"),
    MetricInfo("average_precision_micro", (_MC, _ML), True, "ranking"),
    MetricInfo("average_precision_samples", (_ML,), True, "ranking"),
    MetricInfo("log_loss", _CLS, False, "calibration", headline=True),
    MetricInfo("brier", _CLS, False, "calibration"),
    MetricInfo("ece", _CLS, False, "calibration"),
    MetricInfo("perplexity", (_MC,), False, "calibration", when="ce or nll"),
    MetricInfo("miou", _CLS, True, "segmentation", when="dense arrays"),
    MetricInfo("mdice", _CLS, True, "segmentation", when="dense arrays"),
    MetricInfo("miou_samplewise", _CLS, True, "segmentation", when="dense arrays"),
    MetricInfo("dice_samplewise", _CLS, True, "segmentation", when="dense arrays"),
    MetricInfo("mse", (_R,), False, "error", headline=True),
    MetricInfo("rmse", (_R,), False, "error"),
    MetricInfo("mae", (_R,), False, "error", headline=True),
    MetricInfo("r2", (_R,), True, "error", headline=True),
    MetricInfo("r2_variance_weighted", (_R,), True, "error"),
    MetricInfo("explained_variance", (_R,), True, "error"),
    MetricInfo("mape", (_R,), False, "error"),
    MetricInfo("rmsle", (_R,), False, "error"),
    MetricInfo("median_absolute_error", (_R,), False, "error"),
    MetricInfo("max_error", (_R,), False, "error"),
)
"""Every flat metric, in the order of docs/CONTRACTS.md."""

TABLE_FIRST: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "specificity",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_micro",
    "recall_micro",
    "f1_micro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
)
"""The metrics the terminal table shows first, in this order (the rest follow as reported)."""

PER_CLASS_FIELDS: tuple[tuple[str, str], ...] = (
    ("class", "always"),
    ("precision", "always"),
    ("recall", "always"),
    ("f1", "always"),
    ("fbeta", "--beta"),
    ("support", "always"),
    ("specificity", "always"),
    ("jaccard", "always"),
    ("roc_auc", "always"),
    ("average_precision", "always"),
)
"""The fields of a classification ``per_class`` row, with the option that adds each."""

PER_OUTPUT_FIELDS: tuple[str, ...] = (
    "mse",
    "rmse",
    "mae",
    "r2",
    "explained_variance",
    "mape",
    "rmsle",
    "median_absolute_error",
    "max_error",
)
"""The fields of a regression ``per_output`` row."""

_BY_NAME = {m.name: m for m in METRICS}


def info(name: str) -> MetricInfo:
    """The catalog row of a metric (``top_5_accuracy``: the :data:`TOP_K_PATTERN` row).

    Raises:
        KeyError: no metric has this name.

    >>> info("r2").tasks, info("top_5_accuracy").name
    (('regression',), 'top_<k>_accuracy')
    """
    if name not in _BY_NAME and re.fullmatch(_TOP_K, name):
        return _BY_NAME[TOP_K_PATTERN]
    return _BY_NAME[name]


def known(name: str) -> bool:
    """Whether some report can have this metric name (a ``--fail-if`` check).

    >>> known("top_5_accuracy"), known("top_0_accuracy"), known("f1_macro")
    (True, False, True)
    """
    try:
        info(name)
    except KeyError:
        return False
    return True


def all_names() -> list[str]:
    """Every metric name, of every task and option.

    >>> len(all_names()) == len(METRICS)
    True
    """
    return list(_BY_NAME)


def names(
    task: str,
    *,
    top_k: bool | Sequence[int] = False,
    beta: bool = False,
    max_fpr: bool = False,
    nll: bool = False,
    dense: bool = False,
) -> list[str]:
    """The metric names a report of ``task`` has (with ``--top-k``, ``--beta``, ``--max-fpr``,
    with ``ce`` or ``nll`` among the losses, on dense arrays).

    ``top_k``: True (one k: ``top_k_accuracy``) or the ks (several: ``top_<k>_accuracy``
    each).

    >>> names("regression")[:5]
    ['mse', 'rmse', 'mae', 'r2', 'r2_variance_weighted']
    >>> names("multiclass", nll=True, dense=True)[-5:]
    ['perplexity', 'miou', 'mdice', 'miou_samplewise', 'dice_samplewise']
    >>> [n for n in names("multiclass", top_k=[1, 5]) if n.startswith("top")]
    ['top_1_accuracy', 'top_5_accuracy']
    """
    ks = [] if isinstance(top_k, bool) else list(top_k)
    on = {"always"}
    if top_k is True or len(ks) == 1:
        on.add("--top-k")
    if len(ks) > 1:
        on.add("--top-k K1,K2")
    if beta:
        on.add("--beta")
    if max_fpr:
        on.add("--max-fpr")
    on |= {*(["ce or nll"] if nll else []), *(["dense arrays"] if dense else [])}
    out: list[str] = []
    for m in METRICS:
        if task in m.tasks and m.when in on:
            out += [f"top_{k}_accuracy" for k in ks] if m.name == TOP_K_PATTERN else [m.name]
    return out


def lower_is_better(name: str) -> bool:
    """Whether a smaller value of this metric is better (False for a name not in the catalog).

    >>> lower_is_better("brier"), lower_is_better("f1_macro")
    (True, False)
    """
    return known(name) and not info(name).higher_is_better


def headline() -> list[str]:
    """The headline metrics (shown per slice), in catalog order.

    >>> headline()[:3]
    ['accuracy', 'f1', 'f1_macro']
    """
    return [m.name for m in METRICS if m.headline]


def loss_key(name: str) -> str:
    """The key of a loss in the dicts that hold losses and metrics together (the bootstrap's
    ``ci.intervals``, its replicates, ``compare``'s rows): ``losses.NAME`` when a metric has
    the same name (the ``jaccard`` loss and metric, regression's ``mse``), else ``NAME``.

    >>> loss_key("ce"), loss_key("jaccard")
    ('ce', 'losses.jaccard')
    """
    return f"losses.{name}" if name in _BY_NAME else name


def close_matches(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The candidates closest to a misspelt name (``difflib``, similarity >= 0.6).

    >>> close_matches("f2_macro", all_names())
    ['f1_macro', 'f1_micro', 'fbeta_macro']
    """
    import difflib  # only a misspelt name needs it

    return difflib.get_close_matches(name, candidates, n=n, cutoff=0.6)
