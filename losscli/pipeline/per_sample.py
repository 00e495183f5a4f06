"""``--per-sample``: one output row per input row, with its label, prediction and losses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from losscli.pipeline.plan import Plan


def per_sample_rows(
    plan: Plan,
    rows: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    per: dict[str, np.ndarray],
    *,
    ids: np.ndarray | None,
    id_col: str | None,
    start: int,
    threshold: float | np.ndarray,
    threshold_on: str,
    ignore_index: Any = None,
) -> dict[str, np.ndarray]:
    """The per-sample columns of one chunk's usable rows.

    Args:
        plan: the run's plan (task, classes, label encoding).
        rows: (n,) positions of the usable rows in the chunk.
        y_true: the encoded labels, (n,) or (n, k).
        y_pred: the scores as the task takes them, (n,) or (n, k).
        per: loss name -> (n,) per-sample values (NaN where a row has none), and under
            ``"_probs"`` the probabilities (classification); ``"_probs"`` is taken out.
        ids: (n,) the rows' ids, or None (then a 1-based ``row`` number is written).
        id_col: the id column's name (the output column of ``ids``).
        start: the chunk's first row in the file (0-based).
        threshold: the decision threshold, one or one per multi-label label.
        threshold_on: ``"probs"`` or ``"scores"``: what ``threshold`` compares.
        ignore_index: the ``--ignore-index`` label (multi-class), shown as ``(ignored)``.

    Returns:
        Column name -> (n,) values: ``id``/``row``, ``label``, ``prediction``, ``prob``
        (binary, multi-class), then one column per loss.

    >>> plan = Plan("binary", "probs", "index", ["0", "1"])
    >>> out = per_sample_rows(plan, np.array([0, 1]), np.array([0.0, 1.0]), np.array([0.2, 0.9]),
    ...     {"_probs": np.array([0.2, 0.9])}, ids=None, id_col=None, start=0, threshold=0.5,
    ...     threshold_on="probs")
    >>> {k: v.tolist() for k, v in out.items()}
    {'row': [1, 2], 'label': [0, 1], 'prob': [0.2, 0.9], 'prediction': [0, 1]}
    """
    out: dict[str, np.ndarray] = {}
    if ids is not None:
        out[id_col or "id"] = ids
    else:
        out["row"] = (start + rows + 1).astype(np.int64)
    classes = np.array(plan.classes, dtype=object)
    probs = per.pop("_probs", None)
    # the decision rule's input: the probability, or the score itself (a logit, ...)
    decide = y_pred if threshold_on == "scores" else probs
    if plan.task == "binary":
        named = plan.label_encoding in ("name", "pos-label")
        # the label values as the file writes them: 0/1, or -1/+1
        values = np.array([-1, 1] if plan.label_encoding == "pm1" else [0, 1], dtype=np.int64)
        if plan.label_encoding == "soft":  # the target as given: a probability
            out["label"] = y_true
        else:
            out["label"] = (classes if named else values)[y_true.astype(np.int64)]
        out["prob"] = probs
        out["prediction"] = (classes if named else values)[(decide > threshold).astype(np.int64)]
    elif plan.task == "multiclass":
        hard = np.argmax(y_true, axis=1) if y_true.ndim == 2 else y_true
        names = classes[np.clip(hard, 0, len(classes) - 1)]
        out["label"] = np.where(hard == ignore_index, "(ignored)", names)
        pred = np.argmax(y_pred, axis=1)  # the scores' argmax, as the metrics take it
        out["prediction"] = classes[pred]
        out["prob"] = probs[np.arange(len(pred)), pred]
    elif plan.task == "multilabel":
        hits = decide > threshold
        out["label"] = join_names(y_true > 0.5, plan.classes)
        out["prediction"] = join_names(hits, plan.classes)
    else:
        if y_true.ndim == 1:
            out["label"], out["prediction"] = y_true, y_pred
        else:
            for j, c in enumerate(plan.classes):
                out[f"label_{c}"], out[f"prediction_{c}"] = y_true[:, j], y_pred[:, j]
    for name, values in per.items():
        out[name] = values
    return out


def join_names(mask: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The names of each row's true entries, joined by ``|`` (multi-label labels).

    >>> join_names(np.array([[True, False, True], [False, False, False]]), ["a", "b", "c"])
    array(['a|c', ''], dtype=object)
    """
    out = np.empty(mask.shape[0], dtype=object)
    for i, row in enumerate(mask):
        out[i] = "|".join(n for n, m in zip(names, row) if m)
    return out
