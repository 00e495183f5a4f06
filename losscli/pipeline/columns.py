"""Column roles: which column of which table is the label, the prediction, the id, the
weight and the ``--group-by`` key (:func:`resolve_columns`); the class names of prediction
columns (:func:`class_names`). Labels read from a second file: :mod:`losscli.pipeline.labels`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import field
from fnmatch import fnmatchcase
from typing import Any

from losscli import limits
from losscli.errors import InputError, UsageError
from losscli.pipeline.options import ReadSpec
from losscli.records import record

DEFAULT_LABEL_COLS = ("label", "labels", "label_ids", "target", "y", "y_true")
"""Label column names found without ``--label-col`` (any case): the usual ones, Hugging Face
``Trainer.predict``'s ``label_ids`` and scikit-learn's ``y_true``. A 2-D array (NPZ) or list
column (Parquet, Arrow, JSON Lines) of such a name is the label columns ``labels:0`` …"""

PREDICTION_KEYS = ("predictions", "logits", "y_pred", "y_score", "y_prob", "probs", "scores")
"""Names that hold the predictions (Hugging Face's ``predictions``, ``logits``, scikit-learn's
``y_pred`` / ``y_score``): two of them among the default prediction columns are refused."""
DEFAULT_ID_COLS = ("id",)


def _as_list(value: Sequence[str] | str | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


# --------------------------------------------------------------------------------------------
# column roles
# --------------------------------------------------------------------------------------------


@record
class Columns:
    """Which column of which table plays which role."""

    label: list[str]
    pred: list[str]
    label_in_preds: bool
    id: str | None = None
    weight: str | None = None
    text_labels: bool = False
    join: bool = False  # the labels file is joined to the predictions by the id column
    group: str | None = None  # --group-by
    notes: list[str] = field(default_factory=list)  # readings taken, for the inference list
    pred_given: bool = False  # --pred-cols chose the prediction columns (else the defaults)


def _require(table: Any, names: Sequence[str], option: str) -> None:
    missing = [n for n in names if n not in table.columns]
    if missing:
        shown = ", ".join(repr(c) for c in table.columns[:20])
        raise UsageError(
            f"{option}: {table.name} has no column {missing[0]!r}; its columns are {shown}"
        )


def _pick_default(table: Any, names: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in table.columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _base(column: str) -> str:
    """The array (NPZ) or list column (Parquet, Arrow, JSON Lines) a column comes from:
    ``logits:3`` -> ``logits``; a plain column is its own."""
    return column.rsplit(":", 1)[0] if ":" in column else column


def _check_one_vector(name: str, pred: Sequence[str]) -> None:
    """Default prediction columns from a vector (an NPZ array, a list column) and from other
    columns are no one set of classes (``logits:0 … logits:3`` beside a scalar ``margin``
    would be read as 5 classes): ask for ``--pred-cols``.

    >>> _check_one_vector("p.npz", ["logits:0", "logits:1"])
    >>> try:
    ...     _check_one_vector("p.npz", ["logits:0", "logits:1", "margin"])
    ... except UsageError as e:
    ...     print(str(e).split(", read")[0])
    p.npz: the prediction columns would be the vector 'logits' (2 values) and 'margin'
    """
    bases = list(dict.fromkeys(_base(c) for c in pred))
    vectors = [b for b in bases if f"{b}:0" in pred]
    if not vectors or len(bases) < 2:
        return
    v = vectors[0]
    others = ", ".join(repr(b) for b in bases if b != v)
    n = sum(1 for c in pred if _base(c) == v)
    raise UsageError(
        f"{name}: the prediction columns would be the vector {v!r} ({n} values) and {others}, "
        f"read together as {len(pred)} classes; choose the scores with --pred-cols (e.g. "
        f"--pred-cols '{v}:*')"
    )


def _pick_default_label(table: Any) -> list[str] | None:
    """The label column(s) found by name (:data:`DEFAULT_LABEL_COLS`), or None.

    A column so named, else the columns of the one vector so named (``label_ids:0`` …).
    """
    lower = {c.lower() for c in table.columns}
    found = [c for c in table.columns if c.lower() in DEFAULT_LABEL_COLS]
    if len(found) > 1 and len(lower & set(DEFAULT_LABEL_COLS)) > 1:
        shown = ", ".join(repr(c) for c in found)
        raise UsageError(
            f"{table.name} has several label columns ({shown}); pass --label-col to choose one"
        )
    one = _pick_default(table, DEFAULT_LABEL_COLS)
    if one is not None:
        return [one]
    bases = list(
        dict.fromkeys(
            _base(c) for c in table.columns if ":" in c and _base(c).lower() in DEFAULT_LABEL_COLS
        )
    )
    if len(bases) > 1:
        shown = ", ".join(repr(b) for b in bases)
        raise UsageError(
            f"{table.name} has several label arrays ({shown}); pass --label-col to choose one "
            f"(e.g. --label-col '{bases[0]}:*')"
        )
    if bases:
        return [c for c in table.columns if ":" in c and _base(c) == bases[0]]
    return None


def _expand(table: Any, patterns: Sequence[str], option: str) -> list[str]:
    """The columns a list of names or shell-style patterns names, in the order given (a
    pattern's matches in file order); a name or pattern matching nothing is an error.

    >>> class T:
    ...     name, columns = "p.csv", ["id", "y_a", "y_b", "p_a", "p_b"]
    >>> _expand(T, ["y_*"], "--label-col"), _expand(T, ["p_b", "p_*"], "--pred-cols")
    (['y_a', 'y_b'], ['p_b', 'p_a'])
    """
    out: list[str] = []
    for p in patterns:
        hits = [p] if p in table.columns else [c for c in table.columns if fnmatchcase(c, p)]
        if not hits:
            _require(table, [p], option)
        out += [c for c in hits if c not in out]
    return out


# compiled (re's cache) by the first check that needs it, not at import (issue #20, start-up)
_INDEX_NAME = r"(Unnamed: \d+|__index_level_\d+__|index|level_\d+)"


def is_index_column(name: str) -> bool:
    """Whether a column is a pandas index written with the data.

    ``DataFrame.to_csv()`` writes its index under an empty header name (read back as
    ``Unnamed: 0``, as pandas does); ``to_parquet()`` stores a non-default index as
    ``__index_level_0__``; ``reset_index()`` turns it into a column ``index`` (``level_0``
    when there is one already), which ``to_csv(index=False)`` or ``np.savez(**df)`` then
    write. Such a column holds row labels (0 .. N-1), never a prediction.

    >>> [is_index_column(c) for c in ["Unnamed: 0", "", "__index_level_0__", "id", "p"]]
    [True, True, True, False, False]
    >>> [is_index_column(c) for c in ["index", "level_0", "Index", "reindex"]]
    [True, True, False, False]
    """
    return name == "" or re.fullmatch(_INDEX_NAME, name) is not None


def _names_something(option: str, given: Any, names: list[str] | None) -> None:
    """A column-list option given only commas or spaces names nothing: a usage error."""
    if given is not None and not names:
        what = "names" if option == "--label-col" else "names or shell-style patterns"
        eg = (
            "label or --label-col a,b"
            if option == "--label-col"
            else "a,b or --pred-cols 'logit_*'"
        )
        raise UsageError(
            f"{option} {given!r} names no column; give column {what} separated by commas, "
            f"e.g. {option} {eg}"
        )


def _text_evidence(table: Any, col: str) -> str:
    """`` (line 3: 'abc' is not a number)`` when the reader knows where the text is."""
    where = table.text_evidence.get(col)
    return f" ({where} is not a number)" if where else ""


def _require_id(table: Any, other: Any, id_col: str) -> None:
    """``--id-col`` must name a column of ``table``, spelt the same (no case-insensitive match)."""
    if id_col in table.columns:
        return
    near = [c for c in table.columns if c.lower() == id_col.lower()]
    if near:
        raise UsageError(
            f"--id-col {id_col!r}: {table.name} has no column {id_col!r} but has {near[0]!r}; "
            f"the id column must have the same name in {other.name} and {table.name}: rename "
            "one of them"
        )
    _require(table, [id_col], "--id-col")


def _join_columns(pred_table: Any, label_table: Any | None, opts: ReadSpec) -> tuple[Any, ...]:
    """The id column and whether the labels file is joined by it, and the note to report.

    ``--id-col`` must be in both files. Without it, a column called ``id`` (any case) is the
    id column: in both files it joins them (spelt the same, else refused), in one file only
    or in neither the rows are matched by position and an inference note says so.
    """
    id_col = opts.id_col
    if id_col:
        if label_table is None:
            _require(pred_table, [id_col], "--id-col")
            return id_col, False, None
        _require_id(pred_table, label_table, id_col)
        _require_id(label_table, pred_table, id_col)
        return id_col, True, None
    id_col = _pick_default(pred_table, DEFAULT_ID_COLS)
    if label_table is None:
        return id_col, False, None
    label_id = _pick_default(label_table, DEFAULT_ID_COLS)
    if id_col and label_id:
        if id_col != label_id:
            raise UsageError(
                f"the id columns differ in case: {id_col!r} in {pred_table.name}, {label_id!r} "
                f"in {label_table.name}; rename one so that both files use the same name (and "
                "pass --id-col NAME if it is not 'id') to join the files by id"
            )
        return id_col, True, None
    if id_col or label_id:
        which, col = (pred_table, id_col) if id_col else (label_table, label_id)
        why = f"only {which.name} has an id column ({col!r})"
    else:
        why = "neither file has an id column"
    return (
        id_col,
        False,
        f"labels matched by position (row i of {label_table.name} labels row i): {why}; pass "
        "--id-col NAME to join the files by an id column",
    )


def _paired_by_affix(label_cols: list[str], pred: list[str]) -> list[str] | None:
    """The label columns in the prediction columns' order when each label column is named
    one shared prefix or suffix around a distinct prediction column's name (``y_a`` for
    ``a``, ``a_true`` for ``a``), or when both are vectors (``label_ids:3`` beside
    ``logits:3``) whose positions name the same index; else None.

    >>> _paired_by_affix(["y_b", "y_a"], ["a", "b"]), _paired_by_affix(["t0"], ["p0"])
    (['y_a', 'y_b'], None)
    """
    if len(label_cols) != len(pred) or len(pred) < 2:
        return None
    if [c.rpartition(":")[2] for c in label_cols] == [c.rpartition(":")[2] for c in pred] and all(
        ":" in c for c in label_cols + pred
    ):
        return list(label_cols)
    first, wanted = label_cols[0], set(pred)
    affixes = {}
    for c in pred:
        if len(first) > len(c) and first.endswith(c):
            affixes[("prefix", first[: len(first) - len(c)])] = None
        if len(first) > len(c) and first.startswith(c):
            affixes[("suffix", first[len(c) :])] = None
    for kind, a in affixes:
        named = [
            (lab[len(a) :] if lab.startswith(a) else None)
            if kind == "prefix"
            else (lab[: len(lab) - len(a)] if lab.endswith(a) else None)
            for lab in label_cols
        ]
        if None not in named and set(named) == wanted and len(set(named)) == len(named):
            by_pred = dict(zip(named, label_cols))
            return [by_pred[c] for c in pred]
    return None


def resolve_columns(
    pred_table: Any, label_table: Any | None, opts: ReadSpec, group_by: str | None = None
) -> Columns:
    """Decide the label, prediction, id and weight columns from the headers and options.

    Defaults: the label column is the one of ``label, labels, target, y`` present (several:
    an error asking for ``--label-col``); a column ``id`` is the id column; the predictions
    are every other numeric column but a pandas index (``Unnamed: 0``, left out with a note).
    A column plays one role: ``--id-col``, ``--weight-col`` and ``--group-by`` naming a label
    or prediction column are refused.
    """
    weight_col = opts.weight_col
    id_col, join, join_note = _join_columns(pred_table, label_table, opts)
    notes = [join_note] if join_note else []
    if weight_col:
        _require(pred_table, [weight_col], "--weight-col")
        if pred_table.kinds.get(weight_col) != "number":
            raise InputError(f"{pred_table.name}: --weight-col {weight_col!r} is not numeric")
    group_col = group_by
    if group_col:
        _require(pred_table, [group_col], "--group-by")
    label_cols = _as_list(opts.label_col)
    _names_something("--label-col", opts.label_col, label_cols)
    if label_table is None:
        if label_cols is None:
            found = _pick_default_label(pred_table)
            if found is None:
                raise UsageError(
                    f"{pred_table.name} has no label column (looked for "
                    f"{', '.join(DEFAULT_LABEL_COLS)}); pass --label-col NAME or a LABELS file"
                )
            label_cols = found
        label_cols = _expand(pred_table, label_cols, "--label-col")
        source = pred_table
    else:
        if label_cols is None:
            label_id = id_col or _pick_default(label_table, DEFAULT_ID_COLS)
            rest = [c for c in label_table.columns if c != label_id]
            found = _pick_default_label(label_table)
            index = [c for c in rest if is_index_column(c)]
            if found is None and index and len(rest) > len(index):
                rest = [c for c in rest if c not in index]
                notes.append(
                    f"{label_table.name}: {', '.join(repr(c) for c in index)} is a pandas index "
                    "(row numbers), not labels: left out; --label-col to use it"
                )
            label_cols = rest if len(rest) == 1 or found is None else found
        label_cols = _expand(label_table, label_cols, "--label-col")
        source = label_table
    if not label_cols:
        raise InputError(f"{source.name} has no label column besides the id column")
    kinds = [source.kinds.get(c) for c in label_cols]
    text_labels = "text" in kinds
    if text_labels and len(label_cols) > 1:
        raise InputError(
            f"{source.name}: label columns {', '.join(label_cols)} mix text; class-name labels "
            "must be one column"
        )
    if label_table is None:
        for option, col in (("--id-col", opts.id_col), ("--weight-col", weight_col),
                            ("--group-by", group_col)):  # fmt: skip
            if col is not None and col in label_cols:
                raise UsageError(
                    f"{option} {col!r} is the label column; a column plays one role (choose "
                    f"another {option}, or the labels with --label-col)"
                )
        if id_col is not None and opts.id_col is None and id_col in label_cols:
            id_col = None  # --label-col id: the column is the label, not an id
    reserved = {id_col, weight_col, group_col} | (set(label_cols) if label_table is None else set())
    pattern = _as_list(opts.pred_cols)
    _names_something("--pred-cols", opts.pred_cols, pattern)
    if pattern is None:
        pred = [
            c for c in pred_table.columns if c not in reserved and pred_table.kinds[c] == "number"
        ]
        if label_table is not None:  # the labels come from LABELS: a label column is no score
            leak = [c for c in pred if c.lower() in DEFAULT_LABEL_COLS]
            if leak and len(leak) < len(pred):
                pred = [c for c in pred if c not in leak]
                notes.append(
                    f"prediction columns: {', '.join(repr(c) for c in leak)} of "
                    f"{pred_table.name} left out, the labels come from {label_table.name} "
                    "(choose the columns with --pred-cols)"
                )
        blank = [c for c in pred if c in pred_table.blank_columns]
        if blank:
            pred = [c for c in pred if c not in blank]
            sep = "a tab" if getattr(pred_table, "delimiter", ",") == "\t" else "a comma"
            notes.append(
                f"{', '.join(repr(c) for c in blank)}: no header name and no values (every line "
                f"ends with {sep}, an empty column), not a prediction: left out"
            )
        index = [c for c in pred if is_index_column(c)]
        if index:
            pred = [c for c in pred if c not in index]
            shown = ", ".join(repr(c) for c in index)
            notes.append(
                f"{shown} {'is a pandas index' if len(index) == 1 else 'are pandas indexes'} "
                "(row numbers, as DataFrame.to_csv() writes them), not "
                f"{'a prediction' if len(index) == 1 else 'predictions'}: left out; "
                "--pred-cols to use it"
            )
        keys = list(dict.fromkeys(_base(c) for c in pred if _base(c).lower() in PREDICTION_KEYS))
        if len(keys) > 1:
            shown = ", ".join(repr(k) for k in keys)
            eg = f"'{keys[0]}:*'" if f"{keys[0]}:0" in pred else keys[0]
            raise UsageError(
                f"{pred_table.name} holds several prediction arrays ({shown}); choose one with "
                f"--pred-cols (e.g. --pred-cols {eg})"
            )
    else:
        pred = _expand(pred_table, pattern, "--pred-cols")
        text = [c for c in pred if pred_table.kinds.get(c) != "number"]
        if text:
            raise InputError(
                f"{pred_table.name}: prediction column {text[0]!r} is not numeric"
                f"{_text_evidence(pred_table, text[0])}"
            )
    if not pred:
        text_cols = [
            c for c in pred_table.columns if c not in reserved and pred_table.kinds[c] == "text"
        ]
        if text_cols:
            raise InputError(
                f"{pred_table.name}: column {text_cols[0]!r} holds text, not numbers"
                f"{_text_evidence(pred_table, text_cols[0])}, so there is no prediction column; "
                "fix its values or choose columns with --pred-cols"
            )
        raise InputError(
            f"{pred_table.name} has no prediction column besides the label/id/weight columns; "
            "choose them with --pred-cols"
        )
    for option, col in (("--id-col", id_col), ("--weight-col", weight_col),
                        ("--group-by", group_col)):  # fmt: skip
        if col is not None and col in pred:
            raise UsageError(
                f"{option} {col!r} is also a prediction column (--pred-cols); a column plays "
                "one role"
            )
    if label_table is None and set(pred) & set(label_cols):
        raise UsageError(
            f"column {sorted(set(pred) & set(label_cols))[0]!r} is both label and prediction"
        )
    if len(label_cols) > 1 and len(label_cols) == len(pred):
        if set(label_cols) == set(pred):  # match label columns to prediction columns by name
            label_cols = list(pred)
        elif (
            label_table is not None
            and set(label_cols) & set(pred)
            and (opts.label_col is None or opts.pred_cols is None)
        ):
            both = sorted(set(label_cols) & set(pred))[0]
            raise UsageError(
                f"label columns ({', '.join(label_cols)}) and prediction columns "
                f"({', '.join(pred)}) share the name {both!r} but not all names, so they cannot "
                "be paired by name or by position; choose them with --label-col and --pred-cols "
                "in the same order"
            )
        elif opts.label_col is None or opts.pred_cols is None:
            affixed = _paired_by_affix(label_cols, pred)  # y_b, y_a beside a, b
            paired = label_cols if affixed is None else affixed
            pairs = ", ".join(f"{a!r} with {b!r}" for a, b in list(zip(paired, pred))[:3])
            pairs += ", …" if len(pred) > 3 else ""
            source_name = (label_table or pred_table).name
            if affixed is None:  # no names to pair them by: by position
                notes.append(
                    f"label columns of {source_name} paired with the prediction columns by "
                    f"position, their names differ: {pairs}; name them alike to pair them by "
                    "name (or give --label-col and --pred-cols in order)"
                )
            elif affixed != label_cols:
                notes.append(
                    f"label columns of {source_name} paired with the prediction columns by "
                    f"name: {pairs} (not in the order they are written; give --label-col and "
                    "--pred-cols to pair them otherwise)"
                )
            label_cols = paired
    limits.PRED_COLUMNS.check_input(f"{pred_table.name}: the predictions have", len(pred))
    if pattern is None:
        _check_one_vector(pred_table.name, pred)
    return Columns(
        label=label_cols,
        pred=pred,
        label_in_preds=label_table is None,
        id=id_col,
        weight=weight_col,
        text_labels=text_labels,
        join=join,
        group=group_col,
        notes=notes,
        pred_given=opts.pred_cols is not None,
    )


def class_names(pred_cols: Sequence[str]) -> list[str]:
    """Class names from prediction column names: ``logits:0 .. logits:9`` become ``0 .. 9``.

    >>> class_names(["probs:0", "probs:1"])
    ['0', '1']
    >>> class_names(["cat", "dog"])
    ['cat', 'dog']
    """
    prefixes = {c.rsplit(":", 1)[0] for c in pred_cols if ":" in c}
    if len(prefixes) == 1 and all(":" in c for c in pred_cols):
        return [c.rsplit(":", 1)[1] for c in pred_cols]
    return list(pred_cols)
