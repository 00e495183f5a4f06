"""Ids are exact and joins are checked: every reader gives ids as int64 or text (never through
float64), they are written back as read, and a labels file joined by id must hold every
prediction's id once. The reference for the joined numbers is scikit-learn on the rows paired
by hand (``sklearn.metrics.log_loss`` is the mean BCE of probabilities)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import invoke
from sklearn.metrics import log_loss

BIG = 2**53  # from here on, neighbouring integers share a float64


def compute(*args, input=None):
    return invoke("compute", *args, input=input)


def run_json(*args):
    r = compute(*args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _rows(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(rng.random(n), 0.02, 0.98)
    return y, p


def write(path: Path, cols: dict, kind: str | None = None) -> Path:
    """Write columns as CSV (values as given, via str), Parquet or NPZ (by extension)."""
    kind = kind or path.suffix[1:]
    if kind == "csv":
        names = list(cols)
        lines = [",".join(names)]
        lines += [",".join(str(cols[c][i]) for c in names) for i in range(len(cols[names[0]]))]
        path.write_text("\n".join(lines) + "\n")
    elif kind == "parquet":
        pq.write_table(pa.table({k: pa.array(list(v)) for k, v in cols.items()}), path)
    else:
        np.savez(path, **{k: np.asarray(v) for k, v in cols.items()})
    return path


ID_KINDS = {
    # ids that float64 cannot tell apart (2**53 + 1 == 2**53 as a float), as ints
    "big ints": lambda n: [BIG + i for i in range(n)],
    "negative big ints": lambda n: [-(2**62) - i for i in range(n)],
    # the same digits with and without leading zeros: distinct ids, as text
    "leading zeros": lambda n: [("0" * (i % 3)) + str(i // 3) for i in range(n)],
    "text": lambda n: [f"img_{i:03d}.png" for i in range(n)],
}


@pytest.mark.parametrize("ids_kind", list(ID_KINDS))
@pytest.mark.parametrize("pred_fmt", ["csv", "parquet", "npz"])
@pytest.mark.parametrize("label_fmt", ["csv", "parquet", "npz"])
def test_join_pairs_each_prediction_with_its_own_label(tmp_path, ids_kind, pred_fmt, label_fmt):
    n = 40
    ids = ID_KINDS[ids_kind](n)
    y, p = _rows(n)
    order = np.random.default_rng(1).permutation(n)
    preds = write(tmp_path / f"p.{pred_fmt}", {"id": ids, "prob": p})
    labels = write(tmp_path / f"y.{label_fmt}", {"id": [ids[i] for i in order], "label": y[order]})
    d = run_json(preds, labels, "--per-sample", tmp_path / "rows.jsonl")
    assert d["losses"]["bce"] == pytest.approx(log_loss(y, p), abs=1e-12)
    assert d["n_samples"] == n and d["inputs"]["id_column"] == "id"
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ids  # written back as read: ints as ints, text as text
    assert [r["label"] for r in rows] == y.tolist()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize(
    "src, ids, arrow_type",
    [
        ("csv", [BIG + 1, BIG, 312, -5], pa.int64()),
        ("parquet", [BIG + 1, BIG, 312, -5], pa.int64()),
        ("npz", [BIG + 1, BIG, 312, -5], pa.int64()),
        ("csv", ["007", "7", "+7", "7.0"], pa.string()),
        ("parquet", ["007", "7", "a b", "é"], pa.string()),
        ("npz", ["007", "7", "a b", "é"], pa.string()),
    ],
)
def test_per_sample_ids_round_trip(tmp_path, fmt, src, ids, arrow_type):
    y, p = _rows(len(ids))
    preds = write(tmp_path / f"p.{src}", {"id": ids, "label": y, "prob": p})
    out = tmp_path / f"rows.{fmt}"
    run_json(preds, "--per-sample", out)
    if fmt == "parquet":
        col = pq.read_table(out).column("id")
        assert col.type == arrow_type
        assert col.to_pylist() == ids
    elif fmt == "jsonl":
        assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids
    else:
        import csv

        with open(out, newline="") as f:
            got = [row["id"] for row in csv.DictReader(f)]
        assert got == [str(i) for i in ids]


def test_whole_float_ids_are_written_as_integers(tmp_path):
    """Parquet ids stored as doubles (pandas with NaN elsewhere) come back as int64."""
    ids = [312.0, 4.0, 2.0**60]
    preds = write(tmp_path / "p.parquet", {"id": ids, "label": [1, 0, 1], "prob": [0.9, 0.2, 0.7]})
    run_json(preds, "--per-sample", tmp_path / "rows.parquet")
    col = pq.read_table(tmp_path / "rows.parquet").column("id")
    assert col.type == pa.int64() and col.to_pylist() == [312, 4, 2**60]


def test_int_ids_join_text_ids_by_their_decimal_text(tmp_path):
    """7 in a Parquet int64 column is '7' of a CSV, never '007'."""
    preds = write(tmp_path / "p.parquet", {"id": [7, 8, BIG + 1], "prob": [0.9, 0.2, 0.6]})
    labels = tmp_path / "y.csv"
    labels.write_text(f"id,label\n{BIG + 1},1\n8,0\n7,1\n")
    d = run_json(preds, labels)
    assert d["losses"]["bce"] == pytest.approx(log_loss([1, 0, 1], [0.9, 0.2, 0.6]), abs=1e-12)
    labels.write_text(f"id,label\n{BIG + 1},1\n8,0\n007,1\n")
    r = compute(preds, labels)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"Error: {preds}: 1 id is not in {labels} (column 'id'): 7 (row 1); every prediction "
        "needs the label of its id: evaluate files that hold the same ids\n"
    )


def test_ids_that_collide_as_floats_are_distinct(tmp_path):
    """The issue's case: 9007199254740995 and ...996 were one float, so "appears more than
    once"; they are two ids."""
    ids = [9007199254740995, 9007199254740996, 9007199254740997]
    y, p = np.array([1, 0, 1]), np.array([0.8, 0.3, 0.6])
    preds = write(tmp_path / "p.csv", {"id": ids, "prob": p})
    labels = write(tmp_path / "y.csv", {"id": ids[::-1], "label": y[::-1]})
    d = run_json(preds, labels)
    assert d["losses"]["bce"] == pytest.approx(log_loss(y, p), abs=1e-12)


def test_a_label_column_of_the_predictions_is_not_a_score(tmp_path):
    """With LABELS given, the predictions' own 'label' column is left out (it would leak the
    labels into the scores: bce 0), and the report says so."""
    y, p = _rows(30)
    preds = write(tmp_path / "p.csv", {"id": range(30), "label": y, "prob": p})
    labels = write(tmp_path / "y.csv", {"id": range(30), "label": y})
    d = run_json(preds, labels)
    assert d["inputs"]["prediction_columns"] == ["prob"]
    assert d["losses"]["bce"] == pytest.approx(log_loss(y, p), abs=1e-12)
    assert d["inference"][0] == (
        f"prediction columns: 'label' of {preds} left out, the labels come from {labels} "
        "(choose the columns with --pred-cols)"
    )
    for name in ("Target", "y"):  # every label-like name, any case
        other = write(tmp_path / "q.csv", {"id": range(30), name: y, "prob": p})
        assert run_json(other, labels)["inputs"]["prediction_columns"] == ["prob"]
    # NPY columns are named by position: the labels' column "0" is not the logits' "0"
    z = np.random.default_rng(4).normal(size=(30, 3))
    k = np.random.default_rng(5).integers(0, 3, 30)
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "k.npy", k)
    d = run_json(tmp_path / "z.npy", tmp_path / "k.npy", "--loss", "ce")
    assert d["inputs"]["prediction_columns"] == ["0", "1", "2"]


def test_a_column_named_like_the_labels_stays_when_it_is_the_only_score(tmp_path):
    """Regression with 'y' in both files: the predictions' 'y' is the prediction."""
    rng = np.random.default_rng(3)
    t, u = rng.normal(size=20), rng.normal(size=20)
    preds = write(tmp_path / "p.csv", {"id": range(20), "y": u})
    labels = write(tmp_path / "y.csv", {"id": range(20), "y": t})
    d = run_json(preds, labels, "--task", "regression", "--loss", "mse")
    assert d["inputs"]["prediction_columns"] == ["y"]
    assert d["losses"]["mse"] == pytest.approx(np.mean((t - u) ** 2), rel=1e-12)


@pytest.mark.parametrize(
    "pred_cols, label_cols, why",
    [
        (["prob"], ["label"], "neither file has an id column"),
        (["id", "prob"], ["label"], "only {preds} has an id column ('id')"),
        (["prob"], ["Id", "label"], "only {labels} has an id column ('Id')"),
    ],
)
def test_positional_labels_are_noted(tmp_path, pred_cols, label_cols, why):
    y, p = _rows(10)
    values = {"id": range(10), "Id": range(10), "prob": p, "label": y}
    preds = write(tmp_path / "p.csv", {c: values[c] for c in pred_cols})
    labels = write(tmp_path / "y.csv", {c: values[c] for c in label_cols})
    d = run_json(preds, labels)
    why = why.format(preds=preds, labels=labels)
    assert d["inference"][0] == (
        f"labels matched by position (row i of {labels} labels row i): {why}; pass --id-col "
        "NAME to join the files by an id column"
    )
    assert d["losses"]["bce"] == pytest.approx(log_loss(y, p), abs=1e-12)
    table = compute(preds, labels, "--format", "table").stdout
    assert "inferred labels matched by position" in table


def test_joined_labels_are_not_noted_as_positional(tmp_path):
    y, p = _rows(10)
    preds = write(tmp_path / "p.csv", {"ID": range(10), "prob": p})
    labels = write(tmp_path / "y.csv", {"ID": range(10), "label": y})  # same name, any case
    d = run_json(preds, labels)
    assert d["inputs"]["id_column"] == "ID"
    assert not [n for n in d["inference"] if "position" in n]


@pytest.mark.parametrize("chunk", ["1", "2", "100"])
def test_duplicate_prediction_ids_name_both_rows_across_chunks(tmp_path, chunk):
    preds = write(tmp_path / "p.csv", {"id": [5, 6, 7, 8, 6], "prob": [0.5] * 5})
    labels = write(tmp_path / "y.csv", {"id": [5, 6, 7, 8], "label": [1, 0, 1, 0]})
    r = compute(preds, labels, "--chunk-size", chunk)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"Error: {preds}: id 6 appears more than once in column 'id' (line 3 and line 6); ids "
        "must be unique to join the files (each prediction takes the label of its id)\n"
    )


def test_duplicate_text_ids_in_parquet_labels(tmp_path):
    preds = write(tmp_path / "p.csv", {"id": ["a", "b"], "prob": [0.5, 0.4]})
    labels = write(tmp_path / "y.parquet", {"id": ["b", "a", "b"], "label": [1, 0, 1]})
    r = compute(preds, labels)
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: {labels}: id 'b' appears more than once in column 'id' (row 1 and row 3); ids "
        "must be unique to join the files\n"
    )


@pytest.mark.parametrize(
    "keys",
    [
        [BIG + 1, BIG, BIG + 1, BIG],  # one float for both
        ["007", "7", "007", "7"],  # one number for both
    ],
)
def test_group_by_keys_are_exact(tmp_path, keys):
    y, p = np.array([1, 0, 0, 1]), np.array([0.9, 0.4, 0.2, 0.3])
    preds = write(tmp_path / "p.csv", {"g": keys, "label": y, "prob": p})
    d = run_json(preds, "--group-by", "g", "--min-group-size", "1")
    assert sorted(d["groups"]) == sorted({str(k) for k in keys})
    for key, group in d["groups"].items():
        rows = [i for i, k in enumerate(keys) if str(k) == key]
        assert group["losses"]["bce"] == pytest.approx(log_loss(y[rows], p[rows], labels=[0, 1]))


def test_csv_ids_that_change_spelling_after_the_first_block(tmp_path, monkeypatch):
    """Ids decided as int64 from the first block that turn to text further down ('007'):
    still exact in the join and in CSV/JSONL rows; per-sample Parquet (one type per column)
    refuses them."""
    import losscli.io._text as text

    monkeypatch.setattr(text, "BLOCK_BYTES", 64)
    ids = [str(i) for i in range(1, 30)] + ["007", "abc"]
    n = len(ids)
    y, p = _rows(n)
    preds = write(tmp_path / "p.csv", {"id": ids, "prob": p})
    labels = write(tmp_path / "y.csv", {"id": ids[::-1], "label": y[::-1]})
    d = run_json(preds, labels, "--per-sample", tmp_path / "rows.jsonl")
    assert d["losses"]["bce"] == pytest.approx(log_loss(y, p), abs=1e-12)
    got = [json.loads(line)["id"] for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [str(i) for i in got] == ids and got[-2:] == ["007", "abc"]
    out = tmp_path / "rows.parquet"
    r = compute(preds, labels, "--per-sample", out, "--chunk-size", "10")
    assert r.exit_code == 2 and r.stdout == "" and not out.exists()
    assert r.stderr == (
        f"Error: cannot write '{out}': column 'id' holds numbers in the first rows and text "
        "further on ('007'); a Parquet column holds one type: write the per-sample rows to .csv "
        "or .jsonl\n"
    )


@pytest.mark.parametrize(
    "label_ids, shown, rows",
    [
        ([5, 9, 9, 5, 9], "5", (2, 5)),  # the repeated id met first, and its first two rows
        ([1, 2, 3, 3, 3], "3", (4, 5)),
        ([BIG + 1, BIG, BIG + 1], str(BIG + 1), (2, 4)),
        (["a", "007", "7", "007"], "'007'", (3, 5)),
    ],
)
def test_duplicate_label_ids_name_the_first_two_rows(tmp_path, label_ids, shown, rows):
    preds = write(tmp_path / "p.csv", {"id": label_ids[:1], "prob": [0.5]})
    labels = write(tmp_path / "y.csv", {"id": label_ids, "label": [1] * len(label_ids)})
    r = compute(preds, labels, "--chunk-size", "2")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"Error: {labels}: id {shown} appears more than once in column 'id' (line {rows[0]} and "
        f"line {rows[1]}); ids must be unique to join the files\n"
    )
