"""The plan: task, score kind, label encoding and classes, decided once from the first rows.

:func:`decide_plan` takes the first usable rows (:func:`infer_rows_for`; values: label and
prediction columns), the column roles and the task options (a
:class:`~losscli.pipeline.options.TaskSpec`) and returns a :class:`Plan`; every reading the
data did not force is a note in ``Plan.notes`` (the report's ``inference``), and data that
admits two readings is a :class:`UsageError` naming the flag that decides. The inference
rules themselves are in :mod:`losscli.pipeline.infer`. Numbers only (numpy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.pipeline.columns import Columns, class_names
from losscli.pipeline.encode import task_preds
from losscli.pipeline.infer import (
    Where,
    binary_labels,
    check_scores_beside_others,
    first_bad,
    infer_scores,
    infer_task,
    is_soft_targets,
    name_values,
    numeric_class_reading,
    sum_is_off,
)
from losscli.pipeline.infer import (
    show_number as num,
)
from losscli.pipeline.names import binary_column_side
from losscli.pipeline.options import TaskSpec
from losscli.records import record

__all__ = [
    "INFER_CELLS",
    "INFER_MIN_ROWS",
    "INFER_ROWS",
    "WEIGHT_NAMES",
    "Plan",
    "binary_names",
    "check_no_whole_number_column",
    "check_logit_pair",
    "check_logits_beside_binary_labels",
    "check_pair",
    "decide_plan",
    "infer_rows_for",
    "label_encoding_for",
]

INFER_ROWS = 131_072
"""The task, score kind, label encoding and classes are decided from the first this many
usable rows, whatever ``--chunk-size`` is (so the chunk size never changes a decision); rows
further down that contradict a decision are an error naming the flag that settles it.
Inputs wider than 32 prediction columns decide from fewer rows (:func:`infer_rows_for`)."""

INFER_CELLS = 1 << 22
"""At most this many prediction values (rows x prediction columns, 32 MB of float64) are
read ahead for the decision: a 50,000 x 1,000 file decides from its first 4,194 rows instead
of holding all of it before the first chunk is evaluated."""

INFER_MIN_ROWS = 1024
"""However wide the input, the decision reads at least this many usable rows (or all)."""


def infer_rows_for(width: int, rows: int = INFER_ROWS) -> int:
    """How many usable rows decide the plan of an input with ``width`` prediction columns.

    ``min(rows, max(INFER_MIN_ROWS, INFER_CELLS // width))``: :data:`INFER_ROWS` up to 32
    columns, at most :data:`INFER_CELLS` values for wider inputs, never fewer than 1,024
    rows (nor more than ``rows``). It depends on the columns only, never on ``--chunk-size``.

    >>> infer_rows_for(10), infer_rows_for(1000), infer_rows_for(10**6), infer_rows_for(50, 4)
    (131072, 4194, 1024, 4)
    """
    return min(rows, max(INFER_MIN_ROWS, INFER_CELLS // max(1, int(width))))


#: names of a column of sample weights: never a default prediction column (asks --weight-col)
WEIGHT_NAMES = ("weight", "weights", "sample_weight", "sample_weights")


@record
class Plan:
    """What losscli decided about the data, once, from the first rows."""

    task: str
    scores: str  # logits | probs | log-probs | values (after --activation)
    label_encoding: str  # index | name | one-hot | multi-hot | soft | binary | pm1 | values
    classes: list[str] = field(default_factory=list)
    binary_from_two_columns: bool = False
    notes: list[str] = field(default_factory=list)
    scores_inferred: bool = False  # scores came from --scores auto (checks then say so)
    #: binary numeric labels: (negative, positive) label values; negative None when the first
    #: chunk held only the positive value (every other value then counts as negative)
    label_values: tuple[float | None, float] | None = None
    #: the positive class when a rule or --pos-label chose it (not 0/1, -1/+1 or the column's
    #: name); the signature records it
    pos_label: str | None = None
    #: binary class-name labels: the first chunk held only the positive class, so every other
    #: name counts as negative
    negative_open: bool = False
    #: whole-number labels read as the columns' names while every label of the decision's
    #: rows fitted the 0-based index reading too (the same columns): a later label the two
    #: readings tell apart is an error asking for --labels-are
    readings_agree: bool = False
    # --weight-col: every weight is multiplied by 2**weight_exp (exact) as it is read, so the
    # largest weight of the first chunk with a positive one lies in [0.5, 1): a weight only
    # counts relative to the others, and no sum or product of weights over- or underflows
    weight_exp: int | None = None

    @property
    def n_outputs(self) -> int:
        """Number of classes (multiclass), labels (multilabel), 2 (binary) or outputs."""
        return len(self.classes)


def decide_plan(
    raw_labels: np.ndarray,
    preds: np.ndarray,
    where: Where | None = None,
    *,
    spec: TaskSpec,
    cols: Columns,
    ignore_index: int | None = None,
) -> Plan:
    """Decide task, score kind, label encoding and classes from the first usable rows.

    Every choice the data did not force is written to ``notes`` (the report's
    ``inference``); a choice the data leaves open is a UsageError naming the flag.

    Args:
        raw_labels: (n, L) float64 label columns, or (n,) object class names (the sample).
        preds: (n, P) float64 prediction columns of the same rows.
        where: sample row -> how messages name it (None: ``row i``).
        spec: what the user said about the data (task, scores, activation, ...).
        cols: the column roles (names, text labels, whether ``--pred-cols`` chose them).
        ignore_index: the ``ignore_index`` loss parameter (multi-class labels left out).

    Returns:
        The :class:`Plan`.

    >>> cols = Columns(label=["y"], pred=["p"], label_in_preds=True)
    >>> y, p = np.array([[0.0], [1.0]]), np.array([[0.2], [0.9]])
    >>> plan = decide_plan(y, p, spec=TaskSpec(), cols=cols)
    >>> plan.task, plan.scores, plan.classes
    ('binary', 'probs', ['0', '1'])
    """
    from losscli.activations import ACTIVATIONS

    opts = spec
    pred_names = class_names(cols.pred)
    notes: list[str] = list(cols.notes)
    inferred = False
    act_kind = None
    if opts.activation:
        if opts.activation not in ACTIVATIONS:
            raise UsageError(
                f"--activation must be one of {', '.join(ACTIVATIONS)}, got {opts.activation!r}"
            )
        act_kind = ACTIVATIONS[opts.activation][1]
    scores_hint = act_kind or (None if opts.scores == "auto" else opts.scores)
    if opts.task == "auto":
        task, enc, why = infer_task(
            raw_labels,
            preds,
            text_labels=cols.text_labels,
            pred_names=pred_names,
            scores_hint=scores_hint,
            pos_label=opts.pos_label,
            where=where,
            label_names=cols.label,
            ignore_index=ignore_index,
        )
        notes.append(f"task {task}: {why}")
    else:
        task, enc = (
            opts.task,
            label_encoding_for(opts.task, raw_labels, preds, text_labels=cols.text_labels),
        )
        if enc == "soft" and task in ("binary", "multilabel"):
            notes.append(SOFT_NOTE)
    P = preds.shape[1]
    if not cols.pred_given and P >= 2:
        check_no_whole_number_column(preds, task, cols.pred, cols.weight)
    classes: list[str]
    two = False
    label_values: tuple[float | None, float] | None = None
    pos_label: str | None = None
    negative_open = False
    readings_agree = False
    if opts.pos_label is not None and not (task == "binary" and P == 1):
        if task != "binary":
            raise UsageError(f"--pos-label is for binary data; the task is {task}")
        if opts.pos_label != pred_names[1] and not (
            enc == "binary" and opts.pos_label in ("1", "1.0")
        ):
            raise UsageError(
                f"--pos-label {opts.pos_label}: with two prediction columns the second, "
                f"{pred_names[1]!r}, is the positive class; drop --pos-label or reorder "
                "--pred-cols"
            )
    if opts.labels_are is not None and (task != "multiclass" or enc != "index" or cols.text_labels):
        what = "class names" if cols.text_labels else f"{task} labels ({enc})"
        raise UsageError(
            f"--labels-are is for multi-class labels in one column of whole numbers, not {what}"
        )
    if task == "binary":
        if P == 2:
            two, classes = True, pred_names
            sides = [binary_column_side(n) for n in pred_names]
            if not cols.text_labels and sides == [1, 0]:
                raise UsageError(
                    f"the prediction columns are named {pred_names[0]!r}, {pred_names[1]!r}: "
                    "by position the second scores the positive class 1, by name it scores "
                    f"class 0; put them in order with --pred-cols "
                    f"{cols.pred[1]},{cols.pred[0]}"
                )
        elif P == 1:
            if enc == "soft":
                classes = ["0", "1"]
            elif enc == "name":
                classes, pos_label, note, negative_open = binary_names(
                    raw_labels, pred_names[0], opts.pos_label
                )
                if note:
                    notes.append(note)
            else:
                enc, neg, pos, why = binary_labels(
                    raw_labels[:, 0], opts.pos_label, where, ignore_index
                )
                # a column named like one label value names the class it scores; '0' is
                # also the name a lone NPY column gets, so it says nothing
                named = name_values(pred_names)[0] if pred_names[0] != "0" else np.nan
                side = binary_column_side(pred_names[0], digits=False)
                if np.isnan(named) and enc in ("binary", "pm1") and side == 0:
                    named = neg  # p0, prob_neg: the name says it scores the negative class
                if opts.pos_label is None and named in (neg, pos) and named != pos:
                    raise UsageError(
                        f"the prediction column is named {pred_names[0]!r}, like the label "
                        f"{num(named)}, but {num(pos)} is the positive class by the labels' "
                        f"values; pass --pos-label {num(named)} if the column scores label "
                        f"{num(named)}, or --pos-label {num(pos)}"
                    )
                if enc == "pos-label":
                    label_values = (neg, pos)
                    pos_label = num(pos)
                    neg_name = f"not {num(pos)}" if neg is None else f"{num(neg)}"
                    classes = [neg_name, pos_label]
                    if opts.task != "auto":
                        notes.append(f"labels: {why}")
                    if neg is None:
                        notes.append(
                            f"the first rows hold only the label {num(pos)}: the first other "
                            "value further down is the negative class, a third an error"
                        )
                else:  # the classes named by the label values, as for any other pair
                    classes = ["-1", "1"] if enc == "pm1" else ["0", "1"]
        else:
            raise UsageError(
                f"--task binary needs one prediction column (or two: negative, positive); got {P}"
            )
    elif task in ("multiclass", "multilabel"):
        if P < 2:
            raise UsageError(f"--task {task} needs one prediction column per class; got {P}")
        classes = pred_names
        if task == "multiclass" and enc == "index":
            enc, note = numeric_class_reading(
                raw_labels[:, 0],
                pred_names,
                opts.labels_are,
                ignore_index=ignore_index,
            )
            if note:
                notes.append(f"labels: {note}")
            if enc == "name" and opts.labels_are is None:
                ii = ignore_index
                y = raw_labels[:, 0] if ii is None else raw_labels[raw_labels[:, 0] != ii, 0]
                readings_agree = bool(np.all((y >= 0) & (y < len(pred_names))))
    else:
        classes = pred_names
    if act_kind is not None:
        if opts.scores not in ("auto", act_kind):
            raise UsageError(
                f"--activation {opts.activation} produces {act_kind}, but --scores is "
                f"{opts.scores}; drop --scores"
            )
        scores = act_kind
        notes.append(f"scores {scores}: from --activation {opts.activation}")
    elif task == "regression":
        scores = "values"
    elif opts.scores != "auto":
        scores = opts.scores
        if scores == "values":
            raise UsageError("--scores values is for regression; pass logits, probs or log-probs")
    else:
        sample = task_preds(preds, task, None, two)
        scores, why = infer_scores(sample, task)
        if task == "binary" and not two and scores == "logits" and sample.min() >= 0:
            raise UsageError(
                "cannot tell the score kind: every prediction is >= 0 and some exceed 1 "
                f"(up to {num(sample.max())}), so they are no probabilities, and as logits "
                "every row would be positive; pass --scores logits if they are logits, or "
                "--task regression if they are values fitted to the 0/1 labels"
            )
        if two and scores == "probs":
            check_pair(preds, where, cols.pred)
            why += " and the two columns' rows sum to 1"
        if two and scores == "logits":
            check_logit_pair(preds, cols.pred)
        if (
            task == "multiclass"
            and opts.task == "auto"
            and enc == "index"
            and scores == "logits"
            and not cols.pred_given
        ):
            check_logits_beside_binary_labels(preds, raw_labels[:, 0], cols.pred, ignore_index)
        if task == "multiclass" and scores == "logits" and not cols.pred_given:
            check_scores_beside_others(preds, cols.pred)
        notes.append(f"scores {scores}: {why} (--scores auto, from the first rows)")
        inferred = True
    if task == "regression" and opts.scores not in ("auto", "values"):
        raise UsageError(f"--scores {opts.scores} does not fit --task regression")
    return Plan(
        task=task,
        scores=scores,
        label_encoding=enc,
        classes=classes,
        binary_from_two_columns=two,
        notes=notes,
        scores_inferred=inferred,
        label_values=label_values,
        pos_label=pos_label,
        negative_open=negative_open,
        readings_agree=readings_agree,
    )


def binary_names(
    raw: np.ndarray, column: str, pos_label: str | None = None
) -> tuple[list[str], str | None, str | None, bool]:
    """Classes ``[negative, positive]`` of one-column binary class-name labels.

    The positive class is the prediction column's name when it is a label, else
    ``--pos-label``; a single label value without either is refused (it does not say
    which class it is). Returns ``(classes, pos_label for the signature, note, whether the
    negative class is open)``: with only the positive class in the first chunk, every other
    label is negative.

    >>> binary_names(np.array(["no", "yes"], dtype=object), "yes")
    (['no', 'yes'], None, None, False)
    """
    pos_opt = pos_label
    seen = sorted({str(v) for v in raw if v is not None})
    shown = ", ".join(repr(v) for v in seen[:5]) + (", …" if len(seen) > 5 else "")
    if len(seen) > 2:
        raise InputError(
            f"binary class-name labels take two values, but there are {len(seen)} "
            f"({shown}) and one prediction column; fix the labels, or give one prediction "
            "column per class"
        )
    recorded = None
    if pos_opt is not None:
        if column in seen and pos_opt != column:
            raise UsageError(
                f"--pos-label {pos_opt!r} contradicts the prediction column {column!r}, "
                "which names the class it scores; drop --pos-label or rename the column"
            )
        if pos_opt not in seen and len(seen) == 2:
            raise UsageError(f"--pos-label {pos_opt!r} is not one of the labels ({shown})")
        pos = pos_opt
        recorded = None if pos == column else pos
        note = (
            None
            if pos == column
            else f"labels: positive class {pos!r} (--pos-label), scored by column {column!r}"
        )
    elif column in seen:
        pos, note = column, None
    elif len(seen) == 2:
        raise UsageError(
            f"binary class-name labels ({shown}) do not include the prediction column's name "
            f"{column!r}, so which class it scores is unknown; pass --pos-label NAME"
        )
    else:
        raise UsageError(
            f"every label is {seen[0]!r} and the prediction column {column!r} names no "
            f"class, so which class is positive is unknown; pass --pos-label (e.g. "
            f"--pos-label {seen[0]} if {seen[0]!r} is the positive class)"
        )
    others = [v for v in seen if v != pos]
    if others:
        return [others[0], pos], recorded, note, False
    neg = f"not {pos}"
    more = (
        f"the first rows hold only the label {pos!r}: the first other label further "
        "down is the negative class, a third an error"
    )
    return [neg, pos], recorded, more if note is None else f"{note}; {more}", True


def label_encoding_for(
    task: str, raw: np.ndarray, preds: np.ndarray, *, text_labels: bool = False
) -> str:
    """The label encoding of a task the user gave (``--task``), read from the labels.

    Returns ``name`` (class names), ``values`` (regression), ``binary`` / ``pm1``,
    ``index`` / ``one-hot`` / ``soft`` (multi-class) or ``multi-hot``.

    >>> label_encoding_for("multiclass", np.array([[1.0, 0.0]]), np.zeros((1, 2)))
    'one-hot'
    """
    if text_labels:
        if task not in ("binary", "multiclass"):
            raise InputError(f"class-name labels do not fit --task {task}")
        return "name"
    n_lab = raw.shape[1]
    if task == "regression":
        return "values"
    if task == "binary":
        if n_lab != 1:
            raise InputError(f"--task binary needs one label column; got {n_lab}")
        y = raw[:, 0]
        if preds.shape[1] == 2 and np.all(np.isin(y, (-1.0, 1.0))) and np.any(y == -1):
            return "pm1"
        if is_soft_targets(y):
            return "soft"
        return "binary"  # one prediction column: _decide reads the values (binary_labels)
    if task == "multiclass":
        if n_lab == 1:
            return "index"
        if np.all((raw == 0) | (raw == 1)) and np.all(raw.sum(axis=1) == 1):
            return "one-hot"
        return "soft"
    if n_lab != preds.shape[1]:
        raise InputError(
            f"--task multilabel needs one label column per prediction column; got {n_lab} "
            f"label and {preds.shape[1]} prediction columns"
        )
    return "soft" if is_soft_targets(raw) else "multi-hot"


SOFT_NOTE = (
    "soft targets: the labels are probabilities in [0, 1], used as given by the losses (torch "
    "BCE on soft targets); the metrics count a target above 0.5 as positive (the argmax of "
    "(1 - t, t); 0.5 is negative)"
)
"""The inference note of binary and multi-label soft targets."""


def check_no_whole_number_column(
    preds: np.ndarray, task: str, pred_cols: Sequence[str], weight_col: str | None
) -> None:
    """Default prediction columns: one named like sample weights, or (classification) a
    column of whole numbers beyond 0/1 beside columns of scores, which is an id, a count
    or a predicted class, is no score (read as one, it would be a logit); losscli asks
    for ``--pred-cols``.

    >>> check_no_whole_number_column(np.array([[0.2, 0.8]]), "binary", ["a", "b"], None)
    """
    for col in pred_cols:
        if col.lower() in WEIGHT_NAMES and weight_col is None:
            raise UsageError(
                f"prediction column {col!r} is named like sample weights; pass "
                f"--weight-col {col} to weight the rows by it, or choose the score columns "
                "with --pred-cols"
            )
    if task == "regression":
        return
    if not preds.shape[0]:
        return
    # a column is whole only if its first value is: check the others' rows only for those
    cand = np.flatnonzero(preds[0] == np.round(preds[0]))
    if not cand.size:
        return
    sub = preds[:, cand]
    whole = np.zeros(preds.shape[1], dtype=bool)
    whole[cand] = (sub == np.round(sub)).all(axis=0)
    odd = np.zeros(preds.shape[1], dtype=bool)
    odd[cand] = whole[cand] & np.any(np.abs(sub) > 1, axis=0)
    del sub
    if not odd.any() or whole.all():
        return
    whole_values = preds == np.round(preds)
    # evidence only where the other columns are scores (hardly ever a whole number), not
    # the small whole numbers of a hand-written file
    if not odd.any() or whole.all() or whole_values[:, ~odd].mean() > 0.1:
        return
    j = int(np.flatnonzero(odd)[0])
    col, other = pred_cols[j], pred_cols[int(np.flatnonzero(~whole)[0])]
    seen = np.unique(preds[:, j])
    shown = ", ".join(num(v) for v in seen[:4]) + (", …" if seen.size > 4 else "")
    raise UsageError(
        f"prediction column {col!r} holds only whole numbers ({shown}), unlike {other!r}: "
        "an id, a count or a predicted class is no score; choose the score columns with "
        f"--pred-cols (or pass --id-col {col} if it is an id)"
    )


def check_logit_pair(preds: np.ndarray, pred_cols: Sequence[str]) -> None:
    """Two binary prediction columns read as logits (``--scores auto``) where one lies
    wholly in [0, 1] and the other does not: a probability beside something else (a weight,
    a margin, a loss), no pair of logits; losscli asks.

    >>> check_logit_pair(np.array([[-0.3, 2.0], [1.5, -1.0]]), ["neg", "pos"])
    >>> try:
    ...     check_logit_pair(np.array([[0.3, 2.5], [0.9, 0.4]]), ["prob", "w"])
    ... except UsageError as e:
    ...     print(str(e).split("; ")[0].split("but ")[1])
    'prob' is within [0, 1] and 'w' is not
    """
    inside = ((preds >= 0) & (preds <= 1)).all(axis=0)
    if int(inside.sum()) != 1:
        return
    a, b = pred_cols
    p, o = (a, b) if inside[0] else (b, a)
    raise UsageError(
        f"the prediction columns {a!r} and {b!r} would be the binary classes' logits "
        f"(negative, positive), but {p!r} is within [0, 1] and {o!r} is not; choose the score "
        f"column with --pred-cols {p} (and --weight-col {o} if it holds weights), or pass "
        "--scores logits if both are logits"
    )


def check_logits_beside_binary_labels(
    preds: np.ndarray,
    labels: np.ndarray,
    pred_cols: Sequence[str],
    ignore_index: int | None = None,
) -> None:
    """Three or more default prediction columns read as one multi-class model's logits
    (``--task auto``, ``--scores auto``) while every label is 0 or 1 and exactly one column
    lies wholly in [0, 1]: a probability beside other numbers (a loss, a margin, a weight),
    not the logits of classes that never occur; losscli asks (the two-column case is
    :func:`check_logit_pair`).

    Args:
        preds: (n, P) the first rows' prediction columns, P >= 3.
        labels: (n,) their labels as numbers.
        pred_cols: the P column names.
        ignore_index: labels with this value are left out.

    >>> check_logits_beside_binary_labels(
    ...     np.array([[0.3, 2.0, -1.0], [0.9, 0.5, 2.0]]), np.array([2.0, 0.0]), ["a", "b", "c"])
    >>> try:
    ...     check_logits_beside_binary_labels(np.array([[0.3, 2.5, -1.0], [0.9, 0.4, 2.0]]),
    ...                                       np.array([0.0, 1.0]), ["prob", "loss", "margin"])
    ... except UsageError as e:
    ...     print(str(e).split(" and only ")[1].split("; ")[0])
    'prob' is within [0, 1]
    """
    y = labels if ignore_index is None else labels[labels != ignore_index]
    if not y.size or not np.isin(y, (0.0, 1.0)).all():
        return
    inside = ((preds >= 0) & (preds <= 1)).all(axis=0)
    if int(inside.sum()) != 1:
        return
    P = preds.shape[1]
    p = pred_cols[int(np.flatnonzero(inside)[0])]
    raise UsageError(
        f"every label is 0 or 1, but the {P} prediction columns would be {P} classes' logits "
        f"and only {p!r} is within [0, 1]; choose the score column with --pred-cols {p} "
        "(and --weight-col for a column of weights), or pass --scores logits if they are "
        f"{P} classes' logits"
    )


def check_pair(preds: np.ndarray, where: Where | None, pred_cols: Sequence[str]) -> None:
    """Two binary prediction columns read as probabilities must be a pair: (negative,
    positive) rows that sum to 1; else they may be two other things (an index column and
    a score, two independent heads), and losscli asks.

    >>> check_pair(np.array([[0.3, 0.7]]), None, ["neg", "pos"])
    """
    sums = preds.sum(axis=1)
    off = sum_is_off(sums)
    if off.any():
        i = first_bad(off)
        a, b = pred_cols
        raise UsageError(
            f"{(where or (lambda i: f'row {i + 1}'))(i)}: the prediction columns {a!r} and "
            f"{b!r} are read as the binary classes' probabilities (negative, positive), but "
            f"{num(preds[i, 0])} + {num(preds[i, 1])} is not 1; pass --scores probs to take {b!r} "
            f"as the positive class's probability, --scores logits if they are logits, or "
            "choose the columns with --pred-cols"
        )
