"""Property tests: chunking, merging, shuffling and unit weights change nothing.

The reference here is the one-pass result of the same accumulator (the parity of that result
with scikit-learn is test_metrics_sklearn.py): any split of the rows into chunks, accumulated
in separate accumulators and merged in any order, gives the same metrics; so does any row
order; and all-ones sample weights equal no weights.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import make_data

from losscli.metrics import ClassificationAccumulator, RegressionAccumulator

TOL = 1e-10


def build(task, c, **kw):
    extra = {"top_k": 2} if task == "multiclass" else {}
    return ClassificationAccumulator(task, c, beta=2.0, **extra, **kw)


def assert_same(a, b):
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        x, y = a.metrics[k], b.metrics[k]
        assert (x is None) == (y is None), k
        if x is not None:
            assert math.isclose(x, y, rel_tol=TOL, abs_tol=TOL), (k, x, y)
    assert len(a.per_class) == len(b.per_class)
    for ra, rb in zip(a.per_class, b.per_class, strict=True):
        for k in ra:
            if isinstance(ra[k], str) or ra[k] is None or rb[k] is None:
                assert ra[k] == rb[k], k
            else:
                assert math.isclose(ra[k], rb[k], rel_tol=TOL, abs_tol=TOL), (k, ra[k], rb[k])
    np.testing.assert_allclose(
        np.array(a.confusion_matrix, dtype=float),
        np.array(b.confusion_matrix, dtype=float),
        rtol=TOL,
        atol=TOL,
    )
    assert sorted(a.warnings) == sorted(b.warnings)


@settings(max_examples=40, deadline=None)
@given(
    task=st.sampled_from(["binary", "multiclass", "multilabel"]),
    seed=st.integers(0, 2**31),
    n=st.integers(1, 60),
    cuts=st.lists(st.integers(0, 60), max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_chunks_merged_in_any_order_equal_one_pass(task, seed, n, cuts, order):
    c, y, p, w = make_data(task, seed, n)
    whole = build(task, c)
    whole.update(y, p, w)
    bounds = sorted({0, n, *[min(x, n) for x in cuts]})
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        acc = build(task, c)
        acc.update(y[lo:hi], p[lo:hi], None if w is None else w[lo:hi])
        parts.append(acc)
    order.shuffle(parts)
    merged = parts[0]
    for other in parts[1:]:
        assert merged.merge(other) is merged
    assert merged.n_rows == n
    assert_same(merged.result(), whole.result())
    # several updates into one accumulator is the same thing
    streamed = build(task, c)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        streamed.update(y[lo:hi], p[lo:hi], None if w is None else w[lo:hi])
    assert_same(streamed.result(), whole.result())


@settings(max_examples=30, deadline=None)
@given(
    task=st.sampled_from(["binary", "multiclass", "multilabel"]),
    seed=st.integers(0, 2**31),
    n=st.integers(1, 60),
)
def test_row_order_does_not_matter(task, seed, n):
    c, y, p, w = make_data(task, seed, n)
    perm = np.random.default_rng(seed + 1).permutation(n)
    a, b = build(task, c), build(task, c)
    a.update(y, p, w)
    b.update(y[perm], p[perm], None if w is None else w[perm])
    assert_same(a.result(), b.result())


@settings(max_examples=20, deadline=None)
@given(task=st.sampled_from(["binary", "multiclass", "multilabel"]), seed=st.integers(0, 2**31))
def test_unit_weights_equal_no_weights(task, seed):
    c, y, p, _ = make_data(task, seed, 50)
    a, b = build(task, c), build(task, c)
    a.update(y, p)
    b.update(y, p, np.ones(len(y)))
    ra, rb = a.result(), b.result()
    assert_same(ra, rb)
    # the only visible difference: weighted confusion counts are floats
    flat_a = np.ravel(ra.confusion_matrix).tolist()
    flat_b = np.ravel(rb.confusion_matrix).tolist()
    assert all(isinstance(v, int) for v in flat_a)
    assert all(isinstance(v, float) for v in flat_b)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(2, 80),
    k=st.integers(1, 3),
    cuts=st.lists(st.integers(0, 80), max_size=5),
    weighted=st.booleans(),
)
def test_regression_chunks_and_shuffle(seed, n, k, cuts, weighted):
    rng = np.random.default_rng(seed)
    y = rng.normal(1e3, 5.0, (n, k))  # a large mean: the naive sum-of-squares would lose digits
    yhat = y + rng.normal(0, 1.0, (n, k))
    w = rng.random(n) if weighted else None
    whole = RegressionAccumulator()
    whole.update(y, yhat, w)
    bounds = sorted({0, n, *[min(x, n) for x in cuts]})
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        acc = RegressionAccumulator()
        acc.update(y[lo:hi], yhat[lo:hi], None if w is None else w[lo:hi])
        parts.append(acc)
    merged = parts[-1]
    for other in parts[-2::-1]:
        merged.merge(other)
    perm = rng.permutation(n)
    shuffled = RegressionAccumulator()
    shuffled.update(y[perm], yhat[perm], None if w is None else w[perm])
    ref = whole.result().metrics
    for res in (merged.result().metrics, shuffled.result().metrics):
        for name, value in ref.items():
            assert math.isclose(res[name], value, rel_tol=1e-9, abs_tol=1e-12), name
