"""The shared reduction of every loss: ``compute`` (per-sample losses and additive sums of
one chunk, a :class:`LossChunk`), ``finalize`` (sums -> the dataset value, torch's
``reduction='mean'``) and ``value`` (both at once). Which reduction a loss takes is its
``REGISTRY`` row (:mod:`losscli.losses.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.kinds import TASKS
from losscli.losses import binary, multiclass
from losscli.losses.params import validate_params
from losscli.losses.registry import LossSpec, get_spec
from losscli.records import record

__all__ = ["LossChunk", "compute", "finalize", "value"]


@record
class LossChunk:
    """Per-sample losses of one chunk, shape (N,), and its additive sums, shape (k,).

    ``rows`` (N, k) holds each row's (weighted) contribution to the sums, so ``sums ==
    rows.sum(axis=0)``; any re-weighting of the rows (a bootstrap resample, a slice) gives its
    sums as ``counts @ rows`` without recomputing the loss.
    """

    per_sample: np.ndarray
    sums: np.ndarray
    rows: np.ndarray | None = None

    def merge(self, other: LossChunk) -> LossChunk:
        """Concatenate the per-sample values and add the sums of two chunks.

        >>> a = LossChunk(np.array([1.0]), np.array([1.0, 1.0]))
        >>> a.merge(a).sums
        array([2., 2.])
        """
        return LossChunk(
            np.concatenate([self.per_sample, other.per_sample]), self.sums + other.sums
        )


def _check_task(spec: LossSpec, task: str, scores: str) -> None:
    if task not in TASKS:
        raise UsageError(f"--task must be one of {', '.join(TASKS)}, got {task!r}")
    if task not in spec.tasks:
        raise UsageError(
            f"loss {spec.name!r} needs --task {' or '.join(spec.tasks)}; the task is {task}"
        )
    allowed = spec.scores[task]
    if scores not in allowed:
        raise UsageError(
            f"loss {spec.name!r} takes --scores {' or '.join(allowed)} for --task {task}; "
            f"the scores are {scores!r}"
        )


def _sample_weight(sample_weight: np.ndarray, n: int) -> np.ndarray:
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.shape != (n,):
        raise InputError(f"sample weights have shape {sw.shape}; expected one per row ({n},)")
    bad = ~(np.isfinite(sw) & (sw >= 0))
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"sample weight at row {row} is {float(sw[row])!r}; weights must be finite and >= 0"
        )
    return sw


def compute(
    name: str,
    task: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    scores: str,
    sample_weight: np.ndarray | None = None,
    params: Mapping[str, Any] | None = None,
) -> LossChunk:
    """Per-sample losses and additive sums of one chunk of rows.

    Formula: "mean" losses ``sums = [sum(sw*l_n), sum(sw*d_n)]`` (``d_n = w[y_n]`` for
    class-weighted ce/nll/focal, 0 for ignored rows, else 1); dice/jaccard
    ``sums = [sum sw*I_n, sum sw*P_n, sum sw*Y_n, sum sw*n_n, sum n_n]``.

    Args:
        name: loss name or alias.
        task: "binary", "multiclass", "multilabel" or "regression".
        y_true: labels, (N,) or (N, C|L|K) as the task needs.
        y_pred: scores, (N,) or (N, C|L|K).
        scores: "logits", "probs", "log-probs" or "values" (regression).
        sample_weight: optional (N,) non-negative weights.
        params: loss parameters (validated and completed with defaults here).

    Returns:
        :class:`LossChunk` with per_sample (N,) and sums (k,).

    Raises:
        UsageError: the loss does not fit the task or score kind, or a bad parameter.
        InputError: shapes or labels do not fit.

    >>> c = compute("bce", "binary", np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.4]),
    ...             scores="probs")
    >>> c.sums, finalize("bce", "binary", c.sums)  # torch BCELoss: 0.375671
    (array([1.12701176, 3.        ]), 0.375671)
    """
    spec = get_spec(name)
    _check_task(spec, task, scores)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_pred.ndim == 0:
        raise InputError(f"loss {spec.name!r}: predictions must have one row per sample")
    n_classes = (
        y_pred.shape[1] if task in ("multiclass", "multilabel") and y_pred.ndim == 2 else None
    )
    if task in ("multiclass", "multilabel") and y_pred.ndim != 2:
        raise InputError(
            f"loss {spec.name!r}: --task {task} needs predictions of shape (N, C), "
            f"got {y_pred.shape}"
        )
    if task == "binary" and y_pred.ndim != 1:
        raise InputError(
            f"loss {spec.name!r}: --task binary needs one score per row, got shape {y_pred.shape}"
        )
    p = validate_params(params, task=task, n_classes=n_classes)
    kwargs = {k: p[k] for k in spec.params_for(task)}
    sw = None if sample_weight is None else _sample_weight(sample_weight, y_pred.shape[0])
    red = spec.reduction[task]
    if red in ("dice", "jaccard"):
        stats = binary.overlap_stats(y_true, y_pred, scores=scores)
        from_stats = binary.dice_from_stats if red == "dice" else binary.jaccard_from_stats
        per_sample = from_stats(stats[:, 0], stats[:, 1], stats[:, 2], p["dice_smooth"])
    else:
        per_sample = spec.functions[task](y_true, y_pred, scores=scores, **kwargs)
        if red == "weighted_mean":
            d = multiclass.weighted_denominator(
                y_true, y_pred, class_weights=p["class_weights"], ignore_index=p["ignore_index"]
            )
        elif task == "multiclass" and np.ndim(y_true) == 1:
            d = (np.asarray(y_true) != p["ignore_index"]).astype(np.float64)
        else:
            d = np.ones(y_pred.shape[0])
        first = per_sample**2 if red == "rmse" else per_sample
        stats = np.stack([first, d], axis=1)
    if sw is None:  # unit weights: 1 * x is x, bit for bit (no column of ones, no product)
        rows = stats
    else:
        with np.errstate(invalid="ignore"):
            rows = sw[:, None] * stats
    if red in ("dice", "jaccard"):  # and the unweighted element count: the smoothing's unit
        rows = np.concatenate([rows, stats[:, 3:4]], axis=1)
    return LossChunk(per_sample=per_sample, sums=rows.sum(axis=0), rows=rows)


def finalize(
    name: str, task: str, sums: np.ndarray, params: Mapping[str, Any] | None = None
) -> float:
    """The dataset value from the (summed) sums of :func:`compute`.

    Formula: mean types ``sums[0] / sums[1]``; rmse ``sqrt(sums[0] / sums[1])``; dice/jaccard
    the overlap formula on the summed ``I, P, Y``. ``nan`` when the denominator is 0 (no rows).

    Args:
        name: loss name or alias.
        task: the task the sums were computed for.
        sums: (k,) sums, e.g. the sum over chunks.
        params: loss parameters (``dice_smooth`` is read for dice/jaccard).

    Returns:
        the value as a float (torch's reduction='mean' on the whole data).

    >>> finalize("mse", "regression", np.array([3.0, 0.0]))
    nan
    """
    spec = get_spec(name)
    if task not in spec.tasks:
        raise UsageError(
            f"loss {spec.name!r} needs --task {' or '.join(spec.tasks)}; the task is {task}"
        )
    sums = np.asarray(sums, dtype=np.float64)
    red = spec.reduction[task]
    if red in ("dice", "jaccard"):
        if sums[3] == 0:
            return float("nan")
        smooth = validate_params(params)["dice_smooth"]
        fn = binary.dice_from_stats if red == "dice" else binary.jaccard_from_stats
        # weighted sums in units of the mean weight (sums[4] / sums[3] = n / sum(w); exactly
        # 1 unweighted): the smoothing adds to counts, so equal weights give the plain value
        unit = sums[4] / sums[3] if sums.size > 4 else 1.0
        return float(fn(sums[0] * unit, sums[1] * unit, sums[2] * unit, smooth))
    if sums[1] == 0:
        return float("nan")
    mean = sums[0] / sums[1]
    return float(np.sqrt(mean) if red == "rmse" else mean)


def value(
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    task: str,
    scores: str,
    sample_weight: np.ndarray | None = None,
    **params: Any,
) -> float:
    """The dataset value of a loss in one call (``compute`` then ``finalize``).

    Args:
        name: loss name or alias.
        y_true: labels.
        y_pred: scores.
        task: "binary", "multiclass", "multilabel" or "regression".
        scores: "logits", "probs", "log-probs" or "values".
        sample_weight: optional (N,) weights.
        **params: loss parameters by python name (e.g. ``label_smoothing=0.1``).

    Returns:
        the mean loss as a float.

    >>> value("ce", np.array([0]), np.array([[2.0, 1.0, 0.1]]), task="multiclass",
    ...       scores="logits")  # torch CrossEntropyLoss: 0.417030
    0.417030
    """
    chunk = compute(
        name, task, y_true, y_pred, scores=scores, sample_weight=sample_weight, params=params
    )
    return finalize(name, task, chunk.sums, params)
