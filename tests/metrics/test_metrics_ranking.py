"""One-sort ranking (auc_ap, auc_ap_split, auc_ap_sorted, RankIndex) against scikit-learn, live.

The independent reference is ``sklearn.metrics.roc_auc_score`` and
``average_precision_score`` on the same data (ties, weights with zeros, integer weights,
degenerate classes); the slower curve-based ``roc_auc`` / ``average_precision`` of losscli are
checked to agree too. Agreement: 1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from losscli.metrics.ranking import (
    RankIndex,
    auc_ap,
    auc_ap_sorted,
    auc_ap_split,
    average_precision,
    roc_auc,
)

TOL = 1e-12


@pytest.fixture(autouse=True)
def _fast_sklearn():
    with sklearn.config_context(skip_parameter_validation=True):
        yield


def sk_auc_ap(y, s, w=None):
    """scikit-learn's AUC and AP, None where losscli reports None (undefined)."""
    ww = np.ones(len(y)) if w is None else w
    p, q = ww[y == 1].sum(), ww[y == 0].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auc = roc_auc_score(y, s, sample_weight=w) if p > 0 and q > 0 else None
        ap = average_precision_score(y, s, sample_weight=w) if p > 0 else None
    return auc, ap


def assert_pair(ours, ref):
    for a, b in zip(ours, ref, strict=True):
        assert (a is None) == (b is None), (ours, ref)
        if a is not None:
            assert abs(a - b) <= TOL, (ours, ref)


def random_case(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    kind = seed % 4
    if kind == 0:
        s = rng.random(n)
    elif kind == 1:  # heavy ties
        s = rng.choice(rng.random(int(rng.integers(1, 6))), n)
    elif kind == 2:  # probabilities with 2 decimals
        s = np.round(rng.random(n), 2)
    else:  # exact 0, 1 and 0.5
        s = rng.choice([0.0, 0.5, 1.0], n)
    y = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
    return rng, y, s


@pytest.mark.parametrize("seed", range(120))
def test_auc_ap_matches_sklearn(seed):
    rng, y, s = random_case(seed)
    w = None
    if seed % 3 == 1:
        w = rng.random(y.size) * 3
        w[rng.random(y.size) < 0.25] = 0.0  # zero-weight rows are dropped, as in sklearn
    ref = sk_auc_ap(y, s, w)
    assert_pair(auc_ap(y, s, w), ref)
    assert_pair((roc_auc(y, s, w), average_precision(y, s, w)), ref)
    pw = None if w is None else w[y == 1]
    nw = None if w is None else w[y == 0]
    assert_pair(auc_ap_split(s[y == 1], s[y == 0], pw, nw), ref)


@pytest.mark.parametrize("seed", range(40))
def test_reversed_ranking_is_class_zero(seed):
    # binary class 0 is scored by 1 - p; auc_ap_sorted ranks it from the class-1 sort, p - 1
    rng, y, s = random_case(seed)
    x = s.astype(np.float64)
    tiny = rng.random(x.size) < 0.3  # distinct tiny p whose 1 - p all round to 1.0 (new ties)
    x[tiny] = rng.choice([1e-20, 2e-20, 3e-18], int(tiny.sum()))
    pos, neg = np.sort(x[y == 1]), np.sort(x[y == 0])
    ours = auc_ap_sorted(neg - 1.0, pos - 1.0, lower_is_positive=True)
    assert_pair(ours, sk_auc_ap(1 - y, 1.0 - x))


@pytest.mark.parametrize("seed", range(60))
def test_rank_index_under_integer_and_float_weights(seed):
    # reference: sklearn on the rows repeated counts[i] times, and sklearn with weights
    rng, y, s = random_case(seed)
    rows_pos, rows_neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    idx = RankIndex.build(s[rows_pos], s[rows_neg], rows=(rows_pos, rows_neg))
    counts = rng.integers(0, 4, y.size)
    assert_pair(idx.auc_ap(counts), sk_auc_ap(np.repeat(y, counts), np.repeat(s, counts)))
    w = rng.random(y.size) * counts
    assert_pair(idx.auc_ap(w), sk_auc_ap(y, s, w))


def test_degenerate_classes():
    s = np.array([0.3, 0.6, 0.6])
    assert auc_ap(np.array([1, 1, 1]), s) == (None, 1.0)  # no negative: AUC undefined, AP 1
    assert auc_ap(np.array([0, 0, 0]), s) == (None, None)  # no positive
    assert auc_ap(np.zeros(0), np.zeros(0)) == (None, None)
    # positives all of zero weight count as absent
    assert auc_ap(np.array([1, 0]), np.array([0.9, 0.1]), np.array([0.0, 1.0])) == (None, None)
    # all scores tied: AUC 1/2, AP = share of positives
    assert auc_ap(np.array([1, 0, 0, 1]), np.full(4, 0.5)) == (0.5, 0.5)


def test_split_does_not_touch_inputs_unless_allowed():
    pos, neg = np.array([0.9, 0.2, 0.5]), np.array([0.4, 0.1])
    auc_ap_split(pos, neg)
    assert pos.tolist() == [0.9, 0.2, 0.5] and neg.tolist() == [0.4, 0.1]
    auc_ap_split(pos, neg, overwrite=True)
    assert pos.tolist() == [0.2, 0.5, 0.9]


def test_large_counts_are_exact_ratios():
    # the U statistic is an exact integer: AUC is the correctly rounded ratio
    rng = np.random.default_rng(3)
    pos, neg = np.sort(rng.integers(0, 50, 20_000)), np.sort(rng.integers(0, 50, 30_000))
    u2 = int(np.sum([2 * np.sum(neg < t) + np.sum(neg == t) for t in pos]))
    assert auc_ap_sorted(pos.astype(float), neg.astype(float))[0] == u2 / (2 * 20_000 * 30_000)


@settings(max_examples=80, deadline=None)
@given(
    y=st.lists(st.integers(0, 1), min_size=1, max_size=50),
    data=st.data(),
)
def test_property_against_sklearn(y, data):
    y = np.array(y)
    s = np.array(
        data.draw(
            st.lists(
                st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0]), min_size=y.size, max_size=y.size
            )
        )
    )
    w = np.array(
        data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=y.size, max_size=y.size))
    )
    assert_pair(auc_ap(y, s), sk_auc_ap(y, s))
    assert_pair(auc_ap(y, s, w), sk_auc_ap(y, s, w))
