"""Label and score encoding over values: the canonical arrays the loss and metric cores take.

============  =================================  ==========================================
task          y_true                             y_pred
============  =================================  ==========================================
binary        float64 (N,) in {0, 1}             float64 (N,) score of the positive class
multiclass    int64 (N,) class index, or          float64 (N, C)
              float64 (N, C) soft targets
multilabel    float64 (N, L) in {0, 1}           float64 (N, L)
regression    float64 (N,) or (N, K)             float64 (N,) or (N, K)
============  =================================  ==========================================

Every row is checked against the :class:`~losscli.pipeline.plan.Plan` decided from the first
rows: data that contradicts it is an error naming the flag that settles it, never a silent
switch. Numbers only (numpy); no click, rich or pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.pipeline.infer import (
    PROB_SUM_TOL,
    Where,
    first_bad,
    row_sums,
    show_sum,
    sum_is_off,
)
from losscli.pipeline.infer import (
    show_number as num,
)
from losscli.pipeline.names import class_numbers

if TYPE_CHECKING:  # an annotation only: the plan module encodes its sample with task_preds
    from losscli.pipeline.plan import Plan

__all__ = [
    "PROB_SUM_TOL",
    "Renormalised",
    "binary_scores_from_two",
    "check_scores",
    "encode_numeric_labels",
    "encode_text_labels",
    "normalise_probs",
    "row_sums",
    "task_preds",
]


def check_scores(preds: np.ndarray, scores: str, where: Where, *, decided: bool) -> None:
    """Check that prediction values fit the score kind; raise InputError naming the row.

    ``decided`` says the kind came from ``--scores auto``, so the message names the flag.
    """
    how = "--scores auto decided" if decided else "--scores is"
    if scores == "probs":
        bad = (preds < 0) | (preds > 1)
        if bad.any():
            i = first_bad(bad)
            v = preds[i][bad[i]][0] if preds.ndim == 2 else preds[i]
            raise InputError(
                f"{where(i)}: prediction {num(v)} is outside [0, 1] but {how} 'probs'; "
                "pass --scores logits if these are raw model outputs"
            )
    elif scores == "log-probs":
        bad = preds > 0
        if bad.any():
            i = first_bad(bad)
            v = preds[i][bad[i]][0] if preds.ndim == 2 else preds[i]
            raise InputError(
                f"{where(i)}: prediction {num(v)} is > 0 but {how} 'log-probs'; "
                "pass --scores logits if these are raw model outputs"
            )


class Renormalised(NamedTuple):
    """What :func:`normalise_probs` did: the rows, how many it changed, and the worst one."""

    rows: np.ndarray  # the rows, off ones renormalised (the input itself when none is off)
    n_off: int  # rows whose sum was off by more than PROB_SUM_TOL
    max_dev: float  # the largest |sum - 1| of those rows (0 when none)
    worst: int  # index of that row (-1 when none), the first one on ties
    worst_sum: float  # its sum (of exp(row) for log-probabilities)


def normalise_probs(preds: np.ndarray, *, log: bool = False) -> Renormalised:
    """Renormalise multi-class probability rows that do not sum to 1 (beyond a tolerance).

    One rule for probabilities and log-probabilities (``log=True``): a row is off when
    ``|sum_c p_c - 1| > PROB_SUM_TOL`` with ``p = exp(l)`` for log-probabilities; an off row
    becomes ``p / sum_c p_c``, or ``log_softmax(l) = l - logsumexp(l)``. Rows within the
    tolerance are kept as given.

    Args:
        preds: float64 (N, C) probabilities, or log-probabilities with ``log=True``.
        log: the rows are log-probabilities.

    Returns:
        a :class:`Renormalised` (rows, n_off, max_dev, worst, worst_sum).

    >>> r = normalise_probs(np.array([[0.5, 0.3], [0.4, 0.6]]))
    >>> r.n_off, round(r.max_dev, 3), r.worst, r.rows[0].tolist()
    (1, 0.2, 0, [0.625, 0.375])
    >>> r = normalise_probs(np.log(np.array([[0.4, 0.6], [0.5, 0.3]])), log=True)
    >>> r.n_off, r.worst, round(r.worst_sum, 12), np.exp(r.rows[1]).round(12).tolist()
    (1, 1, 0.8, [0.625, 0.375])
    """
    sums = row_sums(preds, log=log)
    dev = np.abs(sums - 1.0)
    off = sum_is_off(sums)
    n_off = int(off.sum())
    if n_off == 0:
        return Renormalised(preds, 0, 0.0, -1, 1.0)
    if not log and np.any(sums[off] <= 0):
        i = int(np.flatnonzero(off & (sums <= 0))[0])
        raise InputError(f"row {i + 1}: probabilities sum to 0 and cannot be renormalised")
    out = preds.copy()
    if log:
        from losscli.activations import log_softmax

        out[off] = log_softmax(preds[off])
    else:
        from losscli.activations import untie_top

        given = preds[off]
        scaled = given / sums[off, None]
        untie_top(scaled, given)  # the argmax of the rows as given (ties: as given)
        out[off] = scaled
    worst = int(np.argmax(dev))
    return Renormalised(out, n_off, float(dev[worst]), worst, float(sums[worst]))


def encode_text_labels(
    values: np.ndarray,
    classes: Sequence[str],
    where: Where,
    *,
    positive: str | None = None,
    negative: str | None = None,
) -> np.ndarray:
    """Map class-name labels to class indices (or 0/1 for binary with a ``positive`` name).

    Binary: a label equal to ``positive`` is 1, one equal to ``negative`` is 0, any other is
    an error; with ``negative`` None (the first chunk held only the positive class) every
    other label is 0.

    >>> encode_text_labels(np.array(["b", "a"], dtype=object), ["a", "b"], str).tolist()
    [1, 0]
    >>> encode_text_labels(np.array(["no", "yes"], dtype=object), ["no", "yes"], str,
    ...                    positive="yes", negative="no").tolist()
    [0.0, 1.0]
    """
    lookup = {name: i for i, name in enumerate(classes)}
    if positive is not None:
        out = np.array([v == positive for v in values], dtype=np.float64)
        if negative is not None:
            bad = (out == 0) & np.array([v != negative for v in values], dtype=bool)
            if bad.any():
                i = first_bad(bad)
                raise InputError(
                    f"{where(i)}: label {values[i]!r} is neither {negative!r} nor {positive!r}, "
                    "the two classes of the binary labels"
                )
        return out
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        j = lookup.get(v if v is None else str(v))
        if j is None:
            shown = ", ".join(repr(c) for c in list(classes)[:10])
            more = ", …" if len(classes) > 10 else ""
            raise InputError(
                f"{where(i)}: label {v!r} is not a known class; the classes (prediction columns) "
                f"are {shown}{more}"
            )
        out[i] = j
    return out


def metric_labels(plan: Plan, y_true: np.ndarray) -> np.ndarray:
    """The hard labels the metrics count, from the losses' ``y_true``.

    Multi-class soft or one-hot rows: the argmax (ties to the lowest class). Binary and
    multi-label soft targets: ``t > 0.5`` (the argmax of ``(1 - t, t)``, so 0.5 is negative).
    Otherwise ``y_true`` itself.

    >>> from losscli.pipeline.plan import Plan
    >>> metric_labels(Plan("multilabel", "probs", "soft"), np.array([[0.7, 0.5]])).tolist()
    [[1.0, 0.0]]
    """
    if plan.task == "multiclass" and y_true.ndim == 2:
        return np.argmax(y_true, axis=1)
    if plan.label_encoding == "soft" and plan.task in ("binary", "multilabel"):
        return (y_true > 0.5).astype(np.float64)
    return y_true


def encode_numeric_labels(
    plan: Plan, labels: np.ndarray, where: Where, *, ignore_index: int | None = None
) -> np.ndarray:
    """Turn numeric label columns (n, Lc) into the canonical y_true of ``plan.task``.

    Multi-class index labels equal to ``ignore_index`` are kept (the losses skip them, as
    torch does; the caller leaves them out of the metrics).
    """
    task, enc = plan.task, plan.label_encoding
    if task == "regression":
        return labels[:, 0].copy() if labels.shape[1] == 1 else labels
    if enc == "soft" and task in ("binary", "multilabel"):
        out = labels[:, 0] if task == "binary" else labels
        bad = (out < 0) | (out > 1)
        if bad.any():
            i = first_bad(bad)
            raise InputError(
                f"{where(i)}: target {num(out[np.unravel_index(np.argmax(bad), out.shape)])} is "
                "outside [0, 1]; soft targets are probabilities"
            )
        return out.astype(np.float64, copy=False)
    if task == "binary":
        y = labels[:, 0]
        if enc == "pm1":
            bad = ~np.isin(y, (-1.0, 1.0))
            if bad.any():
                i = first_bad(bad)
                raise InputError(f"{where(i)}: label {num(y[i])} is not -1 or +1")
            return (y > 0).astype(np.float64)
        if enc == "pos-label":
            assert plan.label_values is not None
            neg, pos = plan.label_values
            if neg is not None:
                bad = (y != pos) & (y != neg)
                if bad.any():
                    i = first_bad(bad)
                    raise InputError(
                        f"{where(i)}: label {num(y[i])} is neither {num(neg)} nor {num(pos)}, "
                        "the two values of the binary labels"
                    )
            return (y == pos).astype(np.float64)
        bad = (y != 0) & (y != 1)
        if bad.any():
            i = first_bad(bad)
            raise InputError(
                f"{where(i)}: label {num(y[i])} is not 0 or 1, but the labels losscli decided from "
                "(the first rows) are 0/1; pass --pos-label (the positive label) if the labels "
                "take two other values, or --task to change the task"
            )
        return y.astype(np.float64, copy=False)
    if task == "multiclass":
        n_classes = plan.n_outputs
        if enc == "name":  # whole-number labels naming the prediction columns
            y = labels[:, 0]
            values = class_numbers(plan.classes)
            order = np.argsort(values)  # NaN (names that are not numbers) sort last
            pos = np.minimum(np.searchsorted(values[order], y), len(order) - 1)
            found = values[order][pos] == y
            keep = np.zeros(y.shape, bool) if ignore_index is None else y == ignore_index
            if not (found | keep).all():
                i = first_bad(~(found | keep))
                shown = ", ".join(repr(c) for c in list(plan.classes)[:10])
                raise InputError(
                    f"{where(i)}: label {num(y[i])} is not the name of a prediction column; they "
                    f"are {shown} (--labels-are index reads labels as 0-based indices)"
                )
            out = order[pos].astype(np.int64)
            if plan.readings_agree:
                differ = found & ~keep & (y >= 0) & (y < n_classes) & (out != y)
                if differ.any():
                    i = first_bad(differ)
                    raise UsageError(
                        f"{where(i)}: label {num(y[i])} is column {plan.classes[out[i]]!r} by name "
                        f"but column {plan.classes[int(y[i])]!r} as a 0-based index (the labels "
                        "above fit both readings); pass --labels-are name or --labels-are index"
                    )
            if ignore_index is not None:
                out[keep] = ignore_index
            return out
        if enc == "index":
            y = labels[:, 0]
            bad = (y != np.round(y)) | (y < 0) | (y >= n_classes)
            if ignore_index is not None:
                bad &= y != ignore_index
            if bad.any():
                i = first_bad(bad)
                raise InputError(
                    f"{where(i)}: label {num(y[i])} is not a class index 0..{n_classes - 1} "
                    f"(there are {n_classes} prediction columns)"
                )
            return y.astype(np.int64)
        bad = (labels < 0) | (labels > 1)
        if bad.any():
            i = first_bad(bad)
            raise InputError(f"{where(i)}: target row has a value outside [0, 1]")
        sums = labels.sum(axis=1)
        bad = np.abs(sums - 1.0) > 1e-6
        if bad.any():
            i = first_bad(bad)
            raise InputError(
                f"{where(i)}: target row sums to {show_sum(sums[i])}, not 1; one-hot and soft "
                "targets must sum to 1 (pass --task multilabel for several labels per row)"
            )
        if enc == "one-hot":
            if not np.all((labels == 0) | (labels == 1)):
                i = first_bad((labels != 0) & (labels != 1))
                raise InputError(
                    f"{where(i)}: target row is not one-hot (--task auto decided one-hot labels "
                    "from the first chunk); soft targets need --task multiclass from the start"
                )
            return np.argmax(labels, axis=1).astype(np.int64)
        return labels
    # multilabel
    bad = (labels != 0) & (labels != 1)
    if bad.any():
        i = first_bad(bad)
        raise InputError(
            f"{where(i)}: multi-label target {num(labels[bad][0])} is not 0 or 1, but the targets "
            "of the first rows are all 0/1 (read as hard labels); soft targets must show among "
            "the first rows, which losscli decides the label reading from"
        )
    return labels


def binary_scores_from_two(preds: np.ndarray, scores: str) -> np.ndarray:
    """Reduce two-column binary outputs to the positive-class score.

    logits: ``z1 - z0`` (``sigmoid(z1 - z0) = softmax(z)[1]``); probs: ``p1``; log-probs:
    ``lp1``.

    >>> binary_scores_from_two(np.array([[1.0, 3.0]]), "logits").tolist()
    [2.0]
    """
    if scores == "logits":
        return preds[:, 1] - preds[:, 0]
    return preds[:, 1].copy()


def task_preds(preds: np.ndarray, task: str, scores: str | None, two: bool) -> np.ndarray:
    """The prediction columns as the task reads them: binary one column (or the positive
    class of two), single-output regression one column, else all columns.

    >>> task_preds(np.array([[0.2], [0.9]]), "binary", "probs", False).tolist()
    [0.2, 0.9]
    """
    if task == "binary":
        if two:
            return binary_scores_from_two(preds, scores or "probs") if scores else preds[:, 1]
        return preds[:, 0]
    if task == "regression" and preds.shape[1] == 1:
        return preds[:, 0]
    return preds
