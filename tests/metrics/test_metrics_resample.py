"""Row resampling (``resample(counts)``) of both accumulators.

The independent reference is brute force: a fresh accumulator fed ``np.repeat`` of the rows
(labels, probabilities and weights) by ``counts[b]``, whose ``result().metrics`` must equal
``resample(counts)[b]`` to 1e-9; for float counts, a fresh accumulator fed the rows with
weights ``counts[b] * w``. Rows go in chunks split over two merged accumulators, so "update
order across merges" is exercised too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import N_CLASSES as C
from synthetic import make_data

from losscli.metrics import ClassificationAccumulator, RegressionAccumulator

TOL = 1e-9


def make_rows(task, seed, n):
    c, y, p, _ = make_data(task, seed, n)
    return c, y, p


def same_metrics(ours, ref, where=""):
    assert ours.keys() == ref.keys(), where
    for k in ref:
        a, b = ours[k], ref[k]
        assert (a is None) == (b is None), (where, k, a, b)
        if b is not None:
            assert math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), (where, k, a, b)


def feed_split(make, y, p, w, cut):
    first, second = make(), make()
    first.update(y[:cut], p[:cut], None if w is None else w[:cut])
    second.update(y[cut:], p[cut:], None if w is None else w[cut:])
    return first.merge(second)


@settings(max_examples=150, deadline=None)
@given(
    task=st.sampled_from(list(C)),
    seed=st.integers(0, 2**31),
    n=st.integers(1, 40),
    cut=st.integers(0, 40),
    weights=st.sampled_from(["none", "positive", "with_zeros"]),
    zero_division=st.sampled_from(["warn", 0, 1, "nan"]),
    ranking=st.sampled_from(["exact", "binned", "off"]),
    n_resamples=st.integers(1, 4),
)
def test_classification_resample_equals_repeated_rows(
    task, seed, n, cut, weights, zero_division, ranking, n_resamples
):
    c, y, p = make_rows(task, seed, n)
    rng = np.random.default_rng(seed + 1)
    w = None
    if weights != "none":
        w = rng.random(n) * 2
        if weights == "with_zeros":
            w[rng.random(n) < 0.3] = 0.0
    kw = {"beta": 2.0}
    if task == "multiclass":
        kw["top_k"] = int(rng.integers(1, c + 1))
    if ranking == "binned":
        kw["auc_bins"] = int(rng.choice([2, 8, 100]))
    elif ranking == "off":
        kw["keep_scores"] = False
    acc = feed_split(
        lambda: ClassificationAccumulator(task, c, keep_rows=True, **kw), y, p, w, min(cut, n)
    )
    counts = rng.integers(0, 3, (n_resamples, n)).astype(np.int32)
    if n_resamples > 1:
        counts[0] = 0  # an empty resample: everything undefined, as result() says
    if n_resamples > 2 and task != "multilabel":
        labels = y if task == "multiclass" else y.astype(int)
        counts[1, labels == labels[0]] = 0  # a class absent
    got = acc.resample(counts, zero_division=zero_division)
    assert len(got) == n_resamples
    for b in range(n_resamples):
        ref = ClassificationAccumulator(task, c, **kw)
        rep = counts[b]
        ref.update(
            np.repeat(y, rep, axis=0),
            np.repeat(p, rep, axis=0),
            None if w is None else np.repeat(w, rep),
        )
        same_metrics(got[b], ref.result(zero_division=zero_division).metrics, f"resample {b}")


@pytest.mark.parametrize("task", list(C))
@pytest.mark.parametrize("seed", range(5))
def test_float_counts_are_weights(task, seed):
    c, y, p = make_rows(task, seed, 30)
    rng = np.random.default_rng(seed)
    w = rng.random(30) if seed % 2 else None
    kw = {"top_k": 2} if task == "multiclass" else {}
    acc = feed_split(lambda: ClassificationAccumulator(task, c, keep_rows=True, **kw), y, p, w, 9)
    counts = rng.random((3, 30)) * 2
    counts[:, :4] = 0.0
    for b, got in enumerate(acc.resample(counts)):
        ref = ClassificationAccumulator(task, c, **kw)
        ref.update(y, p, counts[b] * (1.0 if w is None else w))
        same_metrics(got, ref.result().metrics, f"resample {b}")


@pytest.mark.parametrize("task", list(C))
def test_all_ones_is_result_and_cache_follows_updates(task):
    c, y, p = make_rows(task, 7, 50)
    acc = ClassificationAccumulator(task, c, keep_rows=True)
    acc.update(y[:20], p[:20])
    same_metrics(acc.resample(np.ones(20, dtype=int))[0], acc.result().metrics)
    acc.update(y[20:], p[20:])  # the per-row terms are rebuilt for 50 rows
    assert acc.n_rows == 50
    same_metrics(acc.resample(np.ones((1, 50)))[0], acc.result().metrics)
    other = ClassificationAccumulator(task, c, keep_rows=True)
    other.update(y[:5], p[:5])
    acc.merge(other)
    same_metrics(acc.resample(np.ones(55, dtype=np.int64))[0], acc.result().metrics)


def test_resample_needs_keep_rows_and_good_counts():
    acc = ClassificationAccumulator("binary", 2)
    acc.update(np.array([0.0, 1.0]), np.array([0.3, 0.6]))
    with pytest.raises(ValueError, match="keep_rows=True"):
        acc.resample(np.ones((1, 2)))
    acc = ClassificationAccumulator("binary", 2, keep_rows=True)
    acc.update(np.array([0.0, 1.0]), np.array([0.3, 0.6]))
    with pytest.raises(ValueError, match=r"shape \(B, 2\)"):
        acc.resample(np.ones((1, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        acc.resample(np.array([[1, -1]]))
    with pytest.raises(ValueError, match="non-negative"):
        acc.resample(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="different settings"):
        acc.merge(ClassificationAccumulator("binary", 2))
    assert acc.resample(np.zeros((0, 2))) == []
    with pytest.raises(ValueError, match="keep_rows=True"):
        RegressionAccumulator().resample(np.ones((1, 0)))
    with pytest.raises(ValueError, match="keep_rows"):
        RegressionAccumulator(keep_rows=True).merge(RegressionAccumulator())


def test_keep_rows_with_binned_ranking_keeps_no_scores_for_curves():
    acc = ClassificationAccumulator("binary", 2, keep_rows=True, auc_bins=10)
    acc.update(np.array([0.0, 1.0, 1.0]), np.array([0.31, 0.35, 0.9]))
    with pytest.raises(ValueError, match="binned"):
        acc.stored()
    # 0.31 and 0.35 share the bin [0.3, 0.4): the resample counts them tied, as result() does
    assert acc.resample(np.array([1, 1, 0]))[0]["roc_auc"] == 0.5
    assert acc.result().metrics["roc_auc"] == 0.75


# -- regression ------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 30),
    k=st.integers(1, 3),
    cut=st.integers(0, 30),
    weights=st.sampled_from(["none", "positive", "with_zeros"]),
    constant=st.booleans(),
)
def test_regression_resample_equals_repeated_rows(seed, n, k, cut, weights, constant):
    rng = np.random.default_rng(seed)
    yt = np.round(rng.normal(size=(n, k)) * 3 + 10, 2)
    yp = yt + np.round(rng.normal(size=(n, k)), 2)
    if constant:
        yt[:, 0] = 2.5  # a constant output: R^2 follows scikit-learn's force_finite rule
    w = None
    if weights != "none":
        w = rng.random(n) * 2
        if weights == "with_zeros":
            w[rng.random(n) < 0.3] = 0.0
    acc = feed_split(lambda: RegressionAccumulator(keep_rows=True), yt, yp, w, min(cut, n))
    counts = rng.integers(0, 3, (4, n))
    counts[0] = 0
    counts[1] = 0
    counts[1, rng.integers(0, n)] = 3  # one row three times: constant y, R^2 rule
    for b, got in enumerate(acc.resample(counts)):
        ref = RegressionAccumulator()
        ref.update(
            np.repeat(yt, counts[b], axis=0),
            np.repeat(yp, counts[b], axis=0),
            None if w is None else np.repeat(w, counts[b]),
        )
        same_metrics(got, ref.result().metrics, f"resample {b}")


def test_regression_resample_is_precise_for_a_tight_spread_far_from_the_mean():
    # two rows near 1000 with a 0.001 spread, one at 0: resampling only the two keeps R^2's
    # denominator (5e-7) exact, although the mean of all rows is far from theirs
    yt = np.array([0.0, 1000.0, 1000.001])
    yp = np.array([0.5, 1000.0002, 1000.0009])
    acc = RegressionAccumulator(keep_rows=True)
    acc.update(yt, yp)
    ref = RegressionAccumulator()
    ref.update(yt[1:], yp[1:])
    same_metrics(acc.resample(np.array([0, 1, 1]))[0], ref.result().metrics)


def test_copies_and_pickles_leave_the_resample_cache_behind():
    import copy
    import pickle

    c, y, p = make_rows("multiclass", 3, 40)
    acc = ClassificationAccumulator("multiclass", c, keep_rows=True)
    acc.update(y, p)
    first = acc.resample(np.ones((1, 40), dtype=int))
    assert acc._rows_cache is not None
    for other in (copy.deepcopy(acc), pickle.loads(pickle.dumps(acc))):
        assert other._rows_cache is None and acc._rows_cache is not None
        same_metrics(other.resample(np.ones((1, 40), dtype=int))[0], first[0])
    reg = RegressionAccumulator(keep_rows=True)
    reg.update(np.array([1.0, 2.0]), np.array([1.5, 2.0]))
    reg.resample(np.ones((1, 2)))
    assert copy.deepcopy(reg)._rows_cache is None and reg._rows_cache is not None
