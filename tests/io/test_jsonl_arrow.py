"""JSON Lines and Arrow IPC inputs, written the way the tools people use write them.

Reference writers: ``pandas.DataFrame.to_json(orient="records", lines=True)`` (JSON Lines),
``pandas.DataFrame.to_feather`` (Arrow IPC file format), ``pyarrow.ipc.new_stream`` (the
stream format, as Hugging Face ``datasets`` writes its ``.arrow`` files). Each must give the
same report as the same rows written as CSV (columns ``probs:0..C-1``) by pandas ``to_csv``.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from losscli.cli import cli
from losscli.io import open_table

RNG = np.random.default_rng(0)
N, C = 50, 3
LABEL = RNG.integers(0, C, N)
PROBS = RNG.dirichlet(np.ones(C), N)
IDS = np.arange(1000, 1000 + N)


def invoke(args, input=None):
    return CliRunner().invoke(
        cli, [str(a) for a in args], input=input, catch_exceptions=False, prog_name="losscli"
    )


def frame() -> pd.DataFrame:
    return pd.DataFrame({"id": IDS, "label": LABEL, "probs": [list(r) for r in PROBS]})


def csv_twin(tmp_path, df=None):
    """The same rows as CSV, one column per class, as pandas writes them (``df``: the frame as
    pandas reads the file back, e.g. JSON Lines rounded to ``to_json``'s 10 digits)."""
    df = frame() if df is None else df
    flat = pd.DataFrame({"id": df["id"], "label": df["label"]})
    probs = np.array([list(v) for v in df["probs"]])
    for j in range(C):
        flat[f"probs:{j}"] = probs[:, j]
    path = tmp_path / "twin.csv"
    flat.to_csv(path, index=False)
    return path


def read_lines(path):
    data = path.read_bytes()
    text = gzip.decompress(data) if str(path).endswith(".gz") else data
    return [json.loads(line) for line in text.decode().splitlines() if line.strip()]


def twin_of(tmp_path, path):
    """The CSV twin of a file, from what pandas / pyarrow read back from it."""
    name = str(path)
    if ".jsonl" in name or ".ndjson" in name:  # Python's json: correctly rounded floats
        return csv_twin(tmp_path, pd.DataFrame(read_lines(path)))
    return csv_twin(tmp_path)


def report(args, input=None):
    r = invoke(["compute", *args, "--format", "json", "--quiet"], input=input)
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    return out["n_samples"], out["losses"], out["metrics"]


def write_jsonl(path):
    text = frame().to_json(orient="records", lines=True)
    data = text.encode()
    path.write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)


def write_feather(path):
    frame().to_feather(path)


def write_stream(path, max_chunksize=7):
    table = pa.Table.from_pandas(frame(), preserve_index=False)
    with pa.ipc.new_stream(str(path), table.schema) as w:
        w.write_table(table, max_chunksize=max_chunksize)


WRITERS = {
    "p.jsonl": write_jsonl,
    "p.ndjson": write_jsonl,
    "p.jsonl.gz": write_jsonl,
    "p.feather": write_feather,
    "p.arrow": write_feather,  # .arrow holds either format: told apart by content
    "q.arrow": write_stream,
    "p.arrows": write_stream,
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_same_report_as_the_csv_twin(tmp_path, name):
    path = tmp_path / name
    WRITERS[name](path)
    assert report([path]) == report([twin_of(tmp_path, path)])


@pytest.mark.parametrize("name", list(WRITERS))
def test_stdin_is_sniffed_from_content(tmp_path, name):
    path = tmp_path / name
    WRITERS[name](path)
    assert report(["-"], input=path.read_bytes()) == report([twin_of(tmp_path, path)])


@pytest.mark.parametrize("name", ["p.jsonl", "p.jsonl.gz", "p.arrow", "q.arrow"])
def test_content_wins_over_the_extension(tmp_path, name):
    path = tmp_path / name
    WRITERS[name](path)
    renamed = tmp_path / "preds.txt"
    renamed.write_bytes(path.read_bytes())
    want = report([twin_of(tmp_path, path)])
    if name.endswith(".gz"):  # gzip of a .txt is CSV/TSV: the format is asked for
        assert report([renamed, "--input-format", "jsonl"]) == want
    else:
        assert report([renamed]) == want


@pytest.mark.parametrize("block", [64, 300, 1 << 20])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_jsonl_blocks_and_chunks_give_the_same_rows(tmp_path, monkeypatch, block, chunk):
    import losscli.io._jsonl as jsonl

    monkeypatch.setattr(jsonl, "BLOCK_BYTES", block)
    path = tmp_path / "p.jsonl"
    write_jsonl(path)
    with open_table(str(path), chunk_size=chunk) as t:
        assert t.columns == ["id", "label", "probs:0", "probs:1", "probs:2"]
        chunks = list(t.chunks(["label", "probs:0", "probs:1", "probs:2"], exact=["id"]))
    assert all(c.n <= chunk for c in chunks)
    got = np.concatenate([c.matrix(["probs:0", "probs:1", "probs:2"]) for c in chunks])
    np.testing.assert_array_equal(got, [r["probs"] for r in read_lines(path)])
    np.testing.assert_array_equal(np.concatenate([c.column("label") for c in chunks]), LABEL)
    assert np.concatenate([c.ids("id") for c in chunks]).tolist() == IDS.tolist()
    assert chunks[-1].where(chunks[-1].n - 1) == f"line {N}"


@pytest.mark.parametrize("chunk", [1, 5, 7, 8, 1000])
def test_arrow_stream_batches_are_recut_into_chunks(tmp_path, chunk):
    path = tmp_path / "p.arrows"
    write_stream(path, max_chunksize=7)
    with open_table(str(path), chunk_size=chunk) as t:
        chunks = list(t.chunks(["probs:0", "probs:1", "probs:2"]))
    assert [c.n for c in chunks[:-1]] == [chunk] * (len(chunks) - 1)
    got = np.concatenate([c.matrix(["probs:0", "probs:1", "probs:2"]) for c in chunks])
    np.testing.assert_array_equal(got, PROBS)
    assert [c.start for c in chunks] == list(range(0, N, chunk))


def test_jsonl_missing_fields_and_nulls_are_missing_values(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"label": 1, "prob": 0.9, "note": "a"}\n'
        '{"label": 0, "note": null}\n\n'
        '{"label": 1, "prob": null, "note": "b"}\n'
    )
    with open_table(str(path)) as t:
        assert t.kinds == {"label": "number", "prob": "number", "note": "text"}
        (c,) = list(t.chunks())
    np.testing.assert_array_equal(c.column("prob"), [0.9, np.nan, np.nan])
    assert c.column("note").tolist() == ["a", None, "b"]


def test_jsonl_text_labels_and_boolean_fields(tmp_path):
    path = tmp_path / "p.jsonl"
    pd.DataFrame({"label": ["cat", "dog", "cat"], "flag": [True, False, True]}).to_json(
        path, orient="records", lines=True
    )
    with open_table(str(path)) as t:
        (c,) = list(t.chunks())
    assert c.column("label").tolist() == ["cat", "dog", "cat"]
    np.testing.assert_array_equal(c.column("flag"), [1.0, 0.0, 1.0])


def test_hugging_face_style_arrow_stream_with_a_vector_column(tmp_path):
    # datasets writes a stream of record batches; a fixed-size list column is a vector
    probs = pa.FixedSizeListArray.from_arrays(pa.array(PROBS.ravel()), C)
    table = pa.table({"label": pa.array(LABEL), "probs": probs})
    path = tmp_path / "data-00000-of-00001.arrow"
    with pa.ipc.new_stream(str(path), table.schema) as w:
        for batch in table.to_batches(max_chunksize=16):
            w.write_batch(batch)
    assert report([path])[0] == N
    assert report([path]) == report([csv_twin(tmp_path)])


def test_compressed_feather_reads_the_same(tmp_path):
    path = tmp_path / "p.feather"
    frame().to_feather(path, compression="zstd")
    assert report([path]) == report([csv_twin(tmp_path)])


def test_jsonl_dates_stay_the_text_written(tmp_path, monkeypatch):
    import losscli.io._jsonl as jsonl

    monkeypatch.setattr(jsonl, "BLOCK_BYTES", 64)  # dates in the first and in later blocks
    path = tmp_path / "d.jsonl"
    days = ["2024-01-01", "2024-01-02", "x", "2024-01-03"] * 5
    pd.DataFrame({"day": days, "label": [0, 1] * 10, "p": [0.2, 0.7] * 10}).to_json(
        path, orient="records", lines=True
    )
    with open_table(str(path)) as t:
        assert t.kinds["day"] == "text"
        got = [v for c in t.chunks(["day"], exact=["day"]) for v in c.ids("day").tolist()]
    assert got == days


@pytest.mark.parametrize(
    ("last", "message"),
    [
        (
            '{"id": 7, "label": 1, "p": 0.5}',
            "line 41, field 'id' is a number, the lines above have a string there; give each "
            "field one type",
        ),
        (
            '{"id": "a", "label": 1, "p": 0.5, "extra": 1}',
            "line 41 has the field 'extra', which the lines before it do not have (the columns "
            "come from the first lines); give every line the same fields",
        ),
        (
            '{"id": "a", "label": 1, "p": [0.5]}',
            "line 41, field 'p' is a list, line 36 has a number there; give each field one type",
        ),
        (
            '{"id": "a", "label": 1, "p": ' + "[" * 50_000 + "0.5" + "]" * 50_000 + "}",
            "line 41 nests lists or objects more than 32 levels deep; write one object per line "
            'whose values are numbers, strings or lists of numbers, e.g. {"label": 1, "probs": '
            "[0.1, 0.9]}",
        ),
    ],
    ids=["type change", "new field", "list for a number", "nested 50,000 deep"],
)
def test_jsonl_later_block_that_does_not_fit_names_its_line(tmp_path, monkeypatch, last, message):
    import losscli.io._jsonl as jsonl

    monkeypatch.setattr(jsonl, "BLOCK_BYTES", 256)
    path = tmp_path / "p.jsonl"
    lines = [f'{{"id": "a{i}", "label": {i % 2}, "p": 0.5}}' for i in range(40)] + [last]
    path.write_text("\n".join(lines) + "\n")
    r = invoke(["compute", path])
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"Error: {path}: {message}\n")


@pytest.mark.parametrize(
    "text_id",
    [
        "[" * 100,
        "{" * 50 + "]" * 50,
        'quote \\" and [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
        "\\" + "[" * 40,
    ],
    ids=["open brackets", "braces then brackets", "escaped quote", "escaped backslash"],
)
def test_jsonl_brackets_inside_strings_are_no_nesting(tmp_path, text_id):
    # the nesting guard (losscli/io/_nesting.py) cuts strings out before it counts levels
    path = tmp_path / "s.jsonl"
    ids = [f"{text_id}{i}" for i in range(4)]
    pd.DataFrame({"id": ids, "label": [0, 1, 0, 1], "p": [0.2, 0.7, 0.4, 0.9]}).to_json(
        path, orient="records", lines=True
    )
    with open_table(str(path)) as t:
        got = [v for c in t.chunks(["p"], exact=["id"]) for v in c.ids("id").tolist()]
    assert got == ids
