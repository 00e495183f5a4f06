"""The linear bootstrap's setup: micro AUC / AP terms from the per-class sorts, and the term
matrix written a group of columns at a time.

Reference: :func:`losscli.metrics.linear.rank_row_sums` (one fresh sort of every (row, class)
cell, itself checked against scikit-learn's ``roc_auc_score`` in test_bootstrap_linear.py)
and :func:`losscli.metrics.linear.rank_terms` (a fresh sort per class); here the terms built
from the reused per-class orders must equal them to float rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from losscli.metrics import ClassificationAccumulator
from losscli.metrics.keys import class_key, key_bins
from losscli.metrics.linear import LinearClassification, rank_row_sums, rank_terms
from losscli.metrics.micro_terms import MicroTerms
from losscli.metrics.term_matrix import TermMatrix


def _cells(n, k, ties, seed):
    rng = np.random.default_rng(seed)
    s = rng.random((n, k))
    if ties == "few":  # a few cells of other classes tie with cell 0 (a positive or not)
        s.ravel()[rng.choice(n * k, 25, replace=False)] = s.ravel()[0]
    elif ties == "many":
        s = np.round(s, 1)
    elif ties == "bins":  # integer bins, as binned ranking gives
        s = np.floor(s * 7).astype(np.intp)
    return s


def _micro(s, y, w, tie_order="any"):
    n, k = s.shape
    mt = MicroTerms(s[np.arange(n), y].astype(np.float64), w)
    for c in range(k):
        col = s[:, c]
        if tie_order == "reversed":  # ties in the other order than a stable sort's
            asc = np.lexsort((-np.arange(n), col))
        else:
            asc = np.argsort(col)
        mt.add(mt.merge(col[asc], asc, y[asc] == c))
    return mt.row_sums(n)


@pytest.mark.parametrize("ties", ["none", "few", "many", "bins"])
@pytest.mark.parametrize("weights", ["none", "float", "with zeros"])
@pytest.mark.parametrize("absent", [False, True])
def test_micro_terms_from_class_orders_equal_one_sort_of_every_cell(ties, weights, absent):
    n, k = 600, 5
    rng = np.random.default_rng(3)
    s = _cells(n, k, ties, seed=4)
    y = rng.integers(0, k - 1 if absent else k, n)  # absent: no row of class k - 1
    w = None if weights == "none" else rng.random(n) * 2
    if weights == "with zeros":
        w[rng.choice(n, 60, replace=False)] = 0.0
    g, u0, f, f0 = _micro(s, y, w)
    is_cell = (y[:, None] == np.arange(k)).ravel()
    want = rank_row_sums(
        s.ravel().astype(np.float64), is_cell, None if w is None else np.repeat(w, k), n
    )
    np.testing.assert_allclose(g, want[0], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(f, want[2], rtol=1e-12, atol=1e-12)
    if w is None:  # integer counts: exact
        np.testing.assert_array_equal(g, want[0])
        assert u0 == want[1]
    assert u0 == pytest.approx(want[1], rel=1e-13)
    assert f0 == pytest.approx(want[3], rel=1e-13)
    ww = np.ones(n * k) if w is None else np.repeat(w, k)
    pos, neg = ww[is_cell].sum(), ww[~is_cell].sum()
    sw = None if w is None else np.repeat(w, k)
    auc = skm.roc_auc_score(is_cell, s.ravel(), sample_weight=sw)
    ap = skm.average_precision_score(is_cell, s.ravel(), sample_weight=sw)
    assert u0 / (pos * neg) == pytest.approx(auc, abs=1e-12)
    assert f0 / pos == pytest.approx(ap, abs=1e-12)


@pytest.mark.parametrize("ties", ["few", "many", "bins"])
def test_micro_terms_do_not_depend_on_the_order_within_ties(ties):
    n, k = 400, 3
    s = _cells(n, k, ties, seed=5)
    y = np.random.default_rng(6).integers(0, k, n)
    w = np.random.default_rng(7).random(n)
    a = _micro(s, y, w)
    b = _micro(s, y, w, tie_order="reversed")
    for x, z in zip(a, b):
        np.testing.assert_allclose(x, z, rtol=1e-12, atol=1e-12)


def test_micro_terms_of_a_class_without_negatives():
    """Every row of class 0: class 0 has no negative and the others no positive."""
    n, k = 50, 3
    s = _cells(n, k, "none", seed=8)
    y = np.zeros(n, dtype=np.intp)
    g, u0, f, f0 = _micro(s, y, None)
    is_cell = (y[:, None] == np.arange(k)).ravel()
    want = rank_row_sums(s.ravel(), is_cell, None, n)
    np.testing.assert_array_equal(g, want[0])
    np.testing.assert_allclose(f, want[2], rtol=1e-12, atol=1e-12)
    assert (u0, f0) == pytest.approx((want[1], want[3]), rel=1e-13)


def _terms_by_definition(s, is_pos, w):
    """Each row's AUC / AP terms straight from their formulas (rank_terms' docstring), one
    distinct score at a time: O(n G), for small n."""
    ww = np.ones(s.size) if w is None else w
    pw, nw = np.where(is_pos, ww, 0.0), np.where(is_pos, 0.0, ww)
    values = np.unique(s)[::-1]  # descending
    wp = np.array([pw[s == v].sum() for v in values])
    wn = np.array([nw[s == v].sum() for v in values])
    tp, fp = np.cumsum(wp), np.cumsum(wn)
    d = tp + fp
    r = np.divide(tp, d, out=np.zeros_like(d), where=d > 0)
    d2 = np.where(d > 0, d * d, 1.0)
    a, b = wp * fp / d2, wp * tp / d2
    g, f = np.empty(s.size), np.empty(s.size)
    for i, v in enumerate(s):
        h = np.flatnonzero(values == v)[0]  # the group; groups h.. are at or below it
        if is_pos[i]:
            g[i] = nw[s < v].sum() + 0.5 * wn[h]
            f[i] = r[h] + a[h:].sum()
        else:
            g[i] = pw[s > v].sum() + 0.5 * wp[h]
            f[i] = -b[h:].sum()
    return g, float((wp * (nw.sum() - fp + 0.5 * wn)).sum()), f, float((wp * r).sum())


@pytest.mark.parametrize("ties", ["none", "few", "most", "all"])
@pytest.mark.parametrize("weights", ["none", "float", "with zeros"])
def test_rank_terms_follow_their_definition(ties, weights):
    rng = np.random.default_rng(11)
    n = 400
    s = rng.random(n)
    if ties == "few":
        s[rng.choice(n, 12, replace=False)] = s[0]
    elif ties == "most":
        s = np.round(s, 2)
    else:
        s[:] = 0.5
    is_pos = rng.random(n) < 0.4
    w = None if weights == "none" else rng.random(n) * 2
    if weights == "with zeros":
        w[rng.choice(n, 40, replace=False)] = 0.0
    g, u0, f, f0 = rank_terms(s, is_pos, w)
    want = _terms_by_definition(s, is_pos, w)
    np.testing.assert_allclose(g, want[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(f, want[2], rtol=1e-10, atol=1e-13)
    assert (u0, f0) == pytest.approx((want[1], want[3]), rel=1e-12)


def _fresh_rank_columns(acc, lin):
    """The rank columns as the setup built them before the reuse: a fresh sort per class
    (rank_terms) and one of every cell (rank_row_sums), times the weights, in lin.order."""
    yt, key, w = acc.key_rows()
    n, c = key.shape
    binned = acc.rank_mode == "binned"

    def score(k):
        if binned:
            return key_bins(key[:, k], acc.rank_key, acc.auc_bins)
        return class_key(key, k, acc.rank_key)

    ww = np.ones(n) if w is None else w
    cols, u0s = [], []
    for k in range(c):
        g, u0, f, _ = rank_terms(score(k), yt == k, w)
        cols += [g * ww, f * ww]
        u0s.append(u0)
    cells = np.stack([score(k) for k in range(c)], axis=1).astype(np.float64)
    is_cell = (yt[:, None] == np.arange(c)).ravel()
    g, u0, f, _ = rank_row_sums(cells.ravel(), is_cell, None if w is None else np.repeat(w, c), n)
    cols += [g * ww, f * ww]
    return np.stack(cols, axis=1)[lin.order], u0s, u0


@pytest.mark.parametrize(
    "case", ["probs", "probs weighted", "ties weighted", "log-probs with 0", "binned", "labels"]
)
def test_linear_setup_rank_columns_equal_a_fresh_sort(case):
    rng = np.random.default_rng(9)
    n, c = 3000, 4
    y = rng.integers(0, c, n)
    z = rng.normal(0, 1, (n, c))
    z[np.arange(n), y] += 1.0
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    w = rng.random(n) * 2 if "weighted" in case else None
    settings = {}
    rank = None
    if case == "ties weighted":
        p = np.round(p, 2)
        p /= p.sum(axis=1, keepdims=True)
        w[:30] = 0.0
    elif case == "log-probs with 0":
        logp = np.log(p)
        logp[:20, 1] = 0.0  # probability 1 in float64: ranked by the log-odds (class_key)
        logp[:20, [0, 2, 3]] = -800.0 - np.arange(20)[:, None]
        settings["rank_key"] = "log-probs"
        rank, p = logp, np.exp(logp)
    elif case == "binned":
        settings["auc_bins"] = 50
    elif case == "labels":
        settings["labels"] = [2, 0]
    acc = ClassificationAccumulator("multiclass", c, keep_rows=True, **settings)
    half = n // 2  # two chunks
    for sl in (slice(0, half), slice(half, n)):
        acc.update(
            y[sl],
            p[sl],
            None if w is None else w[sl],
            rank_scores=None if rank is None else rank[sl],
        )
    lin = LinearClassification(acc)
    want, u0s, u0_micro = _fresh_rank_columns(acc, lin)
    got = lin.dense[:, lin.n_sum_cols : lin.n_metric_cols]
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6, atol=1e-6)
    base = lin.base[lin.n_sum_cols : lin.n_metric_cols]
    np.testing.assert_allclose(base, want.sum(axis=0), rtol=1e-12)
    assert [u for _, u in lin.ranked] == pytest.approx(u0s, rel=1e-13)
    assert lin.micro is not None and lin.micro[1] == pytest.approx(u0_micro, rel=1e-13)


@pytest.mark.parametrize("task,c", [("binary", 2), ("multiclass", 3)])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_linear_setup_of_no_or_few_rows(task, c, n):
    """No row, one row, two: the setup's columns are those of a fresh sort (none with no row)."""
    acc = ClassificationAccumulator(task, c, keep_rows=True)
    if n:
        rng = np.random.default_rng(12)
        if task == "binary":
            acc.update(np.arange(n) % 2 * 1.0, rng.random(n))
        else:
            p = rng.random((n, c))
            acc.update(np.arange(n) % c, p / p.sum(axis=1, keepdims=True))
    lin = LinearClassification(acc)
    assert lin.dense.shape[0] == n and np.isfinite(lin.base).all()
    if task == "multiclass" and n:
        want, u0s, u0_micro = _fresh_rank_columns(acc, lin)
        got = lin.dense[:, lin.n_sum_cols : lin.n_metric_cols]
        np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6, atol=1e-6)
        assert lin.micro[1] == u0_micro


def test_term_matrix_equals_column_by_column_writes():
    rng = np.random.default_rng(10)
    n, width = 20_000, 19  # more rows than a tile, groups of 8, 8 and 3 columns
    order = rng.permutation(n)
    cols = [rng.normal(size=n) for _ in range(width)]
    tm = TermMatrix(order, width)
    for j, col in enumerate(cols):
        tm.put(j, col)
    dense = tm.close()
    want = np.stack([col[order] for col in cols], axis=1).astype(np.float32)
    np.testing.assert_array_equal(dense, want)
    np.testing.assert_array_equal(tm.base, [col.sum() for col in cols])


def test_term_matrix_takes_columns_in_order_only():
    tm = TermMatrix(np.arange(3), 2)
    with pytest.raises(ValueError, match="column 1 out of order"):
        tm.put(1, np.zeros(3))
