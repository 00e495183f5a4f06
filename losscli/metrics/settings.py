"""The settings of a classification accumulator and the checks of its input rows.

:class:`ClassificationSettings` validates every setting once (a :class:`UsageError` naming
it); :func:`check_rows` and :func:`check_key` validate one chunk (an :class:`InputError`
naming the row).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.metrics._common import check_sample_weight
from losscli.metrics.keys import RANK_KEYS
from losscli.metrics.state import TASKS
from losscli.records import record

__all__ = ["ClassificationSettings", "check_rows", "check_key", "first_bad_row"]


@record(frozen=True, eq=False)
class ClassificationSettings:
    """The settings of a :class:`~losscli.metrics.ClassificationAccumulator`, declared once
    here and validated (and normalised) once, in ``__post_init__``; the accumulator takes
    these fields as its arguments, or a settings object.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
        n_classes: number of classes C (binary: 2, 1 is accepted too) or labels L.
        class_names: names for warnings and ``per_class`` (default ``"0"``, ``"1"``, ...).
        threshold: decision threshold on probabilities (positive when ``p > threshold``);
            multi-label also takes a float array (L,) of per-label thresholds; ignored for
            multi-class (argmax).
        top_k: multi-class only: also report ``top_k_accuracy`` for this k, or
            ``top_<k>_accuracy`` for each k of several (a sequence).
        keep_scores: keep the scores for exact ROC AUC and average precision (memory: binary
            8 bytes per row, 4 when float32 is exact; multi-class and multi-label the (N, C)
            probabilities plus 1 byte per label).
        ece_bins: number of equal-width bins of the expected calibration error.
        beta: when given, the ``fbeta`` metrics (flat and per class) are added next to
            ``f1`` (beta 1 gives F1's values); None: none.
        max_fpr: binary only: also report ``roc_auc_partial``, the standardised partial AUC
            up to this false positive rate (``roc_auc_score(max_fpr=...)``), in (0, 1].
        labels: distinct class indices in ``[0, C)`` that choose and order the
            ``per_class`` rows and the classes the precision / recall / F / jaccard averages
            run over (scikit-learn ``labels=``).
        auc_bins: when set, ROC AUC and average precision are computed from per-class
            histograms over this many equal-width bins of [0, 1] of
            :func:`~losscli.metrics.keys.rank_axis` (the probability, or
            ``1/2 + arctan(log-odds / 8)/pi``) (memory O(C x auc_bins), no scores kept;
            ``keep_scores`` is then ignored). Scores in one bin count as tied; ``result()``
            warns and gives the error bound in ``ranking_error_bound``.
        keep_rows: keep the rows for ``resample`` (the same compact storage as
            ``keep_scores``).
        rank_key: what ``update``'s ``rank_scores`` hold and ranking uses: ``"probs"``
            (the probabilities, the default), ``"logits"`` (binary, multi-label) or
            ``"log-probs"``.
        threshold_on: ``"probs"``: positive when ``p > threshold`` (the default);
            ``"scores"`` (binary, multi-label): positive when ``rank_scores > threshold``,
            the threshold on the key's own scale (a logit, a log-probability).

    Raises:
        UsageError: a setting is invalid (the message names it and the fix).

    >>> ClassificationSettings("binary", 1).n_classes
    2
    >>> ClassificationSettings("multiclass", 3, top_k=0)
    Traceback (most recent call last):
    ...
    losscli.errors.UsageError: top_k must be at least 1, got 0
    """

    task: str
    n_classes: int
    class_names: list[str] | None = None
    threshold: float | np.ndarray = 0.5
    top_k: int | Sequence[int] | None = None
    keep_scores: bool = True
    ece_bins: int = 15
    beta: float | None = None
    auc_bins: int | None = None
    keep_rows: bool = False
    rank_key: str = "probs"
    threshold_on: str = "probs"
    max_fpr: float | None = None
    labels: Sequence[int] | None = None

    def __post_init__(self) -> None:
        task, n_classes, class_names = self.task, self.n_classes, self.class_names
        threshold, top_k, keep_scores = self.threshold, self.top_k, self.keep_scores
        ece_bins, beta, auc_bins = self.ece_bins, self.beta, self.auc_bins
        keep_rows, rank_key, threshold_on = self.keep_rows, self.rank_key, self.threshold_on
        if task not in TASKS:
            raise UsageError(f"unknown classification task {task!r}; use one of {', '.join(TASKS)}")
        n_classes = int(n_classes)
        if task == "binary":
            if n_classes not in (1, 2):
                raise UsageError(
                    f"a binary task has 2 classes, got n_classes={n_classes}; "
                    "use the multiclass task for more"
                )
            n_classes = 2
        elif task == "multiclass" and n_classes < 2:
            raise UsageError(f"a multiclass task needs at least 2 classes, got {n_classes}")
        elif task == "multilabel" and n_classes < 1:
            raise UsageError(f"a multilabel task needs at least 1 label, got {n_classes}")
        if class_names is None:
            class_names = [str(i) for i in range(n_classes)]
        class_names = [str(c) for c in class_names]
        if len(class_names) != n_classes:
            raise UsageError(
                f"{len(class_names)} class names given for {n_classes} classes; "
                "give one name per class"
            )
        thr = np.asarray(threshold, dtype=np.float64)
        if task == "multilabel":
            if thr.ndim == 0:
                thr = np.full(n_classes, float(thr))
            if thr.shape != (n_classes,):
                raise UsageError(
                    f"{thr.size} thresholds given for {n_classes} labels; "
                    "give one threshold, or one per label"
                )
        elif thr.ndim != 0:
            raise UsageError(f"the {task} task takes a single threshold, got {thr.size}")
        if not np.all(np.isfinite(thr)):
            raise UsageError("threshold must be a finite number, e.g. --threshold 0.5")
        threshold = thr
        if rank_key not in RANK_KEYS:
            raise UsageError(f"rank_key must be one of {', '.join(RANK_KEYS)}, got {rank_key!r}")
        if rank_key == "logits" and task == "multiclass":
            raise UsageError(
                "multi-class ranking takes log-probabilities (the log-softmax of the logits), "
                "not logits: pass rank_key='log-probs'"
            )
        if threshold_on not in ("probs", "scores"):
            raise UsageError(f"threshold_on must be 'probs' or 'scores', got {threshold_on!r}")
        if threshold_on == "scores" and task == "multiclass":
            raise UsageError("the multiclass task predicts by argmax: no threshold on scores")
        if top_k is not None:
            if task != "multiclass":
                raise UsageError("top_k applies to the multiclass task only; drop --top-k")
            ks = (top_k,) if isinstance(top_k, (int, np.integer)) else tuple(top_k)
            if not ks:
                raise UsageError("top_k needs at least one k")
            for k in ks:
                if isinstance(k, bool) or int(k) != k or int(k) < 1:
                    raise UsageError(f"top_k must be at least 1, got {k!r}")
            if len(set(ks)) != len(ks):
                raise UsageError(f"top_k lists a k twice: {', '.join(map(str, ks))}")
            top_k = tuple(int(k) for k in ks)
        keep_scores = bool(keep_scores)
        if int(ece_bins) < 1:
            raise UsageError(f"ece_bins must be at least 1, got {ece_bins}")
        ece_bins = int(ece_bins)
        if beta is not None:
            beta = float(beta)
            if not (math.isfinite(beta) and beta > 0):
                raise UsageError(f"beta must be a positive number, got {beta}")
        max_fpr, labels = self.max_fpr, self.labels
        if max_fpr is not None:
            max_fpr = float(max_fpr)
            if not (0.0 < max_fpr <= 1.0):
                raise UsageError(f"max_fpr must be in (0, 1], got {max_fpr:g}")
            if task != "binary":
                raise UsageError(
                    "max_fpr (the partial ROC AUC) is defined for the binary task only, as in "
                    "scikit-learn's roc_auc_score; drop --max-fpr"
                )
        if labels is not None:
            sel = tuple(int(i) for i in labels)
            if not sel or len(set(sel)) != len(sel) or min(sel) < 0 or max(sel) >= n_classes:
                raise UsageError(
                    f"labels must be distinct class indices in [0, {n_classes}), got {list(sel)}"
                )
            labels = sel
        if auc_bins is not None:
            if isinstance(auc_bins, bool) or int(auc_bins) != auc_bins or int(auc_bins) < 1:
                raise UsageError(f"auc_bins must be a whole number >= 1, got {auc_bins!r}")
            auc_bins = int(auc_bins)
        normalised = {
            "n_classes": n_classes,
            "class_names": class_names,
            "threshold": thr,
            "top_k": top_k,
            "keep_scores": bool(keep_scores),
            "ece_bins": int(ece_bins),
            "beta": beta,
            "auc_bins": auc_bins,
            "keep_rows": bool(keep_rows),
            "max_fpr": max_fpr,
            "labels": labels,
        }
        for name, value in normalised.items():
            object.__setattr__(self, name, value)

    @property
    def rank_mode(self) -> str:
        """``"binned"`` (``auc_bins`` set), ``"exact"`` (scores kept) or ``"off"``."""
        if self.auc_bins is not None:
            return "binned"
        return "exact" if self.keep_scores else "off"

    def key(self) -> tuple[Any, ...]:
        """The settings as a comparable tuple (two accumulators merge only when equal)."""
        return (
            self.task,
            self.n_classes,
            tuple(self.class_names),
            tuple(np.atleast_1d(self.threshold).tolist()),
            self.top_k,
            self.keep_scores,
            self.ece_bins,
            self.beta,
            self.auc_bins,
            self.keep_rows,
            self.rank_key,
            self.threshold_on,
            self.max_fpr,
            self.labels,
        )


def first_bad_row(first_row: int, mask: np.ndarray) -> int:
    """The row number (counted over every chunk so far) of the first row ``mask`` flags.

    >>> first_bad_row(10, np.array([False, True]))
    11
    """
    bad = np.flatnonzero(mask.reshape(mask.shape[0], -1).any(axis=1))
    return int(first_row + bad[0])


def check_rows(
    s: ClassificationSettings,
    first_row: int,
    y_true: object,
    y_prob: object,
    sample_weight: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One chunk's labels, probabilities and weights, checked and converted.

    Args:
        s: the settings.
        first_row: rows seen before this chunk (for the row numbers of errors).
        y_true, y_prob, sample_weight: as ``ClassificationAccumulator.update`` takes them.

    Returns:
        ``(y_true, y_prob, weights or None)``: multi-class labels int64, else float64.

    Raises:
        InputError: shapes, label values or probabilities are not as described.

    >>> s = ClassificationSettings("binary", 2)
    >>> check_rows(s, 0, [1, 0], [0.5, 0.25], None)[0]
    array([1., 0.])
    >>> check_rows(s, 7, [1, 0], [0.5, 1.5], None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    losscli.errors.InputError: probabilities must lie in [0, 1]; row 8 does not (convert ...
    """
    at = partial(first_bad_row, first_row)
    yp = np.asarray(y_prob, dtype=np.float64)
    yt = np.asarray(y_true)
    c = s.n_classes
    if s.task == "binary":
        if yp.ndim == 2 and yp.shape[1] == 1:
            yp = yp[:, 0]
        if yt.ndim == 2 and yt.shape[1] == 1:
            yt = yt[:, 0]
        if yp.ndim != 1 or yt.ndim != 1:
            raise InputError(
                f"binary metrics take one probability and one label per row, got y_prob "
                f"shape {yp.shape} and y_true shape {yt.shape}"
            )
    elif s.task == "multiclass":
        if yt.ndim != 1 or yp.ndim != 2 or yp.shape[1] != c:
            raise InputError(
                f"multiclass metrics take class indices (N,) and probabilities (N, {c}), got "
                f"y_true shape {yt.shape} and y_prob shape {yp.shape}"
            )
    else:
        if yt.ndim != 2 or yp.shape != yt.shape or yp.shape[1] != c:
            raise InputError(
                f"multilabel metrics take indicators and probabilities of shape (N, {c}), "
                f"got y_true shape {yt.shape} and y_prob shape {yp.shape}"
            )
    n = yp.shape[0]
    if yt.shape[0] != n:
        raise InputError(
            f"y_true has {yt.shape[0]} rows but y_prob has {n}; give one label per row"
        )
    if not (yp.size == 0 or (yp.min() >= 0 and yp.max() <= 1)):  # NaN fails both
        bad = ~np.isfinite(yp)
        if bad.any():
            raise InputError(
                f"probabilities hold NaN or infinity at row {at(bad)}; drop or fix that row"
            )
        bad = (yp < 0) | (yp > 1)
        raise InputError(
            f"probabilities must lie in [0, 1]; row {at(bad)} does not "
            "(convert logits to probabilities first)"
        )
    if s.task == "multiclass":
        if yt.dtype.kind == "f":
            bad = ~np.isfinite(yt) | (yt != np.round(yt))
            if bad.any():
                raise InputError(f"class labels must be whole numbers; row {at(bad)} is not")
        elif yt.dtype.kind not in "iub":
            raise InputError(f"class labels must be integers, got dtype {yt.dtype}")
        yt = yt.astype(np.int64)
        bad = (yt < 0) | (yt >= c)
        if bad.any():
            raise InputError(
                f"class index out of range [0, {c}) at row {at(bad)}; check the label encoding"
            )
    else:
        if yt.dtype.kind not in "iufb":
            raise InputError(f"labels must be 0/1, got dtype {yt.dtype}")
        yt = yt.astype(np.float64)
        bad = (yt != 0) & (yt != 1)
        if bad.any():
            raise InputError(
                f"labels must be 0 or 1; row {at(bad)} is not "
                "(soft targets are for the losses, not the metrics)"
            )
    w = None
    if sample_weight is not None:
        w = check_sample_weight(sample_weight, n, first_row)
    return yt, yp, w


# -- accumulation ----------------------------------------------------------------------


def check_key(s: ClassificationSettings, first_row: int, rank_scores: object) -> np.ndarray:
    """The ranking scores as float64 (binary (N,)), finite, log-probabilities <= 0.

    >>> check_key(ClassificationSettings("binary", 2, rank_key="logits"), 0, [1.0, 2.0])
    array([1., 2.])
    """
    at = partial(first_bad_row, first_row)
    key = np.asarray(rank_scores, dtype=np.float64)
    if s.task == "binary" and key.ndim == 2 and key.shape[1] == 1:
        key = key[:, 0]
    if key.size == 0:
        return key
    hi = key.max()  # NaN propagates: one pass for the usual case
    if not (np.isfinite(hi) and np.isfinite(key.min())):
        bad = ~np.isfinite(key)
        raise InputError(f"rank_scores hold NaN or infinity at row {at(bad)}; drop or fix that row")
    if s.rank_key == "log-probs" and hi > 0:
        raise InputError(f"log-probabilities must be <= 0; row {at(key > 0)} is not")
    return key
