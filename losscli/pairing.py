"""Two models' linear bootstrap terms over the same rows, laid out in one row order (numpy only).

``compare``'s paired bootstrap weighs row i alike in model A and model B (resample j's count
``c_ji``). Each model's :class:`losscli.bootstrap.LinearTerms` sorts the rows its own way (by
its confusion cell and calibration bin), so reading the counts through each model's order
costs one gather of every resample per model, and one product per model. Here both models'
terms are put side by side in a single row order, sorted by the pair (A's segment, B's
segment): every run of equal pairs lies inside one segment of A and one segment of B, so one
gather of the counts and one product ``(c - 1) @ [X_A | X_B]`` per slab give both models'
dense sums, and the pair segments' sums, added up per model segment, give each model's
segment sums (:meth:`PairedTerms.split`). The sums are the per-model ones up to float
rounding (the same terms added in another order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from losscli.bootstrap import LinearTerms

__all__ = ["PairedTerms", "pair_terms"]


@dataclass
class PairedTerms:
    """Both models' terms in one row order (see the module).

    Attributes:
        terms: the joint terms: ``dense`` (n, T_A + T_B) float32, A's columns then B's;
            ``base`` their sums at ``c = 1``; segments the runs of equal (A segment, B
            segment), ``seg_cols`` (n, q_A + q_B) A's segment columns then B's, ``seg_base``
            zero (each model's own is added back by :meth:`split`); ``order`` the row at each
            position.
        widths: ``(T_A, T_B)``.
        q: ``(q_A, q_B)``, each model's segment columns.
        seg_of: per model, intp (G,) the model's segment of each pair segment.
        seg_base: per model, float64 (S_m, q_m), the model's own segment sums at ``c = 1``.
    """

    terms: LinearTerms
    widths: tuple[int, int]
    q: tuple[int, int]
    seg_of: tuple[np.ndarray, np.ndarray]
    seg_base: tuple[np.ndarray, np.ndarray]

    def split(self, dense: np.ndarray, segs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each model's sums from a block of joint sums.

        Formula: model m's dense sums are its columns of ``dense``; its segment s sums the
        pair segments g with ``seg_of[m][g] = s``, plus its ``seg_base[s]``.

        Args:
            dense: float64 (b, T_A + T_B), the joint dense sums.
            segs: float64 (b, G, q_A + q_B), the pair segments' sums (without a base).

        Returns:
            ``[(dense_A, segs_A), (dense_B, segs_B)]``: float64 (b, T_m) and (b, S_m, q_m), as
            :func:`losscli.bootstrap.linear_blocks` gives them for each model alone.

        >>> x = np.arange(8, dtype=np.float32)[:, None]
        >>> t = LinearTerms(x, np.array([28.0]), np.array([0, 4, 8]), np.ones((8, 1), np.float32),
        ...                 np.array([[4.0], [4.0]]))
        >>> p = pair_terms(t, t)
        >>> (da, sa), (db, sb) = p.split(np.array([[1.0, 1.0]]), np.array([[[1.0, 1.0],
        ...                                                                 [0.0, 2.0]]]))
        >>> sa[0, :, 0].tolist(), sb[0, :, 0].tolist()
        ([5.0, 4.0], [5.0, 6.0])
        """
        out = []
        col, qcol = 0, 0
        for width, q, seg_of, base in zip(self.widths, self.q, self.seg_of, self.seg_base):
            into = np.zeros((base.shape[0], seg_of.size))  # model segment <- pair segment
            into[seg_of, np.arange(seg_of.size)] = 1.0
            s = np.matmul(into, segs[:, :, qcol : qcol + q])  # (S_m, G) @ (b, G, q_m)
            out.append((dense[:, col : col + width], s + base))
            col += width
            qcol += q
        return out


def pair_terms(term_a: LinearTerms, term_b: LinearTerms) -> PairedTerms:
    """Model A's and model B's terms (same n rows) in one row order (see the module).

    Args:
        term_a, term_b: each model's terms, with segments (``bounds``, ``seg_cols``,
            ``seg_base``) and its own row order (``order``, None for the identity).

    Returns:
        The :class:`PairedTerms`.

    >>> x = np.arange(4, dtype=np.float32)[:, None]
    >>> ta = LinearTerms(x, np.array([6.0]), np.array([0, 2, 4]), np.ones((4, 1), np.float32),
    ...                  np.array([[2.0], [2.0]]))
    >>> tb = LinearTerms(x[::-1].copy(), np.array([6.0]), np.array([0, 1, 4]),
    ...                  np.ones((4, 1), np.float32), np.array([[1.0], [3.0]]),
    ...                  order=np.array([3, 2, 1, 0]))
    >>> p = pair_terms(ta, tb)
    >>> p.terms.order.tolist(), p.terms.bounds.tolist(), p.terms.dense[:, 1].tolist()
    ([0, 1, 3, 2], [0, 2, 3, 4], [0.0, 1.0, 3.0, 2.0])
    """
    n = term_a.dense.shape[0]
    seg_rows, pos = [], []
    for t in (term_a, term_b):
        assert t.bounds is not None and t.seg_cols is not None and t.seg_base is not None
        at = np.arange(n) if t.order is None else t.order
        p = np.empty(n, dtype=np.intp)  # the position of each row in the model's order
        p[at] = np.arange(n)
        pos.append(p)
        s = np.empty(n, dtype=np.int64)  # the model's segment of each row
        s[at] = np.repeat(np.arange(t.bounds.size - 1), np.diff(t.bounds))
        seg_rows.append(s)
    n_b = int(term_b.bounds.size - 1)  # type: ignore[union-attr]
    key = seg_rows[0] * n_b + seg_rows[1]
    del seg_rows
    order = np.argsort(key, kind="stable")
    ks = key[order]
    del key
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]) if n else np.zeros(0, np.intp)
    bounds = np.append(starts, n).astype(np.intp)
    seg_of = ((ks[starts] // n_b).astype(np.intp), (ks[starts] % n_b).astype(np.intp))
    del ks
    widths = (term_a.dense.shape[1], term_b.dense.shape[1])
    q = (term_a.seg_cols.shape[1], term_b.seg_cols.shape[1])  # type: ignore[union-attr]
    dense = np.empty((n, sum(widths)), dtype=np.float32)
    cols = np.empty((n, sum(q)), dtype=np.float32)
    col, qcol = 0, 0
    for t, p, width, qm in zip((term_a, term_b), pos, widths, q):
        at = p[order]  # the model's position of each joint position
        dense[:, col : col + width] = t.dense[at]
        cols[:, qcol : qcol + qm] = t.seg_cols[at]  # type: ignore[index]
        col += width
        qcol += qm
    del pos
    joint = LinearTerms(
        dense=dense,
        base=np.concatenate([term_a.base, term_b.base]),
        bounds=bounds,
        seg_cols=cols,
        seg_base=np.zeros((bounds.size - 1, sum(q))),
        order=order,
    )
    bases = (term_a.seg_base, term_b.seg_base)
    return PairedTerms(joint, widths, q, seg_of, bases)  # type: ignore[arg-type]
