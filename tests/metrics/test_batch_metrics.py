"""batch_metrics (B resamples at once) against ResultBuilder (one resample at a time).

The reference is the one-at-a-time builder every report is built by (its own parity with
scikit-learn is pinned in test_metrics_sklearn.py); here random sums -- with the cases
where a ratio is undefined: a class absent from y_true, a class never predicted, every row
one class, an empty (zero-weight) resample -- go through both, and every metric name, its
NaN / None pattern and its value must agree for binary, multi-class and multi-label, with
each zero-division setting and the options that add names (beta, --labels, top-k, max_fpr).

ResultBuilder now takes its flat values from batch_metrics with B = 1, so for those values
the builder comparison checks that a resample's values do not depend on the batch it is in
(and the None pattern of an empty resample, the key order, the builder's own ``_weighted``
AUC / AP); the independent check of the values is scikit-learn:
``test_batch_metrics_per_resample_equal_sklearn_on_the_repeated_rows`` below (row b of a
batch against scikit-learn on the rows repeated as resample b draws them) and, through
``result()``, tests/metrics/test_metrics_sklearn.py.
"""

from __future__ import annotations

import copy
import math
import warnings
import zlib

import numpy as np
import pytest

from losscli.metrics import ClassificationAccumulator
from losscli.metrics._common import nan_average
from losscli.metrics.batch import BatchRanking, batch_metrics, batch_nan_average
from losscli.metrics.builder import Ranking, ResultBuilder, zero_division_note
from losscli.metrics.classification import (
    kappa_batch,
    kappa_from_confusion,
    mcc_batch,
    mcc_from_confusion,
)
from losscli.metrics.state import Sums
from losscli.pipeline.intervals import finite

SCENARIOS = ("random", "absent_true", "never_predicted", "one_class", "one_true", "empty")


def _cm(rng: np.random.Generator, c: int, scenario: str, weighted: bool) -> np.ndarray:
    """A (C, C) confusion matrix of the scenario (rows true, columns predicted)."""
    m = rng.integers(0, 20, size=(c, c)).astype(np.float64)
    if weighted:
        m *= rng.uniform(0.1, 3.0, size=(c, c))
    k = int(rng.integers(c))
    if scenario == "absent_true":
        m[k] = 0.0
    elif scenario == "never_predicted":
        m[:, k] = 0.0
    elif scenario == "one_class":
        m[:] = 0.0
        m[k, k] = 7.0
    elif scenario == "one_true":
        keep = m[k].copy()
        m[:] = 0.0
        m[k] = keep + 1.0
    elif scenario == "empty":
        m[:] = 0.0
    return m


def _sums(acc, rng: np.random.Generator, scenario: str) -> Sums:
    """One resample's sums consistent with ``acc``'s task and settings."""
    s = copy.deepcopy(acc.sums)
    c, bins = acc.n_classes, acc.ece_bins
    weighted = bool(rng.integers(2))
    if acc.task == "multilabel":
        mcm = np.stack([_cm(rng, 2, scenario, weighted) for _ in range(c)])
        s.cm = mcm
        big_w = 0.0 if scenario == "empty" else float(rng.uniform(5, 50))
        s.subset = 0.0 if big_w == 0 else float(rng.uniform(0, big_w))
        s.hamming = 0.0 if big_w == 0 else float(rng.uniform(0, big_w * c))
        wundef = rng.uniform(0, big_w, size=4) * (rng.random(4) < 0.5)
        if rng.random() < 0.2:
            wundef[:] = big_w  # every row undefined: the defined weight is 0
        s.samp_wundef = wundef
        s.samp_wdef = big_w - wundef
        s.samp_sum = rng.uniform(0, 1, size=4) * s.samp_wdef
        s.aps_wdef = 0.0 if rng.random() < 0.2 else float(rng.uniform(0, big_w))
        s.aps_sum = float(rng.uniform(0, 1)) * s.aps_wdef
    else:
        s.cm = _cm(rng, c, scenario, weighted)
        big_w = float(s.cm.sum())
    s.total_weight = big_w
    s.log_loss = float(rng.uniform(0, 2)) * big_w
    s.brier = float(rng.uniform(0, 1)) * big_w
    ece_w = rng.uniform(0, 1, size=bins) * (rng.random(bins) < 0.7)
    ece_w *= big_w / ece_w.sum() if ece_w.sum() > 0 and big_w > 0 else 0.0
    s.ece_w = ece_w
    s.ece_conf = ece_w * rng.uniform(0, 1, size=bins)
    s.ece_acc = ece_w * rng.uniform(0, 1, size=bins)
    if acc.top_k is not None:
        s.top_k_hits = rng.uniform(0, 1, size=len(acc.top_k)) * big_w
    return s


def _ranking(acc, rng: np.random.Generator, s: Sums, with_extra: bool) -> Ranking:
    """Per-class AUC / AP, None where the class has no positives (or no negatives)."""
    c = acc.n_classes
    cm = s.cm
    pos = cm[:, 1, :].sum(axis=-1) if acc.task == "multilabel" else cm.sum(axis=1)
    neg = s.total_weight - pos if acc.task != "multilabel" else cm[:, 0, :].sum(axis=-1)
    auc: list[float | None] = []
    ap: list[float | None] = []
    for k in range(c):
        ranked = acc.task != "binary" or k == 1
        ap.append(float(rng.uniform()) if ranked and pos[k] > 0 else None)
        auc.append(float(rng.uniform()) if ranked and pos[k] > 0 and neg[k] > 0 else None)
    rk = Ranking(acc.rank_mode, auc, ap)
    if with_extra and acc.task != "binary":
        rk.micro = (float(rng.uniform()), None if rng.random() < 0.3 else float(rng.uniform()))
        if acc.task == "multiclass":
            rk.ovo = (float(rng.uniform()), float(rng.uniform()), 0)
    if with_extra and acc.task == "binary" and acc.max_fpr is not None:
        rk.partial = None if rng.random() < 0.3 else float(rng.uniform(0.5, 1))
    return rk


def _stack(parts: list[Sums]) -> Sums:
    """B resamples' sums as one Sums with a leading axis on every field."""
    specs = parts[0].specs
    return Sums(specs, {sp.name: np.stack([np.asarray(getattr(p, sp.name)) for p in parts])
                        for sp in specs})  # fmt: skip


def _nan(values: list[float | None] | None, b: int) -> np.ndarray | None:
    return None if values is None else np.array([finite(v) for v in values])


def _batch_ranking(acc, rks: list[Ranking]) -> BatchRanking:
    b = len(rks)
    out = BatchRanking(
        acc.rank_mode,
        np.array([[finite(a) for a in rk.auc] for rk in rks]),
        np.array([[finite(a) for a in rk.ap] for rk in rks]),
    )
    if rks[0].micro is not None:
        out.micro = (_nan([rk.micro[0] for rk in rks], b), _nan([rk.micro[1] for rk in rks], b))
    if rks[0].ovo is not None:
        out.ovo = (_nan([rk.ovo[0] for rk in rks], b), _nan([rk.ovo[1] for rk in rks], b))
    if acc.task == "binary" and acc.max_fpr is not None and any(rk.partial for rk in rks):
        out.partial = _nan([rk.partial for rk in rks], b)
    return out


def _acc(task: str, c: int, **settings) -> ClassificationAccumulator:
    """An accumulator of the task (its settings and sums' shapes; the rows do not matter)."""
    rng = np.random.default_rng(0)
    acc = ClassificationAccumulator(task, c, **settings)
    n = 40
    if task == "binary":
        acc.update(rng.integers(0, 2, n).astype(float), rng.uniform(size=n))
    elif task == "multiclass":
        p = rng.dirichlet(np.ones(c), size=n)
        acc.update(rng.integers(0, c, n), p)
    else:
        acc.update(rng.integers(0, 2, (n, c)).astype(float), rng.uniform(size=(n, c)))
    return acc


CASES = [
    ("binary", 2, {}),
    ("binary", 2, {"beta": 0.5, "max_fpr": 0.2}),
    ("multiclass", 3, {}),
    ("multiclass", 5, {"beta": 2.0, "top_k": (2, 3), "labels": [3, 0, 1]}),
    ("multiclass", 4, {"top_k": 2}),
    ("multilabel", 3, {}),
    ("multilabel", 4, {"beta": 0.7, "labels": [2, 0]}),
]


@pytest.mark.parametrize("task,c,settings", CASES, ids=[f"{t}-{c}-{s}" for t, c, s in CASES])
@pytest.mark.parametrize("zero_division", ["warn", 1.0, "nan"])
@pytest.mark.parametrize("n_boot", [1, 7, 60])
def test_batch_metrics_equal_the_builder_per_resample(task, c, settings, zero_division, n_boot):
    acc = _acc(task, c, **settings)
    rng = np.random.default_rng(zlib.crc32(f"{task}{c}{settings}{zero_division}{n_boot}".encode()))
    zdv, note = zero_division_note(zero_division)
    with_extra = bool(rng.integers(2))
    parts = [_sums(acc, rng, SCENARIOS[j % len(SCENARIOS)]) for j in range(n_boot)]
    rks = [_ranking(acc, rng, s, with_extra) for s in parts]
    if with_extra and task == "binary" and settings.get("max_fpr") is not None:
        for rk in rks:  # a batch has partial values for all its resamples or none
            rk.partial = 0.7 if rk.partial is None else rk.partial
    got = batch_metrics(acc, _stack(parts), _batch_ranking(acc, rks), zdv)
    for j, (s, rk) in enumerate(zip(parts, rks, strict=True)):
        want = ResultBuilder(acc, s, zdv, note, rk).metrics()
        assert list(got) == list(want)
        for name, value in want.items():
            w, g = finite(value), got[name][j]
            if math.isnan(w):
                assert math.isnan(g), (name, j, g)
            else:
                assert g == pytest.approx(w, rel=1e-12, abs=1e-15), (name, j)


def test_the_scenarios_reach_every_undefined_case():
    """The random sums above do produce the undefined cases (else the test proves little)."""
    acc = _acc("multiclass", 3)
    rng = np.random.default_rng(1)
    parts = [_sums(acc, rng, sc) for sc in SCENARIOS]
    rks = [_ranking(acc, rng, s, False) for s in parts]
    got = batch_metrics(acc, _stack(parts), _batch_ranking(acc, rks), math.nan)
    assert np.isnan(got["accuracy"][SCENARIOS.index("empty")])
    assert np.isnan(got["mcc"][SCENARIOS.index("one_class")])
    assert np.isnan(got["cohen_kappa"][SCENARIOS.index("one_class")])
    assert not np.isnan(got["precision_macro"][SCENARIOS.index("never_predicted")])
    assert np.isfinite(got["roc_auc_macro"][SCENARIOS.index("absent_true")])


@pytest.mark.parametrize("c", [2, 3, 6])
def test_mcc_and_kappa_batch_equal_their_one_matrix_forms(c):
    rng = np.random.default_rng(c)
    cms = np.stack([_cm(rng, c, SCENARIOS[j % len(SCENARIOS)], j % 2 == 1) for j in range(30)])
    cms[3] *= 1e160  # the unit scaling: no overflow at either end
    cms[4] *= 1e-200
    got = mcc_batch(cms)
    for kind in (None, "linear", "quadratic"):
        kb = kappa_batch(cms, kind)
        for j, m in enumerate(cms):
            assert kb[j] == pytest.approx(kappa_from_confusion(m, kind), rel=1e-13, nan_ok=True)
    for j, m in enumerate(cms):
        assert got[j] == pytest.approx(mcc_from_confusion(m), rel=1e-13, nan_ok=True)


def test_batch_nan_average_equals_nan_average():
    rng = np.random.default_rng(3)
    v = rng.uniform(size=(50, 4))
    v[rng.random((50, 4)) < 0.4] = np.nan
    w = rng.uniform(size=(50, 4)) * (rng.random((50, 4)) < 0.7)
    plain, weighted = batch_nan_average(v), batch_nan_average(v, w)
    for j in range(50):
        assert plain[j] == pytest.approx(nan_average(v[j]), rel=1e-14, nan_ok=True)
        assert weighted[j] == pytest.approx(nan_average(v[j], w[j]), rel=1e-14, nan_ok=True)


def _linear(task: str, c: int, n: int, **settings):
    rng = np.random.default_rng(c + n)
    acc = ClassificationAccumulator(task, c, keep_rows=True, **settings)
    if task == "binary":
        y = rng.integers(0, 2, n).astype(np.float64)
        acc.update(y, 1 / (1 + np.exp(-(1.5 * y - 0.75 + rng.normal(0, 1, n)))))
    else:
        y = rng.integers(0, c, n)
        z = rng.normal(0, 1, (n, c))
        z[np.arange(n), y] += 1.0
        acc.update(y, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rng.random(n) * 2)
    return acc


LINEAR_CASES = [
    ("binary", 2, {}),
    ("binary", 2, {"auc_bins": 64}),
    ("binary", 2, {"keep_scores": False, "beta": 2.0}),
    ("multiclass", 4, {}),
    ("multiclass", 3, {"top_k": (1, 2), "labels": [2, 0]}),
    ("multiclass", 4, {"auc_bins": 32}),
]


@pytest.mark.parametrize("task,c,settings", LINEAR_CASES, ids=[str(c) for c in LINEAR_CASES])
@pytest.mark.parametrize("zero_division", ["warn", "nan"])
def test_linear_metrics_batch_equals_metrics_per_resample(task, c, settings, zero_division):
    """The linear path's block at once against its one-resample ``metrics``, on real draws
    and on blocks edited into the undefined cases: a true class's segments emptied, a
    predicted class's, all weight in one cell, an empty resample."""
    from losscli.bootstrap import LinearTerms, linear_blocks
    from losscli.metrics.linear import LinearClassification

    acc = _linear(task, c, 3000, **settings)
    lin = LinearClassification(acc, zero_division)
    terms = LinearTerms(lin.dense, lin.base, lin.bounds, lin.seg_cols, lin.seg_base)
    ((d, s),) = linear_blocks(terms, 24, seed=5, workers=1)
    true_k = lin.seg_key // acc.ece_bins // (2 if task == "binary" else c)
    pred_k = lin.seg_key // acc.ece_bins % (2 if task == "binary" else c)
    w_col = lin.layout.slices["total_weight"].start
    for j, case in enumerate(["absent_true", "never_predicted", "one_cell", "empty"] * 2):
        k = j % c
        if case == "absent_true":
            s[j, true_k == k] = 0.0
        elif case == "never_predicted":
            s[j, pred_k == k] = 0.0
        elif case == "one_cell":
            s[j, lin.seg_key != lin.seg_key[0]] = 0.0
        else:
            s[j] = 0.0
            d[j, w_col] = 0.0
        d[j, w_col] = s[j, :, 0].sum()
    got = lin.metrics_batch(d, s)
    for j in range(d.shape[0]):
        want = lin.metrics(d[j], s[j])
        assert list(got) == list(want)
        for name, value in want.items():
            w, g = finite(value), got[name][j]
            assert (math.isnan(w) and math.isnan(g)) or g == pytest.approx(w, rel=1e-12), (
                name,
                j,
            )


@pytest.mark.parametrize("c", [2, 3, 5])
def test_a_single_class_side_is_undefined_whatever_the_float_sums(c):
    # MCC is undefined when y_true or the predictions hold one class, kappa when both hold the
    # same one: exactly, not by whether ``s^2 - p.p`` rounds to 0. It does not always: for
    # [[2.02441301753228, 0], [0, 0]] it is -5.6e-17 (found by test_metrics_resample's
    # Hypothesis run, where the bootstrap's batch path and the one-resample builder then
    # disagreed), and about 1 in 1,000 random weighted totals does the same.
    rng = np.random.default_rng(c)
    n = 20_000
    cls = rng.integers(0, c, n)
    rows = np.arange(n)
    one_true = np.zeros((n, c, c))  # y_true: one class, the predictions spread over c
    one_true[rows, cls] = rng.uniform(1e-3, 1e3, (n, c)) * (rng.random((n, c)) < 0.7)
    one_true[rows, cls, cls] += rng.uniform(1e-3, 1e3, n)
    same = np.zeros((n, c, c))  # both: the same one class
    same[rows, cls, cls] = rng.uniform(1e-3, 1e3, n) * rng.choice([1.0, 1e-200, 1e160], n)
    same[0] = 0.0
    same[0, 0, 0] = 2.02441301753228
    for cms in (one_true, one_true.transpose(0, 2, 1), same):
        assert np.isnan(mcc_batch(cms)).all()
    for j in (0, 1, 2):
        assert math.isnan(mcc_from_confusion(same[j]))
    for kind in (None, "linear", "quadratic"):
        assert np.isnan(kappa_batch(same, kind)).all()
        defined = kappa_batch(one_true[one_true.sum(axis=1).astype(bool).sum(axis=1) > 1], kind)
        assert not np.isnan(defined).any()


def _sk(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kwargs))


def _sk_refs(task: str, y, probs, pred, c: int, zd) -> dict[str, float]:
    """scikit-learn's values of the flat metrics on one resample's repeated rows."""
    from sklearn import metrics as skm

    zero = np.nan if zd == "nan" else zd
    labels = None if task == "multilabel" else list(range(c))
    out = {}
    averages = ["macro", "micro", "weighted"] + (["samples"] if task == "multilabel" else [])
    for avg in averages:
        p, r, f, _ = _sk_tuple(
            skm.precision_recall_fscore_support,
            y,
            pred,
            labels=labels,
            average=avg,
            zero_division=zero,
        )
        out[f"precision_{avg}"], out[f"recall_{avg}"], out[f"f1_{avg}"] = p, r, f
        if zd != "nan" and avg != "samples":  # jaccard_score takes no NaN zero_division
            out[f"jaccard_{avg}"] = _sk(
                skm.jaccard_score, y, pred, labels=labels, average=avg, zero_division=zero
            )
    out["accuracy"] = _sk(skm.accuracy_score, y, pred)
    if task == "multilabel":
        out["subset_accuracy"] = out["accuracy"]
        out["hamming_loss"] = _sk(skm.hamming_loss, y, pred)
        return out
    out["balanced_accuracy"] = _sk(skm.balanced_accuracy_score, y, pred)
    out["log_loss"] = _sk(skm.log_loss, y, probs, labels=labels)
    if task == "binary":
        for name, value in zip(
            ("precision", "recall", "f1"),
            _sk_tuple(
                skm.precision_recall_fscore_support, y, pred, average="binary", zero_division=zero
            )[:3],
            strict=True,
        ):
            out[name] = value
        if 0 < y.sum() < len(y):
            out["roc_auc"] = _sk(skm.roc_auc_score, y, probs[:, 1])
    elif len(np.unique(y)) == c:
        out["roc_auc_macro"] = _sk(skm.roc_auc_score, y, probs, multi_class="ovr", labels=labels)
    return out


def _sk_tuple(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(None if v is None else float(v) for v in fn(*args, **kwargs))


@pytest.mark.parametrize("task,c", [("binary", 2), ("multiclass", 4), ("multilabel", 3)])
@pytest.mark.parametrize("zd", [0, 1, "nan"])
def test_batch_metrics_per_resample_equal_sklearn_on_the_repeated_rows(task, c, zd):
    """Independent of the builder (which now takes its flat values from batch_metrics):
    B resamples of a small set (so classes go missing) as one batch; row b of every name
    checked here is scikit-learn's value on the rows repeated by their multiplicity in b."""
    from losscli.metrics.batch import as_dicts, stack_sums

    rng = np.random.default_rng(zlib.crc32(f"{task}{zd}".encode()))
    n = 12
    if task == "multilabel":
        y = (rng.random((n, c)) < 0.4).astype(np.float64)
        probs = np.clip(0.6 * y + rng.uniform(0, 0.6, (n, c)), 0.01, 0.99)
    else:
        y = rng.integers(0, c, n)
        z = rng.normal(0, 1, (n, c))
        z[np.arange(n), y] += 1.0
        probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    draws = [rng.integers(0, n, n) for _ in range(8)] + [np.zeros(n, dtype=int)]
    accs = []
    for idx in draws:
        acc = ClassificationAccumulator(task, c)
        yb, pb = y[idx], probs[idx]
        acc.update(
            yb.astype(np.float64) if task == "binary" else yb, pb[:, 1] if task == "binary" else pb
        )
        accs.append(acc)
    zdv = zero_division_note(zd)[0]
    got = as_dicts(
        batch_metrics(
            accs[0],
            stack_sums([a.sums for a in accs]),
            BatchRanking.stack([a.rank_values() for a in accs]),
            zdv,
        )
    )
    checked = 0
    for b, idx in enumerate(draws):
        yb, pb = y[idx], probs[idx]
        pred = (pb > 0.5).astype(int) if task == "multilabel" else np.argmax(pb, axis=1)
        for name, ref in _sk_refs(task, yb, pb, pred, c, zd).items():
            ours = got[b][name]
            if ref is None or math.isnan(ref):
                assert ours is None, (name, b)
            else:
                assert ours == pytest.approx(ref, rel=1e-12, abs=1e-12), (name, b)
                checked += 1
    assert checked > 8 * 10
