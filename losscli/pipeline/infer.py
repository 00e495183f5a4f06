"""Task and score-kind inference over values: what the first rows say the data is.

The functions take a sample of label and prediction columns (arrays) and return a decision
with the sentence that says why; data that admits two readings is a :class:`UsageError`
naming the flag that decides. :func:`losscli.pipeline.plan.decide_plan` puts them together
into a :class:`~losscli.pipeline.plan.Plan`. Numbers only (numpy); no click, rich or pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.pipeline.names import class_numbers, name_values

#: Probability rows may be off by this much from summing to 1 before they are renormalised.
PROB_SUM_TOL = 1e-4

#: Float rounding of a row's sum allowed on top of :data:`PROB_SUM_TOL` (C values near 1 sum
#: with an error near C * 1.1e-16): rows written with 4 decimals that sum to 0.9999 or 1.0001
#: in decimal are off by 1e-4, not more, though their float sums are off by 1.00000000000001e-4.
PROB_SUM_SLACK = 1e-12


def sum_is_off(sums: np.ndarray) -> np.ndarray:
    """Whether each row sum is off 1 by more than :data:`PROB_SUM_TOL` (beyond the float
    rounding of the sum, :data:`PROB_SUM_SLACK`).

    >>> sum_is_off(np.array([0.2, 0.3, 0.4, 0.0999]).reshape(1, 4).sum(axis=1))  # 0.9999
    array([False])
    >>> sum_is_off(np.array([0.99989, 1.0001, 1.00011]))
    array([ True, False,  True])
    """
    return np.abs(np.asarray(sums) - 1.0) > PROB_SUM_TOL + PROB_SUM_SLACK


Where = Callable[[int], str]


def first_bad(mask: np.ndarray) -> int:
    """Index of the first row where ``mask`` holds (any column).

    >>> first_bad(np.array([[False], [True]]))
    1
    """
    rows = mask.any(axis=1) if mask.ndim == 2 else mask
    return int(np.flatnonzero(rows)[0])


def row_sums(preds: np.ndarray, *, log: bool = False) -> np.ndarray:
    """Sum of each row of class probabilities: ``sum_c p_c``, or ``exp(logsumexp(l))`` for logs.

    Args:
        preds: float64 (N, C) probabilities, or log-probabilities with ``log=True``.

    Returns:
        float64 (N,) sums.

    >>> row_sums(np.log(np.array([[0.5, 0.3]])), log=True).round(12).tolist()
    [0.8]
    """
    from losscli.activations import logsumexp

    return np.exp(logsumexp(preds)) if log else preds.sum(axis=1)


def _is_binary_values(a: np.ndarray) -> bool:
    return bool(np.all((a == 0) | (a == 1)))


def _is_integral(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def show_number(v: float) -> str:
    """A value read from the data (a label, a prediction, a weight) as messages and class
    names show it: a whole number without a fraction, any other number in the shortest form
    that reads back as the same float, so two values never look alike (``:g`` showed
    1234567 and 1234568 both as ``1.23457e+06``, 1.0000001 as ``1``).

    Args:
        v: the value.

    Returns:
        Its text.

    >>> [show_number(v) for v in (2.0, -0.0, 1234567.0, 100000.5, 1.0000001, 1e20, float("nan"))]
    ['2', '0', '1234567', '100000.5', '1.0000001', '1e+20', 'nan']
    """
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 2.0**53 else repr(f)


_num = show_number


def show_sum(v: float) -> str:
    """A row sum that is not 1 as messages show it: six digits, more where six would read
    ``1`` (a sum off 1 by 2e-6 is off, though ``:g`` wrote it ``1``).

    >>> show_sum(0.9575119), show_sum(1.000002), show_sum(1.0)
    ('0.957512', '1.000002', '1')
    """
    for digits in (6, 10):
        text = f"{v:.{digits}g}"
        if float(text) != 1.0 or v == 1.0:
            return text
    return repr(float(v))


def _listed(values: Sequence[float], limit: int = 6) -> str:
    shown = ", ".join(_num(v) for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")


def _rarest_row(uniq: np.ndarray, first: np.ndarray, counts: np.ndarray) -> int:
    """The first row of the rarest label value (a typo, most likely), preferring one that is
    not 0, 1 or -1."""
    rare = counts == counts.min()
    odd = rare & ~np.isin(uniq, (-1.0, 0.0, 1.0))
    return int(first[np.flatnonzero(odd if odd.any() else rare)[0]])


def binary_labels(
    y: np.ndarray,
    pos_label: str | None = None,
    where: Where | None = None,
    ignore_index: int | None = None,
) -> tuple[str, float | None, float, str]:
    """Decide which numeric label value is the positive class of one-column binary data.

    The rule (scikit-learn's): 0/1 and -1/+1 labels have positive class 1; any other two
    values have the larger one as positive (``--pos-label`` chooses the other). A single
    value other than 0, 1 or -1 does not say which class it is, so it needs ``pos_label``.

    Args:
        y: (n,) float64 labels of the first chunk (whole numbers).
        pos_label: the ``--pos-label`` text, or None.
        where: row number -> location, for messages.
        ignore_index: the ``--ignore-index`` value, named when it is the extra label.

    Returns:
        ``(encoding, negative, positive, reason)``: encoding ``binary`` (0/1), ``pm1`` (-1/+1)
        or ``pos-label`` (any other pair); ``negative`` is None when only the positive value
        was seen.

    >>> binary_labels(np.array([1.0, 2.0, 2.0]))[:3]
    ('pos-label', 1.0, 2.0)
    >>> binary_labels(np.array([0.0, 1.0]), "0")[:3]
    ('pos-label', 1.0, 0.0)
    """
    uniq, first, counts = np.unique(y, return_index=True, return_counts=True)
    if uniq.size > 2:
        i = _rarest_row(uniq, first, counts)
        raise InputError(
            f"{(where or (lambda i: f'row {i + 1}'))(i)}: label {_num(y[i])} makes {uniq.size} "
            f"distinct labels ({_listed(uniq)}), but binary labels take two values; fix the "
            f"labels or pass another --task{ignored_hint(y, uniq, ignore_index)}"
        )
    if pos_label is not None:
        try:
            pos = float(pos_label)
        except ValueError:
            raise UsageError(
                f"--pos-label {pos_label!r} is not a number, but the labels are numbers "
                f"({_listed(uniq)})"
            ) from None
        others = uniq[uniq != pos]
        if others.size > 1:
            raise UsageError(f"--pos-label {pos_label} is not one of the labels ({_listed(uniq)})")
        neg = float(others[0]) if others.size else None
        why = f"positive class {_num(pos)} (--pos-label)"
    elif uniq.size == 2:
        neg, pos = float(uniq[0]), float(uniq[1])
        why = (
            f"labels take two values, {_num(neg)} and {_num(pos)}: the larger, {_num(pos)}, is "
            f"the positive class (as scikit-learn; --pos-label {_num(neg)} for the other)"
        )
    else:
        v = float(uniq[0])
        if v not in (-1.0, 0.0, 1.0):
            raise InputError(
                f"every label is {_num(v)}, which does not say which class is positive; pass "
                f"--pos-label {_num(v)} if it is the positive class, or --task regression if "
                "the labels are quantities"
            )
        neg, pos = (-1.0 if v == -1.0 else 0.0), 1.0
        why = ""
    if pos == 1.0 and neg in (0.0, None):
        return "binary", 0.0, 1.0, "labels are 0/1"
    if pos == 1.0 and neg == -1.0:
        return "pm1", -1.0, 1.0, "labels are -1/+1"
    return "pos-label", neg, pos, why


def numeric_class_reading(
    y: np.ndarray,
    names: Sequence[str],
    labels_are: str | None = None,
    *,
    ignore_index: int | None = None,
) -> tuple[str, str | None]:
    """Read whole-number multi-class labels as 0-based column indices or as column names.

    When the prediction columns are named like numbers (``1, 2, 3``, or one prefix and a
    number: ``prob_1, prob_2``, :func:`class_numbers`) a label ``2`` is either the column
    named ``2`` (``prob_2``) or the column at index 2. The readings agree when the names are
    ``0 .. C-1``; otherwise the one that fits every label of the first chunk is taken (with a
    note), and when both fit and differ losscli asks for ``--labels-are``.

    Returns:
        ``("index" | "name", note or None)``.

    >>> numeric_class_reading(np.array([1.0, 3.0]), ["1", "2", "3"])[0]
    'name'
    >>> numeric_class_reading(np.array([0.0, 2.0]), ["1", "2", "3"])[0]
    'index'
    >>> numeric_class_reading(np.array([0.0, 2.0]), ["0", "1", "2"])
    ('index', None)
    >>> numeric_class_reading(np.array([1.0, 3.0]), ["class_1", "class_2", "class_3"])[0]
    'name'
    """
    values = class_numbers(names)
    if labels_are is not None:
        if labels_are == "name" and not np.isfinite(values).any():
            raise UsageError(
                "--labels-are name: no prediction column is named like a number "
                f"({', '.join(repr(n) for n in list(names)[:6])}); labels are class indices"
            )
        return labels_are, None
    same = np.array_equal(values, np.arange(len(names), dtype=np.float64))
    if not np.isfinite(values).any() or same:
        return "index", None
    seen = np.unique(y if ignore_index is None else y[y != ignore_index])
    fits_index = bool(np.all((seen >= 0) & (seen < len(names))))
    fits_name = bool(np.all(np.isin(seen, values)))
    shown = _listed([float(v) for v in values if np.isfinite(v)])
    if not np.isfinite(name_values(names)).any():  # prob_0, prob_1: the names themselves
        shown = ", ".join(list(names)[:6]) + (", …" if len(names) > 6 else "")
    if fits_index and fits_name:
        by_name = {float(v): i for i, v in enumerate(values) if np.isfinite(v)}
        differ = [v for v in seen if by_name[float(v)] != int(v)]
        if differ:
            v = float(differ[0])
            raise UsageError(
                f"the labels ({_listed(seen)}) fit the prediction columns ({shown}) both by "
                f"name (label {_num(v)} is column {names[by_name[v]]!r}) and as 0-based "
                f"indices (label {_num(v)} is column {names[int(v)]!r}); pass --labels-are name "
                "or --labels-are index"
            )
        return "name", "labels are the prediction columns' names (the same columns as indices)"
    if fits_name:
        return "name", f"labels are the prediction columns' names ({shown}), not 0-based indices"
    if fits_index:
        return "index", (
            f"labels are 0-based column indices, not the columns' names ({shown}); "
            "--labels-are name to read them by name"
        )
    return "index", None


def ignored_hint(y: np.ndarray, uniq: np.ndarray, ignore_index: int | None) -> str:
    """The note for a binary or multi-label refusal whose labels hold ``--ignore-index``:
    it leaves out multi-class rows only (torch's BCE has no ``ignore_index``).

    >>> ignored_hint(np.array([0.0, 1.0]), np.array([0.0, 1.0, 255.0]), 255)[:32]
    ' (--ignore-index 255 leaves out '
    >>> ignored_hint(np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0]), 255)
    ''
    """
    if ignore_index is None or not np.any(uniq == ignore_index):
        return ""
    return (
        f" (--ignore-index {ignore_index} leaves out multi-class rows only; binary and "
        "multi-label rows have no ignored label)"
    )


def infer_task(
    labels: np.ndarray,
    preds: np.ndarray,
    *,
    text_labels: bool,
    pred_names: Sequence[str],
    scores_hint: str | None = None,
    pos_label: str | None = None,
    where: Where | None = None,
    label_names: Sequence[str] | None = None,
    ignore_index: int | None = None,
) -> tuple[str, str, str]:
    """Infer the task from a sample of labels and predictions.

    Regression is decided only from labels that are clearly continuous (a value that is not a
    whole number); whole-number labels are classes, and when they fit no classification
    reading of the prediction columns the error names ``--task``. One column of fractions all
    within [0, 1] beside one prediction column fits soft binary targets as well as regression
    targets: a :class:`UsageError` asks for ``--task``.

    Args:
        labels: (n,) text labels (object) or (n, Lc) float64 numeric label columns.
        preds: (n, P) float64 prediction columns.
        text_labels: whether ``labels`` holds class names.
        pred_names: the P prediction column names.
        scores_hint: the score kind when the user gave it (helps tell one-hot multi-class from
            multi-label).
        pos_label: ``--pos-label`` (for one-column binary labels).
        where: row number -> location for messages.
        label_names: the Lc label column names, for messages.
        ignore_index: the ``--ignore-index`` value, named when it is an extra label.

    Returns:
        ``(task, label_encoding, reason)``.

    >>> infer_task(np.array([[0.], [1.]]), np.array([[0.2], [0.9]]), text_labels=False,
    ...            pred_names=["p"])[:2]
    ('binary', 'binary')
    >>> infer_task(np.array([[2.], [0.]]), np.zeros((2, 3)), text_labels=False,
    ...            pred_names=["a", "b", "c"])[:2]
    ('multiclass', 'index')
    """
    where = where or (lambda i: f"row {i + 1}")
    n_pred = preds.shape[1]
    if text_labels:
        if n_pred == 1:
            return "binary", "name", "labels are class names and there is one prediction column"
        return "multiclass", "name", "labels are class names, one prediction column per class"
    n_lab = labels.shape[1]
    if n_lab == 1:
        y = labels[:, 0]
        if not _is_integral(y):
            i = first_bad(y != np.round(y))
            if n_pred == 1 and _all_in_unit(y):
                raise UsageError(
                    f"{where(i)}: label {_num(y[i])} is a fraction and every label is within "
                    "[0, 1], which fits soft binary targets (probabilities) and regression "
                    "targets alike; pass --task binary for soft targets (the losses take them "
                    "as given, the metrics count a target above 0.5 as positive) or --task "
                    "regression"
                )
            if n_pred == 1:
                return (
                    "regression",
                    "values",
                    f"labels are not whole numbers ({_num(y[i])} at {where(i)})",
                )
            raise InputError(
                f"{where(i)}: label {_num(y[i])} is not a whole number, but there are {n_pred} "
                "prediction columns: for multi-class data give integer class indices, or pass "
                "--task regression"
            )
        if n_pred == 1:
            uniq, first, counts = np.unique(y, return_index=True, return_counts=True)
            if uniq.size > 2:
                i = _rarest_row(uniq, first, counts)
                raise InputError(
                    f"{where(i)}: label {_num(y[i])} makes {uniq.size} distinct labels "
                    f"({_listed(uniq)}) with one prediction column, which fits neither binary "
                    "(two labels) nor multi-class (one column per class); fix the labels, or "
                    "pass --task regression if they are quantities"
                    f"{ignored_hint(y, uniq, ignore_index)}"
                )
            enc, _, _, why = binary_labels(y, pos_label)
            if enc == "pos-label":
                return "binary", enc, f"one prediction column; {why}"
            return "binary", enc, f"{why} and there is one prediction column"
        if n_pred == 2 and _is_binary_values(y):
            return (
                "binary",
                "binary",
                "labels are 0/1 and there are two prediction columns (the second is positive)",
            )
        return (
            "multiclass",
            "index",
            f"labels are integer class indices and there are {n_pred} prediction columns",
        )
    # several label columns
    if n_lab != n_pred:
        raise InputError(
            f"there are {n_lab} label columns but {n_pred} prediction columns; they must match "
            "(choose them with --label-col and --pred-cols)"
        )
    in_unit = bool(np.all((labels >= 0) & (labels <= 1)))
    if not in_unit:
        outside = (labels < 0) | (labels > 1)
        i = first_bad(outside)
        j = int(np.flatnonzero(outside[i])[0])
        if _is_integral(labels):
            col = f"column {label_names[j]!r}" if label_names else f"label column {j + 1}"
            raise InputError(
                f"{where(i)}: {col} holds {_num(labels[i, j])}, a whole number outside 0/1, so "
                "the label rows are neither one-hot nor multi-hot; fix the labels, or pass "
                "--task regression if they are quantities"
            )
        return "regression", "values", f"{n_lab} label columns hold values outside [0, 1]"
    row_sums = labels.sum(axis=1)
    sums_to_one = bool(np.all(np.abs(row_sums - 1.0) <= 1e-6))
    if _is_binary_values(labels):
        if not sums_to_one:
            return "multilabel", "multi-hot", "label columns are 0/1 with any number of 1s per row"
        if scores_hint == "probs" or scores_hint is None and _rows_sum_to_one(preds):
            return "multiclass", "one-hot", "label rows are one-hot and prediction rows sum to 1"
        if _all_in_unit(preds):
            return (
                "multilabel",
                "multi-hot",
                "label rows hold one 1 each but the probability rows do not sum to 1",
            )
        return "multiclass", "one-hot", "label rows are one-hot (pass --task multilabel if not)"
    if sums_to_one:
        return "multiclass", "soft", "label rows are probability distributions (soft targets)"
    raise InputError(
        "label columns hold values in [0, 1] that are neither 0/1 (multi-label) nor rows that "
        "sum to 1 (soft multi-class targets); pass --task to say what they are"
    )


def _all_in_unit(a: np.ndarray) -> bool:
    return bool(np.all((a >= 0) & (a <= 1)))


def is_soft_targets(values: np.ndarray) -> bool:
    """Whether label values are soft targets: all in [0, 1], one of them neither 0 nor 1.

    >>> is_soft_targets(np.array([0.0, 0.3, 1.0])), is_soft_targets(np.array([0.0, 1.0]))
    (True, False)
    """
    return bool(values.size and _all_in_unit(values) and not _is_binary_values(values))


def _rows_sum_to_one(a: np.ndarray) -> bool:
    return a.ndim == 2 and _all_in_unit(a) and not bool(np.any(sum_is_off(a.sum(axis=1))))


def infer_scores(preds: np.ndarray, task: str) -> tuple[str, str]:
    """Infer the score kind of classification outputs from a sample of them.

    Returns ``(kind, reason)``; raises :class:`UsageError` asking for ``--scores`` when the
    data could be two kinds.

    >>> infer_scores(np.array([[0.2, 0.8], [0.5, 0.5]]), "multiclass")[0]
    'probs'
    >>> infer_scores(np.array([[2.0, -1.0], [0.5, 3.0]]), "multiclass")[0]
    'logits'
    >>> infer_scores(np.array([0.1, 0.7]), "binary")[0]
    'probs'
    """
    if task == "regression":
        return "values", "regression outputs are values"
    if preds.size == 0:
        raise UsageError("cannot infer --scores from an empty sample; pass --scores")
    lo, hi = float(np.min(preds)), float(np.max(preds))
    if task == "multiclass":
        if lo >= 0 and hi <= 1:
            if _rows_sum_to_one(preds):
                return "probs", "every value is in [0, 1] and every row sums to 1"
            raise UsageError(
                "cannot tell the score kind: values are in [0, 1] but rows do not sum to 1; "
                "pass --scores probs (rows are renormalised) or --scores logits"
            )
        if hi <= 0:
            if not np.any(sum_is_off(row_sums(preds, log=True))):
                return "log-probs", "every value is <= 0 and exp(row) sums to 1"
        return "logits", "values fall outside [0, 1]"
    # binary / multilabel: independent scores
    if lo >= 0 and hi <= 1:
        return "probs", "every value is in [0, 1]"
    if hi <= 0:
        raise UsageError(
            "cannot tell the score kind: every value is <= 0, which fits log-probabilities and "
            "logits alike; pass --scores log-probs or --scores logits"
        )
    return "logits", "values fall outside [0, 1]"


def _subset_summing_to_one(values: np.ndarray, cand: np.ndarray) -> np.ndarray | None:
    """The candidate columns whose rows sum to 1 (all of them, or all but one), if any."""
    idx = np.flatnonzero(cand)
    if idx.size < 2:
        return None
    total = values[:, idx].sum(axis=1)
    if idx.size < cand.size and not sum_is_off(total).any():
        return idx
    if idx.size < 3:
        return None
    for k in range(idx.size):  # one of them is no score (a confidence, a max probability)
        if not sum_is_off(total - values[:, idx[k]]).any():
            return np.delete(idx, k)
    return None


def check_scores_beside_others(preds: np.ndarray, pred_cols: Sequence[str]) -> None:
    """Multi-class default prediction columns read as logits (``--scores auto``) where some
    of them are probabilities (in [0, 1]) or log-probabilities (``<= 0``) whose rows sum to 1
    (``sum exp`` for logs) and the others are not: a model's probabilities beside another
    number (an entropy, a margin, a confidence, a per-sample loss, a temperature), not the
    logits of one more class that never occurs; losscli asks for ``--pred-cols``.

    Args:
        preds: (n, P) the first rows' prediction columns.
        pred_cols: the P column names.

    >>> check_scores_beside_others(np.array([[0.2, 0.8, 1.5], [0.6, -0.1, 2.0]]), ["a", "b", "c"])
    >>> try:
    ...     check_scores_beside_others(np.array([[0.2, 0.8, 1.5], [0.6, 0.4, 2.0]]),
    ...                                ["a", "b", "entropy"])
    ... except UsageError as e:
    ...     print(str(e).split(" but ")[0])
    the prediction columns 'a', 'b' hold probabilities (every row sums to 1)
    """
    P = preds.shape[1]
    if P < 3 or not preds.shape[0]:
        return
    for kind, cand, values in (
        ("probabilities", ((preds >= 0) & (preds <= 1)).all(axis=0), preds),
        ("log-probabilities", (preds <= 0).all(axis=0), None),
    ):
        if values is None:
            if int(cand.sum()) < 2:
                continue
            values = np.exp(np.where(cand, preds, -np.inf))
        found = _subset_summing_to_one(values, cand)
        if found is None:
            continue
        rest = [pred_cols[j] for j in range(P) if j not in set(found.tolist())]
        names = [pred_cols[j] for j in found]
        shown = ", ".join(repr(c) for c in names[:6]) + (", …" if len(names) > 6 else "")
        flag = ",".join(names) if len(names) <= 8 else "NAMES"
        what = "sums to 1" if kind == "probabilities" else "sums to 1 as exp"
        raise UsageError(
            f"the prediction columns {shown} hold {kind} (every row {what}) but "
            f"{', '.join(repr(c) for c in rest[:4])}{', …' if len(rest) > 4 else ''} "
            f"{'does' if len(rest) == 1 else 'do'} not fit them: read together they would be "
            f"{P} classes' logits; choose the score columns with --pred-cols {flag}, or pass "
            f"--scores logits if all {P} are logits"
        )
