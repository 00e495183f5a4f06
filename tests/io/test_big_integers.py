"""Integer columns beyond 2**53 in typed formats (Parquet, Arrow IPC, JSON Lines) are read as a
CSV reader parses the same digits: the nearest float64. A safe cast refused them with an
internal error (exit 3) before; ids stay exact (tests/io/test_ids.py)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from helpers import invoke, run_json

BIG = 2**53 + 1  # the first integer a float64 cannot hold
LABELS = [BIG, 3, -BIG - 2, 10, 2**62]
PREDS = [BIG + 2, 5, -BIG, 9, 2**62 + 2**12 + 1]


def _write(fmt: str, path, table: pa.Table) -> None:
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "arrow":
        feather.write_feather(table, path)
    else:
        with open(path, "w") as fh:
            for row in table.to_pylist():
                fh.write(json.dumps(row) + "\n")


def _figures(report: dict) -> dict:
    return {k: report[k] for k in ("n_samples", "losses", "metrics")}


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "jsonl"])
@pytest.mark.parametrize("vector", [False, True], ids=["column", "vector"])
def test_integers_beyond_2_53_read_as_csv_reads_them(tmp_path, fmt, vector):
    csv = tmp_path / "v.csv"
    csv.write_text("label,pred\n" + "".join(f"{a},{b}\n" for a, b in zip(LABELS, PREDS)))
    pred = pa.array([[p] for p in PREDS] if vector else PREDS)
    path = tmp_path / f"v.{fmt}"
    _write(fmt, path, pa.table({"label": pa.array(LABELS, pa.int64()), "pred": pred}))
    args = ["--label-col", "label", "--task", "regression", "--format", "json"]
    want = run_json("compute", csv, *args)
    got = run_json("compute", path, *args)
    assert _figures(got) == _figures(want)
    assert got["losses"]["mse"] > 0


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_a_huge_integer_label_is_bad_input_not_a_crash(tmp_path, fmt):
    path = tmp_path / f"v.{fmt}"
    labels = pa.array([0, 1, 2**60, 0], pa.int64())
    _write(fmt, path, pa.table({"label": labels, "p": pa.array([0.1, 0.9, 0.8, 0.2])}))

    r = invoke("compute", path, "--label-col", "label")
    assert r.exit_code == 2 and r.stdout == ""
    # the label as the float it is read as, in full (':g' wrote 1.15292e+18)
    message = f"Error: {path}: row 3: label 1.152921504606847e+18 makes 3 distinct labels"
    assert r.stderr.startswith(message)
