"""Classification metrics against scikit-learn, live (the independent reference).

Every flat metric of ClassificationAccumulator.result() is compared with the scikit-learn
function that defines it, on random data and on the edge cases the issue lists: all one class,
a class never predicted, ties, perfect and all-wrong predictions, multi-label rows with no
labels; with and without sample weights; for each zero_division setting. Agreement is
<= 1e-12 (relative to max(1, |value|)). Where losscli deliberately differs (undefined AUC,
top-k ties, multi-label log loss / Brier / ECE) see test_metrics_deviations.py.
"""

from __future__ import annotations

import math
import warnings
import zlib

import numpy as np
import pytest
import sklearn
from sklearn import metrics as skm

from losscli.metrics import ClassificationAccumulator

TOL = 1e-12


@pytest.fixture(autouse=True)
def _fast_sklearn():
    # scikit-learn's documented switch: skip its (slow) parameter validation; results unchanged
    with sklearn.config_context(skip_parameter_validation=True):
        yield


def close(ours, ref, name=""):
    """ours (float | None) equals the scikit-learn value ref (NaN means None)."""
    if ref is None or (isinstance(ref, float) and math.isnan(ref)):
        assert ours is None, f"{name}: expected None (undefined), got {ours}"
        return
    assert ours is not None, f"{name}: got None, scikit-learn gives {ref}"
    assert abs(ours - ref) <= TOL * max(1.0, abs(ref)), f"{name}: {ours} != {ref}"


def seed(*parts):
    """A deterministic seed per scenario (hash() of strings varies between runs)."""
    return zlib.crc32("|".join(parts).encode())


def sk_zd(zero_division):
    return np.nan if zero_division == "nan" else zero_division


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def defined_auc(y, w):
    ww = np.ones(len(y)) if w is None else w
    return ww[y == 1].sum() > 0 and ww[y == 0].sum() > 0


def defined_ap(y, w):
    ww = np.ones(len(y)) if w is None else w
    return ww[y == 1].sum() > 0


def prfs_refs(y, pred, w, zd, labels, averages, beta=1.0):
    out = {}
    for avg in averages:
        p, r, f, _ = quiet(
            skm.precision_recall_fscore_support,
            y,
            pred,
            labels=labels,
            average=avg,
            sample_weight=w,
            zero_division=sk_zd(zd),
        )
        out[f"precision_{avg}"], out[f"recall_{avg}"], out[f"f1_{avg}"] = p, r, f
        if beta != 1.0:
            fb = quiet(
                skm.fbeta_score,
                y,
                pred,
                beta=beta,
                labels=labels,
                average=avg,
                sample_weight=w,
                zero_division=sk_zd(zd),
            )
            out[f"fbeta_{avg}"] = fb
    return out


def undefined_value(zd):
    return {"warn": 0.0, 0: 0.0, 1: 1.0, "nan": math.nan}[zd]


# ------------------------------------------------------------------ data scenarios


def binary_data(kind, rng, n=60):
    y = rng.integers(0, 2, n).astype(np.float64)
    p = rng.random(n)
    if kind == "all_negative":
        y[:] = 0.0
    elif kind == "all_positive":
        y[:] = 1.0
    elif kind == "never_predicted":  # the positive class is never predicted
        p = rng.random(n) * 0.5
    elif kind == "ties":  # ties in the ranking and probabilities exactly at the threshold
        p = rng.choice([0.2, 0.5, 0.8], n)
    elif kind == "perfect":
        p = np.where(y == 1, 0.9, 0.1)
    elif kind == "all_wrong":
        p = np.where(y == 1, 0.1, 0.9)
    elif kind == "no_positive_predicted_or_true":
        y[:] = 0.0
        p = rng.random(n) * 0.4
    return y, p


def multiclass_data(kind, rng, n=80, c=4):
    y = rng.integers(0, c, n)
    probs = rng.dirichlet(np.ones(c), n)
    if kind == "all_one_class":
        y[:] = 2
    elif kind == "class_never_predicted":
        probs[:, 3] = 0.0
        probs /= probs.sum(axis=1, keepdims=True)
    elif kind == "class_absent":  # class 1 neither true nor predicted
        y = np.where(y == 1, 0, y)
        probs[:, 1] = 0.0
        probs /= probs.sum(axis=1, keepdims=True)
    elif kind == "ties":
        probs = rng.choice([0.1, 0.3, 0.6], (n, c))
        probs /= probs.sum(axis=1, keepdims=True)
    elif kind == "perfect":
        probs = rng.dirichlet(np.ones(c), n) * 0.1
        probs[np.arange(n), y] = 0.9
    elif kind == "all_wrong":
        probs = rng.dirichlet(np.ones(c), n) * 0.1
        probs[np.arange(n), (y + 1) % c] = 0.9
    elif kind == "unnormalised":  # rows need not sum to one; never renormalised
        probs = rng.random((n, c))
    return y, probs


def multilabel_data(kind, rng, n=70, n_labels=5):
    y = (rng.random((n, n_labels)) < 0.4).astype(np.float64)
    probs = rng.random((n, n_labels))
    if kind == "empty_rows":  # rows with no true labels and rows with no predicted labels
        y[: n // 3] = 0.0
        probs[n // 4 : n // 2] *= 0.4
    elif kind == "label_never_true":
        y[:, 2] = 0.0
    elif kind == "label_always_true":
        y[:, 1] = 1.0
    elif kind == "ties":
        probs = rng.choice([0.25, 0.5, 0.75], (n, n_labels))
    elif kind == "perfect":
        probs = np.where(y == 1, 0.8, 0.2)
    elif kind == "all_wrong":
        probs = np.where(y == 1, 0.2, 0.8)
    elif kind == "nothing_predicted":
        probs *= 0.3
    return y, probs


def weights_for(mode, rng, n):
    if mode == "none":
        return None
    w = rng.random(n) * 3.0
    if mode == "with_zeros":
        w[::7] = 0.0
    return w


# zero_division=0 gives the numbers of "warn" (only the warnings differ: test_metrics_api.py);
# "with_zeros" weights are random weights with every 7th row at zero
ZERO_DIVISIONS = ["warn", 1, "nan"]
WEIGHTS = ["none", "with_zeros"]


# ------------------------------------------------------------------ binary


@pytest.mark.parametrize("zd", ZERO_DIVISIONS)
@pytest.mark.parametrize("wmode", WEIGHTS)
@pytest.mark.parametrize(
    "kind",
    [
        "random",
        "all_negative",
        "all_positive",
        "never_predicted",
        "ties",
        "perfect",
        "all_wrong",
        "no_positive_predicted_or_true",
    ],
)
def test_binary_matches_sklearn(kind, wmode, zd):
    rng = np.random.default_rng(seed(kind, wmode))
    y, p = binary_data(kind, rng)
    w = weights_for(wmode, rng, len(y))
    beta = 2.0
    acc = ClassificationAccumulator("binary", 2, beta=beta)
    acc.update(y, p, w)
    res = acc.result(zero_division=zd)
    m = res.metrics
    pred = (p > 0.5).astype(int)
    yi = y.astype(int)
    labels = [0, 1]

    # positive-class precision / recall / f1 / fbeta: sklearn average="binary"
    pb, rb, fb, _ = quiet(
        skm.precision_recall_fscore_support,
        yi,
        pred,
        labels=labels,
        average=None,
        sample_weight=w,
        zero_division=sk_zd(zd),
    )
    close(m["precision"], pb[1], "precision")
    close(m["recall"], rb[1], "recall")
    close(m["f1"], fb[1], "f1")
    fbeta = quiet(
        skm.fbeta_score,
        yi,
        pred,
        beta=beta,
        labels=labels,
        average=None,
        sample_weight=w,
        zero_division=sk_zd(zd),
    )
    close(m["fbeta"], fbeta[1], "fbeta")
    # specificity of the positive class = recall of the negative class
    close(m["specificity"], rb[0], "specificity")
    for name, ref in prfs_refs(
        yi, pred, w, zd, labels, ["macro", "micro", "weighted"], beta
    ).items():
        close(m[name], ref, name)
    close(m["accuracy"], skm.accuracy_score(yi, pred, sample_weight=w), "accuracy")
    close(
        m["balanced_accuracy"],
        quiet(skm.balanced_accuracy_score, yi, pred, sample_weight=w),
        "balanced_accuracy",
    )
    mcc = skm.matthews_corrcoef(yi, pred, sample_weight=w)
    cm_ref = skm.confusion_matrix(yi, pred, labels=labels, sample_weight=w)
    mcc_undefined = _mcc_undefined(cm_ref)
    close(m["mcc"], undefined_value(zd) if mcc_undefined else mcc, "mcc")
    kappa = quiet(skm.cohen_kappa_score, yi, pred, labels=labels, sample_weight=w)
    close(m["cohen_kappa"], undefined_value(zd) if math.isnan(kappa) else kappa, "kappa")
    # per class rows: both classes, as classification_report shows them
    for i, row in enumerate(res.per_class):
        close(row["precision"], pb[i], f"precision[{i}]")
        close(row["recall"], rb[i], f"recall[{i}]")
        close(row["f1"], fb[i], f"f1[{i}]")
        support = cm_ref.sum(axis=1)[i]
        assert row["support"] == pytest.approx(support, rel=1e-12, abs=1e-12)
        assert isinstance(row["support"], float if w is not None else int)
    if zd != "warn":  # the rest does not depend on zero_division: check it once
        return
    close(m["log_loss"], skm.log_loss(yi, p, labels=labels, sample_weight=w), "log_loss")
    close(m["brier"], skm.brier_score_loss(yi, p, labels=labels, sample_weight=w), "brier")
    if defined_auc(y, w):
        close(m["roc_auc"], skm.roc_auc_score(yi, p, sample_weight=w), "roc_auc")
    else:
        assert m["roc_auc"] is None
    if defined_ap(y, w):
        close(
            m["average_precision"],
            skm.average_precision_score(yi, p, sample_weight=w),
            "average_precision",
        )
    else:
        assert m["average_precision"] is None

    # the class-0 ranking metrics use the score 1 - p
    if defined_auc(1 - y, w):
        close(
            res.per_class[0]["roc_auc"],
            skm.roc_auc_score(1 - yi, 1 - p, sample_weight=w),
            "roc_auc[0]",
        )
    if defined_ap(1 - y, w):
        close(
            res.per_class[0]["average_precision"],
            skm.average_precision_score(1 - yi, 1 - p, sample_weight=w),
            "ap[0]",
        )
    np.testing.assert_allclose(np.array(res.confusion_matrix, dtype=float), cm_ref, rtol=1e-12)
    if w is None:
        assert res.confusion_matrix == cm_ref.tolist()


def _mcc_undefined(cm):
    cm = np.asarray(cm, dtype=float)
    n = cm.sum()
    t, p = cm.sum(axis=1), cm.sum(axis=0)
    return (n**2 - p @ p) * (n**2 - t @ t) == 0


# ------------------------------------------------------------------ multi-class


@pytest.mark.parametrize("zd", ZERO_DIVISIONS)
@pytest.mark.parametrize("wmode", WEIGHTS)
@pytest.mark.parametrize(
    "kind",
    [
        "random",
        "all_one_class",
        "class_never_predicted",
        "class_absent",
        "ties",
        "perfect",
        "all_wrong",
        "unnormalised",
    ],
)
def test_multiclass_matches_sklearn(kind, wmode, zd):
    rng = np.random.default_rng(seed(kind, wmode, "mc"))
    c = 4
    y, probs = multiclass_data(kind, rng, c=c)
    w = weights_for(wmode, rng, len(y))
    beta = 0.5
    top_k = 2
    acc = ClassificationAccumulator(
        "multiclass", c, class_names=["a", "b", "c", "d"], beta=beta, top_k=top_k
    )
    acc.update(y, probs, w)
    res = acc.result(zero_division=zd)
    m = res.metrics
    pred = np.argmax(probs, axis=1)
    labels = list(range(c))

    for name, ref in prfs_refs(
        y, pred, w, zd, labels, ["macro", "micro", "weighted"], beta
    ).items():
        close(m[name], ref, name)
    close(m["accuracy"], skm.accuracy_score(y, pred, sample_weight=w), "accuracy")
    close(
        m["balanced_accuracy"],
        quiet(skm.balanced_accuracy_score, y, pred, sample_weight=w),
        "balanced_accuracy",
    )
    cm_ref = skm.confusion_matrix(y, pred, labels=labels, sample_weight=w)
    mcc = skm.matthews_corrcoef(y, pred, sample_weight=w)
    close(m["mcc"], undefined_value(zd) if _mcc_undefined(cm_ref) else mcc, "mcc")
    kappa = quiet(skm.cohen_kappa_score, y, pred, labels=labels, sample_weight=w)
    close(m["cohen_kappa"], undefined_value(zd) if math.isnan(kappa) else kappa, "kappa")
    p, r, f, s = quiet(
        skm.precision_recall_fscore_support,
        y,
        pred,
        labels=labels,
        sample_weight=w,
        zero_division=sk_zd(zd),
    )
    for k, row in enumerate(res.per_class):
        assert row["class"] == "abcd"[k]
        close(row["precision"], p[k], f"precision[{k}]")
        close(row["recall"], r[k], f"recall[{k}]")
        close(row["f1"], f[k], f"f1[{k}]")
        assert row["support"] == pytest.approx(s[k], rel=1e-12, abs=1e-12)
    if zd != "warn":  # the rest does not depend on zero_division: check it once
        return
    close(m["log_loss"], quiet(skm.log_loss, y, probs, labels=labels, sample_weight=w), "ll")
    close(
        m["brier"], quiet(skm.brier_score_loss, y, probs, labels=labels, sample_weight=w), "brier"
    )
    if kind != "ties":  # top-k ties: see test_metrics_deviations.py
        close(
            m["top_k_accuracy"],
            quiet(skm.top_k_accuracy_score, y, probs, k=top_k, labels=labels, sample_weight=w),
            "top_k_accuracy",
        )
    # one-vs-rest AUC / AP per class; macro over the defined classes
    aucs, aps = [], []
    for k in range(c):
        yk = (y == k).astype(int)
        auc_k = skm.roc_auc_score(yk, probs[:, k], sample_weight=w) if defined_auc(yk, w) else None
        ap_k = (
            skm.average_precision_score(yk, probs[:, k], sample_weight=w)
            if defined_ap(yk, w)
            else None
        )
        close(res.per_class[k]["roc_auc"], auc_k, f"roc_auc[{k}]")
        close(res.per_class[k]["average_precision"], ap_k, f"ap[{k}]")
        aucs += [auc_k] if auc_k is not None else []
        aps += [ap_k] if ap_k is not None else []
    close(m["roc_auc_macro"], float(np.mean(aucs)) if aucs else None, "roc_auc_macro")
    close(m["average_precision_macro"], float(np.mean(aps)) if aps else None, "ap_macro")
    assert res.n_auc_excluded == c - len(aucs)
    assert res.n_ap_excluded == c - len(aps)

    np.testing.assert_allclose(np.array(res.confusion_matrix, dtype=float), cm_ref, rtol=1e-12)


def test_multiclass_ovr_macro_equals_sklearn_roc_auc_score_ovr():
    # sklearn's own multi_class="ovr" macro AUC (needs rows summing to 1 and all classes present)
    rng = np.random.default_rng(7)
    y = rng.integers(0, 3, 200)
    probs = rng.dirichlet(np.ones(3), 200)
    w = rng.random(200)
    acc = ClassificationAccumulator("multiclass", 3)
    acc.update(y, probs, w)
    ref = skm.roc_auc_score(y, probs, multi_class="ovr", average="macro", sample_weight=w)
    close(acc.result().metrics["roc_auc_macro"], ref)
    ref_ap = skm.average_precision_score(y, probs, average="macro", sample_weight=w)
    close(acc.result().metrics["average_precision_macro"], ref_ap)


# ------------------------------------------------------------------ multi-label


@pytest.mark.parametrize("zd", ZERO_DIVISIONS)
@pytest.mark.parametrize("wmode", WEIGHTS)
@pytest.mark.parametrize(
    "kind",
    [
        "random",
        "empty_rows",
        "label_never_true",
        "label_always_true",
        "ties",
        "perfect",
        "all_wrong",
        "nothing_predicted",
    ],
)
def test_multilabel_matches_sklearn(kind, wmode, zd):
    rng = np.random.default_rng(seed(kind, wmode, "ml"))
    n_labels = 5
    y, probs = multilabel_data(kind, rng, n_labels=n_labels)
    w = weights_for(wmode, rng, len(y))
    thresholds = np.array([0.5, 0.4, 0.5, 0.6, 0.5])
    beta = 2.0
    acc = ClassificationAccumulator("multilabel", n_labels, threshold=thresholds, beta=beta)
    acc.update(y, probs, w)
    res = acc.result(zero_division=zd)
    m = res.metrics
    yi = y.astype(int)
    pred = (probs > thresholds).astype(int)

    refs = prfs_refs(yi, pred, w, zd, None, ["macro", "micro", "weighted", "samples"], beta)
    for name, ref in refs.items():
        close(m[name], ref, name)
    close(m["accuracy"], skm.accuracy_score(yi, pred, sample_weight=w), "accuracy")
    close(m["subset_accuracy"], skm.accuracy_score(yi, pred, sample_weight=w), "subset")
    close(m["hamming_loss"], skm.hamming_loss(yi, pred, sample_weight=w), "hamming")
    for absent in ("balanced_accuracy", "mcc", "cohen_kappa"):
        assert absent not in m
    mcm = skm.multilabel_confusion_matrix(yi, pred, sample_weight=w)
    # sklearn derives tn as total - tp - fp - fn (rounding residue ~1e-14 with weights);
    # losscli counts every cell directly
    scale = 1e-12 * max(1.0, float(mcm[0].sum()))
    np.testing.assert_allclose(
        np.array(res.confusion_matrix, dtype=float), mcm, rtol=1e-12, atol=scale
    )
    p, r, f, s = quiet(
        skm.precision_recall_fscore_support, yi, pred, sample_weight=w, zero_division=sk_zd(zd)
    )
    for k, row in enumerate(res.per_class):
        close(row["precision"], p[k], f"precision[{k}]")
        close(row["recall"], r[k], f"recall[{k}]")
        close(row["f1"], f[k], f"f1[{k}]")
        assert row["support"] == pytest.approx(s[k], rel=1e-12, abs=1e-12)
    if zd != "warn":  # the rest does not depend on zero_division: check it once
        return
    aucs, aps = [], []
    for k, row in enumerate(res.per_class):
        yk = yi[:, k]
        auc_k = skm.roc_auc_score(yk, probs[:, k], sample_weight=w) if defined_auc(yk, w) else None
        ap_k = (
            skm.average_precision_score(yk, probs[:, k], sample_weight=w)
            if defined_ap(yk, w)
            else None
        )
        close(row["roc_auc"], auc_k, f"roc_auc[{k}]")
        close(row["average_precision"], ap_k, f"ap[{k}]")
        aucs += [auc_k] if auc_k is not None else []
        aps += [ap_k] if ap_k is not None else []
    close(m["roc_auc_macro"], float(np.mean(aucs)) if aucs else None, "roc_auc_macro")
    close(m["average_precision_macro"], float(np.mean(aps)) if aps else None, "ap_macro")
    if len(aucs) == n_labels:  # sklearn's own macro average where every label is defined
        close(m["roc_auc_macro"], skm.roc_auc_score(yi, probs, average="macro", sample_weight=w))


def test_multilabel_log_loss_and_brier_are_cellwise_binary_sklearn():
    # multi-label log loss / Brier: every (sample, label) cell a binary prediction, so
    # sklearn's binary functions on the flattened cells (row weights repeated) are the reference
    rng = np.random.default_rng(3)
    y, probs = multilabel_data("random", rng)
    w = rng.random(len(y))
    acc = ClassificationAccumulator("multilabel", y.shape[1])
    acc.update(y, probs, w)
    m = acc.result().metrics
    wc = np.repeat(w, y.shape[1])
    close(m["log_loss"], skm.log_loss(y.ravel(), probs.ravel(), labels=[0, 1], sample_weight=wc))
    close(m["brier"], skm.brier_score_loss(y.ravel(), probs.ravel(), sample_weight=wc))
