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

Where things live: the sums and per-row terms are declared in :mod:`losscli.metrics.state`,
the settings and input checks in :mod:`losscli.metrics.settings`, the kept rows in
:mod:`losscli.metrics.storage`, the ranking keys in :mod:`losscli.metrics.keys`, the formulas
from sums to metrics in :mod:`losscli.metrics.builder`, resampling in
:mod:`losscli.metrics.resample`.

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

from typing import TYPE_CHECKING, Any

import numpy as np

from losscli.errors import InputError
from losscli.lazy import Lazy
from losscli.metrics.builder import ResultBuilder, zero_division_note
from losscli.metrics.calibration import calibration_bin_sums
from losscli.metrics.confusion import (
    add_confusion_counts,
    confusion_matrix,
    multilabel_confusion_matrix,
    predict_binary,
    predict_multiclass,
    predict_multilabel,
)
from losscli.metrics.keys import (
    RANK_KEYS,
    auc_bin_index,
    class_key,
    hist_counts,
    key_to_prob,
    rank_axis,
)
from losscli.metrics.result import MetricsResult
from losscli.metrics.settings import ClassificationSettings, check_key, check_rows
from losscli.metrics.state import (
    CLASSIFICATION_SUMS,
    CLASSIFICATION_TERMS,
    TASKS,
    Dims,
    Sums,
    TermLayout,
    add_terms,
    classification_row_terms,
)
from losscli.metrics.storage import KeptRows, RowStore

__all__ = [
    "ClassificationAccumulator",
    "TASKS",
    "RANK_KEYS",
    "class_key",
    "key_to_prob",
    "rank_axis",
    "auc_bin_index",
]

if TYPE_CHECKING:
    from losscli.metrics.resample import ClassificationRows

#: the bootstrap's resampling, imported by a run that resamples (issue #20, start-up)
CLASSIFICATION_ROWS = Lazy("losscli.metrics.resample", "ClassificationRows")
CLASSIFICATION_RESAMPLE = Lazy("losscli.metrics.resample", "classification_resample")


class ClassificationAccumulator(KeptRows):
    """Mergeable classification metrics: ``update(chunk)``, ``merge(other)``, ``result()``.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"multilabel"``; or a
            :class:`~losscli.metrics.settings.ClassificationSettings` (then nothing else).
        n_classes: number of classes C (binary: 2, 1 is accepted too) or labels L.
        **settings: the other fields of
            :class:`~losscli.metrics.settings.ClassificationSettings` (``class_names``,
            ``threshold``, ``top_k``, ``keep_scores``, ``ece_bins``, ``beta``, ``auc_bins``,
            ``keep_rows``, ``rank_key``, ``threshold_on``, ``max_fpr``, ``labels``),
            documented and checked there.

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
        task: str | ClassificationSettings,
        n_classes: int | None = None,
        **settings: Any,
    ) -> None:
        if isinstance(task, ClassificationSettings):
            if n_classes is not None or settings:
                raise TypeError("pass a ClassificationSettings alone, or its fields")
            s = task
        else:
            if n_classes is None:
                raise TypeError("ClassificationAccumulator() needs n_classes")
            s = ClassificationSettings(task, n_classes, **settings)
        self.settings = s
        self.task, self.n_classes, self.class_names = s.task, s.n_classes, s.class_names
        self.threshold, self.top_k, self.keep_scores = s.threshold, s.top_k, s.keep_scores
        self.ece_bins, self.beta, self.auc_bins = s.ece_bins, s.beta, s.auc_bins
        self.keep_rows, self.rank_key, self.threshold_on = s.keep_rows, s.rank_key, s.threshold_on
        self.rank_mode, self.max_fpr, self.labels = s.rank_mode, s.max_fpr, s.labels
        # rows are kept for exact ranking and for resampling
        self._store = self.keep_rows or self.rank_mode == "exact"
        self.dims = Dims(s.task, s.n_classes, s.ece_bins, s.auc_bins or 0, len(s.top_k or ()))
        self.layout = TermLayout(CLASSIFICATION_TERMS, self.dims, s)
        self.n_rows = 0
        self.weighted = False
        self.sums = Sums.zeros(CLASSIFICATION_SUMS, self.dims)
        self.rows = RowStore(s.task, s.n_classes, s.rank_key)
        self._rows_cache: ClassificationRows | None = None  # resample's terms, on first use

    @property
    def total_weight(self) -> float:
        """The sum of the weights of the rows seen (their number when unweighted)."""
        return float(self.sums.total_weight)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy state without the resample cache (rebuilt on demand)."""
        state = self.__dict__.copy()
        state["_rows_cache"] = None
        return state

    def merge(self, other: ClassificationAccumulator) -> ClassificationAccumulator:
        """Add another accumulator's counts into this one (in place) and return ``self``.

        Every sum merges by its declared rule (:data:`~losscli.metrics.state.CLASSIFICATION_SUMS`);
        the kept rows are appended.

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
        mine, theirs = self.settings.key(), other.settings.key()
        if mine != theirs:
            raise ValueError(
                f"cannot merge accumulators with different settings: {mine} vs {theirs}"
            )
        self.n_rows += other.n_rows
        self.weighted = self.weighted or other.weighted
        self.sums.merge(other.sums)
        self.rows.extend(other.rows)
        self._rows_cache = None
        return self

    def update(
        self,
        y_true: np.ndarray,
        y_prob: np.ndarray | None,
        sample_weight: np.ndarray | None = None,
        *,
        rank_scores: np.ndarray | None = None,
        copy: bool = True,
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
            copy: False lets exact ranking keep the ranking key's array (``rank_scores``,
                or ``y_prob`` when the probabilities are ranked) instead of a copy; the
                caller must not change it afterwards.

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
        s = self.settings
        key = None
        if self.rank_key != "probs":
            if rank_scores is None:
                raise InputError(
                    f"rank_key={self.rank_key!r} needs rank_scores (the {self.rank_key}) "
                    "with every update"
                )
            key = check_key(s, self.n_rows, rank_scores)
            if y_prob is None:
                y_prob = key_to_prob(key, self.rank_key)
        elif y_prob is None:
            raise InputError("update needs the probabilities y_prob")
        yt, yp, w = check_rows(s, self.n_rows, y_true, y_prob, sample_weight)
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
        on = key if self.threshold_on == "scores" else yp
        if self.task == "binary":
            pred = predict_binary(on, float(self.threshold))
            cm = confusion_matrix(yt.astype(np.int64), pred, 2, w)
            conf, correct, cell_w = yp, yt, w
        elif self.task == "multiclass":
            pred = predict_multiclass(key)  # the scores' argmax (the key keeps it)
            if w is None and not self.weighted:  # integer counts so far: added in place
                add_confusion_counts(self.sums.cm, yt, pred)
                cm = None
            else:
                cm = confusion_matrix(yt, pred, self.n_classes, w)
            conf = yp[np.arange(n), pred]
            correct, cell_w = (pred == yt).astype(np.float64), w
        else:
            pred = predict_multilabel(on, self.threshold)
            cm = multilabel_confusion_matrix(yt, pred, w)
            conf, correct = yp.ravel(), yt.ravel()
            cell_w = None if w is None else np.repeat(w, self.n_classes)
        cols = classification_row_terms(s, yt, yp, pred, self.layout, key)
        add_terms(self.sums, self.layout, cols, n, w)
        del cols
        sums = self.sums
        if cm is not None:
            sums.cm += cm
        bw, bc, ba = calibration_bin_sums(conf, correct, cell_w, self.ece_bins)
        sums.ece_w += bw
        sums.ece_conf += bc
        sums.ece_acc += ba
        del conf, correct, cell_w, pred
        if self.rank_mode == "binned":
            sums.hist += hist_counts(s, yt, key, w)
        if self._store:
            self.rows.keep(yt, key, w, copy=copy)
            self._rows_cache = None

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
        zdv, note = zero_division_note(zero_division)
        return ResultBuilder(self, self.sums, zdv, note, self.rank_values()).build()

    # -- resampling ------------------------------------------------------------------------

    def metrics_of(self, sums: Sums, zero_division: object = "warn") -> dict[str, float | None]:
        """The flat metrics of other sums of these settings (e.g. a resample's: the sums of
        whole images, weighted), as ``result(zero_division).metrics`` gives them for rows
        whose sums those are; binned or no ranking (exact ranking needs the rows).

        Args:
            sums: a :class:`~losscli.metrics.state.Sums` of this accumulator's shapes.
            zero_division: as in :meth:`result`.

        >>> acc = ClassificationAccumulator("binary", 2, auc_bins=10)
        >>> acc.update(np.array([0.0, 1.0]), np.array([0.2, 0.9]))
        >>> acc.metrics_of(acc.sums) == acc.result().metrics
        True
        """
        if self.rank_mode == "exact":
            raise ValueError("metrics_of needs binned ranking (auc_bins) or none")
        zdv, note = zero_division_note(zero_division)
        return ResultBuilder(self, sums, zdv, note, self.rank_values(sums)).metrics()

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
        if not self.keep_rows:
            raise ValueError("rows were not kept: build the accumulator with keep_rows=True")
        zdv, note = zero_division_note(zero_division)
        return CLASSIFICATION_RESAMPLE.load()(self, counts, zdv, note)

    def resample_rows(self) -> ClassificationRows:
        """The per-row terms and rank indexes of the kept rows, built once per update / merge."""
        if self._rows_cache is None:
            self._rows_cache = CLASSIFICATION_ROWS.load()(self)
        return self._rows_cache
