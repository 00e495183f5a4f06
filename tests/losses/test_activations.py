"""losscli.activations against scipy.special (an independent implementation) and the torch.nn
activations' documented formulas (Tanh, ReLU, ReLU6, LeakyReLU, ELU, SiLU); finiteness at +-1e4."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from losscli import activations as A
from losscli.errors import UsageError

X = np.array([-1e4, -750.0, -40.0, -3.0, -1e-8, 0.0, 1e-8, 0.7, 3.0, 40.0, 750.0, 1e4])
M = np.array([[2.0, 1.0, 0.1], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [0.0, 0.0, 0.0]])
finite_floats = st.floats(-1e4, 1e4, allow_nan=False)


def test_sigmoid_family_matches_scipy():
    # scipy.special.expit / log_expit are the reference
    np.testing.assert_allclose(A.sigmoid(X), special.expit(X), rtol=1e-12, atol=0)
    np.testing.assert_allclose(A.log_sigmoid(X), special.log_expit(X), rtol=1e-12, atol=0)
    np.testing.assert_allclose(A.softplus(X), -special.log_expit(-X), rtol=1e-12, atol=0)


def test_softmax_family_matches_scipy():
    # scipy.special.softmax / log_softmax / logsumexp over the last axis
    np.testing.assert_allclose(A.softmax(M), special.softmax(M, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(A.log_softmax(M), special.log_softmax(M, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(A.logsumexp(M), special.logsumexp(M, axis=-1), rtol=1e-12)
    # torch nn.CrossEntropyLoss: logits [2.0, 1.0, 0.1], label 0 -> 0.417030
    assert -A.log_softmax(M)[0, 0] == pytest.approx(0.417030, abs=1e-6)


def test_output_activations_follow_torch_formulas():
    x = np.array([-8.0, -1.0, 0.0, 0.5, 7.0])
    np.testing.assert_allclose(A.tanh(x), 2 / (1 + np.exp(-2 * x)) - 1, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(A.relu(x), [0, 0, 0, 0.5, 7])
    np.testing.assert_array_equal(A.relu6(x), [0, 0, 0, 0.5, 6])
    np.testing.assert_allclose(A.leaky_relu(x), np.maximum(0.01 * x, x))
    elu_ref = np.maximum(0, x) + np.minimum(0, 1.0 * (np.exp(x) - 1))
    np.testing.assert_allclose(A.elu(x), elu_ref, rtol=1e-12)
    np.testing.assert_allclose(A.silu(x), x / (1 + np.exp(-x)), rtol=1e-12)
    assert A.swish is A.silu


def test_log1mexp_is_accurate():
    for a in (-1e-20, -1e-10, -0.5, -0.7, -5.0, -50.0):
        assert A.log1mexp(np.array([a]))[0] == pytest.approx(math.log(-math.expm1(a)), rel=1e-12)
    assert A.log1mexp(np.array([0.0]))[0] == -np.inf
    assert A.log1mexp(np.array([-np.inf]))[0] == 0.0


@pytest.mark.parametrize(
    "a",
    [
        np.array([-np.inf, -800.0, -0.7, -np.log(2.0), np.nextafter(-np.log(2.0), 0), -1e-300]),
        -np.random.default_rng(3).exponential(2.0, (64, 19)),  # both branches mixed
        -np.random.default_rng(4).exponential(2.0, (7, 5)).T,  # not C-contiguous
        np.float32(-np.random.default_rng(5).exponential(1.0, (9, 3))),  # widened
        np.array(-0.25),  # 0-d
        np.array([0.0, np.nan]),
    ],
)
def test_log1mexp_branches_each_where_taken(a):
    # each branch evaluated only on its elements gives the two-branch formula bit for bit
    a64 = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        near = a64 > -math.log(2.0)
        ref = np.where(near, np.log(-np.expm1(np.minimum(a64, 0.0))), np.log1p(-np.exp(a64)))
    out = A.log1mexp(a)
    assert out.shape == ref.shape and out.dtype == np.float64
    np.testing.assert_array_equal(out, ref)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite_floats, min_size=1, max_size=6))
def test_activations_stay_finite_and_in_range(values):
    x = np.array(values)
    for name, (fn, _) in A.ACTIVATIONS.items():
        out = fn(x)
        assert out.shape == x.shape and np.all(np.isfinite(out)), name
    s = A.sigmoid(x)
    assert np.all((s >= 0) & (s <= 1))
    p = A.softmax(x)
    assert p.sum() == pytest.approx(1.0, rel=1e-12)
    assert np.all(A.log_softmax(x) <= 0)


def test_activation_table():
    kinds = {name: kind for name, (_, kind) in A.ACTIVATIONS.items()}
    assert kinds["sigmoid"] == kinds["softmax"] == "probs"
    assert kinds["log_sigmoid"] == kinds["log_softmax"] == "log-probs"
    for name in ("tanh", "relu", "relu6", "leaky_relu", "elu", "silu", "swish"):
        assert kinds[name] is None


def test_to_probs_and_to_log_probs():
    z = np.array([-1e4, 0.0, 2.0, 1e4])
    np.testing.assert_allclose(A.to_probs(z, "logits", "binary"), special.expit(z))
    lp = A.to_log_probs(z, "logits", "binary")
    np.testing.assert_allclose(lp, special.log_expit(z))
    np.testing.assert_allclose(A.to_probs(lp, "log-probs", "binary"), special.expit(z))
    np.testing.assert_allclose(A.to_probs(M, "logits", "multiclass"), special.softmax(M, axis=1))
    np.testing.assert_allclose(A.to_probs(M, "logits", "multilabel"), special.expit(M))
    np.testing.assert_allclose(
        A.to_log_probs(M, "logits", "multiclass"), special.log_softmax(M, axis=1)
    )
    p = np.array([[0.0, 1.0]])
    assert A.to_log_probs(p, "probs", "multilabel")[0, 0] == -np.inf
    np.testing.assert_array_equal(A.to_probs(p, "probs", "multiclass"), p)


def test_to_probs_refuses_bad_kinds():
    with pytest.raises(UsageError, match="--scores"):
        A.to_probs(np.zeros(2), "values", "binary")
    with pytest.raises(UsageError, match="--task"):
        A.to_probs(np.zeros(2), "logits", "regression")


_LSM_CASES = [
    np.random.default_rng(0).normal(size=(5,)),
    np.random.default_rng(1).normal(size=(40, 30)) * 5,
    np.random.default_rng(2).normal(size=(4, 3, 11)),
    np.random.default_rng(3).normal(size=(30, 40)).T,  # not C-contiguous
    np.array([[np.nan, 1.0], [-np.inf, -np.inf], [np.inf, 0.0], [800.0, 0.0], [1e4, -1e4]]),
    np.zeros((3, 0)),
    np.zeros((0, 4)),
]


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 30])
@pytest.mark.parametrize("case", range(len(_LSM_CASES)))
def test_log_softmax_is_the_same_bits_at_any_block_of_rows(monkeypatch, block, case):
    x = _LSM_CASES[case]
    monkeypatch.setattr(A, "_EXP_BLOCK", 1 << 30)
    whole = A.log_softmax(x)
    monkeypatch.setattr(A, "_EXP_BLOCK", block)
    got = A.log_softmax(x)
    assert got.shape == x.shape
    assert np.array_equal(got, whole, equal_nan=True)
    finite = np.isfinite(x).all(axis=-1)
    if x.size and finite.any():
        want = special.log_softmax(x, axis=-1)
        # the top class: losscli keeps -log1p(T) (more exact than scipy near 0): atol 1e-15
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-15)
