"""The input-format registry (losscli.io.formats): every row's extensions, magic bytes, reader,
option value and help text reach the places derived from it.

Reference data: each file is written by an independent writer (Python's csv text, gzip,
numpy.save / numpy.savez, pyarrow.parquet) and must read back the same columns.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import invoke

from losscli.cli import cli
from losscli.errors import UsageError
from losscli.io import FORMATS, INPUT_FORMATS, format_from_name, open_table, sniff_format
from losscli.io.formats import BINARY, check_format, lookup, option_help

LABEL = np.array([1.0, 0.0, 1.0, 0.0])
PROB = np.array([0.9, 0.2, 0.6, 0.4])


def write(path, fmt: str) -> None:
    """Write the (label, prob) frame in ``fmt`` (gzip-compressed when the name ends .gz)."""
    if fmt in ("csv", "tsv", "text"):
        sep = "\t" if fmt == "tsv" else ","
        text = f"label{sep}prob\n" + "".join(f"{int(y)}{sep}{p}\n" for y, p in zip(LABEL, PROB))
        data = text.encode()
        path.write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)
    elif fmt == "jsonl":  # as pandas writes records
        import pandas as pd

        text = pd.DataFrame({"label": LABEL, "prob": PROB}).to_json(orient="records", lines=True)
        data = text.encode()
        path.write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)
    elif fmt == "npy":
        with open(path, "wb") as f:
            np.save(f, np.column_stack([LABEL, PROB]))
    elif fmt == "npz":
        with open(path, "wb") as f:
            np.savez(f, label=LABEL, prob=PROB)
    elif fmt == "parquet":
        pq.write_table(pa.table({"label": LABEL, "prob": PROB}), str(path))
    elif fmt == "arrow":  # the stream format for .arrows, else the file format (Feather v2)
        table = pa.table({"label": LABEL, "prob": PROB})
        if str(path).endswith(".arrows"):
            with pa.ipc.new_stream(str(path), table.schema) as w:
                w.write_table(table)
        else:
            with pa.ipc.new_file(str(path), table.schema) as w:
                w.write_table(table)
    else:  # a new registry row needs a writer here
        raise AssertionError(f"no test writer for {fmt}")


ENDINGS = [(f.name, end) for f in INPUT_FORMATS for end in f.names_of_files()]


@pytest.mark.parametrize(("fmt", "ending"), ENDINGS)
def test_every_ending_names_its_format_in_any_case(fmt, ending):
    assert format_from_name(f"runs/preds{ending}") == fmt
    assert format_from_name(f"RUNS/PREDS{ending.upper()}") == fmt


@pytest.mark.parametrize("name", ["preds.h5", "preds.gz", "preds", "preds.csv.bz2", "csv"])
def test_a_name_of_no_format(name):
    assert format_from_name(name) is None


def test_text_formats_take_gz_and_binary_formats_do_not():
    for f in INPUT_FORMATS:
        gz = [e for e in f.names_of_files() if e.endswith(".gz")]
        assert bool(gz) == (f.access == "text"), f.name
    assert format_from_name("x.npy.gz") is None


@pytest.mark.parametrize("row", [f for f in INPUT_FORMATS if f.magic], ids=lambda f: f.name)
def test_every_magic_is_sniffed(row):
    for magic in row.magic:
        assert sniff_format(magic + b"\x00" * 4) == row.name
    assert sniff_format(b"label,prob\n1,0.5\n") == "text"


@pytest.mark.parametrize(("fmt", "ending"), ENDINGS)
def test_a_file_reads_by_each_of_its_endings(tmp_path, fmt, ending):
    path = tmp_path / f"preds{ending}"
    write(path, fmt)
    with open_table(str(path)) as t:
        chunks = list(t.chunks())
    if fmt == "npy":  # an unnamed matrix: columns by position
        got = np.concatenate([c.matrix(t.columns) for c in chunks])
        np.testing.assert_array_equal(got, np.column_stack([LABEL, PROB]))
    else:
        assert t.columns == ["label", "prob"]
        np.testing.assert_array_equal(np.concatenate([c.column("prob") for c in chunks]), PROB)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f in BINARY])
def test_content_wins_over_a_misleading_extension(tmp_path, fmt):
    path = tmp_path / "preds.csv"
    write(path, fmt)
    with open_table(str(path)) as t:
        assert type(t).__name__ != "TextTable"


@pytest.mark.parametrize("fmt", FORMATS)
def test_input_format_reads_a_file_without_extension(tmp_path, fmt):
    path = tmp_path / "preds.data"
    write(path, fmt)
    args = ["compute", path, "--input-format", fmt, "--format", "json", "--quiet"]
    if fmt == "npy":
        args += ["--label-col", "0"]
    r = invoke(args)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["n_samples"] == 4


def test_the_click_choices_and_the_help_are_the_registry():
    for opt in ("--input-format", "--labels-format"):
        param = next(p for c in (cli.commands["compute"],) for p in c.params if opt in p.opts)
        assert tuple(param.type.choices) == FORMATS
    text = option_help("Format of X.")
    for f in INPUT_FORMATS:
        assert (f"{f.name}: {f.help}" in text) == f.option, f.name
        if f.option:
            for e in f.extensions:
                assert e in text
    r = invoke(["compute", "--help"])
    assert "[csv|tsv|jsonl|npy|npz|parquet|arrow]" in r.stdout


@pytest.mark.parametrize(("given", "want"), [("CSV", "csv"), ("Parquet", "parquet"), ("txt", None)])
def test_check_format(given, want):
    assert check_format(given) == want


@pytest.mark.parametrize("bad", ["text", "xlsx", "gz", ""])
def test_an_unknown_format_is_a_usage_error_listing_the_registry(bad):
    with pytest.raises(UsageError) as e:
        check_format(bad)
    assert str(e.value) == (
        f"--input-format must be one of csv, tsv, jsonl, npy, npz, parquet, arrow; got '{bad}'"
    )


def test_error_lists_come_from_the_registry(tmp_path):
    assert BINARY == ("npy", "npz", "parquet", "arrow")
    path = tmp_path / "preds.h5"
    path.write_text("label,prob\n1,0.5\n")
    r = invoke(["compute", path])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"Error: {path}: cannot tell the file format from its extension; pass --input-format "
        "csv, tsv, jsonl, npy, npz, parquet or arrow\n"
    )
    assert lookup("text").option is False
