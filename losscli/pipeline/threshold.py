"""The decision threshold of a plan: ``--threshold`` (checked by
:func:`~losscli.pipeline.options.check_threshold`) turned into the numbers the task needs."""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.pipeline.options import MetricSpec, check_threshold, is_score_threshold
from losscli.pipeline.plan import Plan


def resolve_threshold(
    spec: Any, plan: Plan, option: str = "--threshold"
) -> tuple[float | np.ndarray, str]:
    """Turn ``--threshold`` (checked by :func:`check_threshold`: a number, a list per label, or
    a name->value map; or a :class:`~losscli.thresholds.ScoreThreshold` from a file) into the
    numbers the task needs, one or one per multi-label label, and the scale they are on.

    Returns ``(values, on)``: ``on`` is ``"probs"`` (positive when ``p > t``) or ``"scores"``
    (a ScoreThreshold of binary or multi-label data: positive when the score, a logit or a
    log-probability, is ``> t``).

    >>> resolve_threshold([0.2, 0.7], Plan("multilabel", "probs", "multi-hot", ["a", "b"]))
    (array([0.2, 0.7]), 'probs')
    """
    if is_score_threshold(spec):  # from a `losscli thresholds --write` file
        if plan.task == "multiclass":  # argmax decides; the value is not used
            return 0.5, "probs"
        if spec.scores != plan.scores:
            raise UsageError(
                f"--threshold {spec.source}: its thresholds are on the {spec.scores} scale "
                f"(score_threshold) but these predictions are {plan.scores}; pass --scores "
                f"{spec.scores} if that is what they are, or rerun losscli thresholds on them"
            )
        values = _threshold_values(spec.value, plan, f"--threshold {spec.source}")
        arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
        if np.any(~np.isfinite(arr)) or (spec.scores == "log-probs" and np.any(arr > 0)):
            raise UsageError(
                f"--threshold {spec.source}: score thresholds must be finite "
                + ("log-probabilities <= 0" if spec.scores == "log-probs" else "logits")
                + "; fix the file or rerun losscli thresholds --write"
            )
        return values, "scores"
    spec = check_threshold(spec, option)
    if spec is None:
        return 0.5, "probs"
    return _threshold_values(spec, plan, option), "probs"


def plan_threshold(plan: Plan, metric: MetricSpec) -> tuple[float | np.ndarray, str, list[str]]:
    """The plan's decision threshold(s) and their scale (:func:`resolve_threshold`), with
    the warning when ``--threshold`` changes nothing (multi-class, regression).

    Returns:
        ``(threshold, on, warnings)``.

    >>> plan_threshold(Plan("regression", "values", "values"), MetricSpec(threshold=0.3))
    (0.5, 'probs', ['--threshold changes nothing for regression data (no classes)'])
    """
    warnings = []
    if metric.threshold is not None and plan.task in ("multiclass", "regression"):
        why = "the prediction is the argmax" if plan.task == "multiclass" else "no classes"
        warnings.append(f"{metric.threshold_source} changes nothing for {plan.task} data ({why})")
    if plan.task == "regression":
        return 0.5, "probs", warnings
    threshold, on = resolve_threshold(metric.threshold, plan, metric.threshold_source)
    # a --top-k k at or above the class count is no error: top_<k>_accuracy is 1, with a
    # warning (scikit-learn's top_k_accuracy_score), see metrics/builder.py
    return threshold, on, warnings


def _threshold_values(spec: Any, plan: Plan, option: str) -> float | np.ndarray:
    """One threshold, or one per multi-label label, from a number, a list or a map."""
    if isinstance(spec, dict):
        if plan.task == "multilabel":
            missing = [c for c in plan.classes if c not in spec]
            if missing:
                raise UsageError(f"{option}: no threshold for label {missing[0]!r}")
            extra = [k for k in spec if k not in plan.classes]
            if extra:
                raise UsageError(
                    f"{option}: {extra[0]!r} is not a label; the labels are "
                    f"{', '.join(repr(c) for c in plan.classes[:10])}"
                )
            values = np.array([spec[c] for c in plan.classes], dtype=np.float64)
        elif len(spec) == 1:
            values = np.array([next(iter(spec.values()))], dtype=np.float64)
        else:
            raise UsageError(f"{option}: a name->threshold map fits multi-label data only")
    elif isinstance(spec, list):
        values = np.asarray(spec, dtype=np.float64)
    else:
        values = np.array([spec], dtype=np.float64)
    if values.size == 1:
        return float(values[0])
    if plan.task != "multilabel":
        raise UsageError(
            f"{option} got {values.size} values, but {plan.task} data takes one threshold"
        )
    if values.size != plan.n_outputs:
        raise UsageError(
            f"{option} got {values.size} values for {plan.n_outputs} labels; give one number, "
            "or one per label"
        )
    return values
