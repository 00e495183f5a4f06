"""The plain result of a metrics accumulator (no rendering in it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, field
from typing import Any

from losscli.records import record

__all__ = ["MetricsResult", "ranking_off_warning"]


@record
class MetricsResult:
    """Metrics of one evaluation: flat metric values, per-class rows, confusion counts, warnings.

    Attributes:
        metrics: flat metric name (docs/CONTRACTS.md) -> value; undefined is None, never NaN.
        per_class: one dict per class (binary: both classes; multi-label: one per label) with
            ``class``, ``precision``, ``recall``, ``f1`` (``fbeta`` when beta != 1),
            ``support``, ``specificity``, ``roc_auc``, ``average_precision``.
        confusion_matrix: rows true, columns predicted (ints unweighted, floats weighted);
            multi-label: per label ``[[tn, fp], [fn, tp]]``; regression: empty.
        warnings: one sentence each, naming the classes affected.
        ece_bins: number of equal-width calibration bins used for ``ece``.
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression``.
        n_samples: number of rows seen.
        total_weight: sum of sample weights (``n_samples`` when unweighted).
        n_auc_excluded: classes left out of ``roc_auc_macro`` (undefined AUC).
        n_ap_excluded: classes left out of ``average_precision_macro``.
        calibration: the ECE bins, each ``{lower, upper, weight, confidence, accuracy}``
            (a reliability diagram's data).
        per_output: regression only: one dict per output with the fields of
            :data:`losscli.metrics.catalog.PER_OUTPUT_FIELDS`.
        auc_bins: the number of bins when ROC AUC and AP were binned, else None.
        ranking_error_bound: binned only: the largest possible difference between each
            reported ranking metric (``roc_auc`` / ``average_precision`` or their ``_macro``)
            and its exact value, e.g. ``{"roc_auc": 0.0004, "average_precision": 0.001}``.

    >>> r = MetricsResult(metrics={"accuracy": 0.5})
    >>> r.to_dict()["metrics"]
    {'accuracy': 0.5}
    """

    metrics: dict[str, float | None]
    per_class: list[dict[str, Any]] = field(default_factory=list)
    confusion_matrix: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ece_bins: int = 15
    task: str = ""
    n_samples: int = 0
    total_weight: float = 0.0
    n_auc_excluded: int = 0
    n_ap_excluded: int = 0
    calibration: list[dict[str, float | None]] = field(default_factory=list)
    per_output: list[dict[str, float | None]] = field(default_factory=list)
    auc_bins: int | None = None
    ranking_error_bound: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field (values are already None, never NaN).

        >>> MetricsResult(metrics={}).to_dict()["ece_bins"]
        15
        """
        return asdict(self)

    def named_outputs(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """The ``per_output`` rows, each led by ``output``: its name (the label column's).

        Names that do not match the outputs one to one are replaced by ``0..K-1``.

        >>> m = MetricsResult(metrics={}, per_output=[{"mse": 1.0}, {"mse": 2.0}])
        >>> m.named_outputs(["a", "b"])
        [{'output': 'a', 'mse': 1.0}, {'output': 'b', 'mse': 2.0}]
        """
        rows = self.per_output
        labels = list(names) if len(names) == len(rows) else [str(i) for i in range(len(rows))]
        return [{"output": str(name), **row} for name, row in zip(labels, rows)]


def ranking_off_warning(task: str) -> str:
    """The warning of a result without ranking (``keep_scores=False``, no ``auc_bins``).

    >>> ranking_off_warning("binary")
    'roc_auc and average_precision were not computed (scores not kept: keep_scores=False).'
    """
    auc_name = "roc_auc" if task == "binary" else "roc_auc_macro"
    ap_name = "average_precision" if task == "binary" else "average_precision_macro"
    return f"{auc_name} and {ap_name} were not computed (scores not kept: keep_scores=False)."
