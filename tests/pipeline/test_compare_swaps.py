"""``compare``'s linear random swaps (issue 20, target 2).

Reference: the exact swaps (``Evaluation.resample_stat(then=...)`` over the 2n rows "A then
B" under counts ``[1 - s, s]`` and ``[s, 1 - s]``, the path ``compare`` takes on small data),
itself checked against scikit-learn in tests/metrics/test_metrics_resample.py, given the
linear path's swaps in row order (``swaps.swap_bits`` drawn in the swap terms' row order).
Swap by swap the differences ``stat(B') - stat(A')`` must agree: bit for bit for the count
metrics (integer sums, exact in float32), to float32 rounding of the sums for the other
losses and metrics (calibration, Brier, and ROC AUC in every form), and within a small share
of the swap spread for the average-precision forms (first order). The bits themselves are
checked against the PCG64 words they are read from, and for fairness and independence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_runs import evaluations, exact_swaps, linear_swap_bits, p_values, swaps_both_ways
from helpers import invoke, run_json

from losscli.metrics.swap_linear import SWAP_FIRST_ORDER
from losscli.pipeline import intervals
from losscli.swaps import SWAP_STREAM, SwapTerms, swap_bits, swap_blocks

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
    linear, exact, va, vb = swaps_both_ways(ev_a, ev_b, N_PERM, SEED)
    for name, e in exact.items():
        lin = linear[name]
        assert lin.shape == (N_PERM,), name
        spread = float(np.std(e))
        assert spread > 0, name  # a real swap distribution, not a constant
        if name in SWAP_FIRST_ORDER:  # third-order error: far inside the spread
            assert np.max(np.abs(lin - e)) <= 0.05 * spread, name
        elif name in COUNT_METRICS:  # integer sums (weights 1-3 too): bit for bit
            assert np.array_equal(lin, e), name
        else:  # exact functions of the sums: float32 rounding relative to the values
            scale = abs(va[name]) + abs(vb[name])
            assert np.max(np.abs(lin - e)) <= 1e-5 * spread + 1e-6 * scale, name
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
    # the p-values of the linear path's very swaps, each evaluated exactly
    ev_a, ev_b = evaluations(files, None, weighted)
    swapped = exact_swaps(ev_a, ev_b, linear_swap_bits(ev_a, ev_b, 200, 5))
    want = p_values(swapped, {name: m["delta"] for name, m in exact["metrics"].items()})
    for name, m in exact["metrics"].items():
        lm = linear["metrics"][name]
        assert (lm["a"], lm["b"], lm["delta"]) == (m["a"], m["b"], m["delta"]), name
        p, near = want[name]
        if name in SWAP_FIRST_ORDER:  # first order: the share of swaps beyond may move a bit
            assert abs(lm["p_value"] - p) <= 0.02, name
        else:  # a swap within float32 rounding of the observed |delta| may go either way
            assert abs(lm["p_value"] - p) <= near / 201 + 1e-12, name
        # an equally valid randomisation: the exact path's own swaps say the same
        assert abs(lm["p_value"] - m["p_value"]) <= 0.15, name


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


@pytest.mark.parametrize("n, seed", [(1, 0), (5, 3), (64, 2), (65, 1), (1000, 9)])
def test_swap_bits_read_each_bit_of_the_stream_once(n, seed):
    """Swap j, position p: bit p % 64 (least significant first) of 64-bit word j W + p // 64
    of PCG64(SeedSequence([seed, 2])), W = ceil(n / 64): written out with Python integers."""
    n_swaps, width = 7, (n + 63) // 64
    words = np.random.PCG64(np.random.SeedSequence([seed, SWAP_STREAM])).random_raw(n_swaps * width)
    for j in range(n_swaps):
        want = [(int(words[j * width + p // 64]) >> (p % 64)) & 1 for p in range(n)]
        assert swap_bits(seed, j, n).astype(int).tolist() == want, j


def test_swap_bits_are_fair_and_independent():
    """Chi-square tests (1% level, fixed seed: deterministic) on 200 swaps of 5,000 rows:
    each bit fair, the 4-bit patterns of neighbouring positions uniform (16 cells), and a
    position's bits in consecutive swaps independent (2 x 2 table)."""
    from scipy import stats

    n, n_swaps = 5000, 200
    bits = np.stack([swap_bits(12, j, n) for j in range(n_swaps)]).astype(np.int64)
    ones = int(bits.sum())
    assert stats.chisquare([ones, bits.size - ones]).pvalue > 0.01
    quads = bits[:, : n - n % 4].reshape(n_swaps, -1, 4) @ np.array([8, 4, 2, 1])
    assert stats.chisquare(np.bincount(quads.ravel(), minlength=16)).pvalue > 0.01
    table = np.bincount((2 * bits[:-1] + bits[1:]).ravel(), minlength=4).reshape(2, 2)
    assert stats.chi2_contingency(table).pvalue > 0.01
    assert 0.45 < bits.mean(axis=1).min() and bits.mean(axis=1).max() < 0.55


def test_swap_bits_do_not_depend_on_the_data():
    """The bits are a function of (seed, swap, position) only: any terms, any order of rows,
    read the same bits (so a row's bit depends on the data only through its position)."""
    rng = np.random.default_rng(1)
    n = 300
    got = []
    for _ in range(2):
        terms = SwapTerms(rng.normal(size=(n, 1)).astype(np.float32), np.array([0, n]),
                          np.ones((n, 1), np.float32))  # fmt: skip
        ((_, segs),) = swap_blocks(terms, 5, 7)
        got.append(segs[:, 0, 0])  # the number of swapped rows
    want = np.array([swap_bits(7, j, n).sum() for j in range(5)])
    assert np.array_equal(got[0], want) and np.array_equal(got[1], want)


@pytest.mark.parametrize("block, workers", [(1, 1), (5, 2), (32, 2), (7, 3)])
def test_swap_blocks_do_not_depend_on_blocks_or_threads(block, workers):
    rng = np.random.default_rng(0)
    n, t = 1001, 4
    bounds = np.array([0, 10, 10, 400, 999, n])  # an empty segment too
    dense = rng.normal(size=(n, t)).astype(np.float32)
    seg_cols = rng.normal(size=(n, 3)).astype(np.float32)
    parts = list(swap_blocks(SwapTerms(dense, bounds, seg_cols), 23, 4, block=block, slab=96,
                             workers=workers))  # fmt: skip
    got_dense = np.concatenate([d for d, _ in parts])
    segs = np.concatenate([g for _, g in parts])
    s = np.stack([swap_bits(4, j, n) for j in range(23)]).astype(float)
    # float32 products added up in float64: float32 rounding of each slab's sums
    np.testing.assert_allclose(got_dense, s @ dense.astype(float), rtol=0, atol=1e-4)
    for g in range(bounds.size - 1):
        lo, hi = bounds[g], bounds[g + 1]
        want = s[:, lo:hi] @ seg_cols[lo:hi].astype(float)
        np.testing.assert_allclose(segs[:, g, :], want, rtol=0, atol=1e-4)
    serial = swap_blocks(SwapTerms(dense, bounds, seg_cols), 23, 4, block=block, slab=96, workers=1)
    again = np.concatenate([d for d, _ in serial])
    assert np.array_equal(got_dense, again)  # the same products on any thread, bit for bit


def test_unit_weights_swap_to_exact_counts():
    """0/1 bits times small integer columns: float32 products are exact integer counts."""
    n = 50_000
    terms = SwapTerms(np.ones((n, 1), np.float32), np.array([0, 20_000, n]),
                      np.full((n, 1), 3.0, np.float32))  # fmt: skip
    ((dense, segs),) = swap_blocks(terms, 4, 2)
    s = np.stack([swap_bits(2, j, n) for j in range(4)]).astype(np.int64)
    assert np.array_equal(dense[:, 0], s.sum(axis=1))
    assert np.array_equal(segs[:, 1, 0], 3 * s[:, 20_000:].sum(axis=1))


@pytest.mark.parametrize(
    "make, exact",
    [
        (lambda r: r.integers(-5000, 5000, 3000).astype(float), True),  # counts, rank terms
        (lambda r: r.integers(-5000, 5000, 3000) / 2.0, True),  # ties counting one half
        (lambda r: r.integers(-40000, 40000, 3000) / 32.0, True),  # weights 1/8 .. x ties
        (lambda r: r.integers(1, 4, 3000) * 1.0 + 1e6, True),  # far from 0, on the unit grid
        (lambda r: r.normal(0.3, 1.0, 3000), False),  # per-row losses: no coarse grid
        (lambda r: np.r_[r.integers(0, 9, 2999) * 1.0, 0.1], False),  # one term off the grid
    ],
    ids=["integers", "halves", "32nds", "offset", "floats", "one-off-grid"],
)
def test_centred_columns_keep_grid_terms_exact(make, exact):
    from losscli.swaps import centred

    x = make(np.random.default_rng(5))
    col, shift = centred(x)
    assert col.dtype == np.float32
    back = col.astype(np.float64) + shift
    if exact:  # on the terms' grid: x - shift exact in float32, the shift near the mean
        assert np.array_equal(back, x)
        assert abs(shift - x.mean()) <= 1.0
    else:  # the mean itself: float32 rounding relative to the spread
        assert shift == pytest.approx(x.mean(), rel=1e-12)
        assert np.max(np.abs(back - x)) <= 2**-23 * np.max(np.abs(x - shift))
    assert abs(float(col.astype(np.float64).mean())) <= 1.0 + 1e-6 * np.abs(x).max()
