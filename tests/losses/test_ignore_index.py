"""Rows with the ``--ignore-index`` label: counted in ``n_samples``, in no statistic.

Every number of a file with ignored rows must equal the same number of that file with those
rows deleted: the losses (torch ``F.cross_entropy(..., ignore_index=-100)`` averages over
the kept rows), the per-sample ``loss_stats``, the metrics, the per-class table, the
confusion matrix, each ``--group-by`` slice, the loss histogram and the bootstrap's
per-resample statistics. The per-sample file keeps the ignored rows (so it lines up with the
input) with label ``(ignored)`` and an empty (null) loss, which pandas skips.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import assert_same_json, invoke

from losscli.engine import Evaluation, Options

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "losses.json").read_text())


def write(path: Path, y: np.ndarray, z: np.ndarray, w=None, g=None) -> Path:
    """A CSV of label, logits (a, b, c, ...), optional weight and group columns."""
    names = [chr(ord("a") + j) for j in range(z.shape[1])]
    header = ["label", *names] + (["w"] if w is not None else []) + (["g"] if g is not None else [])
    lines = [",".join(header)]
    for i in range(len(y)):
        row = [str(int(y[i])), *(repr(float(v)) for v in z[i])]
        row += [repr(float(w[i]))] if w is not None else []
        row += [str(g[i])] if g is not None else []
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def data(n: int, c: int = 4, seed: int = 0, ignore: int = -100, every: int = 5):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2.0, size=(n, c))
    y = rng.integers(0, c, n)
    y[y == ignore] = 0  # only the chosen rows carry the ignore label
    ignored = np.zeros(n, bool)
    ignored[rng.permutation(n)[: n // every]] = True
    y[ignored] = ignore
    w = rng.uniform(0.2, 3.0, n)
    g = rng.choice(["eu", "us", "apac"], n)
    return y, z, w, g, ~ignored


def compute(*args) -> dict:
    r = invoke(["compute", *args, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


NUMBERS = ("losses", "loss_stats", "metrics", "per_class", "confusion_matrix")


@pytest.mark.parametrize("chunk", [1, 7, 100_000])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "extra",
    [
        ["--loss", "all"],
        ["--loss", "ce", "--label-smoothing", "0.1", "--class-weights", "1,2,0.5,1"],
        ["--loss", "focal", "--ignore-index", "3"],
    ],
    ids=["all", "ce-smoothed-weighted", "focal-ignore-3"],
)
def test_ignored_rows_equal_deleted_rows(tmp_path, chunk, weighted, extra):
    ignore = int(extra[extra.index("--ignore-index") + 1]) if "--ignore-index" in extra else -100
    y, z, w, g, kept = data(60, ignore=ignore)
    wcol = w if weighted else None
    full = write(tmp_path / "full.csv", y, z, wcol, g)
    cut = write(
        tmp_path / "cut.csv", y[kept], z[kept], None if wcol is None else wcol[kept], g[kept]
    )
    opts = ["--pred-cols", "a,b,c,d", "--chunk-size", chunk, "--group-by", "g", *extra]
    opts += ["--weight-col", "w"] if weighted else []
    a, b = compute(full, *opts), compute(cut, *opts)
    n_ign = int((~kept).sum())
    assert (a["n_samples"], a["n_evaluated"], a["n_ignored"]) == (60, 60 - n_ign, n_ign)
    assert (b["n_samples"], b["n_evaluated"], b["n_ignored"]) == (60 - n_ign, 60 - n_ign, 0)
    for key in NUMBERS:
        assert_same_json(a[key], b[key], key, rel=1e-12, abs=1e-15)
    assert a["groups"].keys() == b["groups"].keys()
    for key, part in a["groups"].items():
        ign = int(((~kept) & (g == key)).sum())
        assert part["n_ignored"] == ign
        assert part["n_evaluated"] == part["n_samples"] - ign == b["groups"][key]["n_evaluated"]
        for k in NUMBERS:
            assert_same_json(
                part[k], b["groups"][key][k], f"groups.{key}.{k}", rel=1e-12, abs=1e-15
            )


@pytest.mark.parametrize(
    "case_id, args",
    [
        ("multiclass/ce/logits/mc_y_ign/mc_logits/", []),
        (
            "multiclass/ce/logits/mc_y/mc_logits/ignore_index=2,class_weights=[0.5, 2.0, 1.0, "
            "0.0, 3.0],label_smoothing=0.1",
            ["--ignore-index", "2", "--class-weights", "0.5,2,1,0,3", "--label-smoothing", "0.1"],
        ),
    ],
    ids=["default-ignore", "ignore-2-weighted-smoothed"],
)
def test_torch_golden_mean_and_stats_of_kept_rows(tmp_path, case_id, args):
    # expected values: torch.nn.functional.cross_entropy(logits, y, ignore_index=...,
    # reduction="mean" / "none") from tests/golden/losses.json (make_loss_golden.py, ce_ref)
    case = next(c for c in GOLDEN["cases"] if c["id"] == case_id)
    y = np.asarray(GOLDEN["inputs"][case["y_true"]]["data"])
    z = np.asarray(GOLDEN["inputs"][case["y_pred"]]["data"], dtype=float)
    ignore = case["params"].get("ignore_index", -100)
    kept = y != ignore
    f = write(tmp_path / "p.csv", y, z)
    d = compute(f, "--pred-cols", "a,b,c,d,e", "--loss", "ce", *args)
    assert d["losses"]["ce"] == pytest.approx(case["value"], rel=1e-6)
    torch_rows = np.asarray(case["per_sample"])[kept]  # torch's reduction="none" values
    s = d["loss_stats"]["ce"]
    assert s["sum"] == pytest.approx(torch_rows.sum(), rel=1e-6)
    assert s["std"] == pytest.approx(torch_rows.std(), rel=1e-6)
    assert s["min"] == pytest.approx(torch_rows.min(), rel=1e-6)
    assert s["max"] == pytest.approx(torch_rows.max(), rel=1e-6)
    assert (d["n_samples"], d["n_evaluated"], d["n_ignored"]) == (len(y), kept.sum(), (~kept).sum())


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_per_sample_file_keeps_ignored_rows_with_null_loss(tmp_path, suffix):
    y, z, _, _, kept = data(40, seed=3)
    f = write(tmp_path / "p.csv", y, z)
    out = tmp_path / f"rows{suffix}"
    r = invoke(["compute", f, "--pred-cols", "a,b,c,d", "--loss", "ce", "--loss", "hinge",
                "--per-sample", out, "--format", "json"])  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    df = {".csv": pd.read_csv, ".jsonl": lambda p: pd.read_json(p, lines=True, precise_float=True),
          ".parquet": pd.read_parquet}[suffix](out)  # fmt: skip
    assert len(df) == d["n_samples"] == 40
    assert df["row"].tolist() == list(range(1, 41))
    assert (df["label"] == "(ignored)").tolist() == (~kept).tolist()
    for name in ("ce", "hinge"):
        assert df[name].isna().tolist() == (~kept).tolist()
        assert df[name].count() == d["n_evaluated"]
        # pandas skips the nulls: the mean of the column is the unweighted loss
        assert df[name].mean() == pytest.approx(d["losses"][name], rel=1e-12)
        assert df[name].std(ddof=0) == pytest.approx(d["loss_stats"][name]["std"], rel=1e-12)
        assert df[name].min() == d["loss_stats"][name]["min"]


def test_histograms_and_table_count_evaluated_rows(tmp_path):
    from losscli.cli.compute import run_data
    from losscli.render.histogram import text_histograms

    y, z, _, _, kept = data(50, seed=5)
    f = write(tmp_path / "p.csv", y, z)
    ev = Evaluation(f, None, Options(pred_cols="a,b,c,d", keep_loss_values=True))
    rep = ev.run()
    h = text_histograms(rep.to_dict(), run_data(ev))
    n_kept = int(kept.sum())
    assert h["loss"]["series"][0]["n"] == n_kept == rep.to_dict()["n_evaluated"]
    assert sum(s["n"] for s in h["probabilities"]["series"]) == n_kept
    assert np.array_equal(ev.loss_values["ce"].size, n_kept)
    r = invoke(["compute", f, "--pred-cols", "a,b,c,d", "--format", "table"])
    head = r.stdout.splitlines()[0]
    assert head == (
        f"losscli multiclass · scores logits · 50 samples · {n_kept} evaluated, "
        f"{50 - n_kept} ignored (--ignore-index)"
    )
    assert f"ce per sample  (n={n_kept}" in r.stdout


def test_csv_and_markdown_carry_the_counts(tmp_path):
    y, z, _, g, kept = data(30, seed=6)
    f = write(tmp_path / "p.csv", y, z, None, g)
    n_ign = int((~kept).sum())
    r = invoke(["compute", f, "--pred-cols", "a,b,c,d", "--format", "csv", "--group-by", "g"])
    lines = r.stdout.splitlines()
    assert f"info,n_evaluated,,{30 - n_ign}," in lines and f"info,n_ignored,,{n_ign}," in lines
    eu = int(((~kept) & (g == "eu")).sum())
    assert f"group,n_ignored,eu,{eu}," in lines
    r = invoke(["compute", f, "--pred-cols", "a,b,c,d", "--format", "markdown"])
    assert (
        f"**samples** 30 · **evaluated** {30 - n_ign} · **ignored** {n_ign} (--ignore-index)"
        in r.stdout
    )


def test_no_ignored_rows_means_every_row_is_evaluated(tmp_path):
    y, z, _, _, kept = data(20, seed=7)
    f = write(tmp_path / "p.csv", y[kept], z[kept])
    d = compute(f, "--pred-cols", "a,b,c,d")
    assert d["n_evaluated"] == d["n_samples"] == int(kept.sum()) and d["n_ignored"] == 0


def test_bootstrap_resamples_leave_ignored_rows_out(tmp_path):
    y, z, w, _, kept = data(80, seed=8)
    full = write(tmp_path / "full.csv", y, z, w)
    cut = write(tmp_path / "cut.csv", y[kept], z[kept], w[kept])
    opts = dict(pred_cols="a,b,c,d", weight_col="w", losses=["ce", "focal"], keep_rows=True)
    runs = []
    for f in (full, cut):
        ev = Evaluation(f, None, Options(**opts))
        ev.consume()
        runs.append(ev)
    counts = np.random.default_rng(0).poisson(1.0, size=(6, 80)).astype(float)
    got = runs[0].resample_stat()(counts)
    want = runs[1].resample_stat()(counts[:, kept])
    assert got.keys() == want.keys()
    for name in got:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-15, err_msg=name)
