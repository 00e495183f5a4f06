"""Dense arrays (segmentation masks, token sequences): how two shapes are read, the element
rows they become, whole samples per chunk in bounded memory, and the one-line errors.

The layout is decided from both shapes (``pipeline.dense.decide_layout``); the readers flatten
``(N, C, d..)`` / ``(N, d.., C)`` / ``(N, d..)`` into element rows in C order of
``(N, d..)`` (``io.flatten_table``). The reference for every reading is numpy's own reshape
of the same array."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import assert_same_json

from losscli.cli import cli
from losscli.engine import evaluate
from losscli.errors import InputError, UsageError
from losscli.io import open_table
from losscli.pipeline.dense import decide_layout
from losscli.pipeline.dense_ranking import RANKING_LEFT_OUT_NOTE


def invoke(*args):
    return CliRunner().invoke(cli, ["compute", *map(str, args), "--format", "json", "-q"])


@pytest.mark.parametrize(
    "scores, labels, kw, task, axis, grid",
    [
        ((4, 19, 8, 16), (4, 8, 16), {}, "multiclass", 1, (8, 16)),  # PyTorch (N, C, H, W)
        ((4, 8, 16, 19), (4, 8, 16), {}, "multiclass", -1, (8, 16)),  # Keras (N, H, W, C)
        ((4, 12, 7), (4, 12), {}, "multiclass", -1, (12,)),  # tokens (N, T, C)
        ((4, 7, 12), (4, 12), {}, "multiclass", 1, (12,)),  # (N, C, T)
        ((2, 3, 4, 5, 6), (2, 4, 5, 6), {}, "multiclass", 1, (4, 5, 6)),  # volumes
        ((4, 5, 5), (4, 5), {"class_axis": "first"}, "multiclass", 1, (5,)),
        ((4, 5, 5), (4, 5), {"class_axis": "last"}, "multiclass", -1, (5,)),
        ((4, 1, 8, 8), (4, 8, 8), {}, "binary", 1, (8, 8)),  # one channel: binary
        ((4, 8, 8), (4, 8, 8), {"task": "binary"}, "binary", None, (8, 8)),
        ((4, 9), (4, 9), {"task": "binary"}, "binary", None, (9,)),  # per-token binary
        ((4, 3, 8, 8), (4, 3, 8, 8), {"task": "multilabel"}, "multilabel", 1, (8, 8)),
        (
            (4, 8, 8, 3),
            (4, 8, 8, 3),
            {"task": "multilabel", "class_axis": "last"},
            "multilabel",
            -1,
            (8, 8),
        ),
    ],
)
def test_layouts(scores, labels, kw, task, axis, grid):
    lay = decide_layout(scores, labels, **kw)
    assert (lay.task, lay.score_axis, lay.grid, lay.n_samples) == (task, axis, grid, scores[0])
    assert lay.per_sample == int(np.prod(grid))


@pytest.mark.parametrize("scores, labels", [((5, 3), (5,)), ((5, 3), (5, 3)), ((5,), (5,))])
def test_ordinary_rows_are_no_dense_input(scores, labels):
    assert decide_layout(scores, labels) is None


@pytest.mark.parametrize(
    "scores, labels, kw, error, message",
    [
        (
            (4, 19, 8, 16),
            (3, 8, 16),
            {},
            InputError,
            "s.npy has shape (4, 19, 8, 16) and l.npy has shape (3, 8, 16): axis 0 (the "
            "samples) differs (4 vs 3); give both one entry per sample",
        ),
        (
            (4, 19, 8, 16),
            (4, 8, 15),
            {},
            InputError,
            "cannot find the class axis: s.npy has shape (4, 19, 8, 16) and l.npy (4, 8, 15); "
            "without its axis 1 ((4, 8, 16)) or its last axis ((4, 19, 8)) the scores must "
            "have the labels' shape",
        ),
        (
            (4, 6, 6),
            (4, 6),
            {},
            UsageError,
            "s.npy (4, 6, 6) and l.npy (4, 6): the class axis can be axis 1 or axis 2 (both "
            "have 6 entries); pass --class-axis first (N, C, d..) or --class-axis last "
            "(N, d.., C)",
        ),
        (
            (4, 19, 8, 16),
            (4, 8, 16),
            {"class_axis": "last"},
            InputError,
            "--class-axis last: s.npy (4, 19, 8, 16) without axis 3 is (4, 19, 8), not the "
            "shape of l.npy (4, 8, 16)",
        ),
        (
            (4, 3, 8, 8),
            (4, 3, 8, 8),
            {},
            UsageError,
            "s.npy and l.npy both have shape (4, 3, 8, 8): pass --task binary (every element a "
            "0/1 target) or --task multilabel (axis 1 the labels, --class-axis last for the "
            "last axis)",
        ),
        (
            (4, 3, 8, 8),
            (4, 3, 8, 9),
            {"task": "multilabel"},
            InputError,
            "s.npy has shape (4, 3, 8, 8) and l.npy has shape (4, 3, 8, 9): axis 3 differs "
            "(8 vs 9); binary and multi-label scores and targets have one shape",
        ),
        (
            (4, 19, 8, 16),
            (4, 8, 16),
            {"task": "binary"},
            UsageError,
            "s.npy (4, 19, 8, 16) has one axis more than l.npy (4, 8, 16) (the class axis): "
            "that is multi-class data; drop --task binary or pass --task multiclass",
        ),
        (
            (4, 3, 8, 8),
            (4, 3, 8, 8),
            {"task": "multiclass"},
            InputError,
            "--task multiclass: s.npy and l.npy both have shape (4, 3, 8, 8); multi-class labels "
            "are class indices with one axis fewer than the scores, (N, d..) beside (N, C, d..)",
        ),
        (
            (4, 19, 8, 16),
            (4, 16),
            {},
            InputError,
            "s.npy has shape (4, 19, 8, 16) and l.npy has shape (4, 16): dense scores have the "
            "labels' shape (binary, multi-label) or one axis more, the classes (multi-class: "
            "(N, C, d..) or (N, d.., C) with labels (N, d..))",
        ),
    ],
)
def test_shapes_that_do_not_fit(scores, labels, kw, error, message):
    with pytest.raises(error) as e:
        decide_layout(scores, labels, names=("s.npy", "l.npy"), **kw)
    assert str(e.value) == message


@pytest.mark.parametrize("class_axis", [1, -1, None])
@pytest.mark.parametrize("chunk", [1, 7, 30, 10_000])
def test_flattened_rows_are_numpys_reshape_in_whole_samples(tmp_path, class_axis, chunk):
    rng = np.random.default_rng(3)
    arr = rng.normal(size=(5, 3, 4, 6)).astype(np.float32)
    np.save(tmp_path / "a.npy", arr)
    t = open_table(tmp_path / "a.npy", chunk_size=chunk)
    t.flatten(class_axis)
    if class_axis == 1:
        ref = np.moveaxis(arr, 1, -1).reshape(-1, 3)
    elif class_axis == -1:
        ref = arr.reshape(-1, 6)
    else:
        ref = arr.reshape(-1, 1)
    assert t.n_rows == ref.shape[0] and t.columns == [str(j) for j in range(ref.shape[1])]
    parts = list(t.chunks())
    per = t.per_sample
    assert all(c.n % per == 0 and c.start % per == 0 for c in parts)  # whole samples
    assert all(c.n == max(1, chunk // per) * per for c in parts[:-1])
    np.testing.assert_array_equal(np.concatenate([c.matrix(t.columns) for c in parts]), ref)
    grid = arr.shape[2:] if class_axis == 1 else arr.shape[1:-1] if class_axis else arr.shape[1:]
    last = ref.shape[0] - 1
    assert parts[-1].where(last - parts[-1].start) == (
        "element [" + ", ".join(str(d - 1) for d in (5, *grid)) + "]"
    )


def _seg(tmp_path, n=6, c=4, hw=(5, 7), seed=0, fmt="npy"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, *hw))
    y = rng.integers(0, c, (n, *hw)).astype(np.uint8)
    y[0, 0, :3] = 255
    if fmt == "npz":
        np.savez(tmp_path / "x.npz", logits=x)
        s = tmp_path / "x.npz"
    else:
        np.save(tmp_path / "x.npy", x)
        s = tmp_path / "x.npy"
    np.save(tmp_path / "y.npy", y)
    return s, tmp_path / "y.npy", x, y


@pytest.mark.parametrize("chunk", ["1", "35", "36", "100000"])
def test_chunk_size_changes_no_number(tmp_path, chunk):
    s, lab, _, _ = _seg(tmp_path)
    base = invoke(s, lab, "--ignore-index", "255", "--loss", "all")
    other = invoke(s, lab, "--ignore-index", "255", "--loss", "all", "--chunk-size", chunk)
    assert base.exit_code == other.exit_code == 0, other.stderr
    a, b = json.loads(base.stdout), json.loads(other.stdout)
    assert a["losses"] == pytest.approx(b["losses"], rel=1e-12)
    assert_same_json(a["metrics"], b["metrics"], rel=1e-12, abs=0.0)
    assert a["confusion_matrix"] == b["confusion_matrix"]


def test_npz_of_one_array_reads_as_the_npy(tmp_path):
    s, lab, _, _ = _seg(tmp_path)
    z, _, _, _ = _seg(tmp_path, fmt="npz")
    a = json.loads(invoke(s, lab, "--ignore-index", "255").stdout)
    b = json.loads(invoke(z, lab, "--ignore-index", "255").stdout)
    assert a["losses"] == b["losses"] and a["metrics"] == b["metrics"]


def test_counts_and_inference(tmp_path):
    s, lab, x, y = _seg(tmp_path)
    d = json.loads(invoke(s, lab, "--ignore-index", "255").stdout)
    assert d["n_samples"] == 6 and d["n_ignored"] == 3 and d["n_evaluated"] == y.size - 3
    assert d["inference"][0] == (
        "dense multiclass: 4 classes on axis 1, (N, C, d..), from the "
        f"{lab} shape (6, 5, 7); one row per element"
    )
    assert d["inference"][1].startswith(
        f"labels: element [n, i, ..] of {lab} is the label of element [n, i, ..] of the scores"
    )
    assert RANKING_LEFT_OUT_NOTE in d["inference"]  # ranking left out unless asked
    assert d["metrics"]["roc_auc_macro"] is None
    assert not any("roc_auc" in w for w in d["warnings"])
    d = json.loads(invoke(s, lab, "--ignore-index", "255", "--auc-bins", "1000").stdout)
    assert RANKING_LEFT_OUT_NOTE not in d["inference"]
    assert any("roc_auc_macro is within" in w for w in d["warnings"])  # the stated bound


def test_ranking_is_exact_when_the_bins_are_many(tmp_path):
    # --auc-bins sets the bins; with as many bins as needed, binned equals sklearn's exact AUC
    from scipy.special import softmax
    from sklearn.metrics import roc_auc_score

    s, lab, x, y = _seg(tmp_path)
    d = json.loads(invoke(s, lab, "--ignore-index", "255", "--auc-bins", "1000000").stdout)
    p = np.moveaxis(softmax(x, axis=1), 1, -1).reshape(-1, 4)
    yy = y.reshape(-1)
    keep = yy != 255
    ref = np.mean([roc_auc_score(yy[keep] == k, p[keep, k]) for k in range(4)])
    assert d["metrics"]["roc_auc_macro"] == pytest.approx(ref, abs=1e-5)


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_images(tmp_path):
    peaks = []
    for n in (40, 240):
        rng = np.random.default_rng(n)
        x = np.lib.format.open_memmap(
            tmp_path / f"x{n}.npy", mode="w+", dtype=np.float32, shape=(n, 5, 64, 64)
        )
        for i in range(n):
            x[i] = rng.normal(size=(5, 64, 64))
        x.flush()
        del x
        np.save(tmp_path / f"y{n}.npy", rng.integers(0, 5, (n, 64, 64)).astype(np.uint8))
        tracemalloc.start()
        evaluate(tmp_path / f"x{n}.npy", tmp_path / f"y{n}.npy", chunk_size=8192)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # 6x the images (30 MB of scores more): the peak stays within 2 MB
    assert peaks[1] - peaks[0] < 2e6, peaks


@pytest.mark.parametrize(
    "make, args, message",
    [
        (
            lambda d: (np.save(d / "x.npy", np.zeros((2, 3, 4, 5))),),
            ["{d}/x.npy"],
            "{d}/x.npy: the scores have shape (2, 3, 4, 5); dense scores need their labels in a "
            "second NPY or NPZ file (losscli compute SCORES LABELS)",
        ),
        (
            lambda d: (
                np.save(d / "x.npy", np.zeros((2, 3, 4, 5))),
                np.save(d / "y.npy", np.full((2, 4, 5), 3, np.uint8)),
            ),
            ["{d}/x.npy", "{d}/y.npy", "--scores", "logits"],
            "{d}/x.npy: element [0, 0, 0] (of the scores and of {d}/y.npy): label 3 is not a "
            "class index 0..2 (there are 3 prediction columns)",
        ),
        (
            lambda d: (
                np.save(d / "x.npy", np.full((2, 4, 5), 0.5)),
                np.save(d / "y.npy", np.array([[[0, 1, 1, 0, 2]] * 4] * 2, np.uint8)),
            ),
            ["{d}/x.npy", "{d}/y.npy", "--task", "binary"],
            "{d}/x.npy: element [0, 0, 4] (of the scores and of {d}/y.npy): label 2 makes 3 "
            "distinct labels (0, 1, 2), but binary labels take two values; fix the labels or "
            "pass another --task",
        ),
    ],
)
def test_bad_dense_input_gets_one_error(tmp_path, make, args, message):
    make(tmp_path)
    out = tmp_path / "r.json"
    r = invoke(*[a.format(d=tmp_path) for a in args], "-o", out)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == f"Error: {message.format(d=tmp_path)}\n"
    assert not out.exists()


@pytest.mark.parametrize(
    "score_split, label_split",
    # two folders pair their parts by name (each pair one shape on axis 0: tests/cli/
    # test_hostile.py refuses other splits); a folder beside one file reads across the parts
    [((2, 4), None), ((2, 4), (2, 4)), (None, (3, 3)), ((1, 1, 4), (1, 1, 4))],
)
def test_folders_of_parts_read_as_the_one_array(tmp_path, score_split, label_split):
    s, lab, x, y = _seg(tmp_path)
    whole = json.loads(invoke(s, lab, "--ignore-index", "255").stdout)

    def folder(name, arr, split):
        if split is None:
            return {"x": s, "y": lab}[name]
        d = tmp_path / name
        d.mkdir()
        at = np.cumsum((0, *split))
        for k in range(len(split)):
            np.save(d / f"part-{k:03d}.npy", arr[at[k] : at[k + 1]])
        return d

    xs, ys = folder("x", x, score_split), folder("y", y, label_split)
    r = invoke(xs, ys, "--ignore-index", "255", "--chunk-size", "36")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["n_samples"], d["n_evaluated"]) == (whole["n_samples"], whole["n_evaluated"])
    assert d["losses"] == pytest.approx(whole["losses"], rel=1e-12)
    assert_same_json(d["metrics"], whole["metrics"], rel=1e-12, abs=0.0)


def test_parts_of_other_shapes_are_refused(tmp_path):
    (tmp_path / "x").mkdir()
    np.save(tmp_path / "x" / "a.npy", np.zeros((2, 4, 5, 6)))
    np.save(tmp_path / "x" / "b.npy", np.zeros((2, 4, 5, 7)))
    np.save(tmp_path / "y.npy", np.zeros((4, 5, 6), np.uint8))
    r = invoke(tmp_path / "x", tmp_path / "y.npy")
    assert (r.exit_code, r.stdout) == (2, "")
    x = tmp_path / "x"
    assert r.stderr == (
        f"Error: {x / 'b.npy'}: has shape (2, 4, 5, 7), but {x / 'a.npy'} has (2, 4, 5, 6); "
        f"every part of a dense {x} needs the same shape past axis 0\n"
    )


@pytest.mark.parametrize("order", ["C", "F"])
def test_batches_read_by_file_or_by_slice_are_the_array(tmp_path, order):
    from losscli.io._arrays import _batches

    arr = (
        np.asfortranarray(np.arange(7 * 3 * 4.0).reshape(7, 3, 4))
        if order == "F"
        else (np.arange(7 * 3 * 4.0).reshape(7, 3, 4))
    )
    np.save(tmp_path / "a.npy", arr)
    mm = np.load(tmp_path / "a.npy", mmap_mode="r")
    got = list(_batches(mm, 3))
    assert [s for s, _ in got] == [0, 3, 6]
    assert all(not isinstance(b, np.memmap) for _, b in got)  # copies: nothing stays mapped
    np.testing.assert_array_equal(np.concatenate([b for _, b in got]), arr)
