"""Issue #6: bootstrap intervals (`compute --bootstrap`), `compare`, and `compute --group-by`.

Independent sources: the slice reports are checked against `losscli compute` run on the slice
alone (written out with pandas); interval coverage against the known true accuracy of
synthetic data; the paired test against its defining cases (identical outputs: delta 0 and
p-value 1; a clearly better model: significant) and against scikit-learn's accuracy for the
point values.
"""

from __future__ import annotations

import json
from pathlib import Path

import helpers
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from helpers import invoke

from losscli.bootstrap import bootstrap
from losscli.metrics import ClassificationAccumulator

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def run_json(*args):
    return helpers.run_json(*args, "--format", "json")


@pytest.fixture(scope="module")
def sliced(tmp_path_factory):
    """breast_cancer.csv with a 3-valued `site` column and a numeric `fold` column."""
    d = tmp_path_factory.mktemp("slices")
    df = pd.read_csv(SAMPLES / "breast_cancer.csv")
    df["site"] = np.array(["north", "south", "east"])[df["id"].to_numpy() % 3]
    df["fold"] = df["id"].to_numpy() % 2
    path = d / "bc.csv"
    df.to_csv(path, index=False)
    return d, df, path


# --------------------------------------------------------------------------------------------
# --group-by
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["site", "fold"])
def test_each_slice_equals_compute_on_that_slice_alone(sliced, column):
    d, df, path = sliced
    other = "fold" if column == "site" else "site"
    report = run_json("compute", path, "--group-by", column, "--pred-cols", "prob")
    assert report["group_by"] == column
    assert sorted(report["groups"]) == sorted(str(v) for v in df[column].unique())
    assert sum(g["n_samples"] for g in report["groups"].values()) == report["n_samples"]
    for key, part in report["groups"].items():
        alone = df[df[column].astype(str) == key].drop(columns=[column, other])
        f = d / f"alone_{column}_{key}.csv"
        alone.to_csv(f, index=False)
        ref = run_json("compute", f)
        assert part["n_samples"] == ref["n_samples"]
        assert part["losses"] == ref["losses"]
        assert part["metrics"] == ref["metrics"]
        assert part["confusion_matrix"] == ref["confusion_matrix"]
        assert part["per_class"] == ref["per_class"]


def test_group_by_multiclass_matches_slices_and_streaming(tmp_path):
    logits = np.load(SAMPLES / "digits_logits.npy")
    labels = np.load(SAMPLES / "digits_labels.npy")
    df = pd.DataFrame(logits, columns=[f"logit:{i}" for i in range(10)])
    df.insert(0, "label", labels)
    df["batch"] = np.arange(len(df)) % 4
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    whole = run_json("compute", path, "--group-by", "batch", "--bootstrap", "0")
    chunked = run_json("compute", path, "--group-by", "batch", "--chunk-size", "37")
    for key in whole["groups"]:
        assert chunked["groups"][key]["metrics"] == pytest.approx(whole["groups"][key]["metrics"])
        alone = df[df["batch"] == int(key)].drop(columns="batch")
        f = tmp_path / f"b{key}.csv"
        alone.to_csv(f, index=False)
        ref = run_json("compute", f)
        assert whole["groups"][key]["losses"]["ce"] == pytest.approx(ref["losses"]["ce"], 1e-12)
        assert whole["groups"][key]["metrics"]["accuracy"] == skm.accuracy_score(
            alone["label"], alone[[f"logit:{i}" for i in range(10)]].to_numpy().argmax(1)
        )


def test_group_by_small_slices_warn_and_table_marks_the_worst(sliced):
    _, _, path = sliced
    site = ("--group-by", "site", "--pred-cols", "prob")  # 'fold' is no score
    r = invoke("compute", path, *site, "--min-group-size", "60", "--format", "json")
    assert r.exit_code == 0
    warnings = json.loads(r.stdout)["warnings"]
    assert any(w.startswith("--group-by 'site': ") and "below 60 rows" in w for w in warnings)
    table = invoke("compute", path, *site, "--format", "table").stdout
    assert "Slices by site (▼ the worst slice)" in table
    assert "▼" in table.split("Slices by site")[1]
    md = invoke("compute", path, *site, "--format", "markdown").stdout
    assert "### Slices by `site`" in md
    csv_text = invoke("compute", path, *site, "--format", "csv").stdout
    assert "group,n_samples,north," in csv_text


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (["1.5", "nan", ""], "'1.5' (1), 'nan' (1), '(missing)' (1)"),
        (["eu", "us", "us"], "'eu' (1), 'us' (2)"),
        (["7", "7", "007"], "'007' (1), '7' (2)"),
    ],
    ids=["floats and missing", "text", "ids as written"],
)
def test_small_slices_warning_names_the_keys_as_text(tmp_path, values, shown):
    # the keys were numpy strings, which numpy 2 shows as np.str_('1.5') in the warning
    path = tmp_path / "g.csv"
    rows = zip([0, 1, 0], [0.2, 0.7, 0.3], values)
    path.write_text("label,p,g\n" + "".join(f"{y},{p},{g}\n" for y, p, g in rows))
    r = invoke("compute", path, "--group-by", "g", "--format", "json")
    assert r.exit_code == 0, r.stderr
    n = len(set(values))
    want = (
        f"--group-by 'g': {n} slices below 30 rows (--min-group-size), so their numbers are "
        f"noisy: {shown}"
    )
    assert json.loads(r.stdout)["warnings"] == [want]
    assert r.stderr == f"warning: {want}\n"


def test_group_by_unknown_column_is_an_input_error(sliced):
    _, _, path = sliced
    r = invoke("compute", path, "--group-by", "region")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"Error: --group-by: {path} has no column 'region'; its columns")


def test_group_by_too_many_values_is_refused(tmp_path):
    n = 1200
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"label": rng.integers(0, 2, n), "prob": rng.random(n), "g": np.arange(n)})
    path = tmp_path / "many.csv"
    df.to_csv(path, index=False)
    r = invoke("compute", path, "--group-by", "g")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        "Error: --group-by 'g' has more than 1000 distinct values; group by a column with "
        "fewer values (an id column is not a slice)\n"
    )


# --------------------------------------------------------------------------------------------
# --bootstrap
# --------------------------------------------------------------------------------------------


def test_bootstrap_json_block_and_reproducibility(sliced):
    _, _, path = sliced
    a = run_json("compute", path, "--bootstrap", "300", "--seed", "7", "--pred-cols", "prob")
    b = run_json("compute", path, "--bootstrap", "300", "--seed", "7", "--pred-cols", "prob")
    c = run_json("compute", path, "--bootstrap", "300", "--seed", "8", "--pred-cols", "prob")
    ci = a["ci"]
    assert {k: ci[k] for k in ("level", "n_boot", "method", "seed")} == {
        "level": 0.95,
        "n_boot": 300,
        "method": "percentile",
        "seed": 7,
    }
    assert ci == b["ci"]
    assert ci["intervals"] != c["ci"]["intervals"]
    assert "n_boot=300|ci_level=0.95|ci_method=percentile|seed=7" in a["signature"]
    for name in ("bce", "accuracy", "f1", "roc_auc", "mcc", "brier", "ece"):
        low, high = ci["intervals"][name]
        value = a["losses"].get(name, a["metrics"].get(name))
        assert low <= value <= high, name
        assert high - low > 0
    assert set(ci["intervals"]) == {k for k, v in {**a["losses"], **a["metrics"]}.items() if v}


def test_bootstrap_interval_matches_a_direct_resampling_of_the_rows(tmp_path):
    """The engine's resampled accuracy equals scikit-learn on rows drawn by the same seed."""
    rng = np.random.default_rng(3)
    n = 200
    y = rng.integers(0, 2, n)
    p = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False)
    d = run_json("compute", path, "--bootstrap", "200", "--seed", "11")
    from losscli.bootstrap import count_blocks

    accs = []
    for counts in count_blocks(n, 200, seed=11):
        for c in counts:
            idx = np.repeat(np.arange(n), c)
            accs.append(skm.accuracy_score(y[idx], (p[idx] > 0.5).astype(int)))
    low, high = np.quantile(accs, [0.025, 0.975])
    assert d["ci"]["intervals"]["accuracy"] == pytest.approx([low, high], abs=1e-12)


@pytest.mark.slow
def test_bootstrap_coverage_of_a_known_accuracy():
    """Over 200 synthetic datasets with true accuracy 0.8, the 95% interval covers it ~95%.

    200 trials give the coverage a standard error of 1.5%; the band is three of them. The
    replicates' accuracy is the count-weighted share of right rows, which is what the
    accumulator's ``resample`` gives (checked on the first trial; ``resample`` itself is checked
    against repeated rows in tests/metrics/test_metrics_resample.py): computing every metric of
    200 x 200 replicates through ``resample`` took 11 s for one number.
    """
    true_acc, n, trials = 0.8, 300, 200
    rng = np.random.default_rng(2026)
    covered = 0
    for t in range(trials):
        y = rng.integers(0, 2, n).astype(np.float64)
        right = rng.random(n) < true_acc
        p = np.where(right == (y == 1), 0.9, 0.1)

        def stat(counts, right=right):
            c = counts.astype(np.float64)  # uint8 (b, n): a matmul in uint8 would wrap
            return {"accuracy": c @ right / c.sum(axis=1)}

        if t == 0:
            acc = ClassificationAccumulator("binary", 2, keep_rows=True)
            acc.update(y, p)
            counts = np.random.default_rng(0).poisson(1.0, (50, n)).astype(np.uint8)
            via_resample = [m["accuracy"] for m in acc.resample(counts)]
            assert stat(counts)["accuracy"] == pytest.approx(via_resample, rel=1e-12)
        ci, _ = bootstrap(stat, n, n_boot=200, level=0.95, seed=t)
        low, high = ci["accuracy"]
        covered += low <= true_acc <= high
    assert 0.905 <= covered / trials <= 0.995, covered / trials


def test_bootstrap_table_shows_plus_minus(sliced):
    _, _, path = sliced
    out = invoke("compute", path, "--bootstrap", "100", "--format", "table", "--pred-cols", "prob")
    assert "95% CI (100 resamples)" in out.stdout
    assert "± " in out.stdout


def test_bad_bootstrap_options(sliced):
    _, _, path = sliced
    r = invoke("compute", path, "--bootstrap", "-1")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == "Error: --bootstrap must be 0 (off) or a number of resamples, got -1\n"
    r = invoke("compute", path, "--bootstrap", "10", "--ci", "95")
    assert r.exit_code == 2
    assert r.stderr == "Error: --ci must be a level between 0 and 1, e.g. 0.95; got 95.0\n"


# --------------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    """Labels and two models' logits: B is clearly better than A on 2,000 rows."""
    d = tmp_path_factory.mktemp("compare")
    rng = np.random.default_rng(5)
    n, k = 2000, 4
    y = rng.integers(0, k, n)
    signal = np.eye(k)[y]
    a = 1.0 * signal + rng.normal(0, 1.0, (n, k))
    b = 2.0 * signal + rng.normal(0, 1.0, (n, k))
    cols = [f"logit:{i}" for i in range(k)]
    for name, m in (("a", a), ("b", b)):
        df = pd.DataFrame(m, columns=cols)
        df.insert(0, "label", y)
        df.to_csv(d / f"{name}.csv", index=False)
    return d, y, a, b


def test_compare_identical_files_give_delta_zero_and_p_one(two_models):
    d, *_ = two_models
    out = run_json("compare", d / "a.csv", d / "a.csv", "--bootstrap", "200", "--permutations",
                   "200")  # fmt: skip
    assert out["n_samples"] == 2000
    for name, m in out["metrics"].items():
        if m["a"] is None:
            continue
        assert m["delta"] == 0.0, name
        assert m["p_value"] == 1.0, name
        assert m["ci"] == [0.0, 0.0], name
        assert m["significant"] is False and m["better"] is None


def test_compare_clearly_better_model_is_significant(two_models):
    d, y, a, b = two_models
    out = run_json("compare", d / "a.csv", d / "b.csv", "--bootstrap", "300", "--permutations",
                   "300", "--seed", "1")  # fmt: skip
    acc = out["metrics"]["accuracy"]
    assert acc["a"] == skm.accuracy_score(y, a.argmax(1))
    assert acc["b"] == skm.accuracy_score(y, b.argmax(1))
    assert acc["delta"] == pytest.approx(acc["b"] - acc["a"], abs=1e-15)
    assert acc["significant"] and acc["better"] == "b"
    assert acc["p_value"] == pytest.approx(1 / 301)
    low, high = acc["ci"]
    assert 0 < low < acc["delta"] < high
    ce = out["metrics"]["ce"]
    assert ce["lower_is_better"] and ce["delta"] < 0 and ce["better"] == "b"
    assert "n_boot=300|n_permutations=300" in out["signature"]


def test_compare_fail_if_worse(two_models):
    d, *_ = two_models
    r = invoke("compare", d / "b.csv", d / "a.csv", "--bootstrap", "100", "--permutations", "100",
            "--fail-if-worse", "f1_macro", "--format", "json")  # fmt: skip
    assert r.exit_code == 1
    assert json.loads(r.stdout)["metrics"]["f1_macro"]["better"] == "a"
    assert r.stderr.splitlines()[-1] == "Error: 1 of 1 --fail-if-worse checks failed"
    assert r.stderr.startswith("failed: B is significantly worse than A on f1_macro (B − A = -")
    ok = invoke("compare", d / "a.csv", d / "b.csv", "--bootstrap", "50", "--permutations", "50",
             "--fail-if-worse", "f1_macro", "--fail-if-worse", "ce", "--format", "csv")  # fmt: skip
    assert ok.exit_code == 0
    assert ok.stdout.startswith("name,a,b,delta,ci_low,ci_high,p_value,significant,better\n")


@pytest.mark.slow
def test_compare_refuses_files_with_other_rows(two_models, tmp_path):
    d, *_ = two_models
    df = pd.read_csv(d / "b.csv").iloc[::-1]
    df.to_csv(tmp_path / "shuffled.csv", index=False)
    r = invoke("compare", d / "a.csv", tmp_path / "shuffled.csv")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"Error: {d / 'a.csv'} and {tmp_path / 'shuffled.csv'} do not hold the same rows "
        "(labels, weights or ids differ, or the rows are in another order); compare pairs row "
        "i of A with row i of B\n"
    )
    pd.read_csv(d / "b.csv").iloc[:100].to_csv(tmp_path / "short.csv", index=False)
    r = invoke("compare", d / "a.csv", tmp_path / "short.csv")
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: {d / 'a.csv'} has 2000 rows and {tmp_path / 'short.csv'} has 100; compare "
        "needs both models' outputs for the same rows\n"
    )
    r = invoke("compare", d / "a.csv", d / "b.csv", "--fail-if-worse", "f2")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: --fail-if-worse: no loss or metric 'f2'; choose from ce,")


def test_fail_if_on_interval_bounds(sliced):
    _, _, path = sliced
    args = ("compute", path, "--pred-cols", "prob", "--bootstrap", "300", "--format", "json")
    d = json.loads(invoke(*args).stdout)
    low = d["ci"]["intervals"]["f1"][0]
    r = invoke(*args, "--fail-if", f"f1.low < {low + 1e-3}")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"failed: f1.low < {low + 1e-3} (f1.low = {low:.6g})\n")
    assert invoke(*args, "--fail-if", f"f1.low < {low - 1e-3}").exit_code == 0
    r = invoke("compute", path, "--pred-cols", "prob", "--fail-if", "f1.low < 0.9")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        "Error: --fail-if 'f1.low < 0.9': 'f1.low' is a bootstrap interval bound; add "
        "--bootstrap N (e.g. --bootstrap 1000)\n"
    )
