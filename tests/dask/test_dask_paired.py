"""``--engine dask`` with a labels folder paired by part name: each worker reads its pair.

Reference: the local engine on the same two folders (itself checked against one file of the
same pairs and scikit-learn in tests/io/test_paired_parts.py). Every number of the JSON must
agree to rel 1e-9 and everything else be equal (as tests/dask/test_dask.py asks of 2-D
data); the mismatch errors are the local ones, word for word.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

distributed = pytest.importorskip("distributed")

from helpers import assert_same_json, run_json  # noqa: E402

from losscli import distributed as ld  # noqa: E402
from losscli.engine import Options, evaluate  # noqa: E402
from losscli.errors import InputError, UsageError  # noqa: E402

pytestmark = pytest.mark.slow

SIZES = (40, 1, 25, 33)
EXT = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "arrow": ".arrow"}
EXT |= {"npy": ".npy", "npz": ".npz"}


def _write(path: Path, fmt: str, cols: dict[str, np.ndarray]) -> None:
    p = path.with_name(path.name + EXT[fmt])
    if fmt == "csv":
        names = list(cols)
        rows = zip(*(cols[n].tolist() for n in names))
        p.write_text(",".join(names) + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in rows))
    elif fmt == "jsonl":
        names = list(cols)
        rows = zip(*(cols[n].tolist() for n in names))
        p.write_text("".join(json.dumps(dict(zip(names, r))) + "\n" for r in rows))
    elif fmt == "parquet":
        pq.write_table(pa.table(cols), p)
    elif fmt == "arrow":
        feather.write_feather(pa.table(cols), p)
    elif fmt == "npy":
        (only,) = cols.values()
        np.save(p, only)
    else:
        np.savez(p, **cols)


def _folders(tmp_path, pred_fmt, label_fmt, names, multiclass=False, seed=0):
    rng = np.random.default_rng(seed)
    preds, labels = tmp_path / "preds", tmp_path / "labels"
    preds.mkdir()
    labels.mkdir()
    for (pn, ln), n in zip(names, SIZES):
        if multiclass:
            k = rng.integers(0, 3, n)
            logits = rng.standard_normal((n, 3)) + 1.2 * np.eye(3)[k]
            pcols = (
                {"logits": logits}
                if pred_fmt in ("npy", "npz")
                else {f"c{j}": logits[:, j] for j in range(3)}
            )
            _write(preds / pn, pred_fmt, pcols)
            _write(labels / ln, label_fmt, {"label": k})
        else:
            y = rng.integers(0, 2, n)
            prob = np.clip(np.round(0.3 * y + 0.7 * rng.random(n), 2), 0.0, 1.0)
            _write(preds / pn, pred_fmt, {"prob": prob})
            _write(labels / ln, label_fmt, {"label": y})
    return preds, labels


BY_NAME = [(f"part-{k:03d}", f"part-{k:03d}") for k in range(4)]
BY_NUMBER = [(f"logits-{k}", f"labels-{k:04d}") for k in (3, 10, 2, 7)]


@pytest.mark.parametrize(
    "pred_fmt, label_fmt, names, multiclass",
    [
        ("parquet", "csv", BY_NAME, False),
        ("csv", "parquet", BY_NUMBER, False),
        ("jsonl", "arrow", BY_NAME, True),
        ("npy", "npz", BY_NUMBER, False),
        ("npz", "npy", BY_NAME, True),
        ("arrow", "jsonl", BY_NAME, False),
    ],
)
def test_paired_folders_equal_the_local_engine(
    cluster, tmp_path, pred_fmt, label_fmt, names, multiclass
):
    preds, labels = _folders(tmp_path, pred_fmt, label_fmt, names, multiclass)
    opts = dict(losses=["all"] if not multiclass else ["ce", "focal"])
    local = evaluate(str(preds), str(labels), **opts).to_dict()
    got = ld.evaluate_dask(str(preds), str(labels), Options(**opts), scheduler=cluster)
    assert local["n_samples"] == sum(SIZES)
    assert local["inference"][0].startswith("labels: ")
    assert_same_json(local, got.to_dict(), rel=1e-9, abs=1e-12)


def _dense(tmp_path, pred_fmt, label_fmt, multilabel=False):
    rng = np.random.default_rng(3)
    n, c, hw = 9, 3, (4, 6)
    x = rng.normal(size=(n, c, *hw))
    if multilabel:
        y = (rng.random((n, c, *hw)) < 0.4).astype(np.uint8)
    else:
        y = rng.integers(0, c, (n, *hw)).astype(np.uint8)
        y[0, 0, :3] = 255
    xs, ys = tmp_path / "xs", tmp_path / "ys"
    xs.mkdir()
    ys.mkdir()
    for name, (s, e) in zip(["img-b", "img-a", "img-a.d"], [(0, 2), (2, 3), (3, 9)]):
        for d, arr, fmt, key in ((xs, x, pred_fmt, "logits"), (ys, y, label_fmt, "labels")):
            if fmt == "npy":
                np.save(d / f"{name}.npy", arr[s:e])
            else:
                np.savez(d / f"{name}.npz", **{key: arr[s:e]})
    return xs, ys


@pytest.mark.parametrize(
    "pred_fmt, label_fmt, args",
    [
        ("npy", "npy", {"ignore_index": 255}),
        ("npz", "npy", {"ignore_index": 255, "losses": ["ce", "focal"]}),
        ("npy", "npz", {"task": "multilabel"}),
    ],
)
def test_dense_folders_equal_the_local_engine(cluster, tmp_path, pred_fmt, label_fmt, args):
    xs, ys = _dense(tmp_path, pred_fmt, label_fmt, multilabel=args.get("task") == "multilabel")
    opts = {k: v for k, v in args.items() if k != "ignore_index"}
    if "ignore_index" in args:
        opts["params"] = {"ignore_index": args["ignore_index"]}
    local_rows = tmp_path / "local.parquet"
    local = evaluate(str(xs), str(ys), per_sample=str(local_rows), **opts).to_dict()
    got = ld.evaluate_dask(
        str(xs), str(ys), Options(**opts), scheduler=cluster, per_sample_dir=tmp_path / "rows"
    ).to_dict()
    assert (local["n_samples"], local["n_evaluated"] + local["n_ignored"]) == (9, 9 * 24)
    assert "miou_samplewise" in local["metrics"]
    assert_same_json(local, got, rel=1e-9, abs=1e-12)
    parts = sorted((tmp_path / "rows").iterdir())
    dask_rows = pa.concat_tables([pq.read_table(p) for p in parts]).to_pydict()
    local_rows = pq.read_table(local_rows).to_pydict()
    assert dask_rows.keys() == local_rows.keys()
    assert dask_rows["sample"] == local_rows["sample"] == list(range(9))
    for key in dask_rows:
        assert np.allclose(dask_rows[key], local_rows[key], rtol=1e-9, equal_nan=True), key


def _errors(tmp_path, case):
    preds, labels = _folders(tmp_path, "parquet", "csv", BY_NAME)
    if case == "missing":
        (labels / "part-002.csv").unlink()
    elif case == "short":  # CSV: counted while the pair is read, on the worker
        text = (labels / "part-002.csv").read_text().splitlines()
        (labels / "part-002.csv").write_text("\n".join(text[:-3]) + "\n")
    elif case == "dense":
        for d in (preds, labels):
            for p in d.iterdir():
                p.unlink()
        np.save(preds / "a.npy", np.zeros((2, 3, 4, 4)))
        np.save(labels / "a.npy", np.zeros((3, 4, 4), np.uint8))
    return preds, labels


@pytest.mark.parametrize("case", ["missing", "short", "dense"])
def test_mismatches_fail_as_locally(cluster, tmp_path, case):
    preds, labels = _errors(tmp_path, case)
    with pytest.raises(InputError) as local:
        evaluate(str(preds), str(labels))
    with pytest.raises(InputError) as dask:
        ld.evaluate_dask(str(preds), str(labels), scheduler=cluster, per_sample_dir=tmp_path / "o")
    assert str(dask.value) == str(local.value)
    assert not (tmp_path / "o").exists()
    start = {
        "missing": f"{preds / 'part-002.parquet'} has no labels part in {labels} ",
        "short": f"{preds / 'part-002.parquet'} has 25 rows but its labels part "
        f"{labels / 'part-002.csv'} has 22 (axis 0 differs)",
        "dense": f"{preds / 'a.npy'} has shape (2, 3, 4, 4) and its labels part "
        f"{labels / 'a.npy'} has shape (3, 4, 4): axis 0 (the samples) differs (2 vs 3)",
    }[case]
    assert str(local.value).startswith(start)


def test_one_labels_file_by_position_still_needs_the_local_engine(cluster, tmp_path):
    preds, labels = _folders(tmp_path, "parquet", "csv", BY_NAME)
    one = tmp_path / "y.csv"
    one.write_text("label\n" + "1\n" * sum(SIZES))
    with pytest.raises(UsageError) as e:
        ld.evaluate_dask(str(preds), str(one), scheduler=cluster)
    assert str(e.value) == (
        "--engine dask joins a LABELS file by id (give both files an id column, --id-col NAME) "
        "or pairs a labels folder with a predictions folder by part name; one labels file "
        "matched by position needs the local engine"
    )


def test_cli_dense_folders_on_dask_equal_local(cluster, tmp_path):
    xs, ys = _dense(tmp_path, "npy", "npy")
    args = ["compute", xs, ys, "--ignore-index", "255", "--format", "json"]
    local = run_json(*args)
    got = run_json(*args, "--engine", "dask", "--scheduler", cluster)
    assert_same_json(local, got, rel=1e-9, abs=1e-12)
    assert any(
        n.startswith("labels: parts paired by file name (3 parts: ") for n in got["inference"]
    )
