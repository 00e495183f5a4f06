"""What a prediction column's name says about the class it scores.

:func:`name_values` reads a name as a whole number (``2``), :func:`class_numbers` the class
numbers of a set of multi-class columns (``2`` or ``prob_2``), :func:`binary_column_side`
which binary class a name says it scores (``p1``, ``logit_neg``). The inference rules
(:mod:`losscli.pipeline.infer`) and the label encoding use them. Numbers and text only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["binary_column_side", "class_numbers", "name_values"]


def name_values(names: Sequence[str]) -> np.ndarray:
    """Each column name as a whole number, NaN where it is not one.

    >>> name_values(["1", "2.0", "cat", "1.5"]).tolist()
    [1.0, 2.0, nan, nan]
    """
    out = np.full(len(names), np.nan)
    for i, n in enumerate(names):
        try:
            v = float(n)
        except ValueError:
            continue
        if np.isfinite(v) and v == round(v):
            out[i] = v
    return out


_POSITIVE_WORDS = frozenset({"1", "pos", "positive", "yes", "true"})
_NEGATIVE_WORDS = frozenset({"0", "neg", "negative", "no", "false"})


def binary_column_side(name: str, *, digits: bool = True) -> int | None:
    """Which binary class a prediction column's name says it scores: 1 (positive), 0
    (negative) or None (it does not say).

    The name says so by a whole number (``1``, ``0``, ``-1``), or by its last word, else its
    first (words are the runs of letters or digits: ``p1`` is ``p``, ``1``): ``1``, ``pos``,
    ``positive``, ``yes``, ``true`` name the positive class and ``0``, ``neg``, ``negative``,
    ``no``, ``false`` the negative one, in any case (``prob_1``, ``p0``, ``logit_pos``,
    ``neg_prob``, ``Yes``).

    With ``digits=False`` only the words count: a lone column's ``0`` (``s0``, ``logits:0``,
    the (N, 1) vector's one column) is as often its position as a class.

    >>> [binary_column_side(n) for n in ["1", "-1", "p0", "prob_1", "Yes", "neg_prob", "logit"]]
    [1, 0, 0, 1, 1, 0, None]
    >>> binary_column_side("logits:0", digits=False), binary_column_side("p_neg", digits=False)
    (None, 0)
    """
    v = name_values([name])[0]
    if np.isfinite(v):
        return (1 if v == 1 else 0 if v in (0, -1) else None) if digits else None
    words = re.findall(r"[a-z]+|[0-9]+", name.lower())
    if not digits:
        words = [w for w in words if not w.isdigit()]
    for word in words[-1:] + words[:1]:
        if word in _POSITIVE_WORDS:
            return 1
        if word in _NEGATIVE_WORDS:
            return 0
    return None


def class_numbers(names: Sequence[str]) -> np.ndarray:
    """The class number each multi-class prediction column's name gives: the name as a whole
    number (:func:`name_values`), or, when no name is one and every name is one shared prefix
    followed by digits (``prob_0, prob_1``, ``class1, class2``), those digits; NaN elsewhere.

    >>> class_numbers(["prob_2", "prob_0", "prob_1"]).tolist()
    [2.0, 0.0, 1.0]
    >>> class_numbers(["1", "2", "x"]).tolist(), class_numbers(["p1", "q2"]).tolist()
    ([1.0, 2.0, nan], [nan, nan])
    """
    values = name_values(names)
    if np.isfinite(values).any() or len(names) < 2:
        return values
    parts = [re.fullmatch(r"(.*?[^0-9])([0-9]+)", n) for n in names]
    if all(parts) and len({m.group(1) for m in parts if m}) == 1:
        numbers = [float(m.group(2)) for m in parts if m]
        if len(set(numbers)) == len(numbers):  # prob_1 and prob_01 name no one class each
            return np.array(numbers)
    return values
