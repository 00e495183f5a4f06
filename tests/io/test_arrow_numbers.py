"""Number columns of the Arrow-based readers (Parquet, Arrow IPC, JSON Lines) as float64: the
plain float64 / int32 / int64 columns are converted without ``pyarrow.compute`` (start-up,
issue #20), every other type through ``pc.cast``; both give what ``pc.cast`` gives."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from losscli.io import open_table

COLUMNS = {
    "float64": pa.array([0.25, -1.5, 3.0, 1e300]),
    "float64 with nulls": pa.array([0.25, None, 3.0, None]),
    "float32": pa.array([0.25, 1.5, None, 2.0], pa.float32()),
    "int64": pa.array([0, 1, -(2**53), 2**53]),
    "int64 with nulls": pa.array([0, None, 7, 1]),
    "int32": pa.array([3, -4, 5, 0], pa.int32()),
    "uint8": pa.array([3, 4, 5, 0], pa.uint8()),
    "bool": pa.array([True, False, None, True]),
    "dictionary": pa.array([1.5, 2.5, 1.5, 2.5]).dictionary_encode(),
}


def read_column(path, name="x"):
    with open_table(str(path)) as t:
        return np.concatenate([c.column(name) for c in t.chunks()])


@pytest.mark.parametrize("kind", sorted(COLUMNS))
def test_parquet_number_columns_match_pyarrow_cast(kind, tmp_path):
    arr = COLUMNS[kind]
    pq.write_table(pa.table({"x": arr}), tmp_path / "t.parquet")
    plain = arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr
    want = np.array(pc.cast(plain, pa.float64()).to_pylist(), dtype=float)  # None -> nan
    got = read_column(tmp_path / "t.parquet")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["float64", "int64", "int64 with nulls"])
def test_jsonl_number_columns_match_pyarrow_cast(kind, tmp_path):
    values = COLUMNS[kind].to_pylist()
    (tmp_path / "t.jsonl").write_text("".join(json.dumps({"x": v}) + "\n" for v in values))
    want = np.array([np.nan if v is None else float(v) for v in values])
    np.testing.assert_array_equal(read_column(tmp_path / "t.jsonl"), want)
