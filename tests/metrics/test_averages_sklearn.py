"""The metrics of issue #18 against the live scikit-learn: F-beta, weighted kappa, ROC AUC /
AP averages (weighted, micro, one-vs-one, samples), partial AUC (``max_fpr``), several top-k,
``labels=``; through the accumulator (chunks, weights, ties, absent classes, resampling) and
the CLI (``--beta``, ``--labels``, ``--top-k 1,5``, ``--max-fpr``, gates, ``--group-by``,
``compare``, ``--bootstrap``, ``--auc-bins``).

Reference calls: ``sklearn.metrics.fbeta_score(beta=, average=, labels=)``,
``cohen_kappa_score(weights=)``, ``roc_auc_score(average=, multi_class=, max_fpr=)``,
``average_precision_score(average=)``, ``top_k_accuracy_score(k=)``. Where losscli differs by
its documented conventions (AP of a sample with no true label left out; scikit-learn refuses
``sample_weight`` for one-vs-one) the reference is composed from scikit-learn's binary calls.
"""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pytest
from helpers import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from losscli.metrics import ClassificationAccumulator


def _data(task, n, c, seed, ties=False, weighted=False, absent=None):
    rng = np.random.default_rng(seed)
    if task == "multiclass":
        y = rng.integers(0, c, n)
        if absent is not None:
            y[y == absent] = (absent + 1) % c
        p = rng.dirichlet(np.ones(c), n)
        if ties:
            p = np.round(p, 1) + 1e-3
            p /= p.sum(axis=1, keepdims=True)
    elif task == "multilabel":
        y = (rng.random((n, c)) < 0.4).astype(float)
        p = rng.random((n, c))
        if ties:
            p = np.round(p, 1)
    else:
        y = (rng.random(n) < 0.4).astype(float)
        p = rng.random(n)
        if ties:
            p = np.round(p, 1)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    return y, p, w


def _acc(task, c, y, p, w, chunks=1, **kw):
    acc = ClassificationAccumulator(task, c, **kw)
    for part in np.array_split(np.arange(len(y)), chunks):
        acc.update(y[part], p[part], None if w is None else w[part])
    return acc


CASES = [
    pytest.param(seed, ties, weighted, id=f"seed{seed}-ties{ties}-w{weighted}")
    for seed, (ties, weighted) in enumerate(itertools.product([False, True], [False, True]))
]


@pytest.mark.parametrize("seed, ties, weighted", CASES)
@pytest.mark.parametrize("beta", [0.5, 2.0])
@pytest.mark.parametrize("labels", [None, [2, 0], [3, 1, 2]])
def test_fbeta_with_labels_multiclass(seed, ties, weighted, beta, labels):
    y, p, w = _data("multiclass", 80, 4, seed, ties, weighted)
    acc = _acc("multiclass", 4, y, p, w, chunks=3, beta=beta, labels=labels)
    res = acc.result(zero_division=0)
    m = res.metrics
    pred = p.argmax(axis=1)
    kw = {"labels": labels if labels is not None else [0, 1, 2, 3], "zero_division": 0}
    for avg in ("macro", "micro", "weighted"):
        for name, ref in (("fbeta", skm.fbeta_score), ("f1", skm.f1_score)):
            extra = {"beta": beta} if name == "fbeta" else {}
            want = ref(y, pred, average=avg, sample_weight=w, **extra, **kw)
            assert m[f"{name}_{avg}"] == pytest.approx(want, abs=1e-12), (name, avg)
        want = skm.precision_score(y, pred, average=avg, sample_weight=w, **kw)
        assert m[f"precision_{avg}"] == pytest.approx(want, abs=1e-12)
        want = skm.jaccard_score(y, pred, average=avg, sample_weight=w, **kw)
        assert m[f"jaccard_{avg}"] == pytest.approx(want, abs=1e-12)
    per = skm.fbeta_score(y, pred, beta=beta, average=None, sample_weight=w, **kw)
    assert [r["class"] for r in res.per_class] == [str(i) for i in kw["labels"]]
    assert [r["fbeta"] for r in res.per_class] == pytest.approx(per, abs=1e-12)


@pytest.mark.parametrize("seed, ties, weighted", CASES)
def test_fbeta_binary_and_multilabel(seed, ties, weighted):
    y, p, w = _data("binary", 60, 2, seed, ties, weighted)
    m = _acc("binary", 2, y, p, w, beta=2.0).result().metrics
    pred = (p > 0.5).astype(int)
    assert m["fbeta"] == pytest.approx(skm.fbeta_score(y, pred, beta=2.0, sample_weight=w))
    for avg in ("macro", "micro", "weighted"):
        want = skm.fbeta_score(y, pred, beta=2.0, average=avg, sample_weight=w)
        assert m[f"fbeta_{avg}"] == pytest.approx(want, abs=1e-12)
    y, p, w = _data("multilabel", 60, 3, seed, ties, weighted)
    m = _acc("multilabel", 3, y, p, w, beta=0.5, labels=[2, 0]).result(zero_division=0).metrics
    pred = (p > 0.5).astype(int)
    for avg in ("macro", "micro", "weighted", "samples"):
        kw = {} if avg == "samples" else {"labels": [2, 0]}
        want = skm.fbeta_score(
            y, pred, beta=0.5, average=avg, sample_weight=w, zero_division=0, **kw
        )
        assert m[f"fbeta_{avg}"] == pytest.approx(want, abs=1e-12), avg


def test_beta_one_equals_f1():
    y, p, w = _data("multiclass", 50, 3, 1, weighted=True)
    m = _acc("multiclass", 3, y, p, w, beta=1.0).result().metrics
    for avg in ("macro", "micro", "weighted"):
        assert m[f"fbeta_{avg}"] == pytest.approx(m[f"f1_{avg}"], abs=1e-15)


@pytest.mark.parametrize("seed, ties, weighted", CASES)
@pytest.mark.parametrize("c", [3, 5])
def test_weighted_kappa(seed, ties, weighted, c):
    y, p, w = _data("multiclass", 70, c, seed, ties, weighted)
    m = _acc("multiclass", c, y, p, w, chunks=2).result().metrics
    pred = p.argmax(axis=1)
    for kind in ("linear", "quadratic"):
        want = skm.cohen_kappa_score(y, pred, weights=kind, sample_weight=w, labels=range(c))
        assert m[f"cohen_kappa_{kind}"] == pytest.approx(want, abs=1e-12)


def _ovo_reference(y, p, w, c):
    """Hand & Till from scikit-learn's binary roc_auc_score (it refuses ovo sample_weight)."""
    pairs, prev = [], []
    ww = np.ones(len(y)) if w is None else w
    for a, b in itertools.combinations(range(c), 2):
        m = (y == a) | (y == b)
        if not ((y == a).any() and (y == b).any()):
            continue
        ab = skm.roc_auc_score(y[m] == a, p[m, a], sample_weight=ww[m])
        ba = skm.roc_auc_score(y[m] == b, p[m, b], sample_weight=ww[m])
        pairs.append((ab + ba) / 2)
        prev.append(ww[m].sum())
    return np.mean(pairs), np.average(pairs, weights=prev)


@pytest.mark.parametrize("seed, ties, weighted", CASES)
def test_roc_auc_ap_averages_multiclass(seed, ties, weighted):
    c = 4
    y, p, w = _data("multiclass", 90, c, seed, ties, weighted)
    m = _acc("multiclass", c, y, p, w, chunks=4).result().metrics
    onehot = np.eye(c)[y]
    for avg in ("macro", "weighted", "micro"):
        want = skm.roc_auc_score(y, p, multi_class="ovr", average=avg, sample_weight=w)
        assert m[f"roc_auc_{avg}"] == pytest.approx(want, abs=1e-12), avg
        want = skm.average_precision_score(onehot, p, average=avg, sample_weight=w)
        assert m[f"average_precision_{avg}"] == pytest.approx(want, abs=1e-12), avg
    if w is None:
        for avg in ("macro", "weighted"):
            want = skm.roc_auc_score(y, p, multi_class="ovo", average=avg)
            assert m[f"roc_auc_ovo_{avg}"] == pytest.approx(want, abs=1e-12)
    macro, weighted_ = _ovo_reference(y, p, w, c)
    assert m["roc_auc_ovo_macro"] == pytest.approx(macro, abs=1e-12)
    assert m["roc_auc_ovo_weighted"] == pytest.approx(weighted_, abs=1e-12)


def test_absent_class_is_left_out_of_the_averages():
    c = 4
    y, p, _ = _data("multiclass", 80, c, 7, absent=2)
    res = _acc("multiclass", c, y, p, None).result()
    m = res.metrics
    present = [0, 1, 3]
    sub = np.isin(y, present)
    macro, weighted_ = _ovo_reference(y, p, None, c)
    assert m["roc_auc_ovo_macro"] == pytest.approx(macro, abs=1e-12)
    assert m["roc_auc_ovo_weighted"] == pytest.approx(weighted_, abs=1e-12)
    aucs = [skm.roc_auc_score(y == k, p[:, k]) for k in present]
    support = [np.sum(y == k) for k in present]
    assert m["roc_auc_weighted"] == pytest.approx(np.average(aucs, weights=support))
    assert m["roc_auc_micro"] == pytest.approx(
        skm.roc_auc_score(np.eye(c)[y].ravel(), p.ravel()), abs=1e-12
    )
    assert sub.all()
    assert any("leave out 3 class pairs" in x for x in res.warnings)


@pytest.mark.parametrize("seed, ties, weighted", CASES)
def test_roc_auc_ap_averages_multilabel(seed, ties, weighted):
    c = 4
    y, p, w = _data("multilabel", 70, c, seed, ties, weighted)
    res = _acc("multilabel", c, y, p, w, chunks=3).result()
    m = res.metrics
    for avg in ("macro", "weighted", "micro"):
        want = skm.roc_auc_score(y, p, average=avg, sample_weight=w)
        assert m[f"roc_auc_{avg}"] == pytest.approx(want, abs=1e-12), avg
        want = skm.average_precision_score(y, p, average=avg, sample_weight=w)
        assert m[f"average_precision_{avg}"] == pytest.approx(want, abs=1e-12), avg
    has = y.sum(axis=1) > 0  # a sample with no true label is left out (Conventions)
    want = skm.average_precision_score(
        y[has], p[has], average="samples", sample_weight=None if w is None else w[has]
    )
    assert m["average_precision_samples"] == pytest.approx(want, abs=1e-12)
    if not has.all():
        assert any("average_precision_samples leaves out" in x for x in res.warnings)


@pytest.mark.parametrize("seed, ties, weighted", CASES)
@pytest.mark.parametrize("max_fpr", [0.05, 0.2, 0.5, 1.0])
def test_partial_auc_binary(seed, ties, weighted, max_fpr):
    y, p, w = _data("binary", 120, 2, seed, ties, weighted)
    m = _acc("binary", 2, y, p, w, chunks=3, max_fpr=max_fpr).result().metrics
    want = skm.roc_auc_score(y, p, max_fpr=max_fpr, sample_weight=w)
    assert m["roc_auc_partial"] == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_several_top_k(seed):
    c = 6
    y, p, w = _data("multiclass", 80, c, seed, weighted=seed % 2 == 1)
    res = _acc("multiclass", c, y, p, w, top_k=(1, 3, 6, 9)).result()
    for k in (1, 3, 6, 9):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # k >= n_classes: scikit-learn warns and gives 1
            want = skm.top_k_accuracy_score(y, p, k=k, sample_weight=w, labels=range(c))
        assert res.metrics[f"top_{k}_accuracy"] == pytest.approx(want, abs=1e-12)
    assert sum("is at least the number of classes (6)" in x for x in res.warnings) == 2


TASKS = [
    ("binary", 2, {"max_fpr": 0.3}),
    ("multiclass", 4, {"top_k": (1, 2)}),
    ("multilabel", 3, {}),
]


@pytest.mark.parametrize("task, c, kw", TASKS, ids=[t[0] for t in TASKS])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 59), max_size=5))
def test_chunking_equals_one_pass_and_unit_weights_equal_none(task, c, kw, seed, cuts):
    y, p, _ = _data(task, 60, c, seed, ties=seed % 2 == 0)
    one = ClassificationAccumulator(task, c, beta=2.0, **kw)
    one.update(y, p)
    chunked = ClassificationAccumulator(task, c, beta=2.0, **kw)
    for part in np.split(np.arange(60), sorted(set(cuts))):
        chunked.update(y[part], p[part])
    unit = ClassificationAccumulator(task, c, beta=2.0, **kw)
    unit.update(y, p, np.ones(60))
    a, b, u = one.result().metrics, chunked.result().metrics, unit.result().metrics
    assert a.keys() == b.keys() == u.keys()
    for name in a:
        if a[name] is None:
            assert b[name] is None and u[name] is None, name
        else:
            assert b[name] == pytest.approx(a[name], abs=1e-12), name
            assert u[name] == pytest.approx(a[name], abs=1e-12), name


@pytest.mark.parametrize("task, c, kw", TASKS, ids=[t[0] for t in TASKS])
@pytest.mark.parametrize("bins", [None, 16])
def test_resample_equals_the_repeated_rows(task, c, kw, bins):
    rng = np.random.default_rng(5)
    y, p, w = _data(task, 50, c, 3, ties=True, weighted=True)
    acc = _acc(task, c, y, p, w, keep_rows=True, auc_bins=bins, beta=0.5, **kw)
    counts = rng.poisson(1.0, (3, 50))
    for cnt, got in zip(counts, acc.resample(counts)):
        rep = _acc(task, c, np.repeat(y, cnt, axis=0), np.repeat(p, cnt, axis=0),
                   np.repeat(w, cnt), auc_bins=bins, beta=0.5, **kw)  # fmt: skip
        want = rep.result().metrics
        assert got.keys() == want.keys()
        for name, v in want.items():
            assert (got[name] is None) == (v is None), name
            if v is not None:
                assert got[name] == pytest.approx(v, abs=1e-9), name


def test_binned_micro_and_partial_and_no_ovo():
    y, p, _ = _data("multiclass", 200, 3, 4)
    res = _acc("multiclass", 3, y, p, None, auc_bins=50).result()
    m = res.metrics
    exact = _acc("multiclass", 3, y, p, None).result().metrics
    assert m["roc_auc_micro"] == pytest.approx(exact["roc_auc_micro"], abs=0.02)
    assert m["roc_auc_ovo_macro"] is None and m["roc_auc_ovo_weighted"] is None
    assert any("roc_auc_ovo_macro, roc_auc_ovo_weighted not computed" in x for x in res.warnings)
    y, p, _ = _data("binary", 300, 2, 4)
    b = _acc("binary", 2, y, p, None, auc_bins=1000, max_fpr=0.2).result().metrics
    assert b["roc_auc_partial"] == pytest.approx(skm.roc_auc_score(y, p, max_fpr=0.2), abs=0.01)


# ------------------------------------------------------------------------------ the CLI


def _run(*args, code=0):
    r = invoke(*args)
    assert r.exit_code == code, r.stderr
    return r


def _json(*args):
    return json.loads(_run("compute", *args, "--format", "json", "-q").stdout)


@pytest.fixture
def digits(tmp_path):
    rng = np.random.default_rng(2)
    n, c = 300, 4
    y = rng.integers(0, c, n)
    z = rng.normal(size=(n, c)) + 1.5 * np.eye(c)[y]
    g = np.array(["a", "b", "c"])[rng.integers(0, 3, n)]
    f = tmp_path / "four.csv"
    lines = ["label,c0,c1,c2,c3,fold"] + [
        f"{y[i]},{','.join(repr(float(v)) for v in z[i])},{g[i]}" for i in range(n)
    ]
    f.write_text("\n".join(lines) + "\n")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return f, y, p / p.sum(axis=1, keepdims=True), g


def test_cli_labels_beta_top_k(digits):
    f, y, p, _ = digits
    d = _json(f, "--beta", "2", "--labels", "c3,c1", "--top-k", "1,3", "--group-by", "fold")
    m = d["metrics"]
    pred = p.argmax(axis=1)
    for avg in ("macro", "micro", "weighted"):
        want = skm.fbeta_score(y, pred, beta=2, average=avg, labels=[3, 1])
        assert m[f"fbeta_{avg}"] == pytest.approx(want, abs=1e-12)
    assert [r["class"] for r in d["per_class"]] == ["c3", "c1"]
    assert m["top_3_accuracy"] == pytest.approx(skm.top_k_accuracy_score(y, p, k=3))
    assert m["roc_auc_ovo_macro"] == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovo"), abs=1e-12
    )
    assert "labels=c3,c1" in d["signature"] and "beta=2" in d["signature"]
    for grp in d["groups"].values():
        assert [r["class"] for r in grp["per_class"]] == ["c3", "c1"]
        assert "top_1_accuracy" in grp["metrics"] and "fbeta_macro" in grp["metrics"]


def test_cli_gate_on_new_metrics(digits):
    f = digits[0]
    r = _run("compute", f, "--beta", "2", "--fail-if", "fbeta_macro > 0.1", "--fail-if",
             "roc_auc_ovo_macro < 0.1", "--format", "json", "-q", code=1)  # fmt: skip
    assert "fbeta_macro" in r.stderr and "roc_auc_ovo_macro" not in r.stderr
    _run("compute", f, "--top-k", "1,3", "--fail-if", "top_3_accuracy < 0.1", "-q",
         "--format", "json")  # fmt: skip


def test_cli_bootstrap_exact_has_intervals_for_the_new_metrics(digits):
    f = digits[0]
    d = _json(f, "--bootstrap", "30", "--beta", "2", "--top-k", "1,3")
    assert d["ci"]["evaluation"] == "exact"
    for name in ("fbeta_macro", "cohen_kappa_quadratic", "roc_auc_ovo_macro", "roc_auc_micro",
                 "average_precision_weighted", "top_3_accuracy"):  # fmt: skip
        low, high = d["ci"]["intervals"][name]
        assert low <= d["metrics"][name] <= high or name == "top_3_accuracy", name


def test_cli_compare_reports_the_new_metrics(digits):
    f = digits[0]
    r = _run("compare", f, f, "--beta", "2", "--bootstrap", "20", "--permutations", "19",
             "--format", "json")  # fmt: skip
    d = json.loads(r.stdout)
    for name in ("fbeta_macro", "roc_auc_ovo_weighted", "cohen_kappa_linear"):
        assert d["metrics"][name]["delta"] == 0.0


def test_cli_max_fpr_binary(tmp_path):
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.4).astype(int)
    s = np.clip(rng.normal(0.4 + 0.3 * y, 0.2), 0, 1)
    f = tmp_path / "b.csv"
    f.write_text("label,prob\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, s)))
    d = _json(f, "--max-fpr", "0.1")
    assert d["metrics"]["roc_auc_partial"] == pytest.approx(
        skm.roc_auc_score(y, s, max_fpr=0.1), abs=1e-12
    )
    assert "max_fpr=0.1" in d["signature"]


def test_the_documented_differences_from_scikit_learn():
    # CONTRACTS Conventions: scikit-learn counts a sample with no true label as AP 0 in
    # average="samples" (losscli leaves it out), and refuses sample_weight for one-vs-one
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    p = np.array([[0.9, 0.2, 0.3], [0.1, 0.5, 0.2], [0.3, 0.6, 0.7]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert skm.average_precision_score(y, p, average="samples") == pytest.approx(2 / 3)
    m = _acc("multilabel", 3, y, p, None).result().metrics
    assert m["average_precision_samples"] == 1.0
    yc, pc, w = _data("multiclass", 30, 3, 0, weighted=True)
    with pytest.raises(ValueError, match="sample_weight is not supported"):
        skm.roc_auc_score(yc, pc, multi_class="ovo", sample_weight=w)
    assert _acc("multiclass", 3, yc, pc, w).result().metrics["roc_auc_ovo_macro"] is not None


@pytest.mark.slow
def test_cli_bootstrap_linear_path_says_what_it_does_not_resample(tmp_path):
    rng = np.random.default_rng(9)
    n, c = 60_000, 3
    y = rng.integers(0, c, n)
    z = rng.normal(size=(n, c)) + np.eye(c)[y]
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    r = _run("compute", tmp_path / "z.npy", tmp_path / "y.npy", "--bootstrap", "20",
             "--format", "json")  # fmt: skip
    d = json.loads(r.stdout)
    ci = d["ci"]
    assert ci["evaluation"] == "linear"
    for name in ("roc_auc_ovo_macro", "roc_auc_ovo_weighted"):
        assert d["metrics"][name] is not None and ci["intervals"][name] is None
    for name in ("roc_auc_micro", "average_precision_micro", "roc_auc_weighted"):
        low, high = ci["intervals"][name]
        assert low <= d["metrics"][name] <= high, name
    assert (
        "--bootstrap: no interval for roc_auc_ovo_macro, roc_auc_ovo_weighted: the linear path "
        "(large data) does not resample them" in r.stderr
    )
    assert "undefined in too many resamples" not in r.stderr
