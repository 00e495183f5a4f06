"""The metrics contract: names, shapes, warnings, errors, settings, imports.

Values here are worked by hand in the comments (the scikit-learn parity is elsewhere).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from losscli.errors import InputError, UsageError
from losscli.metrics import ClassificationAccumulator, MetricsResult

AVG = [
    f"{m}_{a}"
    for m in ("precision", "recall", "f1", "jaccard")
    for a in ("macro", "micro", "weighted")
]
COMMON = {"accuracy", "log_loss", "brier", "ece", *AVG}


def result_for(task, zero_division="warn", **kw):
    if task == "binary":
        acc = ClassificationAccumulator("binary", 2, **kw)
        acc.update(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.2, 0.9, 0.4, 0.6]))
    elif task == "multiclass":
        acc = ClassificationAccumulator("multiclass", 3, class_names=["cat", "dog", "bird"], **kw)
        acc.update(np.array([0, 1, 2, 0]), np.array([[0.7, 0.2, 0.1]] * 2 + [[0.1, 0.8, 0.1]] * 2))
    else:
        acc = ClassificationAccumulator("multilabel", 3, **kw)
        acc.update(
            np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]], dtype=float),
            np.array([[0.9, 0.2, 0.6], [0.3, 0.8, 0.4], [0.6, 0.4, 0.2]]),
        )
    return acc.result(zero_division=zero_division)


def test_flat_metric_names_are_the_contract():
    binary = {"balanced_accuracy", "mcc", "cohen_kappa"}
    binary |= {"precision", "recall", "f1", "specificity", "jaccard", "roc_auc"}
    binary |= {"average_precision"}
    assert set(result_for("binary").metrics) == COMMON | binary
    multiclass = {"balanced_accuracy", "mcc", "cohen_kappa", "roc_auc_macro"}
    multiclass |= {"average_precision_macro", "top_k_accuracy"}
    multiclass |= {"cohen_kappa_linear", "cohen_kappa_quadratic", "roc_auc_ovo_macro"}
    averages = {"roc_auc_weighted", "roc_auc_micro"}
    averages |= {"average_precision_weighted", "average_precision_micro"}
    multiclass |= averages | {"roc_auc_ovo_weighted"}
    assert set(result_for("multiclass", top_k=2).metrics) == COMMON | multiclass
    samples = {"precision_samples", "recall_samples", "f1_samples", "average_precision_samples"}
    multilabel = {"subset_accuracy", "hamming_loss", "roc_auc_macro", "average_precision_macro"}
    multilabel |= averages
    assert set(result_for("multilabel").metrics) == COMMON | multilabel | samples
    fbeta = set(result_for("multilabel", beta=2.0).metrics) - set(result_for("multilabel").metrics)
    assert fbeta == {"fbeta_macro", "fbeta_micro", "fbeta_weighted", "fbeta_samples"}
    assert "fbeta" in result_for("binary", beta=0.5).metrics


def test_binary_hand_values():
    # y = [0, 1, 1, 0], p = [.2, .9, .4, .6]: predictions [0, 1, 0, 1] -> cm [[1, 1], [1, 1]]
    res = result_for("binary")
    m = res.metrics
    assert res.confusion_matrix == [[1, 1], [1, 1]]
    assert m["accuracy"] == m["precision"] == m["recall"] == m["specificity"] == 0.5
    assert m["mcc"] == 0.0 and m["cohen_kappa"] == 0.0
    # positives (.9, .4) vs negatives (.2, .6): 3 of 4 pairs ordered -> AUC 0.75
    assert m["roc_auc"] == 0.75
    assert [r["class"] for r in res.per_class] == ["0", "1"]
    assert res.per_class[1]["support"] == 2
    json.dumps(res.to_dict(), allow_nan=False)


def test_warning_names_the_classes():
    # no predicted samples for 'bird' and 'cat': the warning names both
    acc = ClassificationAccumulator("multiclass", 3, class_names=["bird", "cat", "dog"])
    acc.update(np.array([0, 1, 2]), np.array([[0.1, 0.2, 0.7]] * 3))
    res = acc.result()
    assert (
        "precision is undefined for classes 'bird', 'cat' (no predicted samples); set to 0. "
        "Use --zero-division to change it." in res.warnings
    )
    assert res.per_class[0]["precision"] == 0.0
    assert all("\n" not in w for w in res.warnings)
    # asked for explicitly: no warning; nan: null values and a note
    assert not [w for w in acc.result(zero_division=0).warnings if "precision" in w]
    nan = acc.result(zero_division="nan")
    assert nan.per_class[0]["precision"] is None
    assert nan.metrics["precision_macro"] == 1 / 3  # nan classes are left out (sklearn)
    assert any(w.endswith("reported as null.") for w in nan.warnings)
    one = acc.result(zero_division=1.0)
    assert one.metrics["precision_macro"] == pytest.approx((1 + 1 + 1 / 3) / 3)
    json.dumps(nan.to_dict(), allow_nan=False)


def test_multiclass_auc_exclusion_reported():
    res = result_for("multiclass")  # every class present -> nothing excluded
    assert res.n_auc_excluded == 0
    acc = ClassificationAccumulator("multiclass", 3, class_names=["cat", "dog", "bird"])
    acc.update(np.array([0, 1, 0]), np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2]]))
    res = acc.result()
    assert res.per_class[2]["roc_auc"] is None and res.n_auc_excluded == 1
    assert any("class 'bird'" in w and "2 of 3 classes" in w for w in res.warnings)


def test_multilabel_per_label_thresholds_and_confusion():
    y = np.array([[1, 1], [0, 1], [1, 0]], dtype=float)
    p = np.array([[0.6, 0.6], [0.6, 0.6], [0.4, 0.4]])
    acc = ClassificationAccumulator("multilabel", 2, threshold=np.array([0.5, 0.7]))
    acc.update(y, p)
    res = acc.result()
    # label 0 predicted [1, 1, 0]: tn 0, fp 1, fn 1, tp 1; label 1 predicted nothing
    assert res.confusion_matrix == [[[0, 1], [1, 1]], [[1, 0], [2, 0]]]
    assert res.metrics["precision_micro"] == 0.5
    # rows: {0,1} vs {0}; {1} vs {0}; {0} vs {}: hamming 4 wrong of 6 cells
    assert res.metrics["hamming_loss"] == pytest.approx(4 / 6)
    assert res.metrics["subset_accuracy"] == 0.0 == res.metrics["accuracy"]


def test_keep_scores_false_drops_ranking_only():
    res = result_for("binary", keep_scores=False)
    assert res.metrics["roc_auc"] is None and res.metrics["average_precision"] is None
    assert res.metrics["accuracy"] == 0.5
    assert any("keep_scores=False" in w for w in res.warnings)
    acc = ClassificationAccumulator("binary", 2, keep_scores=False)
    with pytest.raises(ValueError, match="keep_scores"):
        acc.stored()


def test_empty_accumulator():
    res = ClassificationAccumulator("multiclass", 3).result()
    assert all(v is None for v in res.metrics.values())
    assert len(res.warnings) == 1 and "no samples" in res.warnings[0]
    assert res.confusion_matrix == [[0, 0, 0]] * 3
    assert isinstance(res, MetricsResult)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"task": "ranking", "n_classes": 2},
        {"task": "binary", "n_classes": 3},
        {"task": "multiclass", "n_classes": 1},
        {"task": "multiclass", "n_classes": 3, "class_names": ["a", "b"]},
        {"task": "multilabel", "n_classes": 3, "threshold": np.array([0.5, 0.5])},
        {"task": "binary", "n_classes": 2, "top_k": 1},
        {"task": "multiclass", "n_classes": 3, "top_k": 0},
        {"task": "binary", "n_classes": 2, "ece_bins": 0},
        {"task": "binary", "n_classes": 2, "beta": 0.0},
        {"task": "binary", "n_classes": 2, "threshold": float("nan")},
    ],
)
def test_bad_settings_are_usage_errors(kwargs):
    with pytest.raises(UsageError) as err:
        ClassificationAccumulator(kwargs.pop("task"), kwargs.pop("n_classes"), **kwargs)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "task,y,p,w,match",
    [
        ("binary", [0, 1], [0.5], None, "rows"),
        ("binary", [0, 2], [0.5, 0.5], None, "row 1"),
        ("binary", [0, 1], [0.5, 1.5], None, r"\[0, 1\]"),
        ("binary", [0, 1], [0.5, np.nan], None, "NaN"),
        ("binary", [0, 1], [0.5, 0.5], [1.0, -1.0], "non-negative"),
        ("binary", [0, 1], [0.5, 0.5], [1.0], "one weight per row"),
        ("multiclass", [0, 3], [[0.5, 0.3, 0.2]] * 2, None, "out of range"),
        ("multiclass", [0, 1.5], [[0.5, 0.3, 0.2]] * 2, None, "whole numbers"),
        ("multiclass", [0, 1], [[0.5, 0.5]] * 2, None, r"\(N, 3\)"),
        ("multilabel", [[0, 1, 0.5]], [[0.5, 0.3, 0.2]], None, "0 or 1"),
    ],
)
def test_bad_input_is_input_error(task, y, p, w, match):
    acc = ClassificationAccumulator(task, 3 if task != "binary" else 2)
    with pytest.raises(InputError, match=match) as err:
        acc.update(np.array(y), np.array(p), None if w is None else np.array(w))
    assert "\n" not in str(err.value)
    assert acc.n_rows == 0  # a rejected chunk leaves no trace


def test_bad_zero_division():
    acc = ClassificationAccumulator("binary", 2)
    with pytest.raises(UsageError, match="zero_division"):
        acc.result(zero_division="sometimes")
    with pytest.raises(UsageError):
        acc.result(zero_division=0.5)


def test_merge_requires_same_settings():
    a = ClassificationAccumulator("binary", 2)
    with pytest.raises(ValueError, match="settings"):
        a.merge(ClassificationAccumulator("binary", 2, threshold=0.3))
    with pytest.raises(ValueError, match="settings"):
        a.merge(ClassificationAccumulator("binary", 2, ece_bins=10))
    with pytest.raises(ValueError):
        a.merge("not an accumulator")  # type: ignore[arg-type]


def test_binary_threshold_is_strict():
    acc = ClassificationAccumulator("binary", 2, threshold=0.5)
    acc.update(np.array([1.0, 1.0]), np.array([0.5, 0.50001]))
    assert acc.result().confusion_matrix == [[0, 0], [1, 1]]


def test_metrics_core_imports_numpy_only():
    code = (
        "import sys, losscli.metrics; "
        "bad = [m for m in ('sklearn', 'scipy', 'pandas', 'torch', 'click', 'rich', 'pyarrow') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_confusion_counts_take_one_bincount_pass(monkeypatch):
    # the issue: 10 classes -> one np.bincount over y_true * C + y_pred, no loop over classes
    import losscli.metrics.confusion as confusion

    calls = []
    real = np.bincount

    def counting(x, *a, **k):
        calls.append(np.asarray(x).shape)
        return real(x, *a, **k)

    monkeypatch.setattr(confusion.np, "bincount", counting)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 5000)
    pred = rng.integers(0, 10, 5000)
    cm = confusion.confusion_matrix(y, pred, 10)
    assert calls == [(5000,)]
    assert cm.sum() == 5000 and cm[3, 7] == np.sum((y == 3) & (pred == 7))
