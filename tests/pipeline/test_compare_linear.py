"""``compare``'s linear paired bootstrap (issue 20, target 2).

Reference: the exact paired bootstrap (``Evaluation.resample_stat`` of each run, the path
``compare`` takes on small data), itself checked against scikit-learn in
tests/metrics/test_metrics_resample.py, under the counts the linear path draws (in the joint
terms' order, put back in row order by ``compare_runs.linear_counts``). Resample by resample
the two must agree: exactly for the metrics that are functions of counts (accuracy, F1, MCC,
...), to float32 rounding of the sums for the losses, Brier and ECE, and to the first-order
error for ROC AUC / AP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_runs import linear_counts
from helpers import run_json

from losscli.bootstrap import percentile_interval
from losscli.engine import Evaluation
from losscli.pipeline import intervals
from losscli.pipeline.options import Options

N_ROWS = 6000
COUNT_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "mcc",
                 "cohen_kappa", "f1_macro", "jaccard")  # fmt: skip
SUM_STATS = ("bce", "focal", "log_loss", "brier", "ece")
RANKED = ("roc_auc", "average_precision")


@pytest.fixture
def small_linear(monkeypatch):
    """The linear path allowed on a few thousand rows (its row and support floors lowered)."""
    import losscli.metrics.linear as linear

    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 1000)
    monkeypatch.setattr(linear, "LINEAR_MIN_RANKED", 500)


def _write(path, y, scores, kind):
    if kind == "binary":
        df = pd.DataFrame({"label": y, "prob": scores})
    else:
        df = pd.DataFrame(scores, columns=[f"logit:{i}" for i in range(scores.shape[1])])
        df.insert(0, "label", y)
    df.to_csv(path, index=False)
    return path


# the one-vs-one (and partial) AUC: not resampled on the linear path (metrics.linear_skipped)
NOT_LINEAR = {"roc_auc_ovo_macro", "roc_auc_ovo_weighted", "roc_auc_partial"}


@pytest.fixture(scope="module", params=["binary", "multiclass"])
def pair(request, tmp_path_factory):
    """Two models' outputs on the same N_ROWS rows, B better than A."""
    kind = request.param
    d = tmp_path_factory.mktemp(f"cmp_{kind}")
    rng = np.random.default_rng(11)
    if kind == "binary":
        y = rng.integers(0, 2, N_ROWS)
        files = [
            _write(
                d / f"{m}.csv",
                y,
                1 / (1 + np.exp(-(s * (2 * y - 1) + rng.normal(0, 1, N_ROWS)))),
                kind,
            )  # fmt: skip
            for m, s in (("a", 1.0), ("b", 1.5))
        ]
    else:
        k = 3
        y = rng.integers(0, k, N_ROWS)
        files = [
            _write(d / f"{m}.csv", y, s * np.eye(k)[y] + rng.normal(0, 1, (N_ROWS, k)), kind)
            for m, s in (("a", 1.0), ("b", 1.5))
        ]
    return kind, files


def _runs(files, losses):
    out = []
    for f in files:
        ev = Evaluation(str(f), None, Options(keep_rows=True, losses=losses))
        ev.consume()
        out.append(ev)
    return out


def test_linear_deltas_match_exact_deltas_resample_by_resample(pair, small_linear):
    kind, files = pair
    losses = ("bce", "focal") if kind == "binary" else ("cross_entropy",)
    ev_a, ev_b = _runs(files, losses)
    n_boot, seed = 48, 3
    linear = intervals.paired_linear_deltas(ev_a.kept_rows(), ev_b.kept_rows(), n_boot, seed)
    assert linear is not None
    stat_a, stat_b = ev_a.resample_stat(), ev_b.resample_stat()
    exact: dict[str, list[np.ndarray]] = {}
    drawn = linear_counts(ev_a, ev_b, n_boot, seed)
    for counts in np.split(drawn, range(16, n_boot, 16)):
        va, vb = stat_a(counts), stat_b(counts)
        for name in va:
            exact.setdefault(name, []).append(vb[name] - va[name])
    checked = set()
    for name, parts in exact.items():
        if name in NOT_LINEAR:  # not resampled on the linear path: NaN replicates
            assert np.all(np.isnan(linear[name])), name
            continue
        e, lin = np.concatenate(parts), linear[name]
        assert lin.shape == (n_boot,), name
        spread = float(np.std(e))
        assert spread > 0, name  # a real paired spread, not a constant
        if name in COUNT_METRICS:
            assert np.array_equal(lin, e), name  # same draws, same counts: bit for bit
        elif name.startswith(RANKED):  # first order (also the macro forms): inside the spread
            assert np.max(np.abs(lin - e)) <= 0.2 * spread, name
        else:  # float32 products of the per-row sums
            assert np.max(np.abs(lin - e)) <= 1e-5 * spread + 1e-9, name
        checked.add(name)
    assert {"accuracy", "balanced_accuracy", "brier", "ece"} <= checked
    assert any(n.startswith("f1") for n in checked)
    assert sum(n.startswith(RANKED) for n in checked) >= 2


def test_compare_reports_the_linear_evaluation_and_close_intervals(pair, small_linear, monkeypatch):
    kind, files = pair
    args = ("compare", *files, "--bootstrap", "200", "--permutations", "50", "--seed", "2")
    linear = run_json(*args)
    assert linear["test"]["evaluation"] == "linear"
    # the exact resamples under the linear path's own counts: the same interval
    losses = ("bce",) if kind == "binary" else ("cross_entropy",)
    ev_a, ev_b = _runs(files, losses)
    stat_a, stat_b = ev_a.resample_stat(), ev_b.resample_stat()
    reps: dict[str, list[np.ndarray]] = {}
    for counts in np.split(linear_counts(ev_a, ev_b, 200, 2), range(16, 200, 16)):
        va, vb = stat_a(counts), stat_b(counts)
        for name in va:
            reps.setdefault(name, []).append(vb[name] - va[name])
    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 10**9)
    exact = run_json(*args)
    assert exact["test"]["evaluation"] == "exact"
    for name, m in exact["metrics"].items():
        lm = linear["metrics"][name]
        if name in NOT_LINEAR:  # no interval on the linear path (compute says so too)
            assert lm["ci"] is None and (lm["a"], lm["b"]) == (m["a"], m["b"]), name
            continue
        assert (lm["a"], lm["b"], lm["delta"]) == (m["a"], m["b"], m["delta"]), name
        if m["ci"] is None:
            assert lm["ci"] is None, name
            continue
        (lo, hi), (llo, lhi) = m["ci"], lm["ci"]
        want = percentile_interval(np.concatenate(reps[name]), 0.95)
        tol = 0.05 * (hi - lo) if name.startswith(RANKED) else 1e-5 * (hi - lo) + 1e-12
        assert abs(llo - want[0]) <= tol and abs(lhi - want[1]) <= tol, name
        # other draws (the exact path's, in row order): about the same interval
        assert abs(llo - lo) <= 0.3 * (hi - lo) and abs(lhi - hi) <= 0.3 * (hi - lo), name


def test_compare_identical_files_linear_gives_delta_zero(pair, small_linear):
    _, files = pair
    out = run_json("compare", files[0], files[0], "--bootstrap", "100", "--permutations", "20")
    assert out["test"]["evaluation"] == "linear"
    for name, m in out["metrics"].items():
        if m["a"] is None:
            continue
        if name in NOT_LINEAR:  # no interval on the linear path
            assert (m["delta"], m["ci"], m["p_value"]) == (0.0, None, 1.0), name
            continue
        assert (m["delta"], m["ci"], m["p_value"]) == (0.0, [0.0, 0.0], 1.0), name


def test_compare_small_data_stays_exact(pair):
    """Below LINEAR_MIN_ROWS (the default floor, 50,000 rows) every resample is exact."""
    _, files = pair
    out = run_json("compare", *files, "--bootstrap", "50", "--permutations", "20")
    assert out["test"]["evaluation"] == "exact"


def test_compare_multilabel_stays_exact(tmp_path, small_linear):
    rng = np.random.default_rng(4)
    n, k = 3000, 3
    y = (rng.random((n, k)) < 0.5).astype(int)
    paths = []
    for m, s in (("a", 1.0), ("b", 2.0)):
        df = pd.DataFrame({f"label:{i}": y[:, i] for i in range(k)})
        for i in range(k):
            df[f"logit:{i}"] = s * (2 * y[:, i] - 1) + rng.normal(0, 1, n)
        paths.append(df.to_csv(tmp_path / f"{m}.csv", index=False) or tmp_path / f"{m}.csv")
    out = run_json("compare", *paths, "--task", "multilabel", "--bootstrap", "30",
                   "--permutations", "10")  # fmt: skip
    assert out["task"] == "multilabel"
    assert out["test"]["evaluation"] == "exact"
