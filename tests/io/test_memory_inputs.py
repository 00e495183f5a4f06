"""``losscli.evaluate`` on objects in memory: numpy arrays, pandas and polars DataFrames and
Series, pyarrow Tables and RecordBatches, dicts of arrays. Each must give the report the same
rows give from a file (CSV written by pandas ``to_csv``; NPY by ``np.save``; Parquet by
``pyarrow.parquet.write_table``), inputs named ``<predictions DataFrame>`` etc.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import losscli
from losscli.errors import InputError, UsageError

RNG = np.random.default_rng(1)
N, C = 60, 3
Y = RNG.integers(0, C, N)
P = RNG.dirichlet(np.ones(C), N)
COLS = [f"p{j}" for j in range(C)]


def flat_frame() -> pd.DataFrame:
    return pd.DataFrame({"label": Y, **{c: P[:, j] for j, c in enumerate(COLS)}})


def same(a, b) -> None:
    """Two reports agree in every loss and metric (and the row count)."""
    da, db = a.to_dict(), b.to_dict()
    assert da["n_samples"] == db["n_samples"]
    assert da["losses"] == db["losses"]
    assert da["metrics"] == db["metrics"]


def csv_report(tmp_path, **opts):
    path = tmp_path / "p.csv"
    flat_frame().to_csv(path, index=False)
    return losscli.evaluate(str(path), **opts)


@pytest.fixture
def from_csv(tmp_path):
    return csv_report(tmp_path)


MEMORY = {
    "pandas DataFrame": lambda: (flat_frame(), None),
    "pyarrow Table": lambda: (pa.Table.from_pandas(flat_frame(), preserve_index=False), None),
    "pyarrow RecordBatch": lambda: (pa.RecordBatch.from_pandas(flat_frame()), None),
    "numpy arrays": lambda: (P, Y),
    "a list of labels": lambda: (P, Y.tolist()),
    "DataFrame and Series": lambda: (flat_frame()[COLS], pd.Series(Y, name="label")),
    "dict of arrays": lambda: ({"label": Y, "probs": P}, None),
    "a list column": lambda: (pd.DataFrame({"label": Y, "probs": list(P)}), None),
}


@pytest.mark.parametrize("kind", list(MEMORY))
@pytest.mark.parametrize("chunk_size", [None, 7])
def test_in_memory_gives_the_report_of_the_file(tmp_path, kind, chunk_size):
    preds, labels = MEMORY[kind]()
    opts = {} if chunk_size is None else {"chunk_size": chunk_size}
    same(losscli.evaluate(preds, labels, **opts), csv_report(tmp_path, **opts))


def test_numpy_arrays_read_as_npy_files(tmp_path):
    np.save(tmp_path / "p.npy", P)
    np.save(tmp_path / "y.npy", Y)
    want = losscli.evaluate(str(tmp_path / "p.npy"), str(tmp_path / "y.npy")).to_dict()
    got = losscli.evaluate(P, Y).to_dict()
    assert got["inputs"]["prediction_columns"] == want["inputs"]["prediction_columns"]
    assert got["inputs"]["predictions"] == "<predictions array>"
    assert got["inputs"]["labels"] == "<labels array>"
    assert got["metrics"] == want["metrics"]


def test_a_dataframe_reads_as_its_parquet_file(tmp_path):
    df = pd.DataFrame({"id": np.arange(N) * 3, "y": Y, "probs": list(P)})
    df.index = np.arange(N) + 100  # not the default index: a column __index_level_0__
    pq.write_table(pa.Table.from_pandas(df), tmp_path / "p.parquet")
    want = losscli.evaluate(str(tmp_path / "p.parquet"), bootstrap=20).to_dict()
    got = losscli.evaluate(df, bootstrap=20).to_dict()
    for key in ("losses", "metrics", "ci", "inference"):
        assert got[key] == want[key], key
    assert got["inputs"]["prediction_columns"] == ["probs:0", "probs:1", "probs:2"]


def test_same_options_same_report_options(tmp_path):
    df = pd.DataFrame({"y": (Y == 1).astype(int), "score": P[:, 1], "w": RNG.uniform(0, 2, N)})
    path = tmp_path / "b.csv"
    df.to_csv(path, index=False)
    opts = {"label_col": "y", "weight_col": "w", "threshold": 0.3, "losses": ["bce"]}
    same(losscli.evaluate(df, **opts), losscli.evaluate(str(path), **opts))


def test_text_and_categorical_labels():
    names = np.array(["cat", "dog", "eel"])[Y]
    df = pd.DataFrame({"label": names, "cat": P[:, 0], "dog": P[:, 1], "eel": P[:, 2]})
    plain = losscli.evaluate(df).to_dict()
    cat = losscli.evaluate(df.astype({"label": "category"})).to_dict()
    assert plain["metrics"] == cat["metrics"]
    assert plain["inputs"]["label_encoding"] == "name"


def test_a_missing_value_names_the_row():
    df = flat_frame()
    df.loc[4, "p1"] = np.nan
    with pytest.raises(InputError, match=r"<predictions DataFrame>: row 5: prediction column 'p1'"):
        losscli.evaluate(df)


def test_polars_dataframe(from_csv):
    pl = pytest.importorskip("polars")
    same(losscli.evaluate(pl.from_pandas(flat_frame())), from_csv)
    same(losscli.evaluate(pl.DataFrame({c: P[:, j] for j, c in enumerate(COLS)}), Y), from_csv)
    labels = pl.Series("label", Y)
    same(losscli.evaluate(pl.DataFrame({c: P[:, j] for j, c in enumerate(COLS)}), labels), from_csv)
    with_lists = pl.DataFrame({"label": Y, "probs": P.tolist()})
    same(losscli.evaluate(with_lists), from_csv)


@pytest.mark.parametrize(
    ("preds", "error", "message"),
    [
        (42, TypeError, "predictions must be a path, a numpy array, a pandas or polars DataFrame"),
        (
            np.zeros((3, 2, 2)),
            InputError,
            r"<predictions array>: the scores have shape \(3, 2, 2\); dense scores need their "
            "labels",
        ),
        (np.array([{"a": 1}], dtype=object), InputError, "<predictions array>: the array holds"),
        (
            {"label": Y, "p": P[:10]},
            InputError,
            "<predictions dict>: the arrays have different lengths: 'label' has 60 rows, 'p' "
            "has 10",
        ),
        (
            pd.DataFrame([[0, 0.5, 0.5]], columns=["label", "p", "p"]),
            InputError,
            r"<predictions DataFrame>: cannot be read as a table \(Duplicate column names found",
        ),
    ],
    ids=["int", "3-D", "objects", "dict lengths", "duplicate names"],
)
def test_bad_objects_are_refused_with_one_message(preds, error, message):
    with pytest.raises(error, match=message):
        losscli.evaluate(preds)


def test_no_label_column_is_a_usage_error():
    with pytest.raises(UsageError, match="<predictions array> has no label column"):
        losscli.evaluate(P)
