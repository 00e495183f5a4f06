"""Exact ROC AUC and average precision from one sort of integer keys that carry the label.

A float64 score maps to an int64 of the same order (the IEEE bit pattern, the magnitude bits
flipped for negative numbers, ``-0.0`` read as ``0.0``). When the scores of one ranking span
less than ``2**63`` of those integers (all of one sign, e.g. probabilities or log-probabilities,
or all within (-2, 2)), ``(ordered - lowest) << 1 | label`` fits a uint64: one ``np.sort`` of
those keys orders the rows by score and puts, within a tie, the label-0 rows before the label-1
rows. No argsort, no gathers, no searchsorted: the tie groups (runs of equal ``key >> 1``) and
one cumulative sum of the label bits give, for every group, how many rows of each label lie
below it, which is all the Mann-Whitney U (an exact integer, ties counting one half) and the
average-precision step sum need, for the label-1 class and (read the other way) the label-0
class, from the same sorted keys. :func:`label_keys` builds the keys (scores that span too
much for the label bit are replaced by their ranks first), :func:`auc_ap_label_sorted` reads
them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np

__all__ = ["label_keys", "auc_ap_label_sorted"]

_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)
_ONE = np.uint64(1)
# keys handled per pass of auc_ap_label_sorted: bounds its temporaries to a few MB
_BLOCK = 1 << 18


def _ordered_int(x: float) -> int:
    """The order-preserving integer of one float (Python int)."""
    (b,) = struct.unpack("<q", struct.pack("<d", float(x) + 0.0))
    return b ^ 0x7FFFFFFFFFFFFFFF if b < 0 else b


def label_keys(parts: Iterable[tuple[np.ndarray, np.ndarray | bool]]) -> np.ndarray:
    """One uint64 key per row: ``(ordered(score) - ordered(lowest)) << 1 | label``.

    ``ordered`` is the order-preserving map of a float64 to an integer (its bit pattern, with
    the magnitude bits flipped when the sign bit is set; ``-0.0`` counts as ``0.0``), so the
    keys sort as ``(score, label)`` pairs do.

    Args:
        parts: ``(scores, labels)`` pairs, concatenated in order: float (n,) scores (no NaN)
            and bool (n,) labels, or one bool for the whole part.

    When the scores span ``2**63`` ordered integers or more (mixed signs with magnitudes of 2
    or more, e.g. binary logits), the label bit does not fit; each score is then replaced by
    its rank (``searchsorted`` into the sorted scores: equal scores share a rank), which
    orders and ties the rows the same way, so the keys give the very same numbers.

    Returns:
        uint64 (N,) keys, unsorted.

    >>> k = label_keys([(np.array([0.5, 0.25]), True), (np.array([0.5]), False)])
    >>> (np.sort(k) & 1).tolist()  # 0.25 (label 1), then the tie at 0.5: label 0 first
    [1, 0, 1]
    >>> label_keys([(np.array([-1e300, 3.0, 1e300]), np.array([True, False, True]))])
    array([1, 2, 5], dtype=uint64)
    """
    parts = [(np.asarray(v), lab) for v, lab in parts]
    sized = [(v, lab) for v, lab in parts if v.size]
    total = sum(v.size for v, _ in parts)
    out = np.empty(total, dtype=np.uint64)
    if not sized:
        return out
    lo = _ordered_int(min(float(v.min()) for v, _ in sized))
    hi = _ordered_int(max(float(v.max()) for v, _ in sized))
    ranks = None
    if hi - lo >= 2**63:  # the label bit does not fit: rank the scores (ties share a rank)
        ranks = np.concatenate([v for v, _ in sized]).astype(np.float64, copy=False)
        ranks.sort()
    base = np.int64(lo)
    at = 0
    for v, lab in sized:
        seg = out[at : at + v.size].view(np.int64)
        if ranks is not None:
            seg[...] = np.searchsorted(ranks, v, "left")  # order- and tie-preserving
        else:
            np.add(v, 0.0, out=seg.view(np.float64), casting="unsafe")  # -0.0 -> 0.0
            flip = seg >> 63
            flip &= _MAGNITUDE
            seg ^= flip
            del flip
            seg -= base  # now in [0, 2**63)
        useg = seg.view(np.uint64)
        useg <<= _ONE
        if isinstance(lab, (bool, np.bool_)):
            if lab:
                useg |= _ONE
        else:
            useg |= np.asarray(lab, dtype=bool)
        at += v.size
    return out


def auc_ap_label_sorted(
    keys: np.ndarray, n_pos: int, *, below: int = 0, both: bool = False
) -> tuple[tuple[float | None, float | None], tuple[float | None, float | None] | None]:
    """Unweighted ROC AUC and average precision from ascending sorted :func:`label_keys`.

    Label 1 is the positive class, a higher score more positive. For each tie group ``g``
    (equal ``key >> 1``) with ``a_g`` label-1 and ``b_g`` label-0 rows, ``A_g`` / ``B_g`` of
    each below it and ``S_g = A_g + B_g`` rows below it in all, of ``M`` rows:
    ``2U = sum_g a_g (2 (B_g + below) + b_g)``, ``AUC = 2U / (2 P Q)`` (ties count one half);
    ``AP = sum_g a_g (P - A_g) / (M - S_g) / P`` (each positive's precision at its own score,
    scikit-learn's step sum). With ``both``, the label-0 class ranked by the reversed score
    (lower is more positive; binary class 0 scored ``1 - p``) from the same groups.
    Without ``both``, a block of keys where no positive ties with another row is read from
    the positives' positions alone (the same sums, groups of one positive). With ``both``:
    ``2U_0 = sum_g b_g (2 (P - A_g - a_g) + a_g)``,
    ``AP_0 = sum_g b_g (B_g + b_g) / (S_g + a_g + b_g) / Q``.

    Args:
        keys: uint64 (M,) keys sorted ascending (one ``np.sort``).
        n_pos: P, the number of label-1 keys.
        below: negatives scored below every key (counted, never sorted; not with ``both``).
        both: also rank the label-0 class, reversed.

    Returns:
        ``((auc, ap), (auc_0, ap_0) or None)``; AUC is None without a positive or a negative,
        AP None without a positive (as :func:`losscli.metrics.ranking.auc_ap`).

    >>> keys = np.sort(label_keys([(np.array([0.35, 0.8]), True), (np.array([0.1, 0.4]), False)]))
    >>> auc_ap_label_sorted(keys, 2, both=True)
    ((0.75, 0.8333333333333333), (0.75, 0.8333333333333333))
    """
    m = int(keys.size)
    p = int(n_pos)
    q = m - p
    u2 = u2_0 = 0
    ap = ap_0 = 0.0
    ones_before = 0
    a = 0
    while a < m:
        b = min(a + _BLOCK, m)
        if b < m:  # end the block where a tie group starts, never inside one
            cut = int(np.searchsorted(keys, keys[b] & ~_ONE, "left"))
            b = cut if cut > a else int(np.searchsorted(keys, keys[b] | _ONE, "right"))
        blk = keys[a:b]
        if not both:  # no positive tied with any row in the block: work on the positives only
            i1 = np.flatnonzero(blk & _ONE)
            inner = i1[1:] if i1.size and i1[0] == 0 else i1
            if not np.any((blk[inner - 1] >> _ONE) == (blk[inner] >> _ONE)):
                j = np.arange(ones_before, ones_before + i1.size)
                at = i1 + a
                u2 += 2 * int(np.sum(at - j)) + 2 * below * i1.size
                ap += float(np.sum((p - j) / (m - at)))
                ones_before += i1.size
                a = b
                continue
        score = blk >> _ONE
        ends = np.flatnonzero(score[1:] != score[:-1])
        del score
        ends = np.append(ends, blk.size - 1)
        ones = np.cumsum(blk & _ONE, dtype=np.int64)[ends]  # label-1 rows up to each group end
        n1 = np.diff(ones, prepend=0)
        size = np.diff(ends, prepend=-1)
        n0 = size - n1
        start = a + ends - size + 1  # rows below each group
        ones_below = ones_before + ones - n1
        zeros_below = start - ones_below
        if p:
            u2 += int(np.dot(n1, 2 * (zeros_below + below) + n0))
            ap += float(np.sum(n1 * ((p - ones_below) / (m - start))))
        if both and q:
            u2_0 += int(np.dot(n0, 2 * (p - ones_below - n1) + n1))
            ap_0 += float(np.sum(n0 * ((zeros_below + n0) / (start + size))))
        ones_before += int(ones[-1])
        a = b
    negatives = q + below
    first: tuple[float | None, float | None] = (None, None)
    if p:
        first = (u2 / (2 * p * negatives) if negatives else None, ap / p)
    if not both:
        return first, None
    second: tuple[float | None, float | None] = (None, None)
    if q:
        second = (u2_0 / (2 * p * q) if p else None, ap_0 / q)
    return first, second
