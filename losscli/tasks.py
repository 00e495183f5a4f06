"""Task and score-kind inference and label encoding: the names as they were importable here.

The code lives in the pipeline's stages: the kinds in :mod:`losscli.kinds`, the inference
rules in :mod:`losscli.pipeline.infer`, the :class:`Plan` and its decision in
:mod:`losscli.pipeline.plan`, the label and score encoding in :mod:`losscli.pipeline.encode`.
"""

from __future__ import annotations

from losscli.kinds import SCORE_KINDS, TASKS
from losscli.pipeline.encode import (
    Renormalised,
    binary_scores_from_two,
    check_scores,
    encode_numeric_labels,
    encode_text_labels,
    normalise_probs,
)
from losscli.pipeline.infer import (
    PROB_SUM_TOL,
    Where,
    binary_labels,
    first_bad,
    infer_scores,
    infer_task,
    name_values,
    numeric_class_reading,
    row_sums,
)
from losscli.pipeline.plan import Plan

__all__ = [
    "PROB_SUM_TOL",
    "SCORE_KINDS",
    "TASKS",
    "Plan",
    "Renormalised",
    "Where",
    "binary_labels",
    "binary_scores_from_two",
    "check_scores",
    "encode_numeric_labels",
    "encode_text_labels",
    "first_bad",
    "infer_scores",
    "infer_task",
    "name_values",
    "normalise_probs",
    "numeric_class_reading",
    "row_sums",
]
