"""The settings of one evaluation, checked once where they enter: :class:`Options` (the flat
public constructor, every CLI option by its Python name) builds the typed :class:`Specs`
(:class:`ReadSpec`, :class:`TaskSpec`, :class:`LossesSpec`, :class:`MetricSpec`,
:class:`IntervalSpec`, :class:`SliceSpec`, :class:`ReportSpec`), each checking its own
fields; the stages take the spec they need.

``--threshold`` and ``--seed`` have their own checks here (:func:`check_threshold`,
:func:`check_seed`) because the CLI and the Python API both call them before a run starts.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import field, fields
from typing import Any

import numpy as np

from losscli import limits
from losscli.errors import UsageError
from losscli.kinds import REGRESSION_SCORES, SCORE_KINDS, TASKS
from losscli.pipeline.infer import show_number as num
from losscli.records import record


@record(frozen=True)
class ReadSpec:
    """What to read: the files' formats, the column roles asked for, the chunking."""

    label_col: Sequence[str] | str | None = None
    pred_cols: Sequence[str] | str | None = None
    id_col: str | None = None
    weight_col: str | None = None
    input_format: str | None = None
    labels_format: str | None = None
    chunk_size: int | None = None
    drop_invalid: bool = False
    header: bool | None = None  # CSV/TSV line 1: header (True), data (False), or from it (None)
    labels_header: bool | None = None  # the same for LABELS (None: as ``header``)
    class_axis: str | None = None  # dense arrays: first (N, C, d..) | last (N, d.., C)

    def __post_init__(self) -> None:
        if self.chunk_size is not None and self.chunk_size < 1:
            raise UsageError(f"--chunk-size must be >= 1, got {self.chunk_size}")
        if self.class_axis not in (None, "first", "last"):
            raise UsageError(f"--class-axis must be first or last, got {self.class_axis!r}")


@record(frozen=True)
class TaskSpec:
    """What the data is, as far as the user said: task, score kind and label readings (the
    plan decides the rest, :func:`losscli.pipeline.plan.decide_plan`).

    >>> TaskSpec(labels_are="auto", pos_label=" 2 ").labels_are, TaskSpec(pos_label=" 2 ").pos_label
    (None, '2')
    """

    task: str = "auto"
    scores: str = "auto"
    activation: str | None = None
    pos_label: str | None = None  # binary: the label value of the positive class
    labels_are: str | None = None  # multi-class whole-number labels: index | name (None: infer)

    def __post_init__(self) -> None:
        if self.task not in ("auto", *TASKS):
            raise UsageError(f"--task must be auto or one of {', '.join(TASKS)}, got {self.task!r}")
        if self.scores not in ("auto", *SCORE_KINDS, REGRESSION_SCORES):
            raise UsageError(
                f"--scores must be auto, {', '.join(SCORE_KINDS[:-1])} or {SCORE_KINDS[-1]}, "
                f"got {self.scores!r}"
            )
        if self.labels_are == "auto":
            object.__setattr__(self, "labels_are", None)
        if self.labels_are not in (None, "index", "name"):
            raise UsageError(f"--labels-are must be index or name, got {self.labels_are!r}")
        if self.pos_label is not None:
            object.__setattr__(self, "pos_label", str(self.pos_label).strip())
            if not self.pos_label:
                raise UsageError("--pos-label needs a value: the label of the positive class")


@record(frozen=True)
class LossesSpec:
    """Which losses (None: the task's default; ``["all"]``: every loss that fits) and their
    parameters (``losses.PARAMS`` names; checked against the task once it is known)."""

    losses: Sequence[str] | None = None
    params: dict[str, Any] = field(default_factory=dict)


@record(frozen=True)
class MetricSpec:
    """How the metrics are computed: decision threshold, top-k, zero division, bins."""

    threshold: Any = None  # checked by check_threshold (floats, a list, a map, a ScoreThreshold)
    threshold_source: str = "--threshold"  # how messages name it (--threshold @file.json)
    top_k: int | Sequence[int] | None = None  # one k (top_k_accuracy) or several (top_<k>_...)
    beta: float | None = None  # --beta: the fbeta metrics (None: none)
    max_fpr: float | None = None  # --max-fpr: binary roc_auc_partial (McClish)
    class_labels: Sequence[str] | None = None  # --labels: the per-class rows' classes, in order
    zero_division: str | float = "warn"
    ece_bins: int = 15
    auc_bins: int | None = None  # binned ROC AUC / AP: no per-row scores kept
    no_background: bool = False  # dense arrays: class 0 out of the IoU / Dice averages
    ranking: bool = True  # ROC AUC / AP (False: left out; dense arrays without --auc-bins)

    def __post_init__(self) -> None:
        object.__setattr__(self, "top_k", check_top_k(self.top_k))
        if self.beta is not None:
            from losscli.thresholds import check_beta

            if isinstance(self.beta, bool) or not isinstance(self.beta, (int, float)):
                raise UsageError(f"--beta must be a positive number, got {self.beta!r}")
            object.__setattr__(self, "beta", check_beta(self.beta))
        m = self.max_fpr
        if m is not None:
            if isinstance(m, bool) or not isinstance(m, (int, float)) or not 0.0 < m <= 1.0:
                raise UsageError(
                    f"--max-fpr must be a false positive rate in (0, 1], e.g. 0.1; got {m!r}"
                )
            object.__setattr__(self, "max_fpr", float(m))
        if self.class_labels is not None:
            labels = self.class_labels
            items = [labels] if isinstance(labels, str) else list(labels)
            names = [str(x).strip() for x in items]
            if not names or any(not x for x in names):
                raise UsageError("--labels needs class names, comma-separated (e.g. --labels 0,2)")
            twice = sorted({x for x in names if names.count(x) > 1})
            if twice:
                raise UsageError(f"--labels names {', '.join(map(repr, twice))} twice")
            object.__setattr__(self, "class_labels", names)
        if self.zero_division not in ("warn", 0, 1, "nan", 0.0, 1.0) and not (
            isinstance(self.zero_division, float) and math.isnan(self.zero_division)
        ):
            raise UsageError(f"--zero-division must be 0, 1 or nan, got {self.zero_division!r}")
        if self.ece_bins < 1:
            raise UsageError(f"--ece-bins must be >= 1, got {self.ece_bins}")
        if self.auc_bins is not None and self.auc_bins < 2:
            raise UsageError(f"--auc-bins must be >= 2, got {self.auc_bins}")
        limits.BINS.check_option("--ece-bins", self.ece_bins)
        limits.BINS.check_option("--auc-bins", self.auc_bins)
        object.__setattr__(
            self, "threshold", check_threshold(self.threshold, self.threshold_source)
        )


@record(frozen=True)
class IntervalSpec:
    """``--bootstrap``: resamples, confidence level, seed; whether per-row terms are kept
    (``keep_rows``: for the bootstrap and ``compare``)."""

    bootstrap: int = 0
    ci_level: float = 0.95
    seed: int = 0
    keep_rows: bool = False

    def __post_init__(self) -> None:
        if self.bootstrap < 0:
            raise UsageError(f"--bootstrap must be 0 (off) or a number of resamples, got "
                             f"{self.bootstrap}")  # fmt: skip
        limits.BOOTSTRAP.check_option("--bootstrap", self.bootstrap)
        if self.bootstrap:
            object.__setattr__(self, "keep_rows", True)
        if not 0.0 < self.ci_level < 1.0:
            raise UsageError(
                f"--ci must be a level between 0 and 1, e.g. 0.95; got {self.ci_level}"
            )
        check_seed(self.seed)


@record(frozen=True)
class SliceSpec:
    """``--group-by``: the slice column and the size below which a slice gets a warning."""

    group_by: str | None = None
    min_group_size: int = 30

    def __post_init__(self) -> None:
        if self.min_group_size < 1:
            raise UsageError(f"--min-group-size must be >= 1, got {self.min_group_size}")


@record(frozen=True)
class ReportSpec:
    """What the run hands back besides the numbers: ``--strict`` (a warning is an error),
    the per-sample loss values for plots (``keep_loss_values``) and, for dense arrays, the
    masks of the ``keep_worst`` samples with the lowest IoU (``--plot``)."""

    strict: bool = False
    keep_loss_values: bool = False
    keep_worst: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.keep_worst, bool) or int(self.keep_worst) != self.keep_worst:
            raise UsageError(f"keep_worst must be a whole number, got {self.keep_worst!r}")
        if self.keep_worst < 0:
            raise UsageError(f"keep_worst must be >= 0, got {self.keep_worst}")


@record(frozen=True)
class Specs:
    """The typed specs of one evaluation, each checked once; every stage takes the ones it
    needs (:attr:`Options.spec`)."""

    read: ReadSpec
    task: TaskSpec
    loss: LossesSpec
    metric: MetricSpec
    interval: IntervalSpec
    slice: SliceSpec
    report: ReportSpec


#: which spec each :class:`Options` field fills
SPEC_FIELDS: dict[str, type] = {  # in the order the checks run
    "task": TaskSpec,
    "metric": MetricSpec,
    "read": ReadSpec,
    "interval": IntervalSpec,
    "slice": SliceSpec,
    "loss": LossesSpec,
    "report": ReportSpec,
}


@record
class Options:
    """Every setting of one evaluation (the CLI's options, by their Python names): the flat
    public constructor of :class:`Specs`, built and checked once in ``__post_init__``
    (:attr:`spec`); the checked values are also written back to the fields.

    >>> Options(bootstrap=10).spec.interval.keep_rows
    True
    """

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
    top_k: int | Sequence[int] | None = None  # one k (top_k_accuracy) or several (top_<k>_...)
    beta: float | None = None  # --beta: fbeta metrics (None: none)
    max_fpr: float | None = None  # --max-fpr: binary roc_auc_partial (McClish)
    class_labels: Sequence[str] | None = None  # --labels: the per-class rows' classes, in order
    zero_division: str | float = "warn"
    label_col: Sequence[str] | str | None = None
    pred_cols: Sequence[str] | str | None = None
    id_col: str | None = None
    weight_col: str | None = None
    input_format: str | None = None
    labels_format: str | None = None
    chunk_size: int | None = None
    drop_invalid: bool = False
    header: bool | None = None  # CSV/TSV: --header / --no-header (None: decided from line 1)
    labels_header: bool | None = None  # --labels-header / --labels-no-header (None: as header)
    strict: bool = False
    ece_bins: int = 15
    auc_bins: int | None = None  # binned ROC AUC / AP: no per-row scores kept
    keep_loss_values: bool = False  # keep per-sample losses (float32) for plots/histograms
    keep_worst: int = 0  # dense arrays: keep the masks of the K lowest-IoU samples (--plot)
    bootstrap: int = 0  # resamples for percentile intervals (0: none)
    ci_level: float = 0.95
    seed: int = 0
    group_by: str | None = None  # a column: one report per value (slice)
    min_group_size: int = 30  # slices smaller than this get a warning
    keep_rows: bool = False  # keep per-row terms for resampling (set by --bootstrap, compare)
    class_axis: str | None = None  # dense arrays: first (N, C, d..) | last (N, d.., C)
    no_background: bool = False  # dense arrays: class 0 out of the IoU / Dice averages
    ranking: bool = True  # ROC AUC / AP (False: left out; dense arrays without --auc-bins)

    def __post_init__(self) -> None:
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        built = {}
        for name, cls in SPEC_FIELDS.items():
            spec = cls(**{f.name: given[f.name] for f in fields(cls)})
            built[name] = spec
            for f in fields(cls):  # the checked (normalised) values
                setattr(self, f.name, getattr(spec, f.name))
        self.spec = Specs(**built)


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
        raise UsageError(
            f"{option}: {what} is {num(v)}, outside [0, 1]; thresholds are probabilities"
        )
    return v


def is_score_threshold(value: Any) -> bool:  # noqa: ANN401 - any threshold value
    """Whether ``value`` is a :class:`~losscli.thresholds.ScoreThreshold`, without importing
    :mod:`losscli.thresholds` (a run without a thresholds file has none to check).

    >>> is_score_threshold(0.5)
    False
    """
    thresholds = sys.modules.get("losscli.thresholds")
    return thresholds is not None and isinstance(value, thresholds.ScoreThreshold)


def check_threshold(value: Any, option: str = "--threshold") -> Any:
    """Check a ``--threshold`` value once, where it enters: numbers in [0, 1] only (a
    :class:`~losscli.thresholds.ScoreThreshold` passes;
    :func:`~losscli.pipeline.threshold.resolve_threshold` checks it).

    A number, a non-empty list of numbers (one per label) or a non-empty ``{label: number}``
    map; booleans, text, nested lists, NaN, infinities and values outside [0, 1] are refused
    with one message naming ``option`` and the bad item. How many values the task needs is
    checked later, by :func:`~losscli.pipeline.threshold.resolve_threshold`.

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
    if value is None or is_score_threshold(value):  # a ScoreThreshold: checked later
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


def check_top_k(top_k: Any) -> tuple[int, ...] | int | None:
    """``--top-k``: one k (kept as an int: ``top_k_accuracy``) or distinct ks (a tuple).

    >>> check_top_k(3), check_top_k([1, 5]), check_top_k("1,5")
    (3, (1, 5), (1, 5))
    >>> check_top_k([1, 0])
    Traceback (most recent call last):
    ...
    losscli.errors.UsageError: --top-k must be whole numbers >= 1, got 0
    """
    if top_k is None:
        return None
    if isinstance(top_k, str):  # the CLI's text: "5" or "1,5"
        parts = [p.strip() for p in top_k.split(",")]
        if not all(p.isdigit() for p in parts):
            raise UsageError(
                f"--top-k takes whole numbers >= 1, comma-separated (e.g. 5 or 1,5); got {top_k!r}"
            )
        ks_text = [int(p) for p in parts]
        top_k = ks_text[0] if len(ks_text) == 1 else ks_text
    ks = [top_k] if not isinstance(top_k, (list, tuple)) else list(top_k)
    if not ks:
        raise UsageError("--top-k needs at least one k, e.g. --top-k 5 or --top-k 1,5")
    for k in ks:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise UsageError(f"--top-k must be whole numbers >= 1, got {k!r}")
    if len(set(ks)) != len(ks):
        raise UsageError(f"--top-k lists a k twice: {','.join(map(str, ks))}")
    if not isinstance(top_k, (list, tuple)):
        return int(top_k)
    return tuple(int(k) for k in ks) if len(ks) > 1 else int(ks[0])


def class_selection(opts: MetricSpec | Options, plan: Any) -> list[int] | None:
    """``--labels`` as class indices of the plan, after the task-specific checks.

    ``opts``: the :class:`MetricSpec` (or the :class:`Options`) with ``class_labels`` and
    ``max_fpr``.

    ``--labels`` names classes as the report's ``classes`` does; ``--max-fpr`` is for binary
    data only (scikit-learn's ``roc_auc_score`` takes ``max_fpr`` for binary targets only).

    Raises:
        UsageError: an unknown class, ``--labels`` on regression, ``--max-fpr`` on
            another task than binary.

    >>> plan = type("P", (), {"task": "multiclass", "classes": ["cat", "dog", "emu"]})()
    >>> class_selection(Options(class_labels=["emu", "cat"]), plan)
    [2, 0]
    >>> class_selection(Options(class_labels=["owl"]), plan)
    Traceback (most recent call last):
    ...
    losscli.errors.UsageError: --labels: unknown class 'owl'; the classes are 'cat', 'dog', 'emu'
    """
    if opts.max_fpr is not None and plan.task != "binary":
        raise UsageError(
            f"--max-fpr applies to binary data only (scikit-learn's roc_auc_score takes "
            f"max_fpr for binary targets); this data is {plan.task}: drop --max-fpr"
        )
    if opts.class_labels is None:
        return None
    if plan.task == "regression":
        raise UsageError("--labels chooses classes; regression data has none: drop --labels")
    classes = [str(c) for c in plan.classes]
    out = []
    for name in opts.class_labels:
        if name not in classes:
            shown = ", ".join(repr(c) for c in classes[:20])
            if len(classes) > 20:
                shown += ", ..."
            raise UsageError(f"--labels: unknown class {name!r}; the classes are {shown}")
        out.append(classes.index(name))
    return out


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
