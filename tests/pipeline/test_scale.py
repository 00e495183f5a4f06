"""Issue #5: streamed results equal one pass; the binned ranking mode (--auc-bins).

Independent sources: the one-pass run itself (chunk size larger than the file) for the
streaming property, and scikit-learn's roc_auc_score / average_precision_score for the bound
that --auc-bins states.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import helpers
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from helpers import assert_same_json, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow  # see pyproject's markers; `-m "not slow"` skips it

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"

CASES = {
    "binary": [SAMPLES / "breast_cancer.csv"],
    # --scores auto decides from the first rows, and one row of logits can be ambiguous
    "binary-logits": [SAMPLES / "breast_cancer_logits.csv", "--scores", "logits"],
    "multiclass-npy": [SAMPLES / "digits_logits.npy", SAMPLES / "digits_labels.npy"],
    "multiclass-parquet": [SAMPLES / "digits_probs.parquet"],
    "multilabel": [SAMPLES / "digit_attrs_logits.csv", SAMPLES / "digit_attrs_labels.csv"],
    "regression": [SAMPLES / "diabetes.csv", "--task", "regression"],
}


def run_json(*args):
    return helpers.run_json(*args, "--format", "json")


ONE_PASS = {
    name: run_json("compute", *files, "--loss", "all", "--chunk-size", "1000000")
    for name, files in CASES.items()
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunk=st.integers(1, 600))
def test_streamed_equals_one_pass(name, chunk):
    streamed = run_json("compute", *CASES[name], "--loss", "all", "--chunk-size", str(chunk))
    assert_same_json(streamed, ONE_PASS[name], rel=1e-12, abs=1e-12)


def test_auc_bins_states_a_bound_that_holds(tmp_path):
    rng = np.random.default_rng(0)
    n = 20_000
    y = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(2.0 * y - 1 + rng.normal(0, 1.5, n))))
    path = tmp_path / "b.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False)
    d = run_json("compute", path, "--auc-bins", "256")
    warning = next(w for w in d["warnings"] if w.startswith("roc_auc and average_precision"))
    assert "binned (--auc-bins 256)" in warning
    auc_bound = float(warning.split("roc_auc is within ")[1].split(" ")[0])
    ap_bound = float(warning.split("average_precision within ")[1].rstrip("."))
    assert abs(d["metrics"]["roc_auc"] - skm.roc_auc_score(y, p)) <= auc_bound
    assert abs(d["metrics"]["average_precision"] - skm.average_precision_score(y, p)) <= ap_bound
    assert "auc_bins=256" in d["signature"]
    exact = run_json("compute", path)
    assert exact["metrics"]["accuracy"] == d["metrics"]["accuracy"]  # only ranking is binned


def test_auc_bins_refuses_plots_and_bad_values(tmp_path):
    r = invoke("compute", CASES["binary"][0], "--auc-bins", "64", "--plot", tmp_path)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        "Error: --plot draws ROC and precision-recall curves from the scores, which --auc-bins "
        "does not keep; drop one of the two\n"
    )
    r = invoke("compute", CASES["binary"][0], "--auc-bins", "1")
    assert r.exit_code == 2
    assert r.stderr == "Error: --auc-bins must be >= 2, got 1\n"


def test_npy_run_imports_neither_pandas_nor_pyarrow():
    code = (
        "import sys\nfrom losscli.engine import evaluate\n"
        f"evaluate({str(CASES['multiclass-npy'][0])!r}, {str(CASES['multiclass-npy'][1])!r})\n"
        "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
