"""Partitioned datasets: a directory or glob of part files reads as one table, in order.

Reference: the same rows written as one file (by pyarrow / Python's csv writer) must give the
same chunks, the same report and the same per-sample rows as the parts read as a dataset.
Also: the exact message of every bad dataset, and that ``--help`` never imports dask.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import invoke

from losscli.errors import InputError
from losscli.io import open_table
from losscli.io._dataset import DatasetTable, is_dataset_path, list_parts

RNG = np.random.default_rng(7)
N, SIZES = 60, (10, 0, 25, 25)  # an empty part in the middle


def frame(n=N):
    return {
        "id": np.arange(n, dtype=np.int64) + 1000,
        "label": RNG.integers(0, 2, n).astype(np.int64),
        "prob": RNG.random(n),
    }


def split(data, sizes=SIZES):
    out, s = [], 0
    for k in sizes:
        out.append({c: v[s : s + k] for c, v in data.items()})
        s += k
    return out


def write_csv(path, data):
    cols = list(data)
    lines = [",".join(cols)]
    for i in range(len(data[cols[0]])):
        lines.append(
            ",".join(repr(float(data[c][i])) if c == "prob" else str(data[c][i]) for c in cols)
        )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def dataset(tmp_path):
    """The same rows as one Parquet file, a folder of Parquet parts and CSV parts."""
    data = frame()
    pq.write_table(pa.table(data), tmp_path / "whole.parquet")
    write_csv(tmp_path / "whole.csv", data)
    pdir, cdir = tmp_path / "pq", tmp_path / "csv"
    pdir.mkdir()
    cdir.mkdir()
    for i, part in enumerate(split(data)):
        pq.write_table(pa.table(part), pdir / f"part-{i:05d}.parquet")
        write_csv(cdir / f"part-{i:05d}.csv", part)
    (pdir / "_SUCCESS").write_text("")
    (pdir / "_common_metadata").write_bytes(b"not data")
    (pdir / ".part-00000.parquet.crc").write_bytes(b"crc")
    (pdir / "nested").mkdir()  # subfolders are not read
    return tmp_path, data


def read(table, cols=("id", "label", "prob")):
    chunks = list(table.chunks(list(cols)))
    return chunks, np.concatenate([c.matrix(list(cols)) for c in chunks])


# --- reading --------------------------------------------------------------------------------


def test_folder_reads_like_the_whole_file(dataset):
    d, data = dataset
    with open_table(d / "pq", chunk_size=8) as t:
        assert isinstance(t, DatasetTable)
        assert [p.label for p in t.parts] == [f"part-{i:05d}.parquet" for i in range(4)]
        assert t.columns == ["id", "label", "prob"] and t.n_rows == N
        assert t.part_rows == list(SIZES)
        chunks, got = read(t)
    expected = np.column_stack([data["id"], data["label"], data["prob"]]).astype(float)
    np.testing.assert_array_equal(got, expected)
    # dataset row numbers run on; a location names the part and its own row
    assert [c.start for c in chunks] == [0, 8, 10, 18, 26, 34, 35, 43, 51, 59]
    assert chunks[2].where(3) == "part-00002.parquet, row 4"
    assert chunks[-1].where(0) == "part-00003.parquet, row 25"


def test_csv_glob_reads_like_the_whole_file(dataset):
    d, data = dataset
    pattern = str(d / "csv" / "part-*.csv")
    assert is_dataset_path(pattern) and not is_dataset_path(str(d / "whole.csv"))
    with open_table(pattern, chunk_size=16) as t:
        assert [p.label for p in t.parts] == [
            str(d / "csv" / f"part-{i:05d}.csv") for i in range(4)
        ]
        assert t.n_rows == N
        chunks, got = read(t)
    with open_table(d / "whole.csv") as t:
        _, whole = read(t)
    np.testing.assert_array_equal(got, whole)
    last = chunks[-1]
    assert last.where(last.n - 1) == f"{d / 'csv' / 'part-00003.csv'}, line 26"


def test_recursive_glob_and_sorted_order(tmp_path):
    for sub in ("b", "a"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.csv").write_text(f"label,prob\n1,0.{len(sub)}\n")
    parts = list_parts(str(tmp_path / "**" / "*.csv"))
    assert [os.path.relpath(p.name, tmp_path) for p in parts] == ["a/x.csv", "b/x.csv"]


def test_columns_in_another_order_read_by_name(tmp_path):
    pq.write_table(pa.table({"label": [1, 0], "prob": [0.9, 0.2]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"prob": [0.7], "label": [1]}), tmp_path / "b.parquet")
    with open_table(tmp_path) as t:
        assert t.columns == ["label", "prob"]
        _, got = read(t, ("label", "prob"))
    np.testing.assert_array_equal(got, [[1, 0.9], [0, 0.2], [1, 0.7]])


# --- the same report ------------------------------------------------------------------------


def report(*args):
    r = invoke("compute", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    out.pop("inputs", None)
    return out


@pytest.mark.parametrize("sub", ["pq", "csv"])
def test_compute_on_a_folder_equals_one_file(dataset, sub):
    d, _ = dataset
    whole = report(d / "whole.parquet", "--loss", "all")
    parts = report(d / sub, "--loss", "all", "--chunk-size", "7")
    assert parts["n_samples"] == N
    assert parts.keys() == whole.keys()
    assert parts["confusion_matrix"] == whole["confusion_matrix"]
    for key in ("losses", "metrics"):
        assert parts[key] == pytest.approx(whole[key], rel=1e-12)


def test_positional_labels_and_per_sample_rows_run_on(dataset, tmp_path):
    d, data = dataset
    labels = tmp_path / "labels.csv"
    labels.write_text("label\n" + "\n".join(str(v) for v in data["label"]) + "\n")
    pdir = tmp_path / "nolabel"
    pdir.mkdir()
    for i, part in enumerate(split({"prob": data["prob"]})):
        pq.write_table(pa.table(part), pdir / f"p{i}.parquet")
    out = tmp_path / "ps.csv"
    r = invoke("compute", pdir, labels, "--per-sample", out, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["losses"] == report(d / "pq")["losses"]
    rows = [int(line.split(",")[0]) for line in out.read_text().splitlines()[1:]]
    assert rows == list(range(1, N + 1))


# --- bad datasets: one exact line, exit 2 ---------------------------------------------------


def error_of(*args):
    r = invoke("compute", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == "" and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    return lines[0][len("Error: ") :]


def test_glob_matching_nothing(tmp_path):
    pattern = tmp_path / "part-*.parquet"
    assert error_of(pattern) == (
        f"{pattern}: no file matches this pattern; check the path of the predictions files "
        "(and quote the pattern so that the shell leaves it alone)"
    )


def test_folder_without_data_files(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (
        error_of(empty)
        == f"{empty}: is a directory, not a file; pass the predictions file inside it"
    )
    (empty / "_SUCCESS").write_text("")
    (empty / "sub").mkdir()
    assert error_of(empty) == (
        f"{empty}: the folder holds no data file (names starting with '.' or '_' and subfolders "
        f"are skipped); pass a file, or a glob such as '{empty}/*/*.parquet'"
    )


def test_part_with_other_columns(tmp_path):
    pq.write_table(pa.table({"label": [1, 0], "prob": [0.9, 0.2]}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"label": [1], "score": [0.7]}), tmp_path / "p1.parquet")
    assert error_of(tmp_path) == (
        f"{tmp_path}/p1.parquet: its columns differ from those of {tmp_path}/p0.parquet (it "
        f"lacks 'prob'; it has 'score' too); every part of {tmp_path} needs the same columns"
    )


def test_part_with_text_in_a_number_column(tmp_path):
    (tmp_path / "p0.csv").write_text("label,prob\n1,0.9\n")
    (tmp_path / "p1.csv").write_text("label,prob\n1,high\n")
    assert error_of(tmp_path / "p*.csv") == (
        f"{tmp_path}/p1.csv: column 'prob' holds text, but numbers in {tmp_path}/p0.csv; every "
        f"part of {tmp_path}/p*.csv needs the same kind of values in a column"
    )


def test_corrupt_part(tmp_path):
    pq.write_table(pa.table({"label": [1, 0], "prob": [0.9, 0.2]}), tmp_path / "p0.parquet")
    (tmp_path / "p1.parquet").write_bytes(b"PAR1" + b"\0" * 20 + b"PAR1")
    message = error_of(tmp_path)
    assert message.startswith(
        f"{tmp_path}/p1.parquet: is not a valid Parquet file (corrupt or truncated): "
    )


def test_empty_part_file(tmp_path):
    (tmp_path / "p0.csv").write_text("label,prob\n1,0.9\n")
    (tmp_path / "p1.csv").write_text("")
    assert error_of(tmp_path) == (
        f"{tmp_path}/p1.csv: the file is empty (0 bytes); pass a predictions file with data"
    )


def test_bad_row_names_the_part_and_its_row(tmp_path):
    pq.write_table(pa.table({"label": [1, 0], "prob": [0.9, 0.2]}), tmp_path / "p0.parquet")
    pq.write_table(
        pa.table({"label": [1, 0, 1], "prob": [0.9, np.nan, 0.2]}), tmp_path / "p1.parquet"
    )
    assert error_of(tmp_path) == (
        f"{tmp_path}: p1.parquet, row 2: prediction column 'prob' is nan (missing, NaN or inf); "
        "fix the file or pass --drop-invalid to skip such rows"
    )


def test_dataset_errors_in_python():
    with pytest.raises(InputError, match="no file matches this pattern"):
        open_table("no/such/part-*.csv")


# --- the CLI's engine options without dask --------------------------------------------------


def test_help_imports_no_dask():
    code = (
        "import sys\nfrom losscli.cli import cli\n"
        "try:\n    cli.main(['compute', '--help'], prog_name='losscli')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('dask', 'distributed', 'pandas', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--engine [local|dask]" in out.stdout and "--scheduler ADDRESS" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_missing_dask_names_the_extra(dataset):
    d, _ = dataset
    code = (
        "import sys\nsys.modules['dask'] = None\nsys.modules['distributed'] = None\n"
        "from losscli.cli import main\nsys.argv = ['losscli', 'compute', sys.argv[1], "
        "'--engine', 'dask']\nmain()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(d / "pq")], capture_output=True, text=True
    )
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "Error: --engine dask needs the dask extra: pip install 'losscli[dask]'\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler and --workers need --engine dask"),
        (["--workers", "3"], "--scheduler and --workers need --engine dask"),
        (
            ["--engine", "dask", "--plot", "pics"],
            "--plot needs the per-sample losses, which stay on the dask workers; drop --plot or "
            "use --engine local",
        ),
    ],
)
def test_engine_option_mistakes(dataset, args, message):
    d, _ = dataset
    assert error_of(d / "pq", *args) == message
