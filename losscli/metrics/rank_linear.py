"""The first-order rank terms of the linear AUC / AP (numpy only).

:func:`rank_terms` gives each row's first-order terms of one class's AUC and AP numerators
(:mod:`losscli.metrics.linear` explains their use), :func:`rank_row_sums` those of
(row, class) cells summed per row, :func:`paired_rank_terms` those of two models' scores
pooled (the swaps of :mod:`losscli.metrics.swap_linear`), and :func:`sorted_rank_terms` the
terms in descending score order for a caller that has sorted the scores already.
"""

from __future__ import annotations

import numpy as np

from losscli.metrics.micro_terms import precision_terms

__all__ = ["rank_terms", "paired_rank_terms", "rank_row_sums", "sorted_rank_terms", "group_ends"]


def rank_terms(
    scores: np.ndarray, is_pos: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """First-order terms of one class's AUC and AP numerators under row weights ``v``.

    With groups g of equal score in descending order, positive weight ``Wp_g``, negative
    weight ``Wn_g``, cumulative ``TP_g``, ``FP_g`` (group g included), totals P and N:

    - AUC numerator ``U(v) = sum_g Wp_g (N - FP_g + Wn_g / 2)`` (ties count one half).
      ``dU/dv_i`` is the negative weight below a positive i (plus half its ties) and the
      positive weight above a negative i (plus half its ties); ``AUC = U / (P N)``.
    - AP numerator ``F(v) = sum_g Wp_g r_g`` with ``r_g = TP_g / (TP_g + FP_g)`` (``AP = F /
      P``, scikit-learn's step sum). ``dF/dv_i = r_g + sum_{h >= g} Wp_h FP_h / D_h^2`` for a
      positive in group g and ``-sum_{h >= g} Wp_h TP_h / D_h^2`` for a negative, with ``D =
      TP + FP`` and ``h >= g`` the groups scored at or below g.

    The resampled numerators to first order are ``U0 + sum_i (c_i - 1) w_i g_i`` and
    ``F0 + sum_i (c_i - 1) w_i f_i``. ``U`` is homogeneous of degree 2 and ``F`` of degree 1 in
    the weights, so ``sum_i w_i g_i = 2 U0`` and ``sum_i w_i f_i = F0``.

    Args:
        scores: (n,) the class's scores (any order; ties allowed).
        is_pos: (n,) bool, the class's positives.
        w: (n,) sample weights, or None for 1.

    Returns:
        ``(g, U0, f, F0)``: float64 (n,) per-row AUC terms, the AUC numerator, float64 (n,)
        per-row AP terms and the AP numerator, rows in the input order.

    >>> g, u0, f, f0 = rank_terms(np.array([0.35, 0.8, 0.1, 0.4]),
    ...                           np.array([True, True, False, False]), None)
    >>> u0 / (2 * 2), round(f0 / 2, 6)  # AUC 0.75 and AP 0.833333, as scikit-learn
    (0.75, 0.833333)
    >>> float(g.sum()) == 2 * u0, bool(np.isclose(f.sum(), f0))
    (True, True)
    """
    n = scores.shape[0]
    if n == 0:
        return np.zeros(0), 0.0, np.zeros(0), 0.0
    order, g, u0, f, f0 = sorted_rank_terms(scores, is_pos, w)
    g_out = np.empty(n)
    g_out[order] = g
    del g
    f_out = np.empty(n)
    f_out[order] = f
    return g_out, u0, f_out, f0


def paired_rank_terms(
    scores_a: np.ndarray, scores_b: np.ndarray, is_pos: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rank_terms` of two models' scores of the same n rows pooled (2n items: A's
    rows, then B's, each with its row's label and weight), as each row's A term less its B
    term: ``(g_A - g_B, f_A - f_B)``, the swaps' rank columns
    (:mod:`losscli.metrics.swap_linear`).

    The same numbers as ``rank_terms`` of the concatenations, with fewer 2n-item arrays at
    once: the pooled scores are dropped once sorted and their tie groups known, and the
    terms are read back per row through the inverse of the sort, not scattered into two
    2n-item arrays.

    Args:
        scores_a, scores_b: (n,) each model's scores of the class.
        is_pos: (n,) bool, the class's positives (the same rows in both).
        w: (n,) sample weights, or None for 1.

    Returns:
        float64 (n,) ``g_A - g_B`` and ``f_A - f_B``.

    >>> a, b = np.array([0.35, 0.8, 0.1, 0.4]), np.array([0.5, 0.8, 0.2, 0.1])
    >>> pos = np.array([True, True, False, False])
    >>> dg, df = paired_rank_terms(a, b, pos, None)
    >>> g, _, f, _ = rank_terms(np.r_[a, b], np.r_[pos, pos], None)
    >>> bool((dg == g[:4] - g[4:]).all() and (df == f[:4] - f[4:]).all())
    True
    """
    n = scores_a.shape[0]
    m = 2 * n
    if n == 0:
        return np.zeros(0), np.zeros(0)
    idx = np.int32 if m < 2**31 else np.intp
    scores = np.concatenate([scores_a, scores_b])
    asc = np.argsort(scores)  # rank_terms' sort, then read descending
    last = group_ends(scores[asc[::-1]])
    del scores
    order = asc[::-1].astype(idx)
    del asc
    pos = np.concatenate([is_pos, is_pos]).astype(bool, copy=False)[order]
    w2 = None if w is None else np.concatenate([w, w])
    _, g, _, f, _ = sorted_rank_terms(None, pos, w2, order, presorted=True, last=last)
    del pos, w2, last
    inv = np.empty(m, dtype=idx)  # each item's position in the sort
    inv[order] = np.arange(m, dtype=idx)
    del order
    ia, ib = inv[:n], inv[n:]
    dg = g[ia] - g[ib]
    del g
    df = f[ia] - f[ib]
    return dg, df


def rank_row_sums(
    cells: np.ndarray, is_pos: np.ndarray, w: np.ndarray | None, n_rows: int
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """:func:`rank_terms` of ``n_rows * k`` cells (row-major: cell ``i k + j`` is row i's
    j-th), summed per row: the micro AUC / AP terms of a row are those of its k cells.

    Args:
        cells: (n_rows * k,) the cells' scores.
        is_pos: (n_rows * k,) bool, the positive cells.
        w: (n_rows * k,) cell weights, or None for 1.
        n_rows: rows.

    Returns:
        ``(g, U0, f, F0)`` with g and f float64 (n_rows,), the per-row sums.

    >>> s = np.array([0.35, 0.1, 0.8, 0.4])
    >>> g, u0, f, f0 = rank_row_sums(s, np.array([True, False, True, False]), None, 2)
    >>> g0, _, f0_, _ = rank_terms(s, np.array([True, False, True, False]), None)
    >>> bool(np.allclose(g, g0.reshape(2, 2).sum(axis=1))), u0
    (True, 3.0)
    """
    if cells.shape[0] == 0:
        return np.zeros(n_rows), 0.0, np.zeros(n_rows), 0.0
    k = cells.shape[0] // n_rows
    order, g, u0, f, f0 = sorted_rank_terms(cells, is_pos, w)
    rows = order // k
    del order
    g_rows = np.bincount(rows, weights=g, minlength=n_rows)
    del g
    return g_rows, u0, np.bincount(rows, weights=f, minlength=n_rows), f0


def group_ends(s: np.ndarray) -> np.ndarray:
    """bool (n,): whether each of the sorted scores ``s`` is the last of its tie group.

    Args:
        s: (n,) scores in sorted order.

    Returns:
        bool (n,), True at the last score of each run of equal scores.

    >>> group_ends(np.array([3.0, 2.0, 2.0, 1.0])).tolist()
    [True, False, True, True]
    """
    last = np.empty(s.shape[0], dtype=bool)
    if s.shape[0]:
        np.not_equal(s[1:], s[:-1], out=last[:-1])
        last[-1] = True
    return last


def sorted_rank_terms(
    scores: np.ndarray | None,
    is_pos: np.ndarray,
    w: np.ndarray | None,
    order: np.ndarray | None = None,
    presorted: bool = False,
    last: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, float]:
    """:func:`rank_terms` in descending score order: ``(order, g, U0, f, F0)`` with
    ``g[p]``, ``f[p]`` the terms of row ``order[p]``; ``order``: that descending order when
    the caller has sorted the scores already (ties in any order), else one argsort here;
    ``presorted``: ``scores`` and ``is_pos`` are given in that order already; ``last``:
    :func:`group_ends` of the sorted scores, when the caller has it (``scores`` may then be
    None: only the tie groups are read from them).

    A row's terms need the cumulative weights at it (one pass each); the AP terms and their
    suffix sums live on the positives only (a negative's AP term is minus the suffix sum at
    the first positive after it). With tie groups, every row's terms are its group's
    (:func:`_grouped_rank_terms`).

    Args:
        scores: (n,) the class's scores (in input order, or sorted with ``presorted``), or
            None when ``order`` and ``last`` are given.
        is_pos: (n,) bool, the positives (in the same order as ``scores``).
        w: (n,) weights in input order, or None for 1.
        order, presorted, last: see above.

    Returns:
        ``(order, g, U0, f, F0)``: int (n,), float64 (n,) AUC terms in that order, the AUC
        numerator, float64 (n,) AP terms, the AP numerator.

    >>> s, pos = np.array([0.35, 0.8, 0.1, 0.4]), np.array([True, True, False, False])
    >>> order, g, u0, f, f0 = sorted_rank_terms(s, pos, None)
    >>> order.tolist(), g.tolist(), u0
    ([1, 3, 0, 2], [2.0, 1.0, 1.0, 2.0], 3.0)
    """
    n = is_pos.shape[0]
    idx = np.int32 if n < 2**31 else np.intp  # positions: half the memory of intp
    if n == 0:
        return np.zeros(0, dtype=idx), np.zeros(0), 0.0, np.zeros(0), 0.0
    if order is None:
        assert scores is not None
        order = np.argsort(scores)[::-1].astype(idx)  # ties form one group: any order in them
    pos = np.asarray(is_pos, dtype=bool)
    if not presorted:
        pos = pos[order]
    if last is None:  # the last row of its tie group
        assert scores is not None
        last = group_ends(scores if presorted else scores[order])
    if not last.all():  # tie groups: every row takes its group's terms
        ww = None if w is None else np.asarray(w, dtype=np.float64)[order]
        g, u0, f, f0 = _grouped_rank_terms(pos, last, ww)
        return order, g, u0, f, f0
    ip = np.flatnonzero(pos)  # the positives' positions
    if w is None:
        tpc = np.cumsum(pos, dtype=np.float64)  # positive weight up to each row, inclusive
        fpc = None  # negative weight: (row + 1) - tpc
        n_tot = float(n - ip.size)
        w_p = np.ones(ip.size)
        count_before = tpc.astype(idx)  # at a negative row: the positives before it
    else:
        ww = np.asarray(w, dtype=np.float64)[order]
        wp = np.where(pos, ww, 0.0)
        tpc = np.cumsum(wp)
        ww -= wp
        del wp
        fpc = np.cumsum(ww)
        del ww
        n_tot = float(fpc[-1])
        w_p = np.asarray(w, dtype=np.float64)[order[ip]]
        count_before = np.cumsum(pos, dtype=idx)

    def neg_weight(at: np.ndarray, tp_at: np.ndarray) -> np.ndarray:
        return at + 1.0 - tp_at if fpc is None else fpc[at]

    tp_p = tpc[ip]
    fp_p = neg_weight(ip, tp_p)
    g = tpc  # a negative's AUC term: the positive weight above it
    del tpc
    g[ip] = n_tot - fp_p  # a positive's: the negative weight below it
    r_p, a_p, b_p = precision_terms(tp_p, fp_p, w_p)
    u0 = float(w_p @ g[ip])
    f0 = float(w_p @ r_p)
    sa = np.cumsum(a_p[::-1])[::-1]
    sb = np.append(np.cumsum(b_p[::-1])[::-1], 0.0)  # sb[k]: positives k on
    f = -sb[count_before]  # a negative row: minus the suffix at the next positive
    del count_before
    f[ip] = r_p + sa
    return order, g, u0, f, f0


def _grouped_rank_terms(
    pos: np.ndarray, last: np.ndarray, ww: np.ndarray | None
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """:func:`sorted_rank_terms`' ``(g, U0, f, F0)`` when scores tie, one group at a time.

    Rows in descending score order: ``pos`` bool (n,), ``last`` bool (n,) the last row of
    each group of equal score, ``ww`` the weights in that order (None: 1). With ``TP_g``,
    ``FP_g`` the positive / negative weight up to group g's end, ``Wp_g``, ``Wn_g`` its own:
    a positive's AUC term is ``N - FP_{g-1} - Wn_g / 2``, a negative's ``TP_{g-1} + Wp_g / 2``;
    a positive's AP term ``r_g + sum_{h >= g} Wp_h FP_h / D_h^2``, a negative's ``-sum_{h >=
    g} Wp_h TP_h / D_h^2`` (``D = TP + FP``, ``r = TP / D``, ``h >= g`` the groups at or below
    g). Per group, then gathered per row: no per-row patching, whatever the share of ties.
    """
    n = pos.size
    ends = np.flatnonzero(last)
    if ww is None:
        tpc = np.cumsum(pos, dtype=np.float64)
        tp_end = tpc[ends]
        fp_end = (ends + 1.0) - tp_end
    else:
        wp = np.where(pos, ww, 0.0)
        tpc = np.cumsum(wp)
        tp_end = tpc[ends]
        np.subtract(ww, wp, out=wp)
        fp_end = np.cumsum(wp)[ends]
        del wp
    del tpc
    n_g = ends.size
    del ends
    tp_before = np.concatenate(([0.0], tp_end[:-1]))
    fp_before = np.concatenate(([0.0], fp_end[:-1]))
    wp_g = tp_end - tp_before
    wn_g = fp_end - fp_before
    n_tot = float(fp_end[-1]) if n else 0.0
    at = np.cumsum(last, dtype=np.int32 if 2 * n < 2**31 else np.intp)
    at -= last  # each row's group
    ip = np.flatnonzero(pos)
    at[ip] += n_g  # a positive reads the second half of each per-group table: [neg | pos]
    # one gather per term from a (2 G,) table, no (n,) temporaries per kind of row; each
    # table written in place: [tp_before + Wp / 2 | N - fp_before - Wn / 2]
    table = np.empty(2 * n_g)
    np.multiply(wp_g, 0.5, out=table[:n_g])
    table[:n_g] += tp_before
    np.subtract(n_tot, fp_before, out=table[n_g:])
    table[n_g:] -= 0.5 * wn_g
    del tp_before, fp_before, wn_g
    g = table[at]
    r, a, b = precision_terms(tp_end, fp_end, wp_g)
    del tp_end, fp_end, wp_g
    np.negative(np.cumsum(b[::-1])[::-1], out=table[:n_g])  # -(the b's of groups g on)
    del b
    np.add(r, np.cumsum(a[::-1])[::-1], out=table[n_g:])  # r + (the a's of groups g on)
    del a
    f = table[at]
    del table
    gid_p = at[ip] - n_g  # the positives' groups
    del at
    w_p = np.ones(ip.size) if ww is None else ww[ip]
    return g, float(w_p @ g[ip]), f, float(w_p @ r[gid_p])
