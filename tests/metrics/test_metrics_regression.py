"""Regression metrics against scikit-learn, live (mean_squared_error, root_mean_squared_error,
mean_absolute_error, r2_score, mean_absolute_percentage_error, max_error; multioutput
"uniform_average"). Deliberate differences are in test_metrics_deviations.py."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from losscli.errors import InputError
from losscli.metrics import RegressionAccumulator
from losscli.metrics.regression_formulas import REGRESSION_NAMES

TOL = 1e-12


def scenarios():
    rng = np.random.default_rng(4)
    n = 120
    y = rng.normal(0, 3, n)
    yield "random", y, y + rng.normal(0, 1, n), None
    yield "weighted", y, y + rng.normal(0, 1, n), rng.random(n) * 2
    w = rng.random(n)
    w[::4] = 0.0
    yield "zero_weights", y, y + rng.normal(0, 1, n), w
    y2 = rng.normal(5, 2, (n, 3))
    yield "multioutput", y2, y2 * 1.1 - 0.3, None
    yield "multioutput_weighted", y2, y2 + rng.normal(0, 0.5, (n, 3)), rng.random(n)
    yield "perfect", y, y.copy(), None
    yield "zeros_in_target", np.r_[0.0, 0.0, y[2:]], y + 0.5, None  # MAPE: eps floor
    yield "large_offset", 1e8 + y, 1e8 + y + rng.normal(0, 1, n), None


@pytest.mark.parametrize("name,y,yhat,w", list(scenarios()), ids=[s[0] for s in scenarios()])
def test_regression_matches_sklearn(name, y, yhat, w):
    acc = RegressionAccumulator()
    half = len(y) // 2
    acc.update(y[:half], yhat[:half], None if w is None else w[:half])
    acc.update(y[half:], yhat[half:], None if w is None else w[half:])
    m = acc.result().metrics
    ref = {
        "mse": skm.mean_squared_error(y, yhat, sample_weight=w),
        "rmse": skm.root_mean_squared_error(y, yhat, sample_weight=w),
        "mae": skm.mean_absolute_error(y, yhat, sample_weight=w),
        "r2": skm.r2_score(y, yhat, sample_weight=w),
        "mape": skm.mean_absolute_percentage_error(y, yhat, sample_weight=w),
    }
    if y.ndim == 1:
        ref["max_error"] = skm.max_error(y, yhat)
    else:
        ref["max_error"] = max(skm.max_error(y[:, k], yhat[:, k]) for k in range(y.shape[1]))
    tol = TOL
    for key, value in ref.items():
        assert m[key] == pytest.approx(value, rel=tol, abs=TOL), key


def test_per_output_values():
    rng = np.random.default_rng(8)
    y = rng.normal(size=(50, 2))
    yhat = y + rng.normal(size=(50, 2))
    acc = RegressionAccumulator()
    acc.update(y, yhat)
    res = acc.result()
    raw = skm.r2_score(y, yhat, multioutput="raw_values")
    assert [o["r2"] for o in res.per_output] == pytest.approx(raw, abs=TOL)
    assert res.task == "regression" and res.n_samples == 50


def test_regression_input_errors():
    acc = RegressionAccumulator()
    with pytest.raises(InputError, match="shape"):
        acc.update(np.zeros(3), np.zeros(4))
    with pytest.raises(InputError, match="NaN"):
        acc.update(np.array([1.0, np.nan]), np.zeros(2))
    with pytest.raises(InputError, match="non-negative"):
        acc.update(np.zeros(2), np.zeros(2), np.array([1.0, -1.0]))
    acc.update(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(InputError, match="outputs"):
        acc.update(np.zeros((2, 3)), np.ones((2, 3)))
    other = RegressionAccumulator()
    other.update(np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="outputs"):
        acc.merge(other)


def test_empty_regression_is_all_none():
    res = RegressionAccumulator().result()
    assert list(res.metrics) == list(REGRESSION_NAMES)
    assert all(v is None for v in res.metrics.values())
    assert res.warnings
