"""Multi-output regression end to end: the ``per_output`` section and the flat metrics of a
two-file run equal scikit-learn's ``multioutput="raw_values"`` / ``"uniform_average"`` /
``"variance_weighted"``, through chunking, ``--weight-col``, ``--group-by``, ``--bootstrap``
and every text format."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn import metrics as skm

from losscli.cli import cli


def run(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, prog_name="losscli")
    return r


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(7)
    n = 300
    y = np.abs(rng.normal([2.0, 50.0, 0.5], [0.5, 20.0, 0.3], (n, 3))) + 0.05
    yhat = np.abs(y + rng.normal(0, [0.3, 5.0, 0.2], (n, 3)))
    w = rng.integers(1, 4, n).astype(float)
    g = np.where(np.arange(n) % 3 == 0, "a", "b")
    names = ["height", "weight", "ratio"]
    preds = tmp_path / "preds.csv"
    labels = tmp_path / "labels.csv"
    with preds.open("w") as f:
        f.write(",".join(names) + ",w,fold\n")
        for i in range(n):
            f.write(",".join(repr(float(v)) for v in yhat[i]) + f",{float(w[i])!r},{g[i]}\n")
    with labels.open("w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join(repr(float(v)) for v in y[i]) + "\n")
    return preds, labels, y, yhat, w, g, names


def sk_raw(y, yhat, w=None):
    return {
        "mse": skm.mean_squared_error(y, yhat, sample_weight=w, multioutput="raw_values"),
        "mae": skm.mean_absolute_error(y, yhat, sample_weight=w, multioutput="raw_values"),
        "r2": skm.r2_score(y, yhat, sample_weight=w, multioutput="raw_values"),
        "explained_variance": skm.explained_variance_score(
            y, yhat, sample_weight=w, multioutput="raw_values"
        ),
        "median_absolute_error": skm.median_absolute_error(
            y, yhat, sample_weight=w, multioutput="raw_values"
        ),
        "rmsle": skm.root_mean_squared_log_error(
            y, yhat, sample_weight=w, multioutput="raw_values"
        ),
    }


@pytest.mark.parametrize("chunk", [None, "7"])
@pytest.mark.parametrize("weighted", [False, True])
def test_per_output_matches_sklearn(files, chunk, weighted):
    preds, labels, y, yhat, w, _, names = files
    args = ["compute", preds, labels, "--task", "regression", "--format", "json"]
    args += ["--pred-cols", ",".join(names)]
    if chunk:
        args += ["--chunk-size", chunk]
    if weighted:
        args += ["--weight-col", "w"]
    r = run(*args)
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    sw = w if weighted else None
    assert [row["output"] for row in d["per_output"]] == names
    for key, ref in sk_raw(y, yhat, sw).items():
        got = [row[key] for row in d["per_output"]]
        assert got == pytest.approx(ref, rel=1e-9), key
        assert d["metrics"][key] == pytest.approx(float(np.mean(ref)), rel=1e-9), key
    vw = skm.r2_score(y, yhat, sample_weight=sw, multioutput="variance_weighted")
    assert d["metrics"]["r2_variance_weighted"] == pytest.approx(vw, rel=1e-9)


def test_group_by_slices_have_per_output(files):
    preds, labels, y, yhat, _, g, names = files
    r = run(
        "compute", preds, labels, "--task", "regression", "--format", "json",
        "--pred-cols", ",".join(names), "--group-by", "fold",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ("a", "b"):
        sel = g == key
        got = [row["r2"] for row in d["groups"][key]["per_output"]]
        assert got == pytest.approx(sk_raw(y[sel], yhat[sel])["r2"], rel=1e-9)


def test_bootstrap_intervals_cover_the_new_metrics(files):
    preds, labels, *_, names = files
    r = run(
        "compute", preds, labels, "--task", "regression", "--format", "json",
        "--pred-cols", ",".join(names), "--bootstrap", "40", "--seed", "1",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ("explained_variance", "median_absolute_error", "rmsle", "r2_variance_weighted"):
        low, high = d["ci"]["intervals"][key]
        assert low <= d["metrics"][key] <= high, key


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_text_formats_show_each_output(files, fmt):
    preds, labels, *_, names = files
    r = run(
        "compute", preds, labels, "--task", "regression", "--format", fmt,
        "--pred-cols", ",".join(names),
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    for name in names:
        assert name in r.stdout
    if fmt == "csv":
        rows = [line.split(",") for line in r.stdout.splitlines()]
        cells = {tuple(row[:3]) for row in rows}
        for name in names:
            assert ("per_output", "median_absolute_error", name) in cells


def test_gate_on_a_new_metric(files):
    preds, labels, *_, names = files
    base = ["compute", preds, labels, "--task", "regression", "--pred-cols", ",".join(names)]
    assert run(*base, "--fail-if", "explained_variance<0.5").exit_code == 0
    r = run(*base, "--fail-if", "explained_variance>0.5")
    assert r.exit_code == 1


@pytest.mark.slow
def test_dask_engine_gives_the_same_per_output(tmp_path):
    pytest.importorskip("distributed")
    rng = np.random.default_rng(2)
    n = 60
    y = (np.abs(rng.normal(2, 1, (n, 2))) + 0.05).tolist()
    yhat = np.abs(np.array(y) + rng.normal(0, 0.3, (n, 2))).tolist()
    (tmp_path / "p.csv").write_text(
        "id,a,b\n" + "".join(f"{i},{yhat[i][0]!r},{yhat[i][1]!r}\n" for i in range(n))
    )
    (tmp_path / "l.csv").write_text(
        "id,a,b\n" + "".join(f"{i},{y[i][0]!r},{y[i][1]!r}\n" for i in range(n))
    )
    base = ["compute", tmp_path / "p.csv", tmp_path / "l.csv", "--task", "regression"]
    base += ["--format", "json", "--pred-cols", "a,b"]
    local = json.loads(run(*base).stdout)
    r = run(*base, "--engine", "dask", "--workers", "1")
    assert r.exit_code == 0, r.stderr
    dask = json.loads(r.stdout)
    for mine, theirs in zip(dask["per_output"], local["per_output"], strict=True):
        assert mine.pop("output") == theirs.pop("output")
        assert mine == pytest.approx(theirs, rel=1e-12)
    for key, value in local["metrics"].items():
        assert dask["metrics"][key] == pytest.approx(value, rel=1e-12), key
