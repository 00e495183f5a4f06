"""Tests for losscli.io: readers, writers, error messages.

Reference values: the frames are written by independent writers (numpy.savetxt / np.save /
np.savez / pyarrow.parquet / Python's csv and gzip modules) and must read back identical.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli.errors import DiskFullError, InputError, UsageError
from losscli.io import (
    PerSampleWriter,
    atomic_output,
    check_output_path,
    open_table,
    read_json_file,
)

RNG = np.random.default_rng(0)
FRAME = RNG.standard_normal((257, 4))
FRAME[3, 1] = 0.1
FRAME[5, 2] = 1e-300
NAMES = ["a", "b", "c", "d"]


def read_all(path, columns=None, **kw):
    with open_table(path, **kw) as t:
        cols = columns or t.columns
        parts = [c.matrix(cols) for c in t.chunks(cols)]
    return np.concatenate(parts) if parts else np.empty((0, len(cols)))


def write_text(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)
    return str(path)


def msg(excinfo):
    return str(excinfo.value)


# --- every format round-trips to the same numbers -------------------------------------


@pytest.fixture
def frame_files(tmp_path):
    files = {}
    header = ",".join(NAMES)
    # numpy.savetxt with %.17g is an independent writer that round-trips float64 exactly
    np.savetxt(tmp_path / "f.csv", FRAME, delimiter=",", header=header, comments="", fmt="%.17g")
    files["csv"] = tmp_path / "f.csv"
    np.savetxt(
        tmp_path / "f.tsv", FRAME, delimiter="\t", header="\t".join(NAMES), comments="", fmt="%.17g"
    )
    files["tsv"] = tmp_path / "f.tsv"
    with gzip.open(tmp_path / "f.csv.gz", "wb") as g:
        g.write((tmp_path / "f.csv").read_bytes())
    files["csv.gz"] = tmp_path / "f.csv.gz"
    np.save(tmp_path / "f.npy", FRAME)
    files["npy"] = tmp_path / "f.npy"
    np.savez(tmp_path / "f.npz", m=FRAME)
    files["npz"] = tmp_path / "f.npz"
    pq.write_table(pa.table({n: FRAME[:, j] for j, n in enumerate(NAMES)}), tmp_path / "f.parquet")
    files["parquet"] = tmp_path / "f.parquet"
    return files


@pytest.mark.parametrize("kind", ["csv", "tsv", "csv.gz", "npy", "npz", "parquet"])
def test_round_trip_every_format(frame_files, kind):
    path = frame_files[kind]
    with open_table(path, chunk_size=50) as t:
        cols = t.columns
        assert all(t.kinds[c] == "number" for c in cols)
        if kind in ("npy", "npz", "parquet"):
            assert t.n_rows == len(FRAME)
    got = read_all(path, chunk_size=50)
    assert got.dtype == np.float64 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, FRAME)


def test_column_names_per_format(frame_files, tmp_path):
    with open_table(frame_files["npy"]) as t:
        assert t.columns == ["0", "1", "2", "3"]
    np.save(tmp_path / "v.npy", np.arange(3))
    with open_table(tmp_path / "v.npy") as t:
        assert t.columns == ["0"]
    np.savez(tmp_path / "z.npz", logits=np.zeros((3, 2)), label=np.arange(3))
    with open_table(tmp_path / "z.npz") as t:
        assert t.columns == ["logits:0", "logits:1", "label"]
        (chunk,) = list(t.chunks(["label", "logits:1"]))
        np.testing.assert_array_equal(chunk.column("label"), [0.0, 1.0, 2.0])
        assert chunk.where(2) == "row 3"


def test_parquet_vector_columns(tmp_path):
    logits = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    pq.write_table(
        pa.table(
            {
                "fixed": pa.array(logits, pa.list_(pa.float32(), 3)),
                "var": pa.array(logits, pa.list_(pa.float64())),
                "name": ["x", None],
            }
        ),
        tmp_path / "v.parquet",
    )
    with open_table(tmp_path / "v.parquet") as t:
        assert t.columns == ["fixed:0", "fixed:1", "fixed:2", "var:0", "var:1", "var:2", "name"]
        assert t.kinds["name"] == "text"
        (c,) = list(t.chunks())
        np.testing.assert_array_equal(c.matrix(["var:0", "var:1", "var:2"]), logits)
        np.testing.assert_array_equal(c.matrix(["fixed:2"]), [[3.0], [6.0]])
        assert list(c.column("name")) == ["x", None]
    pq.write_table(
        pa.table({"var": pa.array([[1.0, 2.0], [1.0, 2.0, 3.0]], pa.list_(pa.float64()))}),
        tmp_path / "bad.parquet",
    )
    with open_table(tmp_path / "bad.parquet") as t, pytest.raises(InputError) as e:
        list(t.chunks())
    assert msg(e) == (
        f"{tmp_path / 'bad.parquet'}: row 2, column 'var' holds 3 values, the first row holds 2;"
        " every row needs a vector of the same length"
    )


def test_csv_kinds_text_bool_ints_and_missing(tmp_path):
    p = write_text(
        tmp_path / "k.csv",
        "id,label,flag,prob,empty\nx1,1,true,0.5,\nx2,0,False,,\n,2,TRUE,nan,\n",
    )
    with open_table(p) as t:
        assert t.kinds == {
            "id": "text",
            "label": "number",
            "flag": "number",
            "prob": "number",
            "empty": "number",
        }
        assert t.n_rows == 3
        (c,) = list(t.chunks())
    assert list(c.column("id")) == ["x1", "x2", None]
    lab = c.column("label")
    assert lab.dtype == np.float64
    np.testing.assert_array_equal(lab, [1.0, 0.0, 2.0])
    np.testing.assert_array_equal(c.column("flag"), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(c.column("prob"), [0.5, np.nan, np.nan])
    assert np.isnan(c.column("empty")).all()
    assert c.where(0) == "line 2"
    c.column("label")[0] = 7.0  # the caller owns the array


def test_header_names_and_bom(tmp_path):
    p = write_text(tmp_path / "h.csv", "\ufeff label , prob,\n1,0.5,3\n", mode="w")
    with open_table(p) as t:
        assert t.columns == ["label", "prob", "Unnamed: 2"]


def test_header_only_is_zero_rows(tmp_path):
    p = write_text(tmp_path / "h.csv", "label,prob\n")
    with open_table(p) as t:
        assert t.n_rows == 0
        assert list(t.chunks()) == []


def test_chunks_restart_and_select_order(frame_files):
    with open_table(frame_files["csv"], chunk_size=100) as t:
        first = [c.matrix(["d", "a"]) for c in t.chunks(["d", "a"])]
        second = [c.matrix(["d", "a"]) for c in t.chunks(["d", "a"])]
        starts = [c.start for c in t.chunks(["b"])]
    assert starts == [0, 100, 200]
    np.testing.assert_array_equal(np.concatenate(first), FRAME[:, [3, 0]])
    np.testing.assert_array_equal(np.concatenate(second), FRAME[:, [3, 0]])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(1, 300), kind=st.sampled_from(["csv", "csv.gz", "npy", "npz", "parquet"]))
def test_small_chunks_equal_one_pass(frame_files, size, kind):
    whole = read_all(frame_files[kind], chunk_size=10_000)
    with open_table(frame_files[kind], chunk_size=size) as t:
        chunks = list(t.chunks(t.columns[1:3]))
    assert all(c.n <= size for c in chunks)
    assert [c.start for c in chunks] == list(range(0, len(FRAME), size))[: len(chunks)]
    got = np.concatenate([np.column_stack([c.column(n) for n in c.columns]) for c in chunks])
    np.testing.assert_array_equal(got, whole[:, [1, 2]])


def test_csv_blocks_with_quoted_newlines(tmp_path, monkeypatch):
    import losscli.io._text as text

    monkeypatch.setattr(text, "BLOCK_BYTES", 64)  # force many blocks, cut inside quotes
    rows = [f'"line\n{i}, ""q""",{i}' for i in range(200)]
    p = write_text(tmp_path / "q.csv", "name,v\n" + "\n".join(rows) + "\n")
    with open_table(p, chunk_size=7) as t:
        chunks = list(t.chunks())
    names = np.concatenate([c.column("name") for c in chunks])
    assert names[5] == 'line\n5, "q"'
    np.testing.assert_array_equal(np.concatenate([c.column("v") for c in chunks]), range(200))


# --- stdin ----------------------------------------------------------------------------


def fake_stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize("kind", ["csv", "tsv", "csv.gz", "npy", "npz", "parquet"])
def test_stdin_sniffs_every_format(frame_files, monkeypatch, kind):
    fake_stdin(monkeypatch, frame_files[kind].read_bytes())
    with open_table("-", chunk_size=64) as t:
        assert t.name == "<stdin>"
        got = np.concatenate([c.matrix(t.columns) for c in t.chunks()])
        if kind in ("csv", "tsv", "csv.gz"):  # a text stream can be read once
            with pytest.raises(RuntimeError):
                t.chunks()
    np.testing.assert_array_equal(got, FRAME)


def test_stdin_errors_say_stdin(monkeypatch):
    fake_stdin(monkeypatch, b"")
    with pytest.raises(InputError) as e:
        open_table("-")
    assert (
        msg(e)
        == "<stdin>: no input on stdin (0 bytes); pipe the predictions in or pass a file path"
    )
    fake_stdin(monkeypatch, b"a,b\n1,2\n3,x\n")
    with open_table("-") as t:
        assert t.kinds["b"] == "text"
    fake_stdin(monkeypatch, b"a,b\n1,2\n3\n")
    with pytest.raises(InputError) as e:
        read_all("-")
    assert (
        msg(e)
        == "<stdin>: line 3 has 1 field, the header has 2; every row needs one value per column"
    )


# --- errors ---------------------------------------------------------------------------


def test_missing_directory_empty_unknown(tmp_path):
    with pytest.raises(InputError) as e:
        open_table(tmp_path / "preds.csv")
    assert (
        msg(e) == f"{tmp_path / 'preds.csv'}: no such file; check the path of the predictions file"
    )
    with pytest.raises(InputError) as e:
        open_table(tmp_path, role="labels")
    assert msg(e) == f"{tmp_path}: is a directory, not a file; pass the labels file inside it"
    p = write_text(tmp_path / "e.csv", "")
    with pytest.raises(InputError) as e:
        open_table(p)
    assert msg(e) == f"{p}: the file is empty (0 bytes); pass a predictions file with data"
    p = write_text(tmp_path / "x.h5", "a,b\n")
    with pytest.raises(InputError) as e:
        open_table(p)
    assert msg(e) == (
        f"{p}: cannot tell the file format from its extension; pass --input-format "
        "csv, tsv, jsonl, npy, npz, parquet or arrow"
    )
    with open_table(p, fmt="csv") as t:
        assert t.columns == ["a", "b"]
    with pytest.raises(UsageError):
        open_table(p, fmt="xlsx")


def test_unreadable(tmp_path, monkeypatch):
    p = write_text(tmp_path / "p.csv", "a\n1\n")
    os.chmod(p, 0)
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # root could read it anyway
    with pytest.raises(InputError) as e:
        open_table(p)
    assert msg(e) == f"{p}: permission denied; make the predictions file readable"


def test_no_header(tmp_path):
    p = write_text(tmp_path / "n.csv", "1,0.5,2\n0,0.2,1\n")
    with pytest.raises(InputError) as e:
        open_table(p)
    assert msg(e) == (
        f"{p}: line 1 is all numbers (1,0.5,2): the file has no header row (as np.savetxt "
        "writes it); pass --no-header to read line 1 as data (columns named 0 … 2, e.g. "
        "--label-col 0), or add a header row"
    )


def test_ragged_row(tmp_path):
    body = "".join(f"{i},{i},{i},{i},{i}\n" for i in range(4)) + "1,2,3,4\n9,9,9,9,9\n"
    p = write_text(tmp_path / "r.csv", "a,b,c,d,e\n" + body)
    with pytest.raises(InputError) as e:
        read_all(p)
    assert (
        msg(e)
        == f"{p}: line 6 has 4 fields, the header has 5; every row needs one value per column"
    )


def test_text_in_number_column_later_block(tmp_path, monkeypatch):
    import losscli.io._text as text

    monkeypatch.setattr(text, "BLOCK_BYTES", 4096)  # kinds come from the first block only
    lines = [f"{i % 2},0.{i % 10}" for i in range(2000)]
    lines[1500] = "1,abc"
    p = write_text(tmp_path / "preds.csv", "label,prob\n" + "\n".join(lines) + "\n")
    with open_table(p, chunk_size=300) as t:
        assert t.kinds["prob"] == "number"
        with pytest.raises(InputError) as e:
            list(t.chunks())
    assert msg(e) == f"{p}: line 1502, column 'prob': 'abc' is not a number"
    # integer-looking first block, decimals later: still numbers (float64)
    lines = [str(i % 3) for i in range(2000)] + ["1.5"]
    p = write_text(tmp_path / "ints.csv", "y\n" + "\n".join(lines) + "\n")
    got = read_all(p)
    assert got[-1, 0] == 1.5 and got.dtype == np.float64


def test_spaces_around_numbers_are_tolerated(tmp_path):
    p = write_text(tmp_path / "s.csv", "a, b\n1, 2.5\n 3 ,4\n")
    np.testing.assert_array_equal(read_all(p), [[1.0, 2.5], [3.0, 4.0]])


def test_not_utf8(tmp_path):
    p = tmp_path / "u.csv"
    p.write_bytes(b"id,prob\nab,0.1\ncd,0.2\n\xff\xfe,0.3\n")
    with pytest.raises(InputError) as e:
        read_all(p)
    assert msg(e) == f"{p}: line 4, column 'id' is not UTF-8 text; re-save the file as UTF-8"
    p.write_bytes(b"i\xffd,prob\n1,2\n")
    with pytest.raises(InputError) as e:
        open_table(p)
    assert "is not UTF-8 text" in msg(e)


def test_duplicate_columns(tmp_path):
    p = write_text(tmp_path / "d.csv", "a,b,a\n1,2,3\n")
    with pytest.raises(InputError) as e:
        open_table(p)
    assert (
        msg(e)
        == f"{p}: the column name 'a' appears more than once; give every column a distinct name"
    )


def test_unknown_column_requested(tmp_path):
    p = write_text(tmp_path / "d.csv", "a,b\n1,2\n")
    with open_table(p, role="labels") as t, pytest.raises(InputError) as e:
        t.chunks(["prob"])
    assert msg(e) == f"{p}: no column 'prob' in the labels file; its columns are 'a', 'b'"


def test_corrupt_gzip_npy_npz_parquet(tmp_path, frame_files):
    gz = frame_files["csv.gz"].read_bytes()
    (tmp_path / "t.csv.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(InputError) as e:
        read_all(tmp_path / "t.csv.gz")
    assert "is not a valid gzip file (corrupt or truncated)" in msg(e)
    for kind, word in [("npy", "NPY"), ("npz", "NPZ"), ("parquet", "Parquet")]:
        data = frame_files[kind].read_bytes()
        bad = tmp_path / f"t.{kind}"
        bad.write_bytes(data[: len(data) // 2])
        with pytest.raises(InputError) as e:
            read_all(bad)
        assert msg(e).startswith(f"{bad}: is not a valid {word} file (corrupt or truncated)")


def test_npy_shapes_refused(tmp_path):
    np.save(tmp_path / "z.npy", np.float64(3.0))
    with pytest.raises(InputError) as e:
        open_table(tmp_path / "z.npy")
    assert msg(e) == (
        f"{tmp_path / 'z.npy'}: the array is a single value (a 0-D array); save a 1-D array (N,)"
        " or a 2-D array (N, C)"
    )
    np.save(tmp_path / "t.npy", np.zeros((2, 3, 4)))
    t = open_table(tmp_path / "t.npy")  # a dense array: rows once flatten() reads it
    assert t.shape == (2, 3, 4) and t.columns == []
    with pytest.raises(InputError) as e:
        list(t.chunks())
    assert "is a 3-D array of shape (2, 3, 4); a dense array (N, C, d1..dk) needs" in msg(e)


def test_npz_lengths_differ(tmp_path):
    np.savez(tmp_path / "l.npz", probs=np.zeros(5), labels=np.zeros(4))
    with pytest.raises(InputError) as e:
        open_table(tmp_path / "l.npz")
    assert msg(e) == (
        f"{tmp_path / 'l.npz'}: the arrays have different lengths: 'probs' has 5 rows, "
        "'labels' has 4; save arrays with one row per sample"
    )


class _Touch:
    """Unpickling this object would create a sentinel file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("kind", ["npy", "npz", "raw-pickle"])
def test_pickled_payload_never_runs(tmp_path, kind):
    sentinel = tmp_path / "pwned"
    arr = np.array([_Touch(str(sentinel)), 1], dtype=object)
    if kind == "npy":
        path = tmp_path / "p.npy"
        np.save(path, arr, allow_pickle=True)
    elif kind == "npz":
        path = tmp_path / "p.npz"
        np.savez(path, x=arr)
    else:
        path = tmp_path / "raw.npy"
        path.write_bytes(pickle.dumps(_Touch(str(sentinel))))
    with pytest.raises(InputError) as e:
        read_all(path)
    assert "object arrays are not supported" in msg(e)
    assert not sentinel.exists()


def test_npy_text_and_bad_dtype(tmp_path):
    np.save(tmp_path / "s.npy", np.array(["cat", "", "dog"]))
    with open_table(tmp_path / "s.npy") as t:
        assert t.kinds == {"0": "text"}
        (c,) = list(t.chunks())
        assert list(c.column("0")) == ["cat", None, "dog"]
        with pytest.raises(InputError):
            c.matrix(["0"])
    np.save(tmp_path / "c.npy", np.zeros(3, dtype=complex))
    with pytest.raises(InputError) as e:
        open_table(tmp_path / "c.npy")
    assert "has dtype complex128, which is not supported" in msg(e)


# --- fuzz: only InputError may escape -------------------------------------------------


def _drain(path, fmt=None):
    try:
        with open_table(path, fmt=fmt, chunk_size=3) as t:
            for c in t.chunks():
                for n in c.columns:
                    c.column(n)
    except InputError:
        pass


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(min_size=0, max_size=300),
    fmt=st.sampled_from(["csv", "tsv", "npy", "npz", "parquet"]),
)
def test_fuzz_random_bytes(tmp_path, data, fmt):
    p = tmp_path / "fuzz.bin"
    p.write_bytes(data)
    _drain(p, fmt)


CSV_ALPHABET = st.sampled_from(list('ab01.,\n"\t -e\r') + ["nan", "true", "é", "\x00", "\xff"])


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(CSV_ALPHABET, max_size=60).map("".join))
def test_fuzz_random_csv_text(tmp_path, text):
    p = tmp_path / "fuzz.csv"
    p.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    _drain(p)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=st.binary(max_size=40), cut=st.integers(0, 400))
def test_fuzz_mangled_real_files(frame_files, tmp_path, prefix, cut):
    for kind in ("npy", "npz", "parquet", "csv.gz"):
        data = frame_files[kind].read_bytes()
        p = tmp_path / f"m.{kind}"
        p.write_bytes(data[:cut] + prefix + data[cut + len(prefix) :])
        _drain(p)


# --- writers --------------------------------------------------------------------------


def test_check_output_path(tmp_path):
    with pytest.raises(InputError) as e:
        check_output_path("out/r.json")
    assert msg(e) == "cannot write 'out/r.json': folder 'out' does not exist; create it first"
    with pytest.raises(InputError) as e:
        check_output_path(tmp_path)
    assert "it is a folder" in msg(e)
    check_output_path(tmp_path / "fine.json")


def test_atomic_output_success_and_failure(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as f:
            f.write(b"half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.json"]
    new = tmp_path / "new.json"
    with pytest.raises(KeyError):
        with atomic_output(new) as f:
            f.write(b"x")
            raise KeyError
    assert not new.exists() and os.listdir(tmp_path) == ["r.json"]
    with atomic_output(target) as f:
        f.write(b"new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["r.json"]


def test_atomic_output_disk_full(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "r.json"
    target.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(DiskFullError) as e:
        with atomic_output(target) as f:
            f.write(b"new")
    assert msg(e) == f"cannot write '{target}': the disk is full; free space and retry"
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["r.json"]


SAMPLES = {
    "id": np.array(["a", 'q"x,y', None, "é\n"], dtype=object),
    "label": np.array([0, 1, 2, 1], dtype=np.int64),
    "loss": np.array([0.1, 1 / 3, np.nan, 1e-300]),
}


@pytest.mark.parametrize("ext", ["csv", "csv.gz", "jsonl", "parquet"])
def test_per_sample_round_trip(tmp_path, ext):
    path = tmp_path / f"s.{ext}"
    with PerSampleWriter(path) as w:
        for s in (slice(0, 3), slice(3, 4)):
            w.write({k: v[s] for k, v in SAMPLES.items()})
    assert os.listdir(tmp_path) == [f"s.{ext}"]
    if ext == "jsonl":
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        assert [r["id"] for r in rows] == list(SAMPLES["id"])
        assert [r["label"] for r in rows] == [0, 1, 2, 1]
        assert rows[2]["loss"] is None
        assert [r["loss"] for r in rows if r["loss"] is not None] == [0.1, 1 / 3, 1e-300]
        return
    with open_table(path) as t:
        (c,) = list(t.chunks())
        assert list(c.column("id")) == list(SAMPLES["id"])
        np.testing.assert_array_equal(c.column("label"), SAMPLES["label"])
        np.testing.assert_array_equal(c.column("loss"), SAMPLES["loss"])


def test_per_sample_abort_and_stdout(tmp_path, capsysbinary):
    path = tmp_path / "s.csv"
    with pytest.raises(ValueError):
        with PerSampleWriter(path) as w:
            w.write({"x": np.array([1.0])})
            raise ValueError
    assert os.listdir(tmp_path) == []
    with PerSampleWriter("-") as w:
        w.write({"x": np.array([0.1, 2.0])})
    assert capsysbinary.readouterr().out == b"x\n0.1\n2\n"
    with pytest.raises(UsageError):
        PerSampleWriter(tmp_path / "s.xlsx")


def test_read_json_file(tmp_path):
    p = write_text(tmp_path / "t.json", '{"cat": 0.3}')
    assert read_json_file("@" + p) == {"cat": 0.3}
    p = write_text(tmp_path / "b.json", "{\n  'cat': 1}")
    with pytest.raises(InputError) as e:
        read_json_file(p)
    assert msg(e) == (
        f"{p}: not valid JSON at line 2, column 3: Expecting property name enclosed in double "
        "quotes; fix the file"
    )
    with pytest.raises(InputError):
        read_json_file(tmp_path / "none.json")


def test_pandas_never_imported(frame_files, tmp_path):
    import subprocess

    code = (
        "import sys, numpy as np, losscli.io as io\n"
        f"for p in {[str(frame_files[k]) for k in ('csv', 'csv.gz', 'parquet', 'npz')]!r}:\n"
        "    t = io.open_table(p, chunk_size=100); [c.matrix(t.columns) for c in t.chunks()]\n"
        "for ext in ('csv', 'jsonl', 'parquet', 'csv.gz'):\n"
        f"    with io.PerSampleWriter({str(tmp_path)!r} + '/o.' + ext) as w:\n"
        "        w.write({'id': np.array(['a', None], dtype=object), 'x': np.array([1.0, 2.0])})\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


def test_import_is_cheap():
    import subprocess

    code = (
        "import sys, losscli.io, numpy as np, tempfile, os\n"
        "d = tempfile.mkdtemp(); p = os.path.join(d, 'x.npy'); np.save(p, np.zeros(3))\n"
        "t = losscli.io.open_table(p); list(t.chunks())\n"
        "print('pyarrow' in sys.modules, 'pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.tuples(
            st.floats(allow_nan=False, width=64),
            st.text(alphabet=st.sampled_from(list('ab,"\n\té ')), max_size=8),
        ),
        min_size=1,
        max_size=60,
    ),
    block=st.sampled_from([16, 64, 1 << 20]),
    size=st.integers(1, 70),
)
def test_python_csv_writer_round_trip(tmp_path, monkeypatch, values, block, size):
    # Reference: Python's csv module writes the file (quoting as needed), repr() the floats.
    import csv

    import losscli.io._text as text

    monkeypatch.setattr(text, "BLOCK_BYTES", block)
    p = tmp_path / "w.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["x", "name"])
        for x, s in values:
            w.writerow([repr(x), "t" + s])
    with open_table(p, chunk_size=size) as t:
        chunks = list(t.chunks(["name", "x"]))
    xs = np.concatenate([c.column("x") for c in chunks])
    names = np.concatenate([c.column("name") for c in chunks])
    np.testing.assert_array_equal(xs, [x for x, _ in values])
    assert [n.replace("\r\n", "\n") for n in names] == ["t" + s for _, s in values]


def test_txt_extension_sniffs_tab_or_comma(tmp_path):
    p = write_text(tmp_path / "a.txt", "y\tp\n1\t0.5\n")
    np.testing.assert_array_equal(read_all(p), [[1.0, 0.5]])
    p = write_text(tmp_path / "b.txt", "y,p\n1,0.5\n")
    np.testing.assert_array_equal(read_all(p), [[1.0, 0.5]])


# --- long cells, trailing delimiters ----------------------------------------------------


@pytest.mark.parametrize("cell_mb", [1.5, 5, 20])
@pytest.mark.parametrize("quoted", [False, True])
def test_cell_longer_than_pyarrows_block_reads(tmp_path, cell_mb, quoted):
    big = "x" * int(cell_mb * (1 << 20))
    cell = f'"{big}"' if quoted else big
    p = write_text(tmp_path / "big.csv", f"label,prob,note\n1,0.9,{cell}\n0,0.2,a\n1,0.7,\n")
    with open_table(p) as t:
        (c,) = list(t.chunks())
    assert t.kinds["note"] == "text"
    assert list(c.column("note")) == [big, "a", None]
    np.testing.assert_array_equal(c.column("prob"), [0.9, 0.2, 0.7])


def test_cell_longer_than_pyarrows_block_in_a_later_block(tmp_path, monkeypatch):
    import losscli.io._text as text

    monkeypatch.setattr(text, "BLOCK_BYTES", 1 << 16)
    rows = [f"{i % 2},0.5,{'y' * (3 << 20) if i == 700 else f'n{i}'}" for i in range(1000)]
    p = write_text(tmp_path / "big.csv", "label,prob,note\n" + "\n".join(rows) + "\n")
    with open_table(p, chunk_size=64) as t:
        notes = np.concatenate([c.column("note") for c in t.chunks(["note"])])
    assert len(notes) == 1000 and len(notes[700]) == 3 << 20 and notes[701] == "n701"


def test_blank_trailing_column_is_known(tmp_path):
    p = write_text(tmp_path / "t.csv", "label,prob,\n1,0.9,\n0,0.2,\n")
    with open_table(p) as t:
        assert t.columns == ["label", "prob", "Unnamed: 2"]
        assert t.blank_columns == {"Unnamed: 2"}
    p = write_text(tmp_path / "i.csv", ",label,prob\n0,1,0.9\n1,0,0.2\n")
    with open_table(p) as t:
        assert t.blank_columns == set()  # a pandas index has values


def test_text_evidence_names_the_first_non_number(tmp_path):
    p = write_text(tmp_path / "t.csv", "label,prob,name\n1,0.9,a\n0,,b\n1, x ,c\n0,y,d\n")
    with open_table(p) as t:
        assert t.kinds["prob"] == "text"
        assert t.text_evidence == {"prob": "line 4: 'x'", "name": "line 2: 'a'"}
