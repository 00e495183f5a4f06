"""``losscli thresholds`` on dense arrays: counts streamed at a grid of thresholds.

``thresholds.GridCounts`` counts each element once per chunk (memory O(labels x steps), not
one score per element); every row of the sweep is checked against scikit-learn's
``confusion_matrix`` / ``precision_score`` / ``recall_score`` / ``f1_score`` on the flattened
elements with ``p > t``; ``score_bound`` against the exact sweep of the same elements as
ordinary rows (every distinct score a cut point). Logits and log-probabilities: each row's
``score_threshold`` applied to the scores predicts what its probability threshold does (p
from scipy's ``expit`` / ``exp``), and the ``--write`` file's cut round-trips through
``compute --threshold @FILE`` (scikit-learn's counts on the flattened elements)."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.special import expit, logit
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    multilabel_confusion_matrix,
    precision_score,
    recall_score,
)

from losscli.activations import sigmoid
from losscli.cli import cli
from losscli.sweep import compute_thresholds
from losscli.thresholds import score_cuts


def run(*args):
    r = CliRunner().invoke(cli, ["thresholds", *map(str, args), "--format", "json", "-q"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _binary_probs(d, rng):
    p = rng.random((5, 6, 7))
    y = (rng.random(p.shape) < p).astype(np.uint8)
    np.save(d / "s.npy", p)
    np.save(d / "y.npy", y)
    return ["--task", "binary"], [(y.ravel(), p.ravel())]


def _binary_logits(d, rng):
    z = rng.normal(size=(4, 1, 8, 8)).astype(np.float32)
    y = (rng.random((4, 8, 8)) < _sigmoid(z[:, 0])).astype(np.uint8)
    np.save(d / "s.npy", z)
    np.save(d / "y.npy", y)
    return [], [(y.ravel(), _sigmoid(z[:, 0]).ravel())]


def _multilabel(d, rng):
    z = rng.normal(size=(4, 3, 10))
    y = (rng.random(z.shape) < _sigmoid(z)).astype(np.uint8)
    np.save(d / "s.npy", z)
    np.save(d / "y.npy", y)
    p = _sigmoid(z)
    return ["--task", "multilabel"], [(y[:, j].ravel(), p[:, j].ravel()) for j in range(3)]


MAKERS = {"binary probs": _binary_probs, "binary logits": _binary_logits, "multilabel": _multilabel}


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("steps", [None, 7])
def test_every_row_is_sklearn_on_the_flattened_elements(tmp_path, kind, steps):
    extra, labels = MAKERS[kind](tmp_path, np.random.default_rng(0))
    more = [] if steps is None else ["--steps", steps]
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", *extra, *more)
    n = 1000 if steps is None else steps
    assert d["cut_points"] == f"grid of {n} steps"
    assert d["n_elements"] == labels[0][0].size * (1 if d["task"] == "binary" else 1)
    rows = d["table"]
    per_label = len(rows) // len(labels)
    assert per_label == n + 1
    for j, (y, p) in enumerate(labels):
        mine = rows[j * per_label : (j + 1) * per_label]
        for row in mine[:: max(1, per_label // 25)] + mine[-1:]:
            pred = (p > row["threshold"]).astype(int)
            tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
            assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)
            assert row["precision"] == pytest.approx(precision_score(y, pred, zero_division=0))
            assert row["recall"] == pytest.approx(recall_score(y, pred, zero_division=0))
            assert row["f1"] == pytest.approx(f1_score(y, pred, zero_division=0))
        best = d["best"] if d["task"] == "binary" else d["best"][j]
        f1s = [r["f1"] for r in mine]
        assert best["f1"] == pytest.approx(max(f1s))
        assert best["threshold"] == max(r["threshold"] for r in mine if r["f1"] == max(f1s))


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("optimize", ["f1", "youden", "precision@recall=0.8"])
def test_score_bound_holds_every_threshold(tmp_path, kind, optimize):
    """The exact best over every distinct score (the ordinary sweep of the elements as rows)
    lies between the grid's best and ``score_bound``."""
    extra, labels = MAKERS[kind](tmp_path, np.random.default_rng(1))
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", *extra, "--steps", 20, "--optimize", optimize)
    bests = [d["best"]] if d["task"] == "binary" else d["best"]
    for b, (y, p) in zip(bests, labels):
        exact = compute_thresholds(p, y.astype(float), task="binary", optimize=optimize)
        assert b["score"] <= exact["best"]["score"] + 1e-12
        assert exact["best"]["score"] <= b["score_bound"] + 1e-12


def test_written_threshold_reproduces_in_compute(tmp_path):
    _binary_logits(tmp_path, np.random.default_rng(2))
    out = tmp_path / "t.json"
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", "--write", out)
    r = CliRunner().invoke(
        cli,
        ["compute", str(tmp_path / "s.npy"), str(tmp_path / "y.npy"), "--threshold", f"@{out}"]
        + ["--format", "json", "-q"],
    )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["metrics"]["f1"] == pytest.approx(d["best"]["f1"])


@pytest.mark.slow
def test_memory_does_not_grow_with_the_elements(tmp_path):
    rng = np.random.default_rng(3)
    peaks = []
    for n in (12, 48):  # both past the plan's first 131,072 rows (INFER_ROWS)
        np.save(tmp_path / f"s{n}.npy", rng.random((n, 128, 128)).astype(np.float32))
        np.save(tmp_path / f"y{n}.npy", rng.integers(0, 2, (n, 128, 128)).astype(np.uint8))
        tracemalloc.start()
        compute_thresholds(
            tmp_path / f"s{n}.npy", tmp_path / f"y{n}.npy", task="binary", chunk_size=16384
        )
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # 4x the elements (4.7 MB more of float64 scores if kept): the peak stays within 1 MB
    assert peaks[1] - peaks[0] < 1e6, peaks


def test_multiclass_dense_is_refused(tmp_path):
    np.save(tmp_path / "s.npy", np.random.default_rng(0).normal(size=(2, 3, 4, 5)))
    np.save(tmp_path / "y.npy", np.zeros((2, 4, 5), np.uint8))
    r = CliRunner().invoke(cli, ["thresholds", str(tmp_path / "s.npy"), str(tmp_path / "y.npy")])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        f"Error: thresholds needs binary or multi-label data; {tmp_path / 's.npy'} is "
        "multiclass (argmax decides, no threshold); pass --task binary or --task multilabel "
        "if that is wrong\n"
    )


@pytest.mark.parametrize("kind", list(MAKERS))
def test_the_sweep_says_nothing_of_binned_ranking(tmp_path, kind):
    """A sweep reports no roc_auc / average_precision, so its inference does not say they are
    binned; compute on the same arrays does."""
    flags, _ = MAKERS[kind](tmp_path, np.random.default_rng(3))
    files = [tmp_path / "s.npy", tmp_path / "y.npy"]
    sweep = run(*files, *flags)
    r = CliRunner().invoke(cli, ["compute", *map(str, files), *flags, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    binned = [n for n in report["inference"] if n.startswith("roc_auc and average_precision")]
    assert len(binned) == 1
    assert not [n for n in sweep["inference"] if "roc_auc" in n or "average_precision" in n]
    assert sweep["inference"][:2] == report["inference"][:2]  # the layout notes stay


# -- logits and log-probabilities: score_threshold, as 2-D sweeps report it ------------------


def _scored(d, name, z, y, flags):
    """Save scores ``z`` and targets ``y``; return the CLI flags and per label
    ``(y, scores, reference probabilities)`` of the flattened elements (scipy's ``expit`` /
    ``exp``, not losscli's)."""
    np.save(d / "s.npy", z)
    np.save(d / "y.npy", y)
    to_p = np.exp if "log-probs" in flags else expit
    if z.shape == y.shape and "multilabel" in flags:
        per = [(y[:, j].ravel(), z[:, j].ravel()) for j in range(z.shape[1])]
    else:
        per = [(y.ravel(), z.ravel())]
    return flags, [(a, s.astype(np.float64), to_p(s.astype(np.float64))) for a, s in per]


def _score_case(d, kind, rng):
    if kind == "binary (N, 1, H, W) logits":
        z = rng.normal(size=(5, 1, 6, 7)).astype(np.float32)
        return _scored(d, kind, z, (rng.random((5, 6, 7)) < expit(z[:, 0])).astype(np.uint8), [])
    if kind == "binary (N, H, W) logits":
        z = 3 * rng.normal(size=(4, 9, 5))
        y = (rng.random(z.shape) < expit(z)).astype(np.uint8)
        return _scored(d, kind, z, y, ["--task", "binary"])
    if kind == "multilabel logits":
        z = rng.normal(size=(4, 3, 5, 6)).astype(np.float32)
        y = (rng.random(z.shape) < expit(z)).astype(np.uint8)
        return _scored(d, kind, z, y, ["--task", "multilabel"])
    if kind == "binary log-probs":
        p = rng.uniform(1e-4, 1.0, size=(6, 8, 4))
        y = (rng.random(p.shape) < p).astype(np.uint8)
        return _scored(d, kind, np.log(p), y, ["--task", "binary", "--scores", "log-probs"])
    assert kind == "multilabel log-probs"
    p = rng.uniform(1e-3, 1.0, size=(3, 2, 40))
    y = (rng.random(p.shape) < p).astype(np.uint8)
    return _scored(d, kind, np.log(p), y, ["--task", "multilabel", "--scores", "log-probs"])


SCORE_KINDS = [
    "binary (N, 1, H, W) logits",
    "binary (N, H, W) logits",
    "multilabel logits",
    "binary log-probs",
    "multilabel log-probs",
]


def _label_rows(d, j, n_labels):
    per = len(d["table"]) // n_labels
    return d["table"][j * per : (j + 1) * per]


@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("steps", [None, 13])
def test_score_threshold_rows_are_sklearn_on_the_scores(tmp_path, kind, steps):
    """Every row's score_threshold, applied to the scores (``z > score_threshold``), predicts
    the very elements its probability threshold does (``p > threshold``, p from scipy), and
    its counts and scores are scikit-learn's on the flattened elements."""
    flags, labels = _score_case(tmp_path, kind, np.random.default_rng(4))
    more = [] if steps is None else ["--steps", steps]
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", *flags, *more)
    scale = "log-probs" if "log-probs" in kind else "logits"
    assert d["scores"] == scale
    assert d["rule"].startswith(f"a label is positive when its score ({scale}) is > score_thr")
    assert any(n.startswith(f"dense {scale}: each grid threshold t") for n in d["inference"])
    bests = [d["best"]] if d["task"] == "binary" else d["best"]
    for j, (y, s, p) in enumerate(labels):
        rows = _label_rows(d, j, len(labels))
        assert len(rows) == (1000 if steps is None else steps) + 1
        cuts = [r["score_threshold"] for r in rows]
        assert all(np.isfinite(cuts)) and cuts == sorted(cuts)
        for row in rows[:: max(1, len(rows) // 30)] + rows[-1:]:
            pred = (s > row["score_threshold"]).astype(int)
            assert np.array_equal(pred, p > row["threshold"]), row["threshold"]
            tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
            assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)
            assert row["f1"] == pytest.approx(f1_score(y, pred, zero_division=0))
        b = bests[j]
        (same,) = [r for r in rows if r["threshold"] == b["threshold"]]
        assert b["score_threshold"] == same["score_threshold"]
        assert b["f1"] == pytest.approx(f1_score(y, s > b["score_threshold"], zero_division=0))


@pytest.mark.parametrize("kind", SCORE_KINDS)
def test_written_score_threshold_round_trips_through_compute(tmp_path, kind):
    """``thresholds --write`` on dense scores stores ``scores`` and ``score_threshold(s)``,
    and ``compute --threshold @FILE`` then predicts ``score > score_threshold``: its
    confusion counts are scikit-learn's on the flattened elements, and equal the best rows'."""
    flags, labels = _score_case(tmp_path, kind, np.random.default_rng(5))
    out = tmp_path / "t.json"
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", *flags, "--write", out)
    written = json.loads(out.read_text())
    scale = "log-probs" if "log-probs" in kind else "logits"
    assert written["scores"] == scale
    if d["task"] == "binary":
        assert written["score_threshold"] == d["best"]["score_threshold"]
        cuts = [written["score_threshold"]]
    else:
        assert written["score_thresholds"] == {b["label"]: b["score_threshold"] for b in d["best"]}
        cuts = [written["score_thresholds"][b["label"]] for b in d["best"]]
    r = CliRunner().invoke(
        cli,
        ["compute", str(tmp_path / "s.npy"), str(tmp_path / "y.npy"), *flags]
        + ["--threshold", f"@{out}", "--format", "json", "-q"],
    )
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert f"threshold_scale={scale}" in report["signature"]
    bests = [d["best"]] if d["task"] == "binary" else d["best"]
    if d["task"] == "binary":
        ((y, s, _),) = labels
        expect = confusion_matrix(y, s > cuts[0], labels=[0, 1])
        assert report["confusion_matrix"] == expect.tolist()
        assert report["metrics"]["f1"] == pytest.approx(d["best"]["f1"])
    else:
        ys = np.stack([y for y, _, _ in labels], 1)
        preds = np.stack([s > c for (_, s, _), c in zip(labels, cuts)], 1)
        expect = multilabel_confusion_matrix(ys, preds)
        assert report["confusion_matrix"] == expect.tolist()
    for (y, s, _), b, c in zip(labels, bests, cuts):
        (row,) = [
            r
            for r in _label_rows(d, bests.index(b), len(bests))
            if r["threshold"] == b["threshold"]
        ]
        tn, fp, fn, tp = confusion_matrix(y, s > c, labels=[0, 1]).ravel()
        assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)


def test_scores_at_the_cuts_count_as_compute_predicts(tmp_path):
    """Scores lying exactly on the cuts of the default grid and up to 3 float64 ulps either
    side (where sigmoid's rounding is not monotone, so no cut reproduces ``p > t`` for all
    of them), and the logits of the grid points themselves: the sweep's counts are those of
    ``score > score_threshold`` (scikit-learn), the rule the written file gives compute."""
    t = np.linspace(0, 1, 1001)
    cuts = score_cuts(t, "logits")[:-1]
    near = [cuts]
    for way in (-np.inf, np.inf):
        c = cuts
        for _ in range(3):
            c = np.nextafter(c, way)
            near.append(c)
    z = np.concatenate([*near, logit(t[1:-1]), [-800.0, 800.0, 0.0, -0.0]])
    z = np.resize(z, 8 * 900)
    y = (np.arange(z.size) % 3 == 0).astype(np.uint8)
    np.save(tmp_path / "s.npy", z.reshape(8, 1, 30, 30))
    np.save(tmp_path / "y.npy", y.reshape(8, 30, 30))
    out = tmp_path / "t.json"
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", "--write", out)
    for row in d["table"]:
        tn, fp, fn, tp = confusion_matrix(y, z > row["score_threshold"], labels=[0, 1]).ravel()
        assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)
    r = CliRunner().invoke(
        cli,
        ["compute", str(tmp_path / "s.npy"), str(tmp_path / "y.npy"), "--threshold", f"@{out}"]
        + ["--format", "json", "-q"],
    )
    assert r.exit_code == 0, r.stderr
    st = d["best"]["score_threshold"]
    assert json.loads(r.stdout)["confusion_matrix"] == confusion_matrix(y, z > st).tolist()


@pytest.mark.parametrize("scale, to_p", [("logits", sigmoid), ("log-probs", np.exp)])
def test_score_cuts_cross_at_the_threshold(scale, to_p):
    """Each cut c has p(c) <= t < p(next float above c) with compute's own sigmoid / exp;
    c is scipy's logit (log t) up to rounding; the ends are finite."""
    t = np.linspace(0, 1, 1001)
    c = score_cuts(t, scale)
    assert np.all(np.isfinite(c)) and np.all(np.diff(c) > 0)
    inner = slice(1, -1)
    assert np.all(to_p(c[inner]) <= t[inner])
    assert np.all(to_p(np.nextafter(c[inner], np.inf)) > t[inner])
    ref = logit(t[inner]) if scale == "logits" else np.log(t[inner])
    assert c[inner] == pytest.approx(ref, rel=1e-13, abs=1e-15)
    assert to_p(c[0]) == 0.0 and to_p(np.nextafter(c[0], np.inf)) > 0.0  # p underflows below
    assert c[-1] == (np.finfo(np.float64).max if scale == "logits" else 0.0)  # nothing > 1


def test_probabilities_have_no_score_threshold(tmp_path):
    _binary_probs(tmp_path, np.random.default_rng(6))
    out = tmp_path / "t.json"
    d = run(tmp_path / "s.npy", tmp_path / "y.npy", "--task", "binary", "--write", out)
    assert "score_threshold" not in d["best"] and "score_threshold" not in d["table"][0]
    assert d["rule"] == "a label is positive when its probability is > threshold"
    assert set(json.loads(out.read_text())) == {"threshold", "optimize", "best"}
