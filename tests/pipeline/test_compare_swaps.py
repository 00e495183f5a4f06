"""``compare``'s linear random swaps (issue 20, target 2).

Reference: the exact swaps (``Evaluation.resample_stat(then=...)`` over the 2n rows "A then
B" under counts ``[1 - s, s]`` and ``[s, 1 - s]``, the path ``compare`` took before, drawn by
``np.random.default_rng([seed, 1]).integers``), itself checked against scikit-learn in
tests/metrics/test_metrics_resample.py. The linear path evaluates the very same swaps, so swap
by swap the differences ``stat(B') - stat(A')`` must agree: to float rounding for every loss
and metric (counts, ratios of counts, calibration, Brier, and ROC AUC in every form), and
within a small share of the swap spread for the average-precision forms (first order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_runs import evaluations, exact_swaps
from helpers import invoke, run_json

from losscli.metrics.swap_linear import SWAP_FIRST_ORDER
from losscli.pipeline import intervals
from losscli.swaps import SwapTerms, swap_bits, swap_blocks

N_ROWS = 4000
N_PERM = 48
SEED = 3
COUNT_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "mcc",
                 "cohen_kappa", "f1_macro", "jaccard", "specificity")  # fmt: skip


def _frame(kind, rng, y, scale, weights):
    if kind == "binary":
        z = scale * (2 * y - 1) + rng.normal(0, 1, y.size)
        df = pd.DataFrame({"label": y, "prob": np.round(1 / (1 + np.exp(-z)), 3)})  # ties
    else:
        k = int(y.max()) + 1
        scores = np.round(scale * np.eye(k)[y] + rng.normal(0, 1, (y.size, k)), 2)
        df = pd.DataFrame(scores, columns=[f"logit:{i}" for i in range(k)])
        df.insert(0, "label", y)
    if weights is not None:
        df["weight"] = weights
    return df


@pytest.fixture(
    scope="module",
    params=[("binary", False), ("binary", True), ("multiclass", False), ("multiclass", True)],
    ids=["binary", "binary-weighted", "multiclass", "multiclass-weighted"],
)
def pair(request, tmp_path_factory):
    """Two models' outputs on the same rows (ties in the scores), B better than A."""
    kind, weighted = request.param
    d = tmp_path_factory.mktemp(f"swap_{kind}_{weighted}")
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2 if kind == "binary" else 3, N_ROWS)
    w = rng.integers(1, 4, N_ROWS).astype(float) if weighted else None
    files = []
    for m, scale in (("a", 1.0), ("b", 1.5)):
        path = d / f"{m}.csv"
        _frame(kind, rng, y, scale, w).to_csv(path, index=False)
        files.append(path)
    losses = ("bce", "focal") if kind == "binary" else ("cross_entropy",)
    return kind, weighted, files, losses


def test_linear_swaps_equal_the_exact_swaps_swap_by_swap(pair, small_linear):
    kind, weighted, files, losses = pair
    ev_a, ev_b = evaluations(files, losses, weighted)
    linear = intervals.paired_swap_deltas(ev_a.kept_rows(), ev_b.kept_rows(), N_PERM, SEED)
    assert linear is not None
    exact = exact_swaps(ev_a, ev_b, N_PERM, SEED)
    assert set(linear) == set(exact)
    for name, e in exact.items():
        lin = linear[name]
        assert lin.shape == (N_PERM,), name
        spread = float(np.std(e))
        assert spread > 0, name  # a real swap distribution, not a constant
        if name in SWAP_FIRST_ORDER:  # third-order error: far inside the spread
            assert np.max(np.abs(lin - e)) <= 0.05 * spread, name
        elif name in COUNT_METRICS and not weighted:  # integer sums: bit for bit
            assert np.array_equal(lin, e), name
        else:  # exact functions of float64 sums: float rounding only
            assert np.max(np.abs(lin - e)) <= 1e-12 * max(1.0, float(np.max(np.abs(e)))), name
    ranked = [n for n in exact if n.startswith("roc_auc")]
    assert len(ranked) == (1 if kind == "binary" else 5)  # the one-vs-one forms too


def test_compare_linear_swaps_give_the_exact_p_values(pair, small_linear, monkeypatch):
    kind, weighted, files, losses = pair
    args = ["compare", *files, "--bootstrap", "0", "--permutations", "200", "--seed", "5"]
    if weighted:
        args += ["--weight-col", "weight"]
    linear = run_json(*args)
    assert linear["test"]["permutation_evaluation"] == "linear"
    ap = "average_precision" if kind == "binary" else "average_precision_macro"
    assert ap in linear["test"]["permutation_first_order"]
    assert set(linear["test"]["permutation_first_order"]) <= set(SWAP_FIRST_ORDER)
    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 10**9)
    exact = run_json(*args)
    assert exact["test"]["permutation_evaluation"] == "exact"
    assert exact["test"]["permutation_first_order"] == []
    for name, m in exact["metrics"].items():
        lm = linear["metrics"][name]
        assert (lm["a"], lm["b"], lm["delta"]) == (m["a"], m["b"], m["delta"]), name
        if name in SWAP_FIRST_ORDER:  # first order: the share of swaps beyond may move a bit
            assert abs(lm["p_value"] - m["p_value"]) <= 0.02, name
        else:
            assert lm["p_value"] == m["p_value"], name


def test_compare_identical_files_linear_swaps_give_p_value_one(pair, small_linear):
    _, weighted, files, _ = pair
    args = ["compare", files[0], files[0], "--bootstrap", "0", "--permutations", "40"]
    out = run_json(*args, *(["--weight-col", "weight"] if weighted else []))
    assert out["test"]["permutation_evaluation"] == "linear"
    for name, m in out["metrics"].items():
        if m["a"] is not None:
            assert (m["delta"], m["p_value"]) == (0.0, 1.0), name


def test_the_table_names_the_first_order_p_values(pair, small_linear):
    kind, weighted, files, _ = pair
    args = ["compare", *files, "--bootstrap", "0", "--permutations", "20", "--format", "table"]
    r = invoke(*args, *(["--weight-col", "weight"] if weighted else []))
    assert r.exit_code == 0, r.stderr
    first = ["average_precision"] if kind == "binary" else [
        "average_precision_macro", "average_precision_weighted", "average_precision_micro"
    ]  # fmt: skip
    text = " ".join(r.stdout.split())  # the dim line may wrap
    assert f"p-value of {', '.join(first)}: first-order swaps (linear path)" in text
    r = invoke(*args[:-1], "markdown", *(["--weight-col", "weight"] if weighted else []))
    assert r.exit_code == 0, r.stderr
    assert f"\np-value of {', '.join(first)}: first-order swaps (linear path)\n" in r.stdout


def test_partial_auc_and_small_data_swap_exactly(tmp_path, small_linear, monkeypatch):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 1500)
    files = []
    for m, scale in (("a", 1.0), ("b", 1.5)):
        files.append(tmp_path / f"{m}.csv")
        _frame("binary", rng, y, scale, None).to_csv(files[-1], index=False)
    base = ["compare", *files, "--bootstrap", "0", "--permutations", "20"]
    assert run_json(*base)["test"]["permutation_evaluation"] == "linear"
    partial = run_json(*base, "--max-fpr", "0.2")  # not a sum: every swap exact
    assert partial["test"]["permutation_evaluation"] == "exact"
    assert partial["metrics"]["roc_auc_partial"]["p_value"] is not None
    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 50_000)  # below the floor: exact
    assert run_json(*base)["test"]["permutation_evaluation"] == "exact"


@pytest.mark.parametrize("n, seed", [(1, 0), (5, 3), (7, 1), (1000, 9)])
def test_swap_bits_are_the_exact_paths_draws(n, seed):
    rng = np.random.default_rng([seed, 1])
    drawn = np.concatenate(
        [rng.integers(0, 2, size=(b, n), dtype=np.int32) for b in (3, 16, 1, 5)]
    )  # blocks of any size: one stream
    got = np.stack([swap_bits(seed, j, n) for j in range(drawn.shape[0])])
    assert np.array_equal(got, drawn.astype(bool))


@pytest.mark.parametrize("block, workers", [(1, 1), (5, 2), (32, 2), (7, 3)])
def test_swap_blocks_do_not_depend_on_blocks_or_threads(block, workers):
    rng = np.random.default_rng(0)
    n, t = 1001, 4
    order = rng.permutation(n)
    bounds = np.array([0, 10, 10, 400, 999, n])  # an empty segment too
    terms = SwapTerms(rng.normal(size=(n, t)), order, bounds, rng.normal(size=(n, 3)))
    parts = list(swap_blocks(terms, 23, 4, block=block, slab=96, workers=workers))
    dense = np.concatenate([d for d, _ in parts])
    segs = np.concatenate([g for _, g in parts])
    s = np.stack([swap_bits(4, j, n) for j in range(23)])[:, order].astype(float)
    np.testing.assert_allclose(dense, s @ terms.dense, rtol=1e-12, atol=1e-12)
    for g in range(bounds.size - 1):
        lo, hi = bounds[g], bounds[g + 1]
        want = s[:, lo:hi] @ terms.seg_cols[lo:hi]
        np.testing.assert_allclose(segs[:, g, :], want, rtol=1e-12, atol=1e-12)
