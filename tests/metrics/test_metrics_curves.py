"""Curves, ranking metrics and calibration against independent references.

- roc_curve / precision_recall_curve / roc_auc / average_precision: scikit-learn, live.
- ROC AUC ties: the Mann-Whitney definition P(s+ > s-) + P(s+ = s-)/2, by brute force.
- ECE: golden values from torchmetrics (tests/golden/metrics_golden.json, made by
  tests/golden/make_metrics_golden.py), plus a straightforward loop re-implementation of
  Guo et al. (2017) eq. 3, ``ECE = sum_m |B_m|/n |acc(B_m) - conf(B_m)|``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from losscli.metrics import (
    ClassificationAccumulator,
    average_precision,
    calibration_bin_sums,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)

GOLDEN = json.loads(
    (Path(__file__).resolve().parents[1] / "golden" / "metrics_golden.json").read_text()
)


def scenarios():
    rng = np.random.default_rng(11)
    n = 150
    y = rng.integers(0, 2, n)
    yield "random", y, rng.random(n), None
    yield "weighted", y, rng.random(n), rng.random(n) * 2
    yield "ties", y, rng.choice([0.1, 0.5, 0.9], n), None
    yield "ties_weighted", y, rng.choice([0.1, 0.5, 0.9], n), rng.random(n)
    w = rng.random(n)
    w[::5] = 0.0
    yield "zero_weights", y, rng.random(n), w
    yield "perfect", y, y * 0.8 + 0.1, None
    yield "reversed", y, 0.9 - y * 0.8, None
    yield "constant_score", y, np.full(n, 0.3), None


@pytest.mark.parametrize("name,y,s,w", list(scenarios()), ids=[c[0] for c in scenarios()])
def test_curves_match_sklearn(name, y, s, w):
    fpr, tpr, thr = roc_curve(y, s, w)
    rfpr, rtpr, rthr = skm.roc_curve(y, s, sample_weight=w)
    np.testing.assert_allclose(fpr, rfpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tpr, rtpr, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(thr, rthr)
    p, r, t = precision_recall_curve(y, s, w)
    rp, rr, rt = skm.precision_recall_curve(y, s, sample_weight=w)
    np.testing.assert_allclose(p, rp, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r, rr, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(t, rt)
    assert roc_auc(y, s, w) == pytest.approx(skm.roc_auc_score(y, s, sample_weight=w), abs=1e-12)
    assert average_precision(y, s, w) == pytest.approx(
        skm.average_precision_score(y, s, sample_weight=w), abs=1e-12
    )


def test_roc_auc_ties_count_one_half_mann_whitney():
    # brute-force pair counting: P(s_pos > s_neg) + 0.5 P(s_pos == s_neg)
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 60)
    s = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], 60)
    pos, neg = s[y == 1], s[y == 0]
    gt = (pos[:, None] > neg[None, :]).mean()
    eq = (pos[:, None] == neg[None, :]).mean()
    assert roc_auc(y, s) == pytest.approx(gt + 0.5 * eq, abs=1e-12)
    assert roc_auc(np.array([0, 1, 0, 1]), np.full(4, 0.5)) == 0.5


def test_undefined_ranking_is_none():
    y = np.zeros(5)
    s = np.linspace(0, 1, 5)
    assert roc_auc(y, s) is None
    assert average_precision(y, s) is None
    assert roc_auc(np.ones(5), s) is None
    assert average_precision(np.ones(5), s) == pytest.approx(1.0)  # sklearn: 1.0 too
    # present only with zero weight counts as absent
    assert roc_auc(np.array([0, 1, 1]), np.array([0.1, 0.5, 0.9]), np.array([0.0, 1, 1])) is None
    fpr, tpr, _ = roc_curve(np.ones(4), np.linspace(0, 1, 4))
    assert np.isnan(fpr).all() and not np.isnan(tpr).any()


def test_accumulator_scores_feed_the_curves():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 90)
    probs = rng.dirichlet(np.ones(3), 90)
    acc = ClassificationAccumulator("multiclass", 3)
    acc.update(y[:40], probs[:40])
    acc.update(y[40:], probs[40:])
    yc, sc, wc = acc.scores()[1]
    assert wc is None
    np.testing.assert_array_equal(yc, (y == 1).astype(float))
    np.testing.assert_array_equal(sc, probs[:, 1])
    yt, yp, w = acc.stored()
    np.testing.assert_array_equal(yt, y)
    np.testing.assert_array_equal(yp, probs)


# ------------------------------------------------------------------ calibration


def golden_case(name):
    return next(c for c in GOLDEN["cases"] if c["name"] == name)


def run(case):
    n = 2 if case["task"] == "binary" else len(case["y_prob"][0])
    dtype = float if case["task"] == "binary" else int
    acc = ClassificationAccumulator(case["task"], n, ece_bins=case["n_bins"])
    acc.update(np.array(case["y_true"], dtype=dtype), np.array(case["y_prob"]))
    return acc.result()


@pytest.mark.parametrize("name", ["binary_15bins", "binary_10bins"])
def test_binary_ece_matches_torchmetrics_golden(name):
    case = golden_case(name)
    res = run(case)
    assert res.ece_bins == case["n_bins"]
    assert res.metrics["ece"] == pytest.approx(case["ece"], rel=1e-12, abs=1e-12)


def test_multiclass_ece_matches_torchmetrics_golden():
    # torchmetrics casts multiclass confidences to float32, so it agrees to ~1e-8 only; the
    # exact float64 check is test_ece_matches_loop_reimplementation below
    case = golden_case("multiclass_15bins")
    assert run(case).metrics["ece"] == pytest.approx(case["ece"], rel=1e-7)


def loop_ece(conf, correct, n_bins, weights=None):
    """Guo et al. 2017, eq. 3, one bin at a time: bins [k/M, (k+1)/M), the last closed."""
    weights = np.ones(len(conf)) if weights is None else weights
    total = weights.sum()
    ece = 0.0
    for k in range(n_bins):
        lo, hi = k / n_bins, (k + 1) / n_bins
        inside = (conf >= lo) & ((conf < hi) if k < n_bins - 1 else (conf <= 1.0))
        wb = weights[inside].sum()
        if wb > 0:
            acc_b = (weights[inside] * correct[inside]).sum() / wb
            conf_b = (weights[inside] * conf[inside]).sum() / wb
            ece += wb / total * abs(acc_b - conf_b)
    return ece


@pytest.mark.parametrize("weighted", [False, True])
def test_ece_matches_loop_reimplementation(weighted):
    rng = np.random.default_rng(9)
    n, c = 300, 5
    probs = rng.dirichlet(np.full(c, 0.5), n)
    y = rng.integers(0, c, n)
    w = rng.random(n) if weighted else None
    acc = ClassificationAccumulator("multiclass", c, ece_bins=15)
    acc.update(y, probs, w)
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y).astype(float)
    assert acc.result().metrics["ece"] == pytest.approx(
        loop_ece(conf, correct, 15, w), rel=1e-12, abs=1e-14
    )
    # multi-label: every (sample, label) cell is a binary prediction
    yl = (rng.random((n, c)) < 0.3).astype(float)
    ml = ClassificationAccumulator("multilabel", c, ece_bins=10)
    ml.update(yl, probs, w)
    cell_w = None if w is None else np.repeat(w, c)
    assert ml.result().metrics["ece"] == pytest.approx(
        loop_ece(probs.ravel(), yl.ravel(), 10, cell_w), rel=1e-12, abs=1e-14
    )


def test_calibration_bins_reported():
    res = run(golden_case("binary_15bins"))
    bins = res.calibration
    assert len(bins) == 15
    assert bins[0]["lower"] == 0.0 and bins[-1]["upper"] == 1.0
    assert sum(b["weight"] for b in bins) == len(golden_case("binary_15bins")["y_true"])
    # bin edges: a confidence exactly on an inner edge goes to the bin above it
    w, _, _ = calibration_bin_sums(np.array([0.5, 1.0, 0.0]), np.zeros(3), None, 2)
    assert w.tolist() == [1.0, 2.0]
