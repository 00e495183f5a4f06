"""Metrics core (numpy only): mergeable accumulators with scikit-learn parity.

- :class:`ClassificationAccumulator` (binary, multi-class, multi-label) and
  :class:`RegressionAccumulator`: ``update(chunk)``, ``merge(other)``, ``result()``.
- :class:`MetricsResult`: flat metric names of docs/CONTRACTS.md, per-class rows, confusion counts,
  warnings.
- Curves and ranking metrics from scores: :func:`roc_curve`, :func:`precision_recall_curve`,
  :func:`roc_auc`, :func:`average_precision`, and both numbers from one sort: :func:`auc_ap`.
- Confusion counts by a single ``np.bincount``: :func:`confusion_matrix`,
  :func:`multilabel_confusion_matrix`.

>>> from losscli.metrics import ClassificationAccumulator
>>> acc = ClassificationAccumulator("multiclass", 3, class_names=["cat", "dog", "bird"])
>>> acc.update(np.array([0, 1, 2]), np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.5, 0.2, 0.3]]))
>>> acc.result().metrics["accuracy"]
0.6666666666666666
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (doctest namespace)

from losscli.lazy import lazy_exports

# each name from its module on first use: a binary run does not import the regression
# accumulator, nor the gates' catalog the whole core (issue #20, start-up)
__getattr__ = lazy_exports(
    __name__,
    {
        "TASKS": "losscli.metrics.accumulator",
        "ClassificationAccumulator": "losscli.metrics.accumulator",
        "calibration_bin_sums": "losscli.metrics.calibration",
        "ece_bin_edges": "losscli.metrics.calibration",
        "confusion_matrix": "losscli.metrics.confusion",
        "multilabel_confusion_matrix": "losscli.metrics.confusion",
        "predict_binary": "losscli.metrics.confusion",
        "predict_multiclass": "losscli.metrics.confusion",
        "predict_multilabel": "losscli.metrics.confusion",
        "auc_ap": "losscli.metrics.ranking",
        "average_precision": "losscli.metrics.ranking",
        "precision_recall_curve": "losscli.metrics.ranking",
        "roc_auc": "losscli.metrics.ranking",
        "roc_curve": "losscli.metrics.ranking",
        "RegressionAccumulator": "losscli.metrics.regression",
        "MetricsResult": "losscli.metrics.result",
    },
)

__all__ = [
    "TASKS",
    "ClassificationAccumulator",
    "RegressionAccumulator",
    "MetricsResult",
    "roc_curve",
    "precision_recall_curve",
    "roc_auc",
    "average_precision",
    "auc_ap",
    "confusion_matrix",
    "multilabel_confusion_matrix",
    "predict_binary",
    "predict_multiclass",
    "predict_multilabel",
    "calibration_bin_sums",
    "ece_bin_edges",
]
