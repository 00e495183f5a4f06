"""``losscli compare`` on two dense runs (A and B scores, the same masks): paired by sample.

The bootstrap draws whole samples (images, sequences) for both models; the randomisation test
swaps whole samples between A and B. References: the pipeline run on arrays assembled by
numpy (images repeated by their counts; A's images where no swap, B's where a swap), and the
ordinary compare of the same elements flattened into rows (pixels as units: narrower)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from losscli.cli import cli
from losscli.comparison import compare
from losscli.engine import Evaluation, Options, evaluate


def _data(d, rng, n=6, c=3, h=4, w=5):
    y = rng.integers(0, c, size=(n, h, w))
    y[rng.random(y.shape) < 0.1] = -100
    a = rng.normal(size=(n, c, h, w))
    hit = (np.arange(c)[None, :, None, None] == y[:, None]).astype(float)
    b = a + rng.random((n, 1, 1, 1)) * 3 * hit  # B better, by a different amount per image
    for name, arr in (("a", a), ("b", b), ("y", y)):
        np.save(d / f"{name}.npy", arr)
    return a, b, y


def _kept(path, labels):
    ev = Evaluation(str(path), str(labels), Options(keep_rows=True, auc_bins=1000))
    ev.consume()
    return ev, ev.kept_rows()


def _values(a, y, d, tag):
    np.save(d / f"s_{tag}.npy", a)
    np.save(d / f"y_{tag}.npy", y)
    r = evaluate(str(d / f"s_{tag}.npy"), str(d / f"y_{tag}.npy"), auc_bins=1000)
    return {**r.losses, **r.metrics}


NAMES = ["ce", "accuracy", "miou", "mdice", "miou_samplewise", "f1_macro", "roc_auc_macro"]
# roc_auc_macro: ranking is computed for dense arrays only when asked (--auc-bins)


def test_identical_runs_differ_by_nothing(tmp_path):
    _data(tmp_path, np.random.default_rng(0))
    c = compare(
        tmp_path / "a.npy", tmp_path / "a.npy", tmp_path / "y.npy", bootstrap=50,
        n_permutations=50, auc_bins=1000,
    )  # fmt: skip
    assert c.test["unit"] == "sample" and c.test["n_units"] == 6 and c.n_samples == 6
    for name in NAMES:
        m = c.metrics[name]
        assert m["delta"] == 0.0 and m["ci"] == [0.0, 0.0] and m["p_value"] == 1.0, name


@pytest.mark.parametrize("counts", [[2, 0, 1, 1, 0, 3], [0, 1, 1, 4, 0, 0]])
def test_a_paired_resample_is_both_runs_on_the_images_repeated(tmp_path, counts):
    a, b, y = _data(tmp_path, np.random.default_rng(1))
    _, ka = _kept(tmp_path / "a.npy", tmp_path / "y.npy")
    _, kb = _kept(tmp_path / "b.npy", tmp_path / "y.npy")
    idx = np.repeat(np.arange(6), counts)
    want_a = _values(a[idx], y[idx], tmp_path, "ra")
    want_b = _values(b[idx], y[idx], tmp_path, "rb")
    c = np.array([counts])
    got_a, got_b = ka.stat(NAMES)(c), kb.stat(NAMES)(c)
    for name in NAMES:
        assert got_a[name][0] == pytest.approx(want_a[name], rel=1e-9), name
        assert got_b[name][0] == pytest.approx(want_b[name], rel=1e-9), name


@pytest.mark.parametrize("swap", [[1, 0, 0, 1, 1, 0], [0, 0, 0, 0, 0, 1], [1, 1, 1, 1, 1, 1]])
def test_a_swap_exchanges_whole_images(tmp_path, swap):
    a, b, y = _data(tmp_path, np.random.default_rng(2))
    _, ka = _kept(tmp_path / "a.npy", tmp_path / "y.npy")
    _, kb = _kept(tmp_path / "b.npy", tmp_path / "y.npy")
    s = np.array(swap)
    mixed = ka.stat(NAMES, then=kb)(np.concatenate([1 - s, s])[None, :])
    want = _values(np.where(s[:, None, None, None] == 1, b, a), y, tmp_path, "mix")
    for name in NAMES:
        assert mixed[name][0] == pytest.approx(want[name], rel=1e-9), name


def test_images_are_the_unit_not_pixels(tmp_path):
    """B's gain differs from image to image: the interval of the delta over images is far
    wider than over the same pixels flattened into rows."""
    rng = np.random.default_rng(3)
    a, b, y = _data(tmp_path, rng, n=20, h=12, w=12)
    dense = compare(
        tmp_path / "a.npy", tmp_path / "b.npy", tmp_path / "y.npy", bootstrap=200,
        n_permutations=0,
    )  # fmt: skip
    keep = y.reshape(-1) != -100
    flat = {k: v.transpose(0, 2, 3, 1).reshape(-1, 3)[keep] for k, v in (("a", a), ("b", b))}
    yf = y.reshape(-1)[keep]
    for k, v in flat.items():
        np.save(tmp_path / f"f{k}.npy", np.column_stack([v, yf]))
    rows = compare(
        tmp_path / "fa.npy", tmp_path / "fb.npy", bootstrap=200, n_permutations=0,
        label_col="3", scores="logits", task="multiclass",
    )  # fmt: skip
    lo, hi = dense.metrics["accuracy"]["ci"]
    flo, fhi = rows.metrics["accuracy"]["ci"]
    assert dense.metrics["accuracy"]["delta"] == pytest.approx(rows.metrics["accuracy"]["delta"])
    assert (hi - lo) > 2 * (fhi - flo)


def test_the_cli_json_says_the_unit(tmp_path):
    _data(tmp_path, np.random.default_rng(4))
    r = CliRunner().invoke(
        cli,
        ["compare", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), str(tmp_path / "y.npy")]
        + ["--bootstrap", "30", "--permutations", "30", "--format", "json", "-q"],
    )
    assert r.exit_code in (0, 1), r.stderr
    d = json.loads(r.stdout)
    assert d["test"]["unit"] == "sample" and d["n_samples"] == 6
    assert d["metrics"]["miou"]["better"] == "b"
