"""The metric catalog (``losscli.metrics.catalog``) against what the code emits and documents.

Every metric name ``compute`` writes on each sample file (``--loss all``, and ``--top-k``) is
in the catalog for that task, and every catalog name is written by some run (vice versa);
``fbeta*`` (the Python API's ``beta``) against the accumulators; the per-class and per-output
fields; the catalog's tasks against docs/CONTRACTS.md's metric table; the readers of the
catalog (``lower_is_better``, the per-slice headline metrics).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dense_data import write_dense
from helpers import run_json

from losscli.metrics import ClassificationAccumulator, RegressionAccumulator, catalog
from losscli.report import lower_is_better

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "sample_data"


def contract_metrics() -> dict[str, tuple[set[str], str]]:
    """docs/CONTRACTS.md's metric table: name -> (tasks, when)."""
    text = (ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    body = text.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in body.splitlines() if ln.startswith("| `")]
    out = {}
    for ln in rows:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        out[cells[0].strip("`")] = ({t.strip() for t in cells[1].split(",")}, cells[2].strip("`"))
    assert out, "no metric table in docs/CONTRACTS.md"
    return out


RUNS = {
    "breast_cancer": ("binary", [DATA / "breast_cancer.csv"]),
    "breast_cancer_logits": ("binary", [DATA / "breast_cancer_logits.csv"]),
    "digits_logits": ("multiclass", [DATA / "digits_logits.csv"]),
    "digits_npy": ("multiclass", [DATA / "digits_logits.npy", DATA / "digits_labels.npy"]),
    "digits_names": ("multiclass", [DATA / "digits_names.csv"]),
    "digits_parquet": ("multiclass", [DATA / "digits_probs.parquet"]),
    "digit_attrs": (
        "multilabel",
        [DATA / "digit_attrs_logits.csv", DATA / "digit_attrs_labels.csv"],
    ),
    "diabetes": ("regression", [DATA / "diabetes.csv", "--task", "regression"]),
}


def run(args: list) -> dict:
    return run_json("compute", *args, "--format", "json")


CASES = (
    [(s, ["--loss", "all"]) for s in RUNS]
    + [(s, ["--top-k", "3"]) for s, (task, _) in RUNS.items() if task == "multiclass"]
    + [(s, ["--top-k", "1,5"]) for s, (task, _) in RUNS.items() if task == "multiclass"]
    + [(s, ["--beta", "2"]) for s, (task, _) in RUNS.items() if task != "regression"]
    + [(s, ["--max-fpr", "0.2"]) for s, (task, _) in RUNS.items() if task == "binary"]
)


@pytest.mark.parametrize("sample, extra", CASES, ids=[f"{s}{' '.join(e)}" for s, e in CASES])
def test_emitted_names_are_the_catalog(sample, extra):
    task, args = RUNS[sample]
    d = run([*args, *extra])
    assert d["task"] == task
    opt, value = extra
    top_k: bool | list[int] = False
    if opt == "--top-k":
        top_k = [int(k) for k in value.split(",")] if "," in value else True
    nll = task == "multiclass"  # ce among the losses: perplexity
    expected = catalog.names(
        task, top_k=top_k, beta=opt == "--beta", max_fpr=opt == "--max-fpr", nll=nll
    )
    assert list(d["metrics"]) == expected
    fields = [f for f, when in catalog.PER_CLASS_FIELDS if when == "always" or when == opt]
    for row in d["per_class"]:
        assert list(row) == fields


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_dense_names_are_the_catalog(task, tmp_path):
    d = run([*write_dense(tmp_path, task), "--loss", "all"])
    assert d["task"] == task
    nll = task == "multiclass"
    assert list(d["metrics"]) == catalog.names(task, nll=nll, dense=True)


def test_every_catalog_name_is_emitted_by_some_run(tmp_path):
    emitted: set[str] = set()
    for task in ("binary", "multiclass", "multilabel"):
        emitted |= {catalog.info(n).name for n in run(write_dense(tmp_path, task))["metrics"]}
    for sample, extra in CASES:
        emitted |= {catalog.info(n).name for n in run([*RUNS[sample][1], *extra])["metrics"]}
    assert emitted == set(catalog.all_names())


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_fbeta_names_from_the_accumulator(task):
    c = {"binary": 2, "multiclass": 3, "multilabel": 2}[task]
    acc = ClassificationAccumulator(task, c, beta=2.0, max_fpr=0.5 if task == "binary" else None)
    if task == "binary":
        acc.update(np.array([0.0, 1.0]), np.array([0.25, 0.75]))
    elif task == "multiclass":
        acc.update(np.array([0, 1, 2]), np.eye(3) * 0.5 + 1 / 6)
    else:
        acc.update(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.75, 0.25], [0.5, 0.75]]))
    res = acc.result()
    assert list(res.metrics) == catalog.names(task, beta=True, max_fpr=task == "binary")
    assert list(res.per_class[0]) == [f for f, _ in catalog.PER_CLASS_FIELDS]


def test_per_output_fields():
    acc = RegressionAccumulator()
    acc.update(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.5, 2.0], [2.0, 4.0]]))
    res = acc.result()
    assert [list(row) for row in res.per_output] == [list(catalog.PER_OUTPUT_FIELDS)] * 2
    assert list(res.metrics) == catalog.names("regression")


def test_catalog_tasks_and_options_match_the_contracts_doc():
    ours = {m.name: (set(m.tasks), m.when) for m in catalog.METRICS}
    assert ours == contract_metrics()


@pytest.mark.parametrize("m", catalog.METRICS, ids=lambda m: m.name)
def test_readers_follow_the_catalog(m):
    assert lower_is_better(m.name) is (not m.higher_is_better)
    assert m.group in {
        "accuracy",
        "positive class",
        "averages",
        "samples",
        "agreement",
        "ranking",
        "calibration",
        "error",
        "segmentation",
    }


def test_direction_of_each_kind():
    lower = {m.name for m in catalog.METRICS if not m.higher_is_better}
    assert lower == {
        "log_loss",
        "brier",
        "ece",
        "perplexity",
        "hamming_loss",
        "mse",
        "rmse",
        "mae",
        "mape",
        "rmsle",
        "median_absolute_error",
        "max_error",
    }
    assert catalog.headline() == [
        "accuracy",
        "f1",
        "f1_macro",
        "f1_samples",
        "roc_auc",
        "roc_auc_macro",
        "log_loss",
        "mse",
        "mae",
        "r2",
    ]


def test_table_order_names_catalog_metrics():
    assert set(catalog.TABLE_FIRST) <= set(catalog.all_names())
    assert len(set(catalog.TABLE_FIRST)) == len(catalog.TABLE_FIRST)
