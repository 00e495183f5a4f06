"""Two models' linear bootstrap terms over the same rows, laid out in one row order (numpy only).

``compare``'s paired bootstrap weighs row i alike in model A and model B (resample j's count
``c_ji``). Each model's :class:`losscli.bootstrap.LinearTerms` sorts the rows its own way (by
its confusion cell and calibration bin), so reading the counts through each model's order
costs one gather of every resample per model, and one product per model. Here both models'
terms are put side by side in a single row order, sorted by the pair (A's segment, B's
segment): every run of equal pairs lies inside one segment of A and one segment of B, so the
counts drawn once in that order (``compare`` draws them there: position p weighs row
``order[p]`` in both models) and one product ``(c - 1) @ [X_A | X_B]`` per slab give both
models' dense sums, and the pair segments' sums, added up per model segment, give each model's
segment sums (:meth:`PairedTerms.split`). The sums are the per-model ones up to float
rounding (the same terms added in another order).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.bootstrap import LinearTerms
from losscli.records import record

__all__ = ["PairedTerms", "pair_terms"]


@record
class PairedTerms:
    """Both models' terms in one row order (see the module).

    Attributes:
        terms: the joint terms: ``dense`` (n, U) float32, the distinct columns of A's and
            B's terms (a column both hold, or a model holds twice, such as the weight, once);
            segments the runs of equal (A segment, B segment), ``seg_cols`` (n, V) the
            distinct segment columns; ``base`` and ``seg_base`` zero (each model's own are
            added back by :meth:`split`); ``order`` the row at each position.
        cols: per model, intp (T_m,), the joint column of each of its dense columns.
        seg_cols: per model, intp (q_m,), the joint segment column of each of its own.
        base: per model, float64 (T_m,), its dense sums at ``c = 1``.
        seg_of: per model, intp (G,) the model's segment of each pair segment.
        seg_base: per model, float64 (S_m, q_m), the model's own segment sums at ``c = 1``.
    """

    terms: LinearTerms
    cols: tuple[np.ndarray, np.ndarray]
    seg_cols: tuple[np.ndarray, np.ndarray]
    base: tuple[np.ndarray, np.ndarray]
    seg_of: tuple[np.ndarray, np.ndarray]
    seg_base: tuple[np.ndarray, np.ndarray]

    def split(self, dense: np.ndarray, segs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each model's sums from a block of joint sums.

        Formula: model m's dense sums are ``base_m`` plus its columns of ``dense``; its
        segment s is ``seg_base_m[s]`` plus the sum of the pair segments g with ``seg_of[m][g]
        = s``, in its segment columns.

        Args:
            dense: float64 (b, U), the joint dense sums (without a base).
            segs: float64 (b, G, V), the pair segments' sums (without a base).

        Returns:
            ``[(dense_A, segs_A), (dense_B, segs_B)]``: float64 (b, T_m) and (b, S_m, q_m), as
            :func:`losscli.bootstrap.linear_blocks` gives them for each model alone.

        >>> x = np.arange(4, dtype=np.float32)[:, None]
        >>> t = LinearTerms(x, np.array([6.0]), np.array([0, 2, 4]), np.ones((4, 1), np.float32),
        ...                 np.array([[2.0], [2.0]]))
        >>> p = pair_terms(t, t)  # the same terms twice: one joint column of each kind
        >>> p.terms.dense.shape, p.terms.seg_cols.shape, [c.tolist() for c in p.cols]
        ((4, 1), (4, 1), [[0], [0]])
        >>> (da, sa), (db, sb) = p.split(np.array([[1.0]]), np.array([[[1.0], [-1.0]]]))
        >>> da.tolist(), sa[0, :, 0].tolist(), sb[0, :, 0].tolist()
        ([[7.0]], [3.0, 1.0], [3.0, 1.0])
        """
        out = []
        for cols, seg_cols, base, seg_of, seg_base in zip(
            self.cols, self.seg_cols, self.base, self.seg_of, self.seg_base
        ):
            into = np.zeros((seg_base.shape[0], seg_of.size))  # model segment <- pair segment
            into[seg_of, np.arange(seg_of.size)] = 1.0
            s = np.matmul(into, segs[:, :, seg_cols])  # (S_m, G) @ (b, G, q_m)
            out.append((dense[:, cols] + base, s + seg_base))
        return out


def pair_terms(term_a: LinearTerms, term_b: LinearTerms, consume: bool = False) -> PairedTerms:
    """Model A's and model B's terms (same n rows) in one row order (see the module).

    Args:
        term_a, term_b: each model's terms, with segments (``bounds``, ``seg_cols``,
            ``seg_base``) and its own row order (``order``, None for the identity).
        consume: let go of each model's ``dense``, ``seg_cols`` and ``order`` (set to None)
            as soon as the joint terms hold what they need of them, so that (unless the
            caller holds them elsewhere) they are freed before the rest is built.

    Returns:
        The :class:`PairedTerms`.

    >>> x = np.arange(4, dtype=np.float32)[:, None]
    >>> ta = LinearTerms(x, np.array([6.0]), np.array([0, 2, 4]), np.ones((4, 1), np.float32),
    ...                  np.array([[2.0], [2.0]]))
    >>> tb = LinearTerms(x[::-1].copy(), np.array([6.0]), np.array([0, 1, 4]),
    ...                  np.ones((4, 1), np.float32), np.array([[1.0], [3.0]]),
    ...                  order=np.array([3, 2, 1, 0]))
    >>> p = pair_terms(ta, tb)  # B's column read in the joint order is A's: held once
    >>> p.terms.order.tolist(), p.terms.bounds.tolist(), p.terms.dense[:, 0].tolist()
    ([0, 1, 3, 2], [0, 2, 3, 4], [0.0, 1.0, 3.0, 2.0])
    >>> [s.tolist() for s in p.seg_of], [c.tolist() for c in p.cols]
    ([[0, 1, 1], [1, 0, 1]], [[0], [0]])
    """
    n = term_a.dense.shape[0]
    idx = np.int32 if n < 2**31 else np.intp  # positions and segments: half intp's memory
    n_b = int(term_b.bounds.size - 1)  # type: ignore[union-attr]
    n_a = int(term_a.bounds.size - 1)  # type: ignore[union-attr]
    # (A's segment, B's segment) of each row as one key, in the narrowest integer (a stable
    # sort of 16-bit keys is a radix sort, with no merge buffer)
    key = np.zeros(n, dtype=np.int16 if n_a * n_b < 2**15 else np.int64)
    pos = []
    for t, scale in ((term_a, n_b), (term_b, 1)):
        assert t.bounds is not None and t.seg_cols is not None and t.seg_base is not None
        at = np.arange(n, dtype=idx) if t.order is None else t.order
        p = np.empty(n, dtype=idx)  # the position of each row in the model's order
        p[at] = np.arange(n, dtype=idx)
        pos.append(p)
        seg = np.repeat(np.arange(t.bounds.size - 1, dtype=key.dtype) * scale, np.diff(t.bounds))
        key[at] += seg
        del seg, at
        if consume:
            t.order = None
    order = np.argsort(key, kind="stable")
    ks = key[order].astype(np.int64)
    del key
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]) if n else np.zeros(0, np.intp)
    bounds = np.append(starts, n).astype(np.intp)
    seg_of = ((ks[starts] // n_b).astype(np.intp), (ks[starts] % n_b).astype(np.intp))
    del ks
    ats = [p[order] for p in pos]  # each model's position of each joint position
    del pos
    parts = [(t.dense, at) for t, at in zip((term_a, term_b), ats)]
    seg_parts = [(t.seg_cols, at) for t, at in zip((term_a, term_b), ats)]
    del ats
    if consume:  # held by the parts alone: each model's let go once written
        term_a.dense = term_b.dense = term_a.seg_cols = term_b.seg_cols = None  # type: ignore[assignment]
    dense, cols = _distinct(parts)
    seg_cols, seg_col_of = _distinct(seg_parts)
    del parts, seg_parts
    joint = LinearTerms(
        dense=dense,
        base=np.zeros(dense.shape[1]),
        bounds=bounds,
        seg_cols=seg_cols,
        seg_base=np.zeros((bounds.size - 1, seg_cols.shape[1])),
        order=order,
    )
    return PairedTerms(
        joint,
        cols,
        seg_col_of,
        (term_a.base, term_b.base),
        seg_of,
        (term_a.seg_base, term_b.seg_base),  # type: ignore[arg-type]
    )


_TILE = 65536
"""Rows per gather of :func:`_distinct` (a tile of whole rows, never a model's whole terms)."""


def _distinct(
    parts: list[Any],
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The distinct columns of each model's (n, k) terms read at rows ``at``: (n, U) float32,
    and per model the joint column of each of its columns (equal columns kept once).
    ``parts``, a list of ``(x, at)``, is emptied as each model's columns are written (so
    that a model's terms held by the list alone are freed then).

    Read a tile of whole rows at a time (a column at a time would read each row k times;
    the whole gather at once would hold a copy of both models' terms). Two columns are the
    same when equal in every row (``np.array_equal``); only the pairs with the same
    fingerprint are compared: the sum modulo 2^64 of the bit patterns of the column's terms
    (zeros of either sign as +0), which does not depend on the order of the rows, so each
    model's is taken in its own order (no gather). One pass then writes the distinct columns.

    >>> x = np.array([[1, 2, 1], [3, 4, 3]], np.float32)
    >>> out, (ia, ib) = _distinct([(x, np.array([1, 0])), (x[:, 1:], np.array([0, 1]))])
    >>> out.tolist(), ia.tolist(), ib.tolist()
    ([[3.0, 4.0, 2.0, 1.0], [1.0, 2.0, 4.0, 3.0]], [0, 1, 0], [2, 3])
    """
    n = parts[0][1].shape[0]

    def tiles(m: int, cols: Any) -> Iterator[np.ndarray]:
        x, at = parts[m]
        for a in range(0, n, _TILE):
            yield x[at[a : a + _TILE]][:, cols]

    def equal(m: int, k: int, m2: int, k2: int) -> bool:
        if m == m2:  # one model's columns: compared in its own order, no gather
            return np.array_equal(parts[m][0][:, k], parts[m][0][:, k2])
        (x, at), (x2, at2) = parts[m], parts[m2]
        return all(
            np.array_equal(x[at[a : a + _TILE], k], x2[at2[a : a + _TILE], k2])
            for a in range(0, n, _TILE)
        )

    kept: list[tuple[int, int]] = []  # (model, column) of each distinct column
    kept_prints: list[int] = []  # their fingerprints
    index = []
    for m, (x, _) in enumerate(parts):
        mine = []
        prints = _fingerprints(x)
        for k in range(x.shape[1]):
            same = [u for u, f in enumerate(kept_prints) if f == int(prints[k])]
            hit = next((u for u in same if equal(*kept[u], m, k)), None)
            if hit is None:
                hit = len(kept)
                kept.append((m, k))
                kept_prints.append(int(prints[k]))
            mine.append(hit)
        index.append(np.array(mine, dtype=np.intp))
    del x
    out = np.empty((n, len(kept)), dtype=np.float32)
    for m in range(len(parts)):
        cols = [k for mm, k in kept if mm == m]
        into = [u for u, (mm, _) in enumerate(kept) if mm == m]
        if cols:
            for a, rows in zip(range(0, n, _TILE), tiles(m, cols)):
                out[a : a + _TILE, into] = rows
        parts[m] = None  # this model's terms: written
    return out, (index[0], index[1])


def _fingerprints(x: np.ndarray) -> np.ndarray:
    """Per column of float32 (n, k) terms, the sum modulo 2^64 of its terms' bit patterns
    (-0 read as +0): uint64 (k,), equal for columns equal in every row in any order.

    >>> x = np.array([[1.0, -0.0], [2.0, 2.0], [0.0, 1.0]], np.float32)
    >>> f = _fingerprints(x)
    >>> bool(f[0] == f[1]), bool(f[0] == _fingerprints(x[::-1].copy())[0])
    (True, True)
    """
    total = np.zeros(x.shape[1], dtype=np.uint64)
    for a in range(0, x.shape[0], _TILE):
        tile = x[a : a + _TILE] + x.dtype.type(0)  # -0 + 0 is +0
        total += tile.view(f"u{x.itemsize}").sum(axis=0, dtype=np.uint64)
    return total
