"""The plain arrays a finished run hands to the pictures and the text histograms.

The report (``Report.to_dict()``) has the task, the classes, the confusion matrix and the
metrics; what it does not carry (per-sample losses, the kept scores, the reliability bins, the
threshold as set) the use case passes in a :class:`RunData`. Nothing under ``losscli/render``
or ``losscli/plots.py`` sees the evaluation object.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np

from losscli.records import record

__all__ = ["RunData", "Scores"]

Scores = list[tuple[np.ndarray, np.ndarray, "np.ndarray | None"]]
"""Per class (or label): ``(y_true 0/1, score, sample_weight or None)``, each (n,)."""


@record(frozen=True)
class RunData:
    """What the pictures and text histograms draw beyond the report.

    Attributes:
        loss_values: per-sample values of each loss, ``{name: float (n,)}``, in the report's
            loss order; empty unless the run kept them (``keep_loss_values``).
        scores: the kept rows per class as probabilities (:data:`Scores`); None when the run
            keeps no scores (regression, ``--auc-bins``).
        rank_scores: the same rows on the ranking key the reported ROC AUC / AP use (logits,
            log-probabilities or probabilities); None when not given.
        calibration: the reliability bins (``lower``, ``upper``, ``weight``, ``confidence``,
            ``accuracy``), weights in units of the mean weight as in the report; None when not
            given.
        threshold: the decision threshold, one number or one per label.
        threshold_on: ``"probs"``, or ``"scores"`` when the threshold is on the scores' scale.
        rank_key: the ranking key's kind (``probs``, ``logits``, ``log-probs``).
        worst: dense arrays: the samples with the lowest IoU, the worst first, each with its
            ``sample`` index, ``score`` (IoU) and ``true`` / ``pred`` masks (``-1`` where not
            evaluated; multi-label: per kept label; volumes: a 2-D ``slice``):
            :class:`losscli.pipeline.worst.WorstSample`, as the run kept them
            (``Report.worst_samples``); empty otherwise.

    >>> d = RunData(loss_values={"bce": np.array([0.1, 0.7])})
    >>> list(d.loss_values), d.scores is None, d.threshold
    (['bce'], True, 0.5)
    """

    loss_values: dict[str, np.ndarray] = field(default_factory=dict)
    scores: Scores | None = None
    rank_scores: Scores | None = None
    calibration: list[dict[str, Any]] | None = None
    threshold: float | list[float] | np.ndarray = 0.5
    threshold_on: str = "probs"
    rank_key: str = "probs"
    worst: list[Any] = field(default_factory=list)
