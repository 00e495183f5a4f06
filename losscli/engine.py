"""The evaluation pipeline: read chunks, decide the task once, update accumulators, report.

``evaluate()`` is the whole product in one call; the CLI only parses options, calls it and
renders the :class:`~losscli.report.Report`. Every statistic is a mergeable accumulator, so a
20-row file, a 10 GB file read in chunks and (later) shards give the same numbers.
"""

from __future__ import annotations

import fnmatch
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from losscli import __version__, limits
from losscli.errors import InputError, StrictWarning, UsageError
from losscli.report import Report, build_signature
from losscli.tasks import (
    PROB_SUM_TOL,
    SCORE_KINDS,
    TASKS,
    Plan,
    binary_labels,
    binary_scores_from_two,
    check_scores,
    encode_numeric_labels,
    encode_text_labels,
    first_bad,
    infer_scores,
    infer_task,
    name_values,
    normalise_probs,
    numeric_class_reading,
)

DEFAULT_LABEL_COLS = ("label", "labels", "target", "y")
DEFAULT_ID_COLS = ("id",)
MAX_GROUPS = 1000
LINEAR_MIN_ROWS = 50_000
"""Fewest rows for the linear ``--bootstrap`` path; smaller data is resampled exactly."""
INFER_ROWS = 131_072
"""The task, score kind, label encoding and classes are decided from the first this many
usable rows, whatever ``--chunk-size`` is (so the chunk size never changes a decision); rows
further down that contradict a decision are an error naming the flag that settles it."""


@dataclass
class Options:
    """Every setting of one evaluation (the CLI's options, by their Python names)."""

    task: str = "auto"
    scores: str = "auto"
    activation: str | None = None
    losses: Sequence[str] | None = None  # None: the task's default; ["all"]: every valid loss
    params: dict[str, Any] = field(default_factory=dict)  # loss parameters (losses.PARAMS)
    # probabilities; or a thresholds.ScoreThreshold (the scores' own scale, from a file)
    threshold: float | Sequence[float] | dict[str, float] | Any | None = None
    threshold_source: str = "--threshold"  # how messages name it (--threshold @file.json)
    pos_label: str | None = None  # binary: the label value of the positive class
    labels_are: str | None = None  # multi-class whole-number labels: index | name (None: infer)
    top_k: int | None = None
    zero_division: str | float = "warn"
    label_col: Sequence[str] | str | None = None
    pred_cols: Sequence[str] | str | None = None
    id_col: str | None = None
    weight_col: str | None = None
    input_format: str | None = None
    labels_format: str | None = None
    chunk_size: int | None = None
    drop_invalid: bool = False
    strict: bool = False
    ece_bins: int = 15
    auc_bins: int | None = None  # binned ROC AUC / AP: no per-row scores kept
    keep_loss_values: bool = False  # keep per-sample losses (float32) for plots/histograms
    bootstrap: int = 0  # resamples for percentile intervals (0: none)
    ci_level: float = 0.95
    seed: int = 0
    group_by: str | None = None  # a column: one report per value (slice)
    min_group_size: int = 30  # slices smaller than this get a warning
    keep_rows: bool = False  # keep per-row terms for resampling (set by --bootstrap, compare)

    def __post_init__(self) -> None:
        if self.task not in ("auto", *TASKS):
            raise UsageError(f"--task must be auto or one of {', '.join(TASKS)}, got {self.task!r}")
        if self.scores not in ("auto", *SCORE_KINDS, "values"):
            raise UsageError(
                f"--scores must be auto, logits, probs or log-probs, got {self.scores!r}"
            )
        if self.top_k is not None and self.top_k < 1:
            raise UsageError(f"--top-k must be a whole number >= 1, got {self.top_k}")
        if self.zero_division not in ("warn", 0, 1, "nan", 0.0, 1.0) and not (
            isinstance(self.zero_division, float) and math.isnan(self.zero_division)
        ):
            raise UsageError(f"--zero-division must be 0, 1 or nan, got {self.zero_division!r}")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise UsageError(f"--chunk-size must be >= 1, got {self.chunk_size}")
        if self.ece_bins < 1:
            raise UsageError(f"--ece-bins must be >= 1, got {self.ece_bins}")
        if self.bootstrap < 0:
            raise UsageError(f"--bootstrap must be 0 (off) or a number of resamples, got "
                             f"{self.bootstrap}")  # fmt: skip
        if self.auc_bins is not None and self.auc_bins < 2:
            raise UsageError(f"--auc-bins must be >= 2, got {self.auc_bins}")
        limits.BINS.check_option("--ece-bins", self.ece_bins)
        limits.BINS.check_option("--auc-bins", self.auc_bins)
        limits.BOOTSTRAP.check_option("--bootstrap", self.bootstrap)
        if self.bootstrap:
            self.keep_rows = True
        if not 0.0 < self.ci_level < 1.0:
            raise UsageError(
                f"--ci must be a level between 0 and 1, e.g. 0.95; got {self.ci_level}"
            )
        if self.min_group_size < 1:
            raise UsageError(f"--min-group-size must be >= 1, got {self.min_group_size}")
        if self.labels_are == "auto":
            self.labels_are = None
        if self.labels_are not in (None, "index", "name"):
            raise UsageError(f"--labels-are must be index or name, got {self.labels_are!r}")
        if self.pos_label is not None:
            self.pos_label = str(self.pos_label).strip()
            if not self.pos_label:
                raise UsageError("--pos-label needs a value: the label of the positive class")
        self.threshold = check_threshold(self.threshold, self.threshold_source)
        check_seed(self.seed)


def _json_text(value: Any) -> str:
    import json

    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _threshold_value(value: Any, what: str, option: str) -> float:
    """One threshold: a real number (not a boolean) in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        kind = "a boolean" if isinstance(value, bool) else "not a number"
        raise UsageError(
            f"{option}: {what} is {_json_text(value)}, {kind}; thresholds are numbers in [0, 1]"
        )
    v = float(value)
    if not math.isfinite(v):
        raise UsageError(
            f"{option}: {what} is {v}, not a finite number; thresholds are numbers in [0, 1]"
        )
    if not 0.0 <= v <= 1.0:
        raise UsageError(f"{option}: {what} is {v:g}, outside [0, 1]; thresholds are probabilities")
    return v


def check_threshold(value: Any, option: str = "--threshold") -> Any:
    """Check a ``--threshold`` value once, where it enters: numbers in [0, 1] only (a
    :class:`~losscli.thresholds.ScoreThreshold` passes; :func:`resolve_threshold` checks it).

    A number, a non-empty list of numbers (one per label) or a non-empty ``{label: number}``
    map; booleans, text, nested lists, NaN, infinities and values outside [0, 1] are refused
    with one message naming ``option`` and the bad item. How many values the task needs is
    checked later, by :func:`resolve_threshold`.

    Returns:
        The value as floats (None stays None).

    >>> check_threshold([0.25, 1])
    [0.25, 1.0]
    >>> try:
    ...     check_threshold(True)
    ... except UsageError as e:
    ...     print(e)
    --threshold: the value is true, a boolean; thresholds are numbers in [0, 1]
    """
    from losscli.thresholds import ScoreThreshold

    if value is None or isinstance(value, ScoreThreshold):  # a ScoreThreshold: checked later
        return value
    if isinstance(value, dict):
        if not value:
            raise UsageError(f"{option}: the map is empty; give a threshold per label")
        out: dict[str, float] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise UsageError(f"{option}: label {k!r} is not a name")
            out[k] = _threshold_value(v, f"the threshold of {k!r}", option)
        return out
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        if not items:
            raise UsageError(f"{option}: the list is empty; give one threshold, or one per label")
        return [_threshold_value(v, f"item {i + 1}", option) for i, v in enumerate(items)]
    return _threshold_value(value, "the value", option)


def check_seed(seed: int) -> None:
    """``--seed`` seeds numpy's ``SeedSequence``: any whole number >= 0 (no upper bound).

    >>> check_seed(2**40)
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    losscli.errors.UsageError: --seed must be a whole number >= 0, got -1
    """
    import operator

    try:
        ok = not isinstance(seed, bool) and operator.index(seed) >= 0
    except TypeError:
        ok = False
    if not ok:
        raise UsageError(f"--seed must be a whole number >= 0, got {seed!r}")


def _as_list(value: Sequence[str] | str | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


# --------------------------------------------------------------------------------------------
# column roles
# --------------------------------------------------------------------------------------------


@dataclass
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


def _pick_default_label(table: Any) -> str | None:
    lower = {c.lower() for c in table.columns}
    found = [c for c in table.columns if c.lower() in DEFAULT_LABEL_COLS]
    if len(found) > 1 and len(lower & set(DEFAULT_LABEL_COLS)) > 1:
        shown = ", ".join(repr(c) for c in found)
        raise UsageError(
            f"{table.name} has several label columns ({shown}); pass --label-col to choose one"
        )
    return _pick_default(table, DEFAULT_LABEL_COLS)


_INDEX_NAME = re.compile(r"(Unnamed: \d+|__index_level_\d+__|index|level_\d+)")


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
    return name == "" or _INDEX_NAME.fullmatch(name) is not None


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


def _join_columns(pred_table: Any, label_table: Any | None, opts: Options) -> tuple[Any, ...]:
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


def resolve_columns(pred_table: Any, label_table: Any | None, opts: Options) -> Columns:
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
    group_col = opts.group_by
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
            label_cols = [found]
        _require(pred_table, label_cols, "--label-col")
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
            label_cols = rest if len(rest) == 1 or found is None else [found]
        _require(label_table, label_cols, "--label-col")
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
    else:
        pred = []
        for p in pattern:
            hits = [c for c in pred_table.columns if fnmatch.fnmatchcase(c, p)]
            if not hits:
                _require(pred_table, [p], "--pred-cols")
            pred += [c for c in hits if c not in pred]
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
    if label_table is not None and len(label_cols) > 1 and len(label_cols) == len(pred):
        if set(label_cols) == set(pred):  # match label columns to prediction columns by name
            label_cols = list(pred)
        elif set(label_cols) & set(pred) and (opts.label_col is None or opts.pred_cols is None):
            both = sorted(set(label_cols) & set(pred))[0]
            raise UsageError(
                f"label columns ({', '.join(label_cols)}) and prediction columns "
                f"({', '.join(pred)}) share the name {both!r} but not all names, so they cannot "
                "be paired by name or by position; choose them with --label-col and --pred-cols "
                "in the same order"
            )
    limits.PRED_COLUMNS.check_input(f"{pred_table.name}: the predictions have", len(pred))
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


# --------------------------------------------------------------------------------------------
# labels from a second file
# --------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as a message shows it: ``7`` or ``'abc'``, never ``np.int64(7)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


SHOWN_IDS = 5
"""How many ids a message about ids in one file only names."""


def _id_keys(ids: np.ndarray, text: bool) -> np.ndarray:
    """Exact ids as sortable keys: int64 as they are, or (``text``) numpy strings.

    An int64 id and a text id are the same id when the text is the integer written plainly
    (``7`` and ``'7'``, not ``'007'``).

    >>> _id_keys(np.array([9007199254740993]), text=True).tolist()
    ['9007199254740993']
    """
    from losscli.io._base import ids_as_text

    if not text:
        return ids
    return ids_as_text(ids).astype(str)


def _missing_ids(ids: np.ndarray) -> np.ndarray:
    """Mask of missing ids (None) in an exact-values array."""
    if ids.dtype != object:
        return np.zeros(len(ids), dtype=bool)
    return np.fromiter((v is None for v in ids), dtype=bool, count=len(ids))


class MissingIdsError(InputError):
    """Prediction ids that are not in the labels file: how many, and the first few.

    Attributes:
        n: how many prediction rows have an id without a label.
        shown: the first ones (at most ``SHOWN_IDS``): ``(id, location)``.
    """

    def __init__(self, pred_name: str, labels_name: str, id_col: str, n: int, shown: list) -> None:
        self.n, self.shown = n, list(shown)
        self.names = (pred_name, labels_name, id_col)
        super().__init__(
            f"{pred_name}: {_ids_count(n)} {'is' if n == 1 else 'are'} not in {labels_name} "
            f"(column {id_col!r}): {_id_list(self.shown, n)}; every prediction needs the label "
            "of its id: evaluate files that hold the same ids"
        )

    def __reduce__(self) -> tuple[Any, ...]:  # travels back from a dask worker
        return (MissingIdsError, (*self.names, self.n, self.shown))

    def merge(self, other: MissingIdsError) -> MissingIdsError:
        """The error of both (``other``'s rows after this one's)."""
        return MissingIdsError(
            *self.names, self.n + other.n, (self.shown + other.shown)[:SHOWN_IDS]
        )


def _ids_count(n: int) -> str:
    return "1 id" if n == 1 else f"{n} ids"


def _id_list(shown: list[tuple[Any, str]], total: int) -> str:
    text = ", ".join(f"{_show(v)} ({where})" for v, where in shown)
    return text + (", ..." if total > len(shown) else "")


class LabelFile:
    """Labels read whole from a second file (labels are small next to predictions).

    Joined by id (``cols.join``): every id of either file must be in the other, once. Ids are
    compared exactly (:meth:`~losscli.io.Chunk.ids`): as int64 when both files hold whole
    numbers, else as text (an int64 id then reads as its decimal text). ``take()`` refuses
    a duplicate id of the predictions at once, naming both rows; ids without a label are
    counted over the whole predictions file (``scan_missing()``, then ``finish()``).
    """

    def __init__(self, table: Any, cols: Columns, pred_name: str = "the predictions") -> None:
        self.name = table.name
        self.pred_name = pred_name
        self.id_col = cols.id
        self.text = cols.text_labels
        parts: list[np.ndarray] = []
        id_parts: list[np.ndarray] = []
        wheres: list[tuple[int, Any]] = []
        exact = [cols.id] if cols.join and cols.id else []
        for chunk in table.chunks(cols.label, exact=exact):
            parts.append(chunk.column(cols.label[0]) if self.text else chunk.matrix(cols.label))
            if exact:
                id_parts.append(chunk.ids(cols.id))
            wheres.append((chunk.start, chunk.locator()))
        if not parts:
            raise InputError(f"{table.name} has no data rows")
        self.values = np.concatenate(parts)
        self.n = len(self.values)
        self._wheres = wheres
        self.ids: np.ndarray | None = None
        self.first_row: np.ndarray | None = None  # per label row: the prediction row, or -1
        self._index: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        self._pred_wheres: list[tuple[int, Any]] = []
        self.n_missing = 0
        self.first_missing: list[tuple[Any, str]] = []
        if exact:
            from losscli.io._base import concat_exact

            ids = concat_exact(id_parts)
            gone = _missing_ids(ids)
            if gone.any():
                raise InputError(
                    f"{self.where(int(np.flatnonzero(gone)[0]))}: the id (column {cols.id!r}) is "
                    "missing; every row needs an id to join the files"
                )
            self.ids = ids
            text = ids.dtype == object
            order, keys = self._sorted(text)
            dup = np.flatnonzero(keys[1:] == keys[:-1])
            if dup.size:  # the first two rows of the repeated id that comes first in the file
                rows = np.sort(np.concatenate([order[dup], order[dup + 1]]))
                value = _id_keys(ids[rows[:1]], text)[0]
                first, second = np.flatnonzero(_id_keys(ids, text) == value)[:2].tolist()
                raise InputError(
                    f"{self.name}: id {_show(ids[first])} appears more than once in column "
                    f"{cols.id!r} ({self._where_in(first)} and {self._where_in(second)}); ids "
                    "must be unique to join the files"
                )
            self.first_row = np.full(self.n, -1, dtype=np.int64)

    def _sorted(self, text: bool) -> tuple[np.ndarray, np.ndarray]:
        """The label rows in id order and their sorted keys (int64, or text when ``text``)."""
        if text not in self._index:
            assert self.ids is not None
            keys = _id_keys(self.ids, text)
            order = np.argsort(keys)  # ids are unique (checked), so any sort will do
            self._index[text] = (order, keys[order])
        return self._index[text]

    def _where_in(self, row: int) -> str:
        for start, chunk in reversed(self._wheres):
            if row >= start:
                return chunk.where(row - start)
        return f"row {row + 1}"

    def where(self, row: int) -> str:
        """Where a row of the labels file is: ``labels.csv: line N``."""
        return f"{self.name}: {self._where_in(row)}"

    def _pred_where(self, row: int) -> str:
        for start, chunk in reversed(self._pred_wheres):
            if row >= start:
                return chunk.where(row - start)
        return f"row {row + 1}"  # pragma: no cover - every row's chunk is recorded

    def take(self, chunk: Any, ids: np.ndarray | None) -> np.ndarray | None:
        """The labels of one chunk of predictions, or None when some of its ids have none.

        Positional (no join): the next ``chunk.n`` labels. By id: the label of each id;
        a missing or repeated id raises InputError; ids without a label are counted and
        None returned (the caller then calls :meth:`scan_missing` for the rest).
        """
        start, n = chunk.start, chunk.n
        if self.ids is None:
            if start + n > self.n:
                raise InputError(
                    f"the predictions have more rows than the labels ({self.name} has {self.n}); "
                    "the files must have the same rows in the same order, or pass --id-col"
                )
            return self.values[start : start + n]
        assert ids is not None and self.first_row is not None
        self._pred_wheres.append((start, chunk.locator()))
        gone = _missing_ids(ids)
        if gone.any():
            raise InputError(
                f"{self.pred_name}: {chunk.where(int(np.flatnonzero(gone)[0]))}: the id (column "
                f"{self.id_col!r}) is missing; every row needs an id to join the files"
            )
        text = ids.dtype == object or self.ids.dtype == object
        order, keys = self._sorted(text)
        wanted = _id_keys(ids, text)
        pos = np.searchsorted(keys, wanted)
        pos_c = np.minimum(pos, self.n - 1)
        found = (pos < self.n) & (keys[pos_c] == wanted)
        at = np.arange(n) if found.all() else np.flatnonzero(found)
        rows = order[pos_c[at]]
        self._check_unique(chunk, ids, at, rows)
        self.first_row[rows] = start + at
        if at.size < n:
            lost = np.flatnonzero(~found)
            self.n_missing += int(lost.size)
            room = SHOWN_IDS - len(self.first_missing)
            self.first_missing += [(ids[i], chunk.where(int(i))) for i in lost[:room]]
            return None
        return self.values[rows]

    def _check_unique(self, chunk: Any, ids: np.ndarray, at: np.ndarray, rows: np.ndarray) -> None:
        """Refuse a prediction id seen before (in an earlier chunk or this one)."""
        assert self.first_row is not None
        earlier = self.first_row[rows] >= 0
        ranked = np.sort(rows)
        if not earlier.any() and not (ranked[1:] == ranked[:-1]).any():
            return
        o = np.argsort(rows, kind="stable")
        again = np.zeros(rows.size, dtype=bool)
        again[o[1:]] = rows[o[1:]] == rows[o[:-1]]
        bad = earlier | again
        if not bad.any():
            return
        k = int(np.flatnonzero(bad)[0])  # the first row whose id came before
        if earlier[k]:
            before = self._pred_where(int(self.first_row[rows[k]]))
        else:
            before = chunk.where(int(at[int(np.flatnonzero(rows == rows[k])[0])]))
        raise InputError(
            f"{self.pred_name}: id {_show(ids[at[k]])} appears more than once in column "
            f"{self.id_col!r} ({before} and {chunk.where(int(at[k]))}); ids must be unique to "
            "join the files (each prediction takes the label of its id)"
        )

    def scan_missing(self, chunks: Iterator[Any]) -> None:
        """Count the ids without a label in the rest of the predictions, then refuse them."""
        for chunk in chunks:
            self.take(chunk, chunk.ids(self.id_col))
        self.finish(-1)

    def missing_error(self) -> MissingIdsError:
        """The error for prediction ids that are not in the labels file."""
        assert self.id_col is not None
        return MissingIdsError(
            self.pred_name, self.name, self.id_col, self.n_missing, self.first_missing
        )

    def finish(self, n_pred: int) -> None:
        """Refuse what is left unmatched: rows (by position) or ids (either file's)."""
        if self.ids is None:
            if n_pred != self.n:
                raise InputError(
                    f"the predictions have {n_pred} rows but {self.name} has {self.n}; the files "
                    "must have the same rows in the same order, or pass --id-col to join them"
                )
            return
        if self.n_missing:
            raise self.missing_error()
        assert self.first_row is not None
        unused = np.flatnonzero(self.first_row < 0)
        if unused.size:
            n = int(unused.size)
            shown = [(self.ids[i], self._where_in(int(i))) for i in unused[:SHOWN_IDS]]
            raise InputError(
                f"{self.name}: {_ids_count(n)} {'has' if n == 1 else 'have'} no prediction in "
                f"{self.pred_name} (column {self.id_col!r}): {_id_list(shown, n)}; evaluate "
                "files that hold the same ids"
            )


# --------------------------------------------------------------------------------------------
# accumulators for loss values
# --------------------------------------------------------------------------------------------


class LossAccumulator:
    """Sums for one loss: its additive sufficient statistics and per-sample moments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sums: np.ndarray | None = None
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf

    def update(self, per_sample: np.ndarray, sums: np.ndarray) -> None:
        self.sums = sums.astype(np.float64) if self.sums is None else self.sums + sums
        n = per_sample.size
        if n == 0:
            return
        mean = float(per_sample.mean())
        m2 = float(((per_sample - mean) ** 2).sum())
        self._merge_moments(n, mean, m2)
        self.total += float(per_sample.sum())
        self.min = min(self.min, float(per_sample.min()))
        self.max = max(self.max, float(per_sample.max()))

    def _merge_moments(self, n: int, mean: float, m2: float) -> None:
        tot = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / tot
        self.m2 += m2 + delta * delta * self.n * n / tot
        self.n = tot

    def merge(self, other: LossAccumulator) -> LossAccumulator:
        if other.sums is not None:
            self.sums = other.sums.copy() if self.sums is None else self.sums + other.sums
        if other.n:
            self._merge_moments(other.n, other.mean, other.m2)
            self.total += other.total
            self.min, self.max = min(self.min, other.min), max(self.max, other.max)
        return self

    def stats(self) -> dict[str, float | None]:
        if self.n == 0:
            return {"sum": 0.0, "std": None, "min": None, "max": None}
        return {  # + 0.0 turns a -0.0 (torch's BCE of a perfect prediction) into 0.0
            "sum": self.total + 0.0,
            "std": math.sqrt(self.m2 / self.n),
            "min": self.min + 0.0,
            "max": self.max + 0.0,
        }


# --------------------------------------------------------------------------------------------
# the pipeline
# --------------------------------------------------------------------------------------------


def _open(path: Any, fmt: str | None, chunk_size: int | None, role: str) -> Any:
    from losscli import io

    kwargs: dict[str, Any] = {"fmt": fmt, "role": role}
    if chunk_size is not None:
        kwargs["chunk_size"] = chunk_size
    return io.open_table(path, **kwargs)


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
    from losscli.thresholds import ScoreThreshold

    if isinstance(spec, ScoreThreshold):
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


@dataclass
class _Prepared:
    """One chunk's usable rows, encoded: labels and scores as the task needs them."""

    chunk: Any
    rows: np.ndarray  # positions of the kept rows in the chunk
    ids: np.ndarray | None
    weights: np.ndarray | None
    y_true: np.ndarray
    y_pred: np.ndarray
    groups: np.ndarray | None = None  # --group-by keys (str), one per kept row


def _show_label(value: Any) -> str:
    """A label as messages show it: ``'neg'`` for a class name, ``2`` for a number."""
    return repr(value) if isinstance(value, str) else f"{value:g}"


def _group_keys(values: np.ndarray) -> np.ndarray:
    """Group keys as strings from exact values (:meth:`~losscli.io.Chunk.ids`).

    Whole numbers as written in decimal (never through float64), text as written, missing
    values ``(missing)``.

    >>> _group_keys(np.array([1, 2**53 + 1])).tolist()
    ['1', '9007199254740993']
    >>> _group_keys(np.array(["eu", "007", None], dtype=object)).tolist()
    ['eu', '007', '(missing)']
    """
    if values.dtype != object:
        return values.astype(str)
    return np.array(["(missing)" if v is None else str(v) for v in values], dtype=str)


@dataclass
class EvalState:
    """What a run accumulates: the loss and metric accumulators and the row counters.

    Picklable and mergeable: a worker evaluating one partition of a dataset sends back only
    this, and merging the states of every partition equals one pass over all of them.
    """

    loss_acc: dict[str, LossAccumulator]
    metrics_acc: Any
    n_rows: int = 0
    n_dropped: int = 0
    n_ignored: int = 0
    n_renormalised: int = 0
    max_prob_dev: float = 0.0
    #: binary labels whose negative class the plan left open: the negative label seen (and
    #: where), so that the partitions of a dataset agree on one
    negative_seen: tuple[Any, str] | None = None

    def merge(self, other: EvalState) -> EvalState:
        """Add ``other`` (a state of the same plan and options) into this one."""
        if list(other.loss_acc) != list(self.loss_acc):
            raise ValueError("cannot merge states of different losses")
        a, b = self.negative_seen, other.negative_seen
        if a is not None and b is not None and a[0] != b[0]:
            raise InputError(
                f"{b[1]}: label {_show_label(b[0])} is a third class: the binary labels' "
                f"negative class is {_show_label(a[0])} ({a[1]}), and there is one prediction "
                "column; fix the labels, or give one prediction column per class"
            )
        self.negative_seen = a or b
        for name, acc in other.loss_acc.items():
            self.loss_acc[name].merge(acc)
        self.metrics_acc.merge(other.metrics_acc)
        self.n_rows += other.n_rows
        self.n_dropped += other.n_dropped
        self.n_ignored += other.n_ignored
        self.n_renormalised += other.n_renormalised
        self.max_prob_dev = max(self.max_prob_dev, other.max_prob_dev)
        return self


class Evaluation:
    """One run of the pipeline: build it, feed it chunks, read its report.

    ``run()`` is ``consume()`` then ``report()``. A distributed run decides the plan once
    (``decide()``), evaluates each partition with ``Evaluation(part, plan=plan)`` into an
    :class:`EvalState`, merges the states and reports through ``absorb()`` + ``report()``.
    """

    def __init__(
        self,
        predictions: Any,
        labels: Any = None,
        opts: Options | None = None,
        *,
        plan: Plan | None = None,
    ) -> None:
        from losscli import losses as L

        self.opts = opts or Options()
        self.L = L
        self.params = L.validate_params(dict(self.opts.params))
        self.pred_table = _open(
            predictions, self.opts.input_format, self.opts.chunk_size, "predictions"
        )
        self.label_table = (
            None
            if labels is None
            else _open(
                labels,
                self.opts.labels_format or self.opts.input_format,
                self.opts.chunk_size,
                "labels",
            )
        )
        self.cols = resolve_columns(self.pred_table, self.label_table, self.opts)
        self.plan: Plan | None = None
        self.warnings: list[str] = []
        for table in (self.pred_table, self.label_table):  # e.g. a file a dataset read once
            self.warnings += getattr(table, "notes", [])
        self.n_rows = 0
        self.n_dropped = 0
        self.n_ignored = 0
        self.n_renormalised = 0
        self.max_prob_dev = 0.0
        self.negative_seen: tuple[Any, str] | None = None  # see EvalState.negative_seen
        self.loss_names: list[str] = []
        self.loss_acc: dict[str, LossAccumulator] = {}
        self.metrics_acc: Any = None
        self._loss_parts: dict[str, list[np.ndarray]] = {}
        self._loss_rows: dict[str, list[np.ndarray]] = {}  # keep_rows: per-row loss sums
        self._metric_rows: list[np.ndarray] = []  # keep_rows: which rows the metrics saw
        self._rows_digest: Any = None  # keep_rows: a hash of the labels, weights and ids
        self.groups: dict[str, EvalState] = {}
        self.threshold: float | np.ndarray = 0.5
        self.threshold_on = "probs"  # or "scores": the threshold is on the scores' scale
        if plan is not None:  # decided elsewhere (the first partition of a dataset)
            self._start(plan)

    # -- decisions ---------------------------------------------------------------------------

    def _decide(self, raw_labels: np.ndarray, preds: np.ndarray, where: Any = None) -> Plan:
        """Decide task, score kind, label encoding and classes from the first usable chunk.

        Every choice the data did not force is written to ``notes`` (the report's
        ``inference``); a choice the data leaves open is a UsageError naming the flag.
        """
        from losscli.activations import ACTIVATIONS

        opts = self.opts
        pred_names = class_names(self.cols.pred)
        notes: list[str] = list(self.cols.notes)
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
                text_labels=self.cols.text_labels,
                pred_names=pred_names,
                scores_hint=scores_hint,
                pos_label=opts.pos_label,
                where=where,
                label_names=self.cols.label,
            )
            notes.append(f"task {task}: {why}")
        else:
            task, enc = opts.task, self._encoding_for(opts.task, raw_labels, preds)
        P = preds.shape[1]
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
        if opts.labels_are is not None and (
            task != "multiclass" or enc != "index" or self.cols.text_labels
        ):
            what = "class names" if self.cols.text_labels else f"{task} labels ({enc})"
            raise UsageError(
                f"--labels-are is for multi-class labels in one column of whole numbers, not {what}"
            )
        if task == "binary":
            if P == 2:
                two, classes = True, pred_names
                values = name_values(pred_names)
                if not self.cols.text_labels and values.tolist() == [1.0, 0.0]:
                    raise UsageError(
                        f"the prediction columns are named {pred_names[0]!r}, {pred_names[1]!r}: "
                        "by position the second scores the positive class 1, by name it scores "
                        f"class 0; put them in order with --pred-cols "
                        f"{self.cols.pred[1]},{self.cols.pred[0]}"
                    )
            elif P == 1:
                if enc == "name":
                    classes, pos_label, note, negative_open = self._binary_names(
                        raw_labels, pred_names[0]
                    )
                    if note:
                        notes.append(note)
                else:
                    enc, neg, pos, why = binary_labels(raw_labels[:, 0], opts.pos_label, where)
                    # a column named like one label value names the class it scores; '0' is
                    # also the name a lone NPY column gets, so it says nothing
                    named = name_values(pred_names)[0] if pred_names[0] != "0" else np.nan
                    if opts.pos_label is None and named in (neg, pos) and named != pos:
                        raise UsageError(
                            f"the prediction column is named {pred_names[0]!r}, like the label "
                            f"{named:g}, but {pos:g} is the positive class by the labels' values; "
                            f"pass --pos-label {named:g} if the column scores label {named:g}, "
                            f"or --pos-label {pos:g}"
                        )
                    if enc == "pos-label":
                        label_values = (neg, pos)
                        pos_label = f"{pos:g}"
                        neg_name = f"not {pos:g}" if neg is None else f"{neg:g}"
                        classes = [neg_name, pos_label]
                        if opts.task != "auto":
                            notes.append(f"labels: {why}")
                        if neg is None:
                            notes.append(
                                f"the first rows hold only the label {pos:g}: the first other "
                                "value further down is the negative class, a third an error"
                            )
                    else:
                        classes = ["0", "1"]
            else:
                raise UsageError(
                    f"--task binary needs one prediction column (or two: negative, positive); "
                    f"got {P}"
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
                    ignore_index=self.params.get("ignore_index"),
                )
                if note:
                    notes.append(f"labels: {note}")
                if enc == "name" and opts.labels_are is None:
                    ii = self.params.get("ignore_index")
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
                raise UsageError(
                    "--scores values is for regression; pass logits, probs or log-probs"
                )
        else:
            sample = self._task_preds(preds, task, None, two)
            scores, why = infer_scores(sample, task)
            if task == "binary" and not two and scores == "logits" and sample.min() >= 0:
                raise UsageError(
                    "cannot tell the score kind: every prediction is >= 0 and some exceed 1 "
                    f"(up to {sample.max():g}), so they are no probabilities, and as logits "
                    "every row would be positive; pass --scores logits if they are logits, or "
                    "--task regression if they are values fitted to the 0/1 labels"
                )
            if two and scores == "probs":
                self._check_pair(preds, where, pred_names)
                why += " and the two columns' rows sum to 1"
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

    def _binary_names(
        self, raw: np.ndarray, column: str
    ) -> tuple[list[str], str | None, str | None, bool]:
        """Classes ``[negative, positive]`` of one-column binary class-name labels.

        The positive class is the prediction column's name when it is a label, else
        ``--pos-label``; a single label value without either is refused (it does not say
        which class it is). Returns ``(classes, pos_label for the signature, note, whether the
        negative class is open)``: with only the positive class in the first chunk, every other
        label is negative.
        """
        pos_opt = self.opts.pos_label
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

    def _encoding_for(self, task: str, raw: np.ndarray, preds: np.ndarray) -> str:
        if self.cols.text_labels:
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
        return "multi-hot"

    def _task_preds(
        self, preds: np.ndarray, task: str, scores: str | None, two: bool
    ) -> np.ndarray:
        if task == "binary":
            if two:
                return binary_scores_from_two(preds, scores or "probs") if scores else preds[:, 1]
            return preds[:, 0]
        if task == "regression" and preds.shape[1] == 1:
            return preds[:, 0]
        return preds

    def _start(self, plan: Plan) -> None:
        L, opts = self.L, self.opts
        self.plan = plan
        requested = list(opts.losses) if opts.losses else [L.DEFAULT_LOSS[plan.task]]
        names: list[str] = []
        for req in requested:
            if req == "all":
                valid = [
                    n
                    for n in L.names_for(plan.task)
                    if plan.scores in L.REGISTRY[n].scores.get(plan.task, ())
                ]
                names += [n for n in valid if n not in names]
                continue
            spec = L.get_spec(req)
            if plan.task not in spec.tasks:
                raise UsageError(
                    f"loss {spec.name!r} does not fit the {plan.task} task (it is for "
                    f"{', '.join(spec.tasks)}); choose from {', '.join(L.names_for(plan.task))}"
                )
            if plan.scores not in spec.scores.get(plan.task, ()):
                raise UsageError(
                    f"loss {spec.name!r} does not take {plan.scores} for the {plan.task} task; "
                    f"it takes {', '.join(spec.scores[plan.task])}"
                )
            if spec.name not in names:
                names.append(spec.name)
        self.params = L.validate_params(
            dict(opts.params), task=plan.task, n_classes=len(plan.classes)
        )
        self.loss_names = names
        self.loss_acc = {n: LossAccumulator(n) for n in names}
        if opts.threshold is not None and plan.task in ("multiclass", "regression"):
            why = "the prediction is the argmax" if plan.task == "multiclass" else "no classes"
            self.warnings.append(
                f"{opts.threshold_source} changes nothing for {plan.task} data ({why})"
            )
        if plan.task != "regression":
            self.threshold, self.threshold_on = resolve_threshold(
                opts.threshold, plan, opts.threshold_source
            )
            if (
                opts.top_k is not None
                and plan.task == "multiclass"
                and opts.top_k > len(plan.classes)
            ):
                raise UsageError(
                    f"--top-k {opts.top_k} is more than the number of classes ({len(plan.classes)})"
                )
        self.metrics_acc = self._new_metrics_acc(keep_rows=opts.keep_rows)

    def _new_metrics_acc(self, *, keep_rows: bool = False) -> Any:
        from losscli.metrics import ClassificationAccumulator, RegressionAccumulator

        plan, opts = self.plan, self.opts
        assert plan is not None
        extra: dict[str, Any] = {"keep_rows": True} if keep_rows else {}
        if plan.task == "regression":
            return RegressionAccumulator(**extra)
        from losscli.activations import rank_key_kind

        return ClassificationAccumulator(
            plan.task,
            2 if plan.task == "binary" else len(plan.classes),
            class_names=plan.classes,
            threshold=self.threshold,
            threshold_on=self.threshold_on,
            rank_key=rank_key_kind(plan.scores, plan.task),
            top_k=opts.top_k if plan.task == "multiclass" else None,
            ece_bins=opts.ece_bins,
            auc_bins=opts.auc_bins,
            **extra,
        )

    def _new_state(self) -> EvalState:
        return EvalState(
            loss_acc={n: LossAccumulator(n) for n in self.loss_names},
            metrics_acc=self._new_metrics_acc(),
        )

    # -- per chunk ---------------------------------------------------------------------------

    def _read(
        self, *, allow_empty: bool = False
    ) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray | None, Any, Any]]:
        cols = self.cols
        wanted = list(cols.pred)
        if cols.label_in_preds:
            wanted += [c for c in cols.label if c not in wanted]
        if cols.weight and cols.weight not in wanted:
            wanted.append(cols.weight)
        exact = [c for c in (cols.id, cols.group) if c]  # ids and slice keys: never as floats
        labels_file = (
            LabelFile(self.label_table, cols, self.pred_table.name)
            if self.label_table is not None
            else None
        )
        n_seen = 0
        chunks = self.pred_table.chunks(wanted, exact=exact)
        for chunk in chunks:
            preds = chunk.matrix(cols.pred)
            ids = chunk.ids(cols.id) if cols.id else None
            if labels_file is None:
                raw = chunk.column(cols.label[0]) if cols.text_labels else chunk.matrix(cols.label)
            else:
                raw = labels_file.take(chunk, ids)
                if raw is None:  # ids without a label: count them all, then refuse
                    labels_file.scan_missing(chunks)
            weights = chunk.column(cols.weight) if cols.weight else None
            groups = _group_keys(chunk.ids(cols.group)) if cols.group else None
            n_seen += chunk.n
            yield chunk, preds, raw, weights, ids, groups
        if n_seen == 0 and not allow_empty:
            raise InputError(f"{self.pred_table.name} has no data rows")
        if labels_file is not None:
            labels_file.finish(n_seen)

    def _where(self, chunk: Any) -> Any:
        name = self.pred_table.name
        return lambda i: f"{name}: {chunk.where(i)}"

    def _valid_rows(
        self, chunk: Any, preds: np.ndarray, raw: np.ndarray, weights: np.ndarray | None
    ) -> np.ndarray | None:
        """Mask of usable rows, or None when all are; raises unless --drop-invalid."""
        rows = self._invalid_rows(preds, raw, weights)
        if not rows.any():
            return None
        if self.opts.drop_invalid:
            return ~rows
        bad_pred = ~np.isfinite(preds)
        if self.cols.text_labels:
            bad_label = np.array([v is None or v == "" for v in raw], dtype=bool)
        else:
            bad_label = ~np.isfinite(raw)
        where = self._where(chunk)
        i = first_bad(rows)
        if bad_pred[i].any():
            col = self.cols.pred[int(np.flatnonzero(bad_pred[i])[0])]
            what = f"prediction column {col!r} is {preds[i][bad_pred[i]][0]} (missing, NaN or inf)"
        elif bad_label[i].any() if bad_label.ndim == 2 else bad_label[i]:
            what = "the label is missing, NaN or inf"
        else:
            what = f"weight column {self.cols.weight!r} is missing, NaN or inf"
        raise InputError(
            f"{where(i)}: {what}; fix the file or pass --drop-invalid to skip such rows"
        )

    def _invalid_rows(
        self, preds: np.ndarray, raw: np.ndarray, weights: np.ndarray | None
    ) -> np.ndarray:
        """(n,) bool: rows with a missing, NaN or inf prediction, label or weight."""
        rows = ~np.isfinite(preds).all(axis=1)
        if self.cols.text_labels:
            rows |= np.array([v is None or v == "" for v in raw], dtype=bool)
        else:
            bad = ~np.isfinite(raw)
            rows |= bad if bad.ndim == 1 else bad.any(axis=1)
        if weights is not None:
            rows |= ~np.isfinite(weights)
        return rows

    def run(self, per_sample: Any = None) -> Report:
        """Stream every chunk through the accumulators; optionally write per-sample rows."""
        self.consume(per_sample)
        return self.report()

    def _planned(self, items: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        """The chunks of ``items``, the plan decided before the first is yielded.

        The plan comes from the first :data:`INFER_ROWS` usable rows (those ``--drop-invalid``
        keeps), read ahead over as many chunks as they take, so every chunk size decides from
        the same rows. An invalid row or a negative weight among them is refused first, as
        it would be in one pass.
        """
        if self.plan is not None:
            yield from items
            return
        buffered: list[tuple[Any, ...]] = []
        raws: list[np.ndarray] = []
        preds_s: list[np.ndarray] = []
        at: list[tuple[Any, np.ndarray]] = []  # (chunk, its rows in the sample)
        n = 0
        for item in items:
            buffered.append(item)
            chunk, preds, raw, weights = item[:4]
            good = ~self._invalid_rows(preds, raw, weights)
            rows = np.flatnonzero(good)[: INFER_ROWS - n]
            full = n + rows.size >= INFER_ROWS
            end = int(rows[-1]) + 1 if full else chunk.n  # the rows the sample covers
            if not self.opts.drop_invalid and not good[:end].all():
                self._valid_rows(chunk, preds, raw, weights)  # raises for that row
            if weights is not None and np.any(weights[rows] < 0):
                i = int(rows[first_bad(weights[rows] < 0)])
                where = self._where(chunk)
                raise InputError(
                    f"{where(i)}: sample weight {weights[i]:g} is negative; weights must be >= 0 "
                    "(0 leaves a row out)"
                )
            if rows.size:
                raws.append(raw[rows])
                preds_s.append(preds[rows])
                at.append((chunk, rows))
                n += rows.size
            if n >= INFER_ROWS:
                break
        if n:
            starts = np.cumsum([0] + [r.size for _, r in at])

            def where(i: int) -> str:
                k = int(np.searchsorted(starts, i, side="right")) - 1
                chunk, rows = at[k]
                return self._where(chunk)(int(rows[i - starts[k]]))

            raw_s = raws[0] if len(raws) == 1 else np.concatenate(raws)
            self._start(self._decide(raw_s, np.concatenate(preds_s), where))
        yield from buffered
        yield from items

    def decide(self) -> Plan:
        """Decide the plan from the first usable rows (:data:`INFER_ROWS`), accumulating
        nothing."""
        if self.plan is None:
            for chunk, preds, raw, weights, *_ in self._planned(self._read(allow_empty=True)):
                plan = self.plan
                if weights is None or plan is None or plan.weight_exp is not None:
                    break  # the weights' scale is part of the plan: read on to a positive weight
                valid = ~self._invalid_rows(preds, raw, weights)
                self._scale_weights(weights[valid], self._where(chunk))
        if self.plan is None:
            raise InputError(
                f"{self.pred_table.name} has no data rows"
                + (" left after --drop-invalid" if self.n_dropped else "")
            )
        return self.plan

    def consume(self, per_sample: Any = None, *, allow_empty: bool = False) -> None:
        """Read every chunk into the accumulators (and per-sample rows into ``per_sample``).

        ``allow_empty`` lets a partition without usable rows add nothing instead of failing
        (the plan must then be given).
        """
        from losscli.activations import reuse_log_softmax

        items = self._planned(self._read(allow_empty=allow_empty))
        for chunk, preds, raw, weights, ids, groups in items:
            prepared = self._prepare(chunk, preds, raw, weights, ids, groups)
            if prepared is not None:
                with reuse_log_softmax():  # CE and the probabilities share one log-softmax
                    self._accumulate(prepared, per_sample)
        if self.plan is None:
            raise InputError(
                f"{self.pred_table.name} has no data rows"
                + (" left after --drop-invalid" if self.n_dropped else "")
            )

    def _prepare(
        self,
        chunk: Any,
        preds: np.ndarray,
        raw: np.ndarray,
        weights: np.ndarray | None,
        ids: np.ndarray | None,
        groups: np.ndarray | None = None,
        *,
        count: bool = True,
    ) -> _Prepared | None:
        """Drop or refuse invalid rows, decide the plan once, encode labels and scores."""
        from losscli.activations import ACTIVATIONS

        mask = self._valid_rows(chunk, preds, raw, weights)
        rows = np.arange(chunk.n)
        if mask is not None:
            if count:
                self.n_dropped += int((~mask).sum())
            preds, raw, rows = preds[mask], raw[mask], rows[mask]
            weights = weights[mask] if weights is not None else None
            ids = ids[mask] if ids is not None else None
            groups = groups[mask] if groups is not None else None
        if rows.size == 0:
            return None
        where = self._where(chunk)

        def where_kept(i: int, _w: Any = where, _r: np.ndarray = rows) -> str:
            return _w(int(_r[i]))

        if weights is not None and np.any(weights < 0):
            i = first_bad(weights < 0)
            raise InputError(
                f"{where_kept(i)}: sample weight {weights[i]:g} is negative; weights must be "
                ">= 0 (0 leaves a row out)"
            )
        if self.plan is None:
            self._start(self._decide(raw, preds, where_kept))
        plan = self.plan
        assert plan is not None
        if weights is not None:
            weights = self._scale_weights(weights, where_kept)
        if not count:  # decide() only wants the plan
            return None
        if self.opts.activation:
            preds = ACTIVATIONS[self.opts.activation][0](preds)
        y_pred = self._task_preds(preds, plan.task, plan.scores, plan.binary_from_two_columns)
        if plan.task != "regression":
            check_scores(y_pred, plan.scores, where_kept, decided=plan.scores_inferred)
            if plan.task == "multiclass" and plan.scores_inferred:
                self._check_inferred_rows(y_pred, plan.scores, where_kept)
            if plan.binary_from_two_columns and plan.scores_inferred and plan.scores == "probs":
                self._check_pair(preds, where_kept, plan.classes)
            if plan.task == "multiclass" and plan.scores == "probs":
                y_pred, n_off, dev = normalise_probs(y_pred)
                self.n_renormalised += n_off
                self.max_prob_dev = max(self.max_prob_dev, dev)
        if self.cols.text_labels:
            pos = neg = None
            if plan.task == "binary":
                pos = plan.classes[1]
                neg = None if plan.negative_open else plan.classes[0]
            y_true = encode_text_labels(raw, plan.classes, where_kept, positive=pos, negative=neg)
        else:
            one = ("index", "name", "binary", "pm1", "pos-label")
            if plan.task != "regression" and raw.shape[1] != (
                1 if plan.label_encoding in one else len(plan.classes)
            ):
                raise InputError("label columns do not match the prediction columns")
            y_true = encode_numeric_labels(
                plan, raw, where_kept, ignore_index=self.params.get("ignore_index")
            )
        if plan.task == "binary" and (
            plan.negative_open or plan.label_values is not None and plan.label_values[0] is None
        ):
            self._close_negative(raw if self.cols.text_labels else raw[:, 0], y_true, where_kept)
        if plan.task == "regression" and y_true.shape != y_pred.shape:
            raise InputError(
                f"regression needs as many label columns as prediction columns; got "
                f"{1 if y_true.ndim == 1 else y_true.shape[1]} and "
                f"{1 if y_pred.ndim == 1 else y_pred.shape[1]}"
            )
        return _Prepared(chunk, rows, ids, weights, y_true, y_pred, groups)

    def _check_pair(self, preds: np.ndarray, where: Any, names: Sequence[str]) -> None:
        """Two binary prediction columns read as probabilities must be a pair: (negative,
        positive) rows that sum to 1; else they may be two other things (an index column and
        a score, two independent heads), and losscli asks."""
        sums = preds.sum(axis=1)
        off = np.abs(sums - 1.0) > PROB_SUM_TOL
        if off.any():
            i = first_bad(off)
            a, b = self.cols.pred
            raise UsageError(
                f"{(where or (lambda i: f'row {i + 1}'))(i)}: the prediction columns {a!r} and "
                f"{b!r} are read as the binary classes' probabilities (negative, positive), but "
                f"{preds[i, 0]:g} + {preds[i, 1]:g} is not 1; pass --scores probs to take {b!r} "
                f"as the positive class's probability, --scores logits if they are logits, or "
                "choose the columns with --pred-cols"
            )

    def _check_inferred_rows(self, y_pred: np.ndarray, scores: str, where: Any) -> None:
        """Multi-class rows must fit the score kind ``--scores auto`` took from the first
        rows: probabilities that sum to 1, or log-probabilities whose exponentials do."""
        if scores == "probs":
            sums = y_pred.sum(axis=1)
            what = "probabilities sum to"
        elif scores == "log-probs":
            top = y_pred.max(axis=1)
            sums = np.exp(top + np.log(np.exp(y_pred - top[:, None]).sum(axis=1)))
            what = "exponentials of the log-probabilities sum to"
        else:
            return
        off = np.abs(sums - 1.0) > PROB_SUM_TOL
        if off.any():
            i = first_bad(off)
            other = (
                "--scores probs to renormalise such rows"
                if scores == "probs"
                else ("--scores log-probs")
            )
            raise InputError(
                f"{where(i)}: the {what} {sums[i]:g}, not 1, but --scores auto decided "
                f"'{scores}' from the rows above, where every row sums to 1; pass {other}, or "
                "--scores logits if these are raw model outputs"
            )

    def _close_negative(self, labels: np.ndarray, y_true: np.ndarray, where: Any) -> None:
        """Binary labels whose decision rows held only the positive class: the first other
        label is the negative class, and any third label an error (as in one pass)."""
        rows = np.flatnonzero(y_true == 0)
        if rows.size == 0:
            return
        values = labels[rows]
        if self.negative_seen is None:
            first = values[0]
            self.negative_seen = (first if isinstance(first, str) else float(first), where(rows[0]))
        neg, at = self.negative_seen
        other = np.flatnonzero(values != neg)
        if other.size:
            j = int(rows[other[0]])
            v = labels[j] if isinstance(labels[j], str) else float(labels[j])
            raise InputError(
                f"{where(j)}: label {_show_label(v)} is a third class: the binary labels' "
                f"negative class is {_show_label(neg)} ({at}), and there is one prediction "
                "column; fix the labels, or give one prediction column per class"
            )

    def _scale_weights(self, weights: np.ndarray, where: Any) -> np.ndarray:
        """The weights times ``2**plan.weight_exp`` (exact), the exponent fixed at the first
        positive weight: multiplying every weight by a constant changes no number, and no
        sum or product of weights over- or underflows (1e-200 or 1e160 are weights like 1).
        """
        plan = self.plan
        assert plan is not None
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
                f"{where(i)}: sample weight {weights[i]:g} is more than 1e308 times the "
                "largest weight of the first chunk, beyond float64's range; rescale column "
                f"{self.cols.weight!r}"
            )
        return out

    def _accumulate(self, p: _Prepared, per_sample: Any) -> None:
        """Update the loss and metric accumulators with one prepared chunk."""
        from losscli.activations import to_probs, to_rank_key

        L, plan = self.L, self.plan
        assert plan is not None
        y_true, y_pred, weights = p.y_true, p.y_pred, p.weights
        keep = self._kept(y_true)  # rows that count (all but --ignore-index labels), or None
        per: dict[str, np.ndarray] = {}
        results = {}
        for name in self.loss_names:
            res = L.compute(
                name,
                plan.task,
                y_true,
                y_pred,
                scores=plan.scores,
                sample_weight=weights,
                params=self.params,
            )
            results[name] = res
            kept = res.per_sample if keep is None else res.per_sample[keep]
            self.loss_acc[name].update(kept, res.sums)  # an ignored row is no sample's loss
            if per_sample is not None:
                per[name] = res.per_sample + 0.0  # no -0.0 in the output
                if keep is not None:
                    per[name][~keep] = np.nan  # written empty / null: no loss for that row
            if self.opts.keep_loss_values:
                self._loss_parts.setdefault(name, []).append(kept.astype(np.float32))
            if self.opts.keep_rows:
                self._loss_rows.setdefault(name, []).append(res.rows)
        if keep is not None:
            self.n_ignored += int((~keep).sum())
        key = None  # the ranking key (None: the probabilities)
        if plan.task == "regression":
            hard, probs = y_true, y_pred
        else:
            if plan.scores != "probs":
                key = to_rank_key(y_pred, plan.scores, plan.task)
            probs = to_probs(y_pred, plan.scores, plan.task)
            hard = y_true
            if plan.task == "multiclass" and y_true.ndim == 2:
                hard = np.argmax(y_true, axis=1)
            if per_sample is not None:
                per["_probs"] = probs
        self._update_metrics(self.metrics_acc, hard, probs, weights, keep, key)
        if self.opts.keep_rows:
            self._metric_rows.append(np.ones(p.rows.size, bool) if keep is None else keep)
            self._digest(p)
        if p.groups is not None:
            self._accumulate_groups(p, results, hard, probs, keep, rank=key)
        if per_sample is not None:
            per_sample.write(
                self._per_sample_rows(p.chunk, p.rows, p.ids, y_true, y_pred, per, plan)
            )
        self.n_rows += int(p.rows.size)

    def _kept(self, y_true: np.ndarray) -> np.ndarray | None:
        """Mask of the rows that are evaluated, None when all are.

        Only multi-class class-index labels can be ``--ignore-index``; such a row is in
        ``n_samples`` but in no statistic (no loss value, no metric, no histogram, no slice
        statistic): ``n_evaluated = n_samples - n_ignored``.
        """
        plan = self.plan
        assert plan is not None
        if plan.task != "multiclass" or y_true.ndim != 1:
            return None
        keep = y_true != self.params.get("ignore_index")
        return None if keep.all() else keep

    @staticmethod
    def _update_metrics(
        acc: Any,
        hard: np.ndarray,
        probs: np.ndarray,
        weights: np.ndarray | None,
        keep: np.ndarray | None,
        key: np.ndarray | None = None,
    ) -> None:
        if keep is not None:
            hard, probs = hard[keep], probs[keep]
            weights = weights[keep] if weights is not None else None
            key = key[keep] if key is not None else None
        if key is None:  # probabilities (or regression): ranked as they are
            acc.update(hard, probs, sample_weight=weights)
        else:
            acc.update(hard, probs, sample_weight=weights, rank_scores=key)

    def _accumulate_groups(
        self,
        p: _Prepared,
        results: dict[str, Any],
        hard: np.ndarray,
        probs: np.ndarray,
        keep: np.ndarray | None,
        rank: np.ndarray | None = None,
    ) -> None:
        """Update each slice's state with its rows of the chunk (``--group-by``); ``rank`` is
        the ranking key (None: the probabilities)."""
        assert p.groups is not None
        keys, inverse = np.unique(p.groups, return_inverse=True)
        n_new = sum(1 for k in keys if k not in self.groups)
        if len(self.groups) + n_new > MAX_GROUPS:
            raise UsageError(
                f"--group-by {self.cols.group!r} has more than {MAX_GROUPS} distinct values; "
                "group by a column with fewer values (an id column is not a slice)"
            )
        # one stable sort puts each slice's rows together, in chunk order (no mask per slice)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
        for j, key in enumerate(keys):
            m = order[bounds[j] : bounds[j + 1]]
            state = self.groups.get(key)
            if state is None:
                state = self.groups[key] = self._new_state()
            k = keep[m] if keep is not None else None
            m_kept = m if k is None else m[k]
            for name, res in results.items():
                state.loss_acc[name].update(res.per_sample[m_kept], res.rows[m].sum(axis=0))
            w = p.weights[m] if p.weights is not None else None
            km = rank[m] if rank is not None else None
            self._update_metrics(state.metrics_acc, hard[m], probs[m], w, k, km)
            state.n_rows += int(m.size)
            if k is not None:
                state.n_ignored += int((~k).sum())

    def _digest(self, p: _Prepared) -> None:
        """Hash the rows' labels, weights and ids so two runs can tell they saw the same rows."""
        import hashlib

        if self._rows_digest is None:
            self._rows_digest = hashlib.blake2b(digest_size=16)
        h = self._rows_digest
        h.update(np.ascontiguousarray(p.y_true, dtype=np.float64).tobytes())
        if p.weights is not None:
            h.update(np.ascontiguousarray(p.weights, dtype=np.float64).tobytes())
        if p.ids is not None:
            h.update("\x1f".join(map(str, p.ids.tolist())).encode("utf-8", "replace"))

    @property
    def rows_digest(self) -> str | None:
        """A digest of every row's label, weight and id (``keep_rows`` runs), for pairing."""
        return None if self._rows_digest is None else self._rows_digest.hexdigest()

    def state(self) -> EvalState:
        """The accumulated state (shared, not copied), e.g. to send back from a worker."""
        return EvalState(
            loss_acc=self.loss_acc,
            metrics_acc=self.metrics_acc,
            n_rows=self.n_rows,
            n_dropped=self.n_dropped,
            n_ignored=self.n_ignored,
            n_renormalised=self.n_renormalised,
            max_prob_dev=self.max_prob_dev,
            negative_seen=self.negative_seen,
        )

    def absorb(self, state: EvalState) -> None:
        """Merge a state (of another partition, evaluated with this plan) into this run."""
        merged = self.state().merge(state)
        self.n_rows, self.n_dropped, self.n_ignored = (
            merged.n_rows,
            merged.n_dropped,
            merged.n_ignored,
        )
        self.n_renormalised, self.max_prob_dev = merged.n_renormalised, merged.max_prob_dev
        self.negative_seen = merged.negative_seen

    def report(self) -> Report:
        """The report of everything consumed (or absorbed) so far."""
        if self.plan is None:
            raise InputError(f"{self.pred_table.name} has no data rows")
        return self._report()

    @property
    def loss_values(self) -> dict[str, np.ndarray]:
        """Per-sample values of each loss (float32), kept when ``keep_loss_values`` is set."""
        return {n: np.concatenate(p) for n, p in self._loss_parts.items()}

    def _per_sample_rows(
        self,
        chunk: Any,
        rows: np.ndarray,
        ids: np.ndarray | None,
        y_true: np.ndarray,
        y_pred: np.ndarray,
        per: dict[str, np.ndarray],
        plan: Plan,
    ) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        if ids is not None:
            out[self.cols.id or "id"] = ids
        else:
            out["row"] = (chunk.start + rows + 1).astype(np.int64)
        classes = np.array(plan.classes, dtype=object)
        probs = per.pop("_probs", None)
        # the decision rule's input: the probability, or the score itself (a logit, ...)
        decide = y_pred if self.threshold_on == "scores" else probs
        if plan.task == "binary":
            named = plan.label_encoding in ("name", "pos-label")
            out["label"] = classes[y_true.astype(np.int64)] if named else y_true.astype(np.int64)
            out["prob"] = probs
            out["prediction"] = (
                classes[(decide > self.threshold).astype(np.int64)]
                if named
                else (decide > self.threshold).astype(np.int64)
            )
        elif plan.task == "multiclass":
            hard = np.argmax(y_true, axis=1) if y_true.ndim == 2 else y_true
            names = classes[np.clip(hard, 0, len(classes) - 1)]
            out["label"] = np.where(hard == self.params.get("ignore_index"), "(ignored)", names)
            pred = np.argmax(probs, axis=1)
            out["prediction"] = classes[pred]
            out["prob"] = probs[np.arange(len(pred)), pred]
        elif plan.task == "multilabel":
            hits = decide > self.threshold
            out["label"] = _join_names(y_true > 0.5, plan.classes)
            out["prediction"] = _join_names(hits, plan.classes)
        else:
            if y_true.ndim == 1:
                out["label"], out["prediction"] = y_true, y_pred
            else:
                for j, c in enumerate(plan.classes):
                    out[f"label_{c}"], out[f"prediction_{c}"] = y_true[:, j], y_pred[:, j]
        for name, values in per.items():
            out[name] = values
        return out

    def _results(
        self, state: EvalState
    ) -> tuple[dict[str, float | None], dict[str, dict[str, float | None]], Any, list[str]]:
        """Losses, their stats, the metrics result and warnings of one state."""
        plan = self.plan
        assert plan is not None
        warnings: list[str] = []
        losses: dict[str, float | None] = {}
        stats: dict[str, dict[str, float | None]] = {}
        for name, acc in state.loss_acc.items():
            value = (
                None
                if acc.sums is None
                else self.L.finalize(name, plan.task, acc.sums, params=self.params)
            )
            losses[name] = None if value is None or not math.isfinite(value) else float(value)
            if losses[name] is None:
                warnings.append(f"loss {name!r} is undefined (no row counts towards it)")
            stats[name] = acc.stats()
        if plan.task == "regression":
            mres = state.metrics_acc.result()
        else:
            mres = state.metrics_acc.result(zero_division=self.opts.zero_division)
            if self.cols.weight is not None:
                counts_in_mean_weights(mres)
        return losses, stats, mres, warnings + list(mres.warnings)

    def _report(self) -> Report:
        plan = self.plan
        assert plan is not None
        if self.cols.weight is not None and plan.weight_exp is None and self.n_rows:
            raise InputError(
                f"{self.pred_table.name}: every sample weight in column {self.cols.weight!r} "
                "is 0, so no row counts; give the rows positive weights (or drop --weight-col)"
            )
        warnings = list(self.warnings)
        if self.n_renormalised:
            warnings.append(
                f"{self.n_renormalised} rows of probabilities did not sum to 1 (largest deviation "
                f"{self.max_prob_dev:.3g}); they were renormalised"
            )
        if self.n_dropped:
            warnings.append(f"{self.n_dropped} rows with missing, NaN or inf values were dropped")
        if self.n_ignored:
            rows = "1 row has" if self.n_ignored == 1 else f"{self.n_ignored} rows have"
            warnings.append(
                f"{rows} label {self.params.get('ignore_index')} (--ignore-index): the losses "
                "skip them and the metrics leave them out"
            )
        notes = list(plan.notes)
        classes = list(plan.classes) if plan.task != "regression" else []
        if self.negative_seen is not None:  # the open negative class, named as one pass would
            neg, at = self.negative_seen
            classes[0] = neg if isinstance(neg, str) else f"{neg:g}"
            for acc in [self.metrics_acc] + [g.metrics_acc for g in self.groups.values()]:
                acc.class_names[0] = classes[0]
            notes.append(f"negative class {_show_label(neg)}: the first other label ({at})")
        losses, stats, mres, more = self._results(self.state())
        warnings += more
        groups = self._group_reports(warnings) if self.cols.group else None
        ci = self._intervals(losses, dict(mres.metrics), warnings) if self.opts.bootstrap else None
        settings = self._settings()
        report = Report(
            version=__version__,
            signature=build_signature(settings),
            task=plan.task,
            scores=plan.scores,
            n_samples=self.n_rows,
            classes=classes,
            losses=losses,
            loss_stats=stats,
            metrics=dict(mres.metrics),
            per_class=list(mres.per_class),
            confusion_matrix=mres.confusion_matrix,
            warnings=warnings,
            inputs=self._inputs(),
            inference=notes,
            settings=settings,
            n_dropped=self.n_dropped,
            n_ignored=self.n_ignored,
            ci=ci,
            group_by=self.cols.group,
            groups=groups,
        )
        if self.opts.strict and warnings:
            raise StrictWarning(f"--strict: {warnings[0]}")
        return report

    def _group_reports(self, warnings: list[str]) -> dict[str, dict[str, Any]]:
        """One report per slice of ``--group-by``, in the order of their keys."""
        out: dict[str, dict[str, Any]] = {}
        small: list[str] = []
        for key in sorted(self.groups, key=_natural_key):
            state = self.groups[key]
            losses, stats, mres, group_warnings = self._results(state)
            out[key] = {
                "n_samples": state.n_rows,
                "n_evaluated": state.n_rows - state.n_ignored,
                "n_ignored": state.n_ignored,
                "losses": losses,
                "loss_stats": stats,
                "metrics": dict(mres.metrics),
                "per_class": list(mres.per_class),
                "confusion_matrix": mres.confusion_matrix,
                "warnings": group_warnings,
            }
            n_evaluated = state.n_rows - state.n_ignored  # the rows its numbers come from
            if n_evaluated < self.opts.min_group_size:
                small.append(f"{key!r} ({n_evaluated})")
        if small:
            col = self.cols.group
            warnings.append(
                f"--group-by {col!r}: {len(small)} slice{'s' if len(small) > 1 else ''} below "
                f"{self.opts.min_group_size} rows (--min-group-size), so their numbers are "
                f"noisy: {', '.join(small[:10])}{', ...' if len(small) > 10 else ''}"
            )
        return out

    def resample_stat(self, then: Evaluation | None = None) -> Any:
        """The statistics of a resample: counts (b, n_rows) -> ``{name: (b,) values}``.

        Needs ``keep_rows``. Losses come from ``counts @ rows`` of each loss's per-row sums,
        the metrics from the accumulator's ``resample`` (rows an ``--ignore-index`` label
        kept out of the metrics are left out there too). With ``then`` (another run of the
        same plan), the rows are this run's followed by ``then``'s: counts (b, n + n_then).
        """
        import copy

        plan = self.plan
        assert plan is not None and self.opts.keep_rows
        runs = [self] if then is None else [self, then]
        L, params = self.L, self.params
        rows_t = {  # (k, n): each sum's per-row terms contiguous
            n: np.ascontiguousarray(
                np.concatenate([part for run in runs for part in run._loss_rows[n]]).T
            )
            for n in self.loss_names
        }
        seen_parts = [m for run in runs for m in run._metric_rows]
        seen = np.concatenate(seen_parts) if seen_parts else np.zeros(0, bool)
        metric_cols = None if seen.all() else np.flatnonzero(seen)
        acc = self.metrics_acc
        if then is not None:
            acc = copy.deepcopy(acc).merge(then.metrics_acc)
        task, zd = plan.task, self.opts.zero_division

        def stat(counts: np.ndarray) -> dict[str, np.ndarray]:
            b = counts.shape[0]
            out: dict[str, np.ndarray] = {}
            for name, rt in rows_t.items():
                # multiply + sum per resample, not a matmul: a threaded BLAS call stalls for
                # milliseconds whenever the other cores are busy
                out[name] = np.array(
                    [
                        _finite(L.finalize(name, task, (counts[j] * rt).sum(axis=1), params=params))
                        for j in range(b)
                    ]
                )
            mc = counts if metric_cols is None else counts[:, metric_cols]
            if task == "regression":
                resampled = acc.resample(mc)
            else:
                resampled = acc.resample(mc, zero_division=zd)
            for j, metrics in enumerate(resampled):
                for name, value in metrics.items():
                    if name not in out:
                        out[name] = np.full(b, np.nan)
                    out[name][j] = _finite(value)
            return out

        return stat

    def linear_replicates(self) -> dict[str, np.ndarray] | None:
        """Every loss and scalar metric of ``opts.bootstrap`` resamples by the linear path.

        The fast path of ``--bootstrap`` (:func:`losscli.bootstrap.linear_blocks` with
        :class:`losscli.metrics.linear.LinearClassification`): binary and multi-class data of
        at least ``LINEAR_MIN_ROWS`` rows whose ranked classes each have enough positives and
        negatives, every row seen by the metrics (no ``--ignore-index`` rows). The loss sums
        and every metric but AUC / AP are exact functions of the resampled sums; AUC / AP use
        their first-order expansion. None when the data does not qualify (the caller then
        evaluates each resample exactly).

        Returns:
            ``{name: float64 (B,)}``, NaN where a statistic is undefined; or None.
        """
        from losscli.bootstrap import LinearTerms, linear_blocks
        from losscli.metrics.linear import LinearClassification

        plan, opts = self.plan, self.opts
        assert plan is not None and opts.keep_rows
        acc = self.metrics_acc
        if plan.task not in ("binary", "multiclass") or self.n_rows < LINEAR_MIN_ROWS:
            return None
        if not all(m.all() for m in self._metric_rows) or not LinearClassification.usable(acc):
            return None
        loss_rows = [np.concatenate(self._loss_rows[name]) for name in self.loss_names]
        lin = LinearClassification(acc, opts.zero_division, extra=loss_rows)
        del loss_rows
        terms = LinearTerms(lin.dense, lin.base, lin.bounds, lin.seg_cols, lin.seg_base)
        L, params, task = self.L, self.params, plan.task
        spans = []
        col = lin.n_metric_cols
        for name in self.loss_names:
            k = self._loss_rows[name][0].shape[1]
            spans.append((name, col, col + k))
            col += k
        out: dict[str, list[float]] = {}
        for dense, segs in linear_blocks(terms, opts.bootstrap, opts.seed):
            assert segs is not None
            for b in range(dense.shape[0]):
                row = dense[b]
                for name, lo, hi in spans:
                    value = L.finalize(name, task, row[lo:hi], params=params)
                    out.setdefault(name, []).append(_finite(value))
                for name, value in lin.metrics(row, segs[b]).items():
                    out.setdefault(name, []).append(_finite(value))
        return {name: np.array(v) for name, v in out.items()}

    def _intervals(
        self,
        losses: dict[str, float | None],
        metrics: dict[str, float | None],
        warnings: list[str],
    ) -> dict[str, Any]:
        from losscli.bootstrap import bootstrap, percentile_interval

        opts = self.opts
        reps = self.linear_replicates()
        if reps is not None:
            ci = {name: percentile_interval(v, opts.ci_level) for name, v in reps.items()}
        else:
            ci, _ = bootstrap(
                self.resample_stat(),
                self.n_rows,
                n_boot=opts.bootstrap,
                level=opts.ci_level,
                seed=opts.seed,
            )
        intervals: dict[str, Any] = {}
        for name, value in {**losses, **metrics}.items():
            if value is not None:
                intervals[name] = None if ci.get(name) is None else list(ci[name])
        missing = [n for n, v in intervals.items() if v is None]
        if missing:
            warnings.append(
                f"--bootstrap: no interval for {', '.join(missing)} (undefined in too many "
                "resamples)"
            )
        return {
            "level": opts.ci_level,
            "n_boot": opts.bootstrap,
            "method": "percentile",
            "resampling": "poisson",
            "evaluation": "exact" if reps is None else "linear",
            "seed": opts.seed,
            "intervals": intervals,
        }

    def _inputs(self) -> dict[str, Any]:
        cols = self.cols
        return {
            "predictions": self.pred_table.name,
            "labels": self.label_table.name if self.label_table is not None else None,
            "label_columns": list(cols.label),
            "prediction_columns": list(cols.pred),
            "id_column": cols.id,
            "weight_column": cols.weight,
            "label_encoding": self.plan.label_encoding if self.plan else None,
        }

    def _settings(self) -> dict[str, Any]:
        """Every setting that changes a number, for the signature."""
        plan = self.plan
        assert plan is not None
        used: list[str] = []
        for name in self.loss_names:
            for p in self.L.REGISTRY[name].params:
                if p not in used:
                    used.append(p)
        settings: dict[str, Any] = {
            "task": plan.task,
            "scores": plan.scores,
            "activation": self.opts.activation or "none",
            "losses": ",".join(self.loss_names),
        }
        for p in used:
            settings[p] = self.params.get(p)
        if plan.pos_label is not None:  # a positive class other than 1 or the column's name
            settings["pos_label"] = plan.pos_label
        if (
            plan.task == "multiclass"
            and plan.label_encoding == "name"
            and not self.cols.text_labels
        ):
            settings["labels_are"] = "name"  # whole-number labels matched by column name
        if plan.task != "regression":
            t = self.threshold
            settings["threshold"] = t if isinstance(t, float) else [float(x) for x in t]
            if self.threshold_on == "scores":  # the values are logits / log-probabilities
                settings["threshold_scale"] = plan.scores
            settings["zero_division"] = self.opts.zero_division
            settings["ece_bins"] = self.opts.ece_bins
            if self.opts.auc_bins:
                settings["auc_bins"] = self.opts.auc_bins
            if self.opts.top_k is not None and plan.task == "multiclass":
                settings["top_k"] = self.opts.top_k
        settings["weights"] = self.cols.weight or "none"
        settings["drop_invalid"] = self.opts.drop_invalid
        if self.opts.bootstrap:
            settings["n_boot"] = self.opts.bootstrap
            settings["ci_level"] = self.opts.ci_level
            settings["ci_method"] = "percentile"
            settings["seed"] = self.opts.seed
            settings["ci_resampling"] = "poisson"
        return settings


def counts_in_mean_weights(mres: Any) -> None:
    """Weighted counts (confusion cells, support) in units of the mean weight, in place.

    A weighted count is ``sum(w) * n / sum(w)``-scaled: each row counts ``w / mean(w)``, so
    the confusion matrix sums to the evaluated rows (per label for multi-label) whatever the
    weights' scale, and equal weights give the unweighted counts (as floats).

    >>> from losscli.metrics.result import MetricsResult
    >>> m = MetricsResult(metrics={}, per_class=[{"support": 3e-200}, {"support": 1e-200}],
    ...                   confusion_matrix=[[2e-200, 1e-200], [0.0, 1e-200]], n_samples=4,
    ...                   total_weight=4e-200)
    >>> counts_in_mean_weights(m); m.confusion_matrix, [r["support"] for r in m.per_class]
    ([[2.0, 1.0], [0.0, 1.0]], [3.0, 1.0])
    """
    if not mres.total_weight > 0:
        return
    unit = mres.n_samples / mres.total_weight
    mres.confusion_matrix = (np.asarray(mres.confusion_matrix, dtype=np.float64) * unit).tolist()
    for row in mres.per_class:
        if row.get("support") is not None:
            row["support"] = float(row["support"]) * unit
    for row in mres.calibration:
        row["weight"] = float(row["weight"]) * unit


def _finite(value: float | None) -> float:
    """A statistic as a float, NaN when it is undefined (None, NaN or infinite)."""
    if value is None or not math.isfinite(value):
        return math.nan
    return float(value)


def _natural_key(key: str) -> tuple[int, float, str]:
    """Sort numbers numerically before text: ``2`` < ``10`` < ``eu``.

    >>> sorted(["10", "eu", "2", "(missing)"], key=_natural_key)
    ['2', '10', '(missing)', 'eu']
    """
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


def _join_names(mask: np.ndarray, names: Sequence[str]) -> np.ndarray:
    out = np.empty(mask.shape[0], dtype=object)
    for i, row in enumerate(mask):
        out[i] = "|".join(n for n, m in zip(names, row) if m)
    return out


def evaluate(
    predictions: Any,
    labels: Any = None,
    *,
    per_sample: Any = None,
    **options: Any,
) -> Report:
    """Evaluate a file of model outputs against its labels and return a :class:`Report`.

    Args:
        predictions: a path (CSV, TSV, NPY, NPZ, Parquet, ``-`` for stdin).
        labels: an optional second file of labels (rows in the same order, or joined by
            ``id_col``).
        per_sample: an optional path (``.csv``, ``.jsonl``, ``.parquet``) for one row per sample
            with its losses, written atomically; or an object with ``write(columns)``.
        **options: any field of :class:`Options` (``task``, ``scores``, ``losses``, ``params``,
            ``threshold``, ``label_col``, ...).

    Returns:
        The :class:`~losscli.report.Report`; ``report.to_dict()`` is the JSON schema.
    """
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"evaluate() got unknown options: {', '.join(unknown)}")
    ev = Evaluation(predictions, labels, Options(**options))
    if per_sample is None:
        return ev.run(None)
    if isinstance(per_sample, (str, os.PathLike)):
        from losscli.io import PerSampleWriter

        per_sample = PerSampleWriter(per_sample)
    if hasattr(per_sample, "__enter__"):  # commits on success, removes its temp file on error
        with per_sample as writer:
            return ev.run(writer)
    return ev.run(per_sample)
