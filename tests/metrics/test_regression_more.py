"""The regression metrics added for multi-output data, live against scikit-learn 1.9:
``explained_variance_score``, ``median_absolute_error`` (weighted: scikit-learn's averaged
``_weighted_percentile``), ``root_mean_squared_log_error``, ``r2_score(multioutput=
"variance_weighted")`` and the per-output values of each (``multioutput="raw_values"``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from losscli.metrics import RegressionAccumulator
from losscli.metrics.regression_formulas import weighted_median

TOL = 1e-12


def scenarios():
    rng = np.random.default_rng(11)
    n = 90
    y = np.abs(rng.normal(2, 1, n))
    yield "one_output", y, np.abs(y + rng.normal(0, 0.5, n)), None
    yield "weighted", y, np.abs(y + rng.normal(0, 0.5, n)), rng.random(n) * 3
    w = rng.random(n)
    w[::3] = 0.0
    yield "zero_weights", y, np.abs(y + rng.normal(0, 0.5, n)), w
    y3 = np.abs(rng.normal(5, [1, 2, 4], (n, 3)))
    yield "three_outputs", y3, np.abs(y3 * 1.2 - 0.3), None
    yield "three_outputs_weighted", y3, np.abs(y3 + rng.normal(0, 1, (n, 3))), rng.random(n)
    yield "integer_weights", y3, np.abs(y3 + rng.normal(0, 1, (n, 3))), rng.integers(1, 4, n)
    # even count with ties: the median averages the two middle values
    yield "ties", np.array([1.0, 2, 3, 4]), np.array([1.5, 2.5, 3.5, 4.0]), None
    yield (
        "tie_weights",
        np.array([1.0, 2, 3, 4]),
        np.array([2.0, 2, 2, 2]),
        np.array([1.0, 1, 1, 1]),
    )
    yc = np.c_[np.full(n, 3.0), y]  # a constant output: force_finite rules
    yield "constant_output", yc, np.abs(yc + rng.normal(0, 1, (n, 2))), None
    yield "offset_error", y, y + 5.0, None  # a constant error: explained variance 1


def reference(y, yhat, w, multioutput):
    return {
        "explained_variance": skm.explained_variance_score(
            y, yhat, sample_weight=w, multioutput=multioutput
        ),
        "median_absolute_error": skm.median_absolute_error(
            y, yhat, sample_weight=w, multioutput=multioutput
        ),
        "rmsle": skm.root_mean_squared_log_error(y, yhat, sample_weight=w, multioutput=multioutput),
        "r2": skm.r2_score(y, yhat, sample_weight=w, multioutput=multioutput),
    }


def run(y, yhat, w, cut):
    acc = RegressionAccumulator()
    acc.update(y[:cut], yhat[:cut], None if w is None else w[:cut])
    acc.update(y[cut:], yhat[cut:], None if w is None else w[cut:])
    return acc.result()


CASES = list(scenarios())


@pytest.mark.parametrize("name,y,yhat,w", CASES, ids=[c[0] for c in CASES])
def test_flat_metrics_match_sklearn(name, y, yhat, w):
    res = run(y, yhat, w, len(y) // 3)
    for key, value in reference(y, yhat, w, "uniform_average").items():
        assert res.metrics[key] == pytest.approx(value, rel=1e-10, abs=TOL), key
    vw = skm.r2_score(y, yhat, sample_weight=w, multioutput="variance_weighted")
    assert res.metrics["r2_variance_weighted"] == pytest.approx(vw, rel=1e-10, abs=TOL)


@pytest.mark.parametrize("name,y,yhat,w", CASES, ids=[c[0] for c in CASES])
def test_per_output_metrics_match_sklearn(name, y, yhat, w):
    res = run(y, yhat, w, len(y) // 2)
    for key, values in reference(y, yhat, w, "raw_values").items():
        got = [row[key] for row in res.per_output]
        assert got == pytest.approx(np.atleast_1d(values), rel=1e-10, abs=TOL), key


def test_variance_weighted_differs_from_uniform_when_spreads_differ():
    rng = np.random.default_rng(3)
    y = rng.normal(0, [1, 10], (200, 2))
    yhat = y + rng.normal(0, 1, (200, 2))
    m = run(y, yhat, None, 100).metrics
    assert m["r2_variance_weighted"] == pytest.approx(
        skm.r2_score(y, yhat, multioutput="variance_weighted"), rel=1e-12
    )
    assert abs(m["r2_variance_weighted"] - m["r2"]) > 0.1


def test_all_outputs_constant_falls_back_to_the_uniform_mean():
    y = np.full((5, 2), 2.0)
    yhat = y + np.array([[0.0, 1.0]] * 5)
    m = run(y, yhat, None, 2).metrics
    assert m["r2_variance_weighted"] == skm.r2_score(y, yhat, multioutput="variance_weighted")
    assert m["r2_variance_weighted"] == 0.5


@pytest.mark.parametrize("bad", [-1.0, -3.5])
def test_rmsle_is_null_with_a_warning_at_or_below_minus_one(bad):
    y = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, bad]])
    yhat = np.array([[1.5, 1.0], [2.0, 2.5], [2.0, 1.0]])
    res = run(y, yhat, None, 1)
    assert res.metrics["rmsle"] is None
    assert res.per_output[1]["rmsle"] is None
    assert res.per_output[0]["rmsle"] == pytest.approx(
        skm.root_mean_squared_log_error(y[:, 0], yhat[:, 0]), rel=1e-12
    )
    assert any("rmsle is undefined for output 1" in w for w in res.warnings)
    with pytest.raises(ValueError, match="-1"):  # scikit-learn refuses the whole call
        skm.root_mean_squared_log_error(y, yhat)


def test_rmsle_domain_counts_zero_weight_rows_as_sklearn_does():
    y = np.array([1.0, 2.0, -2.0])
    res = run(y, np.array([1.0, 2.0, 1.0]), np.array([1.0, 1.0, 0.0]), 1)
    assert res.metrics["rmsle"] is None


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.floats(0, 100, allow_nan=False, width=32), min_size=1, max_size=25),
    data=st.data(),
)
def test_weighted_median_matches_sklearn(values, data):
    v = np.array(values, dtype=np.float64)
    w = np.array(
        data.draw(
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=len(v), max_size=len(v))
        )
    )
    if w.sum() == 0:
        w[0] = 1.0
    # the median of |e| with y = 0: scikit-learn's weighted median of the values
    ref = skm.median_absolute_error(np.zeros_like(v), v, sample_weight=w)
    assert weighted_median(v, w) == ref
    assert weighted_median(v) == skm.median_absolute_error(np.zeros_like(v), v)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 40), k=st.integers(1, 3), cut=st.data())
def test_chunking_equals_one_pass(seed, n, k, cut):
    rng = np.random.default_rng(seed)
    y = np.abs(rng.normal(3, 1, (n, k)))
    yhat = np.abs(y + rng.normal(0, 1, (n, k)))
    w = rng.random(n)
    whole = RegressionAccumulator()
    whole.update(y, yhat, w)
    parts = [RegressionAccumulator() for _ in range(3)]
    a = cut.draw(st.integers(0, n))
    b = cut.draw(st.integers(a, n))
    for acc, sl in zip(parts, (slice(0, a), slice(a, b), slice(b, n))):
        acc.update(y[sl], yhat[sl], w[sl])
    merged = parts[0].merge(parts[1]).merge(parts[2])
    got, ref = merged.result().metrics, whole.result().metrics
    for key in ref:
        assert got[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key


def test_unit_weights_equal_no_weights():
    rng = np.random.default_rng(5)
    y = np.abs(rng.normal(3, 1, (40, 2)))
    yhat = np.abs(y + rng.normal(0, 1, (40, 2)))
    a, b = RegressionAccumulator(), RegressionAccumulator()
    a.update(y, yhat)
    b.update(y, yhat, np.ones(40))
    ma, mb = a.result().metrics, b.result().metrics
    for key in ma:
        assert ma[key] == pytest.approx(mb[key], rel=1e-12, abs=1e-15), key
