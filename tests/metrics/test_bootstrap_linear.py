"""The linear --bootstrap path (issue 6): Poisson draws, linear sums, first-order AUC / AP.

Sources: scikit-learn (``roc_auc_score``, ``average_precision_score``) live for the rank
terms' values, finite differences of scikit-learn for their derivatives, and the exact
resampling (``ClassificationAccumulator.resample``, itself checked against scikit-learn in
test_metrics_resample.py) for the replicates on the same draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from helpers import run_json
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.bootstrap import (
    LinearTerms,
    draw_counts,
    linear_blocks,
    percentile_interval,
    poisson_counts,
    resample_stream,
)
from losscli.metrics import ClassificationAccumulator
from losscli.metrics.linear import (
    LinearClassification,
    linear_skipped,
    rank_row_sums,
    rank_terms,
)
from losscli.poisson import BYTE_CUTS, TAIL_BYTE, TAIL_CUTS, StreamBlock, tail_counts
from losscli.slabs import ProductPlan, SlabBuffers, chunked_product, linear_block


def _binary(n, seed=0, weighted=False, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(np.float64)
    p = 1 / (1 + np.exp(-(1.2 * y - 0.6 + rng.normal(0, 1, n))))
    if ties == "few":  # a handful of tie groups among distinct scores
        p[rng.choice(n, 9, replace=False)] = p[0]
        p[rng.choice(n, 3, replace=False)] = p[1]
    elif ties:
        p = np.round(p, 2)
    w = rng.random(n) * 2 if weighted else None
    return y, p, w


def _multiclass(n, k, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    z = rng.normal(0, 1, (n, k))
    z[np.arange(n), y] += 1.0
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    w = rng.random(n) * 2 if weighted else None
    return y, p, w


# -- the draws --------------------------------------------------------------------------------


def test_poisson_counts_have_poisson_frequencies():
    """P(c = k) within 4 standard errors of exp(-1) / k! over 2M draws."""
    from math import exp, factorial

    n = 2_000_000
    c = poisson_counts(resample_stream(3, 0), n)
    freq = np.bincount(c, minlength=9)[:6] / n
    expected = np.array([exp(-1) / factorial(k) for k in range(6)])
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(freq - expected) < 4 * se)


def test_the_byte_map_gives_poisson_probabilities_exactly():
    """The map's probabilities, worked out from its constants alone, are exp(-1) / k! to
    float64 rounding: bytes below the tail give their share of 256, a tail byte (3 of 256)
    the 2^-64 steps of its tail word's thresholds."""
    from fractions import Fraction
    from math import exp, factorial

    edges = [0, *BYTE_CUTS, TAIL_BYTE]
    byte_share = [Fraction(edges[k + 1] - edges[k], 256) for k in range(len(edges) - 1)]
    tail_edges = [0, *map(int, TAIL_CUTS), 2**64]
    tail_share = [Fraction(tail_edges[k + 1] - tail_edges[k], 2**64) for k in range(21)]
    tail_mass = Fraction(256 - TAIL_BYTE, 256)
    for k in range(21):
        p = (byte_share[k] if k < len(byte_share) else 0) + tail_mass * tail_share[k]
        assert abs(float(p) - exp(-1) / factorial(k)) < 1e-16, k


def test_counts_follow_the_bytes_and_tail_words_of_the_streams():
    """Row i's count is #{cuts <= byte i} below the tail byte, and for the k-th tail row
    #{TAIL_CUTS <= tail word k}: read back from copies of the resample's two streams."""
    n = 40_000
    counts = poisson_counts(resample_stream(21, 5), n)
    s = resample_stream(21, 5)
    v = s.bytes.random_raw((n + 7) // 8).view(np.uint8)[:n]
    below = v < TAIL_BYTE
    want = (v[:, None] >= np.array(BYTE_CUTS)[None, :]).sum(axis=1)
    assert np.array_equal(counts[below], want[below])
    tail = s.tail.random_raw(int((~below).sum()))
    want_tail = (tail[:, None] >= TAIL_CUTS[None, :]).sum(axis=1)
    assert np.array_equal(counts[~below], want_tail)
    assert 300 < (~below).sum() < 640  # about 3 / 256 of the rows


def test_tail_counts_from_the_prefix_table_equal_the_thresholds():
    """The table of 16-bit prefixes gives #{TAIL_CUTS <= word} for every word: at and beside
    each threshold, at both ends of each threshold's prefix, and for random words."""
    cuts = TAIL_CUTS.astype(object)
    edges = {0, 2**64 - 1}
    for t in cuts:
        start = (t >> 48) << 48
        edges |= {t - 1, t, t + 1, start, start + 2**48 - 1, max(start - 1, 0)}
    words = np.concatenate(
        [
            np.array(sorted(e for e in edges if 0 <= e < 2**64), dtype=np.uint64),
            np.random.default_rng(4).integers(0, 2**64 - 1, 200_000, dtype=np.uint64),
        ]
    )
    want = (words[:, None] >= TAIL_CUTS[None, :]).sum(axis=1)
    assert np.array_equal(tail_counts(words), want)


@pytest.mark.parametrize("n", [7, 64, 1001, 20_003])
def test_draw_counts_equal_the_linear_draws_row_by_row(n):
    """The exact path's counts (drawn at once) and the linear path's (in slabs of 16 rows)
    agree row by row: each row is its own segment, so its segment sum is its count."""
    ones = np.ones((n, 1), dtype=np.float32)
    bounds = np.arange(n + 1, dtype=np.intp)
    terms = LinearTerms(ones, np.array([float(n)]), bounds, ones, np.ones((n, 1)))
    ((dense, segs),) = linear_blocks(terms, 5, seed=3, slab=16, workers=1)
    counts = draw_counts(3, 0, 5, n)
    assert np.array_equal(segs[:, :, 0], counts)
    assert np.array_equal(dense[:, 0], counts.sum(axis=1))


def test_draws_do_not_depend_on_the_slab():
    """Row i always reads byte i of its resample's byte stream (and tail words in row order)."""
    whole = poisson_counts(resample_stream(9, 4), 1000)
    g = resample_stream(9, 4)
    parts = np.concatenate([poisson_counts(g, m) for m in (8, 400, 592)])
    assert np.array_equal(whole, parts)


@pytest.mark.parametrize("ahead", [0, 1, 7, 64, 1024])
@pytest.mark.parametrize("m", [8, 64, 1000])
@pytest.mark.parametrize(
    ("bytes_ahead", "chunk", "pad"), [(0, 32, 0), (1, 2, 8), (250, 3, 0), (4096, 1, 16)]
)
def test_stream_blocks_give_the_counts_whatever_the_read_ahead(ahead, m, bytes_ahead, chunk, pad):
    """StreamBlock hands row i byte i of its resample's byte stream and each tail row the next
    word of its tail stream, however many words it reads ahead (fewer or more than a slab's,
    or than all the rows), however many streams a pass takes and however wide ``out`` is;
    shift=1 gives the counts less one as int8."""
    n, b = 3000, 5
    blk = StreamBlock([resample_stream(2, j) for j in range(b)], ahead, bytes_ahead)
    got = np.empty((b, n), dtype=np.uint8)
    dev = np.empty((b, n), dtype=np.int8)
    twin = StreamBlock([resample_stream(2, j) for j in range(b)], ahead, bytes_ahead)
    words = np.empty((b, (m + 7) // 8), dtype=np.uint64) if not bytes_ahead else None
    for a in range(0, n, m):
        k = min(m, n - a)
        out = np.full((b, 8 * ((k + 7) // 8) + pad), 99, dtype=np.uint8)
        blk.fill(k, words, out, chunk=chunk)
        got[:, a : a + k] = out[:, :k]
        assert (out[:, 8 * ((k + 7) // 8) :] == 99).all()  # nothing written past the rows
        twin.fill(k, words, out.view(np.int8), shift=1, chunk=chunk)
        dev[:, a : a + k] = out.view(np.int8)[:, :k]
    want = np.stack([poisson_counts(resample_stream(2, j), n) for j in range(b)])
    assert np.array_equal(got, want)
    assert np.array_equal(dev, want.astype(np.int16) - 1)
    assert (want >= 5).any()  # some rows read tail words (count 5 or more is tail-only)


# -- the linear sums --------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 300),
    block=st.integers(1, 9),
    slab=st.sampled_from([8, 16, 56, 256]),
    n_boot=st.integers(1, 20),
    cuts=st.lists(st.integers(1, 299), max_size=6),
)
def test_linear_blocks_equal_counts_times_terms(n, block, slab, n_boot, cuts):
    """Dense and segment sums equal ``counts @ x`` of the same draws, for any block or slab."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.random((n, 2)).astype(np.float32)
    bounds = np.unique(np.r_[0, [c for c in cuts if c < n], n]).astype(np.intp)
    seg_base = np.add.reduceat(y.astype(np.float64), bounds[:-1], axis=0)
    terms = LinearTerms(x, x.astype(np.float64).sum(axis=0), bounds, y, seg_base)
    blocks = list(linear_blocks(terms, n_boot, seed=5, block=block, slab=slab))
    dense = np.concatenate([d for d, _ in blocks])
    segs = np.concatenate([s for _, s in blocks])
    counts = draw_counts(5, 0, n_boot, n).astype(np.float64)
    np.testing.assert_allclose(dense, counts @ x.astype(np.float64), rtol=1e-5, atol=1e-4)
    for s in range(bounds.size - 1):
        lo, hi = bounds[s], bounds[s + 1]
        want = counts[:, lo:hi] @ y[lo:hi].astype(np.float64)
        np.testing.assert_allclose(segs[:, s], want, rtol=1e-5, atol=1e-4)


def _structured_terms(n, kind, seed=0):
    """Terms with columns a ProductPlan leaves out of the products: copies of other columns,
    and columns that are a per-segment constant times the segments' first column."""
    rng = np.random.default_rng(seed)
    bounds = np.unique(np.r_[0, rng.integers(1, n, 5), n]).astype(np.intp)
    seg = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))
    w = np.ones(n, np.float32) if kind != "weighted" else rng.random(n).astype(np.float32) + 0.5
    free = rng.normal(size=(n, 3)).astype(np.float32)
    hit = (seg % 2).astype(np.float32)  # a 0/1 per segment, as a per-cell "correct"
    cols = [w, free[:, 0], w * hit, free[:, 1], free[:, 0], w, free[:, 2]]
    if kind == "near":  # one row off the per-segment multiple: must stay a product column
        cols[2] = cols[2].copy()
        cols[2][n // 2] += 1.0
    dense = np.ascontiguousarray(np.stack(cols, axis=1))
    seg_cols = np.stack([w, rng.random(n).astype(np.float32)], axis=1)
    seg_base = np.add.reduceat(seg_cols.astype(np.float64), bounds[:-1], axis=0)
    base = dense.astype(np.float64).sum(axis=0)
    return LinearTerms(dense, base, bounds, seg_cols, seg_base)


@pytest.mark.parametrize("kind", ["ones", "weighted", "near"])
@pytest.mark.parametrize("slab", [64, 256, 8192])
def test_columns_left_out_of_the_products_get_their_sums(kind, slab):
    """Copied and derived columns (weights, weight times a per-segment 0/1) have the sums of
    ``counts @ column``, as the columns multiplied; a column one row off is multiplied."""
    terms = _structured_terms(3000, kind)
    plan = ProductPlan(terms, slab)
    assert sorted(plan.derived.tolist()) == ([0, 5] if kind == "near" else [0, 2, 5])
    assert plan.src[4] == plan.src[1]  # column 4 is a copy of column 1
    blocks = list(linear_blocks(terms, 7, seed=4, block=3, slab=slab))
    dense = np.concatenate([d for d, _ in blocks])
    counts = draw_counts(4, 0, 7, 3000).astype(np.float64)
    want = counts @ terms.dense.astype(np.float64)
    np.testing.assert_allclose(dense, want, rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize(
    "cuts", [[], [5], [700, 701, 702, 703, 704, 705], list(range(10, 2990, 37))]
)
@pytest.mark.parametrize("slab", [64, 1024])
def test_lazy_plans_give_the_eager_sums(cuts, slab):
    """A plan that builds each fused slab's matrix when the slab comes (``eager=False``, the
    swaps') gives the very sums of one that built them all at the start."""
    n = 3000
    rng = np.random.default_rng(len(cuts))
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.random((n, 2)).astype(np.float32)
    bounds = np.unique(np.r_[0, cuts, n]).astype(np.intp)
    seg_base = np.add.reduceat(y.astype(np.float64), bounds[:-1], axis=0)
    terms = LinearTerms(x, x.astype(np.float64).sum(axis=0), bounds, y, seg_base)
    got = []
    for eager in (True, False):
        plan = ProductPlan(terms, slab, eager=eager)
        assert (plan.fused is None) is not eager
        got.append(linear_block(terms, plan, 3, 0, 5, SlabBuffers(5, slab)))
    assert np.array_equal(got[0][0], got[1][0]) and np.array_equal(got[0][1], got[1][1])


@pytest.mark.parametrize(
    ("weight", "derived"), [(1.0, True), (2.0, True), (3.0, False), (0.1, False)]
)
def test_columns_are_derived_only_where_the_multiple_is_exact(weight, derived):
    """A column of ones beside segment weights ``weight`` is ``(1 / weight) w``: derived from
    the segment sums only where ``1 / weight`` in float32 times the weight is exactly 1 (in
    float64), so integer sums of integer columns stay exact integers."""
    n = 5000
    ones = np.ones((n, 1), np.float32)
    w = np.full((n, 1), weight, np.float32)
    bounds = np.array([0, 2000, n])
    terms = LinearTerms(
        ones, np.array([float(n)]), bounds, w, np.array([[2000 * weight], [3000 * weight]])
    )
    plan = ProductPlan(terms, 1024)
    assert (plan.derived.tolist() == [0]) is derived
    ((dense, _),) = linear_blocks(terms, 3, seed=1, slab=1024)
    assert np.array_equal(dense[:, 0], draw_counts(1, 0, 3, n).sum(axis=1))


@pytest.mark.parametrize("shape", [(3, 10), (4, 1024), (5, 2048), (2, 5000), (7, 9000)])
def test_chunked_product_is_the_product(shape):
    rng = np.random.default_rng(shape[1])
    d = rng.integers(-1, 4, shape).astype(np.float32)
    x = rng.normal(size=(shape[1], 6)).astype(np.float32)
    got = chunked_product(d, x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, d.astype(np.float64) @ x, rtol=1e-5, atol=1e-3)


# -- the rank terms ---------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", [False, "few", True])
def test_rank_terms_give_scikit_learn_auc_and_ap(weighted, ties):
    y, p, w = _binary(3000, seed=1, weighted=weighted, ties=ties)
    g, u0, f, f0 = rank_terms(p, y == 1, w)
    ww = np.ones_like(p) if w is None else w
    pos, neg = ww[y == 1].sum(), ww[y == 0].sum()
    assert u0 / (pos * neg) == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w), abs=1e-12)
    assert f0 / pos == pytest.approx(skm.average_precision_score(y, p, sample_weight=w), abs=1e-12)
    assert (ww * g).sum() == pytest.approx(2 * u0, rel=1e-12)  # Euler: U has degree 2
    assert (ww * f).sum() == pytest.approx(f0, rel=1e-12)  # F has degree 1


@pytest.mark.parametrize("ties", ["none", "few", "many"])
@pytest.mark.parametrize("weighted", [False, True])
def test_rank_row_sums_are_the_cells_terms_summed_per_row(ties, weighted):
    """The micro terms: rank_terms of every (row, class) cell, summed over each row."""
    rng = np.random.default_rng(8)
    n, k = 500, 4
    cells = rng.random(n * k)
    if ties == "few":
        cells[rng.choice(n * k, 12, replace=False)] = cells[0]
    elif ties == "many":
        cells = np.round(cells, 1)
    is_pos = (rng.integers(0, k, n)[:, None] == np.arange(k)).ravel()
    w = np.repeat(rng.random(n) * 2, k) if weighted else None
    g, u0, f, f0 = rank_row_sums(cells, is_pos, w, n)
    g_c, u0_c, f_c, f0_c = rank_terms(cells, is_pos, w)
    np.testing.assert_allclose(g, g_c.reshape(n, k).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(f, f_c.reshape(n, k).sum(axis=1), rtol=1e-12, atol=1e-15)
    assert (u0, f0) == (u0_c, f0_c)
    ww = np.ones(n * k) if w is None else w
    pos, neg = ww[is_pos].sum(), ww[~is_pos].sum()
    want = skm.roc_auc_score(is_pos, cells, sample_weight=w)
    assert u0 / (pos * neg) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", [False, "few", True])
def test_rank_terms_are_the_derivatives(ties, weighted):
    """``sum_i d_i w_i g_i`` is the directional derivative of the AUC numerator (and AP's):
    central finite differences of scikit-learn with weights ``w (1 + eps d)``."""
    y, p, w = _binary(400, seed=2, weighted=weighted, ties=ties)
    w = np.ones_like(p) if w is None else w
    g, u0, f, f0 = rank_terms(p, y == 1, w)
    if not weighted:  # the unweighted path (no weights given) gives the same terms as w = 1
        g1, u1, f1, f01 = rank_terms(p, y == 1, None)
        assert (u1, f01) == pytest.approx((u0, f0), rel=1e-12)
        np.testing.assert_allclose(g1, g, rtol=1e-12)
        np.testing.assert_allclose(f1, f, rtol=1e-12, atol=1e-15)
    d = np.random.default_rng(0).normal(size=p.size)
    eps = 1e-6

    def numerators(v):
        pos, neg = v[y == 1].sum(), v[y == 0].sum()
        auc = skm.roc_auc_score(y, p, sample_weight=v)
        ap = skm.average_precision_score(y, p, sample_weight=v)
        return auc * pos * neg, ap * pos

    up, down = numerators(w * (1 + eps * d)), numerators(w * (1 - eps * d))
    assert (up[0] - down[0]) / (2 * eps) == pytest.approx((d * w * g).sum(), rel=1e-5)
    assert (up[1] - down[1]) / (2 * eps) == pytest.approx((d * w * f).sum(), rel=1e-5)


# -- linear against exact replicates ----------------------------------------------------------


def _replicates(acc, n_boot, seed):
    lin = LinearClassification(acc)
    terms = LinearTerms(lin.dense, lin.base, lin.bounds, lin.seg_cols, lin.seg_base)
    linear = [
        lin.metrics(d[b], s[b])
        for d, s in linear_blocks(terms, n_boot, seed)
        for b in range(d.shape[0])
    ]
    drawn = draw_counts(seed, 0, n_boot, acc.n_rows)
    counts = np.empty_like(drawn)
    counts[:, lin.order] = drawn  # the linear path draws row lin.order[p] at position p
    return linear, acc.resample(counts)


@pytest.mark.slow
@pytest.mark.parametrize(
    "task,weighted", [("binary", False), ("binary", True), ("multiclass", True)]
)
def test_linear_replicates_match_exact_replicates_on_the_same_draws(task, weighted):
    """Sums-based metrics agree to float32 rounding; AUC / AP replicates stay within 15% of
    their spread (the neglected second-order term) and the 90% interval ends within 10% of
    the interval's width."""
    n = 60_000
    if task == "binary":
        y, p, w = _binary(n, seed=4, weighted=weighted)
        acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    else:
        y, p, w = _multiclass(n, 4, seed=4, weighted=weighted)
        acc = ClassificationAccumulator("multiclass", 4, keep_rows=True)
    acc.update(y, p, w)
    linear, exact = _replicates(acc, 96, seed=12)
    ranked = {"roc_auc", "average_precision"}
    for name in exact[0]:
        if name in linear_skipped(acc):  # the one-vs-one AUC: not resampled on this path
            assert all(r[name] is None for r in linear), name
            continue
        a = np.array([np.nan if r[name] is None else r[name] for r in linear], float)
        e = np.array([np.nan if r[name] is None else r[name] for r in exact], float)
        if np.all(np.isnan(e)):
            assert np.all(np.isnan(a)), name
            continue
        spread = np.nanstd(e)
        if not spread > 0:
            np.testing.assert_allclose(a, e, atol=1e-9, err_msg=name)
            continue
        diff = np.nanmax(np.abs(a - e)) / spread
        if any(name.startswith(r) for r in ranked):
            assert diff < 0.15, (name, diff)
            ia, ie = percentile_interval(a, 0.9), percentile_interval(e, 0.9)
            width = ie[1] - ie[0]
            assert abs(ia[0] - ie[0]) < 0.1 * width and abs(ia[1] - ie[1]) < 0.1 * width, name
        else:
            assert diff < 1e-4, (name, diff)


def test_linear_point_values_equal_the_report():
    """At c = 1 (no resampling) the linear path gives the accumulator's own metrics."""
    y, p, w = _multiclass(20_000, 3, seed=6, weighted=True)
    acc = ClassificationAccumulator("multiclass", 3, keep_rows=True)
    acc.update(y, p, w)
    lin = LinearClassification(acc)
    want = acc.result().metrics
    got = lin.metrics(lin.base, lin.seg_base)
    for name, value in want.items():
        if name in linear_skipped(acc):  # the one-vs-one AUC: not resampled on this path
            assert got[name] is None, name
        elif value is None:
            assert got[name] is None, name
        else:
            assert got[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name


def test_usable_needs_enough_positives_and_negatives():
    y, p, _ = _binary(20_000, seed=7)
    acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    acc.update(y, p)
    assert LinearClassification.usable(acc)
    rare = np.zeros_like(y)
    rare[:100] = 1
    acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    acc.update(rare, p)
    assert not LinearClassification.usable(acc)


# -- through the CLI --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_binary(tmp_path_factory):
    y, p, _ = _binary(60_000, seed=8)
    path = tmp_path_factory.mktemp("lin") / "big.csv"
    pd.DataFrame({"label": y.astype(int), "prob": p}).to_csv(path, index=False)
    return path


def test_compute_bootstrap_takes_the_linear_path_on_large_data(big_binary):
    args = ("compute", big_binary, "--bootstrap", "200", "--seed", "3", "--loss", "bce")
    d = run_json(*args, "--loss", "focal")
    ci = d["ci"]
    assert (ci["method"], ci["resampling"], ci["evaluation"]) == ("percentile", "poisson", "linear")
    assert "ci_resampling=poisson" in d["signature"]
    for name in ("bce", "focal", "accuracy", "f1", "roc_auc", "average_precision", "ece"):
        low, high = ci["intervals"][name]
        value = d["losses"].get(name, d["metrics"].get(name))
        assert low < value < high, name
    again = run_json(*args, "--loss", "focal")
    assert again["ci"] == ci


@pytest.mark.slow
@pytest.mark.parametrize("chunk", ["7001", "60000"])
def test_linear_intervals_do_not_depend_on_the_chunking(big_binary, chunk):
    """The same seed gives the same intervals however the file is read (the draws follow the
    rows' (cell, bin) order, not the chunks)."""
    args = ("compute", big_binary, "--bootstrap", "150", "--seed", "4")
    whole = run_json(*args)["ci"]
    assert whole["evaluation"] == "linear"
    assert run_json(*args, "--chunk-size", chunk)["ci"] == whole


@pytest.mark.parametrize("segments", [False, True])
def test_linear_blocks_do_not_depend_on_the_workers(segments):
    """Blocks come back in order and each resample draws its own streams: one worker or
    three give the very same sums."""
    rng = np.random.default_rng(6)
    n = 5000
    x = rng.normal(size=(n, 3)).astype(np.float32)
    bounds = np.array([0, 1200, 1210, 4000, n], dtype=np.intp) if segments else None
    y = rng.random((n, 2)).astype(np.float32)
    seg_base = None if bounds is None else np.add.reduceat(y.astype(float), bounds[:-1], axis=0)
    terms = LinearTerms(
        x, x.astype(np.float64).sum(axis=0), bounds, y if segments else None, seg_base
    )
    runs = [list(linear_blocks(terms, 50, seed=2, block=8, slab=64, workers=k)) for k in (1, 3)]
    for (d1, s1), (d3, s3) in zip(*runs, strict=True):
        assert np.array_equal(d1, d3)
        assert (s1 is None and s3 is None) or np.array_equal(s1, s3)


@pytest.mark.slow
def test_linear_and_exact_paths_give_close_intervals(big_binary, monkeypatch):
    """Forcing the exact path (LINEAR_MIN_ROWS above n) moves no interval end by more than a
    fifth of its width. The linear path draws rows in (cell, bin) order and the exact one in
    file order, so the two differ by the Monte Carlo error of 400 resamples (about 5% of the
    width per end) on top of the linearisation."""
    args = ("compute", big_binary, "--bootstrap", "400", "--seed", "5")
    linear = run_json(*args)["ci"]
    from losscli.pipeline import intervals

    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 10**9)
    exact = run_json(*args)["ci"]
    assert exact["evaluation"] == "exact"
    for name, (low, high) in exact["intervals"].items():
        width = high - low
        lo2, hi2 = linear["intervals"][name]
        assert abs(lo2 - low) <= 0.2 * width + 1e-12, name
        assert abs(hi2 - high) <= 0.2 * width + 1e-12, name
