"""``compare``'s paired bootstrap in one row order (issue 20, target 2).

Reference: each model's own :class:`LinearTerms` summed alone (the per-model path ``compare``
took before: resample j's counts in row order read through each model's order, one product
per model), recomputed here in float64 beside the joint layout of
:func:`losscli.pairing.pair_terms`, under the counts the linear path draws (in the joint
order: ``compare_runs.linear_counts`` puts them back in row order). Same counts, same terms,
summed in another order, so the sums agree to float rounding, the count metrics bit for bit,
and every statistic's replicates (and so every interval) to float32 rounding of the sums.
That per-model path is itself checked against the exact resamples in
tests/pipeline/test_compare_linear.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_runs import (
    evaluations,
    exact_swaps,
    linear_counts,
    linear_swap_bits,
    p_values,
    swaps_both_ways,
)

from losscli.bootstrap import LinearTerms, draw_counts
from losscli.metrics.catalog import loss_key
from losscli.metrics.linear import LinearClassification
from losscli.pairing import pair_terms
from losscli.pipeline import intervals

N_ROWS = 3000
N_BOOT = 40
SEED = 4
COUNT_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "mcc",
                 "cohen_kappa", "f1_macro", "jaccard", "specificity")  # fmt: skip


CASES = {
    # scores rounded to 2 decimals: many ties in each model and between the models
    "binary-ties": ("binary", False, 2, None),
    "binary-weighted": ("binary", True, 3, None),
    # model B predicts class 1 on every row: its precision / specificity forms divide by zero
    "binary-one-class-predicted": ("binary", False, 3, "one-class"),
    "multiclass": ("multiclass", False, 2, None),
    "multiclass-weighted": ("multiclass", True, 2, None),
}


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def case(request, tmp_path_factory):
    kind, weighted, decimals, special = CASES[request.param]
    d = tmp_path_factory.mktemp(f"paired_{request.param}")
    rng = np.random.default_rng(21)
    k = 2 if kind == "binary" else 3
    y = rng.integers(0, k, N_ROWS)
    w = rng.integers(1, 4, N_ROWS).astype(float) if weighted else None
    files = []
    for m, scale in (("a", 1.0), ("b", 1.6)):
        if kind == "binary":
            z = scale * (2 * y - 1) + rng.normal(0, 1, N_ROWS)
            p = 1 / (1 + np.exp(-z))
            if special == "one-class" and m == "b":
                p = 0.5 + 0.5 * p  # every row above the 0.5 threshold: class 1 predicted
            df = pd.DataFrame({"label": y, "prob": np.round(p, decimals)})
        else:
            s = np.round(scale * np.eye(k)[y] + rng.normal(0, 1, (N_ROWS, k)), decimals)
            df = pd.DataFrame(s, columns=[f"logit:{i}" for i in range(k)])
            df.insert(0, "label", y)
        if w is not None:
            df["weight"] = w
        path = d / f"{m}.csv"
        df.to_csv(path, index=False)
        files.append(path)
    losses = ("bce", "focal") if kind == "binary" else ("cross_entropy",)
    return kind, weighted, files, losses


def _kept(files, losses, weighted, zero_division="warn"):
    return [ev.kept_rows() for ev in evaluations(files, losses, weighted, zero_division)]


def _lin(run):
    loss_rows = [run.loss_rows[name].matrix() for name in run.loss_names]
    return LinearClassification(run.metrics_acc, run.zero_division, extra=loss_rows)


def _terms(lin):
    return LinearTerms(lin.dense, lin.base, lin.bounds, lin.seg_cols, lin.seg_base, lin.order)


def _reference_sums(lin, counts):
    """Per model, in float64: ``base + (c - 1) @ dense`` in the model's order, and the
    segments' ``seg_base + (c - 1)[seg] @ seg_cols[seg]``, c each resample's counts (uint8
    (B, n), row order) read in the model's order."""
    dense, segs = [], []
    for row in counts:
        c = row[lin.order].astype(np.float64) - 1.0
        dense.append(lin.base + c @ lin.dense.astype(np.float64))
        s = np.add.reduceat(c[:, None] * lin.seg_cols.astype(np.float64), lin.bounds[:-1])
        segs.append(lin.seg_base + s)
    return np.array(dense), np.array(segs)


def _joint_sums(terms, counts):
    """The joint layout's sums without a base, in float64: ``(c - 1) @ dense`` and each pair
    segment's ``(c - 1)[seg] @ seg_cols[seg]``, c the counts (uint8 (b, n), row order) read
    through ``terms.order``."""
    c = counts[:, terms.order].astype(np.float64) - 1.0
    dense = c @ terms.dense.astype(np.float64)
    prod = c[:, :, None] * terms.seg_cols.astype(np.float64)[None]
    return dense, np.add.reduceat(prod, terms.bounds[:-1], axis=1)


@pytest.mark.parametrize("block", [16, 7])
def test_joint_sums_equal_each_models_own_sums(case, small_linear, block):
    kind, weighted, files, losses = case
    lins = [_lin(r) for r in _kept(files, losses, weighted)]
    paired = pair_terms(*(_terms(lin) for lin in lins))
    # every pair segment lies inside one segment of each model
    for lin, seg_of in zip(lins, paired.seg_of):
        pos = np.empty(lin.n, np.intp)
        pos[lin.order] = np.arange(lin.n)
        seg_row = np.searchsorted(lin.bounds, pos, "right") - 1
        at = seg_row[paired.terms.order]
        seg_pos = np.repeat(np.arange(seg_of.size), np.diff(paired.terms.bounds))
        assert np.array_equal(at, seg_of[seg_pos])
    got = [([], []), ([], [])]
    counts = draw_counts(SEED, 0, N_BOOT, lins[0].n)  # row order, as each model reads them
    for j0 in range(0, N_BOOT, block):  # the joint layout's sums, split block by block
        joint = _joint_sums(paired.terms, counts[j0 : j0 + block])
        for m, (d, s) in enumerate(paired.split(*joint)):
            got[m][0].append(d)
            got[m][1].append(s)
    for m, lin in enumerate(lins):
        ref_dense, ref_segs = _reference_sums(lin, counts)
        for joint, ref in ((got[m][0], ref_dense), (got[m][1], ref_segs)):
            joint = np.concatenate(joint)
            assert joint.shape == ref.shape
            scale = np.abs(ref).max(axis=0) + 1.0
            # the same float32 terms summed in float64 in another order
            assert np.all(np.abs(joint - ref) <= 1e-9 * scale)
        # the weight and count columns are small integers: exact in any order
        assert np.array_equal(np.concatenate(got[m][1])[:, :, 0], ref_segs[:, :, 0])


@pytest.mark.parametrize("zero_division", ["warn", "nan", 1.0])
def test_paired_deltas_equal_the_per_model_path(case, small_linear, zero_division):
    kind, weighted, files, losses = case
    evs = evaluations(files, losses, weighted, zero_division)
    runs = [ev.kept_rows() for ev in evs]
    deltas = intervals.paired_linear_deltas(*runs, N_BOOT, SEED)
    assert deltas is not None
    lins = [_lin(r) for r in runs]
    counts = linear_counts(*evs, N_BOOT, SEED)  # drawn in the joint order
    ref = [_reference_sums(lin, counts) for lin in lins]
    values = []
    for lin, (dense, segs) in zip(lins, ref):
        rows = [lin.metrics(dense[j], segs[j]) for j in range(N_BOOT)]
        values.append({k: np.array([np.nan if r[k] is None else r[k] for r in rows])
                       for k in rows[0]})  # fmt: skip
    checked = 0
    for name, va in values[0].items():
        if name not in deltas:
            continue
        want = values[1][name] - va
        got = deltas[name]
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        ok = ~np.isnan(want)
        if name in COUNT_METRICS and not weighted:
            assert np.array_equal(got[ok], want[ok]), name  # integer sums: bit for bit
        else:
            # float32 products: rounding relative to the statistics' values
            scale = np.abs(values[0][name][ok]) + np.abs(values[1][name][ok]) + 1e-3
            assert np.all(np.abs(got[ok] - want[ok]) <= 1e-6 * scale), name
        checked += 1
    assert checked >= 15


def _reference_deltas(runs, counts):
    """The per-model path's replicates of ``b - a`` for every loss and metric under
    ``counts`` (uint8 (B, n), row order)."""
    from losscli import losses as L

    values = []
    for run in runs:
        lin = _lin(run)
        dense, segs = _reference_sums(lin, counts)
        out: dict[str, list[float]] = {}
        for j in range(counts.shape[0]):
            col = lin.n_metric_cols
            for name in run.loss_names:
                k = run.loss_rows[name].width
                v = L.finalize(name, run.task, dense[j, col : col + k], params=run.params)
                out.setdefault(loss_key(name), []).append(intervals.finite(v))
                col += k
            for name, v in lin.metrics(dense[j], segs[j]).items():
                out.setdefault(name, []).append(intervals.finite(v))
        values.append({k: np.array(v) for k, v in out.items()})
    return {k: values[1][k] - v for k, v in values[0].items()}


def test_compare_intervals_equal_the_per_model_paths(case, small_linear):
    """End to end: ``compare``'s intervals are the percentile intervals of the per-model
    path's replicates (float32 rounding of the sums apart)."""
    from losscli.bootstrap import percentile_interval
    from losscli.comparison import compare

    kind, weighted, files, losses = case
    opts = {"losses": losses, "weight_col": "weight" if weighted else None}
    result = compare(*map(str, files), bootstrap=N_BOOT, n_permutations=20, seed=SEED, **opts)
    assert result.test["evaluation"] == "linear"
    evs = evaluations(files, losses, weighted)
    kept = [ev.kept_rows() for ev in evs]
    ref = _reference_deltas(kept, linear_counts(*evs, N_BOOT, SEED))
    checked = set()
    for name, m in result.metrics.items():
        if name not in ref or m["delta"] is None:
            continue
        want = percentile_interval(ref[name], 0.95)
        if want is None:
            assert m["ci"] is None, name
            continue
        (lo, hi), (glo, ghi) = want, m["ci"]
        tol = 1e-6 * (abs(result.metrics[name]["a"]) + abs(result.metrics[name]["b"]) + 1e-3)
        assert abs(glo - lo) <= tol and abs(ghi - hi) <= tol, name
        checked.add(name)
    assert len(checked) >= 15
    assert {loss_key(n) for n in kept[0].loss_names} <= checked  # the losses' intervals too


# ---- the swaps: their block-wise sums and metrics against the exact swaps ------------------

N_PERM = 24


@pytest.mark.parametrize("zero_division", ["warn", "nan", 1.0])
def test_swap_deltas_equal_theexact_swaps(case, small_linear, zero_division):
    from losscli.metrics.swap_linear import SWAP_FIRST_ORDER

    kind, weighted, files, losses = case
    ev_a, ev_b = evaluations(files, losses, weighted, zero_division)
    linear, exact, va, vb = swaps_both_ways(ev_a, ev_b, N_PERM, SEED)
    for name, e in exact.items():
        lin = linear[name]
        assert lin.shape == (N_PERM,), name
        assert np.array_equal(np.isnan(lin), np.isnan(e)), name  # undefined alike
        ok = ~np.isnan(e)
        e, lin = e[ok], lin[ok]
        if name in SWAP_FIRST_ORDER:  # first order, third-order error: inside the spread
            assert np.max(np.abs(lin - e), initial=0.0) <= 0.05 * float(np.std(e)) + 1e-12, name
        elif name in COUNT_METRICS:  # integer sums (weights 1-3 too): bit for bit
            assert np.array_equal(lin, e), name
        else:  # exact functions of the sums: float32 rounding relative to the values
            scale = abs(va[name] or 0.0) + abs(vb[name] or 0.0)
            spread = float(np.std(e)) if e.size else 0.0
            assert np.max(np.abs(lin - e), initial=0.0) <= 1e-5 * spread + 1e-6 * scale, name


def test_compare_p_values_equal_the_exact_path(case, small_linear, monkeypatch):
    from losscli.comparison import compare
    from losscli.metrics.swap_linear import SWAP_FIRST_ORDER

    kind, weighted, files, losses = case
    opts = {"losses": losses, "weight_col": "weight" if weighted else None}
    args = (*map(str, files),)
    linear = compare(*args, bootstrap=0, n_permutations=150, seed=6, **opts)
    assert linear.test["permutation_evaluation"] == "linear"
    monkeypatch.setattr(intervals, "LINEAR_MIN_ROWS", 10**9)
    exact = compare(*args, bootstrap=0, n_permutations=150, seed=6, **opts)
    assert exact.test["permutation_evaluation"] == "exact"
    # the p-values of the linear path's very swaps, each evaluated exactly
    ev_a, ev_b = evaluations(files, losses, weighted)
    swapped = exact_swaps(ev_a, ev_b, linear_swap_bits(ev_a, ev_b, 150, 6))
    want = p_values(swapped, {name: m["delta"] for name, m in exact.metrics.items()})
    defined = 0
    for name, m in exact.metrics.items():
        lm = linear.metrics[name]
        assert (lm["a"], lm["b"], lm["delta"]) == (m["a"], m["b"], m["delta"]), name
        p, near = want[name]
        if p is None:
            assert lm["p_value"] is None and m["p_value"] is None, name
            continue
        if name in SWAP_FIRST_ORDER:  # first order: the share of swaps beyond may move a bit
            assert abs(lm["p_value"] - p) <= 0.02, name
        else:  # a swap within float32 rounding of the observed |delta| may go either way
            assert abs(lm["p_value"] - p) <= near / 151 + 1e-12, name
        # an equally valid randomisation: the exact path's own swaps say about the same
        assert abs(lm["p_value"] - m["p_value"]) <= 0.15, name
        defined += m["p_value"] is not None
    assert defined >= 15


def test_compare_both_phases_equal_each_alone(case, small_linear):
    """The bootstrap's setup runs on a thread beside the swaps' blocks: the intervals and
    p-values are those of each phase run alone."""
    from losscli.comparison import compare

    kind, weighted, files, losses = case
    opts = {"losses": losses, "weight_col": "weight" if weighted else None, "seed": SEED}
    args = tuple(map(str, files))
    both = compare(*args, bootstrap=N_BOOT, n_permutations=30, **opts)
    boot = compare(*args, bootstrap=N_BOOT, n_permutations=0, **opts)
    perm = compare(*args, bootstrap=0, n_permutations=30, **opts)
    assert both.test["evaluation"] == both.test["permutation_evaluation"] == "linear"
    assert sum(m["ci"] is not None for m in both.metrics.values()) >= 15
    for name, m in both.metrics.items():
        assert m["ci"] == boot.metrics[name]["ci"], name
        assert m["p_value"] == perm.metrics[name]["p_value"], name


def test_an_error_of_the_background_setup_reaches_the_caller(case, small_linear, monkeypatch):
    from losscli.comparison import compare

    def boom(run_a, run_b):
        raise RuntimeError("setup failed")

    monkeypatch.setattr(intervals, "paired_linear_setup", boom)
    kind, weighted, files, losses = case
    opts = {"losses": losses, "weight_col": "weight" if weighted else None}
    with pytest.raises(RuntimeError, match="setup failed"):
        compare(*map(str, files), bootstrap=N_BOOT, n_permutations=10, seed=SEED, **opts)
