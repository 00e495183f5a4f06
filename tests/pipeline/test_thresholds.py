"""Threshold sweep, optimiser and the ``thresholds`` command.

Independent sources: scikit-learn (``precision_recall_curve``, ``roc_curve``,
``precision_recall_fscore_support``, ``fbeta_score``) live in the tests, and compute's own
``> threshold`` confusion counts (``losscli.engine.evaluate``) for the round trip.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    fbeta_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_curve,
)

from losscli.cli.options import parse_threshold
from losscli.engine import evaluate
from losscli.errors import UsageError
from losscli.sweep import compute_thresholds
from losscli.thresholds import (
    best_threshold,
    confusion_at,
    cut_points,
    grid_thresholds,
    parse_criterion,
    threshold_sweep,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"  # whatever the cwd
BREAST = str(SAMPLES / "breast_cancer.csv")
BREAST_LOGITS = str(SAMPLES / "breast_cancer_logits.csv")
ATTR_LOGITS = str(SAMPLES / "digit_attrs_logits.csv")
ATTR_LABELS = str(SAMPLES / "digit_attrs_labels.csv")
DIGITS = str(SAMPLES / "digits_logits.csv")


def _tied_data(seed: int, n: int = 200, weighted: bool = False):
    """Random labels and scores rounded to 2 decimals (many ties), all scores > 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.clip(np.round(rng.beta(2, 2, n) * 0.6 + 0.35 * y, 2), 0.01, 1.0)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    return y, s, w


def _sk_best_f1(y, s, w=None) -> float:
    # scikit-learn's PR curve: every distinct cut point (positive when score >= thr)
    p, r, _ = precision_recall_curve(y, s, sample_weight=w)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    return float(f1.max())


# ------------------------------------------------------------------------------------------
# the numpy core
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("weighted", [False, True])
def test_best_f1_is_the_max_over_sklearn_pr_curve(seed, weighted):
    # source: sklearn.metrics.precision_recall_curve (live)
    y, s, w = _tied_data(seed, weighted=weighted)
    best = best_threshold(threshold_sweep(y, s, w), "f1")
    assert best["f1"] == pytest.approx(_sk_best_f1(y, s, w), rel=1e-12, abs=1e-15)
    # and the reported threshold gives that F1 under the '> t' rule (sklearn again)
    pred = (s > best["threshold"]).astype(int)
    _, _, f, _ = precision_recall_fscore_support(
        y, pred, average="binary", sample_weight=w, zero_division=0
    )
    assert f == pytest.approx(best["f1"], rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([0.05, 0.2, 0.2, 0.5, 0.5, 0.7, 0.9, 1.0])),
        min_size=2,
        max_size=40,
    )
)
def test_best_f1_property_with_heavy_ties(pairs):
    # source: sklearn.metrics.precision_recall_curve (live)
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs])
    if y.sum() == 0:
        return  # sklearn's recall is 1 by convention there; F1 is 0 for every cut point
    best = best_threshold(threshold_sweep(y, s), "f1")
    assert best["f1"] == pytest.approx(_sk_best_f1(y, s), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_every_cut_point_matches_sklearn_counts(seed):
    # source: sklearn.metrics.precision_recall_fscore_support on (s > t) at each threshold
    y, s, w = _tied_data(seed, n=60, weighted=True)
    sw = threshold_sweep(y, s, w, beta=2.0)
    for i, t in enumerate(sw["threshold"]):
        pred = (s > t).astype(int)
        p, r, f, _ = precision_recall_fscore_support(
            y, pred, average="binary", sample_weight=w, zero_division=0
        )
        assert sw["precision"][i] == pytest.approx(p, rel=1e-12, abs=1e-15)
        assert sw["recall"][i] == pytest.approx(r, rel=1e-12, abs=1e-15)
        assert sw["f1"][i] == pytest.approx(f, rel=1e-12, abs=1e-15)
        fb = fbeta_score(y, pred, beta=2.0, sample_weight=w, zero_division=0)
        assert sw["fbeta"][i] == pytest.approx(fb, rel=1e-12, abs=1e-15)
        tn = float(np.sum(w * ((y == 0) & (pred == 0))))
        fp = float(np.sum(w * ((y == 0) & (pred == 1))))
        assert sw["specificity"][i] == pytest.approx(tn / (tn + fp), rel=1e-12, abs=1e-15)
        assert sw["predicted_positive"][i] == pytest.approx(np.sum(w * pred) / w.sum())


def test_cut_points_convention():
    # predicting the top-k distinct levels: t is the next lower distinct score; 0.0 = all
    s = np.array([0.3, 0.9, 0.3, 0.5])
    assert cut_points(s).tolist() == [0.0, 0.3, 0.5, 0.9]
    n_pos = [(s > t).sum() for t in cut_points(s)]
    assert n_pos == [4, 2, 1, 0]  # every distinct "how many are positive" once
    # lowest score exactly 0: 'all positive' cannot be written as p > t with t in [0, 1]
    s0 = np.array([0.0, 0.4, 0.4])
    assert cut_points(s0).tolist() == [0.0, 0.4]
    assert [(s0 > t).sum() for t in cut_points(s0)] == [2, 0]
    assert cut_points(np.array([])).size == 0


def test_grid_and_confusion_at():
    assert grid_thresholds(10).tolist() == pytest.approx(np.arange(11) / 10)
    with pytest.raises(UsageError, match="--steps"):
        grid_thresholds(0)
    c = confusion_at(np.array([1, 0, 1, 0]), np.array([0.5, 0.5, 0.7, 0.1]), np.array([0.5]))
    # 0.5 is not > 0.5: only the 0.7 is positive (compute's rule)
    assert (c["tp"][0], c["fp"][0], c["fn"][0], c["tn"][0]) == (1, 0, 1, 2)


@pytest.mark.parametrize("seed", range(5))
def test_youden_matches_sklearn_roc(seed):
    # source: sklearn.metrics.roc_curve (live): max(tpr - fpr) over its points
    y, s, _ = _tied_data(seed)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    best = best_threshold(threshold_sweep(y, s), "youden")
    assert best["youden"] == pytest.approx(float(np.max(tpr - fpr)), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("bound", [0.5, 0.8, 0.95])
def test_constrained_criteria_match_brute_force_on_sklearn_curve(seed, bound):
    # source: sklearn.metrics.precision_recall_curve (live), brute force over its points
    y, s, _ = _tied_data(seed)
    p, r, _ = precision_recall_curve(y, s)
    p, r = p[:-1], r[:-1]  # drop the appended (1, 0) point that has no threshold
    sw = threshold_sweep(y, s)
    b = best_threshold(sw, f"precision@recall={bound}")
    assert b["precision"] == pytest.approx(p[r >= bound].max(), rel=1e-12)
    assert b["recall"] >= bound
    b = best_threshold(sw, f"recall@precision>={bound}")
    assert b["recall"] == pytest.approx(r[p >= bound].max(), rel=1e-12)
    assert b["precision"] >= bound


def test_constraint_that_nothing_meets_is_a_usage_error():
    y, s = np.array([0, 1, 0, 1]), np.array([0.9, 0.1, 0.8, 0.2])
    with pytest.raises(UsageError, match=r"no threshold reaches precision >= 0\.9 for label 'a'"):
        best_threshold(threshold_sweep(y, s), "recall@precision=0.9", label="a")


def test_parse_criterion_errors():
    assert parse_criterion(" Youden ") == ("youden", None)
    for bad in ("auc", "precision@recall=1.5", "recall@precision=x", "precision@recall"):
        with pytest.raises(UsageError, match="--optimize"):
            parse_criterion(bad)
    with pytest.raises(UsageError, match="--beta"):
        threshold_sweep(np.array([1]), np.array([0.5]), beta=0.0)


def test_ties_go_to_the_highest_threshold():
    # threshold 0.2 and 0.6 give the same F1 (2/3); the higher one (fewer positives) wins
    y = np.array([1, 0, 1, 0])
    s = np.array([0.7, 0.6, 0.5, 0.2])
    sw = threshold_sweep(y, s)
    f = dict(zip(sw["threshold"].tolist(), sw["f1"].tolist()))
    assert f[0.6] == pytest.approx(2 / 3) and f[0.2] == pytest.approx(0.8)
    assert best_threshold(sw, "f1")["threshold"] == 0.2
    assert best_threshold(sw, "precision@recall=0.5")["threshold"] == 0.6


# ------------------------------------------------------------------------------------------
# the command and the round trip through compute
# ------------------------------------------------------------------------------------------


def _run(args, tmp_path=None):
    return invoke("thresholds", *args)


def _write_csv(path, y, s, w=None):
    with open(path, "w") as f:
        f.write("label,prob" + (",w" if w is not None else "") + "\n")
        for i in range(len(y)):
            extra = f",{float(w[i])!r}" if w is not None else ""
            f.write(f"{int(y[i])},{float(s[i])!r}{extra}\n")


def test_binary_json_and_round_trip(tmp_path):
    y, s, _ = _tied_data(3, n=300)
    data = tmp_path / "p.csv"
    _write_csv(data, y, s)
    out = tmp_path / "t.json"
    res = _run([str(data), "--format", "json", "--write", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["task"] == "binary" and d["optimize"] == "f1"
    assert set(d["best"]) >= {"threshold", "f1", "precision", "recall"}
    assert d["table"][0]["threshold"] == 0.0 and d["table"][-1]["predicted_positive"] == 0.0
    # the best F1 is sklearn's maximum over the PR curve
    assert d["best"]["f1"] == pytest.approx(_sk_best_f1(y, s), rel=1e-12)
    # compute with --threshold @written.json reproduces it exactly
    t = parse_threshold(f"@{out}")
    report = evaluate(str(data), threshold=t)
    assert report.metrics["f1"] == d["best"]["f1"]
    assert report.metrics["precision"] == d["best"]["precision"]
    assert report.metrics["recall"] == d["best"]["recall"]


def test_weighted_logits_round_trip(tmp_path):
    # logits become probabilities; thresholds are probabilities
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 150)
    logits = np.round(rng.normal(size=150) + 1.5 * y, 1)
    w = np.round(rng.uniform(0.5, 2.0, 150), 2)
    data = tmp_path / "l.csv"
    with open(data, "w") as f:
        f.write("label,logit,w\n")
        for i in range(150):
            f.write(f"{y[i]},{float(logits[i])!r},{float(w[i])!r}\n")
    out = tmp_path / "t.json"
    res = _run([str(data), "--weight-col", "w", "--format", "json", "--write", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["scores"] == "logits"
    assert 0.0 <= d["best"]["threshold"] <= 1.0
    probs = 1.0 / (1.0 + np.exp(-logits))
    assert d["best"]["f1"] == pytest.approx(_sk_best_f1(y, probs, w), rel=1e-9)
    report = evaluate(str(data), weight_col="w", threshold=parse_threshold(f"@{out}"))
    assert report.metrics["f1"] == pytest.approx(d["best"]["f1"], rel=1e-12)


def test_multilabel_best_per_label_and_round_trip(tmp_path):
    out = tmp_path / "t.json"
    res = _run([ATTR_LOGITS, ATTR_LABELS, "--format", "json", "--write", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["task"] == "multilabel"
    assert [b["label"] for b in d["best"]] == ["even", "ge5", "prime"]
    assert {r["label"] for r in d["table"]} == {"even", "ge5", "prime"}
    written = json.loads(out.read_text())
    assert set(written["thresholds"]) == {"even", "ge5", "prime"}
    # source: sklearn PR curve per label, on the probabilities
    logits = np.loadtxt(ATTR_LOGITS, delimiter=",", skiprows=1)
    labels = np.loadtxt(ATTR_LABELS, delimiter=",", skiprows=1)
    order = np.argsort(labels[:, 0])
    lab = labels[order]
    pos = np.searchsorted(lab[:, 0], logits[:, 0])
    y = lab[pos, 1:]
    p = 1.0 / (1.0 + np.exp(-logits[:, 1:]))
    for j, b in enumerate(d["best"]):
        assert b["f1"] == pytest.approx(_sk_best_f1(y[:, j], p[:, j]), rel=1e-9)
    report = evaluate(ATTR_LOGITS, ATTR_LABELS, threshold=parse_threshold(f"@{out}"))
    f1 = {r["class"]: r["f1"] for r in report.per_class}
    for b in d["best"]:
        assert f1[b["label"]] == b["f1"]


def test_optimize_and_beta_options(tmp_path):
    res = _run([BREAST, "--format", "json", "--beta", "2"])
    d = json.loads(res.output)
    assert d["optimize"] == "fbeta" and "fbeta" in d["table"][0]
    assert d["best"]["fbeta"] == max(r["fbeta"] for r in d["table"])
    res = _run([BREAST, "--format", "json", "--optimize", "precision@recall=0.99"])
    d = json.loads(res.output)
    assert d["best"]["recall"] >= 0.99
    assert d["best"]["precision"] == max(r["precision"] for r in d["table"] if r["recall"] >= 0.99)


def test_steps_grid_keeps_exact_best():
    full = compute_thresholds(BREAST)
    grid = compute_thresholds(BREAST, steps=10)
    assert [r["threshold"] for r in grid["table"]] == pytest.approx(np.arange(11) / 10)
    assert grid["best"] == full["best"]


def test_csv_and_table_formats(tmp_path):
    res = _run([BREAST, "--format", "csv"])
    assert res.exit_code == 0
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("threshold,precision,recall,f1,")
    assert lines[0].endswith(",best")
    assert sum(line.endswith(",1") for line in lines[1:]) == 1
    res = _run([BREAST, "--format", "table"])
    assert res.exit_code == 0
    assert "Best threshold (f1)" in res.output and "of 152 rows" in res.output
    out = tmp_path / "r.json"
    res = _run([BREAST, "-o", str(out)])
    assert res.exit_code == 0 and res.output == ""
    assert json.loads(out.read_text())["task"] == "binary"


def test_errors_exit_2():
    res = invoke("thresholds", DIGITS)
    assert res.exit_code == 2
    assert "thresholds needs binary or multi-label data" in res.output
    res = invoke("thresholds", BREAST, "--optimize", "auc")
    assert res.exit_code == 2 and "--optimize must be" in res.output
    res = invoke("thresholds", BREAST, "--optimize", "recall@precision=1.0")
    assert res.exit_code == 0  # precision 1 is reached by this model
    res = invoke("thresholds", BREAST, "--steps", "0")
    assert res.exit_code == 2 and "--steps" in res.output
