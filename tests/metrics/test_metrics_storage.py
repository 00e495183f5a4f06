"""Compact stored scores and the binned ranking mode of ClassificationAccumulator.

References: the rows as given (concatenated with numpy) for ``stored()`` / ``scores()``;
scikit-learn live (``roc_auc_score``, ``average_precision_score``) for the per-class AUC and
AP computed from the compact storage; for the binned mode, the exact mode of the same
accumulator (equal when bins cannot split ties) and the documented error bound.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from losscli.metrics import ClassificationAccumulator
from losscli.metrics.keys import auc_bin_index
from losscli.metrics.storage import BinaryChunk, LabelChunk

C = {"binary": 2, "multiclass": 4, "multilabel": 3}


def make_rows(task, seed, n, *, f32=False):
    rng = np.random.default_rng(seed)
    c = C[task]
    if task == "binary":
        y = rng.integers(0, 2, n).astype(float)
        p = rng.random(n)
    elif task == "multiclass":
        y = rng.integers(0, c, n)
        p = rng.dirichlet(np.ones(c), n)
    else:
        y = (rng.random((n, c)) < 0.4).astype(float)
        p = rng.random((n, c))
    if f32:  # probabilities exact in float32 (e.g. from a float32 model output)
        p = p.astype(np.float32).astype(np.float64)
    return c, y, p


def feed(task, c, y, p, w, cuts, **kw):
    """Accumulate in chunks (cut at ``cuts``), half of them in a second accumulator merged in."""
    first = ClassificationAccumulator(task, c, **kw)
    second = ClassificationAccumulator(task, c, **kw)
    bounds = [0, *cuts, len(y)]
    half = len(bounds) // 2
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        acc = first if i < half else second
        acc.update(y[a:b], p[a:b], None if w is None else w[a:b])
    return first.merge(second)


@pytest.mark.parametrize("task", list(C))
@pytest.mark.parametrize("weights", ["none", "all", "some_chunks"])
@pytest.mark.parametrize("f32", [False, True])
def test_stored_and_scores_give_back_the_rows(task, weights, f32):
    c, y, p = make_rows(task, 11, 57, f32=f32)
    rng = np.random.default_rng(2)
    w = None if weights == "none" else rng.random(57) * 2
    cuts = [10, 10, 23, 40]
    acc = ClassificationAccumulator(task, c)
    bounds = [0, *cuts, 57]
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        ww = None
        if w is not None and (weights == "all" or i % 2):
            ww = w[a:b]
        acc.update(y[a:b], p[a:b], ww)
    yt, yp, sw = acc.stored()
    assert yt.dtype == (np.int64 if task == "multiclass" else np.float64)
    assert yp.dtype == np.float64
    np.testing.assert_array_equal(yt, y)
    np.testing.assert_array_equal(yp, p)
    if weights == "none":
        assert sw is None
    else:
        expect = np.ones(57)
        for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            if weights == "all" or i % 2:
                expect[a:b] = w[a:b]
        np.testing.assert_array_equal(sw, expect)
    per_class = acc.scores()
    assert len(per_class) == c
    for k, (yk, sk, wk) in enumerate(per_class):
        if task == "binary":
            ref_y, ref_s = (1.0 - y, 1.0 - p) if k == 0 else (y, p)
        elif task == "multiclass":
            ref_y, ref_s = (y == k).astype(float), p[:, k]
        else:
            ref_y, ref_s = y[:, k], p[:, k]
        np.testing.assert_array_equal(yk, ref_y)
        np.testing.assert_array_equal(sk, ref_s)
        assert (wk is None) == (sw is None)


def test_storage_is_compact():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1000).astype(float)
    exact32 = rng.random(1000).astype(np.float32).astype(np.float64)
    acc = ClassificationAccumulator("binary", 2)
    acc.update(y, exact32)
    acc.update(y, rng.random(1000))  # not exact in float32: kept as float64
    first, second = acc.rows.chunks
    assert isinstance(first, BinaryChunk)
    assert first.n == 1000 and first.bits.nbytes == 125  # one bit of label per row
    assert first.pos_keys.dtype == first.neg_keys.dtype == np.float32
    assert first.pos_keys.size + first.neg_keys.size == 1000
    assert first.pos_weights is None and first.neg_weights is None
    assert second.pos_keys.dtype == np.float64
    mc = ClassificationAccumulator("multiclass", 3)
    mc.update(np.array([0, 2]), np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]))
    (chunk,) = mc.rows.chunks
    assert isinstance(chunk, LabelChunk)
    assert chunk.labels.dtype == np.int8 and chunk.keys.dtype == np.float64
    big = ClassificationAccumulator("multiclass", 300)
    big.update(np.array([299]), np.full((1, 300), 1 / 300))
    assert big.rows.chunks[0].labels.dtype == np.int16
    ml = ClassificationAccumulator("multilabel", 2)
    ml.update(np.array([[1.0, 0.0]]), np.array([[0.75, 0.5]]))
    assert ml.rows.chunks[0].labels.dtype == bool and ml.rows.chunks[0].keys.dtype == np.float32
    assert ml.stored()[1].tolist() == [[0.75, 0.5]]


def sk_pair(y, s, w):
    ww = np.ones(len(y)) if w is None else w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auc = roc_auc_score(y, s, sample_weight=w) if 0 < ww[y == 1].sum() < ww.sum() else None
        ap = average_precision_score(y, s, sample_weight=w) if ww[y == 1].sum() > 0 else None
    return auc, ap


@pytest.mark.parametrize("task", list(C))
@pytest.mark.parametrize("seed", range(6))
def test_per_class_ranking_from_compact_storage_matches_sklearn(task, seed):
    rng = np.random.default_rng(seed)
    c, y, p = make_rows(task, seed, 300, f32=seed % 2 == 0)
    if seed % 3 == 0:  # ties, exact 0 and 1, and tiny p whose 1 - p rounds to 1
        p = np.where(rng.random(p.shape) < 0.3, rng.choice([0.0, 1e-20, 3e-19, 0.5, 1.0]), p)
    w = None if seed % 2 else rng.random(300) * (rng.random(300) < 0.8)
    res = feed(task, c, y, p, w, [50, 120, 121, 200]).result()
    for k, row in enumerate(res.per_class):
        if task == "binary":
            yk, sk = (1 - y, 1.0 - p) if k == 0 else (y, p)
        elif task == "multiclass":
            yk, sk = (y == k).astype(int), p[:, k]
        else:
            yk, sk = y[:, k], p[:, k]
        ref = sk_pair(yk, sk, w)
        for ours, theirs in zip((row["roc_auc"], row["average_precision"]), ref):
            assert (ours is None) == (theirs is None)
            if ours is not None:
                assert abs(ours - theirs) <= 1e-12, (k, ours, theirs)


def test_sorting_for_result_keeps_the_stored_order():
    c, y, p = make_rows("binary", 4, 200)
    acc = ClassificationAccumulator("binary", c)
    acc.update(y, p)
    acc.result()
    np.testing.assert_array_equal(acc.stored()[1], p)


# -- binned mode ---------------------------------------------------------------------------


def test_bin_index_rule():
    # bins [0, .25) [.25, .5) [.5, .75) [.75, 1]: the last closed, as the calibration bins
    s = np.array([0.0, 0.2499, 0.25, 0.5, 0.7499999, 0.75, 0.999, 1.0])
    assert auc_bin_index(s, 4).tolist() == [0, 0, 1, 2, 2, 3, 3, 3]


def close(a, b, tol=1e-12):
    return (a is None and b is None) or (
        a is not None and b is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    )


@pytest.mark.parametrize("task", list(C))
@pytest.mark.parametrize("weighted", [False, True])
def test_binned_equals_exact_on_bin_centres(task, weighted):
    bins = 16
    rng = np.random.default_rng(5)
    c, y, _ = make_rows(task, 5, 400)
    shape = (400,) if task == "binary" else (400, c)
    p = (rng.integers(0, bins, shape) + 0.5) / bins  # every score a bin centre
    w = rng.random(400) * 2 if weighted else None
    exact = feed(task, c, y, p, w, [100, 250]).result()
    binned = feed(task, c, y, p, w, [100, 250], auc_bins=bins).result()
    for name in ("roc_auc", "average_precision", "roc_auc_macro", "average_precision_macro"):
        if name in exact.metrics:
            assert close(exact.metrics[name], binned.metrics[name]), name
    for re, rb in zip(exact.per_class, binned.per_class):
        assert close(re["roc_auc"], rb["roc_auc"]) and close(
            re["average_precision"], rb["average_precision"]
        )
    assert binned.auc_bins == bins and exact.auc_bins is None
    assert any(
        w.startswith("roc_auc and average_precision are binned (--auc-bins 16)")
        for w in binned.warnings
    )


def test_binned_equals_exact_with_one_distinct_score_per_bin():
    rng = np.random.default_rng(8)
    values = np.sort(rng.random(20))
    bins = auc_bin_index(values, 1024)
    values = values[np.r_[True, bins[1:] != bins[:-1]]]  # at most one distinct value per bin
    p = rng.choice(values, 500)
    y = (rng.random(500) < p).astype(float)
    exact = feed("binary", 2, y, p, None, [200]).result()
    binned = feed("binary", 2, y, p, None, [200], auc_bins=1024).result()
    assert close(exact.metrics["roc_auc"], binned.metrics["roc_auc"])
    assert close(exact.metrics["average_precision"], binned.metrics["average_precision"])


@pytest.mark.parametrize("task", list(C))
@pytest.mark.parametrize("seed", range(8))
def test_binned_error_within_the_bound(task, seed):
    rng = np.random.default_rng(seed)
    c, y, p = make_rows(task, seed, 600)
    w = rng.random(600) if seed % 2 else None
    bins = [4, 10, 64, 1024][seed % 4]
    exact = feed(task, c, y, p, w, [300]).result()
    binned = feed(task, c, y, p, w, [300], auc_bins=bins).result()
    bound = binned.ranking_error_bound
    # binned: no one-vs-one AUC (it needs the rows); the per-row AP of the samples is exact
    unbinned = {"roc_auc_ovo_macro", "roc_auc_ovo_weighted", "average_precision_samples"}
    ranked = {k for k in exact.metrics if "roc_auc" in k or "average_precision" in k}
    assert set(bound) == ranked - unbinned
    for name in unbinned & set(exact.metrics):
        want = exact.metrics[name] if name == "average_precision_samples" else None
        assert binned.metrics[name] == want, name
    for name, b in bound.items():
        diff = abs(exact.metrics[name] - binned.metrics[name])
        assert diff <= b + 1e-12, (name, diff, b)
    for re, rb in zip(exact.per_class, binned.per_class):
        for key in ("roc_auc", "average_precision"):
            assert (re[key] is None) == (rb[key] is None)
    if bins == 1024 and task == "binary":
        assert bound["roc_auc"] < 1e-3  # fine bins: a small bound on smooth data


def test_binned_bound_is_half_the_share_of_pairs_in_a_shared_bin():
    # 2 positives, 2 negatives; bins of width 1/2: pos (0.1, 0.7), neg (0.2, 0.9)
    acc = ClassificationAccumulator("binary", 2, auc_bins=2)
    acc.update(np.array([1.0, 1.0, 0.0, 0.0]), np.array([0.1, 0.7, 0.2, 0.9]))
    res = acc.result()
    # pairs sharing a bin: (0.1, 0.2) and (0.7, 0.9): 2 of 4, bound 1/4
    assert res.ranking_error_bound["roc_auc"] == 0.25
    # exact AUC 1/4 (only 0.7 > 0.2); binned: 0.7 > 0.2 plus 1/2 per shared pair -> 2/4: the
    # bound is reached
    assert res.metrics["roc_auc"] == 0.5
    # AP: exact and binned both 1/2; bound (1/2 + 1/6) / 2 (bin [.5, 1]: precision 0..1 vs
    # 1/2 binned; bin [0, .5): 1/3..2/3 vs 1/2)
    assert res.metrics["average_precision"] == 0.5
    assert abs(res.ranking_error_bound["average_precision"] - 1 / 3) < 1e-15
    msg = [w for w in res.warnings if "binned" in w]
    assert msg == [
        "roc_auc and average_precision are binned (--auc-bins 2): scores in the same bin count "
        "as tied; roc_auc is within 0.25 of the exact value (half the share of "
        "positive-negative pairs that share a bin) and average_precision within 0.33."
    ]


@pytest.mark.parametrize("task", list(C))
def test_binned_merge_equals_one_pass(task):
    c, y, p = make_rows(task, 3, 250)
    w = np.random.default_rng(1).random(250)
    one = ClassificationAccumulator(task, c, auc_bins=32)
    one.update(y, p, w)
    merged = feed(task, c, y, p, w, [30, 31, 170], auc_bins=32)
    np.testing.assert_allclose(merged.sums.hist, one.sums.hist, rtol=1e-12, atol=1e-12)
    a, b = one.result(), merged.result()
    for k in a.metrics:
        assert close(a.metrics[k], b.metrics[k], 1e-10), k
    with pytest.raises(ValueError, match="different settings"):
        one.merge(ClassificationAccumulator(task, c, auc_bins=16))


def test_binned_keeps_no_scores():
    acc = ClassificationAccumulator("multiclass", 3, auc_bins=100)
    acc.update(np.array([0, 1, 2]), np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]))
    assert acc.rows.chunks == []
    with pytest.raises(ValueError, match="binned ranking"):
        acc.stored()
    with pytest.raises(ValueError, match="binned ranking"):
        acc.scores()
    assert acc.result().metrics["roc_auc_macro"] == 1.0


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_auc_bins_must_be_a_positive_whole_number(bad):
    from losscli.errors import UsageError

    with pytest.raises(UsageError, match="auc_bins"):
        ClassificationAccumulator("binary", 2, auc_bins=bad)


@pytest.mark.parametrize("c", [2, 3, 10, 300])
def test_brier_multiclass_in_row_blocks_is_bit_identical(c):
    # brute force: the one-hot matrix and (onehot - p)^2 summed per row, in one piece
    from losscli.metrics.calibration import brier_multiclass

    rng = np.random.default_rng(c)
    n = 40_000 if c <= 10 else 2_000  # several row blocks of the blocked computation
    p = rng.dirichlet(np.ones(c), n)
    y = rng.integers(0, c, n)
    onehot = np.zeros_like(p)
    onehot[np.arange(n), y] = 1.0
    ref = np.sum((onehot - p) ** 2, axis=1) * (0.5 if c < 3 else 1.0)
    np.testing.assert_array_equal(brier_multiclass(y, p), ref)


def test_compact_floats_checks_every_value():
    from losscli.metrics._common import compact_floats

    x = np.full(5000, 0.5)
    assert compact_floats(x).dtype == np.float32
    x[4999] = 0.1  # one value past the first 1024 is not exact in float32
    kept = compact_floats(x)
    assert kept.dtype == np.float64 and kept[4999] == 0.1
