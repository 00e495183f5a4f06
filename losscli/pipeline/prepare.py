"""Chunk preparation: one chunk's usable rows (after the plan is decided) encoded as the task
needs them, a :class:`Prepared`, and the checks that refuse rows the plan cannot read.

The functions take values (arrays, a :class:`~losscli.pipeline.plan.Plan`, an
:class:`~losscli.pipeline.state.EvalState` whose counters they update); the plan decision
and the dropping of invalid rows stay in :mod:`losscli.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.pipeline.columns import Columns
from losscli.pipeline.encode import (
    check_scores,
    encode_numeric_labels,
    encode_text_labels,
    normalise_probs,
    task_preds,
)
from losscli.pipeline.infer import first_bad, row_sums, sum_is_off
from losscli.pipeline.infer import show_number as num
from losscli.pipeline.options import TaskSpec
from losscli.pipeline.plan import Plan, check_pair
from losscli.pipeline.state import EvalState, show_label
from losscli.records import record


@record
class Prepared:
    """One chunk's usable rows, encoded: labels and scores as the task needs them."""

    chunk: Any
    rows: np.ndarray  # positions of the kept rows in the chunk
    ids: np.ndarray | None
    weights: np.ndarray | None
    y_true: np.ndarray
    y_pred: np.ndarray
    groups: np.ndarray | None = None  # --group-by keys (str), one per kept row


def check_inferred_rows(y_pred: np.ndarray, scores: str, where: Any) -> None:
    """Multi-class rows must fit the score kind ``--scores auto`` took from the first
    rows: probabilities that sum to 1, or log-probabilities whose exponentials do.

    >>> check_inferred_rows(np.array([[0.25, 0.75]]), "probs", str)
    """
    if scores == "probs":
        what = "probabilities sum to"
    elif scores == "log-probs":
        what = "exponentials of the log-probabilities sum to"
    else:
        return
    sums = row_sums(y_pred, log=scores == "log-probs")
    off = sum_is_off(sums)
    if off.any():
        i = first_bad(off)
        other = f"--scores {scores} to renormalise such rows"
        raise InputError(
            f"{where(i)}: the {what} {sums[i]:g}, not 1, but --scores auto decided "
            f"'{scores}' from the rows above, where every row sums to 1; pass {other}, or "
            "--scores logits if these are raw model outputs"
        )


def close_negative(state: EvalState, labels: np.ndarray, y_true: np.ndarray, where: Any) -> None:
    """Binary labels whose decision rows held only the positive class: the first other
    label is the negative class (recorded as ``state.negative_seen``), and any third label
    an error (as in one pass).

    >>> state = EvalState(loss_acc={}, metrics_acc=None)
    >>> labels = np.array(["pos", "neg"], dtype=object)
    >>> close_negative(state, labels, np.array([1, 0]), lambda i: f"row {i}")
    >>> state.negative_seen
    ('neg', 'row 1')
    """
    rows = np.flatnonzero(y_true == 0)
    if rows.size == 0:
        return
    values = labels[rows]
    if state.negative_seen is None:
        first = values[0]
        state.negative_seen = (first if isinstance(first, str) else float(first), where(rows[0]))
    neg, at = state.negative_seen
    other = np.flatnonzero(values != neg)
    if other.size:
        j = int(rows[other[0]])
        v = labels[j] if isinstance(labels[j], str) else float(labels[j])
        raise InputError(
            f"{where(j)}: label {show_label(v)} is a third class: the binary labels' "
            f"negative class is {show_label(neg)} ({at}), and there is one prediction "
            "column; fix the labels, or give one prediction column per class"
        )


def scale_weights(
    plan: Plan, weights: np.ndarray, where: Any, weight_col: str | None
) -> np.ndarray:
    """The weights times ``2**plan.weight_exp`` (exact), the exponent fixed at the first
    positive weight: multiplying every weight by a constant changes no number, and no
    sum or product of weights over- or underflows (1e-200 or 1e160 are weights like 1).

    >>> plan = Plan("regression", "values", "values")
    >>> scale_weights(plan, np.array([2.0**-700, 2.0**-699]), str, "w").tolist(), plan.weight_exp
    ([0.25, 0.5], 698)
    """
    if plan.weight_exp is None:
        top = float(weights.max()) if weights.size else 0.0
        if top == 0.0:
            return weights  # zeros stay zeros whatever the scale
        plan.weight_exp = -math.frexp(top)[1]
    with np.errstate(over="ignore"):
        out = np.ldexp(weights, plan.weight_exp)
    if not np.isfinite(out).all():
        i = first_bad(~np.isfinite(out))
        raise InputError(
            f"{where(i)}: sample weight {num(weights[i])} is more than 1e308 times the "
            "largest weight of the first chunk, beyond float64's range; rescale column "
            f"{weight_col!r}"
        )
    return out


def encode_chunk(
    chunk: Any,
    rows: np.ndarray,
    preds: np.ndarray,
    raw: np.ndarray,
    weights: np.ndarray | None,
    ids: np.ndarray | None,
    groups: np.ndarray | None,
    *,
    plan: Plan,
    state: EvalState,
    cols: Columns,
    spec: TaskSpec,
    params: dict[str, Any],
    where: Callable[[int], str],
) -> Prepared:
    """Encode one chunk's kept rows (valid, weights already scaled) for the plan's task.

    The activation is applied, scores checked (and multi-class probabilities renormalised,
    counted in ``state``), labels encoded, and an open binary negative class closed.

    Args:
        chunk: the chunk the rows come from.
        rows: (n,) positions of the kept rows in the chunk.
        preds: (n, k) prediction columns; ``raw`` the (n, m) label columns.
        raw: (n, m) label columns as read.
        weights: (n,) scaled sample weights, or None; ``ids``, ``groups`` likewise per row.
        ids: (n,) ids or None.
        groups: (n,) ``--group-by`` keys or None.
        plan: the decided plan.
        state: the run's state (its renormalisation counters and ``negative_seen``).
        cols: the column roles.
        spec: the task options (``--activation``).
        params: the checked loss parameters (``ignore_index``).
        where: a kept row's position -> how messages name it.

    Returns:
        The :class:`Prepared` chunk.
    """
    from losscli.activations import ACTIVATIONS

    if spec.activation:
        preds = ACTIVATIONS[spec.activation][0](preds)
    y_pred = task_preds(preds, plan.task, plan.scores, plan.binary_from_two_columns)
    if plan.task != "regression":
        check_scores(y_pred, plan.scores, where, decided=plan.scores_inferred)
        if plan.task == "multiclass" and plan.scores_inferred:
            check_inferred_rows(y_pred, plan.scores, where)
        if plan.binary_from_two_columns and plan.scores_inferred and plan.scores == "probs":
            check_pair(preds, where, cols.pred)
        if plan.task == "multiclass" and plan.scores in ("probs", "log-probs"):
            r = normalise_probs(y_pred, log=plan.scores == "log-probs")
            y_pred = r.rows
            state.n_renormalised += r.n_off
            if r.max_dev > state.max_prob_dev:  # ties: the earlier chunk's row
                state.max_prob_dev = r.max_dev
                state.worst_prob_row, state.worst_prob_sum = where(r.worst), r.worst_sum
    if cols.text_labels:
        pos = neg = None
        if plan.task == "binary":
            pos = plan.classes[1]
            neg = None if plan.negative_open else plan.classes[0]
        y_true = encode_text_labels(raw, plan.classes, where, positive=pos, negative=neg)
    else:
        one = ("index", "name", "binary", "pm1", "pos-label")
        if plan.task != "regression" and raw.shape[1] != (
            1 if plan.label_encoding in one or plan.task == "binary" else len(plan.classes)
        ):
            raise InputError("label columns do not match the prediction columns")
        y_true = encode_numeric_labels(plan, raw, where, ignore_index=params.get("ignore_index"))
    if plan.task == "binary" and (
        plan.negative_open or plan.label_values is not None and plan.label_values[0] is None
    ):
        close_negative(state, raw if cols.text_labels else raw[:, 0], y_true, where)
    if plan.task == "regression" and y_true.shape != y_pred.shape:
        raise InputError(
            f"regression needs as many label columns as prediction columns; got "
            f"{1 if y_true.ndim == 1 else y_true.shape[1]} and "
            f"{1 if y_pred.ndim == 1 else y_pred.shape[1]}"
        )
    return Prepared(chunk, rows, ids, weights, y_true, y_pred, groups)
