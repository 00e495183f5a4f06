"""``ClassificationAccumulator``: mergeable metrics for binary, multi-class, multi-label tasks.

Everything a metric needs is a sum that adds across chunks and shards: the confusion counts
(one ``np.bincount`` per chunk), the weighted sums of per-sample log loss and Brier terms, the
calibration bins, top-k hits, and for multi-label the per-sample sums behind the ``samples``
averages, subset accuracy and Hamming loss. Only the ranking metrics (ROC AUC, average
precision) need the scores themselves. Three ranking modes:

- exact (default, ``keep_scores=True``): the ranking keys are kept compactly, per chunk.
  Binary: the positives' and the negatives' keys apart (the label is one bit per row, only to
  give the rows back in order), multi-class: the (N, C) keys plus the labels in the smallest
  integer type, multi-label: the keys plus bool labels; a chunk's floats are kept
  as float32 only when that is exact. ``result()`` sorts one class at a time, each class once
  (:func:`~losscli.metrics.ranking.auc_ap_sorted`; binary class 0 reuses class 1's sort).
- binned (``auc_bins=B``): no scores, per class histograms of positive and negative weight over
  B equal-width bins of [0, 1] of :func:`rank_axis` of the key (mergeable); AUC and AP count
  scores in a bin as tied, and ``result()`` reports a bound on the difference to the exact
  values.
- off (``keep_scores=False``): no ranking metrics.

Ranking key (``rank_key``): what is kept and ranked is a strictly increasing function of the
model's own score that does not saturate, handed to :meth:`update` as ``rank_scores``:
``"probs"`` (the default) ranks the probabilities themselves; ``"logits"`` (binary,
multi-label) the logits ``z`` (``y_prob = sigmoid(z)``, which is exactly 1.0 above z ~ 36.7);
``"log-probs"`` the log-probabilities ``l`` (``y_prob = exp(l)``, which underflows to 0 below
l ~ -745; multi-class logits enter as their log-softmax, and a multi-class log-probability
of exactly 0 is ranked by its log-odds, :func:`class_key`). The stored key gives the
probabilities back bit for bit (``key_to_prob``), so the memory is that of one float per
score as before. Binary class 0 (scored ``1 - p``) is ranked by the reversed order of the key,
which never ties what the key tells apart (``1 - p`` is 1.0 for every p below ~5e-17).
Binned ranking bins :func:`rank_axis` of the key.

``keep_rows=True`` keeps the rows (the same compact storage) so that :meth:`resample` can give
every scalar metric of re-weighted rows (the bootstrap) without reading the data again.

Semantics (scikit-learn's unless stated):

- Predictions: positive when ``p > threshold`` (per-label thresholds for multi-label);
  multi-class argmax with ties to the lowest index.
- Binary reports ``precision``/``recall``/``f1``/``specificity`` of the positive class and the
  ``macro``/``micro``/``weighted`` averages over both classes.
- Multi-label: ``accuracy`` is the subset accuracy (scikit-learn's ``accuracy_score``);
  ``balanced_accuracy``, ``mcc`` and ``cohen_kappa`` are not defined by scikit-learn for
  multi-label targets and are omitted; ``log_loss``, ``brier`` and ``ece`` treat every
  (sample, label) cell as a binary prediction.
- Undefined ratios: 0 with a warning naming the classes (``zero_division="warn"``), or 0, 1,
  NaN on request; NaN is reported as None. ``mcc`` and ``cohen_kappa`` follow the same policy
  (scikit-learn returns 0 silently and NaN respectively).
- ``top_k_accuracy``: ties go to the lowest class index, like argmax (scikit-learn's sort puts
  the highest index first among ties).
- ROC AUC / AP of a class with no positive (AUC also: no negative) is None; macro averages are
  over the defined classes and ``n_auc_excluded`` / ``n_ap_excluded`` say how many were left out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.activations import log1mexp, sigmoid
from losscli.errors import InputError, UsageError
from losscli.metrics._common import (
    check_sample_weight,
    compact_floats,
    fill_undefined,
    name_list,
    nan_average,
    parse_zero_division,
    safe_ratio,
    to_float_or_none,
)
from losscli.metrics.calibration import (
    brier_binary,
    brier_multiclass,
    brier_multilabel,
    calibration_bin_sums,
    ece_bin_edges,
    expected_calibration_error,
    log_loss_binary,
    log_loss_multiclass,
    log_loss_multilabel,
)
from losscli.metrics.classification import (
    kappa_from_confusion,
    mcc_from_confusion,
    per_class_counts,
    prf_from_counts,
)
from losscli.metrics.confusion import (
    confusion_matrix,
    multilabel_confusion_matrix,
    predict_binary,
    predict_multiclass,
    predict_multilabel,
)
from losscli.metrics.ranking import (
    RankIndex,
    auc_ap_hist,
    auc_ap_sorted,
    hist_error_bounds,
)
from losscli.metrics.result import MetricsResult

__all__ = [
    "ClassificationAccumulator",
    "TASKS",
    "RANK_KEYS",
    "class_key",
    "key_to_prob",
    "rank_axis",
]

TASKS = ("binary", "multiclass", "multilabel")

# index of the per-sample statistics kept for the multi-label "samples" averages
_SAMPLE_STATS = ("precision", "recall", "f1", "fbeta")


class ClassificationAccumulator:
    """Mergeable classification metrics: ``update(chunk)``, ``merge(other)``, ``result()``.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
        n_classes: number of classes C (binary: 2, 1 is accepted too) or labels L.
        class_names: names for warnings and ``per_class`` (default ``"0"``, ``"1"``, ...).
        threshold: decision threshold on probabilities (positive when ``p > threshold``);
            multi-label also takes a float array (L,) of per-label thresholds; ignored for
            multi-class (argmax).
        top_k: multi-class only: also report ``top_k_accuracy`` for this k.
        keep_scores: keep the scores for exact ROC AUC and average precision (memory: binary
            8 bytes per row, 4 when float32 is exact; multi-class and multi-label the (N, C)
            probabilities plus 1 byte per label).
        ece_bins: number of equal-width bins of the expected calibration error.
        beta: when != 1, ``fbeta_*`` metrics are added next to ``f1_*``.
        auc_bins: when set, ROC AUC and average precision are computed from per-class
            histograms over this many equal-width bins of [0, 1] of :func:`rank_axis` (the
            probability, or ``1/2 + arctan(log-odds / 8)/pi``) (memory O(C x auc_bins), no
            scores kept; ``keep_scores`` is then ignored). Scores in one bin count as tied;
            ``result()`` warns and gives the error bound in ``ranking_error_bound``.
        keep_rows: keep the rows for :meth:`resample` (the same compact storage as
            ``keep_scores``).
        rank_key: what :meth:`update`'s ``rank_scores`` hold and ranking uses: ``"probs"``
            (the probabilities, the default), ``"logits"`` (binary, multi-label) or
            ``"log-probs"`` (see the module docstring).
        threshold_on: ``"probs"``: positive when ``p > threshold`` (the default);
            ``"scores"`` (binary, multi-label): positive when ``rank_scores > threshold``,
            the threshold on the key's own scale (a logit, a log-probability).

    >>> acc = ClassificationAccumulator("binary", 2)
    >>> acc.update(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.2, 0.9, 0.4, 0.6]))
    >>> r = acc.result()
    >>> r.metrics["accuracy"], r.metrics["f1"], r.metrics["roc_auc"]
    (0.5, 0.5, 0.75)
    >>> r.confusion_matrix
    [[1, 1], [1, 1]]
    """

    def __init__(
        self,
        task: str,
        n_classes: int,
        *,
        class_names: list[str] | None = None,
        threshold: float | np.ndarray = 0.5,
        top_k: int | None = None,
        keep_scores: bool = True,
        ece_bins: int = 15,
        beta: float = 1.0,
        auc_bins: int | None = None,
        keep_rows: bool = False,
        rank_key: str = "probs",
        threshold_on: str = "probs",
    ) -> None:
        if task not in TASKS:
            raise UsageError(f"unknown classification task {task!r}; use one of {', '.join(TASKS)}")
        self.task = task
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
        self.n_classes = n_classes
        if class_names is None:
            class_names = [str(i) for i in range(n_classes)]
        class_names = [str(c) for c in class_names]
        if len(class_names) != n_classes:
            raise UsageError(
                f"{len(class_names)} class names given for {n_classes} classes; "
                "give one name per class"
            )
        self.class_names = class_names
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
        self.threshold = thr
        if rank_key not in RANK_KEYS:
            raise UsageError(f"rank_key must be one of {', '.join(RANK_KEYS)}, got {rank_key!r}")
        if rank_key == "logits" and task == "multiclass":
            raise UsageError(
                "multi-class ranking takes log-probabilities (the log-softmax of the logits), "
                "not logits: pass rank_key='log-probs'"
            )
        self.rank_key = rank_key
        if threshold_on not in ("probs", "scores"):
            raise UsageError(f"threshold_on must be 'probs' or 'scores', got {threshold_on!r}")
        if threshold_on == "scores" and task == "multiclass":
            raise UsageError("the multiclass task predicts by argmax: no threshold on scores")
        self.threshold_on = threshold_on
        if top_k is not None:
            if task != "multiclass":
                raise UsageError("top_k applies to the multiclass task only; drop --top-k")
            if int(top_k) < 1:
                raise UsageError(f"top_k must be at least 1, got {top_k}")
            top_k = int(top_k)
        self.top_k = top_k
        self.keep_scores = bool(keep_scores)
        if int(ece_bins) < 1:
            raise UsageError(f"ece_bins must be at least 1, got {ece_bins}")
        self.ece_bins = int(ece_bins)
        beta = float(beta)
        if not (math.isfinite(beta) and beta > 0):
            raise UsageError(f"beta must be a positive number, got {beta}")
        self.beta = beta
        if auc_bins is not None:
            if isinstance(auc_bins, bool) or int(auc_bins) != auc_bins or int(auc_bins) < 1:
                raise UsageError(f"auc_bins must be a whole number >= 1, got {auc_bins!r}")
            auc_bins = int(auc_bins)
        self.auc_bins = auc_bins
        self.keep_rows = bool(keep_rows)
        if auc_bins is not None:
            self._rank_mode = "binned"
        else:
            self._rank_mode = "exact" if self.keep_scores else "off"
        # rows are kept for exact ranking and for resampling
        self._store = self.keep_rows or self._rank_mode == "exact"

        self.n_rows = 0
        self.weighted = False
        self.total_weight = 0.0
        if task == "multilabel":
            self._cm = np.zeros((n_classes, 2, 2))
        else:
            self._cm = np.zeros((n_classes, n_classes))
        self._log_loss = 0.0
        self._brier = 0.0
        self._ece_w = np.zeros(self.ece_bins)
        self._ece_conf = np.zeros(self.ece_bins)
        self._ece_acc = np.zeros(self.ece_bins)
        self._top_k_hits = 0.0
        self._subset = 0.0
        self._hamming = 0.0
        self._samp_sum = np.zeros(len(_SAMPLE_STATS))
        self._samp_wundef = np.zeros(len(_SAMPLE_STATS))
        self._samp_wdef = np.zeros(len(_SAMPLE_STATS))
        self._samp_nundef = np.zeros(len(_SAMPLE_STATS), dtype=np.int64)
        # kept rows, one record per chunk in update order (see _keep)
        self._chunks: list[tuple[Any, ...]] = []
        # binned ranking: weight per (class, bin, is_positive)
        self._hist = np.zeros((n_classes, auc_bins or 0, 2))
        self._rows_cache: Any = None  # resample's per-row terms, built on first use

    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy state without the resample cache (rebuilt on demand)."""
        state = self.__dict__.copy()
        state["_rows_cache"] = None
        return state

    # -- settings and merging --------------------------------------------------------------

    def _settings(self) -> tuple[Any, ...]:
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
        )

    def merge(self, other: ClassificationAccumulator) -> ClassificationAccumulator:
        """Add another accumulator's counts into this one (in place) and return ``self``.

        Args:
            other: an accumulator built with the same settings.

        Returns:
            ``self``.

        Raises:
            ValueError: the settings differ.

        >>> a, b = ClassificationAccumulator("binary", 2), ClassificationAccumulator("binary", 2)
        >>> a.update(np.array([1.0]), np.array([0.9])); b.update(np.array([0.0]), np.array([0.7]))
        >>> a.merge(b).result().metrics["accuracy"]
        0.5
        """
        if not isinstance(other, ClassificationAccumulator):
            raise ValueError(
                f"cannot merge a {type(other).__name__} into a ClassificationAccumulator"
            )
        if self._settings() != other._settings():
            raise ValueError(
                "cannot merge accumulators with different settings: "
                f"{self._settings()} vs {other._settings()}"
            )
        self.n_rows += other.n_rows
        self.weighted = self.weighted or other.weighted
        self.total_weight += other.total_weight
        self._cm += other._cm
        self._log_loss += other._log_loss
        self._brier += other._brier
        self._ece_w += other._ece_w
        self._ece_conf += other._ece_conf
        self._ece_acc += other._ece_acc
        self._top_k_hits += other._top_k_hits
        self._subset += other._subset
        self._hamming += other._hamming
        self._samp_sum += other._samp_sum
        self._samp_wundef += other._samp_wundef
        self._samp_wdef += other._samp_wdef
        self._samp_nundef += other._samp_nundef
        self._chunks.extend(other._chunks)
        self._hist += other._hist
        self._rows_cache = None
        return self

    # -- input checks ----------------------------------------------------------------------

    def _row(self, mask: np.ndarray) -> int:
        bad = np.flatnonzero(mask.reshape(mask.shape[0], -1).any(axis=1))
        return int(self.n_rows + bad[0])

    def _check(
        self, y_true: object, y_prob: object, sample_weight: object
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        yp = np.asarray(y_prob, dtype=np.float64)
        yt = np.asarray(y_true)
        c = self.n_classes
        if self.task == "binary":
            if yp.ndim == 2 and yp.shape[1] == 1:
                yp = yp[:, 0]
            if yt.ndim == 2 and yt.shape[1] == 1:
                yt = yt[:, 0]
            if yp.ndim != 1 or yt.ndim != 1:
                raise InputError(
                    f"binary metrics take one probability and one label per row, got y_prob "
                    f"shape {yp.shape} and y_true shape {yt.shape}"
                )
        elif self.task == "multiclass":
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
        bad = ~np.isfinite(yp)
        if bad.any():
            raise InputError(
                f"probabilities hold NaN or infinity at row {self._row(bad)}; drop or fix that row"
            )
        bad = (yp < 0) | (yp > 1)
        if bad.any():
            raise InputError(
                f"probabilities must lie in [0, 1]; row {self._row(bad)} does not "
                "(convert logits to probabilities first)"
            )
        if self.task == "multiclass":
            if yt.dtype.kind == "f":
                bad = ~np.isfinite(yt) | (yt != np.round(yt))
                if bad.any():
                    raise InputError(
                        f"class labels must be whole numbers; row {self._row(bad)} is not"
                    )
            elif yt.dtype.kind not in "iub":
                raise InputError(f"class labels must be integers, got dtype {yt.dtype}")
            yt = yt.astype(np.int64)
            bad = (yt < 0) | (yt >= c)
            if bad.any():
                raise InputError(
                    f"class index out of range [0, {c}) at row {self._row(bad)}; "
                    "check the label encoding"
                )
        else:
            if yt.dtype.kind not in "iufb":
                raise InputError(f"labels must be 0/1, got dtype {yt.dtype}")
            yt = yt.astype(np.float64)
            bad = (yt != 0) & (yt != 1)
            if bad.any():
                raise InputError(
                    f"labels must be 0 or 1; row {self._row(bad)} is not "
                    "(soft targets are for the losses, not the metrics)"
                )
        w = None
        if sample_weight is not None:
            w = check_sample_weight(sample_weight, n, self.n_rows)
        return yt, yp, w

    # -- accumulation ----------------------------------------------------------------------

    def update(
        self,
        y_true: np.ndarray,
        y_prob: np.ndarray | None,
        sample_weight: np.ndarray | None = None,
        *,
        rank_scores: np.ndarray | None = None,
    ) -> None:
        """Add one chunk of rows.

        Args:
            y_true: binary float (N,) in {0, 1}; multi-class int (N,) in [0, C);
                multi-label float (N, L) in {0, 1}.
            y_prob: binary float (N,) P(positive); multi-class float (N, C);
                multi-label float (N, L); all in [0, 1]. With ``rank_key`` other than
                ``"probs"`` it must be ``key_to_prob(rank_scores)`` (the engine's
                ``to_probs``), or None to have it computed so.
            sample_weight: float (N,) non-negative weights, or None.
            rank_scores: the ranking key of the same shape as ``y_prob`` (see ``rank_key``);
                required unless ``rank_key`` is ``"probs"`` (then ignored).

        Raises:
            InputError: shapes, label values or probabilities are not as described.

        >>> acc = ClassificationAccumulator("multilabel", 2, threshold=np.array([0.5, 0.3]))
        >>> acc.update(np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([[0.7, 0.4], [0.2, 0.1]]))
        >>> acc.n_rows, acc.result().metrics["subset_accuracy"]
        (2, 1.0)
        >>> acc = ClassificationAccumulator("binary", 2, rank_key="logits")
        >>> acc.update(np.array([0.0, 1.0, 0.0, 1.0]), None, rank_scores=np.array([40, 50, -3, 45]))
        >>> acc.result().metrics["roc_auc"]  # sigmoid(40) == sigmoid(45) == sigmoid(50) == 1.0
        1.0
        """
        key = None
        if self.rank_key != "probs":
            if rank_scores is None:
                raise InputError(
                    f"rank_key={self.rank_key!r} needs rank_scores (the {self.rank_key}) "
                    "with every update"
                )
            key = self._check_key(rank_scores)
            if y_prob is None:
                y_prob = key_to_prob(key, self.rank_key)
        elif y_prob is None:
            raise InputError("update needs the probabilities y_prob")
        yt, yp, w = self._check(y_true, y_prob, sample_weight)
        if key is None:
            key = yp
        elif key.shape != yp.shape:
            raise InputError(
                f"rank_scores has shape {key.shape} but y_prob has {yp.shape}; "
                "give one ranking score per probability"
            )
        n = yp.shape[0]
        if n == 0:
            return
        if w is not None:
            self.weighted = True
        self.n_rows += n
        self.total_weight += float(n if w is None else w.sum())

        def wsum(values: np.ndarray) -> float:
            return float(values.sum() if w is None else np.dot(values, w))

        if self.task == "binary":
            pred = predict_binary(
                key if self.threshold_on == "scores" else yp, float(self.threshold)
            )
            self._cm += confusion_matrix(yt.astype(np.int64), pred, 2, w)
            self._log_loss += wsum(log_loss_binary(yt, yp))
            self._brier += wsum(brier_binary(yt, yp))
            conf, correct, cell_w = yp, yt, w
        elif self.task == "multiclass":
            pred = predict_multiclass(yp)
            self._cm += confusion_matrix(yt, pred, self.n_classes, w)
            self._log_loss += wsum(log_loss_multiclass(yt, yp))
            self._brier += wsum(brier_multiclass(yt, yp))
            conf = yp[np.arange(n), pred]
            correct = (pred == yt).astype(np.float64)
            cell_w = w
            if self.top_k is not None:
                self._top_k_hits += wsum(_top_k_hits(yt, yp, self.top_k).astype(np.float64))
        else:
            pred = predict_multilabel(key if self.threshold_on == "scores" else yp, self.threshold)
            self._cm += multilabel_confusion_matrix(yt, pred, w)
            self._log_loss += wsum(log_loss_multilabel(yt, yp))
            self._brier += wsum(brier_multilabel(yt, yp))
            conf, correct = yp.ravel(), yt.ravel()
            cell_w = None if w is None else np.repeat(w, self.n_classes)
            self._update_samples(yt, pred.astype(np.float64), w)
        bw, bc, ba = calibration_bin_sums(conf, correct, cell_w, self.ece_bins)
        self._ece_w += bw
        self._ece_conf += bc
        self._ece_acc += ba
        del conf, correct, cell_w, pred
        if self._rank_mode == "binned":
            self._update_hist(yt, key, w)
        if self._store:
            self._keep(yt, key, w)
            self._rows_cache = None

    def _check_key(self, rank_scores: object) -> np.ndarray:
        """The ranking scores as float64 (binary (N,)), finite, log-probabilities <= 0."""
        key = np.asarray(rank_scores, dtype=np.float64)
        if self.task == "binary" and key.ndim == 2 and key.shape[1] == 1:
            key = key[:, 0]
        bad = ~np.isfinite(key)
        if bad.any():
            raise InputError(
                f"rank_scores hold NaN or infinity at row {self._row(bad)}; drop or fix that row"
            )
        if self.rank_key == "log-probs":
            bad = key > 0
            if bad.any():
                raise InputError(f"log-probabilities must be <= 0; row {self._row(bad)} is not")
        return key

    def _keep(self, yt: np.ndarray, yp: np.ndarray, w: np.ndarray | None) -> None:
        """Keep one chunk's rows compactly (float32 only where exact).

        ``yp`` is the ranking key (the probabilities for ``rank_key="probs"``). Binary: ``("b",
        n, packed label bits, positives' keys, negatives' keys, positives' weights, negatives'
        weights)``; multi-class ``("m", labels int8/16/32, keys, weights)``; multi-label
        ``("m", labels bool (n, L), keys, weights)``.
        """
        if self.task == "binary":
            is_pos = yt == 1
            pw = nw = None
            if w is not None:
                pw, nw = compact_floats(w[is_pos]), compact_floats(w[~is_pos])
            self._chunks.append(
                (
                    "b",
                    int(yp.shape[0]),
                    np.packbits(is_pos),
                    compact_floats(yp[is_pos]),
                    compact_floats(yp[~is_pos]),
                    pw,
                    nw,
                )
            )
            return
        if self.task == "multiclass":
            labels = yt.astype(_label_dtype(self.n_classes))
        else:
            labels = yt == 1
        self._chunks.append(
            ("m", labels, compact_floats(yp), None if w is None else compact_floats(w))
        )

    def _update_hist(self, yt: np.ndarray, key: np.ndarray, w: np.ndarray | None) -> None:
        """Binned ranking: add the chunk's weight per (class, bin, is_positive).

        The bins are equal-width bins of :func:`rank_axis` of each class's key.
        """
        c, bins = self.n_classes, self.auc_bins or 1
        if self.task == "binary":
            scores = np.stack([rank_axis(key, self.rank_key, 0), rank_axis(key, self.rank_key)], 1)
            is_pos = np.stack([yt == 0, yt == 1], axis=1)
        elif self.task == "multiclass":
            scores = rank_axis(key, self.rank_key)
            is_pos = yt[:, None] == np.arange(c)[None, :]
        else:
            scores = rank_axis(key, self.rank_key)
            is_pos = yt == 1
        idx = auc_bin_index(scores, bins)
        idx += (np.arange(c) * bins)[None, :]
        idx *= 2
        idx += is_pos
        weights = None if w is None else np.repeat(w, c)
        counts = np.bincount(idx.ravel(), weights=weights, minlength=c * bins * 2)
        self._hist += counts.reshape(c, bins, 2)

    def _update_samples(self, yt: np.ndarray, pred: np.ndarray, w: np.ndarray | None) -> None:
        tp = np.sum(yt * pred, axis=1)
        n_true = yt.sum(axis=1)
        n_pred = pred.sum(axis=1)
        mismatches = n_true + n_pred - 2.0 * tp
        ww = np.ones(tp.shape[0]) if w is None else w
        self._subset += float(np.dot(mismatches == 0, ww))
        self._hamming += float(np.dot(mismatches, ww))
        b2 = self.beta**2
        values = (
            safe_ratio(tp, n_pred),
            safe_ratio(tp, n_true),
            safe_ratio(2.0 * tp, n_true + n_pred),
            safe_ratio((1.0 + b2) * tp, b2 * n_true + n_pred),
        )
        for i, v in enumerate(values):
            undef = np.isnan(v)
            self._samp_sum[i] += float(np.dot(np.where(undef, 0.0, v), ww))
            self._samp_wundef[i] += float(np.dot(undef, ww))
            self._samp_wdef[i] += float(np.dot(~undef, ww))
            self._samp_nundef[i] += int(undef.sum())

    # -- stored scores ---------------------------------------------------------------------

    def _scores_available(self) -> None:
        if self._rank_mode == "binned":
            raise ValueError(
                f"scores were not kept (binned ranking, auc_bins={self.auc_bins}); "
                "drop auc_bins to keep them"
            )
        if not self.keep_scores:
            raise ValueError("scores were not kept (keep_scores=False)")

    def stored(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The kept rows, concatenated: ``(y_true, y_prob, sample_weight or None)``.

        Rows come back in update order (across merges: this accumulator's, then the other's),
        as float64 (multi-class labels int64), whatever the compact storage is.

        Returns:
            Arrays in the shapes ``update`` takes; weights are None when no chunk had any.

        Raises:
            ValueError: the accumulator was built with ``keep_scores=False`` or ``auc_bins``.

        >>> acc = ClassificationAccumulator("binary", 2)
        >>> acc.update(np.array([1.0]), np.array([0.8]))
        >>> acc.stored()
        (array([1.]), array([0.8]), None)
        """
        self._scores_available()
        return self._rows()

    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The kept rows in update order (see :meth:`stored`), without the mode check."""
        yt, key, w = self._key_rows()
        return yt, key_to_prob(key, self.rank_key), w

    def _key_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """As :meth:`_rows`, with the ranking keys (float64) in place of the probabilities."""
        c = self.n_classes
        chunks = self._chunks
        weighted = any(ch[-1] is not None for ch in chunks)
        if self.task == "binary":
            n = sum(ch[1] for ch in chunks)
            yt = np.empty(n)
            yp = np.empty(n)
            w = np.empty(n) if weighted else None
            at = 0
            for _, m, bits, pos, neg, pw, nw in chunks:
                is_pos = np.unpackbits(bits, count=m).view(bool)
                yt[at : at + m] = is_pos
                part = yp[at : at + m]
                part[is_pos] = pos
                part[~is_pos] = neg
                if w is not None:
                    part = w[at : at + m]
                    part[is_pos] = 1.0 if pw is None else pw
                    part[~is_pos] = 1.0 if nw is None else nw
                at += m
            return yt, yp, w
        if not chunks:
            yt_shape: tuple[int, ...] = (0, c) if self.task == "multilabel" else (0,)
            dtype = np.int64 if self.task == "multiclass" else np.float64
            return np.zeros(yt_shape, dtype=dtype), np.zeros((0, c)), None
        dtype = np.int64 if self.task == "multiclass" else np.float64
        yt = np.concatenate([ch[1] for ch in chunks]).astype(dtype)
        yp = np.concatenate([ch[2] for ch in chunks]).astype(np.float64, copy=False)
        if not weighted:
            return yt, yp, None
        w = np.concatenate(
            [np.ones(ch[1].shape[0]) if ch[3] is None else ch[3] for ch in chunks]
        ).astype(np.float64, copy=False)
        return yt, yp, w

    def scores(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per class (or label): ``(y_true 0/1, score, sample_weight or None)`` for curves.

        Binary gives both classes (class 0 scored by ``1 - p``); multi-class is one-vs-rest
        with the class's probability column; multi-label one entry per label.

        Returns:
            A list aligned with ``class_names``.

        >>> acc = ClassificationAccumulator("multiclass", 3)
        >>> acc.update(np.array([2, 0]), np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
        >>> y, s, w = acc.scores()[2]
        >>> y, s, w
        (array([1., 0.]), array([0.5, 0.2]), None)
        """
        yt, yp, w = self.stored()
        if self.task == "binary":
            return [(1.0 - yt, 1.0 - yp, w), (yt, yp, w)]
        if self.task == "multiclass":
            return [((yt == c).astype(np.float64), yp[:, c], w) for c in range(self.n_classes)]
        return [(yt[:, c], yp[:, c], w) for c in range(self.n_classes)]

    def rank_scores(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Per class (or label): ``(y_true 0/1, ranking key, sample_weight or None)``.

        What ROC AUC, average precision, their curves and the threshold sweep rank: the
        ``rank_key`` values (the probabilities of :meth:`scores` for ``rank_key="probs"``).
        Binary class 0 is keyed by the negated key (the reversed order of ``p``, without the
        rounding of ``1 - p``).

        Returns:
            A list aligned with ``class_names``.

        >>> acc = ClassificationAccumulator("binary", 2, rank_key="logits")
        >>> acc.update(np.array([0.0, 1.0]), None, rank_scores=np.array([40.0, 50.0]))
        >>> acc.scores()[1][1], acc.rank_scores()[1][1]
        (array([1., 1.]), array([40., 50.]))
        """
        self._scores_available()
        yt, key, w = self._key_rows()
        if self.task == "binary":
            return [(1.0 - yt, -key, w), (yt, key, w)]
        if self.task == "multiclass":
            return [
                ((yt == c).astype(np.float64), self._class_key(key, c), w)
                for c in range(self.n_classes)
            ]
        return [(yt[:, c], key[:, c], w) for c in range(self.n_classes)]

    def _class_key(self, key: np.ndarray, k: int) -> np.ndarray:
        """The ranking key of class ``k`` from the rows' keys (N, C): the column, except that
        multi-class log-probabilities of exactly 0 are ranked by the log-odds (see
        :func:`class_key`)."""
        if self.task != "multiclass":
            return key[:, k]
        return class_key(key, k, self.rank_key)

    # -- ranking -------------------------------------------------------------------------

    def _rank_values(self) -> _Ranking:
        """ROC AUC and AP of every class (and the binned error bounds) for ``result()``."""
        c = self.n_classes
        if self._rank_mode == "off":
            return _Ranking("off", [None] * c, [None] * c)
        if self._rank_mode == "binned":
            auc_c, ap_c, bounds = [], [], []
            for k in range(c):
                pos_h, neg_h = self._hist[k, :, 1], self._hist[k, :, 0]
                auc, ap = auc_ap_hist(pos_h, neg_h)
                auc_c.append(auc)
                ap_c.append(ap)
                bounds.append(hist_error_bounds(pos_h, neg_h))
            return _Ranking("binned", auc_c, ap_c, bounds)
        if self.task == "binary":
            return _Ranking("exact", *self._exact_binary())
        return _Ranking("exact", *self._exact_columns())

    def _exact_binary(self) -> tuple[list[float | None], list[float | None]]:
        """Binary: class 1 ranks the key, class 0 the reversed key (its score ``1 - p``, or
        ``-z``, ranked without rounding: ``1 - p`` would tie distinct tiny ``p``); one sort
        of each side serves both."""
        chunks = self._chunks
        pos = _concat([ch[3] for ch in chunks])  # a copy: sorting it keeps the stored order
        neg = _concat([ch[4] for ch in chunks])
        if not any(ch[-1] is not None for ch in chunks):
            pos.sort()
            neg.sort()
            auc1, ap1 = auc_ap_sorted(pos, neg)
            # class 0 ranks lower keys higher; its positives are the negatives here
            auc0, ap0 = auc_ap_sorted(neg, pos, lower_is_positive=True)
            return [auc0, auc1], [ap0, ap1]
        pw = _concat([np.ones(ch[3].shape) if ch[5] is None else ch[5] for ch in chunks])
        nw = _concat([np.ones(ch[4].shape) if ch[6] is None else ch[6] for ch in chunks])
        pw = pw.astype(np.float64, copy=False)
        nw = nw.astype(np.float64, copy=False)
        idx1 = RankIndex.build(pos, neg)
        auc1, ap1 = idx1.auc_ap(pw, nw)
        # class 0: descending -key is ascending key, so the reversed orders of class 1 serve
        orders = (idx1.order_neg[::-1], idx1.order_pos[::-1])
        del idx1
        q_pos = -neg.astype(np.float64, copy=False)
        q_neg = -pos.astype(np.float64, copy=False)
        del pos, neg
        auc0, ap0 = RankIndex.build(q_pos, q_neg, orders=orders).auc_ap(nw, pw)
        return [auc0, auc1], [ap0, ap1]

    def _exact_columns(self) -> tuple[list[float | None], list[float | None]]:
        """Multi-class one-vs-rest and multi-label: one class at a time, each sorted once."""
        chunks = self._chunks
        weighted = any(ch[3] is not None for ch in chunks)
        auc_c: list[float | None] = []
        ap_c: list[float | None] = []
        for k in range(self.n_classes):
            masks = [ch[1] == k if self.task == "multiclass" else ch[1][:, k] for ch in chunks]
            cols = [self._class_key(ch[2], k) for ch in chunks]
            pos = _gather(cols, masks)
            neg = _gather(cols, [~m for m in masks])
            del cols
            if not weighted:
                pos.sort()
                neg.sort()
                auc, ap = auc_ap_sorted(pos, neg)
            else:
                ws = [
                    np.ones(m.shape[0]) if ch[3] is None else ch[3] for ch, m in zip(chunks, masks)
                ]
                pw = _concat([w[m] for w, m in zip(ws, masks)]).astype(np.float64, copy=False)
                nw = _concat([w[~m] for w, m in zip(ws, masks)]).astype(np.float64, copy=False)
                auc, ap = RankIndex.build(pos, neg).auc_ap(pw, nw)
                del pw, nw
            del pos, neg, masks  # before the next class allocates its own
            auc_c.append(auc)
            ap_c.append(ap)
        return auc_c, ap_c

    # -- result ----------------------------------------------------------------------------

    def result(self, zero_division: object = "warn") -> MetricsResult:
        """Compute every metric from the accumulated counts.

        Args:
            zero_division: ``"warn"`` (0 plus a warning naming the classes), ``0``, ``1`` or
                ``"nan"`` (undefined values reported as None, with a warning).

        Returns:
            A :class:`MetricsResult`.

        >>> acc = ClassificationAccumulator("multiclass", 3, class_names=["a", "b", "c"])
        >>> acc.update(np.array([0, 1, 2]), np.array([[0.8, 0.1, 0.1]] * 3))
        >>> res = acc.result()
        >>> res.metrics["precision_macro"], res.confusion_matrix
        (0.1111111111111111, [[1, 0, 0], [1, 0, 0], [1, 0, 0]])
        >>> print(res.warnings[0])
        precision is undefined for classes 'b', 'c' (no predicted samples); set to 0.
        Use --zero-division to change it.
        >>> acc.result(zero_division="nan").metrics["precision_macro"]
        0.3333333333333333
        """
        zdv, note = _zero_division_note(zero_division)
        return _Builder(self, zdv, note, self._rank_values()).build()

    # -- resampling ------------------------------------------------------------------------

    def resample(
        self, counts: np.ndarray, zero_division: object = "warn"
    ) -> list[dict[str, float | None]]:
        """Every scalar metric of re-weighted rows: one ``metrics`` dict per resample.

        Row i of resample b gets weight ``counts[b, i] * w_i``; the dict is exactly what
        ``result(zero_division).metrics`` gives for those weights (for integer counts: for the
        rows repeated ``counts[b, i]`` times), without warnings or per-class rows. The per-row
        terms (confusion cell, calibration bin, log loss, Brier, top-k hit, multi-label
        per-sample counts) and each class's sorted order and tie groups are built once, on
        the first call after an update or merge; a resample then costs two ``np.bincount``,
        one matrix product per block of resamples and, per ranked class, O(N) gathers and
        cumulative sums (no sort).

        Args:
            counts: (B, N) non-negative integer (or float) multiplicities, N = ``n_rows`` in
                update order (across merges: this accumulator's rows, then the other's); a
                (N,) vector is one resample.
            zero_division: as in :meth:`result`.

        Returns:
            A list of B dicts with the keys of ``result().metrics``.

        Raises:
            ValueError: built without ``keep_rows=True``, or ``counts`` has the wrong shape or
                negative / non-finite entries.

        >>> acc = ClassificationAccumulator("binary", 2, keep_rows=True)
        >>> acc.update(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.2, 0.9, 0.4, 0.6]))
        >>> [m["accuracy"] for m in acc.resample(np.array([[1, 1, 1, 1], [0, 2, 0, 1]]))]
        [0.5, 0.6666666666666666]
        >>> acc.resample(np.array([1, 1, 0, 0]))[0]["roc_auc"]
        1.0
        """
        from losscli.metrics.resample import classification_resample

        if not self.keep_rows:
            raise ValueError("rows were not kept: build the accumulator with keep_rows=True")
        zdv, note = _zero_division_note(zero_division)
        return classification_resample(self, counts, zdv, note)


def _zero_division_note(zero_division: object) -> tuple[float, str]:
    """The zero-division value and the tail of its warnings ("" for none)."""
    zdv, warn = parse_zero_division(zero_division)
    if warn:
        return zdv, "set to 0. Use --zero-division to change it."
    if math.isnan(zdv):
        return zdv, "reported as null."
    return zdv, ""


def _label_dtype(n_classes: int) -> type:
    """The smallest signed integer type that holds class indices ``0 .. n_classes - 1``."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_classes - 1 <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    """``np.concatenate`` that always returns a new array (float64 for no parts)."""
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts)


def _gather(columns: list[np.ndarray], masks: list[np.ndarray]) -> np.ndarray:
    """``concatenate([col[mask] ...])`` filled in place: one copy, no list of parts."""
    total = sum(int(np.count_nonzero(m)) for m in masks)
    out = np.empty(total, dtype=np.result_type(*columns) if columns else np.float64)
    at = 0
    for col, m in zip(columns, masks):
        part = col[m]
        out[at : at + part.size] = part
        at += part.size
    return out


RANK_KEYS = ("probs", "logits", "log-probs")

_AXIS_SCALE = 8.0  # logit of the binned ranking axis 1/2 + arctan(x / 8) / pi at 3/4


def class_key(key: np.ndarray, k: int, rank_key: str) -> np.ndarray:
    """Multi-class: the ranking key of class ``k`` from the rows' keys (N, C).

    The column itself, except for log-probabilities (``rank_key="log-probs"``) of exactly 0
    (a class whose probability rounds to 1: it leads every other class by more than ~745,
    or the input says so): those rows are ranked by the log-odds
    ``log(p_k / (1 - p_k)) = -logsumexp(l_j, j != k)``, which is > 0, so above every
    log-probability below 0, and tells those rows apart. A strictly increasing function of
    ``p_k`` throughout; probabilities are returned as they are.

    Args:
        key: float (N, C) keys of the rows.
        k: the class.
        rank_key: the accumulator's ``rank_key``.

    Returns:
        float (N,): a view of the column when nothing changes, else a float64 copy.

    >>> l = np.array([[0.0, -800.0, -900.0], [0.0, -750.0, -760.0], [-1.0, -0.4, -3.0]])
    >>> class_key(l, 0, "log-probs").round(6).tolist()
    [800.0, 749.999955, -1.0]
    """
    col = key[:, k]
    if rank_key != "log-probs":
        return col
    top = col == 0.0
    if not top.any():
        return col
    col = col.astype(np.float64)
    rest = key[top].astype(np.float64)
    rest[:, k] = -np.inf
    m = rest.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        lse = np.log(np.exp(rest - m).sum(axis=1)) + m[:, 0]
    col[top] = np.maximum(-lse, 0.0)  # inconsistent input (another class at 0 too): a tie
    return col


def key_to_prob(key: np.ndarray, rank_key: str) -> np.ndarray:
    """The probabilities a ranking key stands for: the inverse of the key, bit for bit.

    ``probs``: the key itself; ``logits``: ``sigmoid(z)``; ``log-probs``: ``exp(l)``: the
    same functions as :func:`losscli.activations.to_probs` (multi-class logits are keyed by
    their log-softmax, whose ``exp`` is the softmax), so the stored key gives the very
    probabilities the metrics were computed from.

    Args:
        key: float array, any shape.
        rank_key: ``"probs"``, ``"logits"`` or ``"log-probs"``.

    Returns:
        float64 probabilities of the same shape (``key`` itself for probs).

    >>> key_to_prob(np.array([0.0, 40.0]), "logits").tolist()
    [0.5, 1.0]
    """
    if rank_key == "probs":
        return np.asarray(key, dtype=np.float64)
    if rank_key == "log-probs":
        return np.exp(np.asarray(key, dtype=np.float64))
    return sigmoid(key)


def rank_axis(key: np.ndarray, rank_key: str, cls: int = 1) -> np.ndarray:
    """The [0, 1] axis that binned ranking (``--auc-bins``) cuts into equal-width bins.

    ``probs``: the probability itself (binary class 0: ``1 - p``). ``logits`` and
    ``log-probs``: ``1/2 + arctan(x / 8) / pi`` of the log-odds ``x`` (the logit; from a
    log-probability ``l``, ``x = l - log(1 - exp(l))``; binary class 0: ``-x``), a strictly
    increasing map onto [0, 1] that keeps logits far beyond the float64 range of the sigmoid
    apart. With B bins a bin spans ``pi (x^2 + 64) / (8 B)`` in logit: 25/B at 0, 64/B at
    10, 1000/B at 50, and the last bin starts at about ``8 B / pi`` (the probability's bins:
    4/B at 0, 22000/B at 10, and the last bin starts at ``log B``).

    Args:
        key: float64 ranking keys, any shape.
        rank_key: ``"probs"``, ``"logits"`` or ``"log-probs"``.
        cls: 1 (the key's own class) or 0 (binary class 0, ranked the other way).

    Returns:
        float64 values in [0, 1] of the same shape.

    >>> rank_axis(np.array([-8.0, 0.0, 8.0, 1e300]), "logits").round(6).tolist()
    [0.25, 0.5, 0.75, 1.0]
    >>> rank_axis(np.array([0.25]), "probs", cls=0).tolist()
    [0.75]
    """
    key = np.asarray(key, dtype=np.float64)
    if rank_key == "probs":
        return key if cls == 1 else 1.0 - key
    if rank_key == "log-probs":
        with np.errstate(divide="ignore"):
            x = key - log1mexp(key)  # l = 0 gives +inf: the top of the axis
    else:
        x = key
    if cls == 0:
        x = -x
    out = np.arctan(x / _AXIS_SCALE)
    out /= np.pi
    out += 0.5
    return out


def auc_bin_index(scores: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin of each score in ``n_bins`` equal-width bins of [0, 1] (the last bin closed).

    Bin ``b`` holds ``edges[b] <= s < edges[b + 1]`` with ``edges = linspace(0, 1, n_bins + 1)``
    (the calibration bins' rule), and ``s = 1`` falls in the last bin.

    Args:
        scores: float64 array of scores in [0, 1], any shape.
        n_bins: number of bins.

    Returns:
        intp array of the same shape, values in ``[0, n_bins)``.

    >>> auc_bin_index(np.array([0.0, 0.25, 0.5, 0.99, 1.0]), 4)
    array([0, 1, 2, 3, 3])
    """
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    idx = np.searchsorted(edges, scores, side="right")
    idx -= 1
    np.clip(idx, 0, int(n_bins) - 1, out=idx)
    return idx


class _Ranking:
    """ROC AUC and AP per class, how they were computed, and the binned error bounds."""

    __slots__ = ("mode", "auc", "ap", "bounds")

    def __init__(
        self,
        mode: str,
        auc: list[float | None],
        ap: list[float | None],
        bounds: list[tuple[float | None, float | None]] | None = None,
    ) -> None:
        self.mode = mode
        self.auc = auc
        self.ap = ap
        self.bounds = bounds


def _top_k_hits(y_true: np.ndarray, y_prob: np.ndarray, k: int) -> np.ndarray:
    """Whether the true class is among the k highest probabilities (ties: lowest index first).

    The true class's rank is the number of classes scored higher plus the number scored
    equal with a lower index; a hit is a rank below k. O(N x C), no sort.
    """
    n, c = y_prob.shape
    s_true = y_prob[np.arange(n), y_true][:, None]
    higher = np.sum(y_prob > s_true, axis=1)
    tied_before = np.sum((y_prob == s_true) & (np.arange(c)[None, :] < y_true[:, None]), axis=1)
    return (higher + tied_before) < k


class _Builder:
    """Turns an accumulator's sums into a MetricsResult (kept apart to keep result() short).

    ``acc`` is the accumulator or a :class:`~losscli.metrics.resample.Sums` view of one
    resample (the same attribute names); ``ranking`` holds the AUC / AP per class.
    """

    def __init__(self, acc: Any, zdv: float, note: str, ranking: _Ranking) -> None:
        self.acc = acc
        self.zdv = zdv
        self.note = note
        self.ranking = ranking
        self.warnings: list[str] = []
        self.noun = "label" if acc.task == "multilabel" else "class"
        self.bound: dict[str, float | None] = {}

    def undefined(self, what: str, mask: np.ndarray, reason: str) -> None:
        if self.note and np.any(mask):
            names = name_list(self.acc.class_names, mask, self.noun)
            self.warnings.append(f"{what} is undefined for {names} ({reason}); {self.note}")

    def metrics(self) -> dict[str, float | None]:
        """Only the flat metrics (what a resample needs): no per-class rows or bins."""
        return self.build(full=False).metrics

    def build(self, full: bool = True) -> MetricsResult:
        acc = self.acc
        task = acc.task
        big_w = acc.total_weight
        metrics: dict[str, float | None] = {}

        if task == "multilabel":
            mcm = acc._cm
            tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
            pred, true = tp + fp, tp + fn
        else:
            counts = per_class_counts(acc._cm)
            tp, fp, tn = counts["tp"], counts["fp"], counts["tn"]
            pred, true = counts["pred"], counts["true"]
        p, r, f1 = prf_from_counts(tp, pred, true, 1.0)
        fb = prf_from_counts(tp, pred, true, acc.beta)[2] if acc.beta != 1.0 else None
        spec = safe_ratio(tn, tn + fp)
        self.undefined("precision", np.isnan(p), "no predicted samples")
        self.undefined("recall", np.isnan(r), "no true samples")
        self.undefined("f1", np.isnan(f1), "no true or predicted samples")
        if fb is not None:
            self.undefined("fbeta", np.isnan(fb), "no true or predicted samples")
        self.undefined("specificity", np.isnan(spec), "no negative samples")
        zdv = self.zdv
        pf, rf, f1f, specf = (fill_undefined(a, zdv) for a in (p, r, f1, spec))
        fbf = None if fb is None else fill_undefined(fb, zdv)

        # accuracy family
        if task == "multilabel":
            subset = _ratio(acc._subset, big_w)
            metrics["accuracy"] = subset
        else:
            metrics["accuracy"] = _ratio(float(np.trace(acc._cm)), big_w)
            metrics["balanced_accuracy"] = self._balanced_accuracy(r, pred)
        if task == "binary":
            metrics["precision"] = to_float_or_none(pf[1])
            metrics["recall"] = to_float_or_none(rf[1])
            metrics["f1"] = to_float_or_none(f1f[1])
            if fbf is not None:
                metrics["fbeta"] = to_float_or_none(fbf[1])
            metrics["specificity"] = to_float_or_none(specf[1])

        families = [("precision", pf), ("recall", rf), ("f1", f1f)]
        if fbf is not None:
            families.append(("fbeta", fbf))
        micro_p, micro_r, micro_f1 = prf_from_counts(
            np.array([tp.sum()]), np.array([pred.sum()]), np.array([true.sum()]), 1.0
        )
        micro_fb = prf_from_counts(
            np.array([tp.sum()]), np.array([pred.sum()]), np.array([true.sum()]), acc.beta
        )[2]
        micro = {"precision": micro_p, "recall": micro_r, "f1": micro_f1, "fbeta": micro_fb}
        if task == "multilabel" and big_w > 0:
            if np.isnan(micro_p[0]) and self.note:
                self.warnings.append(
                    f"precision_micro is undefined (no label predicted); {self.note}"
                )
            if np.isnan(micro_r[0]) and self.note:
                self.warnings.append(f"recall_micro is undefined (no true label); {self.note}")
        for name, values in families:
            metrics[f"{name}_macro"] = to_float_or_none(nan_average(values))
            metrics[f"{name}_micro"] = to_float_or_none(fill_undefined(micro[name], zdv)[0])
            metrics[f"{name}_weighted"] = to_float_or_none(nan_average(values, true))
        if task == "multilabel":
            self._samples(metrics, [name for name, _ in families])
            metrics["subset_accuracy"] = subset
            metrics["hamming_loss"] = _ratio(acc._hamming, big_w * acc.n_classes)
        else:
            mcc = mcc_from_confusion(acc._cm)
            kappa = kappa_from_confusion(acc._cm)
            if math.isnan(mcc) and self.note and big_w > 0:
                self.warnings.append(
                    f"mcc is undefined (y_true or the predictions hold a single class); {self.note}"
                )
            if math.isnan(kappa) and self.note and big_w > 0:
                self.warnings.append(
                    "cohen_kappa is undefined (y_true and the predictions hold the same single "
                    f"class); {self.note}"
                )
            metrics["mcc"] = to_float_or_none(zdv if math.isnan(mcc) else mcc)
            metrics["cohen_kappa"] = to_float_or_none(zdv if math.isnan(kappa) else kappa)
        if acc.top_k is not None:
            metrics["top_k_accuracy"] = _ratio(acc._top_k_hits, big_w)
            if acc.top_k >= acc.n_classes:
                self.warnings.append(
                    f"top_k_accuracy with k={acc.top_k} and {acc.n_classes} classes is always 1"
                )

        auc_c, ap_c = self._ranking(metrics)
        metrics["log_loss"] = _ratio(acc._log_loss, big_w)
        metrics["brier"] = _ratio(acc._brier, big_w)
        metrics["ece"] = to_float_or_none(
            expected_calibration_error(acc._ece_w, acc._ece_conf, acc._ece_acc)
        )
        if big_w <= 0:
            metrics = dict.fromkeys(metrics)
            self.warnings = [
                "no samples (or only zero-weight samples) were given; every metric is undefined."
            ]
        if not full:
            return MetricsResult(metrics=metrics, task=task)

        per_class = []
        for i, name in enumerate(acc.class_names):
            row: dict[str, Any] = {
                "class": name,
                "precision": to_float_or_none(pf[i]),
                "recall": to_float_or_none(rf[i]),
                "f1": to_float_or_none(f1f[i]),
            }
            if fbf is not None:
                row["fbeta"] = to_float_or_none(fbf[i])
            row["support"] = float(true[i]) if acc.weighted else int(round(true[i]))
            row["specificity"] = to_float_or_none(specf[i])
            row["roc_auc"] = auc_c[i]
            row["average_precision"] = ap_c[i]
            per_class.append(row)

        if acc.weighted:
            cm_out: list[Any] = acc._cm.tolist()
        else:
            cm_out = np.rint(acc._cm).astype(np.int64).tolist()

        edges = ece_bin_edges(acc.ece_bins)
        calibration = [
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "weight": float(acc._ece_w[b]),
                "confidence": _ratio(acc._ece_conf[b], acc._ece_w[b]),
                "accuracy": _ratio(acc._ece_acc[b], acc._ece_w[b]),
            }
            for b in range(acc.ece_bins)
        ]
        return MetricsResult(
            metrics=metrics,
            per_class=per_class,
            confusion_matrix=cm_out,
            warnings=self.warnings,
            ece_bins=acc.ece_bins,
            task=task,
            n_samples=acc.n_rows,
            total_weight=big_w,
            n_auc_excluded=self.n_auc_excluded,
            n_ap_excluded=self.n_ap_excluded,
            calibration=calibration,
            auc_bins=acc.auc_bins,
            ranking_error_bound=self.bound,
        )

    def _balanced_accuracy(self, recall_raw: np.ndarray, pred: np.ndarray) -> float | None:
        """Mean recall over the classes that have true samples (scikit-learn's rule)."""
        absent = np.isnan(recall_raw)
        leftover = absent & (pred > 0)
        if np.any(leftover):
            names = name_list(self.acc.class_names, leftover, self.noun)
            self.warnings.append(
                f"balanced_accuracy leaves out {names} (predicted but no true samples)."
            )
        if np.all(absent):
            return None
        return float(np.mean(recall_raw[~absent]))

    def _samples(self, metrics: dict[str, float | None], names: list[str]) -> None:
        acc = self.acc
        reasons = {
            "precision": "no predicted labels",
            "recall": "no true labels",
            "f1": "no true or predicted labels",
            "fbeta": "no true or predicted labels",
        }
        for i, stat in enumerate(_SAMPLE_STATS):
            if stat not in names:
                continue
            s, wu, nu = acc._samp_sum[i], acc._samp_wundef[i], int(acc._samp_nundef[i])
            if math.isnan(self.zdv):
                value = _ratio(s, acc._samp_wdef[i])
            else:
                value = _ratio(s + self.zdv * wu, acc.total_weight)
            metrics[f"{stat}_samples"] = value
            if nu and self.note:
                plural = "sample" if nu == 1 else "samples"
                self.warnings.append(
                    f"{stat} is undefined for {nu} {plural} ({reasons[stat]}) in "
                    f"{stat}_samples; {self.note}"
                )

    def _ranking(self, metrics: dict[str, float | None]) -> tuple[list[Any], list[Any]]:
        acc = self.acc
        c = acc.n_classes
        self.n_auc_excluded = 0
        self.n_ap_excluded = 0
        auc_name = "roc_auc" if acc.task == "binary" else "roc_auc_macro"
        ap_name = "average_precision" if acc.task == "binary" else "average_precision_macro"
        rk = self.ranking
        if rk.mode == "off":
            metrics[auc_name] = None
            metrics[ap_name] = None
            self.warnings.append(
                f"{auc_name} and {ap_name} were not computed (scores not kept: keep_scores=False)."
            )
            return [None] * c, [None] * c
        auc_c, ap_c = rk.auc, rk.ap
        has_pos = np.array([ap is not None for ap in ap_c], dtype=bool)
        auc_undef = np.array([a is None for a in auc_c], dtype=bool)
        if acc.total_weight <= 0:
            metrics[auc_name] = None
            metrics[ap_name] = None
            return auc_c, ap_c
        if acc.task == "binary":
            metrics[auc_name] = auc_c[1]
            metrics[ap_name] = ap_c[1]
            self._binned_note(auc_name, ap_name, [1])
            if auc_c[1] is None:
                only = acc.class_names[1] if has_pos[1] else acc.class_names[0]
                self.warnings.append(
                    f"roc_auc is undefined (y_true holds only class '{only}'); reported as null."
                )
            if ap_c[1] is None:
                self.warnings.append(
                    f"average_precision is undefined (no sample of the positive class "
                    f"'{acc.class_names[1]}'); reported as null."
                )
            return auc_c, ap_c
        defined_auc = [a for a in auc_c if a is not None]
        defined_ap = [a for a in ap_c if a is not None]
        self.n_auc_excluded = c - len(defined_auc)
        self.n_ap_excluded = c - len(defined_ap)
        metrics[auc_name] = float(np.mean(defined_auc)) if defined_auc else None
        metrics[ap_name] = float(np.mean(defined_ap)) if defined_ap else None
        self._binned_note(auc_name, ap_name, list(range(c)))
        plural = "classes" if self.noun == "class" else "labels"
        if self.n_auc_excluded:
            names = name_list(acc.class_names, auc_undef, self.noun)
            tail = (
                f"{auc_name} averages the other {len(defined_auc)} of {c} {plural}."
                if defined_auc
                else f"{auc_name} is undefined."
            )
            self.warnings.append(
                f"roc_auc is undefined for {names} (no positive or no negative samples); {tail}"
            )
        if self.n_ap_excluded:
            names = name_list(acc.class_names, ~has_pos, self.noun)
            tail = (
                f"{ap_name} averages the other {len(defined_ap)} of {c} {plural}."
                if defined_ap
                else f"{ap_name} is undefined."
            )
            self.warnings.append(
                f"average_precision is undefined for {names} (no positive samples); {tail}"
            )
        return auc_c, ap_c

    def _binned_note(self, auc_name: str, ap_name: str, classes: list[int]) -> None:
        """Binned mode: the error bound of the reported AUC / AP and a warning saying so.

        The bound of a macro average is the mean of the bounds of the classes it averages.
        """
        rk = self.ranking
        if rk.mode != "binned" or rk.bounds is None:
            return
        auc_b = [rk.bounds[k][0] for k in classes if rk.auc[k] is not None]
        ap_b = [rk.bounds[k][1] for k in classes if rk.ap[k] is not None]
        auc_bound = float(np.mean(auc_b)) if auc_b else None  # type: ignore[arg-type]
        ap_bound = float(np.mean(ap_b)) if ap_b else None  # type: ignore[arg-type]
        self.bound = {auc_name: auc_bound, ap_name: ap_bound}
        parts = []
        if auc_bound is not None:
            parts.append(
                f"{auc_name} is within {auc_bound:.2g} of the exact value (half the share of "
                "positive-negative pairs that share a bin)"
            )
        if ap_bound is not None:
            parts.append(f"{ap_name} within {ap_bound:.2g}")
        tail = "; " + " and ".join(parts) if parts else ""
        axis = {
            "probs": "",
            "logits": ", equal-width bins of 1/2 + arctan(logit/8)/pi",
            "log-probs": ", equal-width bins of 1/2 + arctan(x/8)/pi, x = log p - log(1 - p)",
        }[self.acc.rank_key]
        self.warnings.append(
            f"roc_auc and average_precision are binned (--auc-bins {self.acc.auc_bins}{axis}): "
            f"scores in the same bin count as tied{tail}."
        )


def _ratio(num: float, den: float) -> float | None:
    """``num / den`` as a float, None when ``den`` is zero or the result is not finite."""
    if den == 0:
        return None
    return to_float_or_none(num / den)
