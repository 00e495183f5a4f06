"""Ranking keys: what is kept and ranked for ROC AUC / average precision, and their axes.

A ranking key is a strictly increasing function of the model's own score that does not
saturate (see :mod:`losscli.metrics.accumulator`): ``"probs"``, ``"logits"`` or
``"log-probs"``. :func:`key_to_prob` gives the probabilities back bit for bit,
:func:`class_key` the key of one multi-class class, :func:`rank_axis` the [0, 1] axis that
binned ranking cuts, :func:`auc_bin_index` the bin of a score, and :func:`top_k_hits` the
top-k hits of multi-class probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.activations import log1mexp, sigmoid
from losscli.kinds import SCORE_KINDS

__all__ = [
    "RANK_KEYS",
    "class_key",
    "key_to_prob",
    "rank_axis",
    "auc_bin_index",
    "hist_index",
    "key_bins",
    "top_k_hits",
    "hist_counts",
]

RANK_KEYS = SCORE_KINDS  # what the metrics rank: a classification score kind (losscli.kinds)

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
            out = log1mexp(key)
            np.subtract(key, out, out=out)  # x = l - log(1 - e^l); l = 0: +inf, the top
        if cls == 0:
            np.negative(out, out=out)
        out /= _AXIS_SCALE
    else:
        out = (-key if cls == 0 else key) / _AXIS_SCALE
    np.arctan(out, out=out)  # in place: one (N, C) buffer throughout
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
    b = int(n_bins)
    edges = np.linspace(0.0, 1.0, b + 1)
    s = np.asarray(scores, dtype=np.float64)
    # floor(s * b) is the bin but for a rounding step at an edge: one step down or up makes
    # it searchsorted's answer exactly (NaN sorts last: the last bin), without a search
    t = s * b
    np.fmin(t, b - 1, out=t)
    np.fmax(t, 0.0, out=t)
    idx = t.astype(np.intp)
    step = np.empty(idx.shape, dtype=bool)
    idx -= np.less(s, np.take(edges, idx, out=t, mode="clip"), out=step)
    idx += np.greater_equal(s, np.take(edges[1:], idx, out=t, mode="clip"), out=step)
    np.clip(idx, 0, b - 1, out=idx)
    return idx


def key_bins(key: np.ndarray, rank_key: str, n_bins: int, cls: int = 1) -> np.ndarray:
    """The bin of each ranking key: ``auc_bin_index(rank_axis(key, rank_key, cls), n_bins)``.

    Log-probabilities (multi-class), whose axis ``1/2 + arctan(x / 8) / pi`` of
    ``x = l - log(1 - e^l)`` costs a log, an exp and an arctan per key, read their bin from
    a table instead. That function of ``l`` is increasing, so bin ``b`` starts at a key
    ``T_b``, found once per ``n_bins`` by bisection over the float64 values with the very
    function above. The keys from ``T_1`` to ``-2^-64`` are cut into cells of ``2^-k`` of a
    binade (their float64 bits, ordered and shifted) that each span at most two bins, so a
    key's bin is its cell's first bin, plus one when ``l >= T_{b+1}``: the same bins, bit for
    bit, for a few integer operations per key. Keys above ``-2^-64`` (a probability within
    ``1e-19`` of 1), other ranking keys and bins that need too large a table compute the axis.

    Args:
        key: float64 finite ranking keys, any shape.
        rank_key: ``"probs"``, ``"logits"`` or ``"log-probs"``.
        n_bins: the bins.
        cls: 1, or 0 for binary class 0 (ranked the other way).

    Returns:
        intp array of the shape of ``key``, values in ``[0, n_bins)``.

    >>> key_bins(np.array([-800.0, -np.log(2), -1e-3, -1e-30, 0.0]), "log-probs", 4).tolist()
    [0, 2, 2, 3, 3]
    """
    key = np.asarray(key, dtype=np.float64)
    table = _bin_table(int(n_bins)) if rank_key == "log-probs" and cls == 1 else None
    if table is None:
        return auc_bin_index(rank_axis(key, rank_key, cls), n_bins)
    shift, first_cell, base, starts = table
    cell = _ordered(key.view(np.int64))
    cell >>= shift
    cell -= first_cell
    top = np.flatnonzero(cell >= len(base))  # above -2^-64: computed
    np.clip(cell, 0, len(base) - 1, out=cell)
    idx = np.take(base, cell)
    np.add(idx, 1, out=cell)  # the next bin, into the cells' buffer
    idx += key >= np.take(starts, cell)
    if top.size:
        flat = idx.reshape(-1)
        flat[top] = auc_bin_index(rank_axis(key.reshape(-1)[top], rank_key), n_bins)
    return idx


_MAGNITUDE = np.int64(0x7FFF_FFFF_FFFF_FFFF)
_TOP = -(2.0**-64)  # the table's last key; above it a key's axis is computed
_MAX_CELLS = 1 << 21  # a table of at most 16 MB
_MAX_TABLE_BINS = 16384  # past it the bisection costs more than it saves
_TABLES: dict[int, Any] = {}


def _ordered(bits: np.ndarray) -> np.ndarray:
    """float64 bit patterns (int64) to int64 in the order of the floats (its own inverse)."""
    return bits ^ ((bits >> 63) & _MAGNITUDE)


def _bin_table(n_bins: int) -> Any:
    """``(shift, first cell, first bin per cell, [-inf, T_1 .. T_{B-1}, nan])`` of
    log-probability keys for :func:`key_bins`, or None (the axis is computed)."""
    if n_bins not in _TABLES:
        _TABLES[n_bins] = _build_table(n_bins) if 2 <= n_bins <= _MAX_TABLE_BINS else None
    return _TABLES[n_bins]


def _build_table(n_bins: int) -> Any:
    """Bisect the bins' first keys, then cells from 2^8 a binade up to what the bins need."""

    def f(o: np.ndarray) -> np.ndarray:  # the bin of the keys whose ordered bits are o
        return auc_bin_index(rank_axis(_ordered(o).view(np.float64), "log-probs"), n_bins)

    b = np.arange(1, n_bins, dtype=np.int64)
    lo = np.full(b.shape, _ordered(np.array([-np.inf]).view(np.int64))[0])  # bin 0 there
    hi = np.zeros(b.shape, dtype=np.int64)  # the key 0.0: bin B-1
    top = _ordered(np.array([_TOP]).view(np.int64))[0]
    with np.errstate(all="ignore"):
        while (hi - 1 > lo).any():  # hi: the smallest key of a bin >= b
            mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)
            up = f(mid) >= b
            hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
        for shift in range(52 - 8, 52 - 14, -1):
            cells = np.arange((hi[0] >> shift) - 1, (top >> shift) + 1, dtype=np.int64)
            if len(cells) > _MAX_CELLS:
                return None
            first, last = f(cells << shift), f(((cells + 1) << shift) - 1)
            if not (np.diff(first) >= 0).all():
                return None  # not increasing here: compute the axis
            if (last - first <= 1).all():
                starts = np.concatenate([[-np.inf], _ordered(hi).view(np.float64), [np.nan]])
                return shift, cells[0], first.astype(np.intp), starts
    return None


def top_k_hits(y_true: np.ndarray, y_prob: np.ndarray, k: int) -> np.ndarray:
    """Whether the true class is among the k highest probabilities (ties: lowest index first).

    The true class's rank is the number of classes scored higher plus the number scored
    equal with a lower index; a hit is a rank below k. O(N x C), no sort.

    Args:
        y_true: int (N,) class indices.
        y_prob: float (N, C) probabilities.
        k: how many top classes count.

    Returns:
        bool (N,).

    >>> top_k_hits(np.array([1, 2]), np.array([[0.5, 0.5, 0.0], [0.4, 0.35, 0.25]]), 2).tolist()
    [True, False]
    """
    n, c = y_prob.shape
    s_true = y_prob[np.arange(n), y_true][:, None]
    higher = np.sum(y_prob > s_true, axis=1)
    tied_before = np.sum((y_prob == s_true) & (np.arange(c)[None, :] < y_true[:, None]), axis=1)
    return (higher + tied_before) < k


def hist_counts(s: Any, yt: np.ndarray, key: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Binned ranking: one chunk's weight per (class, bin, is_positive), (C, B, 2).

    The bins are equal-width bins of :func:`rank_axis` of each class's key (binary: class 0
    ranked by the reversed key).

    Args:
        s: the settings (``task``, ``n_classes``, ``auc_bins``, ``rank_key``).
        yt: labels as checked; ``key`` the ranking keys; ``w`` weights (N,) or None.

    >>> s = type("S", (), {"task": "binary", "n_classes": 2, "auc_bins": 2, "rank_key": "probs"})
    >>> hist_counts(s, np.array([1.0, 0.0]), np.array([0.75, 0.25]), None)[1].tolist()
    [[1, 0], [0, 1]]
    """
    c, bins = s.n_classes, s.auc_bins or 1
    idx = hist_index(s, yt, key)
    weights = None if w is None else np.repeat(w, c)
    counts = np.bincount(idx.ravel(), weights=weights, minlength=c * bins * 2)
    return counts.reshape(c, bins, 2)


def hist_index(s: Any, yt: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Where each row adds in the (C, B, 2) histogram of :func:`hist_counts`, per class: the
    flat index ``(class * B + bin) * 2 + is_positive``, intp (N, C).

    >>> s = type("S", (), {"task": "binary", "n_classes": 2, "auc_bins": 2, "rank_key": "probs"})
    >>> hist_index(s, np.array([1.0, 0.0]), np.array([0.75, 0.25])).tolist()
    [[0, 7], [3, 4]]
    """
    c, bins = s.n_classes, s.auc_bins or 1
    if s.task == "binary":
        idx = np.stack([key_bins(key, s.rank_key, bins, 0), key_bins(key, s.rank_key, bins)], 1)
        is_pos = np.stack([yt == 0, yt == 1], axis=1)
    elif s.task == "multiclass":
        idx = key_bins(key, s.rank_key, bins)
        is_pos = None  # one positive per row, its class: set below without an (N, C) mask
    else:
        idx = key_bins(key, s.rank_key, bins)
        is_pos = yt == 1
    idx += (np.arange(c) * bins)[None, :]
    idx *= 2
    if is_pos is None:
        idx.reshape(-1)[np.arange(len(yt)) * c + yt.astype(np.intp)] += 1
    else:
        idx += is_pos
    return idx
