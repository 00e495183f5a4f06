"""Ranking on saturated scores: ROC AUC, average precision, curves, threshold sweeps, binned
ranking, bootstrap and Dask rank by a key that does not saturate.

``sigmoid(z)`` is exactly 1.0 in float64 for z above ~36.7 (and 0.0 below ~-745), and a
softmax probability underflows to 0 for large logit gaps, so ranking by probabilities ties rows
the model ranks apart. losscli ranks binary and multi-label logits by the logit,
log-probabilities by the log-probability, and multi-class logits by the log-softmax.

References: scikit-learn's ``roc_auc_score``, ``average_precision_score`` and
``precision_recall_curve`` on the unsaturated key (the logits themselves, or
``scipy.special.log_softmax``), computed live in the tests. The scale-invariance test ports
``test_score_scale_invariance`` of scikit-learn (sklearn/metrics/tests/test_ranking.py): AUC
and AP are unchanged by scaling (x100, x1e-6) or shifting (-10) the scores.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.special import expit, log_expit, log_softmax, logsumexp, softmax
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from losscli.cli.options import parse_threshold
from losscli.engine import evaluate
from losscli.sweep import compute_thresholds

BREAST = Path(__file__).resolve().parents[2] / "sample_data" / "breast_cancer.csv"


def run_json(*args):
    """``losscli compute ARGS`` (or another command named first) as parsed JSON."""
    if args[0] not in ("compute", "thresholds", "compare"):
        args = ("compute", *args)
    r = invoke(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def write_csv(path: Path, y: np.ndarray, s: np.ndarray, names: list[str] | None = None) -> Path:
    """A CSV of labels and score columns at full precision; multi-hot labels (2-D ``y``) go
    to a second file ``PATH.labels.csv`` in the same row order (see :func:`inputs`)."""
    s = np.asarray(s, dtype=np.float64)
    s2 = s[:, None] if s.ndim == 1 else s
    names = names or [f"s{j}" for j in range(s2.shape[1])]
    y = np.asarray(y)
    with open(path, "w") as f:
        f.write(",".join((["label"] if y.ndim == 1 else []) + names) + "\n")
        for i, si in enumerate(s2):
            head = [str(int(y[i]))] if y.ndim == 1 else []
            f.write(",".join(head + [repr(float(v)) for v in si]) + "\n")
    if y.ndim == 2:
        with open(f"{path}.labels.csv", "w") as f:
            f.write(",".join(names) + "\n")
            for yi in y:
                f.write(",".join(str(int(v)) for v in yi) + "\n")
    return path


def inputs(path: Path) -> list[str]:
    """The command's file arguments for a :func:`write_csv` output."""
    labels = Path(f"{path}.labels.csv")
    return [str(path), str(labels)] if labels.exists() else [str(path)]


def saturated_binary(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Logits with an informative ranking far beyond sigmoid's float64 range (both ends)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    z = 60.0 + 20.0 * y + 15.0 * rng.standard_normal(n)  # mostly above 36.7: p == 1.0
    z[rng.random(n) < 0.3] *= -20.0  # some far below -745: p == 0.0
    z[::7] = np.round(z[::7])  # and exact ties
    return y, z


BINARY_CASES = [
    ("issue example", np.array([0, 1, 0, 1]), np.array([40.0, 50.0, -3.0, 45.0])),
    *[(f"random {s}", *saturated_binary(s)) for s in (0, 1, 2)],
    ("integer logits", np.array([0, 1] * 30), np.r_[np.arange(30, 60), np.arange(35, 65)] * 1.0),
]


@pytest.mark.parametrize("case,y,z", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_binary_saturated_logits_rank_by_the_logit(tmp_path, case, y, z):
    # the probabilities tie rows the logits rank apart: the test can fail
    assert roc_auc_score(y, expit(z)) != roc_auc_score(y, z)
    d = run_json(write_csv(tmp_path / "b.csv", y, z), "--scores", "logits")
    assert d["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(y, z), rel=1e-12)
    assert d["metrics"]["average_precision"] == pytest.approx(
        average_precision_score(y, z), rel=1e-12
    )
    c0, c1 = d["per_class"]
    assert c0["roc_auc"] == pytest.approx(roc_auc_score(1 - y, -z), rel=1e-12)
    assert c0["average_precision"] == pytest.approx(average_precision_score(1 - y, -z), rel=1e-12)
    assert c1["roc_auc"] == d["metrics"]["roc_auc"]


def test_binary_saturated_weighted_and_two_column_logits(tmp_path):
    y, z = saturated_binary(5)
    w = np.random.default_rng(5).uniform(0.5, 2.0, y.size)
    path = tmp_path / "w.csv"
    with open(path, "w") as f:
        f.write("label,a,b,w\n")
        for yi, zi, wi in zip(y, z, w):
            f.write(f"{yi},{float(-zi / 2)!r},{float(zi / 2)!r},{float(wi)!r}\n")  # b - a == z
    d = run_json(path, "--weight-col", "w", "--scores", "logits")
    assert d["task"] == "binary"
    assert d["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(y, z, sample_weight=w), 1e-12)
    assert d["metrics"]["average_precision"] == pytest.approx(
        average_precision_score(y, z, sample_weight=w), rel=1e-12
    )
    assert d["per_class"][0]["roc_auc"] == pytest.approx(
        roc_auc_score(1 - y, -z, sample_weight=w), rel=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_multilabel_saturated_logits_rank_by_the_logit(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n, k = 400, 3
    y = rng.integers(0, 2, (n, k))
    z = 50.0 + 30.0 * y + 25.0 * rng.standard_normal((n, k))
    z[rng.random((n, k)) < 0.25] *= -30.0
    path = write_csv(tmp_path / "ml.csv", y, z)
    d = run_json(*inputs(path), "--task", "multilabel", "--scores", "logits")
    aucs, aps = [], []
    for j, row in enumerate(d["per_class"]):
        assert roc_auc_score(y[:, j], expit(z[:, j])) != roc_auc_score(y[:, j], z[:, j])
        aucs.append(roc_auc_score(y[:, j], z[:, j]))
        aps.append(average_precision_score(y[:, j], z[:, j]))
        assert row["roc_auc"] == pytest.approx(aucs[-1], rel=1e-12)
        assert row["average_precision"] == pytest.approx(aps[-1], rel=1e-12)
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(np.mean(aucs), rel=1e-12)
    assert d["metrics"]["average_precision_macro"] == pytest.approx(np.mean(aps), rel=1e-12)


def underflowing_multiclass(seed: int, n: int = 300, c: int = 4):
    """Logit gaps of hundreds: softmax probabilities underflow to exactly 0 and tie.

    Per row the others trail the top class by 750 to 1500 (their probabilities underflow to
    0) and the runner-up, in 70% of the rows, by less than 700 (the top class's probability
    then rounds to 1 but its log-probability does not), else by more than 745 too (the top
    class's log-probability is 0 as well).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    top = 40.0 * rng.standard_normal(n)
    z = top[:, None] - rng.uniform(750, 1500, (n, c))
    second = rng.integers(0, c - 1, n)
    first = np.where(rng.random(n) < 0.7, y, (y + 1 + second) % c)  # mostly the true class
    z[np.arange(n), first] = top
    other = (first + 1 + rng.integers(0, c - 1, n)) % c
    close = rng.random(n) < 0.7
    z[np.arange(n), other] = top - np.where(close, rng.uniform(0, 700, n), rng.uniform(750, 900, n))
    return y, z


def log_odds(z: np.ndarray) -> np.ndarray:
    """Per class ``log(p_k / (1 - p_k)) = z_k - logsumexp(z_j, j != k)`` (scipy): a strictly
    increasing function of the class's probability that never saturates."""
    c = z.shape[1]
    return np.stack(
        [z[:, k] - logsumexp(np.delete(z, k, axis=1), axis=1) for k in range(c)], axis=1
    )


@pytest.mark.parametrize("chunk", [None, 17])  # 17: some chunks hold an exact-0 log-p, some not
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("given", ["logits", "log-probs"])
def test_multiclass_ranks_by_log_probability_where_probabilities_underflow(
    tmp_path, seed, given, chunk
):
    y, z = underflowing_multiclass(seed)
    key = log_odds(z)  # the reference ranking key
    p = softmax(z, axis=1)
    assert np.sum(p == 0.0) > 100  # many probabilities underflow and tie at 0
    assert np.sum(p == 1.0) > 100  # and many round to 1
    assert np.sum(log_softmax(z, axis=1) == 0.0) > 50  # some log-probabilities are 0 too
    scores = z if given == "logits" else log_softmax(z, axis=1)
    path = write_csv(tmp_path / "m.csv", y, scores)
    d = run_json(path, "--scores", given, *(["--chunk-size", chunk] if chunk else []))
    assert d["task"] == "multiclass"
    if chunk:  # chunked: the micro and one-vs-one averages of one chunk, exactly
        whole = run_json(path, "--scores", given)
        for name in ("roc_auc_micro", "average_precision_micro", "roc_auc_ovo_macro"):
            assert d["metrics"][name] == pytest.approx(whole["metrics"][name], rel=1e-12)
    aucs, aps, changed = [], [], 0
    for k, row in enumerate(d["per_class"]):
        aucs.append(roc_auc_score(y == k, key[:, k]))
        aps.append(average_precision_score(y == k, key[:, k]))
        changed += roc_auc_score(y == k, p[:, k]) != aucs[-1]
        assert row["roc_auc"] == pytest.approx(aucs[-1], rel=1e-12)
        assert row["average_precision"] == pytest.approx(aps[-1], rel=1e-12)
    assert changed  # ranking by the probabilities would give other numbers
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(np.mean(aucs), rel=1e-12)
    # the log-probabilities tie too (scipy's at 0 for the top class beyond a lead of ~37,
    # losscli's beyond ~745): rows at log p = 0 are ranked by their log-odds
    lp = log_softmax(z, axis=1)
    assert any(roc_auc_score(y == k, lp[:, k]) != aucs[k] for k in range(4))


def test_probabilities_are_ranked_as_given(tmp_path):
    # tiny and near-1 probabilities; class 0 (scored 1 - p) is ranked by -p: 1 - p would tie
    # 0, 1e-300, 1e-20 and 2e-20 at 1.0
    rng = np.random.default_rng(3)
    p = np.r_[0.0, 1e-300, 1e-20, 2e-20, 1 - 1e-16, 1.0, 0.5, rng.random(60)]
    y = np.r_[0, 1, 0, 1, 0, 1, 1, rng.integers(0, 2, 60)]
    d = run_json(write_csv(tmp_path / "p.csv", y, p), "--scores", "probs")
    c0, c1 = d["per_class"]
    assert c1["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert c1["average_precision"] == pytest.approx(average_precision_score(y, p), rel=1e-12)
    assert c0["roc_auc"] == pytest.approx(roc_auc_score(1 - y, -p), rel=1e-12)
    assert c0["average_precision"] == pytest.approx(average_precision_score(1 - y, -p), rel=1e-12)
    assert roc_auc_score(1 - y, -p) != roc_auc_score(1 - y, 1 - p)
    # multi-class probabilities: the probability columns
    y3 = rng.integers(0, 3, 80)
    p3 = rng.dirichlet([0.3, 0.3, 0.3], 80)
    d = run_json(write_csv(tmp_path / "p3.csv", y3, p3), "--scores", "probs")
    for k, row in enumerate(d["per_class"]):
        assert row["roc_auc"] == pytest.approx(roc_auc_score(y3 == k, p3[:, k]), rel=1e-12)


def test_sklearn_score_scale_invariance_port(tmp_path):
    # sklearn/metrics/tests/test_ranking.py::test_score_scale_invariance: AUC and AP do not
    # change when the scores are scaled up (x100), down (x1e-6) or shifted (-10). Here the
    # scores are the breast-cancer sample's probabilities; x100 and -10 leave [0, 1] and are
    # read as logits, whose sigmoid saturates: ranking by the logit keeps every number.
    raw = np.genfromtxt(BREAST, delimiter=",", names=True)
    y, s = raw["label"].astype(int), raw["prob"]
    variants = {
        "as given": (s, "probs"),
        "scaled up": (100 * s, "logits"),
        "scaled down": (1e-6 * s, "probs"),
        "shifted": (s - 10, "logits"),
    }
    got = {}
    for name, (v, kind) in variants.items():
        d = run_json(write_csv(tmp_path / f"{name}.csv", y, v), "--scores", kind)
        got[name] = (d["metrics"]["roc_auc"], d["metrics"]["average_precision"])
    assert got["as given"] == (
        pytest.approx(roc_auc_score(y, s), rel=1e-12),
        pytest.approx(average_precision_score(y, s), rel=1e-12),
    )
    for name in variants:
        assert got[name] == got["as given"], name


# -- the property: strictly increasing transforms change no ranking number ------------------

_BINARY_VIEWS = {
    # name: (scores from logits z = k / 8 with |z| <= 20, --scores)
    "logits": (lambda z: z, "logits"),
    "x1e6": (lambda z: z * 1e6, "logits"),
    "+50": (lambda z: z + 50.0, "logits"),
    "probabilities": (expit, "probs"),
    "probabilities cubed": (lambda z: expit(z) ** 3, "probs"),
    "log-probabilities": (log_expit, "log-probs"),
}


def _ranking_numbers(path: Path, kind: str, task: str) -> dict[str, float | None]:
    rep = evaluate(*inputs(path), scores=kind, task=task)
    out: dict[str, float | None] = {}
    for name in ("roc_auc", "average_precision", "roc_auc_macro", "average_precision_macro"):
        if name in rep.metrics:
            out[name] = rep.metrics[name]
    for i, row in enumerate(rep.per_class):
        out[f"auc {i}"], out[f"ap {i}"] = row["roc_auc"], row["average_precision"]
    return out


def _sweep_best(path: Path, kind: str, task: str, optimize: str) -> list[tuple[float, ...]]:
    res = compute_thresholds(*inputs(path), scores=kind, task=task, optimize=optimize)
    bests = [res["best"]] if isinstance(res["best"], dict) else res["best"]
    keys = ("score", "f1", "precision", "recall", "specificity", "predicted_positive")
    return [tuple(b[k] for k in keys) for b in bests]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 1), st.integers(-160, 160)), min_size=4, max_size=40
    ).filter(lambda r: len({y for y, _ in r}) == 2),
    optimize=st.sampled_from(["f1", "youden", "precision@recall=0.5"]),
)
def test_increasing_transforms_leave_auc_ap_and_sweep_unchanged_binary(rows, optimize):
    y = np.array([r[0] for r in rows])
    z = np.array([r[1] for r in rows]) / 8.0
    with tempfile.TemporaryDirectory() as tmp:
        numbers, sweeps = {}, {}
        for name, (f, kind) in _BINARY_VIEWS.items():
            path = write_csv(Path(tmp) / "v.csv", y, f(z))
            numbers[name] = _ranking_numbers(path, kind, "binary")
            sweeps[name] = _sweep_best(path, kind, "binary", optimize)
    ref = numbers["logits"]
    assert ref["roc_auc"] == pytest.approx(roc_auc_score(y, z), rel=1e-12)
    for name in _BINARY_VIEWS:
        assert numbers[name] == ref, name
        assert sweeps[name] == sweeps["logits"], name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(6, 60))
@example(seed=6091, n=6)  # a class absent from the labels: null AUC/AP (found by CI)
def test_increasing_transforms_leave_auc_ap_unchanged_multilabel_and_multiclass(seed, n):
    rng = np.random.default_rng(seed)
    # multi-label: per label as binary (x1e6 and +50 on the logits, probabilities)
    y = rng.integers(0, 2, (n, 2))
    y[:2] = [[0, 1], [1, 0]]
    z = rng.integers(-160, 161, (n, 2)) / 8.0
    # multi-class: per class the log-probability; a per-row shift of the logits and the
    # log-probabilities and probabilities they stand for
    yc = rng.integers(0, 3, n)
    zc = 3.0 * rng.standard_normal((n, 3))
    with tempfile.TemporaryDirectory() as tmp:
        ml = {}
        for name in ("logits", "x1e6", "+50", "probabilities"):
            f, kind = _BINARY_VIEWS[name]
            path = write_csv(Path(tmp) / "ml.csv", y, f(z))
            ml[name] = _ranking_numbers(path, kind, "multilabel")
            if name == "logits":
                sweep = _sweep_best(path, kind, "multilabel", "f1")
            elif name != "probabilities":
                assert _sweep_best(path, kind, "multilabel", "f1") == sweep, name
        mc = {}
        shift = rng.uniform(-50, 50, (n, 1))
        for name, s, kind in (
            ("logits", zc, "logits"),
            ("shifted", zc + shift, "logits"),
            ("log-probs", log_softmax(zc, axis=1), "log-probs"),
            ("probs", softmax(zc, axis=1), "probs"),
        ):
            path = write_csv(Path(tmp) / "mc.csv", yc, s)
            mc[name] = _ranking_numbers(path, kind, "multiclass")
    for name in ml:
        assert ml[name] == ml["logits"], name
    for name in mc:
        # a class absent from the labels has a null AUC/AP in every view alike
        assert {k for k, v in mc[name].items() if v is None} == {
            k for k, v in mc["logits"].items() if v is None
        }, name
        defined = {k: v for k, v in mc["logits"].items() if v is not None}
        got = {k: mc[name][k] for k in defined}
        assert got == pytest.approx(defined, rel=1e-12, nan_ok=True), name


# -- thresholds: the sweep cuts the logits and compute reproduces the cut -------------------


def _sk_best_f1(y, s) -> float:
    p, r, _ = precision_recall_curve(y, s)
    f = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
    return float(f.max())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["logits", "log-probs"])
def test_thresholds_on_saturated_scores_round_trip(tmp_path, seed, kind):
    rng = np.random.default_rng(seed)
    n = 200
    y = rng.integers(0, 2, n)
    z = 45.0 + 10.0 * y + 6.0 * rng.standard_normal(n)  # every probability is 1.0
    assert np.all(expit(z[z > 37]) == 1.0)
    s = z if kind == "logits" else log_expit(z)  # log p = -exp(-z): distinct, p == 1.0
    to_p = expit if kind == "logits" else np.exp
    data = write_csv(tmp_path / "t.csv", y, s)
    out = tmp_path / "t.json"
    r = invoke("thresholds", data, "--scores", kind, "--format", "json", "--write", out)
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    best = d["best"]
    assert best["f1"] == pytest.approx(_sk_best_f1(y, z), rel=1e-12)  # not 1.0 / no-skill
    assert best["f1"] > _sk_best_f1(y, expit(z))
    assert best["threshold"] == float(to_p(best["score_threshold"]))
    assert any("saturate" in w for w in d["warnings"])
    written = json.loads(out.read_text())
    assert written["scores"] == kind and written["score_threshold"] == best["score_threshold"]
    # compute --threshold @FILE applies the cut to the scores and reproduces the row
    c = run_json("compute", data, "--scores", kind, "--threshold", f"@{out}")
    assert c["signature"].count(f"threshold_scale={kind}") == 1
    assert (c["metrics"]["f1"], c["metrics"]["precision"], c["metrics"]["recall"]) == (
        best["f1"],
        best["precision"],
        best["recall"],
    )
    # the per-sample predictions follow the same rule
    rows = invoke(
        "compute", data, "--scores", kind, "--threshold", f"@{out}", "--per-sample", "-", "-q"
    )
    lines = rows.stdout.strip().splitlines()[1:]
    pred = np.array([int(line.split(",")[3]) for line in lines])
    np.testing.assert_array_equal(pred, (s > best["score_threshold"]).astype(int))
    # and the Python API reads the file the same way
    rep = evaluate(str(data), scores=kind, threshold=parse_threshold(f"@{out}"))
    assert rep.metrics["f1"] == best["f1"]


def test_compare_and_group_by_rank_saturated_logits(tmp_path):
    y, z = saturated_binary(12, n=400)
    a = write_csv(tmp_path / "a.csv", y, z)
    b = write_csv(tmp_path / "b.csv", y, z * 1e3)  # the same ranking, other probabilities
    d = run_json("compare", a, b, "--scores", "logits", "--bootstrap", 50, "--permutations", 50)
    auc = d["metrics"]["roc_auc"]
    assert auc["a"] == auc["b"] == pytest.approx(roc_auc_score(y, z), rel=1e-12)
    assert auc["delta"] == 0.0 and auc["ci"] == [0.0, 0.0]
    # --group-by: each slice ranks its own logits
    g = tmp_path / "g.csv"
    with open(g, "w") as f:
        f.write("label,logit,site\n")
        for i, (yi, zi) in enumerate(zip(y, z)):
            f.write(f"{yi},{float(zi)!r},{'ab'[i % 2]}\n")
    d = run_json("compute", g, "--scores", "logits", "--group-by", "site", "--pred-cols", "logit")
    for key, sl in (("a", slice(0, None, 2)), ("b", slice(1, None, 2))):
        got = d["groups"][key]["metrics"]["roc_auc"]
        assert got == pytest.approx(roc_auc_score(y[sl], z[sl]), rel=1e-12)


def test_thresholds_multilabel_saturated_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    n = 150
    y = rng.integers(0, 2, (n, 3))
    z = 50.0 + 8.0 * y + 6.0 * rng.standard_normal((n, 3))
    data = write_csv(tmp_path / "ml.csv", y, z, names=["a", "b", "c"])
    out = tmp_path / "t.json"
    r = invoke(
        "thresholds", *inputs(data), "--task", "multilabel", "--format", "json", "--write", out
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for j, b in enumerate(d["best"]):
        assert b["f1"] == pytest.approx(_sk_best_f1(y[:, j], z[:, j]), rel=1e-12)
    written = json.loads(out.read_text())
    assert set(written["score_thresholds"]) == {"a", "b", "c"}
    c = run_json("compute", *inputs(data), "--task", "multilabel", "--threshold", f"@{out}")
    f1 = {row["class"]: row["f1"] for row in c["per_class"]}
    for b in d["best"]:
        assert f1[b["label"]] == b["f1"]


def test_thresholds_on_probabilities_are_unchanged(tmp_path):
    r = invoke("thresholds", BREAST, "--format", "json", "--write", tmp_path / "t.json")
    d = json.loads(r.stdout)
    assert "score_threshold" not in d["best"] and "score_threshold" not in d["table"][0]
    assert d["rule"] == "a label is positive when its probability is > threshold"
    assert "scores" not in json.loads((tmp_path / "t.json").read_text())


# -- binned ranking, bootstrap and Dask on saturated scores ---------------------------------


def stated_bounds(warnings: list[str]) -> tuple[float, float]:
    """The AUC and AP error bounds the binned-ranking warning states."""
    (note,) = [w for w in warnings if "are binned" in w]
    auc = float(note.split(" is within ")[1].split(" ")[0])
    ap = float(note.split(" within ")[-1].rstrip("."))
    return auc, ap


def probability_axis_bound(is_pos: np.ndarray, p: np.ndarray, bins: int) -> float:
    """The AUC bound of bins of the probability itself (the axis before the fix)."""
    from losscli.metrics.ranking import hist_error_bounds

    edges = np.linspace(0.0, 1.0, bins + 1)
    pos = np.histogram(p[is_pos], edges)[0].astype(float)
    neg = np.histogram(p[~is_pos], edges)[0].astype(float)
    return hist_error_bounds(pos, neg)[0]


@pytest.mark.parametrize("bins, most", [(64, 0.25), (1000, 0.02)])
def test_auc_bins_on_saturated_logits_keep_an_honest_small_bound(tmp_path, bins, most):
    rng = np.random.default_rng(7)
    n = 2000
    y = rng.integers(0, 2, n)
    z = 50.0 + 12.0 * y + 10.0 * rng.standard_normal(n)  # a confident model: p == 1.0
    d = run_json(write_csv(tmp_path / "b.csv", y, z), "--scores", "logits", "--auc-bins", bins)
    auc_bound, ap_bound = stated_bounds(d["warnings"])
    assert abs(d["metrics"]["roc_auc"] - roc_auc_score(y, z)) <= auc_bound
    assert abs(d["metrics"]["average_precision"] - average_precision_score(y, z)) <= ap_bound
    assert auc_bound < most
    # bins of the probability put every logit above log(bins) in the last bin
    assert probability_axis_bound(y == 1, expit(z), bins) > 0.45
    note = [w for w in d["warnings"] if "binned" in w]
    assert f"--auc-bins {bins}, equal-width bins of 1/2 + arctan(logit/8)/pi)" in note[0]


def test_auc_bins_multiclass_log_probabilities_bound_holds(tmp_path):
    y, z = underflowing_multiclass(3, n=600)
    d = run_json(write_csv(tmp_path / "m.csv", y, z), "--scores", "logits", "--auc-bins", 256)
    exact = [roc_auc_score(y == k, log_odds(z)[:, k]) for k in range(4)]
    bound, _ = stated_bounds(d["warnings"])
    assert abs(d["metrics"]["roc_auc_macro"] - np.mean(exact)) <= bound
    p = softmax(z, axis=1)
    assert bound < np.mean([probability_axis_bound(y == k, p[:, k], 256) for k in range(4)])
    assert any("arctan(x/8)/pi, x = log p - log(1 - p))" in w for w in d["warnings"])


def test_bootstrap_exact_path_is_shift_invariant_on_saturated_logits(tmp_path):
    y, z = saturated_binary(8, n=400)
    z = np.abs(z) % 30 + 10.0 * y  # logits in [0, 40)
    low = write_csv(tmp_path / "low.csv", y, z)
    high = write_csv(tmp_path / "high.csv", y, z + 60.0)  # every probability is 1.0
    a = run_json("compute", low, "--scores", "logits", "--bootstrap", 100)
    b = run_json("compute", high, "--scores", "logits", "--bootstrap", 100)
    assert b["ci"]["evaluation"] == "exact"
    assert b["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(y, z), rel=1e-12)
    for name in ("roc_auc", "average_precision"):
        assert b["metrics"][name] == a["metrics"][name]
        assert b["ci"]["intervals"][name] == a["ci"]["intervals"][name]
    assert b["ci"]["intervals"]["roc_auc"][0] < b["metrics"]["roc_auc"]  # a real interval


def test_bootstrap_linear_path_on_saturated_logits(tmp_path):
    rng = np.random.default_rng(9)
    n = 52_000
    y = (rng.random(n) < 0.4).astype(int)
    z = np.round(2.0 * rng.standard_normal(n) + 1.5 * y, 3)
    low = tmp_path / "low.npy"
    high = tmp_path / "high.npy"
    np.save(low, np.c_[y, z])
    np.save(high, np.c_[y, z + 100.0])  # every probability is 1.0
    runs = [
        run_json("compute", p, "--scores", "logits", "--label-col", "0", "--bootstrap", 60)
        for p in (low, high)
    ]
    assert runs[1]["ci"]["evaluation"] == "linear"
    for name, ref in (("roc_auc", roc_auc_score), ("average_precision", average_precision_score)):
        assert runs[1]["metrics"][name] == pytest.approx(ref(y, z), rel=1e-12)
        assert runs[1]["metrics"][name] == runs[0]["metrics"][name]
        # the rows' order (by confusion cell) and so the draws differ: the same interval
        # up to resampling noise, around the point value
        lo_a, hi_a = runs[0]["ci"]["intervals"][name]
        lo_b, hi_b = runs[1]["ci"]["intervals"][name]
        width = hi_a - lo_a
        assert 0 < width < 0.03 and lo_b < runs[1]["metrics"][name] < hi_b
        assert abs(lo_b - lo_a) < 0.5 * width and abs(hi_b - hi_a) < 0.5 * width


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    ) as c:
        yield c.scheduler_address


@pytest.mark.slow
@pytest.mark.parametrize("extra", [{}, {"auc_bins": 128}])
def test_dask_merged_state_ranks_saturated_logits(tmp_path, cluster, extra):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    from losscli import distributed as ld
    from losscli.engine import Options

    y, z = saturated_binary(10, n=900)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, (lo, hi) in enumerate([(0, 300), (300, 301), (301, 900)]):
        pq.write_table(pa.table({"label": y[lo:hi], "logit": z[lo:hi]}), folder / f"p{i}.parquet")
    opts = dict(scores="logits", **extra)
    local = evaluate(str(folder), **opts)
    got = ld.evaluate_dask(str(folder), opts=Options(**opts), scheduler=cluster)
    assert got.metrics["roc_auc"] == pytest.approx(local.metrics["roc_auc"], rel=1e-12)
    assert got.metrics["average_precision"] == pytest.approx(
        local.metrics["average_precision"], rel=1e-12
    )
    if not extra:
        assert got.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, z), rel=1e-12)
    else:
        bound, _ = stated_bounds(got.warnings)
        assert abs(got.metrics["roc_auc"] - roc_auc_score(y, z)) <= bound


def test_roc_and_pr_plot_curves_rank_by_the_logit(tmp_path):
    from losscli import plots
    from losscli.cli.compute import run_data
    from losscli.engine import Evaluation, Options

    y, z = saturated_binary(11)
    ev = Evaluation(str(write_csv(tmp_path / "b.csv", y, z)), None, Options(scores="logits"))
    ev.run()
    data = run_data(ev, curves=True)
    ((name, yy, s, w),) = plots._curve_sets(data, {"task": "binary", "classes": ["0", "1"]})
    np.testing.assert_array_equal(s, z)
    np.testing.assert_array_equal(yy, y)


def test_thresholds_grid_of_probabilities_marks_no_row_for_a_cut_on_logits(tmp_path):
    # --steps shows p > t rows; the best cut (on the logits) is none of them
    data = write_csv(tmp_path / "s.csv", np.array([0, 1, 0, 1, 0]), [40.0, 50.0, -3.0, 45.0, 38])
    r = invoke("thresholds", data, "--steps", 4, "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0].split(",")[0] == "threshold" and "score_threshold" not in lines[0]
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["0"] * 5
    r = invoke("thresholds", data, "--format", "csv")
    best = [line for line in r.stdout.strip().splitlines()[1:] if line.endswith(",1")]
    assert [b.split(",")[1] for b in best] == ["40.0"]  # score_threshold of the best row


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_resample_and_linear_terms_rank_by_the_same_key(task):
    # the accumulator level: result(), an all-ones resample and the linear path's terms at
    # c = 1 (exact there) give the AUC / AP of scikit-learn on the unsaturated key
    from losscli.metrics import ClassificationAccumulator
    from losscli.metrics.linear import LinearClassification

    if task == "binary":
        y, z = saturated_binary(13, n=500)
        key, kind, ref = z, "logits", [z]
        c, names = 2, ("roc_auc", "average_precision")
    else:
        y, z = underflowing_multiclass(13, n=500)
        key, kind = log_softmax(z, axis=1), "log-probs"
        ref = [log_odds(z)[:, k] for k in range(4)]
        c, names = 4, ("roc_auc_macro", "average_precision_macro")
    acc = ClassificationAccumulator(task, c, rank_key=kind, keep_rows=True)
    acc.update(y.astype(float) if task == "binary" else y, None, rank_scores=key)
    res = acc.result().metrics
    ks = [1] if task == "binary" else range(4)
    want = (
        np.mean([roc_auc_score(y == k if task != "binary" else y, r) for k, r in zip(ks, ref)]),
        np.mean(
            [average_precision_score(y == k if task != "binary" else y, r) for k, r in zip(ks, ref)]
        ),
    )
    assert (res[names[0]], res[names[1]]) == (
        pytest.approx(want[0], rel=1e-12),
        pytest.approx(want[1], rel=1e-12),
    )
    again = acc.resample(np.ones((1, y.size), dtype=np.int64))[0]
    assert again[names[0]] == pytest.approx(res[names[0]], rel=1e-12)
    assert again[names[1]] == pytest.approx(res[names[1]], rel=1e-12)
    lin = LinearClassification(acc)
    at_one = lin.metrics(lin.base, lin.seg_base)
    assert at_one[names[0]] == pytest.approx(res[names[0]], rel=1e-9)
    assert at_one[names[1]] == pytest.approx(res[names[1]], rel=1e-9)


@pytest.mark.parametrize("bins", [1, 2, 3, 7, 10, 15, 999, 1000, 1001, 4096, 100_000])
def test_auc_bin_index_is_the_edges_rule(bins):
    # the arithmetic bin (floor(s * B), one step at an edge) is searchsorted over
    # linspace(0, 1, B + 1) exactly, at every edge and one and two floats either side
    from losscli.metrics.keys import auc_bin_index

    edges = np.linspace(0.0, 1.0, bins + 1)
    below = np.nextafter(edges, -1.0)
    s = np.concatenate(
        [edges, below, np.nextafter(below, -1.0), np.nextafter(edges, 2.0)]
        + [np.random.default_rng(bins).random(5000), [np.nan, np.inf, -np.inf, -0.0, 1.5]]
    )
    ref = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, bins - 1)
    np.testing.assert_array_equal(auc_bin_index(s, bins), ref)


@pytest.mark.parametrize("bins", [2, 3, 10, 15, 999, 1000, 1001, 4096, 20_000])
def test_key_bins_is_the_axis_bin(bins):
    # the table's bins are the computed axis' bins, bit for bit: on log-softmax rows, on keys
    # spread over 320 decades, at every bin's first key and the floats next to it, at the
    # table's cell edges and past its ends (0, -0, the smallest subnormal, -inf)
    from losscli.metrics import keys

    rng = np.random.default_rng(bins)
    parts = [
        log_softmax(rng.normal(0.0, 6.0, (4000, 19)), axis=1).ravel(),
        -rng.exponential(rng.choice([1e-20, 1e-3, 1.0, 10.0, 1000.0], 20_000)),
        -np.logspace(-320, 3.5, 5000),
        np.array([0.0, -0.0, -5e-324, -np.inf, -1e300, -(2.0**-64)]),
    ]
    table = keys._bin_table(bins)
    if table is not None:
        shift, first, base, starts = table
        t = starts[1:-1]
        parts += [t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf)]
        cells = np.arange(first, first + len(base))[:: max(1, len(base) // 3000)]
        for edge in (cells << shift, ((cells + 1) << shift) - 1):
            parts.append(keys._ordered(edge).view(np.float64))
    v = np.concatenate(parts)
    with np.errstate(all="ignore"):
        ref = keys.auc_bin_index(keys.rank_axis(v, "log-probs"), bins)
    np.testing.assert_array_equal(keys.key_bins(v, "log-probs", bins), ref)
    grid = v[: 4000 * 19].reshape(4000, 19)  # an (N, C) block keeps its shape
    assert keys.key_bins(grid, "log-probs", bins).shape == grid.shape


@pytest.mark.parametrize(("rank_key", "cls"), [("logits", 1), ("logits", 0), ("probs", 1)])
def test_key_bins_of_other_keys_compute_the_axis(rank_key, cls):
    from losscli.metrics import keys

    v = np.random.default_rng(7).normal(0.0, 20.0, 5000)
    if rank_key == "probs":
        v = expit(v)
    ref = keys.auc_bin_index(keys.rank_axis(v, rank_key, cls), 1000)
    np.testing.assert_array_equal(keys.key_bins(v, rank_key, 1000, cls), ref)
