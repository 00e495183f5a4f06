"""Every place where losscli's metrics deliberately differ from the reference, and why.

Each test shows the reference's value (scikit-learn live, or the torchmetrics golden file) next
to losscli's, so a change on either side is noticed.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from losscli.metrics import ClassificationAccumulator, RegressionAccumulator


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_auc_of_absent_class_is_none_and_left_out_of_macro():
    # sklearn: roc_auc_score on one-class y_true warns and returns NaN, so a macro average
    # over labels is NaN. losscli (README Conventions): an undefined AUC is null, macro
    # averages use the defined classes and say how many they left out.
    y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]], dtype=float)
    p = np.array([[0.9, 0.2, 0.1], [0.3, 0.8, 0.4], [0.6, 0.7, 0.2], [0.2, 0.1, 0.3]])
    ref = quiet(skm.roc_auc_score, y, p, average=None)
    assert math.isnan(ref[2])
    acc = ClassificationAccumulator("multilabel", 3)
    acc.update(y, p)
    res = acc.result()
    assert res.per_class[2]["roc_auc"] is None
    assert res.n_auc_excluded == 1
    assert res.metrics["roc_auc_macro"] == pytest.approx(np.mean(ref[:2]), abs=1e-12)
    assert any("roc_auc_macro averages the other 2 of 3 labels" in w for w in res.warnings)


def test_average_precision_without_positives_is_none():
    # sklearn returns a number (with a warning) for AP when y_true has no positive; losscli: None
    y = np.zeros(4)
    p = np.array([0.1, 0.4, 0.6, 0.9])
    ref = quiet(skm.average_precision_score, y, p)
    assert not math.isnan(ref)
    acc = ClassificationAccumulator("binary", 2)
    acc.update(y, p)
    m = acc.result().metrics
    assert m["average_precision"] is None and m["roc_auc"] is None


def test_top_k_ties_go_to_lowest_index():
    # README Conventions: argmax ties go to the lowest index; top-k follows the same rule. sklearn's
    # top_k_accuracy_score sorts ascending (stable) and reverses, so among ties the HIGHEST
    # index comes first.
    y = np.array([0, 2])
    p = np.array([[0.4, 0.4, 0.2], [0.4, 0.3, 0.3]])
    assert skm.top_k_accuracy_score(y, p, k=1, labels=[0, 1, 2]) == 0.0
    assert skm.top_k_accuracy_score(y, p, k=2, labels=[0, 1, 2]) == 1.0
    acc = ClassificationAccumulator("multiclass", 3, top_k=1)
    acc.update(y, p)
    m = acc.result().metrics
    assert m["top_k_accuracy"] == 0.5  # row 0: class 0 wins the tie; row 2: class 2 ranks 3rd
    assert m["top_k_accuracy"] == m["accuracy"]  # top-1 == accuracy, whatever the ties
    acc2 = ClassificationAccumulator("multiclass", 3, top_k=2)
    acc2.update(y, p)
    assert acc2.result().metrics["top_k_accuracy"] == 0.5  # class 2 loses the tie to class 1


def test_mcc_and_kappa_follow_zero_division():
    # sklearn: matthews_corrcoef returns 0.0 silently when undefined; cohen_kappa_score
    # returns NaN (replace_undefined_by). losscli applies the one zero_division policy.
    y = np.zeros(6, dtype=int)
    p = np.tile([0.8, 0.1, 0.1], (6, 1))
    assert quiet(skm.matthews_corrcoef, y, y) == 0.0
    assert math.isnan(quiet(skm.cohen_kappa_score, y, y, labels=[0, 1, 2]))
    acc = ClassificationAccumulator("multiclass", 3)
    acc.update(y, p)
    warn = acc.result()
    assert warn.metrics["mcc"] == 0.0 and warn.metrics["cohen_kappa"] == 0.0
    assert any(w.startswith("mcc is undefined") for w in warn.warnings)
    one = acc.result(zero_division=1)
    assert one.metrics["mcc"] == 1.0 and one.metrics["cohen_kappa"] == 1.0
    nan = acc.result(zero_division="nan")
    assert nan.metrics["mcc"] is None and nan.metrics["cohen_kappa"] is None


def test_multilabel_log_loss_is_mean_binary_cross_entropy_not_sklearn_multilabel():
    # sklearn's log_loss on a multi-label indicator matrix sums -y log p over the positive
    # labels only (negatives ignored). losscli: every cell is a binary prediction, the mean BCE.
    y = np.array([[1, 0], [0, 1]], dtype=float)
    p = np.array([[0.8, 0.6], [0.3, 0.9]])
    acc = ClassificationAccumulator("multilabel", 2)
    acc.update(y, p)
    ours = acc.result().metrics["log_loss"]
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert ours == pytest.approx(bce, abs=1e-12)
    sk = quiet(skm.log_loss, y, p)
    assert sk != pytest.approx(ours, abs=1e-6)


def test_ece_confidence_one_stays_in_last_bin_unlike_torchmetrics():
    # torchmetrics bucketizes with right=True against linspace(0, 1, n+1) edges, which puts a
    # confidence of exactly 1.0 in an extra (n+1)-th bin; losscli keeps exactly n bins with the
    # last one closed, [14/15, 1] (Guo et al.'s binning). Saturated sigmoids make this common.
    golden = json.loads(
        (Path(__file__).resolve().parents[1] / "golden" / "metrics_golden.json").read_text()
    )
    case = next(c for c in golden["cases"] if c["name"] == "binary_saturated")
    acc = ClassificationAccumulator("binary", 2, ece_bins=15)
    y, p = np.array(case["y_true"], dtype=float), np.array(case["y_prob"])
    acc.update(y, p)
    ours = acc.result().metrics["ece"]
    assert case["ece"] == pytest.approx(0.335, abs=1e-12)  # torchmetrics
    assert ours == pytest.approx(0.315, abs=1e-12)
    # without the 1.0 confidences both conventions bin alike; by hand: 0.95 and 0.97 (both
    # correct) share the top bin, |2 - 1.92|; 0.2 (y=0), 0.1 (y=1), 0.5 (y=1) sit alone
    keep = p < 1.0
    acc2 = ClassificationAccumulator("binary", 2, ece_bins=15)
    acc2.update(y[keep], p[keep])
    assert acc2.result().metrics["ece"] == pytest.approx((0.08 + 0.2 + 0.9 + 0.5) / 5, abs=1e-12)


def test_r2_constant_target_is_exact():
    # sklearn's two-pass mean leaves a rounding residue for a constant y_true like 0.1, so its
    # denominator is ~1e-33 instead of 0 and R^2 explodes; losscli detects min == max and uses
    # scikit-learn's own force_finite rule (0.0 for an imperfect fit, 1.0 for a perfect one).
    y = np.full(3, 0.1)
    yhat = np.array([0.1, 0.2, 0.1])
    sk = skm.r2_score(y, yhat)
    assert sk < -1e20
    acc = RegressionAccumulator()
    acc.update(y, yhat)
    res = acc.result()
    assert res.metrics["r2"] == 0.0
    assert any("constant" in w for w in res.warnings)
    assert skm.r2_score(np.full(3, 0.5), yhat) == 0.0  # an exact constant: sklearn agrees


def test_max_error_multioutput_and_r2_single_sample():
    # sklearn's max_error refuses multi-output targets; losscli takes the max over all cells.
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    yhat = np.array([[1.5, 2.0], [3.0, 1.0]])
    with pytest.raises(ValueError):
        skm.max_error(y, yhat)
    acc = RegressionAccumulator()
    acc.update(y, yhat)
    assert acc.result().metrics["max_error"] == 3.0
    # R^2 from one sample: sklearn NaN with a warning, losscli None with a warning
    one = RegressionAccumulator()
    one.update(np.array([1.0]), np.array([2.0]))
    assert math.isnan(quiet(skm.r2_score, [1.0], [2.0]))
    assert one.result().metrics["r2"] is None
