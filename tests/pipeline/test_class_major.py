"""The class-major path of dense multi-class logits (``metrics/class_major.py``,
``pipeline/class_major.py``) gives the row path's numbers.

References: the row path itself (the same arrays channels-last, ``(N, d.., C)``, which stay
on the row path, so every number of the report, the per-image rows and the worst images
must agree to float rounding), the per-element functions the row path uses
(``activations.log_softmax``, ``metrics.calibration.brier_multiclass``, ``losses.cross_entropy``)
and torch's ``F.cross_entropy`` formula written out in numpy (log-softmax, class weights,
label smoothing, ignore_index, mean over ``sum w[y]``)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from helpers import assert_same_json, run_json, spy
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.activations import log_softmax, softmax
from losscli.losses import cross_entropy
from losscli.metrics.calibration import brier_multiclass
from losscli.metrics.class_major import class_major_rows
from losscli.pipeline import class_major

GRIDS = {"(N, C, T)": (7,), "(N, C, H, W)": (3, 5), "(N, C, D, H, W)": (2, 3, 2)}


def _arrays(rng, grid, n=4, c=4, ignore=None, dtype=np.float64, scale=3.0):
    x = (rng.normal(size=(n, c, *grid)) * scale).astype(dtype)
    y = rng.integers(0, c, (n, *grid))
    if ignore is not None:
        y[rng.random(y.shape) < 0.2] = ignore
        y = y.astype(np.uint8 if ignore == 255 else np.int64)
    return x, y


def _save(d, name, arr):
    p = d / name
    np.save(p, arr)
    return str(p)


def _report(d, x, y, tag, *extra):
    per = d / f"per_{tag}.csv"
    out = run_json(
        "compute", _save(d, f"s_{tag}.npy", x), _save(d, f"y_{tag}.npy", y), *extra,
        "--per-sample", per, "--format", "json", "-q",
    )  # fmt: skip
    with per.open() as f:
        return out, list(csv.DictReader(f))


OPTIONS = {
    "plain": [],
    "class weights": ["--class-weights", "1,2,0.5,3"],
    "label smoothing": ["--label-smoothing", "0.1"],
    "both": ["--class-weights", "0.5,1,2,1", "--label-smoothing", "0.3"],
    "no background": ["--no-background"],
    "one image a chunk": ["--chunk-size", "1"],
    "all images in a chunk": ["--chunk-size", "100000"],
}


@pytest.mark.parametrize("grid", list(GRIDS.values()), ids=list(GRIDS))
@pytest.mark.parametrize("ignore", [None, 255, -100])
@pytest.mark.parametrize("opt", list(OPTIONS), ids=list(OPTIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_channels_first_equals_channels_last(tmp_path, grid, ignore, opt, dtype):
    """Class-major (N, C, d..) against the row path on the same numbers as (N, d.., C);
    float32 scores stay float32 on the class-major path (widened a tile at a time) and are
    widened whole on the row path."""
    rng = np.random.default_rng(len(grid) * 7 + (ignore or 0) % 13)
    x, y = _arrays(rng, grid, dtype=dtype)
    args = [*OPTIONS[opt], *(["--ignore-index", str(ignore)] if ignore is not None else [])]
    first, rows_first = _report(tmp_path, x, y, "first", *args, "--class-axis", "first")
    last, rows_last = _report(
        tmp_path, np.moveaxis(x, 1, -1), y, "last", *args, "--class-axis", "last"
    )
    for d in (first, last):  # the reading said differs by the axis only
        d.pop("inference")
        d["settings"] = d.pop("signature").replace("class_axis=last", "class_axis=first")
        d.pop("inputs")
    assert_same_json(first, last, rel=1e-12, abs=1e-14)
    assert rows_first == rows_last or all(
        a.keys() == b.keys()
        and all(float(a[k] or "nan") == pytest.approx(float(b[k] or "nan"), rel=1e-12, nan_ok=True)
                for k in a)
        for a, b in zip(rows_first, rows_last, strict=True)
    )  # fmt: skip


def test_the_class_major_path_is_taken_and_the_row_path_is_not(tmp_path, monkeypatch):
    calls = spy(monkeypatch, class_major, "add_class_major_chunk")
    x, y = _arrays(np.random.default_rng(0), (3, 5), ignore=255)
    _report(tmp_path, x, y, "a", "--ignore-index", "255", "--chunk-size", "1")
    assert calls == [True] * 4  # one chunk per image, each added class-major
    calls.clear()
    _report(tmp_path, x, y, "b", "--ignore-index", "255", "--loss", "focal")
    assert calls == []  # another loss: the row path


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weights", [None, (1.0, 2.0, 0.5, 3.0)])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_ce_equals_torch_formula_written_out(tmp_path, dtype, weights, smoothing):
    """``F.cross_entropy(x, y, weight=w, ignore_index=255, label_smoothing=e)``, K-dim: per
    element ``(1-e) w_y (-l_y) + e/C sum_c w_c (-l_c)`` (l the log-softmax over axis 1),
    ignored elements out, the mean over ``sum w[y]`` of the kept ones."""
    x, y = _arrays(np.random.default_rng(5), (4, 6), ignore=255, dtype=dtype)
    args = ["--ignore-index", "255", "--label-smoothing", str(smoothing)]
    if weights:
        args += ["--class-weights", ",".join(map(str, weights))]
    d, _ = _report(tmp_path, x, y, "t", *args)
    z = x.astype(np.float64)
    lse = np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1)) + z.max(axis=1)
    logp = z - lse[:, None]
    w = np.ones(4) if weights is None else np.array(weights)
    keep = y != 255
    ys = np.where(keep, y, 0)
    ly = np.take_along_axis(logp, ys[:, None].astype(np.int64), axis=1)[:, 0]
    per = (1 - smoothing) * w[ys] * -ly + smoothing / 4 * -(logp * w[None, :, None, None]).sum(1)
    want = per[keep].sum() / w[ys][keep].sum()
    assert d["losses"]["ce"] == pytest.approx(want, rel=1e-12)
    assert d["metrics"]["perplexity"] == pytest.approx(np.exp(-ly[keep].mean()), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    c=st.integers(2, 7),
    n=st.integers(1, 40),
    scale=st.sampled_from([0.0, 1.0, 30.0, 800.0]),
    seed=st.integers(0, 2**16),
    smoothing=st.booleans(),
)
def test_class_major_rows_equal_the_row_functions(c, n, scale, seed, smoothing):
    """Each term against what the row path computes from (P, C) rows; ties (scale 0: all
    logits equal) go to the lowest class, as np.argmax; large logits keep tiny tails."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(c, n)) * scale
    z[:, : n // 3] = np.round(z[:, : n // 3])  # ties within columns
    y = rng.integers(0, c, n)
    w = rng.random(c) + 0.1
    r = class_major_rows(z, y, w, smoothing)
    rows = z.T
    logp = log_softmax(rows)
    p = softmax(rows)
    assert r.pred.tolist() == np.argmax(rows, axis=1).tolist()  # the logits' argmax
    np.testing.assert_allclose(r.logp_true, logp[np.arange(n), y], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(r.conf, p.max(axis=1), rtol=1e-12)
    np.testing.assert_allclose(r.p_true, p[np.arange(n), y], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(r.brier, brier_multiclass(y, p), rtol=1e-9, atol=1e-15)
    if smoothing:
        np.testing.assert_allclose(r.wlogp, (logp * w).sum(axis=1), rtol=1e-9, atol=1e-9)
        ce = cross_entropy(y, rows, class_weights=tuple(w), label_smoothing=0.1)
        from losscli.losses.multiclass import ce_terms

        got = ce_terms(r.logp_true, r.wlogp, y, np.ones(n, bool), w, 0.1)
        np.testing.assert_allclose(got, ce, rtol=1e-9, atol=1e-12)
    else:
        assert r.wlogp is None


@settings(max_examples=40, deadline=None)
@given(
    c=st.integers(2, 7),
    n=st.integers(1, 3000),
    scale=st.sampled_from([0.0, 1.0, 30.0, 1e30]),
    seed=st.integers(0, 2**16),
    smoothing=st.booleans(),
    weighted=st.booleans(),
)
def test_float32_logits_give_the_widened_terms_bit_for_bit(c, n, scale, seed, smoothing, weighted):
    """float32 logits, widened a tile at a time (the max and argmax taken on the float32
    values), give every term of ``z.astype(float64)`` exactly, C-ordered and strided
    (``--drop-invalid`` copies rows), over several tiles (n up to 3000, tiles of 500)."""
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(c, n)) * scale).astype(np.float32)
    z[:, : n // 3] = np.round(z[:, : n // 3])  # ties within columns
    y = rng.integers(0, c, n)
    w = rng.random(c) + 0.1 if weighted else None
    from losscli.metrics import class_major as cm

    old, cm.TILE_VALUES = cm.TILE_VALUES, 500 * c
    try:
        for zz in (z, np.ascontiguousarray(z.T).T):  # widened in the same memory order
            want = class_major_rows(zz.astype(np.float64, order="K"), y, w, smoothing)
            got = class_major_rows(zz, y, w, smoothing)
            for name in ("pred", "logp_true", "conf", "p_true", "brier", "wlogp"):
                a, b = getattr(got, name), getattr(want, name)
                assert (a is None and b is None) or np.array_equal(a, b), name
    finally:
        cm.TILE_VALUES = old


@pytest.mark.parametrize("c", [2, 3, 19, 24, 25, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_argmax_is_numpys_with_ties_to_the_lowest_class(c, dtype):
    """The predicted class is ``np.argmax`` over the classes, ties to the lowest, on both
    sides of 24 classes (a float32 product of class bits up to 24, plane by plane above),
    with columns tied on 2, several or every class, the max on the first or last class."""
    rng = np.random.default_rng(c)
    z = np.round(rng.normal(size=(c, 700)) * 2).astype(dtype)  # many ties
    z[:, :50] = 1.0  # every class tied
    z[0, 50:100], z[-1, 100:150] = 9.0, 9.0
    z[[1, -1], 150:200] = 9.0
    y = rng.integers(0, c, z.shape[1])
    assert class_major_rows(z, y).pred.tolist() == np.argmax(z, axis=0).tolist()
