"""Segmentation metrics of dense arrays against independent formulas written here.

``miou`` / ``mdice`` / per-class IoU against the mmseg formula (``intersect_and_union`` per
image with ``ignore_index`` pixels dropped, areas summed over the dataset, ``nanmean`` over
classes), also its aAcc (= ``accuracy``) and mAcc (= ``balanced_accuracy``); the samplewise
scores on hand-made masks (a class absent from an image, an image whose every pixel is void);
``--no-background``; the per-image Dice loss; ``perplexity`` of ordinary multi-class rows
against ``exp(mean(-log_softmax))`` from scipy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import run_json
from scipy.special import log_softmax


def mmseg_metrics(pred, label, num_classes, ignore_index=255):
    """mmseg's ``intersect_and_union`` + ``total_area_to_metrics`` (mIoU, mDice, aAcc, mAcc)."""
    inter = np.zeros(num_classes)
    area_pred = np.zeros(num_classes)
    area_label = np.zeros(num_classes)
    for p, lab in zip(pred, label):
        mask = lab != ignore_index
        p, lab = p[mask], lab[mask]
        hit = p[p == lab]
        inter += np.histogram(hit, bins=num_classes, range=(0, num_classes - 1))[0]
        area_pred += np.histogram(p, bins=num_classes, range=(0, num_classes - 1))[0]
        area_label += np.histogram(lab, bins=num_classes, range=(0, num_classes - 1))[0]
    union = area_pred + area_label - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
        dice = 2 * inter / (area_pred + area_label)
        acc = inter / area_label
    return {
        "iou": iou,
        "mIoU": np.nanmean(iou),
        "mDice": np.nanmean(dice),
        "aAcc": inter.sum() / area_label.sum(),
        "mAcc": np.nanmean(acc),
    }


def _write(tmp_path, x, y):
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return [tmp_path / "x.npy", tmp_path / "y.npy"]


def _hand_made():
    """3 images 4x4, 3 classes + void 255: class 2 absent from image 0 (labels and
    predictions), image 2 all void; the logits put the predicted class at 5."""
    y = np.array(
        [
            [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1], [255, 255, 1, 1]],
            [[2, 2, 2, 0], [2, 2, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]],
            [[255] * 4] * 4,
        ],
        dtype=np.uint8,
    )
    pred = np.array(
        [
            [[0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1], [0, 0, 1, 1]],
            [[2, 2, 0, 0], [2, 2, 0, 0], [1, 0, 0, 0], [1, 1, 2, 0]],
            [[1, 2, 0, 1]] * 4,
        ]
    )
    x = np.zeros((3, 3, 4, 4))
    np.put_along_axis(x, pred[:, None], 5.0, axis=1)
    return x, y, pred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_miou_mdice_and_accuracies_are_mmseg(tmp_path, seed):
    rng = np.random.default_rng(seed)
    c = 5
    y = rng.integers(0, c, (4, 9, 11)).astype(np.uint8)
    y[rng.random(y.shape) < 0.1] = 255
    y[y == 4] = 3  # class 4 never true ...
    x = rng.normal(size=(4, c, 9, 11))
    x[:, 4] -= 1.0  # ... and rarely predicted
    d = run_json("compute", *_write(tmp_path, x, y), "--ignore-index", "255", "--format", "json")
    ref = mmseg_metrics(x.argmax(axis=1), y, c)
    m = d["metrics"]
    assert m["miou"] == pytest.approx(ref["mIoU"], rel=1e-12)
    assert m["mdice"] == pytest.approx(ref["mDice"], rel=1e-12)
    assert m["accuracy"] == pytest.approx(ref["aAcc"], rel=1e-12)
    assert m["balanced_accuracy"] == pytest.approx(ref["mAcc"], rel=1e-12)
    for k, row in enumerate(d["per_class"]):
        if not np.isnan(ref["iou"][k]):
            assert row["jaccard"] == pytest.approx(ref["iou"][k], rel=1e-12)


def test_hand_made_masks(tmp_path):
    x, y, pred = _hand_made()
    args = [*_write(tmp_path, x, y), "--ignore-index", "255", "--format", "json"]
    d = run_json("compute", *args)
    ref = mmseg_metrics(pred, y, 3)
    assert d["metrics"]["miou"] == pytest.approx(ref["mIoU"], rel=1e-12)
    assert (d["n_samples"], d["n_evaluated"], d["n_ignored"]) == (3, 30, 18)
    # by hand: image 0 (14 pixels not void) class 0 tp 5 fp 1 fn 1, class 1 tp 7 fp 1 fn 1:
    # IoU 5/7, 7/9; class 2 absent from its labels and predictions: no score there
    # (torchmetrics); image 1: class 0 tp 6 fp 2 fn 1 -> 6/9; 1 tp 3 fn 1 -> 3/4;
    # 2 tp 4 fp 1 fn 1 -> 4/6; image 2: every pixel void: no score, not in the mean
    img0, img1 = (5 / 7 + 7 / 9) / 2, (6 / 9 + 3 / 4 + 4 / 6) / 3
    assert d["metrics"]["miou_samplewise"] == pytest.approx((img0 + img1) / 2, rel=1e-12)
    dice0, dice1 = (10 / 12 + 14 / 16) / 2, (12 / 15 + 6 / 7 + 8 / 10) / 3
    assert d["metrics"]["dice_samplewise"] == pytest.approx((dice0 + dice1) / 2, rel=1e-12)
    nb = run_json("compute", *args, "--no-background")["metrics"]
    # class 0 left out: image 0 keeps class 1, image 1 classes 1 and 2
    assert nb["miou_samplewise"] == pytest.approx((7 / 9 + (3 / 4 + 4 / 6) / 2) / 2, rel=1e-12)
    iou = ref["iou"][1:]
    assert nb["miou"] == pytest.approx(np.mean(iou), rel=1e-12)
    assert nb["miou"] != d["metrics"]["miou"]


def test_per_image_rows(tmp_path):
    x, y, pred = _hand_made()
    out = tmp_path / "per.jsonl"
    args = [*_write(tmp_path, x, y), "--ignore-index", "255", "--per-sample", out]
    run_json("compute", *args, "--format", "json")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["sample"] for r in rows] == [0, 1, 2]
    assert [r["n_elements"] for r in rows] == [14, 16, 0]
    assert rows[0]["pixel_accuracy"] == pytest.approx(12 / 14)
    assert rows[1]["miou"] == pytest.approx((6 / 9 + 3 / 4 + 4 / 6) / 3)
    assert rows[1]["mdice"] == pytest.approx((12 / 15 + 6 / 7 + 8 / 10) / 3)
    assert rows[2]["miou"] is None and rows[2]["ce"] is None  # no evaluated pixel
    lp = log_softmax(x, axis=1)
    for i in (0, 1):
        keep = y[i] != 255
        ce = -np.take_along_axis(lp[i], y[i][None].astype(int) % 3, 0)[0][keep].mean()
        assert rows[i]["ce"] == pytest.approx(ce, rel=1e-12)


def test_binary_dice_loss_per_image_is_the_formula_on_that_image(tmp_path):
    rng = np.random.default_rng(5)
    p = rng.random((3, 1, 6, 6))
    y = (rng.random((3, 6, 6)) < 0.4).astype(np.uint8)
    out = tmp_path / "per.csv"
    args = [*_write(tmp_path, p, y), "--loss", "dice", "--per-sample", out, "--format", "json"]
    d = run_json("compute", *args)

    def dice(pp, yy, s=1e-5):  # 1 - (2 sum py + s) / (sum p + sum y + s), --dice-smooth s
        return 1 - (2 * (pp * yy).sum() + s) / (pp.sum() + yy.sum() + s)

    assert d["losses"]["dice"] == pytest.approx(dice(p[:, 0], y), rel=1e-12)
    per = [float(line.split(",")[2]) for line in out.read_text().splitlines()[1:]]
    assert per == pytest.approx([dice(p[i, 0], y[i]) for i in range(3)], rel=1e-12)


@pytest.mark.parametrize("extra", [[], ["--class-weights", "1,2,3"], ["--label-smoothing", "0.3"]])
def test_perplexity_of_ordinary_rows(tmp_path, extra):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(50, 3)) * 2
    y = rng.integers(0, 3, 50)
    f = tmp_path / "p.csv"
    f.write_text("label,a,b,c\n" + "\n".join(f"{v},{r[0]},{r[1]},{r[2]}" for v, r in zip(y, x)))
    d = run_json("compute", f, *extra, "--format", "json")
    nll = -log_softmax(x, axis=1)[np.arange(50), y].mean()  # unweighted, unsmoothed
    assert d["metrics"]["perplexity"] == pytest.approx(np.exp(nll), rel=1e-10)
