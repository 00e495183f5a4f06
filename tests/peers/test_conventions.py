"""The conventions of the README's Conventions table where losscli departs from a peer library.

Each test runs losscli through the CLI, computes the peer's number live (scikit-learn; torch's
formula from ``torch/testing/_internal/common_nn.py`` in numpy, and torch itself when it is
installed), shows that they differ, and pins losscli's documented reading.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import run_json
from sklearn import metrics as skm


def write_csv(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


# ------------------------------------------------------------------------------ top-k ties
@pytest.mark.parametrize(
    ("y", "p", "k", "ours"),
    [
        # one tie between classes 0 and 1 at the top: the true class is the lower index
        ([0], [[0.4, 0.4, 0.2]], 1, 1.0),
        # ... and the higher index
        ([1], [[0.4, 0.4, 0.2]], 1, 0.0),
        # k = 2 with a three-way tie for second place
        ([3, 3], [[0.4, 0.2, 0.2, 0.2], [0.1, 0.3, 0.3, 0.3]], 2, 0.0),
    ],
)
def test_top_k_ties_go_to_the_lowest_index(tmp_path, y, p, k, ours):
    c = len(p[0])
    rows = [(yi, *pi) for yi, pi in zip(y, p)]
    f = write_csv(tmp_path / "p.csv", ["label", *[f"c{j}" for j in range(c)]], rows)
    d = run_json("compute", f, "--top-k", k, "--task", "multiclass", "--scores", "probs", "-q")
    sk = skm.top_k_accuracy_score(y, p, k=k, labels=list(range(c)))
    assert d["metrics"]["top_k_accuracy"] == pytest.approx(ours)
    assert sk != pytest.approx(ours)  # scikit-learn gives the tie to the highest index


# ------------------------------------------------------------------------------ AP, no positives
def test_ap_of_a_label_without_positives_is_null_and_left_out(tmp_path):
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
    p = np.array([[0.9, 0.2, 0.7], [0.3, 0.8, 0.6], [0.6, 0.1, 0.2], [0.4, 0.5, 0.9]])
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "y.npy", y)
    d = run_json("compute", tmp_path / "p.npy", tmp_path / "y.npy", "--task", "multilabel", "-q")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk_per_label = skm.average_precision_score(y, p, average=None)
        sk_macro = skm.average_precision_score(y, p, average="macro")
    assert sk_per_label[1] == 0.0  # scikit-learn: 0 for the label with no positive
    assert [r["average_precision"] for r in d["per_class"]] == [
        pytest.approx(sk_per_label[0]),
        None,
        pytest.approx(sk_per_label[2]),
    ]
    ours = d["metrics"]["average_precision_macro"]
    assert ours == pytest.approx(np.mean(sk_per_label[[0, 2]]))
    assert ours != pytest.approx(sk_macro)
    assert any("average_precision is undefined for label" in w for w in d["warnings"])


def test_binary_ap_without_positives_is_null(tmp_path):
    f = write_csv(tmp_path / "p.csv", ["label", "prob"], [(0, 0.2), (0, 0.7), (0, 0.4)])
    d = run_json("compute", f, "--task", "binary", "-q")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert skm.average_precision_score([0, 0, 0], [0.2, 0.7, 0.4]) == 0.0
    assert d["metrics"]["average_precision"] is None


# ------------------------------------------------------------------------------ one-hot rows
Z = np.array([[2.0, 1.0, 0.1], [0.5, 1.5, -1.0], [0.2, 0.1, 2.0], [1.0, 1.0, 1.0], [0.3, 2.2, 0.0]])
Y = np.array([0, 1, 1, 2, 0])
W = np.array([1.0, 2.0, 0.5])


def _log_softmax(z):
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def test_one_hot_float_rows_are_class_indices(tmp_path):
    onehot = np.eye(3)[Y]
    np.save(tmp_path / "z.npy", Z)
    np.save(tmp_path / "y.npy", onehot.astype(np.float64))
    d = run_json(
        "compute", tmp_path / "z.npy", tmp_path / "y.npy", "--class-weights", "1,2,0.5", "-q"
    )
    assert d["inputs"]["label_encoding"] == "one-hot"
    assert any("one-hot" in line for line in d["inference"])
    lsm = _log_softmax(Z)
    nll = -lsm[np.arange(len(Y)), Y]
    # torch CrossEntropyLoss(weight=W) with index targets (nllloss_reference in common_nn.py)
    index_mean = (W[Y] * nll).sum() / W[Y].sum()
    # torch with float targets: cross_entropy_loss_prob_target_reference, mean over N
    soft_mean = (-(lsm * onehot * W).sum(1)).mean()
    assert d["losses"]["ce"] == pytest.approx(index_mean, rel=1e-12)
    assert abs(index_mean - soft_mean) > 0.1


def test_one_hot_convention_against_torch_live(tmp_path):
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    z, y, w = torch.tensor(Z), torch.tensor(Y), torch.tensor(W)
    onehot = f.one_hot(y, 3).double()
    np.save(tmp_path / "z.npy", Z)
    np.save(tmp_path / "y.npy", onehot.numpy())
    d = run_json(
        "compute", tmp_path / "z.npy", tmp_path / "y.npy", "--class-weights", "1,2,0.5", "-q"
    )
    assert d["losses"]["ce"] == pytest.approx(f.cross_entropy(z, y, weight=w).item(), rel=1e-12)
    assert d["losses"]["ce"] != pytest.approx(f.cross_entropy(z, onehot, weight=w).item())


# ------------------------------------------------------------------------------ sample weights
@pytest.mark.parametrize("loss", ["bce", "zero_one", "hinge"])
def test_weighted_loss_mean_is_sum_wl_over_sum_w(tmp_path, loss):
    y = np.array([1, 0, 1, 0, 1])
    p = np.array([0.9, 0.1, 0.4, 0.7, 0.55])
    w = np.array([1.0, 3.0, 0.5, 2.0, 0.25])
    f = write_csv(tmp_path / "p.csv", ["label", "prob", "w"], list(zip(y, p, w)))
    d = run_json("compute", f, "--weight-col", "w", "--loss", loss, "-q")
    per = run_json(
        "compute", f, "--pred-cols", "prob", "--loss", loss, "--per-sample", tmp_path / "s.csv"
    )
    assert per["n_samples"] == 5
    lines = (tmp_path / "s.csv").read_text().splitlines()
    col = lines[0].split(",").index(loss)
    l_n = np.array([float(r.split(",")[col]) for r in lines[1:]])
    ours = d["losses"][loss]
    assert ours == pytest.approx((w * l_n).sum() / w.sum(), rel=1e-12)
    assert ours != pytest.approx((w * l_n).mean())  # torch: mean(w * l)
    if loss == "bce":
        assert ours == pytest.approx(skm.log_loss(y, p, sample_weight=w), rel=1e-12)
        assert d["metrics"]["log_loss"] == pytest.approx(ours, rel=1e-12)
    if loss == "zero_one":
        ref = skm.zero_one_loss(y, (p > 0.5).astype(int), sample_weight=w)
        assert ours == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 3.7, 1e-200, 1e160])
def test_weighted_counts_are_in_units_of_the_mean_weight(tmp_path, scale):
    y = np.array([1, 0, 1, 0, 1, 1])
    p = np.array([0.9, 0.1, 0.4, 0.7, 0.55, 0.8])
    w = np.array([1.0, 3.0, 0.5, 2.0, 0.25, 0.0]) * scale
    f = write_csv(
        tmp_path / "p.csv",
        ["label", "prob", "w"],
        [(a, b, repr(float(c))) for a, b, c in zip(y, p, w)],
    )
    d = run_json("compute", f, "--weight-col", "w", "-q")
    pred = (p > 0.5).astype(int)
    peer = skm.confusion_matrix(y, pred, sample_weight=w)  # raw weight sums
    ours = np.asarray(d["confusion_matrix"])
    np.testing.assert_allclose(ours, peer * (w.size / w.sum()), rtol=1e-12)
    assert ours.sum() == pytest.approx(6.0, rel=1e-12)  # n_evaluated, at any scale
    if scale != w.size / w.sum():
        assert not np.allclose(ours, peer)
    assert d["metrics"]["mcc"] == pytest.approx(
        skm.matthews_corrcoef(y, pred, sample_weight=w / scale), rel=1e-12
    )


# ------------------------------------------------------------------------------ log-prob rows
# common_nn's NLLLoss cases draw log(rand): rows whose exponentials do not sum to 1
LP = np.log(np.array([[0.2, 0.3, 0.1], [0.5, 0.3, 0.2], [0.6, 0.3, 0.4], [0.1, 0.1, 0.1]]))
LY = np.array([0, 2, 1, 2])


def test_unnormalised_log_prob_rows_are_renormalised_for_nll(tmp_path):
    np.save(tmp_path / "lp.npy", LP)
    np.save(tmp_path / "y.npy", LY)
    d = run_json(
        "compute", tmp_path / "lp.npy", tmp_path / "y.npy", "--scores", "log-probs", "--loss",
        "nll", "-q",
    )  # fmt: skip
    assert d["warnings"][0].startswith("3 rows of log-probabilities did not sum to 1")
    as_given = -LP[np.arange(4), LY].mean()  # torch NLLLoss: -x[y] (nllloss_reference)
    ours = -_log_softmax(LP)[np.arange(4), LY].mean()
    assert d["losses"]["nll"] == pytest.approx(ours, rel=1e-12)
    assert abs(ours - as_given) > 0.1
    q = np.exp(LP) / np.exp(LP).sum(axis=1, keepdims=True)
    assert d["losses"]["nll"] == pytest.approx(skm.log_loss(LY, q), rel=1e-12)


def test_unnormalised_log_prob_convention_against_torch_live(tmp_path):
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    x, y = torch.tensor(LP), torch.tensor(LY)
    np.save(tmp_path / "lp.npy", LP)
    np.save(tmp_path / "y.npy", LY)
    d = run_json(
        "compute", tmp_path / "lp.npy", tmp_path / "y.npy", "--scores", "log-probs", "--loss",
        "nll", "-q",
    )  # fmt: skip
    assert d["losses"]["nll"] == pytest.approx(f.nll_loss(f.log_softmax(x, 1), y).item(), 1e-12)
    assert d["losses"]["nll"] != pytest.approx(f.nll_loss(x, y).item())
