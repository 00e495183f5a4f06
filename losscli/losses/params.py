"""The tunable loss parameters: one ``Param`` per CLI option, and their validation.

``PARAMS`` is the single description of every parameter (python name, CLI option, default,
kind, range, help). ``validate_params`` fills defaults, coerces types and checks ranges; its
errors are one-line ``UsageError`` messages that name the CLI option, e.g.
``--label-smoothing must be in [0, 1], got 1.5``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.records import record

__all__ = ["PARAMS", "Param", "validate_params"]

_INF = math.inf


@record(frozen=True)
class Param:
    """One tunable loss parameter.

    ``kind`` is "float", "int" or "floats" (a per-class / per-label list; ``pos_weight`` also
    accepts a single number). The valid range is ``low .. high`` with the inclusive flags;
    ``choices`` (when set) lists the only allowed values. ``None`` as default means "off".
    """

    name: str
    option: str
    default: Any
    kind: str
    low: float = -_INF
    high: float = _INF
    low_inclusive: bool = True
    high_inclusive: bool = True
    help: str = ""
    choices: tuple[Any, ...] | None = None

    def range_text(self) -> str:
        """The valid range as text, e.g. ``[0, 1]`` or ``> 0``.

        >>> PARAMS["label_smoothing"].range_text()
        '[0, 1]'
        >>> PARAMS["margin"].range_text()
        '> 0'
        """
        if self.choices is not None:
            return "one of " + ", ".join(str(c) for c in self.choices)
        lo, hi = self.low, self.high
        if lo == -_INF and hi == _INF:
            return "any number"
        if hi == _INF:
            return (">= " if self.low_inclusive else "> ") + _num(lo)
        if lo == -_INF:
            return ("<= " if self.high_inclusive else "< ") + _num(hi)
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"{left}{_num(lo)}, {_num(hi)}{right}"

    def in_range(self, x: float) -> bool:
        """Whether the number ``x`` is allowed.

        >>> PARAMS["eps"].in_range(0.5), PARAMS["eps"].in_range(1e-7)
        (False, True)
        """
        if self.choices is not None:
            return x in self.choices
        if not math.isfinite(x):
            return False
        lo_ok = x >= self.low if self.low_inclusive else x > self.low
        hi_ok = x <= self.high if self.high_inclusive else x < self.high
        return lo_ok and hi_ok


def _show(value: Any) -> str:
    """A user value for a message: strings as typed, numpy scalars as Python numbers."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param(
            "pos_weight",
            "--pos-weight",
            None,
            "floats",
            low=0.0,
            low_inclusive=False,
            help="weight of the positive term of BCE (torch BCEWithLogitsLoss pos_weight): one "
            "number, or one per label for multi-label",
        ),
        Param(
            "label_weights",
            "--label-weights",
            None,
            "floats",
            low=0.0,
            help="rescale each label's BCE term (torch BCELoss / BCEWithLogitsLoss weight= of "
            "shape C; the mean stays over all cells): one number, or one per label",
        ),
        Param(
            "class_weights",
            "--class-weights",
            None,
            "floats",
            low=0.0,
            help="one weight per class for ce/nll/focal/multi_margin; the mean divides by "
            "sum(w[y]) as torch does",
        ),
        Param(
            "label_smoothing",
            "--label-smoothing",
            0.0,
            "float",
            low=0.0,
            high=1.0,
            help="mix the target with the uniform distribution (torch CrossEntropyLoss)",
        ),
        Param(
            "ignore_index",
            "--ignore-index",
            -100,
            "int",
            help="class index whose rows are left out of multi-class losses (torch default -100)",
        ),
        Param(
            "focal_gamma",
            "--focal-gamma",
            2.0,
            "float",
            low=0.0,
            help="focusing exponent of the focal loss; 0 gives cross-entropy",
        ),
        Param(
            "focal_alpha",
            "--focal-alpha",
            0.25,
            "float",
            high=1.0,
            help="weight of the positive class in binary/multi-label focal loss "
            "(torchvision); a negative value disables it",
        ),
        Param(
            "huber_delta",
            "--huber-delta",
            1.0,
            "float",
            low=0.0,
            low_inclusive=False,
            help="where Huber loss turns from quadratic to linear (torch HuberLoss delta)",
        ),
        Param(
            "smooth_l1_beta",
            "--smooth-l1-beta",
            1.0,
            "float",
            low=0.0,
            help="where Smooth L1 turns from quadratic to linear (torch SmoothL1Loss beta); "
            "0 gives L1",
        ),
        Param(
            "margin",
            "--margin",
            1.0,
            "float",
            low=0.0,
            low_inclusive=False,
            help="margin of hinge, squared hinge and multi-margin losses",
        ),
        Param(
            "multi_margin_p",
            "--multi-margin-p",
            1,
            "int",
            choices=(1, 2),
            help="exponent p of torch MultiMarginLoss",
        ),
        Param(
            "dice_smooth",
            "--dice-smooth",
            1e-5,
            "float",
            low=0.0,
            help="smoothing constant added to numerator and denominator of Dice/Jaccard",
        ),
        Param(
            "eps",
            "--eps",
            None,
            "float",
            low=0.0,
            high=0.5,
            low_inclusive=False,
            high_inclusive=False,
            help="clip probabilities to [eps, 1-eps] (scikit-learn/Keras style) instead of "
            "clamping logs at -100 (torch); not used with logits",
        ),
    )
}


def _as_number(p: Param, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str, np.floating)):
        raise UsageError(f"{p.option} must be a number, got {_show(value)}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{p.option} must be a number, got {_show(value)}") from None
    return x


def _scalar(p: Param, value: Any) -> float | int:
    x = _as_number(p, value)
    if p.kind == "int":
        if not math.isfinite(x) or not x.is_integer():
            raise UsageError(f"{p.option} must be a whole number, got {_show(value)}")
        x = int(x)
    if not p.in_range(x):
        raise UsageError(f"{p.option} must be {_be(p)}, got {_show(value)}")
    return x


def _be(p: Param) -> str:
    text = p.range_text()
    return text if text.startswith("one of") else "in " + text if text[0] in "[(" else text


def _floats(p: Param, value: Any) -> tuple[float, ...]:
    if isinstance(value, str):
        parts = [s for s in value.replace(",", " ").split() if s]
        items: list[Any] = parts
    elif isinstance(value, (numbers.Real, np.floating)) and not isinstance(value, bool):
        items = [value]
    else:
        try:
            items = list(np.asarray(value, dtype=object).ravel())
        except TypeError:
            raise UsageError(f"{p.option} must be a list of numbers, got {_show(value)}") from None
    if not items:
        raise UsageError(f"{p.option} needs at least one number, got none")
    out = []
    for item in items:
        x = _as_number(p, item)
        if not p.in_range(x):
            raise UsageError(f"{p.option} values must be {_be(p)}, got {_show(item)}")
        out.append(x)
    return tuple(out)


def validate_params(
    params: Mapping[str, Any] | None = None,
    *,
    task: str | None = None,
    n_classes: int | None = None,
) -> dict[str, Any]:
    """Fill defaults, coerce types and check ranges of loss parameters.

    Args:
        params: python names (keys of ``PARAMS``) to values; missing ones get defaults,
            ``None`` means the default. Per-class lists may be sequences or "1,2,3" strings.
        task: when given, options that do not fit the task are refused
            (``--class-weights`` needs multiclass; a per-label ``--pos-weight`` multilabel).
        n_classes: C (multiclass) or L (multilabel); when given, list lengths are checked.

    Returns:
        a new dict with every key of ``PARAMS``; lists become tuples of floats.

    Raises:
        UsageError: a value is out of range or does not fit the task (names the option).
        ValueError: an unknown key (a programming error).

    >>> validate_params({"label_smoothing": 0.1})["label_smoothing"]
    0.1
    >>> validate_params({"label_smoothing": 1.5})
    Traceback (most recent call last):
    ...
    losscli.errors.UsageError: --label-smoothing must be in [0, 1], got 1.5
    """
    params = dict(params or {})
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ValueError(f"unknown loss parameter(s) {unknown}; known: {sorted(PARAMS)}")
    out: dict[str, Any] = {}
    for name, p in PARAMS.items():
        value = params.get(name)
        if value is None:
            out[name] = p.default
        elif p.kind == "floats":
            out[name] = _floats(p, value)
        else:
            out[name] = _scalar(p, value)

    cw = out["class_weights"]
    if cw is not None:
        if task is not None and task != "multiclass":
            raise UsageError(
                f"--class-weights applies to --task multiclass; the task is {task} "
                "(use --pos-weight for binary or multi-label)"
            )
        if n_classes is not None and len(cw) != n_classes:
            raise UsageError(
                f"--class-weights has {len(cw)} value(s) but there are {n_classes} classes; "
                "give one weight per class"
            )
    for name in ("label_weights", "pos_weight"):  # per-label weights of BCE
        option, values = PARAMS[name].option, out[name]
        if values is None:
            continue
        if task is not None and task not in ("binary", "multilabel"):
            raise UsageError(
                f"{option} applies to --task binary or multilabel; the task is {task} "
                "(use --class-weights for multiclass)"
            )
        if len(values) > 1:
            if task == "binary":
                raise UsageError(f"{option} takes one number for a binary task, got {len(values)}")
            if n_classes is not None and len(values) != n_classes:
                raise UsageError(
                    f"{option} has {len(values)} values but there are {n_classes} labels; "
                    "give one number, or one per label"
                )
    return out
