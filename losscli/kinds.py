"""The tasks and score kinds, declared once (this module imports nothing).

The CLI's ``--task`` / ``--scores`` choices, the loss registry, the metrics' tasks and
ranking keys, and the pipeline's checks all read them here.

>>> TASKS
('binary', 'multiclass', 'multilabel', 'regression')
>>> CLASSIFICATION_TASKS, SCORE_KINDS
(('binary', 'multiclass', 'multilabel'), ('logits', 'probs', 'log-probs'))
"""

from __future__ import annotations

TASKS = ("binary", "multiclass", "multilabel", "regression")
"""Every task, in the order messages and the loss table list them."""

CLASSIFICATION_TASKS = tuple(t for t in TASKS if t != "regression")
"""The tasks with classes (a metrics classification accumulator's tasks)."""

SCORE_KINDS = ("logits", "probs", "log-probs")
"""What classification predictions are: ``--scores``, a loss's accepted kinds, and the
ranking key of the metrics (ranking ``logits``, ``probs`` or ``log-probs``)."""

REGRESSION_SCORES = "values"
"""The score kind of regression predictions (no choice: they are values)."""
