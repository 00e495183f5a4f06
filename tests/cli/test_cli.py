"""`losscli compute` end to end through click's CliRunner.

Reference values: torch 2.13 ``nn.BCELoss()(tensor([0.9, 0.1, 0.4]), tensor([1., 0., 1.]))`` =
0.375671, ``nn.CrossEntropyLoss()(tensor([[2.0, 1.0, 0.1]]), tensor([0]))`` = 0.417030,
``nn.BCEWithLogitsLoss()`` on the 3 x 3 multi-label logits below = 0.411387, and scikit-learn
live for the metrics.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sklearn.metrics as skm
from helpers import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def run_json(*args, input=None):
    r = invoke("compute", *args, input=input)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def write_csv(path: Path, header: list[str], rows) -> Path:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# worked values
# --------------------------------------------------------------------------------------------


def test_bce_on_probabilities_torch_value(tmp_path):
    f = write_csv(tmp_path / "p.csv", ["label", "prob"], [(1, 0.9), (0, 0.1), (1, 0.4)])
    d = run_json(f)
    assert d["task"] == "binary" and d["scores"] == "probs"
    assert d["losses"]["bce"] == pytest.approx(0.375671, abs=5e-7)  # torch nn.BCELoss


def test_ce_on_logits_torch_value(tmp_path):
    f = write_csv(tmp_path / "z.csv", ["label", "a", "b", "c"], [(0, 2.0, 1.0, 0.1), (1, 0, 1, 0)])
    d = run_json(f, "--loss", "ce")
    # row 1: torch nn.CrossEntropyLoss = 0.417030; row 2 is log(2 + e) - 1 (hand-computed)
    expected = (0.417030 + (np.log(2 + np.e) - 1)) / 2
    assert d["losses"]["ce"] == pytest.approx(expected, abs=1e-6)
    assert d["classes"] == ["a", "b", "c"]


def test_multilabel_bce_two_files_torch_value(tmp_path):
    logits = np.array(
        [[-0.8858, 0.3241, 0.9456], [1.4887, 1.8076, -0.0565], [-1.6529, -1.8539, 0.6756]]
    )
    targets = np.array([[0, 1, 1], [1, 1, 1], [0, 0, 0]])
    np.save(tmp_path / "z.npy", logits)
    np.save(tmp_path / "y.npy", targets)
    d = run_json(tmp_path / "z.npy", tmp_path / "y.npy")
    assert (d["task"], d["scores"]) == ("multilabel", "logits")
    assert d["losses"]["bce"] == pytest.approx(0.4113868, abs=5e-6)  # torch nn.BCEWithLogitsLoss


# --------------------------------------------------------------------------------------------
# sample data, metrics against scikit-learn
# --------------------------------------------------------------------------------------------


def test_digits_metrics_match_sklearn():
    d = run_json(SAMPLES / "digits_logits.npy", SAMPLES / "digits_labels.npy", "--top-k", "3")
    z = np.load(SAMPLES / "digits_logits.npy")
    y = np.load(SAMPLES / "digits_labels.npy")
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    pred = p.argmax(1)
    m = d["metrics"]
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert m["f1_macro"] == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-12)
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-12)
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert m["top_k_accuracy"] == pytest.approx(skm.top_k_accuracy_score(y, p, k=3), abs=1e-12)
    assert m["roc_auc_macro"] == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovr", average="macro"), abs=1e-12
    )
    assert d["losses"]["ce"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert d["confusion_matrix"] == skm.confusion_matrix(y, pred).tolist()


def test_regression_sample():
    # whole-number targets are quantities only when --task regression says so
    d = run_json(SAMPLES / "diabetes.csv", "--task", "regression", "--loss", "mse", "--loss", "mae")
    raw = np.genfromtxt(SAMPLES / "diabetes.csv", delimiter=",", names=True)
    y, yhat = raw["target"], raw["prediction"]
    assert d["task"] == "regression"
    assert d["losses"]["mse"] == pytest.approx(skm.mean_squared_error(y, yhat), rel=1e-12)
    assert d["metrics"]["r2"] == pytest.approx(skm.r2_score(y, yhat), rel=1e-12)
    assert d["losses"]["mae"] == pytest.approx(skm.mean_absolute_error(y, yhat), rel=1e-12)


def test_class_name_labels_equal_index_labels():
    names = run_json(SAMPLES / "digits_names.csv")
    index = run_json(SAMPLES / "digits_logits.csv")
    assert names["classes"][:3] == ["zero", "one", "two"]
    assert names["losses"] == index["losses"]
    assert names["metrics"] == index["metrics"]
    assert names["inputs"]["label_encoding"] == "name"


def test_one_hot_and_soft_targets(tmp_path):
    z = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 1.0]])
    y = np.array([0, 2, 1])
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "idx.npy", y)
    np.save(tmp_path / "onehot.npy", np.eye(3)[y])
    a = run_json(tmp_path / "z.npy", tmp_path / "idx.npy")
    b = run_json(tmp_path / "z.npy", tmp_path / "onehot.npy")
    assert b["inputs"]["label_encoding"] == "one-hot"
    assert a["losses"] == b["losses"] and a["metrics"] == b["metrics"]
    soft = np.array([[0.7, 0.2, 0.1], [0.0, 0.1, 0.9], [0.3, 0.4, 0.3]])
    np.save(tmp_path / "soft.npy", soft)
    c = run_json(tmp_path / "z.npy", tmp_path / "soft.npy", "--loss", "ce", "--loss", "kl")
    assert c["inputs"]["label_encoding"] == "soft"
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    ce = -(soft * logp).sum(1).mean()  # torch CrossEntropyLoss with probability targets
    assert c["losses"]["ce"] == pytest.approx(ce, rel=1e-12)
    ent = np.where(soft > 0, soft * np.log(np.where(soft > 0, soft, 1)), 0).sum(1).mean()
    assert c["losses"]["kl"] == pytest.approx(ce + ent, rel=1e-12)


def test_two_column_binary_and_pm1_labels(tmp_path):
    f = write_csv(tmp_path / "two.csv", ["y", "neg", "pos"], [(1, 0.2, 0.8), (0, 0.9, 0.1)])
    d = run_json(f)
    assert d["task"] == "binary" and d["classes"] == ["neg", "pos"]
    expected = -(np.log(0.8) + np.log(0.9)) / 2
    assert d["losses"]["bce"] == pytest.approx(expected, rel=1e-12)
    g = write_csv(tmp_path / "pm.csv", ["label", "score"], [(1, 2.0), (-1, -0.5), (-1, 1.5)])
    d = run_json(g, "--loss", "hinge")
    assert d["inputs"]["label_encoding"] == "pm1"
    # hinge max(0, 1 - y f) with y in {-1, +1}: [0, 0.5, 2.5]
    assert d["losses"]["hinge"] == pytest.approx(1.0, rel=1e-12)


# --------------------------------------------------------------------------------------------
# formats and stdin
# --------------------------------------------------------------------------------------------


def _strip(d):
    """The report without what names the input (file names, column and class names)."""
    out = {k: v for k, v in d.items() if k not in ("inputs", "classes")}
    out["per_class"] = [{k: v for k, v in row.items() if k != "class"} for row in d["per_class"]]
    out["class_metrics"] = list(d["class_metrics"].values())  # keyed by the class names
    out["inference"] = [n for n in d["inference"] if not n.startswith("labels matched by position")]
    return out


def test_formats_round_trip_to_identical_json(tmp_path):
    rng = np.random.default_rng(0)
    z = np.round(rng.normal(size=(200, 4)), 6)
    y = rng.integers(0, 4, size=200)
    header = ["label", "c0", "c1", "c2", "c3"]
    rows = [(int(y[i]), *z[i]) for i in range(200)]
    csv = write_csv(tmp_path / "d.csv", header, rows)
    tsv = tmp_path / "d.tsv"
    tsv.write_text(csv.read_text().replace(",", "\t"))
    gz = tmp_path / "d.csv.gz"
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    table = pa.table({"label": y, **{f"c{j}": z[:, j] for j in range(4)}})
    pq.write_table(table, tmp_path / "d.parquet")
    np.savez(tmp_path / "d.npz", label=y, logits=z)
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    ref = _strip(run_json(csv, "--loss", "all"))
    for args in (
        [tsv],
        [gz],
        [tmp_path / "d.parquet"],
        [tmp_path / "d.npz"],
        [tmp_path / "z.npy", tmp_path / "y.npy"],
        ["-", "--input-format", "csv"],
    ):
        stdin = csv.read_text() if args[0] == "-" else None
        got = run_json(*args, "--loss", "all", input=stdin)
        assert len(got["classes"]) == 4
        assert _strip(got) == ref, args


def test_stdin_is_sniffed(tmp_path):
    text = "label,prob\n1,0.9\n0,0.1\n1,0.4\n"
    d = run_json("-", input=text)
    assert d["inputs"]["predictions"] == "<stdin>"
    assert d["losses"]["bce"] == pytest.approx(0.375671, abs=5e-7)  # torch nn.BCELoss
    buf = io.BytesIO()
    np.save(buf, np.array([[0.1, 0.9], [0.8, 0.2]]))
    np.save(tmp_path / "y.npy", np.array([1, 0]))
    r = invoke("compute", "-", tmp_path / "y.npy", input=buf.getvalue())
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["task"] == "binary"


def test_id_join_reorders_labels(tmp_path):
    preds = write_csv(
        tmp_path / "p.csv", ["id", "a", "b", "c"], [(10, 2, 1, 0), (11, 0, 3, 1), (12, 1, 1, 4)]
    )
    labels = write_csv(tmp_path / "y.csv", ["id", "label"], [(12, 2), (10, 0), (11, 1)])
    d = run_json(preds, labels, "--id-col", "id")
    assert d["metrics"]["accuracy"] == 1.0
    shuffled = write_csv(tmp_path / "y2.csv", ["key", "label"], [(12, 2), (10, 0), (11, 1)])
    d2 = run_json(preds, shuffled)  # no shared id column: rows are matched by position
    assert d2["metrics"]["accuracy"] == 0.0


# --------------------------------------------------------------------------------------------
# output formats, per-sample, gates
# --------------------------------------------------------------------------------------------


def test_csv_markdown_and_table_formats():
    f = SAMPLES / "breast_cancer.csv"
    r = invoke("compute", f, "--format", "csv")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "section,name,class,value,text"
    assert "loss,bce,,0.10687054387500448," in lines
    r = invoke("compute", f, "--format", "markdown")
    assert "### Metrics" in r.stdout and "| roc_auc |" in r.stdout
    r = invoke("compute", f, "--format", "table")
    assert "Confusion matrix" in r.stdout and "\x1b[" not in r.stdout  # no colour in a pipe


def test_per_sample_file_and_stdout(tmp_path):
    f = SAMPLES / "digits_logits.csv"
    out = tmp_path / "per.csv"
    r = invoke("compute", f, "--loss", "ce", "--loss", "focal", "--per-sample", out)
    assert r.exit_code == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "id,label,prediction,prob,ce,focal"
    assert len(rows) == 541
    values = np.array([float(r.split(",")[4]) for r in rows[1:]])
    d = json.loads(r.stdout)
    assert values.mean() == pytest.approx(d["losses"]["ce"], rel=1e-12)
    r = invoke("compute", f, "--per-sample", "-")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "id,label,prediction,prob,ce"
    assert len(r.stdout.splitlines()) == 541


def test_output_file(tmp_path):
    out = tmp_path / "r.json"
    r = invoke("compute", SAMPLES / "breast_cancer.csv", "--output", out)
    assert r.exit_code == 0 and r.stdout == ""
    assert json.loads(out.read_text())["task"] == "binary"


def test_gates_pass_and_fail():
    f = SAMPLES / "digits_logits.csv"
    r = invoke("compute", f, "--fail-if", "f1_macro < 0.9", "--fail-if", "ce > 0.35")
    assert r.exit_code == 0, r.stderr
    r = invoke("compute", f, "--fail-if", "accuracy < 0.99", "--fail-if", "losses.ce > 0.1")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["task"] == "multiclass"  # the report is still printed
    assert r.stderr.splitlines() == [
        "failed: accuracy < 0.99 (accuracy = 0.972222)",
        "failed: losses.ce > 0.1 (losses.ce = 0.102293)",
        "Error: 2 of 2 --fail-if gates failed",
    ]


# --------------------------------------------------------------------------------------------
# errors: exact text, exit 2, nothing on stdout
# --------------------------------------------------------------------------------------------


def test_bad_options(tmp_path):
    f = SAMPLES / "digits_logits.csv"
    assert_refused(
        invoke("compute", f, "--fail-if", "f1 >> 2"),
        "--fail-if 'f1 >> 2' is not of the form NAME OP NUMBER (OP one of < <= > >= == !=), "
        "e.g. --fail-if 'f1_macro < 0.9'",
    )
    assert_refused(
        invoke("compute", f, "--loss", "bce"),
        "loss 'bce' does not fit the multiclass task (it is for binary, multilabel); choose "
        "from ce, nll, focal, hinge, multi_margin, zero_one, kl",
    )
    assert_refused(
        invoke("compute", f, "--label-smoothing", "1.5"),
        "--label-smoothing must be in [0, 1], got 1.5",
    )
    assert_refused(
        invoke("compute", f, "--task", "maybe"),
        "Invalid value for '--task': 'maybe' is not one of 'auto', 'binary', 'multiclass', "
        "'multilabel', 'regression'. (see 'losscli compute --help')",
    )
    assert_refused(
        invoke("compute", f, "--label-col", "nope"),
        f"--label-col: {f} has no column 'nope'; its columns are 'id', 'label', '0', '1', "
        "'2', '3', '4', '5', '6', '7', '8', '9'",
    )
    assert_refused(
        invoke("compute", tmp_path / "missing.csv"),
        f"{tmp_path / 'missing.csv'}: no such file; check the path of the predictions file",
    )
    r = invoke("compute", f, "--fail-if", "f2_macro < 1")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Error: --fail-if 'f2_macro < 1': unknown name 'f2_macro'")


def test_ambiguous_scores_ask_for_the_flag(tmp_path):
    f = write_csv(tmp_path / "neg.csv", ["label", "s"], [(1, -0.1), (0, -2.3)])
    assert_refused(
        invoke("compute", f),
        "cannot tell the score kind: every value is <= 0, which fits log-probabilities and "
        "logits alike; pass --scores log-probs or --scores logits",
    )
    d = run_json(f, "--scores", "log-probs")
    assert d["losses"]["bce"] == pytest.approx(-(-0.1 + np.log1p(-np.exp(-2.3))) / 2, rel=1e-12)


def test_later_chunk_contradicting_scores_names_the_flag(tmp_path, monkeypatch):
    monkeypatch.setattr("losscli.engine.INFER_ROWS", 4)  # decide from the first 4 rows only
    rows = [(i % 2, 0.5) for i in range(10)] + [(1, 3.5)]
    f = write_csv(tmp_path / "p.csv", ["label", "s"], rows)
    assert_refused(
        invoke("compute", f, "--chunk-size", "4"),
        f"{f}: line 12: prediction 3.5 is outside [0, 1] but --scores auto decided 'probs'; "
        "pass --scores logits if these are raw model outputs",
    )


def test_invalid_rows_fail_or_are_dropped(tmp_path):
    rows = [(1, 0.9), (0, "nan"), (1, 0.4), (0, ""), (0, 0.3), (1, 0.2)]
    f = write_csv(tmp_path / "p.csv", ["label", "prob"], rows)
    assert_refused(
        invoke("compute", f),
        f"{f}: line 3: prediction column 'prob' is nan (missing, NaN or inf); fix the file or "
        "pass --drop-invalid to skip such rows",
    )
    r = invoke("compute", f, "--drop-invalid")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["n_samples"] == 4 and d["n_dropped"] == 2
    assert r.stderr == "warning: 2 rows with missing, NaN or inf values were dropped\n"


def test_failed_run_leaves_outputs_untouched(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")
    per = tmp_path / "per.csv"
    f = write_csv(tmp_path / "p.csv", ["label", "prob"], [(1, 0.9), (3, 0.1), (0, 0.2), (1, 0.8)])
    r = invoke("compute", f, "--task", "binary", "--output", out, "--per-sample", per)
    assert_refused(
        r,
        f"{f}: line 3: label 3 makes 3 distinct labels (0, 1, 3), but binary labels take two "
        "values; fix the labels or pass another --task",
    )
    assert out.read_text() == "old"
    assert not per.exists()
    assert sorted(os.listdir(tmp_path)) == ["p.csv", "r.json"]


def test_strict_turns_warnings_into_errors():
    args = (SAMPLES / "digit_attrs_logits.csv", SAMPLES / "digit_attrs_labels.csv")
    r = invoke("compute", *args)
    assert r.exit_code == 0 and "warning: precision is undefined" in r.stderr
    r = invoke("compute", *args, "--strict")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Error: --strict: precision is undefined")


# --------------------------------------------------------------------------------------------
# the process as a user runs it
# --------------------------------------------------------------------------------------------


def test_version_and_help():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.startswith("losscli, version ")
    r = invoke("compute", "-h")
    assert r.exit_code == 0 and "--fail-if" in r.stdout


def test_help_imports_neither_pandas_nor_pyarrow():
    code = (
        "import sys\nfrom losscli.cli import cli\n"
        "try:\n    cli.main(['compute', '--help'], prog_name='losscli')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'rich', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


# -- start-up (issue #20, target 4): what a 10-row run imports, as module sets (no timing) ------

#: never imported by ``losscli compute FILE --format json`` into a pipe, whatever the format
NOT_FOR_A_SMALL_RUN = [
    "rich",  # only at a terminal (the table, the progress bar)
    "pandas",
    "matplotlib",
    "dask",
    "distributed",
    "scipy",
    "sklearn",
    "losscli.cli.compare",  # the other commands
    "losscli.cli.thresholds",
    "losscli.cli.losses",
    "losscli.comparison",
    "losscli.sweep",
    "losscli.catalog",
    "losscli.distributed",
    "losscli.bootstrap",  # no --bootstrap
    "losscli.plots",  # no --plot
    "losscli.gates",  # no --fail-if
    "losscli.render.table",
    "losscli.render.html",
    "losscli.render.text",
    "losscli.metrics.regression",  # a binary run
    "losscli.metrics.linear",
    "losscli.io.writers",  # no --per-sample
    "losscli.pipeline.per_sample",
    "losscli.metrics.resample",  # no resampling
    "losscli.metrics.averages",  # one-vs-one averages and --max-fpr only
    "losscli.metrics.cell_ranking",  # multi-class / multi-label rankings only
    "losscli.metrics.class_columns",
    "losscli._threads",  # no work big enough for worker threads
    "losscli.io._memory",  # in-memory objects (the Python API), not files
    "losscli.pipeline.dense_resample",  # not dense arrays
    "losscli.pipeline.worst",
    "hashlib",  # rows are hashed only to pair two runs (compare)
    "difflib",  # suggestions for a misspelt name
    "gzip",  # no .gz input
    "pyarrow.compute",  # plain number columns need no cast
    "losscli.thresholds",  # no thresholds file
    "click.shell_completion",  # no shell asking
]
#: the reader modules of each format; a run imports its own format's only (NPY: numpy only)
READERS = {
    "csv": ["losscli.io._text", "losscli.io._csvcheck", "pyarrow.csv"],
    "jsonl": ["losscli.io._jsonl", "pyarrow.json"],
    "parquet": ["losscli.io._parquet", "pyarrow.parquet"],
    "arrow": ["losscli.io._ipc"],
    "npy": [],
}


def modules_of_run(args: list[str], cwd: Path, rows: int = 10) -> set[str]:
    """The modules ``losscli ARGS`` has imported by its end (its stdout a pipe; the report
    of ``rows`` rows)."""
    code = (
        "import contextlib, io, json, sys\nfrom losscli.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = cli.run({args!r}, prog_name='losscli')\n"
        f"assert code == 0 and json.loads(out.getvalue())['n_samples'] == {rows}, code\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd, env=env
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def tiny_inputs(d: Path) -> dict[str, list[str]]:
    """10 binary rows in each format: the file arguments of ``losscli compute``."""
    y, p = np.arange(10) % 2, np.linspace(0.1, 0.9, 10)
    (d / "t.csv").write_text("label,p\n" + "".join(f"{a},{b}\n" for a, b in zip(y, p)))
    (d / "t.jsonl").write_text("".join(f'{{"label": {a}, "p": {b}}}\n' for a, b in zip(y, p)))
    pq.write_table(pa.table({"label": y, "p": p}), d / "t.parquet")
    with (
        pa.OSFile(str(d / "t.arrow"), "wb") as f,
        pa.ipc.new_file(f, pa.schema([("label", pa.int64()), ("p", pa.float64())])) as w,
    ):
        w.write_table(pa.table({"label": y, "p": p}))
    np.save(d / "p.npy", p)
    np.save(d / "y.npy", y)
    return {
        "csv": ["t.csv"],
        "jsonl": ["t.jsonl"],
        "parquet": ["t.parquet"],
        "arrow": ["t.arrow"],
        "npy": ["p.npy", "y.npy"],
    }


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_a_small_run_imports_only_what_it_uses(fmt, tmp_path):
    files = tiny_inputs(tmp_path)[fmt]
    loaded = modules_of_run(["compute", *files, "--format", "json"], tmp_path)
    assert [m for m in NOT_FOR_A_SMALL_RUN if m in loaded] == []
    assert set(READERS[fmt]) <= loaded
    others = {m for f, mods in READERS.items() if f != fmt for m in mods} - set(READERS[fmt])
    assert sorted(others & loaded) == []
    if fmt == "npy":
        assert sorted(m for m in loaded if m.split(".")[0] == "pyarrow") == []


def test_a_small_run_imports_the_parts_it_is_asked_for(tmp_path):
    """The same run with a gate and a .gz input imports those parts (the sets above are not
    empty by accident)."""
    tiny_inputs(tmp_path)
    with open(tmp_path / "t.csv", "rb") as src, gzip.open(tmp_path / "t.csv.gz", "wb") as dst:
        dst.write(src.read())
    loaded = modules_of_run(
        ["compute", "t.csv.gz", "--format", "json", "--fail-if", "accuracy < 0"], tmp_path
    )
    assert {"losscli.gates", "gzip", "losscli.io._text"} <= loaded
    loaded = modules_of_run(["compute", "t.csv", "--format", "json", "--max-fpr", "0.5"], tmp_path)
    assert "losscli.metrics.averages" in loaded
    digits = str(SAMPLES / "digits_logits.csv")  # multi-class: every class ranked
    rows = len((SAMPLES / "digits_logits.csv").read_text().splitlines()) - 1
    loaded = modules_of_run(["compute", digits, "--format", "json"], tmp_path, rows=rows)
    assert {"losscli.metrics.averages", "losscli.metrics.cell_ranking"} <= loaded
    assert "losscli.metrics.class_columns" in loaded


def test_the_python_api_imports_no_cli():
    code = (
        "import json, sys\nimport numpy as np\nimport losscli\n"
        "r = losscli.evaluate(np.array([0.2, 0.8, 0.6]), np.array([0, 1, 1]))\n"
        "assert r.to_dict()['n_samples'] == 3\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('losscli.cli', 'click', "
        "'rich')))))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_closed_pipe_ends_quietly():
    cmd = [sys.executable, "-m", "losscli", "compute", str(SAMPLES / "digits_logits.csv")]
    cmd += ["--per-sample", "-"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait() in (0, 141)
    assert "Traceback" not in err and err == ""


def test_ignore_index_rows_skip_losses_and_metrics(tmp_path):
    rows = [(0, 2, 1, 0), (-100, 0, 0, 5), (2, 1, 1, 3), (1, 0, 2, 1)]
    f = write_csv(tmp_path / "p.csv", ["label", "a", "b", "c"], rows)
    r = invoke("compute", f, "--loss", "ce")
    d = json.loads(r.stdout)
    z = np.array([r[1:] for r in rows], dtype=float)
    y = np.array([r[0] for r in rows])
    keep = y != -100
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    # torch CrossEntropyLoss(ignore_index=-100): mean over the rows that are not ignored
    assert d["losses"]["ce"] == pytest.approx(-logp[keep, y[keep]].mean(), rel=1e-12)
    assert d["confusion_matrix"] == skm.confusion_matrix(y[keep], z[keep].argmax(1)).tolist()
    assert "warning: 1 row has label -100 (--ignore-index)" in r.stderr


def test_ctrl_c_and_full_disk_end_with_one_line(monkeypatch, tmp_path):
    import errno
    import os

    import losscli.engine

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(losscli.engine.Evaluation, "run", interrupted)
    r = invoke("compute", SAMPLES / "breast_cancer.csv")
    # click ends the line the terminal's ^C started, then losscli says what happened
    assert (r.exit_code, r.stdout, r.stderr) == (130, "", "\nInterrupted.\n")
    monkeypatch.undo()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # where the output set finds the disk full
    out = tmp_path / "r.json"
    r = invoke("compute", SAMPLES / "breast_cancer.csv", "--output", out)
    assert (r.exit_code, r.stdout) == (4, "")
    assert r.stderr == f"Error: cannot write '{out}': the disk is full; free space and retry\n"
    assert os.listdir(tmp_path) == []


def test_internal_errors_are_one_line_with_exit_3(monkeypatch):
    import losscli.engine

    def broken(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(losscli.engine.Evaluation, "run", broken)
    r = invoke("compute", SAMPLES / "breast_cancer.csv")
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        "Error: internal error (ZeroDivisionError: boom). This is a bug in losscli; rerun with "
        "LOSSCLI_DEBUG=1 for the traceback and report it.\n"
    )


@pytest.mark.slow
def test_plot_writes_every_picture(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "pics" / "run1"
    r = invoke("compute", SAMPLES / "breast_cancer.csv", "--plot", out)
    assert r.exit_code == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "confusion_matrix.png",
        "confusion_matrix_normalized.png",
        "losses.png",
        "pr.png",
        "probabilities.png",
        "reliability.png",
        "roc.png",
    ]
    for p in out.iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_table_view_has_text_histograms():
    r = invoke("compute", SAMPLES / "breast_cancer.csv", "--format", "table")
    assert "bce per sample  (n=171, log-spaced bins)" in r.stdout
    assert "p(1) by true class" in r.stdout


def test_thresholds_written_file_reproduces_best_f1(tmp_path):
    out = tmp_path / "t.json"
    r = invoke("thresholds", SAMPLES / "breast_cancer.csv", "--write", out, "--format", "json")
    assert r.exit_code == 0, r.stderr
    best = json.loads(r.stdout)["best"]
    d = run_json(SAMPLES / "breast_cancer.csv", "--threshold", f"@{out}")
    assert d["metrics"]["f1"] == best["f1"]
    # and it is the true maximum over every cut point (scikit-learn's PR curve)
    raw = np.genfromtxt(SAMPLES / "breast_cancer.csv", delimiter=",", names=True)
    prec, rec, _ = skm.precision_recall_curve(raw["label"], raw["prob"])
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-300), 0)
    assert best["f1"] == pytest.approx(f1.max(), abs=1e-12)


def test_loss_catalog_lists_every_registered_loss():
    from losscli.losses import REGISTRY

    r = invoke("losses", "--format", "json")
    entries = json.loads(r.stdout)
    assert [e["name"] for e in entries] == list(REGISTRY)
    for e in entries:
        assert e["tasks"], e["name"]
        for task in e["tasks"]:
            assert e["formula"].get(task), f"{e['name']} has no formula for {task}"
            assert e["reference"].get(task), f"{e['name']} has no reference for {task}"
    r = invoke("losses", "focal", "--format", "markdown")
    assert "### `focal`" in r.stdout and "--focal-gamma" in r.stdout
    r = invoke("losses", "nope")
    assert r.exit_code == 2 and r.stderr.startswith("Error: ")


@pytest.mark.parametrize("sep", [",", "\t"])
def test_trailing_delimiters_leave_out_the_empty_column_with_a_note(tmp_path, sep):
    """Lines ending with the delimiter give an unnamed, empty last column: it is left out with
    a note (not read as a prediction, whose NaNs would suggest --drop-invalid), and the
    numbers are those of the same file without the trailing delimiters."""
    rows = ["label,prob", "1,0.9", "0,0.2", "1,0.4", "0,0.6"]
    ext = "csv" if sep == "," else "tsv"
    clean, trailing = tmp_path / f"c.{ext}", tmp_path / f"t.{ext}"
    clean.write_text("".join(r.replace(",", sep) + "\n" for r in rows))
    trailing.write_text("".join(r.replace(",", sep) + sep + "\n" for r in rows))
    a = invoke("compute", clean, "--format", "json")
    b = invoke("compute", trailing, "--format", "json")
    assert a.exit_code == 0 and b.exit_code == 0, b.stderr
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert (ja["losses"], ja["metrics"]) == (jb["losses"], jb["metrics"])
    assert jb["inference"][0] == (
        "'Unnamed: 2': no header name and no values (every line ends with "
        f"{'a comma' if sep == ',' else 'a tab'}, an empty column), not a prediction: left out"
    )
