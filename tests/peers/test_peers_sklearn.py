"""scikit-learn's own fixed-value metric tests, ported to losscli through the CLI.

Each case comes from a test in scikit-learn's ``sklearn/metrics/tests/`` (shipped in its wheel;
the function is named in a comment above each test) and keeps that test's inputs and expected
numbers. The inputs are written to files in ``tmp_path`` and run through ``losscli compute``
(click's CliRunner); predicted labels (``y_pred``) become scores that give the same predictions
(0.9 / 0.1 for binary, 0.8 for the predicted class for multi-class, 0 / 1 probabilities for
multi-label). Where losscli departs from scikit-learn on purpose, the test asserts the
documented convention (README "Conventions", docs/CONTRACTS.md) and says so; cases waiting for
another branch's fix are ``xfail(strict=True)`` with the branch in the reason.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import cache

import numpy as np
import pytest
from helpers import invoke
from sklearn import metrics as skm


# ------------------------------------------------------------------------------ helpers
def run(*args: object, ok: bool = True) -> dict:
    res = invoke(*args)
    if ok:
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)
    return {"exit_code": res.exit_code, "stderr": res.stderr}


def _csv(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def binary(tmp_path, y, score, *extra, weights=None, scores="probs"):
    """Run compute on binary labels ``y`` and one score column."""
    rows = [(a, b) if weights is None else (a, b, c) for a, b, c in zip(y, score, weights or y)]
    header = ["label", "score"] + ([] if weights is None else ["w"])
    f = _csv(tmp_path / "b.csv", header, rows)
    w = [] if weights is None else ["--weight-col", "w"]
    return run("compute", f, "--task", "binary", "--scores", scores, *w, "-q", *extra)


def binary_pred(tmp_path, y, y_pred, *extra):
    """Binary predicted labels as probabilities 0.9 / 0.1 (the same predictions at 0.5)."""
    return binary(tmp_path, y, [0.9 if v == 1 else 0.1 for v in y_pred], *extra)


def multiclass(tmp_path, y, scores_rows, *extra, names=None, scores="probs", weights=None):
    """Run compute on class labels ``y`` and one score column per class."""
    c = len(scores_rows[0])
    cols = names or [f"c{j}" for j in range(c)]
    w = weights or [None] * len(y)
    rows = [(yi, *s) + (() if wi is None else (wi,)) for yi, s, wi in zip(y, scores_rows, w)]
    header = ["label", *cols] + ([] if weights is None else ["w"])
    f = _csv(tmp_path / "m.csv", header, rows)
    wopt = [] if weights is None else ["--weight-col", "w"]
    return run("compute", f, "--task", "multiclass", "--scores", scores, *wopt, "-q", *extra)


def multiclass_pred(tmp_path, y, y_pred, n_classes, *extra, weights=None):
    """Multi-class predicted labels as rows with 0.8 on the predicted class."""
    rest = 0.2 / (n_classes - 1)
    rows = [[0.8 if j == p else rest for j in range(n_classes)] for p in y_pred]
    return multiclass(tmp_path, y, rows, *extra, weights=weights)


def multilabel(tmp_path, y, p, *extra, weights=None):
    """Run compute on multi-hot rows ``y`` and probability rows ``p``."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    n_labels = y.shape[1]
    ycols, pcols = [f"y{j}" for j in range(n_labels)], [f"p{j}" for j in range(n_labels)]
    rows = [(*yr, *pr) + (() if weights is None else (w,)) for yr, pr, w in zip(y, p, weights or y)]
    header = ycols + pcols + ([] if weights is None else ["w"])
    f = _csv(tmp_path / "ml.csv", header, rows)
    args = ["--label-col", ",".join(ycols), "--pred-cols", ",".join(pcols)]
    wopt = [] if weights is None else ["--weight-col", "w"]
    return run(
        "compute", f, *args, "--task", "multilabel", "--scores", "probs", *wopt, "-q", *extra
    )


def regression(tmp_path, y, pred, *extra):
    f = _csv(tmp_path / "r.csv", ["target", "prediction"], list(zip(y, pred)))
    return run("compute", f, "--task", "regression", "-q", *extra)


def per_class(d, key):
    return [row[key] for row in d["per_class"]]


@cache
def _make_prediction(binary_task: bool):
    # the helper scikit-learn's tests use: an SVC on iris with noise features
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its module's custom pytest marks
        from sklearn.metrics.tests.test_classification import make_prediction

    return make_prediction(binary=binary_task)


# ------------------------------------------------------------------------------ classification
# sklearn/metrics/tests/test_classification.py::test_multilabel_accuracy_score_subset_accuracy
# and ::test_multilabel_zero_one_loss_subset
Y1 = [[0, 1, 1], [1, 0, 1]]
Y2 = [[0, 0, 1], [1, 0, 1]]


@pytest.mark.parametrize(
    ("y", "p", "acc"),
    [
        (Y1, Y2, 0.5),
        (Y1, Y1, 1.0),
        (Y2, Y2, 1.0),
        (Y2, 1 - np.array(Y2), 0.0),
        (Y1, 1 - np.array(Y1), 0.0),
        (Y1, np.zeros((2, 3)), 0.0),
        (Y2, np.zeros((2, 3)), 0.0),
    ],
)
def test_multilabel_subset_accuracy_and_zero_one(tmp_path, y, p, acc):
    d = multilabel(tmp_path, y, p, "--loss", "zero_one")
    assert d["metrics"]["accuracy"] == acc
    assert d["metrics"]["subset_accuracy"] == acc
    assert d["losses"]["zero_one"] == pytest.approx(1 - acc)


# sklearn/metrics/tests/test_classification.py::test_multilabel_hamming_loss
@pytest.mark.parametrize(
    ("y", "p", "weights", "expected"),
    [
        (Y1, Y2, None, 1 / 6),
        (Y1, Y1, None, 0.0),
        (Y2, 1 - np.array(Y2), None, 1.0),
        (Y1, np.zeros((2, 3)), None, 4 / 6),
        (Y2, np.zeros((2, 3)), None, 0.5),
        (Y1, Y2, [1, 3], 1 / 12),
        (Y1, 1 - np.array(Y2), [1, 3], 11 / 12),
        (Y1, np.zeros((2, 3)), [1, 3], 2 / 3),
    ],
)
def test_multilabel_hamming_loss(tmp_path, y, p, weights, expected):
    d = multilabel(tmp_path, y, p, weights=weights)
    assert d["metrics"]["hamming_loss"] == pytest.approx(expected, abs=1e-15)


# sklearn/metrics/tests/test_classification.py::test_precision_recall_f1_score_multilabel_1
def test_precision_recall_f1_multilabel_1(tmp_path):
    y = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]]
    p = [[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 1, 0]]
    d = multilabel(tmp_path, y, p)
    np.testing.assert_array_almost_equal(per_class(d, "precision"), [0.0, 0.5, 1.0, 0.0], 2)
    np.testing.assert_array_almost_equal(per_class(d, "recall"), [0.0, 1.0, 1.0, 0.0], 2)
    np.testing.assert_array_almost_equal(per_class(d, "f1"), [0.0, 1 / 1.5, 1, 0.0], 2)
    assert per_class(d, "support") == [1, 1, 1, 1]
    m = d["metrics"]
    assert m["precision_macro"] == pytest.approx(1.5 / 4)
    assert m["recall_macro"] == pytest.approx(0.5)
    assert m["f1_macro"] == pytest.approx(2.5 / 1.5 * 0.25)
    for name in ("precision_micro", "recall_micro", "f1_micro"):
        assert m[name] == pytest.approx(0.5)
    assert m["precision_weighted"] == pytest.approx(1.5 / 4)
    assert m["recall_weighted"] == pytest.approx(0.5)
    assert m["f1_weighted"] == pytest.approx(2.5 / 1.5 * 0.25)
    for name in ("precision_samples", "recall_samples", "f1_samples"):
        assert m[name] == pytest.approx(0.5)


# sklearn/metrics/tests/test_classification.py::test_precision_recall_f1_score_multilabel_2
def test_precision_recall_f1_multilabel_2(tmp_path):
    y = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 1, 0]]
    p = [[0, 0, 0, 1], [0, 0, 0, 1], [1, 1, 0, 0]]
    d = multilabel(tmp_path, y, p)
    np.testing.assert_array_almost_equal(per_class(d, "precision"), [0.0, 1.0, 0.0, 0.0], 2)
    np.testing.assert_array_almost_equal(per_class(d, "recall"), [0.0, 0.5, 0.0, 0.0], 2)
    np.testing.assert_array_almost_equal(per_class(d, "f1"), [0.0, 0.66, 0.0, 0.0], 2)
    assert per_class(d, "support") == [1, 2, 1, 0]
    m = d["metrics"]
    assert (m["precision_micro"], m["recall_micro"]) == (pytest.approx(0.25), pytest.approx(0.25))
    assert m["f1_micro"] == pytest.approx(2 * 0.25 * 0.25 / 0.5)
    assert m["precision_macro"] == pytest.approx(0.25)
    assert m["recall_macro"] == pytest.approx(0.125)
    assert m["f1_macro"] == pytest.approx(2 / 12)
    assert m["precision_weighted"] == pytest.approx(2 / 4)
    assert m["recall_weighted"] == pytest.approx(1 / 4)
    assert m["f1_weighted"] == pytest.approx(2 / 3 * 2 / 4)
    assert m["precision_samples"] == pytest.approx(1 / 6)
    assert m["recall_samples"] == pytest.approx(1 / 6)
    assert m["f1_samples"] == pytest.approx(2 / 4 * 1 / 3)


# sklearn/metrics/tests/test_classification.py::
# test_precision_recall_f1_score_with_an_empty_prediction
@pytest.mark.parametrize(
    ("zero_division", "expected"), [("warn", 0), ("0", 0), ("1", 1), ("nan", math.nan)]
)
def test_precision_recall_f1_with_an_empty_prediction(tmp_path, zero_division, expected):
    y = [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0]]
    p = [[0, 0, 0, 0], [0, 0, 0, 1], [0, 1, 1, 0]]
    d = multilabel(tmp_path, y, p, "--zero-division", zero_division)
    none = None if math.isnan(expected) else expected
    assert per_class(d, "precision") == [none, 1.0, 1.0, 0.0]
    assert per_class(d, "recall") == [0.0, 0.5, 1.0, none]
    np.testing.assert_array_almost_equal(per_class(d, "f1"), [0, 1 / 1.5, 1, 0], 2)
    assert per_class(d, "support") == [1, 2, 1, 0]
    value_to_sum = 0 if math.isnan(expected) else expected
    values_to_average = 3 + (not math.isnan(expected))
    m = d["metrics"]
    assert m["precision_macro"] == pytest.approx((2 + value_to_sum) / values_to_average)
    assert m["recall_macro"] == pytest.approx((1.5 + value_to_sum) / values_to_average)
    assert m["f1_macro"] == pytest.approx((2 / 3 + 1) / 4)
    assert m["precision_micro"] == pytest.approx(2 / 3)
    assert m["recall_micro"] == pytest.approx(0.5)
    assert m["f1_micro"] == pytest.approx(2 / 3 / (2 / 3 + 0.5))
    assert m["precision_weighted"] == pytest.approx(3 / 4 if expected == 0 else 1.0)
    assert m["recall_weighted"] == pytest.approx(0.5)
    assert m["f1_weighted"] == pytest.approx((2 * 2 / 3 + 1) / 4)


# sklearn/metrics/tests/test_classification.py::test_precision_recall_f1_score_binary
def test_precision_recall_f1_binary_make_prediction(tmp_path):
    y_true, y_pred, _ = _make_prediction(True)
    d = binary_pred(tmp_path, y_true, y_pred)
    np.testing.assert_array_almost_equal(per_class(d, "precision"), [0.73, 0.85], 2)
    np.testing.assert_array_almost_equal(per_class(d, "recall"), [0.88, 0.68], 2)
    np.testing.assert_array_almost_equal(per_class(d, "f1"), [0.80, 0.76], 2)
    assert per_class(d, "support") == [25, 25]
    assert d["metrics"]["precision"] == pytest.approx(0.85, abs=0.005)
    assert d["metrics"]["recall"] == pytest.approx(0.68, abs=0.005)
    assert d["metrics"]["f1"] == pytest.approx(0.76, abs=0.005)


# sklearn/metrics/tests/test_classification.py::test_confusion_matrix_binary
def test_confusion_matrix_and_mcc_binary_make_prediction(tmp_path):
    y_true, y_pred, _ = _make_prediction(True)
    d = binary_pred(tmp_path, y_true, y_pred)
    assert d["confusion_matrix"] == [[22, 3], [8, 17]]
    assert d["metrics"]["mcc"] == pytest.approx(0.57, abs=0.005)


# sklearn/metrics/tests/test_classification.py::test_precision_recall_f1_score_multiclass
def test_precision_recall_f1_multiclass_make_prediction(tmp_path):
    y_true, y_pred, _ = _make_prediction(False)
    d = multiclass_pred(tmp_path, y_true, y_pred, 3)
    np.testing.assert_array_almost_equal(per_class(d, "precision"), [0.83, 0.33, 0.42], 2)
    np.testing.assert_array_almost_equal(per_class(d, "recall"), [0.79, 0.09, 0.90], 2)
    np.testing.assert_array_almost_equal(per_class(d, "f1"), [0.81, 0.15, 0.57], 2)
    assert per_class(d, "support") == [24, 31, 20]
    expected = {
        "precision_micro": 0.53,
        "recall_micro": 0.53,
        "f1_micro": 0.53,
        "precision_macro": 0.53,
        "recall_macro": 0.60,
        "f1_macro": 0.51,
        "precision_weighted": 0.51,
        "recall_weighted": 0.53,
        "f1_weighted": 0.47,
    }
    for name, value in expected.items():
        assert d["metrics"][name] == pytest.approx(value, abs=0.005), name


# sklearn/metrics/tests/test_classification.py::test_cohen_kappa
@pytest.mark.parametrize(
    ("y1", "y2", "kappa"),
    [
        ([0] * 40 + [1] * 60, [0] * 20 + [1] * 20 + [0] * 10 + [1] * 50, 0.348),
        ([0] * 46 + [1] * 44 + [2] * 10, [0] * 52 + [1] * 32 + [2] * 16, 0.8013),
        ([0] * 46 + [1] * 44 + [2] * 10, [0] * 50 + [1] * 40 + [2] * 10, 0.9315),
    ],
)
def test_cohen_kappa(tmp_path, y1, y2, kappa):
    d = multiclass_pred(tmp_path, y1, y2, 3)
    decimals = len(str(kappa).split(".")[1])
    assert round(d["metrics"]["cohen_kappa"], decimals) == kappa
    # the contingency table is symmetric in the two raters' roles
    assert d["metrics"]["cohen_kappa"] == pytest.approx(skm.cohen_kappa_score(y2, y1), rel=1e-12)


# sklearn/metrics/tests/test_classification.py::test_matthews_corrcoef
def test_matthews_corrcoef_binary_cases(tmp_path):
    rng = np.random.RandomState(0)
    y = list(rng.randint(0, 2, size=20))
    assert binary_pred(tmp_path, y, y)["metrics"]["mcc"] == pytest.approx(1.0)
    assert binary_pred(tmp_path, y, [1 - v for v in y])["metrics"]["mcc"] == pytest.approx(-1.0)
    # zero variance: scikit-learn gives 0 (losscli: 0 with a warning, --zero-division)
    d = binary_pred(tmp_path, [0, 0, 0, 0], [0, 0, 0, 0])
    assert d["metrics"]["mcc"] == 0.0
    assert binary_pred(tmp_path, y, [0] * 20)["metrics"]["mcc"] == 0.0
    y_1 = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1]
    y_2 = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    assert binary_pred(tmp_path, y_1, y_2)["metrics"]["mcc"] == pytest.approx(0.0, abs=1e-12)


# sklearn/metrics/tests/test_classification.py::test_matthews_corrcoef_multiclass
@pytest.mark.parametrize(
    ("y_true", "y_pred", "weights", "mcc"),
    [
        ([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1], None, -0.5),
        ([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 0, 0], None, -12 / np.sqrt(24 * 16)),
        ([0, 1, 2, 0, 1, 2, 0, 1, 2], [1, 1, 1, 2, 2, 2, 0, 0, 0], None, 0.0),
        ([0, 0, 1, 1, 2], [1, 1, 0, 0, 2], [1, 1, 1, 1, 0], -1.0),
        ([0, 0, 1, 2], [0, 0, 1, 2], [1, 1, 0, 0], 0.0),
    ],
)
def test_matthews_corrcoef_multiclass(tmp_path, y_true, y_pred, weights, mcc):
    d = multiclass_pred(tmp_path, y_true, y_pred, 3, weights=weights)
    assert d["metrics"]["mcc"] == pytest.approx(mcc, abs=1e-12)


# sklearn/metrics/tests/test_classification.py::test_zero_precision_recall
def test_zero_precision_recall(tmp_path):
    d = multiclass_pred(tmp_path, [0, 1, 2, 0, 1, 2], [2, 0, 1, 1, 2, 0], 3)
    for name in ("precision_macro", "recall_macro", "f1_macro"):
        assert d["metrics"][name] == 0.0


# sklearn/metrics/tests/test_classification.py::test_f1_for_small_binary_inputs_with_zero_division
@pytest.mark.parametrize(
    ("y_true", "y_pred", "expected"),
    [([0, 1], [1, 0], 0.0), ([0, 1], [0, 1], 1.0), ([0, 1], [0, 0], 0.0), ([0, 0], [0, 0], 1.0)],
)
def test_f1_small_binary_inputs_zero_division_1(tmp_path, y_true, y_pred, expected):
    d = binary_pred(tmp_path, y_true, y_pred, "--zero-division", "1")
    assert d["metrics"]["f1"] == pytest.approx(expected)


# sklearn/metrics/tests/test_classification.py::test_balanced_accuracy_score_unseen
def test_balanced_accuracy_unseen_class_warns(tmp_path):
    d = binary_pred(tmp_path, [0, 0, 0], [0, 0, 1])
    with pytest.warns(UserWarning, match="y_pred contains classes not in y_true"):
        ref = skm.balanced_accuracy_score([0, 0, 0], [0, 0, 1])
    assert d["metrics"]["balanced_accuracy"] == pytest.approx(ref)
    assert any("balanced_accuracy leaves out" in w for w in d["warnings"])


# sklearn/metrics/tests/test_classification.py::test_hinge_loss_binary
def test_hinge_loss_binary_pm1(tmp_path):
    d = binary(tmp_path, [-1, 1, 1, -1], [-8.5, 0.5, 1.5, -0.3], "--loss", "hinge", scores="logits")
    assert d["inputs"]["label_encoding"] == "pm1"
    assert d["losses"]["hinge"] == pytest.approx(1.2 / 4, rel=1e-12)


# sklearn/metrics/tests/test_classification.py::test_hinge_loss_binary (labels {0, 2})
def test_hinge_loss_binary_labels_0_2(tmp_path):
    d = binary(tmp_path, [0, 2, 2, 0], [-8.5, 0.5, 1.5, -0.3], "--loss", "hinge", scores="logits")
    assert d["losses"]["hinge"] == pytest.approx(1.2 / 4, rel=1e-12)


# sklearn/metrics/tests/test_classification.py::test_hinge_loss_multiclass
def test_hinge_loss_multiclass(tmp_path):
    pred = np.array(
        [
            [+0.36, -0.17, -0.58, -0.99],
            [-0.54, -0.37, -0.48, -0.58],
            [-1.45, -0.58, -0.38, -0.17],
            [-0.54, -0.38, -0.48, -0.58],
            [-2.36, -0.79, -0.27, +0.24],
            [-1.45, -0.58, -0.38, -0.17],
        ]
    )
    y = np.array([0, 1, 2, 1, 3, 2])
    other = [1, 2, 3, 2, 2, 3]  # the highest wrong class of each row, as in the sklearn test
    dummy = np.clip([1 - pred[i, y[i]] + pred[i, other[i]] for i in range(6)], 0, None)
    d = multiclass(tmp_path, list(y), pred.tolist(), "--loss", "hinge", scores="logits")
    assert d["losses"]["hinge"] == pytest.approx(np.mean(dummy), rel=1e-12)


# sklearn/metrics/tests/test_classification.py::test_log_loss
def test_log_loss_binary_symbolic_labels(tmp_path):
    y = ["no", "no", "no", "yes", "yes", "yes"]
    proba = [[0.5, 0.5], [0.1, 0.9], [0.01, 0.99], [0.9, 0.1], [0.75, 0.25], [0.001, 0.999]]
    d = multiclass(tmp_path, y, proba, names=["no", "yes"])
    yes = np.array([v == "yes" for v in y])
    p1 = np.array(proba)[:, 1]
    loss_true = -np.mean(np.where(yes, np.log(p1), np.log(1 - p1)))  # bernoulli.logpmf
    assert d["metrics"]["log_loss"] == pytest.approx(loss_true, rel=1e-12)


@pytest.mark.parametrize(
    ("y", "proba", "names", "expected"),
    [
        ([1, 0, 2], [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]], None, 0.6904911),
        ([1, 0, 2] * 2, [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]] * 2, None, 0.6904911),
        (
            ["ham", "spam", "spam", "ham"],
            [[0.3, 0.7], [0.6, 0.4], [0.4, 0.6], [0.7, 0.3]],
            ["ham", "spam"],
            0.7469410,
        ),
    ],
)
def test_log_loss_fixed_values(tmp_path, y, proba, names, expected):
    d = multiclass(tmp_path, y, proba, names=names, scores="probs")
    assert d["metrics"]["log_loss"] == pytest.approx(expected, rel=1e-6)


# sklearn/metrics/tests/test_classification.py::test_log_loss_perfect_predictions
def test_log_loss_perfect_predictions(tmp_path):
    assert binary(tmp_path, [0, 1, 0], [0, 1, 0])["metrics"]["log_loss"] == pytest.approx(0)
    d = multiclass(tmp_path, [0, 1, 2], np.eye(3).tolist())
    assert d["metrics"]["log_loss"] == pytest.approx(0)


# sklearn/metrics/tests/test_classification.py::test_brier_score_loss_binary
def test_brier_score_binary(tmp_path):
    y = np.array([0, 1, 1, 0, 1, 1])
    p = np.array([0.1, 0.8, 0.9, 0.3, 1.0, 0.95])
    true_score = np.linalg.norm(y - p) ** 2 / len(y)
    assert binary(tmp_path, y, p)["metrics"]["brier"] == pytest.approx(true_score, rel=1e-12)
    assert binary(tmp_path, y, y)["metrics"]["brier"] == pytest.approx(0.0)
    assert binary(tmp_path, 2 * y - 1, p)["metrics"]["brier"] == pytest.approx(true_score)


# sklearn/metrics/tests/test_classification.py::test_brier_score_loss_multiclass
@pytest.mark.parametrize(
    ("y", "proba", "expected"),
    [
        ([1, 0, 2], [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]], 0.41333333),
        ([0, 1, 2], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 0.0),
        ([0, 1, 2], [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], 2.0),
    ],
)
def test_brier_score_multiclass(tmp_path, y, proba, expected):
    d = multiclass(tmp_path, y, proba)
    assert d["metrics"]["brier"] == pytest.approx(expected, abs=5e-8)


# sklearn/metrics/tests/test_classification.py::test_average_precision_score_duplicate_values
def test_average_precision_duplicate_values_is_one(tmp_path):
    y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    s = [0, 0.1, 0.1, 0.4, 0.5, 0.6, 0.6, 0.9, 0.9, 1, 1]
    assert binary(tmp_path, y, s)["metrics"]["average_precision"] == 1.0
    p = [[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]]
    assert multiclass(tmp_path, [0, 0, 1, 2], p)["metrics"]["average_precision_macro"] == 1.0


# sklearn/metrics/tests/test_classification.py::test_average_precision_score_tied_values
def test_average_precision_tied_values_is_not_one(tmp_path):
    d = binary(tmp_path, [0, 1, 1], [0.5, 0.5, 0.6])
    assert d["metrics"]["average_precision"] != 1.0
    assert d["metrics"]["average_precision"] == pytest.approx(
        skm.average_precision_score([0, 1, 1], [0.5, 0.5, 0.6])
    )


def test_average_precision_tied_values_multiclass_rows_not_summing_to_one(tmp_path):
    # the multi-class case of the same sklearn test: its rows sum to 1, 1, 1.2, 1.2, 1.6, which
    # scikit-learn ranks as given (class 1's positives tie with a negative: AP < 1). losscli's
    # documented reading (README Conventions "probabilities that do not sum to 1") renormalises
    # them with a warning, which breaks the tie; the AP is scikit-learn's on the renormalised rows.
    p = np.array(
        [[0.2, 0.3, 0.5], [0.2, 0.3, 0.5], [0.4, 0.5, 0.3], [0.4, 0.5, 0.3], [0.8, 0.5, 0.3]]
    )
    y = [2, 2, 1, 1, 0]
    d = multiclass(tmp_path, y, p.tolist())
    assert skm.average_precision_score(y, p) != 1.0
    assert any("renormalis" in w for w in d["warnings"])
    renormalised = p / p.sum(axis=1, keepdims=True)
    assert d["metrics"]["average_precision_macro"] == pytest.approx(
        skm.average_precision_score(y, renormalised)
    )


# ------------------------------------------------------------------------------ ranking
# sklearn/metrics/tests/test_ranking.py::test_roc_curve_toydata and
# ::test_precision_recall_curve_toydata (the binary cases)
@pytest.mark.parametrize(
    ("y", "s", "auc", "ap"),
    [
        ([0, 1], [0, 1], 1.0, 1.0),
        ([0, 1], [1, 0], 0.0, 0.5),
        ([1, 0], [1, 1], 0.5, 0.5),
        ([1, 0], [1, 0], 1.0, 1.0),
        ([1, 0], [0.5, 0.5], 0.5, 0.5),
        ([1, 1], [0.25, 0.75], None, 1.0),  # scikit-learn: AUC NaN with a warning
    ],
)
def test_roc_auc_and_ap_toydata(tmp_path, y, s, auc, ap):
    d = binary(tmp_path, y, s)
    assert d["metrics"]["roc_auc"] == auc
    assert d["metrics"]["average_precision"] == pytest.approx(ap)


def test_roc_auc_and_ap_toydata_no_positive(tmp_path):
    # test_roc_curve_toydata: AUC NaN (null here); test_precision_recall_curve_toydata: AP 0,
    # where losscli's convention is null (README Conventions: AP of a label with no positive)
    d = binary(tmp_path, [0, 0], [0.25, 0.75])
    assert d["metrics"]["roc_auc"] is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert skm.average_precision_score([0, 0], [0.25, 0.75]) == 0
    assert d["metrics"]["average_precision"] is None


# sklearn/metrics/tests/test_ranking.py::test_auc_score_non_binary_class
@pytest.mark.parametrize("label", [0, 1])
def test_roc_auc_single_class_is_null_with_a_warning(tmp_path, label):
    s = np.random.RandomState(404).rand(10)
    d = binary(tmp_path, [label] * 10, s)
    assert d["metrics"]["roc_auc"] is None
    assert any(w.startswith("roc_auc is undefined") for w in d["warnings"])


# sklearn/metrics/tests/test_ranking.py::test_average_precision_constant_values
def test_average_precision_constant_values(tmp_path):
    y = np.zeros(100, dtype=int)
    y[::4] = 1
    assert binary(tmp_path, y, np.ones(100))["metrics"]["average_precision"] == 0.25


# sklearn/metrics/tests/test_ranking.py::test_multiclass_ovr_roc_auc_toydata
@pytest.mark.parametrize("names", [None, ["a", "b", "c"]])
def test_multiclass_ovr_roc_auc_toydata(tmp_path, names):
    scores = [[1.0, 0.0, 0.0], [0.1, 0.5, 0.4], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]
    y = [0, 1, 2, 2] if names is None else ["a", "b", "c", "c"]
    sc = np.array(scores)
    out = [
        skm.roc_auc_score([1, 0, 0, 0], sc[:, 0]),
        skm.roc_auc_score([0, 1, 0, 0], sc[:, 1]),
        skm.roc_auc_score([0, 0, 1, 1], sc[:, 2]),
    ]
    d = multiclass(tmp_path, y, scores, names=names)
    assert per_class(d, "roc_auc") == pytest.approx(out)
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(sum(out) / 3)


# sklearn/metrics/tests/test_ranking.py::test_perfect_imperfect_chance_multiclass_roc_auc
def test_perfect_imperfect_chance_multiclass_roc_auc(tmp_path):
    y = [3, 1, 2, 0]
    perfect = [[0, 0, 0, 1.0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0.75, 0.05, 0.05, 0.15]]
    imperfect = [[0, 0, 0, 1.0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]
    assert multiclass(tmp_path, y, perfect)["metrics"]["roc_auc_macro"] == pytest.approx(1.0)
    assert multiclass(tmp_path, y, imperfect)["metrics"]["roc_auc_macro"] < 1.0
    chance = (0.25 * np.ones((4, 4))).tolist()
    assert multiclass(tmp_path, y, chance)["metrics"]["roc_auc_macro"] == pytest.approx(0.5)


# sklearn/metrics/tests/test_ranking.py::test_top_k_accuracy_score
@pytest.mark.parametrize(("k", "expected"), [(1, 0.25), (2, 0.5), (3, 0.75)])
def test_top_k_accuracy(tmp_path, k, expected):
    s = [[0.4, 0.3, 0.2, 0.1], [0.1, 0.3, 0.4, 0.2], [0.4, 0.1, 0.2, 0.3], [0.3, 0.2, 0.4, 0.1]]
    d = multiclass(tmp_path, [0, 1, 2, 3], s, "--top-k", k)
    assert d["metrics"]["top_k_accuracy"] == pytest.approx(expected)


# sklearn/metrics/tests/test_ranking.py::test_top_k_accuracy_score_ties
# scikit-learn gives ties to the highest index (0.25, 0.5, 1); losscli's documented convention
# gives them to the lowest (README Conventions "top-k ties"), as its argmax does.
@pytest.mark.parametrize(
    ("k", "sklearn_value", "ours"), [(1, 0.25, 0.5), (2, 0.5, 0.75), (3, 1.0, 0.75)]
)
def test_top_k_accuracy_ties_convention(tmp_path, k, sklearn_value, ours):
    s = [[5, 5, 7, 0], [1, 5, 5, 5], [0, 0, 3, 3], [1, 1, 1, 1]]
    y = [0, 1, 2, 3]
    assert skm.top_k_accuracy_score(y, s, k=k) == pytest.approx(sklearn_value)
    lowest_first = np.argsort(-np.array(s, dtype=float), axis=1, kind="stable")[:, :k]
    assert np.mean([y[i] in lowest_first[i] for i in range(4)]) == ours
    d = multiclass(tmp_path, y, s, "--top-k", k, scores="logits")
    assert d["metrics"]["top_k_accuracy"] == pytest.approx(ours)


# sklearn/metrics/tests/test_ranking.py::test_score_scale_invariance
@pytest.mark.parametrize(
    ("scale", "shift"),
    [
        (1e-6, 0.0),
        (1.0, -10.0),
        (100.0, 0.0),  # 100 x p read as logits: ranked by the logit, not the saturated sigmoid
    ],
)
def test_score_scale_invariance(tmp_path, scale, shift):
    y_true, _, y_score = _make_prediction(True)
    auc = skm.roc_auc_score(y_true, y_score)
    ap = skm.average_precision_score(y_true, y_score)
    scores = "probs" if shift == 0.0 and scale <= 1 else "logits"
    d = binary(tmp_path, y_true, scale * y_score + shift, scores=scores)
    assert d["metrics"]["roc_auc"] == pytest.approx(auc, rel=1e-12)
    assert d["metrics"]["average_precision"] == pytest.approx(ap, rel=1e-12)


# ------------------------------------------------------------------------------ regression
# sklearn/metrics/tests/test_regression.py::test_regression_metrics
def test_regression_metrics(tmp_path):
    y = np.arange(50)
    d = regression(tmp_path, y, y + 1, "--loss", "msle")
    m = d["metrics"]
    assert m["mse"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(1.0)
    assert m["max_error"] == pytest.approx(1.0)
    assert round(m["r2"], 2) == 0.995 or m["r2"] == pytest.approx(0.995, abs=0.005)
    assert math.isfinite(m["mape"]) and m["mape"] > 1e6
    msle = np.mean((np.log1p(y) - np.log1p(y + 1)) ** 2)
    assert d["losses"]["msle"] == pytest.approx(msle, rel=1e-12)


# sklearn/metrics/tests/test_regression.py::test_regression_metrics_at_limits
def test_regression_metrics_single_sample_zero(tmp_path):
    d = regression(tmp_path, [0.0], [0.0], "--loss", "all")
    for name in ("mse", "rmse", "mae", "mape", "max_error"):
        assert d["metrics"][name] == 0.0, name
    assert d["losses"]["msle"] == 0.0


@pytest.mark.parametrize(
    ("y", "pred", "r2"), [([0.0, 1], [0.0, 1], 1.0), ([0, 0], [1, -1], 0.0), ([1, 1], [1, 1], 1.0)]
)
def test_r2_at_limits(tmp_path, y, pred, r2):
    # scikit-learn's default force_finite=True: 0 for a constant target missed, 1 for one hit
    assert regression(tmp_path, y, pred)["metrics"]["r2"] == pytest.approx(r2)


@pytest.mark.parametrize(
    ("y", "pred"),
    [([-1.0], [-1.0]), ([1.0, 2.0, 3.0], [1.0, -2.0, 3.0]), ([1.0, -2.0, 3.0], [1.0, 2.0, 3.0])],
)
def test_msle_refuses_values_at_or_below_minus_one(tmp_path, y, pred):
    # scikit-learn raises "Mean Squared Logarithmic Error cannot be used when targets contain
    # values less than or equal to -1."; losscli exits 2 with one Error line
    f = _csv(tmp_path / "r.csv", ["target", "prediction"], list(zip(y, pred)))
    res = run("compute", f, "--task", "regression", "--loss", "msle", ok=False)
    assert res["exit_code"] == 2
    assert res["stderr"].startswith("Error: loss 'msle' needs values > -1")
    assert res["stderr"].count("\n") == 1


# sklearn/metrics/tests/test_regression.py::test_regression_single_sample (r2_score)
def test_r2_single_sample_is_null(tmp_path):
    assert regression(tmp_path, [0], [1])["metrics"]["r2"] is None


# sklearn/metrics/tests/test_regression.py::test_mean_absolute_percentage_error
def test_mean_absolute_percentage_error(tmp_path):
    y = np.random.RandomState(0).exponential(size=100)
    assert regression(tmp_path, y, 1.2 * y)["metrics"]["mape"] == pytest.approx(0.2)
