"""``--bootstrap`` on dense arrays resamples whole samples (images, sequences), not elements.

``pipeline.dense_resample.ImageSums`` keeps one vector of sums per sample; a resample weighs
sample i by ``c_i``. The references: the same run on the arrays with each image repeated
``c_i`` times (an independent pass of the pipeline over other data: every statistic of a
weighted resample must equal it), numpy on the weighted images (confusion counts, mIoU,
cross-entropy as ``torch.nn.functional.cross_entropy``'s mean over the kept elements) and the
ordinary row bootstrap of the flattened elements (which must be far narrower when the images
differ)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from losscli.cli import cli
from losscli.engine import Evaluation, Options, evaluate


def _save(d, name, a):
    np.save(d / name, a)
    return str(d / name)


def _multiclass(rng, n=6, c=3, h=4, w=5, ignore=False):
    s = rng.normal(size=(n, c, h, w)).astype(np.float64)
    y = rng.integers(0, c, size=(n, h, w))
    if ignore:
        y[rng.random(y.shape) < 0.2] = -100
    return s, y, {}


def _binary(rng, n=6, h=4, w=5):
    s = rng.random((n, h, w))
    y = (rng.random((n, h, w)) < s).astype(np.uint8)
    return s, y, {"task": "binary"}


def _multilabel(rng, n=6, c=3, t=7):
    s = rng.normal(size=(n, c, t))
    y = (rng.random((n, c, t)) < 0.4).astype(np.uint8)
    return s, y, {"task": "multilabel"}


def _tokens(rng, n=5, t=9, c=4):
    s = rng.normal(size=(n, t, c))
    y = rng.integers(0, c, size=(n, t))
    y[:, -2:] = -100  # padding
    return s, y, {}


KINDS = {
    "multiclass": lambda r: _multiclass(r),
    "multiclass ignore": lambda r: _multiclass(r, ignore=True),
    "binary": _binary,
    "multilabel": _multilabel,
    "tokens": _tokens,
}


def _points(report):
    return {**report.losses, **report.metrics}


def _images(ev):
    return ev.kept_rows()


@pytest.mark.parametrize("kind", list(KINDS))
def test_intervals_contain_the_point_value(tmp_path, kind):
    s, y, kw = KINDS[kind](np.random.default_rng(1))
    r = evaluate(_save(tmp_path, "s.npy", s), _save(tmp_path, "y.npy", y), bootstrap=200, **kw)
    ci = r.ci
    assert ci["unit"] == "sample" and ci["n_units"] == s.shape[0]
    assert any(n.startswith("--bootstrap resamples whole samples") for n in r.inference)
    points = _points(r)
    checked = 0
    for name, iv in ci["intervals"].items():
        if iv is None:
            continue
        lo, hi = iv
        assert lo - 1e-9 <= points[name] <= hi + 1e-9, (name, points[name], iv)
        checked += 1
    assert checked >= 10
    for name in ("miou", "mdice", "miou_samplewise", "dice_samplewise", "accuracy"):
        if points.get(name) is not None:
            assert ci["intervals"][name] is not None, name


@pytest.mark.parametrize("kind", list(KINDS))
def test_unit_weights_give_the_point_values(tmp_path, kind):
    s, y, kw = KINDS[kind](np.random.default_rng(2))
    ev = Evaluation(
        _save(tmp_path, "s.npy", s),
        _save(tmp_path, "y.npy", y),
        Options(bootstrap=10, auc_bins=1000, **kw),
    )
    r = ev.run()
    points = _points(r)
    names = [n for n, v in points.items() if isinstance(v, float)]
    got = _images(ev).stat(names)(np.ones((1, s.shape[0])))
    for name in names:
        assert got[name][0] == pytest.approx(points[name], rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("weights", [[2, 0, 1, 1, 0], [0, 3, 1, 0, 1], [1, 1, 0, 0, 4]])
def test_a_resample_is_the_run_on_the_images_repeated(tmp_path, kind, weights):
    s, y, kw = KINDS[kind](np.random.default_rng(3))
    s, y = s[:5], y[:5]
    ev = Evaluation(
        _save(tmp_path, "s.npy", s),
        _save(tmp_path, "y.npy", y),
        Options(bootstrap=10, auc_bins=1000, **kw),
    )
    ev.run()
    idx = np.repeat(np.arange(5), weights)
    ref = evaluate(
        _save(tmp_path, "s2.npy", s[idx]), _save(tmp_path, "y2.npy", y[idx]), auc_bins=1000, **kw
    )
    points = _points(ref)
    names = [n for n, v in points.items() if isinstance(v, float)]
    got = _images(ev).stat(names)(np.array([weights], dtype=np.uint8))
    for name in names:
        assert got[name][0] == pytest.approx(points[name], rel=1e-9, abs=1e-12), name


def test_a_resample_by_hand_in_numpy(tmp_path):
    """3 images, weights (2, 0, 1): accuracy, mIoU and cross-entropy of the weighted images
    from numpy (CE: torch.nn.functional.cross_entropy's mean over the non-ignored elements,
    log-softmax written out)."""
    rng = np.random.default_rng(4)
    s = rng.normal(size=(3, 3, 4, 4))
    y = rng.integers(0, 3, size=(3, 4, 4))
    y[1, 0] = -100
    ev = Evaluation(_save(tmp_path, "s.npy", s), _save(tmp_path, "y.npy", y), Options(bootstrap=10))
    ev.run()
    c = np.array([2, 0, 1])
    got = _images(ev).stat(["ce", "accuracy", "miou"])(c[None, :])
    w = np.repeat(c, 16).astype(float)  # each element weighs its image's count
    z = s.transpose(0, 2, 3, 1).reshape(-1, 3)
    t = y.reshape(-1)
    k = t != -100
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    nll = -logp[np.arange(t.size), np.where(k, t, 0)]
    ce = (w * nll)[k].sum() / w[k].sum()
    pred = z.argmax(axis=1)
    acc = (w * (pred == t))[k].sum() / w[k].sum()
    cm = np.zeros((3, 3))
    np.add.at(cm, (t[k], pred[k]), w[k])
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    miou = np.mean(tp[union > 0] / union[union > 0])
    assert got["ce"][0] == pytest.approx(ce, rel=1e-12)
    assert got["accuracy"][0] == pytest.approx(acc, rel=1e-12)
    assert got["miou"][0] == pytest.approx(miou, rel=1e-12)


def test_images_are_the_unit_not_pixels(tmp_path):
    """Images that differ (some right everywhere, some wrong everywhere): the interval over
    images is wide; the row bootstrap of the same elements flattened (every pixel its own
    unit) is many times narrower."""
    rng = np.random.default_rng(5)
    n, h, w = 20, 16, 16
    good = rng.random(n) < 0.5
    y = rng.integers(0, 2, size=(n, h, w)).astype(np.uint8)
    right = rng.random((n, h, w)) < np.where(good, 0.95, 0.3)[:, None, None]
    p = np.where(right == (y == 1), 0.8, 0.2)
    dense = evaluate(
        _save(tmp_path, "s.npy", p), _save(tmp_path, "y.npy", y), task="binary", bootstrap=300
    )
    flat = evaluate(p.reshape(-1), y.reshape(-1).astype(float), task="binary", bootstrap=300)
    lo, hi = dense.ci["intervals"]["accuracy"]
    flo, fhi = flat.ci["intervals"]["accuracy"]
    assert dense.metrics["accuracy"] == pytest.approx(flat.metrics["accuracy"])
    assert (hi - lo) > 4 * (fhi - flo)


def test_same_seed_same_intervals_and_the_cli_json(tmp_path):
    s, y, _ = _multiclass(np.random.default_rng(6))
    a, b = _save(tmp_path, "s.npy", s), _save(tmp_path, "y.npy", y)
    args = ["compute", a, b, "--bootstrap", "50", "--seed", "3", "--format", "json", "-q"]
    r1 = CliRunner().invoke(cli, args)
    r2 = CliRunner().invoke(cli, args)
    assert r1.exit_code == 0, r1.stderr
    d = json.loads(r1.stdout)
    assert d["ci"] == json.loads(r2.stdout)["ci"]
    assert d["ci"]["unit"] == "sample" and d["ci"]["n_boot"] == 50
    assert d["ci"]["intervals"]["miou"] is not None
    table = CliRunner().invoke(cli, ["compute", a, b, "--bootstrap", "50", "-q"])
    assert table.exit_code == 0 and "miou" in table.stdout


def test_per_sample_sums_grow_with_the_elements_not_the_bins(tmp_path):
    """2000 sequences of 10 tokens, 5 classes, 1000 ranking bins: a dense vector per sequence
    would hold 2 x 5 x 1000 bins (160 MB in all); kept sparse, at most one entry per token
    and class."""
    rng = np.random.default_rng(7)
    s = rng.normal(size=(2000, 10, 5)).astype(np.float32)
    y = rng.integers(0, 5, size=(2000, 10))
    ev = Evaluation(_save(tmp_path, "s.npy", s), _save(tmp_path, "y.npy", y), Options(bootstrap=10))
    ev.run()
    im = _images(ev)
    stored = im.matrix().nbytes + sum(
        r.nbytes + c.nbytes + v.nbytes for sp in (im.hist, im.joint) for r, c, v in sp.parts
    )
    assert im.n_images == 2000
    assert stored < 2000 * 10 * 5 * 2 * 24 + im.matrix().nbytes  # <= 2 entries per token, class
    assert stored < 10e6


def test_a_statistic_without_interval_is_named(tmp_path):
    """One resample gives no percentile interval: every statistic is named in one warning."""
    s, y, _ = _multiclass(np.random.default_rng(8))
    r = evaluate(_save(tmp_path, "s.npy", s), _save(tmp_path, "y.npy", y), bootstrap=1)
    assert all(v is None for v in r.ci["intervals"].values())
    (w,) = [w for w in r.warnings if w.startswith("--bootstrap: no interval for ")]
    assert "miou, mdice, miou_samplewise, dice_samplewise (undefined" in w
