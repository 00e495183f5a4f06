"""One rule for the multi-class prediction, on every path: the argmax of the scores as given
(ties to the lowest class index), whatever the layout or the option that picks the path.

Near-ties are where paths could part: ``log_softmax([1e-3, nextafter(1e-3)])`` rounds both
classes to ``-log 2``, and dividing probabilities by their row sum can round two adjacent
floats to one. The class-major path of dense ``(N, C, d..)`` logits takes the argmax of the
logits; the row path (channels-last, 2-D rows, CSV, ``--bootstrap``, ``--top-k``, the
per-sample file, the ``zero_one`` loss) must give the same predictions.

Reference: scikit-learn's ``confusion_matrix`` / ``accuracy_score`` live on
``np.argmax(scores, axis=1)`` of the scores as written to the file (what
``torch.argmax(logits, dim=1)`` gives: the first maximal index)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from helpers import run_json
from sklearn.metrics import accuracy_score, confusion_matrix

from losscli.activations import log_softmax, untie_top
from losscli.pipeline.encode import normalise_probs

C = 3


def _near_tie_logits(n=2, h=4, w=4, seed=0):
    """(N, C, H, W) logits whose classes 0 and 1 lead, one float apart (class 1 above)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, C, h, w)) * 1e-3
    x[:, 2] = -3.1
    x[:, 1] = np.nextafter(x[:, 0], np.inf)
    x[:, :, 0, 0] = 0.25  # one true tie per image: the lowest class
    y = rng.integers(0, C, (n, h, w))
    return x, y


def _cm(y, scores_rows):
    return confusion_matrix(y, np.argmax(scores_rows, axis=1), labels=list(range(C))).tolist()


def test_log_softmax_would_tie_them():
    """The premise: rounding ties the two classes in the log-softmax without untie_top."""
    x, _ = _near_tie_logits()
    rows = np.moveaxis(x, 1, -1).reshape(-1, C)
    plain = _plain_log_softmax(rows)
    assert np.mean(np.argmax(plain, axis=1) != np.argmax(rows, axis=1)) > 0.5
    assert (np.argmax(log_softmax(rows), axis=1) == np.argmax(rows, axis=1)).all()


LAYOUTS = {
    "(N, C, H, W) class-major": ("first", []),
    "(N, H, W, C) rows": ("last", []),
    "(N*H*W, C) 2-D rows": ("rows", []),
    "CSV rows": ("csv", []),
    "(N, C, H, W) --bootstrap": ("first", ["--bootstrap", "5", "--seed", "1"]),
    "(N, C, H, W) --top-k 1": ("first", ["--top-k", "1"]),
    "(N, C, H, W) --per-sample": ("first", ["--per-sample", "{tmp}/per.csv"]),
    "(N, C, H, W) --auc-bins": ("first", ["--auc-bins", "10"]),
}


def _write(tmp_path, layout, x, y):
    rows, yr = np.moveaxis(x, 1, -1).reshape(-1, C), y.reshape(-1)
    if layout == "first":
        arrs = (x, y)
    elif layout == "last":
        arrs = (np.moveaxis(x, 1, -1).copy(), y)
    elif layout == "rows":
        arrs = (rows, yr)
    else:
        p = tmp_path / "rows.csv"
        with p.open("w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["label", *map(str, range(C))])
            for a, b in zip(yr, rows):
                wr.writerow([int(a), *(repr(float(v)) for v in b)])
        return [p]
    out = []
    for name, arr in zip(("s.npy", "y.npy"), arrs):
        np.save(tmp_path / name, arr)
        out.append(tmp_path / name)
    return out


@pytest.mark.parametrize("case", list(LAYOUTS), ids=list(LAYOUTS))
def test_every_path_predicts_the_argmax_of_the_logits(tmp_path, case):
    layout, extra = LAYOUTS[case]
    x, y = _near_tie_logits()
    rows, yr = np.moveaxis(x, 1, -1).reshape(-1, C), y.reshape(-1)
    extra = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    d = run_json("compute", *_write(tmp_path, layout, x, y), *extra, "--format", "json", "-q")
    assert d["confusion_matrix"] == _cm(yr, rows)
    assert d["metrics"]["accuracy"] == pytest.approx(accuracy_score(yr, rows.argmax(1)), abs=0)
    if "--top-k" in extra:
        assert d["metrics"]["top_k_accuracy"] == d["metrics"]["accuracy"]


def test_zero_one_loss_and_per_sample_predictions_follow_the_same_rule(tmp_path):
    x, y = _near_tie_logits()
    rows, yr = np.moveaxis(x, 1, -1).reshape(-1, C), y.reshape(-1)
    np.save(tmp_path / "s.npy", rows)
    np.save(tmp_path / "y.npy", yr)
    per = tmp_path / "per.csv"
    d = run_json(
        "compute", tmp_path / "s.npy", tmp_path / "y.npy", "--loss", "zero_one",
        "--per-sample", per, "--format", "json", "-q",
    )  # fmt: skip
    want = accuracy_score(yr, rows.argmax(1))
    assert d["losses"]["zero_one"] == pytest.approx(1 - want, abs=1e-15)
    assert d["metrics"]["accuracy"] == pytest.approx(want, abs=0)
    with per.open() as f:
        got = [int(r["prediction"]) for r in csv.DictReader(f)]
    assert got == rows.argmax(1).tolist()


def _plain_log_softmax(rows):
    """``(x - m) - log1p(sum of the others' exp(x - m))`` without :func:`untie_top`."""
    m = rows.max(axis=1, keepdims=True)
    e = np.exp(rows - m)
    e[np.arange(len(rows)), rows.argmax(axis=1)] = 0.0
    return (rows - m) - np.log1p(e.sum(axis=1, keepdims=True))


def _adjacent_rows_renormalised_into_one(scores, seed=3, n=40):
    """Rows ``[a, nextafter(a), rest]`` off a sum of 1 (so renormalised) whose two top
    classes become one float: ``a / s == nextafter(a) / s`` for probabilities (``a`` below
    1/4, ``a / s`` above: a coarser grid), or the log-softmax of log-probabilities summing
    above 1 (``l - log s`` in a coarser binade than ``l``)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(100 * n):
        if len(out) == n:
            break
        if scores == "probs":
            a = rng.uniform(0.13, 0.24)
            row = np.array([a, np.nextafter(a, 1.0), rng.uniform(0.0, a)])
            s = row.sum()
            tied = row[0] / s == row[1] / s
        else:
            a = rng.uniform(-1.0, -0.7)
            row = np.array([a, np.nextafter(a, 0.0), rng.uniform(a - 1.0, a)])
            plain = _plain_log_softmax(row[None])[0]
            tied = plain[0] == plain[1] and np.exp(row).sum() > 1.01
        if tied:
            out.append(row)
    assert len(out) == n
    return np.array(out)


@pytest.mark.parametrize("scores", ["probs", "log-probs"])
def test_renormalised_rows_keep_the_argmax_of_the_rows_as_given(tmp_path, scores):
    given = _adjacent_rows_renormalised_into_one(scores)
    assert (np.argmax(given, axis=1) == 1).all()
    y = np.tile(np.arange(C), len(given))[: len(given)]
    np.save(tmp_path / "s.npy", given)
    np.save(tmp_path / "y.npy", y)
    d = run_json(
        "compute", tmp_path / "s.npy", tmp_path / "y.npy", "--scores", scores,
        "--format", "json", "-q",
    )  # fmt: skip
    assert d["confusion_matrix"] == _cm(y, given)
    r = normalise_probs(given, log=scores == "log-probs")
    assert r.n_off == len(given) and (np.argmax(r.rows, axis=1) == 1).all()


@pytest.mark.parametrize(
    "x",
    [
        [[1e-3, np.nextafter(1e-3, 1), -2.0]],
        [[np.nextafter(0.0, 1), 0.0, 0.0]],
        [[0.0, 0.0, np.nextafter(0.0, -1)]],  # a true tie at the top: stays tied
        [[5.0, 5.0, 5.0]],
        [[-np.inf, 1.0, np.nextafter(1.0, 0)]],
    ],
)
def test_untie_top_keeps_the_argmax_and_true_ties(x):
    x = np.array(x)
    out = log_softmax(x)
    assert np.argmax(out, axis=1).tolist() == np.argmax(x, axis=1).tolist()
    top = out.max(axis=1, keepdims=True)
    assert ((out == top) == (x == x.max(axis=1, keepdims=True))).all()
    scaled = x / 7.0
    untie_top(scaled, x)
    assert np.argmax(scaled, axis=1).tolist() == np.argmax(x, axis=1).tolist()


def test_untie_top_writes_through_a_fortran_ordered_array():
    x = np.asfortranarray(np.array([[1e-3, np.nextafter(1e-3, 1)], [0.5, 0.2]]))
    out = np.asfortranarray(np.full_like(x, -0.5))
    untie_top(out, x)
    assert out[0, 0] < out[0, 1] == -0.5 and out[1, 1] < out[1, 0] == -0.5
