"""``losscli thresholds`` on dense arrays: counts streamed at a grid of thresholds.

``thresholds.GridCounts`` counts each element once per chunk (memory O(labels x steps), not
one score per element); every row of the sweep is checked against scikit-learn's
``confusion_matrix`` / ``precision_score`` / ``recall_score`` / ``f1_score`` on the flattened
elements with ``p > t``; ``score_bound`` against the exact sweep of the same elements as
ordinary rows (every distinct score a cut point)."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from losscli.cli import cli
from losscli.sweep import compute_thresholds


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
