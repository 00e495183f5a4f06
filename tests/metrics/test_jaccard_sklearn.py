"""Jaccard (intersection over union) metrics against scikit-learn's ``jaccard_score``, live.

Per class ``jaccard`` in ``per_class`` (``average=None``), ``jaccard_macro`` / ``_micro`` /
``_weighted`` for every classification task, and the binary ``jaccard`` (``average="binary"``);
on random data and on the cases where a class has no true and no predicted sample; with and
without sample weights; for each ``zero_division`` setting. Agreement <= 1e-12.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn import metrics as skm

from losscli.cli import cli
from losscli.metrics import ClassificationAccumulator

TOL = 1e-12


def close(ours, ref, name):
    if ref is None or math.isnan(ref):
        assert ours is None, f"{name}: expected None, got {ours}"
        return
    assert ours is not None, f"{name}: got None, scikit-learn gives {ref}"
    assert abs(ours - ref) <= TOL * max(1.0, abs(ref)), f"{name}: {ours} != {ref}"


def jaccard(y, pred, w, zd, labels, average):
    """scikit-learn's value; for zero_division="nan" (which jaccard_score refuses) the
    per-class values of zero_division=0 with the empty-union classes undefined, averaged over
    the defined ones (losscli's documented reading, as scikit-learn's F1 averages do)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if zd != "nan":
            return skm.jaccard_score(
                y, pred, labels=labels, average=average, sample_weight=w, zero_division=zd
            )
        if average == "micro":
            return _micro_nan(y, pred, labels, w)
        if average == "binary":
            return jaccard(y, pred, w, zd, labels, None)[1]
        per = skm.jaccard_score(y, pred, labels=labels, average=None, sample_weight=w)
        mcm = skm.multilabel_confusion_matrix(y, pred, labels=labels, sample_weight=w)
        tp, fp, fn = mcm[:, 1, 1], mcm[:, 0, 1], mcm[:, 1, 0]
        per = np.where(tp + fp + fn == 0, np.nan, per)
        if average is None:
            return per
        ok = ~np.isnan(per)
        if not ok.any():
            return math.nan
        weights = (tp + fn)[ok] if average == "weighted" and (tp + fn)[ok].sum() > 0 else None
        return float(np.average(per[ok], weights=weights))


def _micro_nan(y, pred, labels, w):
    mcm = skm.multilabel_confusion_matrix(y, pred, labels=labels, sample_weight=w)
    if (mcm[:, 1, 1] + mcm[:, 0, 1] + mcm[:, 1, 0]).sum() == 0:
        return math.nan
    return skm.jaccard_score(y, pred, labels=labels, average="micro", sample_weight=w)


def weights(mode, rng, n):
    if mode == "none":
        return None
    w = rng.random(n) * 3.0
    w[::7] = 0.0
    return w


ZD = ["warn", 0, 1, "nan"]
W = ["none", "with_zeros"]


@pytest.mark.parametrize("zd", ZD)
@pytest.mark.parametrize("wmode", W)
@pytest.mark.parametrize("kind", ["random", "class_absent", "never_predicted", "one_class"])
def test_multiclass_jaccard_matches_sklearn(kind, wmode, zd):
    rng = np.random.default_rng(11)
    c, n = 4, 90
    y = rng.integers(0, c, n)
    probs = rng.dirichlet(np.ones(c), n)
    if kind == "class_absent":  # class 1: no true and no predicted sample (union empty)
        y = np.where(y == 1, 0, y)
        probs[:, 1] = 0.0
    elif kind == "never_predicted":
        probs[:, 3] = 0.0
    elif kind == "one_class":
        y[:] = 2
    probs /= probs.sum(axis=1, keepdims=True)
    w = weights(wmode, rng, n)
    acc = ClassificationAccumulator("multiclass", c)
    acc.update(y, probs, w)
    res = acc.result(zero_division=zd)
    pred = probs.argmax(axis=1)
    labels = list(range(c))
    per = jaccard(y, pred, w, zd, labels, None)
    for k, row in enumerate(res.per_class):
        close(row["jaccard"], per[k], f"jaccard[{k}]")
    for avg in ("macro", "micro", "weighted"):
        close(res.metrics[f"jaccard_{avg}"], jaccard(y, pred, w, zd, labels, avg), avg)


@pytest.mark.parametrize("zd", ZD)
@pytest.mark.parametrize("wmode", W)
@pytest.mark.parametrize("kind", ["random", "all_negative_never_predicted", "all_positive"])
def test_binary_jaccard_matches_sklearn(kind, wmode, zd):
    rng = np.random.default_rng(5)
    n = 70
    y = rng.integers(0, 2, n).astype(float)
    p = rng.random(n)
    if kind == "all_negative_never_predicted":  # positive class: union empty
        y[:] = 0.0
        p *= 0.4
    elif kind == "all_positive":
        y[:] = 1.0
    w = weights(wmode, rng, n)
    acc = ClassificationAccumulator("binary", 2)
    acc.update(y, p, w)
    res = acc.result(zero_division=zd)
    yi, pred = y.astype(int), (p > 0.5).astype(int)
    close(res.metrics["jaccard"], jaccard(yi, pred, w, zd, [0, 1], "binary"), "jaccard")
    per = jaccard(yi, pred, w, zd, [0, 1], None)
    for k, row in enumerate(res.per_class):
        close(row["jaccard"], per[k], f"jaccard[{k}]")
    for avg in ("macro", "micro", "weighted"):
        close(res.metrics[f"jaccard_{avg}"], jaccard(yi, pred, w, zd, [0, 1], avg), avg)


@pytest.mark.parametrize("zd", ZD)
@pytest.mark.parametrize("wmode", W)
@pytest.mark.parametrize("kind", ["random", "label_never_true_or_predicted", "nothing"])
def test_multilabel_jaccard_matches_sklearn(kind, wmode, zd):
    rng = np.random.default_rng(9)
    n, k = 60, 5
    y = (rng.random((n, k)) < 0.4).astype(float)
    probs = rng.random((n, k))
    if kind == "label_never_true_or_predicted":
        y[:, 2] = 0.0
        probs[:, 2] *= 0.3
    elif kind == "nothing":  # no true and no predicted label anywhere: micro undefined too
        y[:] = 0.0
        probs *= 0.3
    w = weights(wmode, rng, n)
    acc = ClassificationAccumulator("multilabel", k)
    acc.update(y, probs, w)
    res = acc.result(zero_division=zd)
    yi, pred = y.astype(int), (probs > 0.5).astype(int)
    per = jaccard(yi, pred, w, zd, None, None)
    for j, row in enumerate(res.per_class):
        close(row["jaccard"], per[j], f"jaccard[{j}]")
    for avg in ("macro", "micro", "weighted"):
        close(res.metrics[f"jaccard_{avg}"], jaccard(yi, pred, w, zd, None, avg), avg)


def test_undefined_jaccard_warns_and_names_the_class():
    acc = ClassificationAccumulator("multiclass", 3, class_names=["a", "b", "c"])
    acc.update(np.array([0, 2, 2]), np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.6, 0, 0.4]]))
    res = acc.result()
    assert res.per_class[1]["jaccard"] == 0.0
    assert (
        "jaccard is undefined for class 'b' (no true or predicted samples); set to 0. "
        "Use --zero-division to change it." in res.warnings
    )


def test_cli_reports_jaccard_and_bootstrap_intervals_it(tmp_path):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 50)
    probs = rng.dirichlet(np.ones(3), 50)
    path = tmp_path / "p.csv"
    lines = ["label,p0,p1,p2"] + [f"{a},{b[0]},{b[1]},{b[2]}" for a, b in zip(y, probs)]
    path.write_text("\n".join(lines) + "\n")
    r = CliRunner().invoke(
        cli, ["compute", str(path), "--format", "json", "--bootstrap", "50", "--seed", "1"]
    )
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    pred = probs.argmax(axis=1)
    close(d["metrics"]["jaccard_macro"], skm.jaccard_score(y, pred, average="macro"), "macro")
    low, high = d["ci"]["intervals"]["jaccard_macro"]
    assert low <= d["metrics"]["jaccard_macro"] <= high


@pytest.mark.parametrize("n", [300, 60_000], ids=["exact", "linear"])
def test_jaccard_metric_and_jaccard_loss_keep_their_own_intervals(tmp_path, n):
    # the binary metric `jaccard` (hard IoU of the positive class) and the `jaccard` loss
    # (soft IoU) share a name: the loss's interval is keyed `losses.jaccard` (catalog.loss_key)
    # on both bootstrap paths (exact resamples; the linear path from 50,000 rows)
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, n)
    p = np.clip(0.35 * y + rng.random(n) * 0.65, 0.0, 1.0)
    path = tmp_path / "b.csv"
    path.write_text("label,p\n" + "\n".join(f"{a},{b:.6f}" for a, b in zip(y, p)) + "\n")
    args = ["compute", str(path), "--loss", "jaccard", "--format", "json"]
    args += ["--bootstrap", "40", "--seed", "3", "--fail-if", "losses.jaccard.high > 0.99"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    iv = d["ci"]["intervals"]
    metric, loss = d["metrics"]["jaccard"], d["losses"]["jaccard"]
    ref = skm.jaccard_score(y, (p > 0.5).astype(int))
    close(metric, ref, "jaccard")
    assert iv["jaccard"][0] <= metric <= iv["jaccard"][1]
    assert iv["losses.jaccard"][0] <= loss <= iv["losses.jaccard"][1]
    assert abs(metric - loss) > 0.05 and iv["jaccard"] != iv["losses.jaccard"]
    assert d["ci"]["evaluation"] == ("linear" if n >= 50_000 else "exact")
