"""Log-probability rows that do not sum to 1 follow the probability rows' convention.

README Conventions, "probabilities (or log-probabilities) that do not sum to 1": a multi-class
row whose sum (``sum exp(l)`` for log-probabilities) is off 1 by more than 1e-4 is
renormalised (``p / sum p``, ``l - logsumexp(l)``) for the losses and the metrics, with one
warning naming the count, the worst row's line and its sum; ``--strict`` makes it exit 2.
Reference numbers: scikit-learn ``log_loss`` on the renormalised probabilities, computed here.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import invoke, run_json
from sklearn import metrics as skm

from losscli.tasks import PROB_SUM_TOL, normalise_probs


def write_csv(path, rows, labels):
    cols = [f"c{j}" for j in range(len(rows[0]))]
    body = "".join(
        f"{y}," + ",".join(repr(float(v)) for v in r) + "\n" for y, r in zip(labels, rows)
    )
    path.write_text("label," + ",".join(cols) + "\n" + body)
    return path


def _rng_rows(seed: int, n: int, c: int, off: list[int], scale: list[float]) -> np.ndarray:
    """n probability rows summing to 1, with rows ``off`` scaled by ``scale``."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(c), size=n)
    for i, s in zip(off, scale):
        p[i] *= s
    return p


# (probability rows, labels, count off, worst line (header = line 1), its sum)
CASES = {
    "two low rows": (
        np.array([[0.5, 0.3, 0.2], [0.5, 0.3, 0.1], [0.2, 0.2, 0.2], [0.7, 0.2, 0.1]]),
        [0, 1, 2, 0],
        2,
        4,
        "0.6",
    ),
    "one high row": (np.array([[0.6, 0.4, 0.2], [0.3, 0.6, 0.1]]), [0, 1], 1, 2, "1.2"),
    "many rows, mixed": (
        _rng_rows(7, 40, 4, [3, 11, 12, 30], [0.9, 1.5, 0.999, 1.0 + 2 * PROB_SUM_TOL]),
        list(np.random.default_rng(8).integers(0, 4, size=40)),
        4,
        13,
        "1.5",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_log_prob_rows_are_renormalised_like_probability_rows(tmp_path, name):
    p, y, n_off, line, worst_sum = CASES[name]
    lp = np.log(p)
    f_p = write_csv(tmp_path / "p.csv", p, y)
    f_lp = write_csv(tmp_path / "lp.csv", lp, y)
    d_p = run_json("compute", f_p, "--scores", "probs", "--format", "json", "-q")
    d_lp = run_json(
        "compute", f_lp, "--scores", "log-probs", "--loss", "nll", "--format", "json", "-q"
    )
    rows = "row" if n_off == 1 else "rows"
    tail = "they were renormalised for the losses and the metrics"
    assert d_p["warnings"][0] == (
        f"{n_off} {rows} of probabilities did not sum to 1 (worst: {f_p}: line {line}, sum "
        f"{worst_sum}); {tail}"
    )
    assert d_lp["warnings"][0] == (
        f"{n_off} {rows} of log-probabilities did not sum to 1 (worst: {f_lp}: line {line}, sum "
        f"of exp {worst_sum}); {tail}"
    )
    # scikit-learn on the renormalised probabilities: the loss and the metrics both use them
    q = p / p.sum(axis=1, keepdims=True)
    want = skm.log_loss(y, q, labels=list(range(p.shape[1])))
    np.testing.assert_allclose(d_lp["losses"]["nll"], want, rtol=1e-12)
    np.testing.assert_allclose(d_lp["metrics"]["log_loss"], want, rtol=1e-12)
    onehot = np.eye(p.shape[1])[y]
    np.testing.assert_allclose(
        d_lp["metrics"]["brier"], np.mean(np.sum((q - onehot) ** 2, axis=1)), rtol=1e-12
    )
    np.testing.assert_allclose(
        d_lp["metrics"]["accuracy"], skm.accuracy_score(y, q.argmax(axis=1)), rtol=0
    )
    # every metric equals the probability path's (same rows, renormalised the same way)
    assert d_lp["metrics"].keys() == d_p["metrics"].keys()
    for k, v in d_p["metrics"].items():
        np.testing.assert_allclose(d_lp["metrics"][k], v, rtol=1e-12, atol=1e-15, err_msg=k)
    np.testing.assert_allclose(d_lp["losses"]["nll"], d_p["losses"]["ce"], rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_strict_refuses_log_prob_rows_off_one(tmp_path, name):
    p, y, n_off, line, worst_sum = CASES[name]
    f = write_csv(tmp_path / "lp.csv", np.log(p), y)
    out = tmp_path / "out.json"
    res = invoke("compute", f, "--scores", "log-probs", "--strict", "--output", out)
    assert res.exit_code == 2
    assert res.stdout == ""
    rows = "row" if n_off == 1 else "rows"
    assert res.stderr == (
        f"Error: --strict: {n_off} {rows} of log-probabilities did not sum to 1 (worst: {f}: "
        f"line {line}, sum of exp {worst_sum}); they were renormalised for the losses and the "
        "metrics\n"
    )
    assert not out.exists()


def test_log_prob_rows_within_tolerance_are_used_as_given(tmp_path):
    # off 1 by 0.5e-4 (within 1e-4): no warning, nll is -l[y] as given (torch NLLLoss)
    lp = np.log(np.array([[0.5, 0.2, 0.30005], [0.29998, 0.3, 0.4]]))
    y = [2, 0]
    d = run_json(
        "compute",
        write_csv(tmp_path / "lp.csv", lp, y),
        "--scores",
        "log-probs",
        "--loss",
        "nll",
        "--format",
        "json",
        "-q",
    )
    assert not any("did not sum to 1" in w for w in d["warnings"])
    np.testing.assert_allclose(d["losses"]["nll"], -(lp[0, 2] + lp[1, 0]) / 2, rtol=1e-14)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 16, 1000])
def test_chunked_log_prob_rows_equal_one_pass(tmp_path, chunk):
    p, y, *_ = CASES["many rows, mixed"]
    f = write_csv(tmp_path / "lp.csv", np.log(p), y)
    args = ["compute", f, "--scores", "log-probs", "--loss", "nll", "--format", "json", "-q"]
    one = run_json(*args, "--chunk-size", "100000")
    got = run_json(*args, "--chunk-size", chunk)
    assert got["warnings"] == one["warnings"]
    assert got["warnings"][0].startswith("4 rows of log-probabilities did not sum to 1 (worst: ")
    np.testing.assert_allclose(got["losses"]["nll"], one["losses"]["nll"], rtol=1e-13)
    for k, v in one["metrics"].items():
        np.testing.assert_allclose(got["metrics"][k], v, rtol=1e-12, atol=1e-15, err_msg=k)


def test_inferred_log_probs_ask_then_the_flag_renormalises(tmp_path):
    # --scores auto reads log-probs from the decision rows (each sums to 1); a later row that
    # does not is an error naming --scores; passing it renormalises that row, with the warning
    from unittest import mock

    from losscli import engine

    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.2, 0.1], [0.2, 0.3, 0.5]])
    y = [0, 2, 0, 1]
    f = write_csv(tmp_path / "lp.csv", np.log(p), y)
    with mock.patch.object(engine, "INFER_ROWS", 2):
        res = invoke("compute", f, "--chunk-size", "2")
        assert res.exit_code == 2 and res.stdout == ""
        assert res.stderr == (
            f"Error: {f}: line 4: the exponentials of the log-probabilities sum to 0.6, not 1, "
            "but --scores auto decided 'log-probs' from the rows above, where every row sums to "
            "1; pass --scores log-probs to renormalise such rows, or --scores logits if these "
            "are raw model outputs\n"
        )
        d = run_json("compute", f, "--scores", "log-probs", "--format", "json", "-q")
    assert d["warnings"][0] == (
        f"1 row of log-probabilities did not sum to 1 (worst: {f}: line 4, sum of exp 0.6); "
        "they were renormalised for the losses and the metrics"
    )
    q = p / p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(d["metrics"]["log_loss"], skm.log_loss(y, q), rtol=1e-12)


@pytest.mark.parametrize(
    ("task", "lp", "y"),
    [
        # binary: one log p per row, nothing to sum; any value <= 0 is a probability
        ("binary", np.log([0.9, 0.2, 0.6, 0.05]), [1, 0, 0, 1]),
        # multi-label: each column on its own; rows summing to 0.4 or 2.5 are fine
        ("multilabel", np.log([[0.9, 0.8, 0.8], [0.1, 0.2, 0.1], [0.5, 0.5, 0.3]]), None),
    ],
)
def test_binary_and_multilabel_log_probs_are_taken_as_given(tmp_path, task, lp, y):
    pred, true = tmp_path / "pred.npy", tmp_path / "true.npy"
    np.save(pred, lp)
    y_true = np.array(y) if y is not None else np.array([[1, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.save(true, y_true)
    d = run_json("compute", pred, true, "--task", task, "--scores", "log-probs", "--format", "json")
    assert not any("did not sum to 1" in w for w in d["warnings"])
    want = skm.log_loss(y_true.ravel(), np.exp(lp).ravel())
    np.testing.assert_allclose(d["losses"]["bce"], want, rtol=1e-12)
    # a log-probability above 0 is still refused
    bad = lp.copy()
    bad.flat[1] = 0.25
    np.save(pred, bad)
    res = invoke("compute", pred, true, "--task", task, "--scores", "log-probs")
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1
    assert "prediction 0.25 is > 0 but --scores is 'log-probs'" in res.stderr


@pytest.mark.parametrize("seed", range(5))
def test_one_function_for_probability_and_log_probability_rows(seed):
    # the same rows as probabilities and as log-probabilities get the same verdict
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(5), size=30)
    scale = rng.choice([1.0, 1 + 0.5 * PROB_SUM_TOL, 1 + 3 * PROB_SUM_TOL, 0.0], size=30)
    scale[scale == 0] = rng.uniform(0.3, 3.0, size=int(np.sum(scale == 0)))  # no ties
    p = p * scale[:, None]
    r_p = normalise_probs(p)
    r_lp = normalise_probs(np.log(p), log=True)
    assert r_p.n_off == r_lp.n_off == int(np.sum(np.abs(p.sum(axis=1) - 1) > PROB_SUM_TOL))
    assert r_p.worst == r_lp.worst
    np.testing.assert_allclose(r_lp.worst_sum, r_p.worst_sum, rtol=1e-12)
    np.testing.assert_allclose(r_lp.max_dev, r_p.max_dev, rtol=1e-9)
    np.testing.assert_allclose(np.exp(r_lp.rows), r_p.rows, rtol=1e-12)


@pytest.mark.parametrize("scores", ["probs", "log-probs"])
def test_partition_states_merge_to_the_one_pass_warning(tmp_path, scores):
    # the merge of per-partition states (as --engine dask does, in partition order) names the
    # worst row of all of them; on a tie, the earlier partition's, as one pass does
    from losscli.engine import Evaluation, Options

    p = np.array([[0.5, 0.25, 0.125], [0.7, 0.2, 0.1], [0.5, 0.25, 0.125], [0.5, 0.25, 0.125]])
    y = [0, 1, 2, 0]
    rows = np.log(p) if scores == "log-probs" else p
    whole = write_csv(tmp_path / "whole.csv", rows, y)
    a = write_csv(tmp_path / "a.csv", rows[:2], y[:2])
    b = write_csv(tmp_path / "b.csv", rows[2:], y[2:])
    opts = Options(scores=scores)
    one = Evaluation(whole, opts=opts)
    one.consume()
    parts = []
    for f in (a, b):
        ev = Evaluation(f, opts=opts, plan=one.plan)
        ev.consume()
        parts.append(ev.state())
    client = Evaluation(a, opts=opts, plan=one.plan)
    client.absorb(parts[0].merge(parts[1]))
    what = "probabilities" if scores == "probs" else "log-probabilities"
    total = "sum" if scores == "probs" else "sum of exp"
    tail = "they were renormalised for the losses and the metrics"
    assert one.report().warnings[0] == (
        f"3 rows of {what} did not sum to 1 (worst: {whole}: line 2, {total} 0.875); {tail}"
    )
    assert client.report().warnings[0] == (
        f"3 rows of {what} did not sum to 1 (worst: {a}: line 2, {total} 0.875); {tail}"
    )
    # the later partition's worse row wins over the earlier one's
    parts[1].max_prob_dev, parts[1].worst_prob_row, parts[1].worst_prob_sum = 0.5, "x", 0.5
    assert parts[0].merge(parts[1]).worst_prob_row == "x"
