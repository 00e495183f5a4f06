"""Multi-class scores read class-major, ``(C, P)``: one pass over a block for every per-element
term a segmentation run needs (numpy only).

A dense multi-class input ``(N, C, d1..dk)`` holds each image's scores as C planes of P
elements. The row pipeline would see them as ``(P, C)`` rows; here each reduction runs over
axis 0, plane by plane, so no ``(P, C)`` copy is made and each term is one pass:

* :func:`class_major_rows`: per element the predicted class (argmax, ties to the lowest
  index), ``log p_y`` of the true class (log-softmax as :func:`losscli.activations.log_softmax`
  computes it: ``(z_y - m) - log1p(sum_{c != argmax} exp(z_c - m))``), the confidence
  ``p_argmax``, ``p_y``, the Brier term ``sum_c (p_c - [y = c])^2`` and, for label smoothing,
  ``sum_c w_c log p_c``;
* :func:`add_class_major`: those terms into a multi-class
  :class:`~losscli.metrics.ClassificationAccumulator` (confusion counts, log loss, Brier,
  calibration bins), the same sums its ``update`` adds from ``(P, C)`` probabilities.

The cross-entropy of each element from the same terms is
:func:`losscli.losses.multiclass.ce_terms`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.metrics.calibration import LOG_EPS, calibration_bin_sums
from losscli.metrics.confusion import add_confusion_counts
from losscli.metrics.state import add_terms
from losscli.records import record

__all__ = [
    "TILE_VALUES",
    "ClassMajorRows",
    "add_class_major",
    "class_major_rows",
    "fits_class_major",
]

TILE_VALUES = 1 << 17
"""Values of ``z`` per tile of columns in :func:`class_major_rows` (1 MB of float64): the
tile's exponentials are summed and squared while still in cache (about 1.6x faster than
whole (19, 131072) planes on this machine)."""


@record(frozen=True)
class ClassMajorRows:
    """Per-element terms of a class-major block (each ``(P,)``).

    Attributes:
        pred: int64, the argmax class (ties to the lowest index).
        logp_true: float64, ``log p_y`` of the given class.
        conf: float64, ``p_pred``, the largest probability.
        p_true: float64, ``p_y``.
        brier: float64, ``sum_c (p_c - [y = c])^2``, halved when C = 2 (as
            :func:`~losscli.metrics.calibration.brier_multiclass`).
        wlogp: float64 ``sum_c w_c log p_c`` (the label smoothing term), or None when not asked.
    """

    pred: np.ndarray
    logp_true: np.ndarray
    conf: np.ndarray
    p_true: np.ndarray
    brier: np.ndarray
    wlogp: np.ndarray | None = None

    def take(self, at: np.ndarray) -> ClassMajorRows:
        """The terms of the elements ``at`` (an index array), without ``wlogp`` (the
        metrics do not read it).

        >>> r = class_major_rows(np.array([[0.0, 2.0], [1.0, 0.0]]), np.array([1, 0]))
        >>> r.take(np.array([1])).pred.tolist()
        [0]
        """
        return ClassMajorRows(
            self.pred[at], self.logp_true[at], self.conf[at], self.p_true[at], self.brier[at]
        )


def class_major_rows(
    z: np.ndarray,
    y: np.ndarray,
    class_weights: np.ndarray | None = None,
    smoothing: bool = False,
) -> ClassMajorRows:
    """Every per-element term of softmax scores from logits ``z`` held class-major.

    Formula, per element (column) with ``m = max_c z_c`` at ``k = argmax_c z_c``,
    ``e_c = exp(z_c - m)``, ``t = sum_{c != k} e_c``, ``s = 1 + t``:
    ``log p_y = (z_y - m) - log1p(t)``; ``p_k = exp(-log1p(t))``; ``p_y = exp(log p_y)``;
    Brier ``sum_c (p_c - [y = c])^2 = q + (t / s)^2`` when ``y = k``, else
    ``q + p_k^2 - p_y^2 + (1 - p_y)^2``, with ``q = sum_{c != k} e_c^2 / s^2`` (no
    cancellation for confident predictions); with ``smoothing``,
    ``sum_c w_c log p_c = sum_c w_c z_c - (m + log1p(t)) sum_c w_c``.

    Args:
        z: float64 or float32 (C, P) logits, class-major (C-contiguous is fastest), finite;
            read a tile of :data:`TILE_VALUES` values at a time. float32 is widened a tile at
            a time (the max and argmax taken before, on the float32 values: widening is
            exact and keeps the order), so the terms are those of ``z.astype(float64)``,
            bit for bit, without that copy.
        y: int (P,) class indices in ``[0, C)`` (an ignored element: any class, e.g. 0; the
            caller masks it out).
        class_weights: (C,) weights ``w`` of the smoothing term (None: ones).
        smoothing: compute ``wlogp``.

    Returns:
        The :class:`ClassMajorRows`.

    >>> z = np.array([[2.0, 0.0], [1.0, 0.0], [0.1, 3.0]])  # 3 classes, 2 elements
    >>> r = class_major_rows(z, np.array([0, 1]))
    >>> r.pred.tolist(), np.round(-r.logp_true, 5).tolist()  # torch cross_entropy: 0.41703
    ([0, 2], [0.41703, 3.09492])
    >>> np.round(r.brier, 6).tolist()  # sum_c (softmax - onehot)^2
    [0.184769, 1.74063]
    """
    c, n = z.shape
    out = ClassMajorRows(
        np.empty(n, dtype=np.int64), *(np.empty(n) for _ in range(4)),
        np.empty(n) if smoothing else None,
    )  # fmt: skip
    w = None if class_weights is None else np.asarray(class_weights, dtype=np.float64)
    step = max(1, TILE_VALUES // max(c, 1))
    for a in range(0, n, step):  # a tile of columns at a time: its temporaries stay in cache
        _tile(z[:, a : a + step], y[a : a + step], out, slice(a, a + step), w)
    return out


def _tile(
    z: np.ndarray, y: np.ndarray, out: ClassMajorRows, at: slice, w: np.ndarray | None
) -> None:
    """The terms of one tile of columns of :func:`class_major_rows`, written into ``out``'s
    slice ``at``. Every term is per column, so a tile's values are the whole block's, bit
    for bit."""
    c, n = z.shape
    cols = np.arange(n)
    m = z.max(axis=0)  # float32 z: its max, widened exactly below
    _argmax(z, m, out.pred[at])
    pred = out.pred[at]
    m = m.astype(np.float64, copy=False)
    zy = z[y, cols].astype(np.float64, copy=False)
    wz = None
    if out.wlogp is not None:
        z64 = z.astype(np.float64, copy=False)  # the smoothing sum from the widened values
        wz = z64.sum(axis=0) if w is None else w @ z64
    e = np.subtract(z, m, dtype=np.float64)  # z itself is not changed
    np.exp(e, out=e)
    e[pred, cols] = 0.0  # the argmax's exp(0) = 1 is the 1 of log1p
    t = e.sum(axis=0)
    q = np.einsum("ij,ij->j", e, e)
    del e
    l1 = np.log1p(t)
    logp_true = np.subtract(zy - m, l1, out=out.logp_true[at])
    conf = np.exp(-l1, out=out.conf[at])
    p_true = np.exp(logp_true, out=out.p_true[at])
    s2 = (1.0 + t) ** 2
    q /= s2
    off = conf * conf - p_true * p_true + (1.0 - p_true) ** 2
    brier = np.add(q, np.where(y == pred, t * t / s2, off), out=out.brier[at])
    if c < 3:
        brier *= 0.5
    if wz is not None:
        total = float(c) if w is None else float(np.sum(w))
        np.subtract(wz, (m + l1) * total, out=out.wlogp[at])


def _argmax(z: np.ndarray, m: np.ndarray, pred: np.ndarray) -> None:
    """``pred[j] = min {k : z[k, j] = m[j]}``, the lowest class at the column's max ``m``
    (``np.argmax(z, axis=0)``, which would copy the tile to ``(n, C)``).

    Up to 24 classes: the bits ``2^(C-1-k)`` of the classes at the max summed by one
    float32 matrix product (exact: distinct powers of two below ``2^24``); the highest bit,
    from ``frexp``'s exponent ``e``, is the lowest class ``C - e``. More classes: plane by
    plane, from the last.

    >>> pred = np.empty(3, np.int64)
    >>> z = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 2.0], [0.0, 1.0, 2.0]])
    >>> _argmax(z, z.max(axis=0), pred); pred.tolist()
    [1, 0, 0]
    """
    c = z.shape[0]
    if c <= 24:
        bits = _BITS[-c:] @ np.equal(z, m).astype(np.float32)
        np.subtract(c, np.frexp(bits)[1], out=pred)
        return
    eq = np.empty(pred.shape, dtype=bool)
    for k in range(c - 1, -1, -1):
        np.equal(z[k], m, out=eq)
        np.copyto(pred, k, where=eq)


_BITS = (2.0 ** np.arange(23, -1, -1)).astype(np.float32)
"""``2^23 .. 2^0``: class ``k`` of ``C <= 24`` is bit ``2^(C-1-k)`` (:func:`_argmax`)."""


def fits_class_major(acc: Any) -> bool:  # noqa: ANN401 - an accumulator of any kind
    """Whether :func:`add_class_major` adds everything ``acc.update`` would: a multi-class
    :class:`~losscli.metrics.ClassificationAccumulator`, unweighted so far, no ranking
    (neither kept scores nor binned), no rows kept, no top-k.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> fits_class_major(ClassificationAccumulator("multiclass", 3, keep_scores=False))
    True
    >>> fits_class_major(ClassificationAccumulator("multiclass", 3))  # exact ranking
    False
    """
    return (
        getattr(acc, "task", None) == "multiclass"
        and acc.rank_mode == "off"
        and not acc.keep_rows
        and not acc.top_k
        and not acc.weighted
    )


def add_class_major(
    acc: Any,  # noqa: ANN401 - a multi-class accumulator
    y: np.ndarray,
    rows: ClassMajorRows,
    confusion: np.ndarray | None = None,
) -> None:
    """Add evaluated elements to a multi-class accumulator from their class-major terms.

    The same sums ``acc.update(y, probs)`` adds from the ``(P, C)`` probabilities
    (:func:`fits_class_major` says when): the confusion counts of ``(y, pred)``, the log loss
    ``-log(clip(p_y, eps, 1 - eps))`` and the Brier terms, the calibration bins of
    ``(conf, pred == y)``; an unweighted chunk.

    Args:
        acc: the :class:`~losscli.metrics.ClassificationAccumulator`.
        y: int (n,) class indices of the evaluated elements.
        rows: their :class:`ClassMajorRows` (``rows.take`` of the evaluated ones).
        confusion: int (C, C) the confusion counts of ``(y, rows.pred)`` when the caller
            counted them already (per image, summed), or None: counted here.

    >>> from losscli.metrics import ClassificationAccumulator
    >>> acc = ClassificationAccumulator("multiclass", 3, keep_scores=False)
    >>> z, y = np.array([[2.0, 0.0], [1.0, 0.0], [0.1, 3.0]]), np.array([0, 1])
    >>> add_class_major(acc, y, class_major_rows(z, y))
    >>> acc.result().confusion_matrix, round(acc.result().metrics["log_loss"], 5)
    ([[1, 0, 0], [0, 0, 1], [0, 0, 0]], 1.75598)
    """
    n = int(y.shape[0])
    if n == 0:
        return
    acc.n_rows += n
    sums = acc.sums
    if confusion is None:
        add_confusion_counts(sums.cm, y, rows.pred)
    else:
        sums.cm += confusion
    log_loss = -np.log(np.clip(rows.p_true, LOG_EPS, 1.0 - LOG_EPS))
    add_terms(sums, acc.layout, {"log_loss": log_loss, "brier": rows.brier}, n, None)
    correct = (rows.pred == y).astype(np.float64)
    bw, bc, ba = calibration_bin_sums(rows.conf, correct, None, acc.ece_bins)
    sums.ece_w += bw
    sums.ece_conf += bc
    sums.ece_acc += ba
