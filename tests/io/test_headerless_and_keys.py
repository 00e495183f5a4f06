"""Headerless CSV/TSV (``np.savetxt``), the first-line rule, NPZ keys found without flags
(Hugging Face ``Trainer.predict``'s ``predictions`` / ``label_ids``, ``logits`` / ``labels``,
scikit-learn's ``y_pred`` / ``y_true``), and ``--label-col`` patterns.

Reference: every file is written by numpy (``np.savetxt``, ``np.savez``) or pandas
(``DataFrame.to_csv``); the same rows written with a header as pandas writes them must give
the same losses and metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import assert_refused, invoke, run_json

RNG = np.random.default_rng(2)
N, C = 40, 3
Y = RNG.integers(0, C, N)
P = RNG.dirichlet(np.ones(C), N)


def numbers(out: dict) -> tuple:
    return out["n_samples"], out["losses"], out["metrics"]


def compute(*args, **kwargs) -> dict:
    return run_json("compute", *args, "--format", "json", "--quiet", **kwargs)


@pytest.fixture
def headed(tmp_path):
    """The rows with a header, columns named as the headerless file's are (0 .. C)."""
    path = tmp_path / "headed.csv"
    df = pd.DataFrame(np.column_stack([P, Y]), columns=[str(j) for j in range(C + 1)])
    df.to_csv(path, index=False, float_format="%.18e")
    return numbers(compute(path, "--label-col", str(C)))


@pytest.mark.parametrize(("ending", "sep"), [(".csv", ","), (".tsv", "\t"), (".txt", " ")])
def test_np_savetxt_with_no_header(tmp_path, headed, ending, sep):
    path = tmp_path / f"p{ending}"
    np.savetxt(path, np.column_stack([P, Y]), delimiter=sep if sep != " " else "\t")
    got = compute(path, "--no-header", "--label-col", str(C))
    assert numbers(got) == headed
    assert got["inputs"]["prediction_columns"] == ["0", "1", "2"]


def test_no_header_gzip_and_stdin(tmp_path, headed):
    path = tmp_path / "p.csv.gz"
    np.savetxt(path, np.column_stack([P, Y]), delimiter=",")  # numpy gzips a .gz name
    assert numbers(compute(path, "--no-header", "--label-col", "3")) == headed
    plain = tmp_path / "p.csv"
    np.savetxt(plain, np.column_stack([P, Y]), delimiter=",")
    out = compute("-", "--no-header", "--label-col", "3", input=plain.read_bytes())
    assert numbers(out) == headed


@pytest.mark.parametrize(
    ("last", "message"),
    [
        ("0.1,abc,0.3,0", "prediction column '1' is not numeric (line 4: 'abc' is not a number)"),
        ("0.1,0.5,0.3", "line 4 has 3 fields, line 1 has 4; every row needs one value per column"),
    ],
    ids=["text", "width"],
)
def test_no_header_line_numbers_count_line_1_as_data(tmp_path, last, message):
    path = tmp_path / "p.csv"
    path.write_text(f"0.1,0.2,0.7,2\n0.3,0.3,0.4,1\n0.5,0.2,0.3,0\n{last}\n")
    r = invoke("compute", path, "--no-header", "--label-col", "3", "--pred-cols", "0,1,2")
    assert_refused(r, f"{path}: {message}")


def test_labels_file_without_header_beside_a_pandas_header(tmp_path):
    # pd.DataFrame(probs).to_csv(index=False) writes the header 0,1,2 (read as a header, with
    # a note); np.savetxt(fmt="%d") writes labels without one (--labels-no-header)
    preds, labels = tmp_path / "p.csv", tmp_path / "y.csv"
    pd.DataFrame(P).to_csv(preds, index=False)
    np.savetxt(labels, Y, fmt="%d")
    out = compute(preds, labels, "--labels-no-header")
    assert out["n_samples"] == N
    assert out["inputs"]["prediction_columns"] == ["0", "1", "2"]
    assert any("line 1 (0,1,2) read as the header" in note for note in out["inference"])
    twin = tmp_path / "twin.csv"
    pd.DataFrame({"label": Y, **{str(j): P[:, j] for j in range(C)}}).to_csv(twin, index=False)
    assert numbers(out) == numbers(compute(twin))


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            "1,0.5,0.5",
            "0,0.2,0.8",
            "line 1 is all numbers (1,0.5,0.5): the file has no header row (as np.savetxt writes "
            "it); pass --no-header to read line 1 as data (columns named 0 … 2, e.g. --label-col "
            "0), or add a header row",
        ),
        (
            "0,1",
            "1,0",
            "line 1 (0,1) could be column names (0 … 1, as pandas names a DataFrame's columns) or "
            "data; pass --header or --no-header",
        ),
        (
            "nan,0.5",
            "1,0.5",
            "line 1 is all numbers (nan,0.5): the file has no header row (as np.savetxt writes "
            "it); pass --no-header to read line 1 as data (columns named 0 … 1, e.g. --label-col "
            "0), or add a header row",
        ),
    ],
    ids=["savetxt", "ambiguous 0..C-1", "nan"],
)
def test_the_first_line_rule_asks(tmp_path, first, second, message):
    path = tmp_path / "p.csv"
    path.write_text(f"{first}\n{second}\n")
    assert_refused(invoke("compute", path), f"{path}: {message}")


def test_header_flag_reads_numbers_as_names(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("0,1\n1,0\n0,1\n")
    with_header = compute(path, "--header", "--label-col", "0")
    assert with_header["n_samples"] == 2
    without = compute(path, "--no-header", "--label-col", "0")
    assert without["n_samples"] == 3


@pytest.mark.parametrize(
    ("keys", "label", "preds"),
    [
        ({"predictions": P, "label_ids": Y}, ["label_ids"], "predictions"),
        ({"logits": np.log(P), "labels": Y}, ["labels"], "logits"),
        ({"y_pred": P, "y_true": Y}, ["y_true"], "y_pred"),
        ({"y_score": P, "y": Y}, ["y"], "y_score"),
    ],
    ids=["Trainer.predict", "by hand", "scikit-learn", "y_score"],
)
def test_npz_keys_are_found_without_flags(tmp_path, keys, label, preds):
    path = tmp_path / "out.npz"
    np.savez(path, **keys)
    out = compute(path)
    assert out["inputs"]["label_columns"] == label
    assert out["inputs"]["prediction_columns"] == [f"{preds}:{j}" for j in range(C)]
    twin = tmp_path / "twin.csv"
    pd.DataFrame({"label": Y, **{f"p{j}": keys[preds][:, j] for j in range(C)}}).to_csv(
        twin, index=False
    )
    assert numbers(out) == numbers(compute(twin))


def test_multi_label_npz_label_array(tmp_path):
    y = (RNG.random((N, 4)) > 0.5).astype(int)
    path = tmp_path / "ml.npz"
    np.savez(path, logits=RNG.normal(size=(N, 4)), label_ids=y)
    out = compute(path)
    assert out["inputs"]["label_columns"] == [f"label_ids:{j}" for j in range(4)]
    assert out["task"] == "multilabel"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"predictions": P, "logits": np.log(P), "label_ids": Y},
            "{p} holds several prediction arrays ('predictions', 'logits'); choose one with "
            "--pred-cols (e.g. --pred-cols 'predictions:*')",
        ),
        (
            {"logits": P, "labels": Y, "label_ids": Y},
            "{p} has several label columns ('labels', 'label_ids'); pass --label-col to choose one",
        ),
        (
            {"logits": P, "labels": np.eye(C)[Y], "label_ids": np.eye(C)[Y]},
            "{p} has several label arrays ('labels', 'label_ids'); pass --label-col to choose one "
            "(e.g. --label-col 'labels:*')",
        ),
    ],
    ids=["two prediction arrays", "two label arrays", "two 2-D label arrays"],
)
def test_ambiguous_keys_are_an_error_naming_them(tmp_path, keys, message):
    path = tmp_path / "out.npz"
    np.savez(path, **keys)
    assert_refused(invoke("compute", path), message.format(p=path))


def test_ambiguous_keys_resolved_by_pred_cols(tmp_path):
    path = tmp_path / "out.npz"
    np.savez(path, predictions=P, logits=np.log(P), label_ids=Y)
    out = compute(path, "--pred-cols", "logits:*")
    assert out["inputs"]["prediction_columns"] == [f"logits:{j}" for j in range(C)]


def test_label_col_pattern_is_several_label_columns(tmp_path):
    path = tmp_path / "ml.csv"
    y = (RNG.random((N, 3)) > 0.5).astype(int)
    p = RNG.random((N, 3))
    df = pd.DataFrame(
        {**{f"y_{k}": y[:, k] for k in range(3)}, **{f"p_{k}": p[:, k] for k in range(3)}}
    )
    df.to_csv(path, index=False)
    by_pattern = compute(path, "--label-col", "y_*", "--pred-cols", "p_*")
    by_names = compute(path, "--label-col", "y_0,y_1,y_2", "--pred-cols", "p_0,p_1,p_2")
    assert by_pattern["inputs"]["label_columns"] == ["y_0", "y_1", "y_2"]
    assert numbers(by_pattern) == numbers(by_names)
    one = compute(path, "--label-col", "y_[1]", "--pred-cols", "p_1")
    assert one["inputs"]["label_columns"] == ["y_1"] and one["task"] == "binary"


def test_label_col_pattern_matching_nothing(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("label,prob\n1,0.9\n0,0.2\n")
    assert_refused(
        invoke("compute", path, "--label-col", "y_*"),
        f"--label-col: {path} has no column 'y_*'; its columns are 'label', 'prob'",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["{npz}", "--no-header"],
            "--no-header is for CSV/TSV files; {npz} has column names of its own: leave "
            "--no-header out",
        ),
        (
            ["{csv}", "--labels-no-header"],
            "--labels-no-header is for a LABELS file, and there is none: leave it out",
        ),
    ],
    ids=["binary", "no labels file"],
)
def test_header_flags_that_apply_to_nothing(tmp_path, args, message):
    files = {"npz": tmp_path / "o.npz", "csv": tmp_path / "p.csv"}
    np.savez(files["npz"], logits=P, labels=Y)
    files["csv"].write_text("label,prob\n1,0.9\n0,0.2\n")
    fill = {k: str(v) for k, v in files.items()}
    assert_refused(invoke("compute", *[a.format(**fill) for a in args]), message.format(**fill))


@pytest.mark.parametrize(("ending", "sep"), [(".csv", ","), (".tsv", "\t"), (".txt", "\t")])
@pytest.mark.parametrize("comments", ["# ", ""])
def test_np_savetxt_header_with_its_comment_mark(tmp_path, headed, ending, sep, comments):
    """``np.savetxt(header=...)`` writes ``# `` before the header (its default ``comments``):
    the header is read without it, and the inference says so."""
    path = tmp_path / f"p{ending}"
    names = sep.join(str(j) for j in range(C + 1))
    np.savetxt(path, np.column_stack([P, Y]), delimiter=sep, header=names, comments=comments)
    got = compute(path, "--label-col", str(C))
    assert numbers(got) == headed
    note = f"{path}: line 1 read as the header without its leading '# ' (the comment mark "
    assert any(i.startswith(note) for i in got["inference"]) == (comments == "# ")


@pytest.mark.parametrize("header", [None, "a b c label"])
def test_np_savetxt_with_spaces_is_refused_naming_the_delimiter(tmp_path, header):
    """np.savetxt's default delimiter is a space, which losscli does not read: refused
    (exit 2) naming it, not read as one column."""
    path = tmp_path / "p.txt"
    np.savetxt(path, np.column_stack([P, Y]), **({"header": header} if header else {}))
    assert_refused(
        invoke("compute", path),
        f"{path}: line 1 is one column when split at commas, but 4 columns when split at "
        "spaces: the file looks space-separated; losscli reads comma- or tab-separated text: "
        "write it with np.savetxt(..., delimiter=',') or convert it (e.g. tr -s ' ' ',')",
    )


def test_a_one_column_file_with_spaces_in_its_text_is_no_space_separated_file(tmp_path):
    preds, labels = tmp_path / "p.csv", tmp_path / "y.csv"
    pd.DataFrame({"yes": P[:, 0]}).to_csv(preds, index=False)
    labels.write_text("class name\n" + "\n".join("a dog" if y else "no" for y in Y % 2) + "\n")
    r = invoke("compute", preds, labels, "--pos-label", "a dog", "--format", "json")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("fmt", ["npz", "parquet"])
def test_a_vector_beside_a_scalar_column_asks_for_pred_cols(tmp_path, fmt):
    """``logits`` (N, C) and a scalar ``margin`` (N,) are no C + 1 classes: refused naming
    --pred-cols; with ``--pred-cols 'logits:*'`` the numbers are scikit-learn's."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.metrics import accuracy_score

    z = np.log(P)
    path = tmp_path / f"p.{fmt}"
    if fmt == "npz":
        np.savez(path, logits=z, labels=Y, margin=z[:, 0] * 3)
    else:
        pq.write_table(pa.table({"labels": Y, "logits": list(z), "margin": z[:, 0] * 3}), path)
    assert_refused(
        invoke("compute", path),
        f"{path}: the prediction columns would be the vector 'logits' ({C} values) and 'margin', "
        f"read together as {C + 1} classes; choose the scores with --pred-cols (e.g. "
        "--pred-cols 'logits:*')",
    )
    got = compute(path, "--pred-cols", "logits:*")
    assert got["metrics"]["accuracy"] == accuracy_score(Y, z.argmax(axis=1))
