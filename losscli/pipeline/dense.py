"""Dense outputs: segmentation masks and token sequences, one row per element.

Scores of shape ``(N, C, d1..dk)`` (PyTorch's layout) or ``(N, d1..dk, C)`` (channels last)
with class-index labels ``(N, d1..dk)``; multi-label scores and 0/1 targets both
``(N, C, d1..dk)``; binary scores and 0/1 targets both ``(N, d1..dk)``. :func:`decide_layout`
reads the two shapes (the class axis from the label shape; ``--class-axis`` /
``--task`` when two readings fit), :func:`apply_layout` makes both tables' rows their elements
(:func:`losscli.io.flatten_table`), so every loss, metric and statistic of the pipeline is
per element; the tables are read in chunks of whole samples (images, sequences).
:class:`DenseStats` adds what needs the samples: ``n_samples`` (images), the per-image
rows of ``--per-sample``, ``miou_samplewise`` / ``dice_samplewise``, and ``miou`` / ``mdice``
from the dataset-wide confusion counts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.lazy import Lazy
from losscli.pipeline.dense_ranking import leave_out_ranking, ranking_left_out
from losscli.records import record

__all__ = [
    "DenseLabels",
    "DenseLayout",
    "DenseStats",
    "apply_layout",
    "decide_layout",
    "dense_metrics",
    "dense_notes",
    "dense_options",
    "dense_reader",
    "dense_report",
    "samplewise",
    "samplewise_sums",
]

CLASS_AXES = ("first", "last")

NO_COLUMNS = {
    "--group-by": "--group-by needs a column; dense arrays have none: evaluate each group's "
    "arrays separately (one losscli compute per group)",
    "--id-col": "--id-col needs a column; dense arrays have none: element [n, i, ..] of the "
    "labels pairs with element [n, i, ..] of the scores; drop --id-col",
    "--weight-col": "--weight-col needs a column; dense arrays have none: drop --weight-col "
    "(per-class loss weights: --class-weights, --pos-weight)",
    "--label-col": "--label-col needs a column; dense arrays have none: their labels are the "
    "second array (losscli compute SCORES LABELS); drop --label-col",
    "--pred-cols": "--pred-cols needs columns; dense arrays have none: the class axis holds "
    "the scores (--class-axis first or last); drop --pred-cols",
}
"""Why each column option is refused for dense arrays, and the fix."""

#: the worst samples' masks (``--plot``), imported by a dense run only (issue #20, start-up)
WORST_SAMPLES = Lazy("losscli.pipeline.worst", "WorstSamples")


@record(frozen=True)
class DenseLayout:
    """How two dense arrays are read.

    Attributes:
        task: the task the shapes settle (``multiclass``, ``binary``, ``multilabel``).
        score_axis: the scores' class axis: ``1``, ``-1`` or None (binary: none).
        label_axis: the labels' class axis (multi-label), else None.
        n_samples: N, the images or sequences.
        grid: ``(d1..dk)``, the elements of one sample.
        notes: the readings taken, for the report's ``inference``.
        keep_worst: how many samples' masks the run keeps, those with the lowest IoU
            (``Options.keep_worst``, for ``--plot``; :class:`DenseStats`).
        ranking: ROC AUC / AP computed (``--auc-bins``); False: left out.
    """

    task: str
    score_axis: int | None
    label_axis: int | None
    n_samples: int
    grid: tuple[int, ...]
    notes: list[str] = field(default_factory=list)
    keep_worst: int = 0
    ranking: bool = True

    @property
    def per_sample(self) -> int:
        """Elements per sample, ``prod(d1..dk)``."""
        return int(np.prod(self.grid, dtype=np.int64)) if self.grid else 1


def _shape(s: tuple[int, ...]) -> str:
    """``(2, 3)``, ``(3,)``: a shape as numpy prints it."""
    return str(tuple(int(d) for d in s))


def _is_dense(scores: tuple[int, ...], labels: tuple[int, ...], task: str) -> bool:
    """Whether two shapes are dense outputs (else ordinary 1-D / 2-D rows)."""
    return len(scores) > 2 or (len(scores) == len(labels) == 2 and task == "binary")


def decide_layout(
    scores: tuple[int, ...],
    labels: tuple[int, ...],
    *,
    task: str = "auto",
    class_axis: str | None = None,
    names: tuple[str, str] = ("scores", "labels"),
) -> DenseLayout | None:
    """Read a pair of array shapes as dense outputs, or None for ordinary 1-D / 2-D rows.

    Scores with one axis more than the labels are multi-class: the class axis is axis 1 when
    the scores without it have the labels' shape, the last axis when the scores without it do;
    both fitting asks for ``--class-axis``. One class (``(N, 1, d..)``) is binary. Scores and
    labels of the same shape are binary (each element its own 0/1 target) or multi-label
    (axis 1 the labels): that asks for ``--task`` from rank 3 (rank 2 keeps today's reading,
    multi-label, unless ``--task binary``).

    Args:
        scores, labels: the two shapes.
        task: ``--task`` (``auto`` or a task).
        class_axis: ``--class-axis`` (``first``, ``last`` or None).
        names: the two files' names for messages.

    Returns:
        The :class:`DenseLayout`, or None when the pair is no dense input.

    Raises:
        UsageError: two readings fit and the option that decides is missing.
        InputError: the shapes do not fit (both shapes and the axis named).

    >>> decide_layout((4, 19, 8, 16), (4, 8, 16)).score_axis
    1
    >>> decide_layout((4, 8, 16, 19), (4, 8, 16)).score_axis
    -1
    >>> decide_layout((4, 2), (4,)) is None
    True
    """
    sn, ln = names
    rs, rl = len(scores), len(labels)
    if not _is_dense(scores, labels, task):
        return None
    if scores[0] != labels[0]:
        raise InputError(
            f"{sn} has shape {_shape(scores)} and {ln} has shape {_shape(labels)}: axis 0 "
            f"(the samples) differs ({scores[0]} vs {labels[0]}); give both one entry per sample"
        )
    n = int(scores[0])
    if rs == rl + 1:
        first = scores[2:] == labels[1:]
        last = scores[1:-1] == labels[1:]
        if class_axis == "first" and not first or class_axis == "last" and not last:
            axis = 1 if class_axis == "first" else rs - 1
            kept = scores[:axis] + scores[axis + 1 :]
            raise InputError(
                f"--class-axis {class_axis}: {sn} {_shape(scores)} without axis {axis} is "
                f"{_shape(kept)}, not the shape of {ln} {_shape(labels)}"
            )
        if class_axis is None and first and last:
            raise UsageError(
                f"{sn} {_shape(scores)} and {ln} {_shape(labels)}: the class axis can be axis 1 "
                f"or axis {rs - 1} (both have {scores[1]} entries); pass --class-axis first "
                "(N, C, d..) or --class-axis last (N, d.., C)"
            )
        if not first and not last:
            raise InputError(
                f"cannot find the class axis: {sn} has shape {_shape(scores)} and {ln} "
                f"{_shape(labels)}; without its axis 1 ({_shape(scores[:1] + scores[2:])}) or its "
                f"last axis ({_shape(scores[:-1])}) the scores must have the labels' shape"
            )
        use_first = class_axis == "first" or (class_axis is None and first)
        axis = 1 if use_first else -1
        c = scores[1] if use_first else scores[-1]
        grid = tuple(labels[1:])
        where = "axis 1, (N, C, d..)" if use_first else f"axis {rs - 1}, (N, d.., C)"
        how = "--class-axis" if class_axis else f"the {ln} shape {_shape(labels)}"
        if c == 1:
            if task not in ("auto", "binary"):
                raise UsageError(f"{sn} {_shape(scores)} has one class: --task binary, not {task}")
            note = f"dense binary: one score per element, the class {where} has 1 entry ({how})"
            return DenseLayout("binary", axis, None, n, grid, [note])
        if task not in ("auto", "multiclass"):
            raise UsageError(
                f"{sn} {_shape(scores)} has one axis more than {ln} {_shape(labels)} (the class "
                f"axis): that is multi-class data; drop --task {task} or pass --task multiclass"
            )
        note = f"dense multiclass: {c} classes on {where}, from {how}; one row per element"
        return DenseLayout("multiclass", axis, None, n, grid, [note])
    if rs == rl:
        if scores != labels:
            axis = next(i for i in range(rs) if scores[i] != labels[i])
            raise InputError(
                f"{sn} has shape {_shape(scores)} and {ln} has shape {_shape(labels)}: axis "
                f"{axis} differs ({scores[axis]} vs {labels[axis]}); binary and multi-label "
                "scores and targets have one shape"
            )
        if task == "binary":
            note = f"dense binary (--task binary): every element of {_shape(scores)} a 0/1 target"
            return DenseLayout("binary", None, None, n, tuple(scores[1:]), [note])
        if task == "multilabel":
            last = class_axis == "last"
            axis = -1 if last else 1
            grid = tuple(scores[1:-1]) if last else tuple(scores[2:])
            c = scores[-1] if last else scores[1]
            where = f"axis {rs - 1}" if last else "axis 1"
            note = f"dense multilabel (--task multilabel): {c} labels on {where}"
            return DenseLayout("multilabel", axis, axis, n, grid, [note])
        if task == "multiclass":
            raise InputError(
                f"--task multiclass: {sn} and {ln} both have shape {_shape(scores)}; multi-class "
                "labels are class indices with one axis fewer than the scores, (N, d..) beside "
                "(N, C, d..)"
            )
        raise UsageError(
            f"{sn} and {ln} both have shape {_shape(scores)}: pass --task binary (every element "
            "a 0/1 target) or --task multilabel (axis 1 the labels, --class-axis last for the "
            "last axis)"
        )
    raise InputError(
        f"{sn} has shape {_shape(scores)} and {ln} has shape {_shape(labels)}: dense scores "
        "have the labels' shape (binary, multi-label) or one axis more, the classes "
        "(multi-class: (N, C, d..) or (N, d.., C) with labels (N, d..))"
    )


def apply_layout(pred_table: Any, label_table: Any, opts: Any) -> DenseLayout | None:
    """Decide the layout of two array tables and flatten them into element rows.

    Returns None (and changes nothing) when the predictions are no array of rank > 2 and
    not read as dense binary; the options a dense input cannot take yet are refused here.
    """
    shape = getattr(pred_table, "shape", None)
    lshape = None if label_table is None else getattr(label_table, "shape", None)
    if shape is None:
        return None
    if lshape is None:
        if len(shape) > 2:
            raise InputError(
                f"{pred_table.name}: the scores have shape {_shape(shape)}; dense scores need "
                "their labels in a second NPY or NPZ file (losscli compute SCORES LABELS)"
            )
        return None
    paired = hasattr(pred_table, "parts") and hasattr(label_table, "parts")
    if paired and _is_dense(shape, lshape, opts.task):
        _pair_dense_parts(pred_table, label_table)
    layout = decide_layout(
        shape,
        lshape,
        task=opts.task,
        class_axis=opts.class_axis,
        names=(pred_table.name, label_table.name),
    )
    if layout is None:
        return None
    ranking = opts.auc_bins is not None
    layout = dataclasses.replace(layout, keep_worst=opts.keep_worst, ranking=ranking)
    for flag, on in (
        ("--group-by", opts.group_by),
        ("--id-col", opts.id_col),
        ("--weight-col", opts.weight_col),
        ("--label-col", opts.label_col),
        ("--pred-cols", opts.pred_cols),
    ):
        if on:
            raise UsageError(NO_COLUMNS[flag])
    if not ranking:
        layout.notes.append(ranking_left_out(opts))
    pred_table.flatten(layout.score_axis, label_table.name)
    label_table.flatten(layout.label_axis)
    return layout


def _pair_dense_parts(pred_table: Any, label_table: Any) -> None:
    """Pair two datasets of arrays by part name (``io.pair_datasets``) and refuse a pair
    whose samples (axis 0) differ, naming both parts and both shapes."""
    from losscli.io import pair_datasets

    pairing = pair_datasets(pred_table, label_table)
    for (p, q), s, t in zip(pairing.pairs, pred_table.part_shapes, label_table.part_shapes):
        if s[0] != t[0]:
            raise InputError(
                f"{p.name} has shape {_shape(s)} and its labels part {q.name} has shape "
                f"{_shape(t)}: axis 0 (the samples) differs ({s[0]} vs {t[0]}); a pair of parts "
                "needs one entry per sample in both"
            )


def dense_notes(layout: DenseLayout, notes: list[str], labels: str, parts: Any = None) -> list[str]:
    """The layout's readings first; the row pairing said as elements (not rows, ids), and
    the parts' pairing (``parts``: the :class:`~losscli.io.Pairing` of two datasets)."""
    kept = [n for n in notes if not n.startswith("labels matched by position")]
    which = f"{labels}" if parts is None else "each labels part"
    scores = "the scores" if parts is None else "its scores part"
    pairing = (
        ("labels: " if parts is None else f"labels: {parts.describe()}; ")
        + f"element [n, i, ..] of {which} is the label of element [n, i, ..] of {scores}; "
        f"{layout.n_samples} samples of {layout.per_sample} elements "
        f"{_shape(layout.grid)}, read a whole number of samples at a time"
    )
    return [*layout.notes[:1], pairing, *layout.notes[1:], *kept]


def dense_reader(opts: Any) -> Any:
    """``open_inputs``' ``dense`` hook for these options: ``(pred, labels) ->`` the
    :func:`apply_layout` of the two tables."""
    return lambda pred_table, label_table: apply_layout(pred_table, label_table, opts)


def dense_options(opts: Any, layout: DenseLayout) -> Any:
    """The options of a dense run: the task the shapes settled (``--task auto``); ROC AUC /
    average precision left out unless ``--auc-bins N`` asks for them binned (exact ranking
    would keep 8 bytes per element; binned is O(N) per class and the report states the error
    bound; :func:`apply_layout` notes which); no per-element loss values kept (the terminal
    histograms), so memory does not grow with the elements."""
    changes: dict[str, Any] = {}
    if opts.task == "auto":
        changes["task"] = layout.task
    if not layout.ranking:
        changes["ranking"] = False
    if opts.keep_loss_values:  # per-element losses for the terminal histograms: not bounded
        changes["keep_loss_values"] = False
    return dataclasses.replace(opts, **changes) if changes else opts


class DenseLabels:
    """The labels of a dense input, read chunk by chunk beside the scores (not whole, as
    :class:`~losscli.pipeline.labels.LabelFile` reads a labels file): the next ``n`` element
    rows for each chunk of scores, whatever the two tables' chunk or part boundaries, so
    memory is a chunk or two of labels whatever N.

    Args:
        table: the flattened labels table.
        columns: its label columns (``"0"``; multi-label ``"0"`` … ``"C-1"``).
    """

    def __init__(self, table: Any, columns: list[str]) -> None:
        self.table = table
        self.columns = list(columns)
        self._chunks = iter(table.chunks(self.columns))
        self._held: list[np.ndarray] = []  # label rows read but not yet handed out
        self._n_held = 0
        self.n = 0  # rows handed out

    def take(self, chunk: Any, ids: Any = None) -> np.ndarray:
        """The labels of the scores' ``chunk``: the next ``chunk.n`` label rows."""
        while self._n_held < chunk.n:
            part = next(self._chunks, None)
            if part is None:
                raise InputError(
                    f"{self.table.name}: holds fewer elements than the scores (they go on past "
                    f"element row {self.n + self._n_held}); give both the same samples"
                )
            self._held.append(part.matrix(self.columns))
            self._n_held += part.n
        block = self._held[0] if len(self._held) == 1 else np.concatenate(self._held)
        out, rest = block[: chunk.n], block[chunk.n :]
        self._held = [rest] if len(rest) else []
        self._n_held = len(rest)
        self.n += chunk.n
        return out

    def scan_missing(self, chunks: Any) -> None:  # pragma: no cover - no ids in dense inputs
        """Nothing: dense inputs pair by position."""

    def finish(self, n_seen: int) -> None:
        """Refuse labels left over (the shapes were checked; a part could still differ)."""
        if self._n_held or next(self._chunks, None) is not None:
            raise InputError(
                f"{self.table.name}: holds more elements than the scores ({n_seen:,}); give "
                "both the same samples"
            )


def _per_image_cm(
    sample: np.ndarray | None, y: np.ndarray, pred: np.ndarray, n_img: int, c: int
) -> np.ndarray:
    """(n_img, C, C) confusion counts per image (rows true, columns predicted); ``sample``
    None: every row is of the one image."""
    key = y * c + pred if sample is None else (sample * c + y) * c + pred
    return np.bincount(key, minlength=n_img * c * c).reshape(n_img, c, c).astype(np.float64)


class DenseStats:
    """What dense inputs report per sample: images, per-image rows and samplewise scores.

    ``update`` takes one chunk of whole samples (the readers yield them): the element rows'
    global indices, the labels, the predicted classes, which elements are evaluated and the
    per-element losses. Per image and class ``IoU = tp / (tp + fp + fn)`` and
    ``Dice = 2 tp / (2 tp + fp + fn)``; the image's score is the mean over the classes present
    in the image's labels or predictions (a class absent from both has no score there and is
    left out, torchmetrics' ``MeanIoU`` / ``DiceScore`` on that image's classes); an image
    with no evaluated element has no score. ``miou_samplewise`` / ``dice_samplewise`` are the
    mean over the images that have one.

    Args:
        layout: the :class:`DenseLayout`.
        n_classes: C (binary: 2, the classes 0 and 1).
        no_background: leave class 0 out of the IoU and Dice averages.

    The samplewise sums live in the run's :class:`~losscli.pipeline.state.EvalState`
    (``dense``: :func:`samplewise_sums` of each chunk's images added up), so the states of a
    dataset's partitions merge into the one-pass value.

    >>> st = DenseStats(DenseLayout("multiclass", 1, None, 2, (2,)), 2)
    >>> y, pred = np.array([0, 1, 1, 1]), np.array([0, 1, 0, 1])
    >>> images = st.update(0, 4, np.arange(4), y, pred, None, {}, None)
    >>> images["miou"].tolist()
    [1.0, 0.25]
    >>> samplewise(samplewise_sums(images))
    {'miou_samplewise': 0.625, 'dice_samplewise': 0.6666666666666666}
    """

    def __init__(self, layout: DenseLayout, n_classes: int, no_background: bool = False) -> None:
        self.layout = layout
        # the masks of the layout.keep_worst lowest-IoU samples
        self.worst = WORST_SAMPLES.load()(layout.keep_worst, layout.grid)
        self.c = int(n_classes)
        self.first = 1 if no_background else 0

    def update(
        self,
        start: int,
        n: int,
        rows: np.ndarray,
        y: np.ndarray,
        pred: np.ndarray,
        keep: np.ndarray | None,
        loss_rows: dict[str, np.ndarray],
        finalize: Any,
        counts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> dict[str, Any]:
        """Add one chunk of whole samples; return its per-image rows (``sample``,
        ``n_elements`` evaluated, each loss, ``pixel_accuracy``, ``miou``, ``mdice``: the
        image's mean IoU and Dice over its classes).

        Args:
            start, n: the chunk's first element row and its number of rows (whole samples).
            rows: (m,) the chunk's rows read (all but those ``--drop-invalid`` dropped).
            y: (m,) class index labels (binary: 0/1; multi-label: (m, C) 0/1).
            pred: (m,) predicted classes (multi-label: (m, C) 0/1).
            keep: (m,) bool, the evaluated elements (None: all).
            loss_rows: per loss its (m, k) additive rows (``LossChunk.rows``); an image's
                loss is ``finalize(name, rows of the image summed)``: the loss of the image
                alone, as PyTorch gives it for that image (mean over its evaluated elements,
                ``sum w[y] l / sum w[y]`` with class weights; Dice over its elements).
            finalize: ``(name, sums) -> value``.
            counts: multi-class, counted already (class-major): (n_img,) evaluated elements
                and (n_img, C, C) confusion counts; ``loss_rows`` then (n_img, k) per image.
        """
        per = self.layout.per_sample
        first = start // per
        n_img = -(-n // per)
        y_read, pred_read, every = y, pred, None
        if counts is None:  # each row's image in the chunk (one image: all 0, no division)
            every = (start + rows) // per - first if n_img > 1 else np.zeros(rows.size, np.intp)
            local = every
            if keep is not None:
                y, pred = y[keep], pred[keep]
                local = local[keep] if n_img > 1 else local[: y.shape[0]]
            count = np.bincount(local, minlength=n_img).astype(np.int64)
        if y.ndim == 2:  # multi-label: per image and label tp / fp / fn
            yb, pb = y > 0.5, pred > 0.5
            tp = np.stack([np.bincount(local, (yb & pb)[:, j], n_img) for j in range(self.c)], 1)
            fp = np.stack([np.bincount(local, (~yb & pb)[:, j], n_img) for j in range(self.c)], 1)
            fn = np.stack([np.bincount(local, (yb & ~pb)[:, j], n_img) for j in range(self.c)], 1)
            hit = np.bincount(local, (yb == pb).all(axis=1), n_img)
        else:
            if counts is None:
                yi, pi = y.astype(np.int64, copy=False), pred.astype(np.int64, copy=False)
                cm = _per_image_cm(local if n_img > 1 else None, yi, pi, n_img, self.c)
            else:
                count, cm = counts
            tp = np.diagonal(cm, axis1=1, axis2=2)
            fp = cm.sum(axis=1) - tp
            fn = cm.sum(axis=2) - tp
            hit = tp.sum(axis=1)
        tp, fp, fn = tp[:, self.first :], fp[:, self.first :], fn[:, self.first :]
        union = tp + fp + fn
        present = union > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = np.where(present, tp / np.where(present, union, 1), np.nan)
            dice = np.where(present, 2 * tp / np.where(present, union + tp, 1), np.nan)
            n_present = present.sum(axis=1)
            img_iou = np.where(
                n_present > 0, np.nansum(iou, axis=1) / np.maximum(n_present, 1), np.nan
            )
            img_dice = np.where(
                n_present > 0, np.nansum(dice, axis=1) / np.maximum(n_present, 1), np.nan
            )
            acc = np.where(count > 0, hit / np.maximum(count, 1), np.nan)
        labels = iou if y.ndim == 2 else None  # multi-label: the worst labels' masks
        self.worst.update(start, rows, y_read, pred_read, keep, img_iou, labels, self.first)
        out: dict[str, Any] = {
            "sample": np.arange(first, first + n_img, dtype=np.int64),
            "n_elements": count,
        }
        for name, lr in loss_rows.items():  # every row: ignored ones add 0 to a mean
            if every is None:  # summed per image already
                sums = lr
            elif n_img == 1:  # the rows in order, as bincount adds them
                sums = lr.sum(axis=0, keepdims=True)
            else:
                sums = np.stack(
                    [np.bincount(every, lr[:, j], n_img) for j in range(lr.shape[1])], 1
                )
            out[name] = np.array([finalize(name, sums[i]) for i in range(n_img)], np.float64)
        out["pixel_accuracy"] = acc
        out["miou"] = img_iou  # not "dice": that may be a loss's column
        out["mdice"] = img_dice
        return out


def samplewise_sums(images: dict[str, Any]) -> np.ndarray:
    """``[sum of the images' IoU, sum of their Dice, images scored]`` of one chunk's
    per-image rows (:meth:`DenseStats.update`); an image with no score adds nothing.

    >>> samplewise_sums({"miou": np.array([0.5, np.nan]), "mdice": np.array([0.6, np.nan])})
    array([0.5, 0.6, 1. ])
    """
    iou, dice = images["miou"], images["mdice"]
    scored = ~np.isnan(iou)
    return np.array([iou[scored].sum(), dice[scored].sum(), scored.sum()], dtype=np.float64)


def samplewise(sums: np.ndarray | None) -> dict[str, float | None]:
    """``miou_samplewise`` and ``dice_samplewise`` from :func:`samplewise_sums` added up
    (None when no image has a score).

    >>> samplewise(np.array([1.5, 1.8, 2.0]))
    {'miou_samplewise': 0.75, 'dice_samplewise': 0.9}
    """
    if sums is None or sums[2] == 0:
        return {"miou_samplewise": None, "dice_samplewise": None}
    return {
        "miou_samplewise": float(sums[0] / sums[2]),
        "dice_samplewise": float(sums[1] / sums[2]),
    }


def dense_report(
    report: Any, stats: DenseStats, sums: np.ndarray | None, no_background: bool
) -> None:
    """Finish the report of a dense run: ``n_samples`` counts the samples (images,
    sequences), ``n_evaluated`` the elements; ``miou`` / ``mdice`` from the confusion counts,
    the samplewise scores (``sums``: the state's :func:`samplewise_sums`; ``stats``: the
    run's :class:`DenseStats`, its layout and kept samples); ``class_axis`` /
    ``no_background`` in the settings and signature; the kept lowest-IoU samples of ``stats``
    in ``worst_samples`` (for ``--plot``, not in the JSON); ranking left out without
    ``--auc-bins`` (:func:`~losscli.pipeline.dense_ranking.leave_out_ranking`)."""
    from losscli.report import build_signature

    if not stats.layout.ranking:
        leave_out_ranking(report)
    layout = stats.layout
    report.n_elements = report.n_samples
    report.n_samples = layout.n_samples
    report.metrics.update(dense_metrics(report.confusion_matrix, report.task, no_background))
    report.metrics.update(samplewise(sums))
    report.worst_samples = stats.worst.worst()
    axis = {1: "first", -1: "last", None: "none"}[layout.score_axis]
    report.settings.update({"class_axis": axis, "no_background": no_background})
    report.signature = build_signature(report.settings)


def dense_metrics(
    confusion: Any, task: str, no_background: bool = False
) -> dict[str, float | None]:
    """``miou`` and ``mdice`` from the dataset-wide confusion counts (mmseg / Cityscapes).

    Per class ``IoU = tp / (tp + fp + fn)``, ``Dice = 2 tp / (2 tp + fp + fn)``, averaged over
    the classes whose union ``tp + fp + fn`` is not empty (class 0 left out with
    ``no_background``).

    Args:
        confusion: the report's confusion matrix: (C, C) rows true (binary: 2 x 2), or
            multi-label (C, 2, 2) ``[[tn, fp], [fn, tp]]`` per label.
        task: the task.

    >>> dense_metrics([[3, 1], [0, 2]], "multiclass")
    {'miou': 0.7083333333333333, 'mdice': 0.8285714285714285}
    """
    cm = np.asarray(confusion, dtype=np.float64)
    if task == "multilabel":
        tp, fp, fn = cm[:, 1, 1], cm[:, 0, 1], cm[:, 1, 0]
    else:
        tp = np.diag(cm)
        fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    start = 1 if no_background else 0
    tp, fp, fn = tp[start:], fp[start:], fn[start:]
    union = tp + fp + fn
    ok = union > 0
    if not ok.any():
        return {"miou": None, "mdice": None}
    return {
        "miou": float(np.mean(tp[ok] / union[ok])),
        "mdice": float(np.mean(2 * tp[ok] / (union[ok] + tp[ok]))),
    }
