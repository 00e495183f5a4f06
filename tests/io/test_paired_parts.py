"""A labels folder beside a predictions folder: parts paired by name, in every format.

Reference: the same (prediction, label) pairs in one file with a label column, and
scikit-learn's ``roc_auc_score`` / ``log_loss`` on those pairs. The part names are chosen so
that the two folders list their parts in different orders (``a.d.npy`` before ``a.npy``
but ``a.csv`` before ``a.d.csv``; ``logits-10`` before ``logits-2``): reading the labels
folder as one table in its own order would pair the wrong rows. The bad cases (a part
without its partner, two parts of one name, a pair of other row counts or shapes) are in
the hostile table, tests/cli/test_hostile.py.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from helpers import assert_same_json, invoke, run_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss, roc_auc_score

from losscli.engine import evaluate

FORMATS = {
    "csv": ".csv",
    "tsv": ".tsv",
    "jsonl": ".jsonl",
    "parquet": ".parquet",
    "arrow": ".arrow",
    "npy": ".npy",
    "npz": ".npz",
}


def write(path: Path, fmt: str, name: str, values: np.ndarray) -> Path:
    """One column ``name`` in ``path`` (its extension added), in format ``fmt``."""
    p = path.with_name(path.name + FORMATS[fmt])
    if fmt in ("csv", "tsv"):
        p.write_text(name + "\n" + "".join(f"{v!r}\n" for v in values.tolist()))
    elif fmt == "jsonl":
        p.write_text("".join(json.dumps({name: v}) + "\n" for v in values.tolist()))
    elif fmt == "parquet":
        pq.write_table(pa.table({name: values}), p)
    elif fmt == "arrow":
        feather.write_feather(pa.table({name: values}), p)
    elif fmt == "npy":
        np.save(p, values)
    else:
        np.savez(p, **{name: values})
    return p


def _data(sizes, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        y = rng.integers(0, 2, n)
        out.append((y, np.clip(np.round(0.4 * y + 0.6 * rng.random(n), 3), 0.001, 0.999)))
    return out


def _reference(tmp: Path, pairs) -> dict:
    y = np.concatenate([a for a, _ in pairs])
    p = np.concatenate([b for _, b in pairs])
    whole = tmp / "whole.csv"
    whole.write_text(
        "label,prob\n" + "".join(f"{a},{b!r}\n" for a, b in zip(y.tolist(), p.tolist()))
    )
    ref = run_json("compute", whole, "--format", "json")
    assert ref["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert ref["losses"]["bce"] == pytest.approx(log_loss(y, p), rel=1e-12)
    return ref


def _same_numbers(got: dict, ref: dict) -> None:
    for key in ("losses", "loss_stats", "metrics", "confusion_matrix"):
        assert_same_json(got[key], ref[key], rel=1e-12, abs=1e-15)
    assert got["n_samples"] == ref["n_samples"]


STEMS = ["a", "a.d", "b-10", "b-9"]  # listed in other orders with other extensions
SIZES = [3, 1, 4, 2]
CASES = [(f, g) for i, f in enumerate(FORMATS) for g in list(FORMATS)[i : i + 3]]
CASES += [("csv", "npz"), ("npz", "csv")]


@pytest.mark.parametrize("pred_fmt, label_fmt", CASES)
def test_parts_pair_by_name_in_every_format(tmp_path, pred_fmt, label_fmt):
    pairs = _data(SIZES)
    (tmp_path / "preds").mkdir()
    (tmp_path / "labels").mkdir()
    for stem, (y, p) in zip(STEMS, pairs):
        write(tmp_path / "preds" / stem, pred_fmt, "prob", p)
        write(tmp_path / "labels" / stem, label_fmt, "label", y)
    # the reference holds the pairs in the predictions' order (their folder's sorted order)
    order = sorted(range(len(STEMS)), key=lambda k: STEMS[k] + FORMATS[pred_fmt])
    ref = _reference(tmp_path, [pairs[k] for k in order])
    got = run_json("compute", tmp_path / "preds", tmp_path / "labels", "--format", "json")
    _same_numbers(got, ref)
    first = STEMS[order[0]]
    aside = "" if pred_fmt == label_fmt else ", apart from the extensions"
    assert got["inference"][0] == (
        f"labels: parts paired by file name{aside} (4 parts: "
        f"{tmp_path / 'preds' / first}{FORMATS[pred_fmt]} with "
        f"{tmp_path / 'labels' / first}{FORMATS[label_fmt]}, ...); row i of each labels part "
        "labels row i of its prediction part (neither file has an id column; pass --id-col NAME "
        "to join the files by an id column)"
    )


def test_globs_pair_by_the_path_below_their_folders(tmp_path):
    pairs = _data([2, 3, 4])
    for date, (y, p) in zip(["2024", "2025", "2026"], pairs):
        for side, col, v, fmt in (("preds", "prob", p, "parquet"), ("labels", "label", y, "csv")):
            d = tmp_path / side / f"date={date}"
            d.mkdir(parents=True)
            write(d / "part-0", fmt, col, v)
    ref = _reference(tmp_path, pairs)
    got = run_json(
        "compute",
        str(tmp_path / "preds" / "**" / "*.parquet"),
        str(tmp_path / "labels" / "*" / "part-*.csv"),
        "--format",
        "json",
    )
    _same_numbers(got, ref)
    assert got["inference"][0].startswith("labels: parts paired by file name, apart from the ")


def test_names_that_differ_pair_by_their_numbers(tmp_path):
    pairs = _data([3, 2, 5])
    numbers = [2, 10, 1]
    for side in ("preds", "labels"):
        (tmp_path / side).mkdir()
    for k, (y, p) in zip(numbers, pairs):
        write(tmp_path / "preds" / f"logits-{k}", "npy", "prob", p)
        write(tmp_path / "labels" / f"labels-{k:03d}", "csv", "label", y)
    # the predictions are read in their folder's order: logits-1, logits-10, logits-2
    ref = _reference(tmp_path, [pairs[2], pairs[1], pairs[0]])
    got = run_json("compute", tmp_path / "preds", tmp_path / "labels", "--format", "json")
    _same_numbers(got, ref)
    assert got["inference"][0] == (
        "labels: the part names differ, so parts are paired by the numbers in their names (3 "
        f"parts: {tmp_path / 'preds' / 'logits-1.npy'} with "
        f"{tmp_path / 'labels' / 'labels-001.csv'}, ...); row i of each labels part labels row i "
        "of its prediction part (neither file has an id column; pass --id-col NAME to join the "
        "files by an id column)"
    )


def test_one_part_on_each_side_pairs_whatever_its_name(tmp_path):
    ((y, p),) = _data([6])
    for side in ("preds", "labels"):
        (tmp_path / side).mkdir()
    write(tmp_path / "preds" / "logits", "npy", "prob", p)
    write(tmp_path / "labels" / "targets", "parquet", "label", y)
    got = run_json("compute", tmp_path / "preds", tmp_path / "labels", "--format", "json")
    _same_numbers(got, _reference(tmp_path, [(y, p)]))
    assert got["inference"][0].startswith(
        "labels: one part on each side, paired though their names differ "
        f"({tmp_path / 'preds' / 'logits.npy'} with {tmp_path / 'labels' / 'targets.parquet'})"
    )


def test_id_col_joins_by_id_whatever_the_part_names(tmp_path):
    """With ids the labels folder is one table joined by id: names and part sizes need not
    pair (README "Folders and globs")."""
    pairs = _data([3, 4])
    ids = np.arange(7) + 100
    (tmp_path / "preds").mkdir()
    (tmp_path / "labels").mkdir()
    y = np.concatenate([a for a, _ in pairs])
    p = np.concatenate([b for _, b in pairs])
    (tmp_path / "preds" / "part-0.csv").write_text(
        "id,prob\n" + "".join(f"{i},{v!r}\n" for i, v in zip(ids[:3].tolist(), p[:3].tolist()))
    )
    (tmp_path / "preds" / "part-1.csv").write_text(
        "id,prob\n" + "".join(f"{i},{v!r}\n" for i, v in zip(ids[3:].tolist(), p[3:].tolist()))
    )
    back = np.arange(7)[::-1]
    (tmp_path / "labels" / "y-a.csv").write_text(
        "id,label\n" + "".join(f"{ids[k]},{y[k]}\n" for k in back[:5])
    )
    (tmp_path / "labels" / "y-b.csv").write_text(
        "id,label\n" + "".join(f"{ids[k]},{y[k]}\n" for k in back[5:])
    )
    got = run_json(
        "compute", tmp_path / "preds", tmp_path / "labels", "--id-col", "id", "--format", "json"
    )
    _same_numbers(got, _reference(tmp_path, pairs))
    assert not any("paired" in n for n in got["inference"])


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=6),
    by_number=st.booleans(),
    pad=st.integers(0, 4),
    seed=st.integers(0, 2**16),
)
def test_listing_order_changes_no_number(sizes, by_number, pad, seed):
    """However the names sort on either side (and in whatever order the files were made),
    each prediction part meets its own labels: the numbers are those of the pairs."""
    rnd = random.Random(seed)
    pairs = _data(sizes, seed)
    keys = rnd.sample(range(1, 200), len(sizes))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "preds").mkdir()
        (tmp_path / "labels").mkdir()
        pred_fmt, label_fmt = rnd.choice(["npy", "csv"]), rnd.choice(["parquet", "csv"])
        made = list(range(len(sizes)))
        rnd.shuffle(made)  # creation order unrelated to the names
        for k in made:
            y, p = pairs[k]
            if by_number:
                pred, label = f"logits-{keys[k]}", f"labels-{keys[k]:0{pad}d}"
            else:
                pred = label = "".join(rnd.choice("ab.-_0") for _ in range(3)) + f"x{keys[k]}"
                pred = pred.lstrip("._")  # a leading '.' or '_' is a skipped name
                label = pred
            write(tmp_path / "preds" / pred, pred_fmt, "prob", p)
            write(tmp_path / "labels" / label, label_fmt, "label", y)
        y = np.concatenate([a for a, _ in pairs])
        p = np.concatenate([b for _, b in pairs])
        got = evaluate(str(tmp_path / "preds"), str(tmp_path / "labels"), losses=["bce"])
        assert got.n_samples == len(y)
        assert got.losses["bce"] == pytest.approx(log_loss(y, p, labels=[0, 1]), rel=1e-12)
        if len(set(y)) == 2:
            assert got.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)


def _seg(n=6, c=3, hw=(4, 5), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, *hw))
    y = rng.integers(0, c, (n, *hw)).astype(np.uint8)
    y[0, 0, :3] = 255
    return x, y


@pytest.mark.parametrize("pred_fmt, label_fmt", [("npy", "npy"), ("npz", "npy"), ("npy", "npz")])
def test_dense_folders_pair_by_name(tmp_path, pred_fmt, label_fmt):
    x, y = _seg()
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    whole = run_json("compute", tmp_path / "x.npy", tmp_path / "y.npy", "--ignore-index", "255")
    (tmp_path / "xs").mkdir()
    (tmp_path / "ys").mkdir()
    splits = [(0, 1), (1, 3), (3, 6)]
    names = ["img-b", "img-a", "img-a.d"]  # listed a.d, a, b: not the order of the samples
    for name, (s, e) in zip(names, splits):
        for d, arr, fmt, key in (("xs", x, pred_fmt, "logits"), ("ys", y, label_fmt, "labels")):
            if fmt == "npy":
                np.save(tmp_path / d / f"{name}.npy", arr[s:e])
            else:
                np.savez(tmp_path / d / f"{name}.npz", **{key: arr[s:e]})
    got = run_json("compute", tmp_path / "xs", tmp_path / "ys", "--ignore-index", "255")
    for key in ("losses", "metrics", "confusion_matrix"):
        assert_same_json(got[key], whole[key], rel=1e-12, abs=1e-15)
    assert (got["n_samples"], got["n_evaluated"]) == (whole["n_samples"], whole["n_evaluated"])
    pairing = [n for n in got["inference"] if n.startswith("labels: ")]
    first = min(names, key=lambda n: f"{n}.{pred_fmt}")  # img-a.d: '.d' sorts before '.n'
    aside = "" if pred_fmt == label_fmt else ", apart from the extensions"
    assert pairing == [
        f"labels: parts paired by file name{aside} (3 parts: {tmp_path / 'xs' / first}."
        f"{pred_fmt} with {tmp_path / 'ys' / first}.{label_fmt}, ...); element [n, i, ..] of "
        "each labels part "
        "is the label of element [n, i, ..] of its scores part; 6 samples of 20 elements "
        "(4, 5), read a whole number of samples at a time"
    ]


def test_dense_ignored_labels_are_counted_as_elements(tmp_path):
    x, y = _seg()
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    r = invoke("compute", tmp_path / "x.npy", tmp_path / "y.npy", "--ignore-index", "255")
    assert r.exit_code == 0, r.stderr
    assert (
        "warning: 3 elements have label 255 (--ignore-index): the losses skip them and the "
        "metrics leave them out" in r.stderr
    )


def test_token_sequence_folders_pair_by_name(tmp_path):
    """Labels (N, T) beside scores (N, C, T): folders of 2-D label parts pair too."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4, 7))
    y = rng.integers(0, 4, (5, 7))
    y[0, :2] = -100
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    whole = run_json("compute", tmp_path / "x.npy", tmp_path / "y.npy")
    for d in ("xs", "ys"):
        (tmp_path / d).mkdir()
    for k, (s, e) in enumerate([(0, 2), (2, 5)]):
        np.save(tmp_path / "xs" / f"seq-{k}.npy", x[s:e])
        np.save(tmp_path / "ys" / f"seq-{k}.npy", y[s:e])
    got = run_json("compute", tmp_path / "xs", tmp_path / "ys")
    for key in ("losses", "metrics", "confusion_matrix", "n_samples", "n_evaluated"):
        assert_same_json(got[key], whole[key], rel=1e-12, abs=1e-15)
    assert got["inference"][1].startswith("labels: parts paired by file name (2 parts: ")
